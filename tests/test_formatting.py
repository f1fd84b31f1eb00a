"""One way to show a number: each unit's rule, read as a table of values and what people see."""
from __future__ import annotations

import math

import pytest

from analytics.present import formatting


@pytest.mark.parametrize("value, unit, shown", [
    (1234, "count", "1,234"),
    # rates: percent with one decimal, so 92.6% never stands beside 88.02%
    (0.92617, "rate", "92.6%"), (0.8802, "rate", "88.0%"), (1, "rate", "100.0%"),
    (3.8749, "score", "3.87"), (0.1249, "difference", "+0.12"), (-0.004, "difference", "±0"),
    (12.4, "nps", "+12"), (-7.6, "nps", "-8"), (0.2, "nps", "±0"),
    (1.449, "per_month", "1.4"), (12.0, "days", "12.0"), (0.75, "hours", "0.8"),
    (0.4512, "effect", "0.45"), (0.25, "sentiment", "+0.25"),
    (0.00000881, "p", "< 0.001"), (0.0341, "p", "0.034"), (0.5, "p", "0.500"),
    (None, "rate", "–"), (math.nan, "score", "–"),
])
def test_each_unit_reads_one_way(value, unit, shown):
    assert formatting.show(value, unit) == shown


@pytest.mark.parametrize("value, unit, shown", [
    (0.032, "rate", "+3.2 pts"), (-0.0004, "rate", "±0 pts"), (-0.05, "rate", "-5.0 pts"),
    (0.123, "score", "+0.12"), (-3, "nps", "-3"), (12, "count", "+12"), (0.25, "per_month", "+0.2"),
])
def test_changes_carry_their_sign_and_never_read_minus_zero(value, unit, shown):
    assert formatting.change(value, unit) == shown


@pytest.mark.parametrize("p, shown", [(0.00000881, "p < 0.001"), (0.001, "p = 0.001"), (0.0341, "p = 0.034"),
                                      (0.5, "p = 0.500")])
def test_p_values_read_plainly(p, shown):
    assert formatting.p_text(p) == shown


@pytest.mark.parametrize("n, small", [(None, False), (0, False), (1, True), (9, True), (10, False), (200, False)])
def test_small_n_is_one_to_nine(n, small):
    assert formatting.small(n) is small
    assert formatting.marked("67.0%", n) == ("67.0% †" if small else "67.0%")


@pytest.mark.parametrize("column, heading", [
    ("ci_low", "95% CI low"), ("cohens_dz", "effect size (Cohen's d, paired)"), ("t_p_value", "p (paired t-test)"),
    ("at_risk", "pairs still followed"), ("open_pairs", "open pairs"),
])
def test_headings_read_in_words(column, heading):
    assert formatting.heading(column) == heading


def test_every_unit_has_its_hover_and_spreadsheet_form():
    units = set(formatting.UNITS) - {"p"}
    assert units <= set(formatting.D3)
    assert set(formatting.UNITS) <= set(formatting.EXCEL)
    assert {f"{unit}_change" for unit in formatting.UNITS} <= set(formatting.EXCEL)


def test_an_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="Unknown unit 'furlongs'"):
        formatting.show(1, "furlongs")


@pytest.mark.parametrize("value, kind, shown", [
    (0.032, "rate_change", "+3.2 pts"), (0.45, "rate", "45.0%"), (0.0004, "p", "< 0.001"), (2.25, "text", "2.2"),
    (3.5, formatting.mean_of("count"), "3.5"), (None, "rate_change", "–"),
])
def test_a_cell_reads_by_its_kind(value, kind, shown):
    assert formatting.cell(value, kind) == shown
