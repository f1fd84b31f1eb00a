"""The six headline figures against hand-worked numbers and scipy."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats as sps

from analytics.measures.filters import Filters, Period
from analytics.present.headlines import headlines
from tests import builders

Q1 = Period.parse("2026Q1")


@pytest.fixture
def con():
    con = builders.fresh()
    builders.insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on
        p1      | m1        | e1        | 2025-10-01
        p2      | m2        | e2        | 2025-10-01
        p3      | m3        | e3        | 2025-10-01
        p4      | m4        | e4        | 2025-10-01""")
    builders.insert(con, "sessions", """
        session_id | pair_id | occurred_on | status
        a          | p1      | 2025-11-01  | held
        b          | p2      | 2025-11-01  | held
        c          | p1      | 2026-02-01  | held
        d          | p2      | 2026-02-01  | held
        e          | p3      | 2026-02-01  | held""")
    # Q1 2026: 10 9 9 7 3 5; Q4 2025: 10 6 6 6 8.
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | nps\n" + "\n".join(
        f"r{i} | e{i} | pulse | {day} | {score}" for i, (day, score) in enumerate(
            [("2026-02-01", s) for s in (10, 9, 9, 7, 3, 5)] + [("2025-11-01", s) for s in (10, 6, 6, 6, 8)])))
    builders.insert(con, "goals", """
        goal_id | pair_id | due_on     | achieved_on
        g1      | p1      | 2026-02-01 | 2026-01-15
        g2      | p2      | 2026-02-01 | 2026-01-20
        g3      | p3      | 2026-03-01 | 2026-02-20
        g4      | p4      | 2026-03-01 |
        g5      | p1      | 2025-11-01 |
        g6      | p2      | 2025-12-01 |""")
    return con


def test_headlines_against_hand_computation(con):
    rows = headlines(con, Q1, Filters()).set_index("key")

    # NPS: Q1 p = 3/6, d = 2/6 → 16.67; Q4 p = 1/5, d = 3/5 → −40. z-test on the difference
    # with variance 100²[(p+d) − (p−d)²]/n per quarter (METRICS.md).
    p1, d1, p0, d0 = 3 / 6, 2 / 6, 1 / 5, 3 / 5
    v1 = 100 ** 2 * ((p1 + d1) - (p1 - d1) ** 2) / 6
    v0 = 100 ** 2 * ((p0 + d0) - (p0 - d0) ** 2) / 5
    z = (100 * (p1 - d1) - 100 * (p0 - d0)) / math.sqrt(v1 + v0)
    nps = rows.loc["nps"]
    assert nps["value"] == pytest.approx(100 / 6)
    assert nps["previous"] == pytest.approx(-40)
    assert nps["change"] == pytest.approx(100 / 6 + 40)
    assert nps["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)))
    assert (nps["n"], nps["n_text"], nps["p_compares"]) == (6, "n = 6 answers", "previous quarter")

    # Active pairs: 3 of 4 open pairs met in Q1, 2 of 4 in Q4; not tested (same pairs).
    active = rows.loc["active_pair_rate"]
    assert (active["value"], active["previous"], active["change"]) == (0.75, 0.5, 0.25)
    assert active["test"].startswith("not tested") and active["significant"] is None

    # Goals: Q1 3 of 4 achieved, Q4 0 of 2; expected counts < 5 → Fisher's exact test.
    goals = rows.loc["goal_attainment_rate"]
    assert (goals["value"], goals["previous"]) == (0.75, 0.0)
    assert goals["p_value"] == pytest.approx(sps.fisher_exact([[3, 1], [0, 2]])[1])

    employees = rows.loc["employee_retention_12m"]
    assert employees["n_text"] == "no employee file loaded" and math.isnan(employees["value"])
    assert pd.isna(employees["adjusted"]), "no comparison with comparable colleagues without an employee file"


@pytest.mark.parametrize("min_size, suppressed", [(6, False), (7, True)])
def test_a_small_group_hides_its_survey_headline_but_keeps_its_n(con, min_size, suppressed):
    from analytics.store import settings
    settings.set(con, "min_group_size", min_size)
    nps = headlines(con, Q1, Filters()).set_index("key").loc["nps"]
    assert bool(nps["suppressed"]) is suppressed and nps["n"] == 6
    assert math.isnan(nps["value"]) is suppressed
    # The previous quarter (n = 5) is below both thresholds: the change is hidden too.
    assert bool(nps["change_suppressed"]) and math.isnan(nps["change"])


def test_an_empty_database_gives_six_rows_of_no_data():
    rows = headlines(builders.fresh(), Q1, Filters())
    assert rows["key"].tolist() == ["nps", "overall_satisfaction", "active_pair_rate", "pair_survival_6m",
                                    "employee_retention_12m", "goal_attainment_rate"]
    assert rows["value"].isna().all() and not rows["suppressed"].any()
