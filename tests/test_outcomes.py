import math

import numpy as np
import pytest
from scipy import stats as sps

from analytics import outcomes, settings
from analytics.filters import Filters, Period
from tests.builders import fresh, insert, responses

Q2 = Period.parse("2026Q2")

# a–e have both waves; a has two baselines (earliest counts) and two exits in Q2 (latest counts);
# f has only an exit, g only a baseline; h's exit is outside Q2; e's exit is in program X.
SURVEY = """
response_id | respondent_id | wave     | submitted_on | program | skill_development | networking
a0          | a             | baseline | 2025-09-01   | L       | 2                 | 3
a1          | a             | baseline | 2025-10-01   | L       | 5                 | 3
a2          | a             | exit     | 2026-04-01   | L       | 3                 | 3
a3          | a             | exit     | 2026-06-01   | L       | 4                 | 3
b0          | b             | baseline | 2025-09-01   | L       | 3                 | 4
b1          | b             | exit     | 2026-05-01   | L       | 3                 | 4
c0          | c             | baseline | 2025-09-01   | L       | 1                 | 2
c1          | c             | exit     | 2026-05-01   | L       | 4                 | 2
d0          | d             | baseline | 2025-09-01   | L       | 2                 | 5
d1          | d             | exit     | 2026-05-01   | L       | 4                 | 5
e0          | e             | baseline | 2025-09-01   | L       | 3                 | 1
e1          | e             | exit     | 2026-05-01   | X       | 5                 | 1
f1          | f             | exit     | 2026-05-01   | L       | 5                 | 5
g0          | g             | baseline | 2025-09-01   | L       | 1                 | 1
h0          | h             | baseline | 2025-09-01   | L       | 1                 | 1
h1          | h             | exit     | 2026-07-01   | L       | 5                 | 5
"""


@pytest.fixture
def con():
    con = fresh()
    responses(con, SURVEY)
    return con


def test_pre_post(con):
    got = outcomes.pre_post(con, Q2, Filters()).set_index("dimension")
    before, after = np.array([2, 3, 1, 2, 3]), np.array([4, 3, 4, 4, 5])  # a b c d e
    diff = after - before
    row = got.loc["skill_development"]
    assert (row["n_pairs"], row["n_excluded"], row["suppressed"]) == (5, 1, False)  # f excluded
    assert (row["mean_baseline"], row["mean_exit"], row["mean_change"]) == pytest.approx(
        (before.mean(), after.mean(), diff.mean()))
    # references: scipy.stats.ttest_rel(after, before), scipy.stats.wilcoxon(diff), mean/sd(ddof=1)
    assert row["t_p_value"] == pytest.approx(sps.ttest_rel(after, before).pvalue)
    assert row["wilcoxon_p_value"] == pytest.approx(sps.wilcoxon(diff).pvalue)
    assert row["cohens_dz"] == pytest.approx(diff.mean() / diff.std(ddof=1))


def test_no_change_gives_null_wilcoxon(con):
    row = outcomes.pre_post(con, Q2, Filters()).set_index("dimension").loc["networking"]
    assert row["mean_change"] == 0 and math.isnan(row["wilcoxon_p_value"]) and math.isnan(row["cohens_dz"])


def test_filters_apply_to_the_exit_response(con):
    settings.set(con, "min_group_size", 1)
    row = outcomes.pre_post(con, Q2, Filters(program="X")).set_index("dimension").loc["skill_development"]
    assert (row["n_pairs"], row["mean_change"]) == (1, 2)  # only e, whose baseline was in program L


@pytest.mark.parametrize("n, suppressed", [(4, True), (5, False)])
def test_suppression(n, suppressed):
    con = fresh()
    rows = [f"b{i} | p{i} | baseline | 2025-09-01 | {1 + i % 3}\nx{i} | p{i} | exit | 2026-05-01 | 4"
            for i in range(n)]
    responses(con, "response_id | respondent_id | wave | submitted_on | skill_development\n" + "\n".join(rows))
    row = outcomes.pre_post(con, Q2, Filters()).iloc[0]
    assert row["n_pairs"] == n and row["suppressed"] == suppressed
    assert math.isnan(row["mean_change"]) == suppressed


def test_no_pairs():
    con = fresh()
    responses(con, "response_id | respondent_id | wave | submitted_on | skill_development\n"
                   "x | p | exit | 2026-05-01 | 4")
    assert outcomes.pre_post(con, Q2, Filters()).empty
    assert outcomes.pre_post(fresh(), Q2, Filters()).empty


GOALS = """
goal_id | pair_id | due_on     | achieved_on | category
g1      | p1      | 2026-04-30 | 2026-04-01  | skills
g2      | p1      | 2026-05-31 |             | skills
g3      | p2      | 2026-06-30 | 2026-06-30  | network
g4      | p2      | 2026-06-15 | 2026-07-01  | network
g5      | p2      | 2026-07-01 | 2026-04-01  | network
g6      | p3      | 2026-05-01 | 2026-05-01  | skills
"""


@pytest.mark.parametrize("filters, by, expected", [
    # due in Q2: g1 g2 g3 g4 g6; achieved by Jun 30: g1 g3 g6 (g4 achieved after the as-of date)
    (Filters(), None, {None: (5, 3)}),
    (Filters(program="L"), None, {None: (4, 2)}),
    (Filters(), "category", {"network": (2, 1), "skills": (3, 2)}),
])
def test_goal_attainment(filters, by, expected):
    con = fresh()
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program
        p1      | m         | e1        | 2026-01-01 | L
        p2      | m         | e2        | 2026-01-01 | L
        p3      | m         | e3        | 2026-01-01 | X
    """)
    insert(con, "goals", GOALS)
    got = outcomes.goal_attainment(con, Q2, filters, by=by)
    for key, (n, achieved) in expected.items():
        row = got.iloc[0] if key is None else got.set_index(by).loc[key]
        assert (row["n"], row["achieved"], row["goal_attainment_rate"]) == (n, achieved, pytest.approx(achieved / n))


def test_goal_attainment_without_goals_is_null():
    assert math.isnan(outcomes.goal_attainment(fresh(), Q2, Filters())["goal_attainment_rate"].iloc[0])


def test_latest_exit_and_earliest_baseline_by_submission_time():
    """Two exits (and two baselines) on one day: the later exit and the earlier baseline count,
    whatever their response ids."""
    con = fresh()
    settings.set(con, "min_group_size", 1)
    responses(con, """response_id | respondent_id | wave | submitted_on | skill_development
a_base_late | p | baseline | 2025-09-01 | 1
z_base_early | p | baseline | 2025-09-01 | 2
z_exit_early | p | exit | 2026-05-01 | 3
a_exit_late | p | exit | 2026-05-01 | 5""")
    for response_id, at in (("z_base_early", "2025-09-01 08:00"), ("a_base_late", "2025-09-01 17:00"),
                            ("z_exit_early", "2026-05-01 09:00"), ("a_exit_late", "2026-05-01 15:00")):
        con.execute("UPDATE responses SET submitted_at = CAST(? AS TIMESTAMP) WHERE response_id = ?", [at, response_id])
    row = outcomes.pre_post(con, Q2, Filters()).iloc[0]
    assert (row["n_pairs"], row["mean_baseline"], row["mean_exit"]) == (1, 2, 5)
