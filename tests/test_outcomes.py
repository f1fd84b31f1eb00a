import math

import numpy as np
import pytest
from scipy import stats as sps

from analytics.measures import outcomes
from analytics.measures.filters import Filters, Period
from analytics.store import settings
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


def survey_pairs(con, pairs):
    """One respondent per (baseline, its scale, exit, its scale); no baseline when None; exits in Q2.
    Each scale is a batch of its own, the scale-less one first: its items then carry no scale either."""
    batches = {}
    for i, (baseline, baseline_points, exit_, exit_points) in enumerate(pairs):
        if baseline is not None:
            batches.setdefault(baseline_points, []).append(f"b{i} | p{i} | baseline | 2025-09-01 | {baseline}")
        batches.setdefault(exit_points, []).append(f"x{i} | p{i} | exit | 2026-05-01 | {exit_}")
    for points in sorted(batches, key=lambda p: p is not None):
        responses(con, "response_id | respondent_id | wave | submitted_on | skill_development\n"
                  + "\n".join(batches[points]), scale_points=points)


# Each pair as (baseline, scale, exit, scale), and its two scores placed by hand on the dimension's
# scale k (the most common among the paired scores, ties: the longer), x on k_x points being
# 1 + (x − 1)(k − 1)/(k_x − 1).
@pytest.mark.parametrize("pairs, placed, k", [
    pytest.param(
        [(5, 7, 4, 5), (3, 7, 4, 5), (2, 7, 3, 5), (4, 7, 5, 5), (6, 7, 4, 5)],
        # five 7-point and five 5-point scores: k = 7; an exit x of 5 is 1 + 1.5(x − 1)
        [(5, 5.5), (3, 5.5), (2, 4), (4, 7), (6, 5.5)],
        7, id="baseline 7-point, exit 5-point"),
    pytest.param(
        [(3, 5, 4, 5), (2, 5, 7, 7), (4, 7, 4, 5), (1, 7, 3, 5), (3, 5, 5, 5)],
        # seven 5-point and three 7-point scores: k = 5; x of 7 is 1 + (x − 1)·4/6: 1, 4, 7 → 1, 3, 5
        [(3, 4), (2, 5), (3, 4), (1, 3), (3, 5)],
        5, id="mixed scales within each wave"),
    pytest.param(
        [(2, 5, 4, 5), (3, 5, 3, 5), (1, 5, 4, 5), (4, 7, 7, 7), (1, 7, 4, 7)],
        # each pair on one scale, the pairs on two (as when two programs use different surveys): k = 5
        [(2, 4), (3, 3), (1, 4), (3, 5), (1, 3)],
        5, id="each pair on its own scale"),
    pytest.param(
        [(1, 4, 6, 10), (2, 4, 6, 10), (2, 4, 9, 10), (3, 4, 10, 10), (1, 4, 2, 10)],
        # five 4-point and five 10-point scores: k = 10; a baseline x of 4 is 1 + 3(x − 1)
        [(1, 6), (4, 6), (4, 9), (7, 10), (1, 2)],
        10, id="baseline 4-point, exit 10-point"),
    pytest.param(
        [(2, None, 5, 7), (3, None, 4, 7), (2, 5, 6, 7), (3, 5, 7, 7), (4, 5, 5, 7)],
        # the scale-less scores stay as they are and choose nothing: 7-point five times, 5-point three: k = 7
        [(2, 5), (3, 4), (2.5, 6), (4, 7), (5.5, 5)],
        7, id="null scale_points"),
    pytest.param(
        [(2, 7, 3, 5), (3, 7, 5, 5), (5, 7, 4, 5), (None, None, 5, 5), (None, None, 4, 5)],
        # the two exits without a baseline would make 5 points the more common; the pairs alone: k = 7
        [(2, 4), (3, 7), (5, 5.5)],
        7, id="only paired scores choose the scale"),
])
def test_pre_post_places_both_waves_on_one_scale(pairs, placed, k):
    con = fresh()
    settings.set(con, "min_group_size", 1)
    survey_pairs(con, pairs)
    row = outcomes.pre_post(con, Q2, Filters()).iloc[0]
    before, after = np.array(placed, dtype=float).T
    diff = after - before
    assert (row["n_pairs"], row["n_excluded"], row["scale_points"]) == (len(placed), len(pairs) - len(placed), k)
    assert (row["mean_baseline"], row["mean_exit"], row["mean_change"]) == pytest.approx(
        (before.mean(), after.mean(), diff.mean()))
    # references: scipy.stats.ttest_rel(after, before), scipy.stats.wilcoxon(diff), mean/sd(ddof=1)
    assert row["t_p_value"] == pytest.approx(sps.ttest_rel(after, before).pvalue)
    assert row["wilcoxon_p_value"] == pytest.approx(sps.wilcoxon(diff).pvalue)
    assert row["cohens_dz"] == pytest.approx(diff.mean() / diff.std(ddof=1))


def test_the_latest_exit_keeps_its_own_null_scale():
    """p0's later exit has no scale: it stays 4, though p0's earlier exit was on 5 points."""
    con = fresh()
    settings.set(con, "min_group_size", 1)
    header = "response_id | respondent_id | wave | submitted_on | skill_development\n"
    responses(con, header + "x0b | p0 | exit | 2026-05-02 | 4", scale_points=None)
    responses(con, header + "b0 | p0 | baseline | 2025-09-01 | 3\nb1 | p1 | baseline | 2025-09-01 | 2", scale_points=7)
    responses(con, header + "x0a | p0 | exit | 2026-05-01 | 2\nx1 | p1 | exit | 2026-05-01 | 5", scale_points=5)
    row = outcomes.pre_post(con, Q2, Filters()).iloc[0]
    # k = 7 (two 7-point scores, one 5-point): p0 (3, 4), p1 (2, 1 + (5 − 1)·6/4 = 7)
    assert (row["n_pairs"], row["mean_baseline"], row["mean_exit"]) == (2, pytest.approx(2.5), pytest.approx(5.5))
