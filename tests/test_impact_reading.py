"""The impact comparison in words: one verdict per reading, the E-values and the balance in sentences,
and the tables the Impact page and the report draw."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.present import impact_reading

NAN = float("nan")


def found(difference: float, ci_low: float, ci_high: float, reading: str | None, *, mde_80: float = 0.12,
          suppressed: bool = False, n_participants: int = 89, n_comparison: int = 260,
          e_value: float = NAN, e_value_ci: float = NAN) -> dict:
    """A comparison of the impact block as analytics.measures.impact writes it (suppressed: figures None)."""
    figures = {"participants": 0.8, "comparison": 0.8 - difference, "difference": difference, "ci_low": ci_low,
               "ci_high": ci_high, "mde_80": mde_80, "reading": reading, "e_value": e_value,
               "e_value_ci": e_value_ci}
    if suppressed:
        figures = {key: None for key in figures}
    return {**figures, "n_participants": n_participants, "n_participants_unmatched": 4,
            "n_comparison": n_comparison, "suppressed": suppressed}


@pytest.mark.parametrize("outcome, comparison, expected", [
    ("retention_12m", found(0.031, 0.012, 0.049, "difference"),
     "Participants were 3 points more likely to stay than comparable colleagues (95% CI +1 to +5)."),
    ("retention_12m", found(-0.064, -0.11, -0.018, "difference"),
     "Participants were 6 points less likely to stay than comparable colleagues (95% CI −11 to −2)."),
    ("promotion_rate_12m", found(0.01, 0.004, 0.016, "difference"),
     "Participants were 1 point more likely to be promoted than comparable colleagues (95% CI 0 to +2)."),
    ("promotion_rate_12m", found(0.003, 0.001, 0.005, "difference"),
     "Participants were less than 1 point more likely to be promoted than comparable colleagues "
     "(95% CI 0 to 0)."),
    ("retention_12m", found(0.004, -0.02, 0.028, "no_meaningful_difference"),
     "Participants were about as likely to stay as comparable colleagues: any difference is within ±5 points "
     "(95% CI −2 to +3)."),
    ("retention_12m", found(0.056, -0.026, 0.139, "inconclusive", mde_80=0.118),
     "Inconclusive: participants were 6 points more likely to stay than comparable colleagues, but the interval "
     "(95% CI −3 to +14) includes zero, so the data cannot tell an effect from none. With this many people, "
     "only a difference of about 12 points or more would reliably have shown."),
    ("retention_12m", found(0.0, NAN, NAN, None),
     "Participants and comparable colleagues did exactly as well as each other in every group compared, so no "
     "confidence interval can be given."),
    ("retention_12m", found(0.1, 0.0, 0.2, "difference", suppressed=True, n_participants=3, n_comparison=40),
     "Hidden to protect anonymity (n < 5): the comparison has 3 participants and 40 comparable colleagues, fewer "
     "than the minimum group size on one side."),
    ("retention_12m", found(0.1, 0.0, 0.2, "difference", suppressed=True, n_participants=1, n_comparison=2),
     "Hidden to protect anonymity (n < 5): the comparison has 1 participant and 2 comparable colleagues, fewer "
     "than the minimum group size on one side."),
    ("retention_12m", found(0.0, 0.0, 0.0, None, suppressed=True, n_participants=0, n_comparison=0),
     "No participant has comparable colleagues in these figures, so there is nothing to compare."),
])
def test_verdict_per_reading(outcome, comparison, expected):
    said = impact_reading.verdict(outcome, comparison, 0.05, 5)
    assert said == expected
    assert "no effect" not in said.lower()


@pytest.mark.parametrize("kwargs, expected", [
    ({"unavailable": "No employee file is loaded: load the employees export."},
     "No employee file is loaded: load the employees export."),
    ({}, "No adjusted comparison can be made for these figures."),
])
def test_verdict_without_a_block_says_why(kwargs, expected):
    assert impact_reading.verdict("retention_12m", None, 0.05, 5, **kwargs) == expected


def test_a_young_program_gets_the_date_of_its_first_comparison():
    comparison = found(NAN, NAN, NAN, None, suppressed=True, n_participants=0, n_comparison=0)
    said = impact_reading.verdict("retention_12m", comparison, 0.05, 5, first_comparison_on="2027-03-15")
    assert said.endswith("the first comparison is possible with data up to 15 March 2027.")


@pytest.mark.parametrize("comparison, expected", [
    (found(0.031, 0.012, 0.049, "difference"), "against comparable colleagues: +3 pts (95% CI +1 to +5), a difference"),
    (found(-0.004, -0.02, 0.015, "no_meaningful_difference"),
     "against comparable colleagues: 0 pts (95% CI −2 to +2), about the same"),
    (found(0.056, -0.026, 0.139, "inconclusive"),
     "against comparable colleagues: +6 pts (95% CI −3 to +14), inconclusive (the data cannot tell an effect from "
     "none)"),
    (found(0.1, 0.0, 0.2, "difference", suppressed=True, n_participants=3), "against comparable colleagues: n < 5"),
    (found(0.0, NAN, NAN, None), None),
    (found(NAN, NAN, NAN, None, suppressed=True, n_participants=0, n_comparison=0), None),
    (None, None),
])
def test_the_adjusted_reading_in_a_phrase_beside_the_raw_gap(comparison, expected):
    assert impact_reading.brief(comparison, 5) == expected


@pytest.mark.parametrize("outcome, comparison, expected", [
    ("retention_12m", found(0.06, 0.01, 0.11, "difference", e_value=1.8, e_value_ci=1.24),
     "To explain this estimate away, a factor not measured here would need to make people about 1.8 times as "
     "likely to join and to stay, beyond department, level and tenure; about 1.2 times would be enough for the "
     "interval to include no difference."),
    ("promotion_rate_12m", found(0.08, -0.01, 0.17, "inconclusive", e_value=3.6047, e_value_ci=1.0),
     "To explain this estimate away, a factor not measured here would need to make people about 3.6 times as "
     "likely to join and to be promoted, beyond department, level and tenure; the interval already includes no "
     "difference."),
    ("retention_12m", found(0.06, 0.01, 0.11, "difference", suppressed=True), None),
    ("retention_12m", found(0.06, 0.01, 0.11, "difference"), None),  # no E-value: the ratio's base is 0
])
def test_sensitivity_in_words(outcome, comparison, expected):
    assert impact_reading.sensitivity(outcome, comparison) == expected


@pytest.mark.parametrize("smd, expected", [
    ({"before": 0.5366, "after": 0.0097},
     "Before adjusting, participants had served longer than non-participants (standardised difference in tenure "
     "0.54); against the comparable colleagues it is 0.01, balanced (under 0.1 is commonly read as balanced)."),
    ({"before": -0.31, "after": 0.15},
     "Before adjusting, participants had served shorter than non-participants (standardised difference in tenure "
     "-0.31); against the comparable colleagues it is 0.15, still not balanced (under 0.1 is commonly read as "
     "balanced)."),
    ({"before": 0.2, "after": NAN},
     "Before adjusting, participants had served longer than non-participants (standardised difference in tenure "
     "0.20)."),
    ({"before": NAN, "after": NAN}, None),
])
def test_tenure_balance_in_words(smd, expected):
    assert impact_reading.tenure_balance(smd) == expected


def test_left_out_counts_the_unmatched_and_neither():
    block = {"n_participants": 133, "n_neither": 215, "retention_12m": {"n_participants_unmatched": 44}}
    assert impact_reading.left_out(block) == (
        "Left out: 44 of 133 participants with no colleague of the same department, level and tenure band outside "
        "the program; and 215 employees in neither group (mentored earlier, matched later, or in another program "
        "under a filter).")


def test_raw_and_adjusted_sit_side_by_side():
    raw = pd.DataFrame([
        {"measure": "retention_12m", "participants": 0.85, "non_participants": 0.76, "difference": 0.09,
         "ci_low": 0.02, "ci_high": 0.16, "reading": "difference", "n_participants": 133, "n_non_participants": 787,
         "suppressed": False},
        {"measure": "promotion_rate_12m", "participants": NAN, "non_participants": NAN, "difference": NAN,
         "ci_low": NAN, "ci_high": NAN, "reading": None, "n_participants": 3, "n_non_participants": 787,
         "suppressed": True}])
    block = {"retention_12m": found(0.056, -0.026, 0.139, "inconclusive"),
             "promotion_rate_12m": found(0.1, 0.0, 0.2, "difference", suppressed=True, n_participants=2)}
    table = impact_reading.raw_and_adjusted(raw, block)
    assert table[["outcome", "comparison", "n_participants", "n_others", "n", "suppressed"]] \
        .to_dict("records") == [
        {"outcome": "Retention", "comparison": "raw: all non-participants", "n_participants": 133,
         "n_others": 787, "n": 133, "suppressed": False},
        {"outcome": "Retention", "comparison": "adjusted: comparable colleagues", "n_participants": 89,
         "n_others": 260, "n": 89, "suppressed": False},
        {"outcome": "Promotion", "comparison": "raw: all non-participants", "n_participants": 3, "n_others": 787,
         "n": 3, "suppressed": True},
        {"outcome": "Promotion", "comparison": "adjusted: comparable colleagues", "n_participants": 2,
         "n_others": 260, "n": 2, "suppressed": True}]
    assert table["difference"].tolist()[:2] == [0.09, 0.056]
    assert table["difference"].iloc[2:].isna().all(), "a suppressed comparison shows no figure"


def test_balance_is_one_row_per_level_and_group():
    block = {"n_participants": 10, "n_non_participants": 50, "retention_12m": {"n_comparison": 20},
             "balance": [{"covariate": "tenure_band", "level": "10+", "participants": 0.3, "non_participants": 0.0,
                          "non_participants_weighted": 0.0},
                         {"covariate": "level", "level": "Senior", "participants": 0.7, "non_participants": 0.2,
                          "non_participants_weighted": 0.65}]}
    rows = impact_reading.balance(block).to_dict("records")
    assert rows == [
        {"covariate": "tenure (years)", "level": "10+", "group": "participants", "share": 0.3, "n": 10},
        {"covariate": "level", "level": "Senior", "group": "participants", "share": 0.7, "n": 10},
        {"covariate": "tenure (years)", "level": "10+", "group": "all non-participants", "share": 0.0, "n": 50},
        {"covariate": "level", "level": "Senior", "group": "all non-participants", "share": 0.2, "n": 50},
        {"covariate": "tenure (years)", "level": "10+", "group": "comparable colleagues (weighted)", "share": 0.0,
         "n": 20},
        {"covariate": "level", "level": "Senior", "group": "comparable colleagues (weighted)", "share": 0.65,
         "n": 20}]
