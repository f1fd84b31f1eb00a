"""The metrics JSON against the METRICS.md contract: every key, on an empty and a populated database."""
import json
import math
import time

import pandas as pd
import pytest

from analytics.measures import metrics, objectives, side_by_side
from analytics.measures.filters import Filters, Period
from analytics.measures.metrics import metrics_json
from analytics.store import settings
from tests.builders import fresh, insert, responses

Q2 = Period.parse("2026Q2")

# The contract's keys (METRICS.md); keys may be added, none dropped.
TOP = {"period", "filters", "satisfaction", "engagement", "retention", "impact", "outcomes", "objectives", "roi"}
NPS = {"value", "ci_low", "ci_high", "n", "promoters", "passives", "detractors", "suppressed"}
DIMENSION = {"dimension", "mean", "ci_low", "ci_high", "top2box", "n", "scale_points", "suppressed"}
ENGAGEMENT = {"open_pairs", "active_pairs", "active_pair_rate", "sessions_held", "sessions_per_active_pair_per_month",
              "cancellation_rate", "median_hours_per_active_pair", "median_days_to_first_meeting",
              "pairs_never_met", "cadence_adherence", "at_risk_pairs"}
SURVIVAL = {"months", "survival", "ci_low", "ci_high", "at_risk"}
EMPLOYEE = {"participants", "non_participants", "difference", "ci_low", "ci_high", "p_value", "n_participants",
            "n_non_participants", "suppressed", "mde_80", "reading", "n_neither"}
IMPACT = {"landmark", "n_participants", "n_non_participants", "n_neither", "retention_12m", "promotion_rate_12m",
          "balance", "tenure_smd", "dose_response", "dose_response_p_values"}
IMPACT_OUTCOME = {"participants", "comparison", "difference", "ci_low", "ci_high", "se", "p_value", "mde_80",
                  "reading", "e_value", "e_value_ci", "n_participants", "n_participants_unmatched", "n_comparison",
                  "strata", "suppressed"}
BALANCE = {"covariate", "level", "participants", "non_participants", "non_participants_weighted"}
DOSE = {"band", "n", "retention_12m", "retention_ci_low", "retention_ci_high", "promotion_rate_12m",
        "promotion_ci_low", "promotion_ci_high", "suppressed"}
OBJECTIVE = {"id", "metric", "program", "target", "direction", "value", "ci_low", "ci_high", "status"}
ROI = {"reason", "currency", "attribution", "cost", "departure_cost", "participants", "participants_matched",
       "participants_unmatched", "retention_difference", "departures_avoided", "benefit", "roi_percent",
       "benefit_cost_ratio", "intangible_benefits"}
PRE_POST = {"dimension", "n_pairs", "mean_baseline", "mean_exit", "mean_change", "t_p_value", "wilcoxon_p_value",
            "cohens_dz", "suppressed"}


def check_contract(result):
    assert TOP <= set(result)
    assert set(result["period"]) == {"label", "start", "end"}
    assert set(result["filters"]) == {"program", "cohort", "department", "role"}
    sat = result["satisfaction"]
    assert {"responses", "nps", "dimensions"} <= set(sat) and NPS <= set(sat["nps"])
    assert all(DIMENSION <= set(d) for d in sat["dimensions"])
    assert ENGAGEMENT <= set(result["engagement"])
    ret = result["retention"]
    assert {"pair_survival", "early_exit_rate", "employee_retention_12m", "promotion_rate_12m"} <= set(ret)
    assert [row["months"] for row in ret["pair_survival"]] == [3, 6, 12]
    assert all(SURVIVAL <= set(row) for row in ret["pair_survival"])
    for key in ("employee_retention_12m", "promotion_rate_12m"):
        assert ret[key] is None or EMPLOYEE <= set(ret[key])
    impact = result["impact"]
    assert impact is None or (IMPACT <= set(impact) and set(impact["tenure_smd"]) == {"before", "after"}
                              and all(IMPACT_OUTCOME <= set(impact[k]) for k in ("retention_12m", "promotion_rate_12m"))
                              and all(BALANCE <= set(row) for row in impact["balance"])
                              and [row["band"] for row in impact["dose_response"]] == ["0-2", "3-5", "6-11", "12+"]
                              and all(DOSE <= set(row) for row in impact["dose_response"])
                              and set(impact["dose_response_p_values"]) == {"retention_12m", "promotion_rate_12m"})
    assert {"pre_post", "goal_attainment_rate"} <= set(result["outcomes"])
    assert all(PRE_POST <= set(row) for row in result["outcomes"]["pre_post"])
    assert all(OBJECTIVE <= set(row) for row in result["objectives"])
    assert ROI <= set(result["roi"]) and all(set(result["roi"][k]) == {"value", "ci_low", "ci_high"}
                                             for k in ("benefit", "roi_percent", "benefit_cost_ratio"))
    # Strict JSON: no NaN or Infinity anywhere.
    json.dumps(result, allow_nan=False)


def test_empty_database():
    result = metrics_json(fresh(), Q2, Filters())
    check_contract(result)
    assert result["period"] == {"label": "2026Q2", "start": "2026-04-01", "end": "2026-06-30"}
    assert result["satisfaction"]["responses"] == 0 and result["satisfaction"]["dimensions"] == []
    assert result["engagement"]["open_pairs"] == 0 and result["engagement"]["active_pair_rate"] is None
    assert all(row["survival"] is None for row in result["retention"]["pair_survival"])
    assert result["retention"]["employee_retention_12m"] is None and result["retention"]["promotion_rate_12m"] is None
    assert result["impact"] is None
    assert result["outcomes"] == {"pre_post": [], "goal_attainment_rate": None}
    assert result["objectives"] == []
    assert result["roi"]["reason"] == "impact_unavailable" and result["roi"]["roi_percent"]["value"] is None


@pytest.fixture
def populated():
    con = fresh()
    rows = "\n".join(
        f"b{i} | p{i} | baseline | 2025-10-01 | L | {2 + i % 2} | 5\n"
        f"x{i} | p{i} | exit     | 2026-05-{10 + i} | L | {4 + i % 2} | {6 + i}"
        for i in range(5))
    responses(con, "response_id | respondent_id | wave | submitted_on | program | skill_development | nps\n" + rows)
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | ended_on   | end_reason | program | cohort
        a1      | m1        | e1        | 2025-10-01 |            |            | L       | C1
        a2      | m1        | e2        | 2025-10-01 | 2026-05-01 | withdrew   | L       | C1
    """)
    insert(con, "sessions", """
        session_id | pair_id | occurred_on | duration_minutes | status
        s1         | a1      | 2026-06-01  | 60               | held
    """)
    insert(con, "employees", """
        employee_id | hired_on   | terminated_on | last_promoted_on
        m1          | 2020-01-01 |               | 2026-01-01
        x1          | 2020-01-01 | 2026-02-01    |
    """)
    return con


def test_populated_database(populated):
    result = metrics_json(populated, Q2, Filters(program="L"))
    check_contract(result)
    assert result["filters"]["program"] == "L"
    sat = result["satisfaction"]
    assert sat["responses"] == 5  # exits only: baselines are not satisfaction
    # nps answers 6, 7, 8, 9, 10 → 2 promoters, 2 passives, 1 detractor → 100 × (2 − 1) / 5 = 20
    assert (sat["nps"]["value"], sat["nps"]["promoters"], sat["nps"]["detractors"]) == (pytest.approx(20), 2, 1)
    [skills] = sat["dimensions"]
    assert skills["mean"] == pytest.approx((4 + 5 + 4 + 5 + 4) / 5) and skills["scale_points"] == 5
    eng = result["engagement"]
    assert (eng["open_pairs"], eng["active_pairs"], eng["sessions_held"]) == (2, 1, 1)
    assert result["retention"]["early_exit_rate"] == 1.0
    employees = result["retention"]["employee_retention_12m"]
    # m1's pairs are matched after the landmark (2025-07-01): in neither group; x1 is in no pair: a
    # non-participant. Counts shown, figures suppressed
    assert (employees["n_participants"], employees["n_non_participants"], employees["n_neither"],
            employees["suppressed"]) == (0, 1, 1, True)
    assert employees["participants"] is None and employees["p_value"] is None and employees["reading"] is None
    # no department or level in the employee file: no adjusted comparison
    assert result["impact"] is None
    [skills_change] = result["outcomes"]["pre_post"]
    assert skills_change["n_pairs"] == 5
    assert skills_change["mean_change"] == pytest.approx(sum((4 + i % 2) - (2 + i % 2) for i in range(5)) / 5)


def test_impact_block_with_department_and_level(populated):
    populated.execute("UPDATE employees SET department = 'Eng', level = 'Senior'")
    result = metrics_json(populated, Q2, Filters())
    check_contract(result)
    got = result["impact"]
    assert (got["landmark"], got["n_participants"], got["n_non_participants"], got["n_neither"]) == (
        "2025-07-01", 0, 1, 1)
    # nobody to compare yet: counts shown, figures null, and the first pair (2025-10-01) is a year old on 2026-10-01
    assert got["retention_12m"]["suppressed"] and got["retention_12m"]["difference"] is None
    assert got["first_comparison_on"] == "2026-10-01"


def test_objectives_with_their_figure_and_status(populated):
    objectives.add_objective(populated, metric="nps", target=30, direction="at_least", program="L")
    objectives.add_objective(populated, metric="early_exit_rate", target=0.2, direction="at_most")
    result = metrics_json(populated, Q2, Filters(program="L"))
    check_contract(result)
    nps = result["satisfaction"]["nps"]
    # NPS 20 misses 30, but its CI reaches it: at risk. 1 of 1 ended pairs left early: 1.0 > 0.2, no CI: off track.
    assert result["objectives"] == [
        {"id": 1, "objective": "Net Promoter Score ≥ +30, L", "metric": "nps", "program": "L", "target": 30.0,
         "direction": "at_least", "amber_band": None, "value": nps["value"], "ci_low": nps["ci_low"],
         "ci_high": nps["ci_high"], "n": 5, "status": "at_risk", "reason": None},
        {"id": 2, "objective": "Early exit rate ≤ 20%, All programs", "metric": "early_exit_rate", "program": None,
         "target": 0.2, "direction": "at_most", "amber_band": None, "value": 1.0, "ci_low": None, "ci_high": None,
         "n": 1, "status": "off_track", "reason": None}]


def test_suppressed_figures_are_null_and_flagged(populated):
    settings.set(populated, "min_group_size", 6)
    result = metrics_json(populated, Q2, Filters())
    nps = result["satisfaction"]["nps"]
    assert nps["suppressed"] and nps["n"] == 5 and nps["value"] is None and nps["promoters"] is None
    [skills] = result["satisfaction"]["dimensions"]
    assert skills["suppressed"] and skills["n"] == 5 and skills["mean"] is None
    assert result["outcomes"]["pre_post"][0]["mean_change"] is None


def test_numbers_are_unrounded(populated):
    result = metrics_json(populated, Q2, Filters())
    low = result["satisfaction"]["dimensions"][0]["ci_low"]
    assert isinstance(low, float) and not math.isclose(low, round(low, 4), rel_tol=0, abs_tol=1e-12)


@pytest.mark.parametrize("name", metrics.FIGURES)
@pytest.mark.parametrize("filters", [Filters(), Filters(program="L")])
def test_figures_side_by_side_are_those_of_the_connection(populated, name, filters):
    settings.set(populated, "min_group_size", 1)  # a cursor reads the settings of the database too
    alone = metrics.FIGURES[name](populated, Q2, filters)
    beside = side_by_side.computed(populated, metrics.FIGURES, Q2, filters)[name]
    if name == "employees":  # the raw comparison's frame and the impact block
        (alone, impact_alone), (beside, impact_beside) = alone, beside
        assert impact_beside == impact_alone
    pd.testing.assert_frame_equal(beside, alone)


def test_a_failing_figure_fails_the_json(populated, monkeypatch):
    def broken(con, period, filters):
        raise RuntimeError("broken figure")
    monkeypatch.setitem(metrics.FIGURES, "goals", broken)
    with pytest.raises(RuntimeError, match="broken figure"):
        metrics_json(populated, Q2, Filters())


def test_a_failing_figure_stops_the_figures_still_queued(populated):
    ran = []

    def broken(con, period, filters):
        raise RuntimeError("broken figure")

    def slow(con, period, filters):
        ran.append(1)
        time.sleep(0.2)
    figures = {"first": broken, **{f"other{i}": slow for i in range(8)}}
    with pytest.raises(RuntimeError, match="broken figure"):
        side_by_side.computed(populated, figures, Q2, Filters())
    # Two workers: while the first fails at once, at most a couple of the others have started.
    assert len(ran) <= 3
