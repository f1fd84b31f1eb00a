"""Return on investment (analytics/measures/roi.py): the arithmetic against hand computation, the interval
carried from the retention difference's CI, every reason for no ROI, and its words."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.measures import roi
from analytics.measures.filters import Filters
from analytics.present import roi_reading
from analytics.store import settings
from tests.builders import fresh, insert


@pytest.mark.parametrize("difference, participants, attribution, per_departure, cost, expected", [
    # 0.10 × 135 × 1 = 13.5 avoided; × 30,000 = 405,000; (405,000 − 50,000) / 50,000 = 710%; ratio 8.1
    (0.10, 135, 1.0, 30_000, 50_000, (13.5, 405_000, 710, 8.1)),
    # 0.05 × 200 × 0.5 = 5; × 20,000 = 100,000, the cost itself: ROI 0%, ratio 1
    (0.05, 200, 0.5, 20_000, 100_000, (5, 100_000, 0, 1)),
    # participants leaving more: −0.02 × 100 = −2; −20,000; (−20,000 − 40,000) / 40,000 = −150%; ratio −0.5
    (-0.02, 100, 1.0, 10_000, 40_000, (-2, -20_000, -150, -0.5)),
])
def test_figures_by_hand(difference, participants, attribution, per_departure, cost, expected):
    got = roi.figures(difference, participants, attribution, per_departure, cost)
    assert (got["departures_avoided"], got["benefit"], got["roi_percent"], got["benefit_cost_ratio"]) == \
        pytest.approx(expected)


VALUES = {"program_cost_annual": 0.0, "program_costs": {}, "departure_cost": 0.0, "average_salary": 0.0,
          "departure_cost_salary_share": 0.5}


@pytest.mark.parametrize("values, filters, programs, expected", [
    ({"program_cost_annual": 90_000.0}, Filters(), ["A", "B"], 90_000),
    ({"program_costs": {"A": 10_000.0, "B": 5_000.0}}, Filters(), ["A", "B"], 15_000),  # summed: every one has one
    ({"program_costs": {"A": 10_000.0}}, Filters(), ["A", "B"], None),  # B's cost missing: no total
    ({"program_cost_annual": 90_000.0, "program_costs": {"A": 10_000.0}}, Filters(program="A"), ["A", "B"], 10_000),
    ({"program_cost_annual": 90_000.0}, Filters(program="A"), ["A", "B"], None),  # the total is not split
    ({}, Filters(), ["A"], None),
])
def test_program_cost(values, filters, programs, expected):
    assert roi.program_cost({**VALUES, **values}, filters, programs) == expected


@pytest.mark.parametrize("values, expected", [
    ({"departure_cost": 25_000.0, "average_salary": 60_000.0}, 25_000),  # the amount wins
    ({"average_salary": 60_000.0}, 30_000),  # 0.5 × 60,000
    ({"average_salary": 60_000.0, "departure_cost_salary_share": 1.5}, 90_000),
    ({}, None),
])
def test_departure_cost(values, expected):
    assert roi.departure_cost({**VALUES, **values}) == expected


def _block(difference=0.10, ci_low=0.02, ci_high=0.18, reading="difference", suppressed=False, matched=90,
           unmatched=10) -> dict:
    """The part of an impact block the ROI reads."""
    return {"n_participants": matched + unmatched,
            "retention_12m": {"difference": difference, "ci_low": ci_low, "ci_high": ci_high, "reading": reading,
                              "suppressed": suppressed, "n_participants": matched,
                              "n_participants_unmatched": unmatched}}


NO_CHANGE = pd.DataFrame(columns=["dimension", "n", "value", "previous", "change", "p_value", "significant"])


def _costed(**stored) -> object:
    con = fresh()
    for key, value in {"program_cost_annual": 50_000, "departure_cost": 30_000, **stored}.items():
        settings.set(con, key, value)
    return con


def test_interval_ends_map_to_the_figures_ends():
    got = roi.from_impact(_costed(roi_attribution=0.8), Filters(), _block(), NO_CHANGE)
    assert got["reason"] is None and got["participants"] == 100
    for end, difference in (("value", 0.10), ("ci_low", 0.02), ("ci_high", 0.18)):
        expected = roi.figures(difference, 100, 0.8, 30_000, 50_000)
        assert {name: got[name][end] for name in roi.FIGURES} == pytest.approx(expected)
    for name in roi.FIGURES:  # every figure increases with the difference
        assert got[name]["ci_low"] < got[name]["value"] < got[name]["ci_high"], name
    # by hand: 0.02 × 100 × 0.8 = 1.6 avoided × 30,000 = 48,000 → (48,000 − 50,000) / 50,000 = −4%
    assert got["roi_percent"]["ci_low"] == pytest.approx(-4)


@pytest.mark.parametrize("con_settings, filters, block, reason, interval", [
    ({}, Filters(department="Legal"), _block(), "filtered", False),
    ({}, Filters(cohort="2025 Autumn"), _block(), "filtered", False),
    ({}, Filters(), None, "impact_unavailable", False),
    ({}, Filters(), _block(matched=0, unmatched=0), "no_participants", False),
    ({"program_cost_annual": 0}, Filters(), _block(), "cost_not_set", False),
    ({"departure_cost": 0}, Filters(), _block(), "departure_cost_not_set", False),
    ({}, Filters(), _block(None, None, None, None, suppressed=True), "suppressed", False),
    ({}, Filters(), _block(0.05, -0.03, 0.13, "inconclusive"), "inconclusive", True),
    ({}, Filters(), _block(0.01, -0.02, 0.04, "no_meaningful_difference"), "no_meaningful_difference", True),
])
def test_no_roi_and_why(con_settings, filters, block, reason, interval):
    got = roi.from_impact(_costed(**con_settings), filters, block, NO_CHANGE)
    assert got["reason"] == reason
    assert all(got[name]["value"] is None for name in roi.FIGURES)
    # an inconclusive effect still gives its interval, which includes a benefit of 0
    assert all((got[name]["ci_low"] is not None) == interval for name in roi.FIGURES)
    if interval:
        assert got["benefit"]["ci_low"] < 0 < got["benefit"]["ci_high"]
    words = roi_reading.verdict(got)
    assert words == roi_reading.MESSAGES[reason] if not interval else "cannot be told" in words


def test_every_reason_is_tested_and_said():
    tested = {"filtered", "impact_unavailable", "no_participants", "cost_not_set", "departure_cost_not_set",
              "suppressed", "inconclusive", "no_meaningful_difference"}
    assert set(roi.REASONS) == tested
    assert set(roi_reading.MESSAGES) == set(roi.REASONS) - set(roi.INTERVAL_ONLY)
    assert "set the program cost in Settings" in roi_reading.MESSAGES["cost_not_set"]


def test_program_costs_are_summed_over_the_programs_in_the_data():
    con = _costed(program_cost_annual=0, program_costs={"A": 20_000, "B": 30_000})
    insert(con, "participants", """
        participant_id | role   | program
        p1             | mentee | A
        p2             | mentee | B
    """)
    got = roi.from_impact(con, Filters(), _block(), NO_CHANGE)
    assert got["cost"] == 50_000 and got["reason"] is None
    assert roi.from_impact(con, Filters(program="B"), _block(), NO_CHANGE)["cost"] == 30_000


def test_intangible_benefits_are_the_dimensions_up_significantly():
    change = pd.DataFrame([
        {"dimension": "networking", "n": 40, "value": 4.1, "previous": 3.6, "change": 0.5, "p_value": 0.01,
         "significant": True},
        {"dimension": "skill_development", "n": 40, "value": 3.2, "previous": 3.6, "change": -0.4, "p_value": 0.02,
         "significant": True},  # down: not a benefit
        {"dimension": "career_clarity", "n": 40, "value": 3.9, "previous": 3.7, "change": 0.2, "p_value": 0.30,
         "significant": False},  # up but not significantly
        {"dimension": "nps", "n": 40, "value": 30.0, "previous": 10.0, "change": 20.0, "p_value": 0.01,
         "significant": True},  # not a survey dimension
    ])
    got = roi.from_impact(_costed(), Filters(), _block(), change)
    assert [item["dimension"] for item in got["intangible_benefits"]] == ["networking"]
    assert "networking +0.50 (p = 0.010, n = 40)" in roi_reading.intangibles(got)


def test_the_verdict_gives_the_figures_and_their_basis():
    got = roi.from_impact(_costed(currency="usd"), Filters(), _block(), NO_CHANGE)
    # 0.10 × 100 = 10 avoided × 30,000 = 300,000; (300,000 − 50,000) / 50,000 = 500%; ratio 6
    words = roi_reading.verdict(got)
    assert words.startswith("ROI 500% (95% CI 20% to 980%): a benefit of USD 300,000")
    assert "USD 6.00 back for each USD 1 spent" in words and "n = 100 participants" in words


@pytest.mark.parametrize("key, value, message", [
    ("currency", "euro", "three-letter currency code"),
    ("program_costs", '{"A": -5}', "cost of at least 0"),
    ("program_costs", "[1, 2]", "must map program names"),
    ("program_cost_annual", -1, "at least 0"),
    ("roi_attribution", 1.5, "between 0.01 and 1"),
])
def test_roi_settings_refuse_bad_values(key, value, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.set(fresh(), key, value)


@pytest.mark.parametrize("key, value, stored", [
    ("currency", " gbp ", "GBP"),
    ("program_costs", {"Leadership": "12000", " New-hire ": 0}, {"Leadership": 12_000.0, "New-hire": 0.0}),
])
def test_text_settings_are_stored_and_read_back(key, value, stored):
    con = fresh()
    assert settings.set(con, key, value) == stored
    assert settings.get(con, key) == stored and settings.all_settings(con)[key] == stored
