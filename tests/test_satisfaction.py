import math

import numpy as np
import pytest
from scipy import stats as sps

from analytics.measures import satisfaction
from analytics.measures.filters import Filters, Period
from analytics.store import settings
from tests.builders import fresh, insert, responses

Q2 = Period.parse("2026Q2")

# Six responses in Q2 (one of them baseline, so excluded), one in Q1.
SURVEY = """
response_id | respondent_id | wave     | submitted_on | program | networking | networking__2 | skill_development | nps
r1          | a             | pulse    | 2026-04-02   | L       | 4          | 5             | 3                 | 10
r2          | b             | pulse    | 2026-04-15   | L       | 2          |               | 5                 | 9
r3          | c             | exit     | 2026-05-01   | L       | 5          | 5             | 4                 | 7
r4          | d             | pulse    | 2026-06-30   | X       | 3          | 4             | 4                 | 3
r5          | e             | pulse    | 2026-06-01   | X       | 1          | 2             |                   | 6
r6          | f             | pulse    | 2026-05-05   | X       | 4          |               | 2                 | 8
r0          | g             | baseline | 2026-04-10   | L       | 1          | 1             | 1                 | 0
rq1         | h             | pulse    | 2026-03-31   | L       | 5          | 5             | 5                 | 10
"""
# The scores a reader computes from the table above: mean of answered items.
NETWORKING = [4.5, 2, 5, 3.5, 1.5, 4]
SKILLS = [3, 5, 4, 4, 2]


@pytest.fixture
def con():
    con = fresh()
    responses(con, SURVEY)
    return con


def row(frame, **where):
    for key, value in where.items():
        frame = frame[frame[key] == value]
    assert len(frame) == 1, frame
    return frame.iloc[0]


@pytest.mark.parametrize("dimension, scores", [("networking", NETWORKING), ("skill_development", SKILLS)])
def test_dimension_mean_ci_top2box(con, dimension, scores):
    settings.set(con, "min_group_size", 1)  # a quarter is shown when each month is; these hold one or two each
    got = row(satisfaction.dimensions(con, Q2, Filters()), dimension=dimension)
    # reference: scipy.stats.t.interval(0.95, n-1, mean, sem); top-2-box = share ≥ 4 on 5 points
    low, high = sps.t.interval(0.95, len(scores) - 1, loc=np.mean(scores), scale=sps.sem(scores))
    assert got["n"] == len(scores) and got["scale_points"] == 5 and not got["suppressed"]
    assert (got["mean"], got["ci_low"], got["ci_high"]) == pytest.approx((np.mean(scores), low, high))
    assert got["top2box"] == pytest.approx(np.mean([s >= 4 for s in scores]))


def test_responses_count_excludes_baseline_and_other_quarters(con):
    assert satisfaction.response_count(con, Q2, Filters())["n"].tolist() == [6]


def test_nps(con):
    settings.set(con, "min_group_size", 1)  # a quarter is shown when each month is; these hold one or two each
    got = row(satisfaction.nps(con, Q2, Filters()), n=6)
    # answers 10, 9, 7, 3, 6, 8 → promoters 2, passives 2, detractors 2 → NPS 0
    p = d = 2 / 6
    half = 1.96 * math.sqrt(100 ** 2 * ((p + d) - (p - d) ** 2) / 6)
    assert (got["promoters"], got["passives"], got["detractors"]) == (2, 2, 2)
    assert (got["value"], got["ci_low"], got["ci_high"]) == pytest.approx((0, -half, half))


@pytest.mark.parametrize("n, suppressed", [(4, True), (5, False)])
def test_suppression_threshold(n, suppressed):
    con = fresh()
    rows = "\n".join(f"r{i} | p{i} | pulse | 2026-05-01 | 4 | 9" for i in range(n))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking | nps\n" + rows)
    dims, nps = satisfaction.dimensions(con, Q2, Filters()), satisfaction.nps(con, Q2, Filters())
    assert dims["n"].tolist() == [n] and nps["n"].tolist() == [n]  # counts stay visible
    assert dims["suppressed"].tolist() == [suppressed] and nps["suppressed"].tolist() == [suppressed]
    assert math.isnan(dims["mean"].iloc[0]) == suppressed
    assert math.isnan(nps["promoters"].iloc[0]) == suppressed


def test_identical_answers_have_a_zero_width_interval():
    con = fresh()
    rows = "\n".join(f"r{i} | p{i} | pulse | 2026-05-01 | 4" for i in range(5))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\n" + rows)
    got = row(satisfaction.dimensions(con, Q2, Filters()), dimension="networking")
    assert (got["mean"], got["ci_low"], got["ci_high"], got["top2box"]) == (4, 4, 4, 1)


def test_one_response_has_no_interval():
    con = fresh()
    settings.set(con, "min_group_size", 1)
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\nr1 | a | pulse | 2026-05-01 | 3")
    got = row(satisfaction.dimensions(con, Q2, Filters()), dimension="networking")
    assert got["mean"] == 3 and math.isnan(got["ci_low"]) and math.isnan(got["ci_high"])


def test_seven_point_top2box():
    con = fresh()
    rows = "\n".join(f"r{i} | p{i} | pulse | 2026-05-01 | {v}" for i, v in enumerate([7, 6, 5, 6, 2]))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\n" + rows, scale_points=7)
    got = row(satisfaction.dimensions(con, Q2, Filters()), dimension="networking")
    assert (got["scale_points"], got["top2box"]) == (7, pytest.approx(3 / 5))  # 6 or 7 on 7 points


@pytest.mark.parametrize("period", [Period.parse("2030Q1"), Q2])
def test_no_data(period):
    con = fresh()
    if period.label == "2026Q2":
        responses(con, SURVEY.replace("2026-0", "2027-0"))  # data, but not in this quarter
    assert satisfaction.dimensions(con, period, Filters()).empty
    assert satisfaction.response_count(con, period, Filters())["n"].tolist() == [0]
    nps = satisfaction.nps(con, period, Filters())
    assert nps["n"].tolist() == [0] and math.isnan(nps["value"].iloc[0])


def test_filter_and_segments(con):
    settings.set(con, "min_group_size", 1)
    assert row(satisfaction.dimensions(con, Q2, Filters(program="X")), dimension="networking")["mean"] == \
        pytest.approx(np.mean(NETWORKING[3:]))
    by = satisfaction.dimensions(con, Q2, Filters(), by="program")
    assert row(by, program="L", dimension="networking")["mean"] == pytest.approx(np.mean(NETWORKING[:3]))
    assert satisfaction.nps(con, Q2, Filters(), by="program")["n"].tolist() == [3, 3]


def test_likert_distribution(con):
    settings.set(con, "min_group_size", 1)  # a quarter is shown when each month is; these hold one or two each
    dist = satisfaction.likert_distribution(con, Q2, Filters())
    networking = dist[dist["dimension"] == "networking"]
    # answers on networking items in Q2 (baseline excluded): 4,5,2,5,5,3,4,1,2,4
    answers = [4, 5, 2, 5, 5, 3, 4, 1, 2, 4]
    assert networking["value"].tolist() == sorted(set(answers))
    assert networking["count"].tolist() == [answers.count(v) for v in sorted(set(answers))]
    assert networking["share"].sum() == pytest.approx(1)
    assert set(networking["n"]) == {6}


def _records(frame):
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


# A dimension of fewer than 5 respondents is one row of counts: blank counts beside its answer values would
# still say which answers its few people gave (for a group of one, that person's scores).
@pytest.mark.parametrize("respondents, listed", [
    pytest.param(["p1"], [], id="one respondent"),
    pytest.param(["p1"] * 6, [], id="one person's 6 pulse responses"),
    pytest.param(["p1", "p2", "p3", "p4"], [], id="4 respondents"),
    pytest.param(["p1", "p2", "p3", "p4", "p5"], [(1, 1), (2, 1), (3, 1), (4, 1), (5, 1)], id="5 respondents"),
    pytest.param(["p1", "p2", "p3", "p4", "p5", "p6"], [(1, 2), (2, 1), (3, 1), (4, 1), (5, 1)],
                 id="6 respondents"),
])
def test_likert_distribution_of_a_small_group_lists_no_answer_values(respondents, listed):
    con = fresh()
    rows = "\n".join(f"r{i} | {who} | pulse | 2026-05-01 | {1 + i % 5}" for i, who in enumerate(respondents))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\n" + rows)
    dist = satisfaction.likert_distribution(con, Q2, Filters())
    counts = {"n": len(respondents), "respondents": len(set(respondents))}  # counts stay visible
    n = len(respondents)
    expected = ([{"dimension": "networking", "scale_points": 5, "value": value, "count": count, "share": count / n,
                  **counts, "suppressed": False} for value, count in listed] if listed else
                [{"dimension": "networking", "scale_points": None, "value": None, "count": None, "share": None,
                  **counts, "suppressed": True}])
    assert _records(dist) == expected


def test_change_quarter_over_quarter():
    con = fresh()
    q1 = [(f"a{i}", "2026-02-01", v, nps) for i, (v, nps) in enumerate(zip([2, 3, 3, 4, 2, 3], [5, 6, 9, 7, 3, 10]))]
    q2 = [(f"b{i}", "2026-05-01", v, nps) for i, (v, nps) in enumerate(zip([4, 5, 4, 5, 3, 4], [9, 10, 9, 8, 6, 10]))]
    rows = "\n".join(f"{r} | {r} | pulse | {d} | {v} | {n}" for r, d, v, n in q1 + q2)
    responses(con, "response_id | respondent_id | wave | submitted_on | networking | nps\n" + rows)
    change = satisfaction.change(con, Q2, Filters())
    likert = row(change, dimension="networking")
    before, after = [r[2] for r in q1], [r[2] for r in q2]
    # reference: scipy.stats.mannwhitneyu(before, after, alternative='two-sided')
    assert likert["p_value"] == pytest.approx(sps.mannwhitneyu(before, after, alternative="two-sided").pvalue)
    assert likert["change"] == pytest.approx(np.mean(after) - np.mean(before))
    assert likert["significant"] == (likert["p_value"] < 0.05)
    nps = row(change, dimension="nps")
    # Q1: 2 promoters, 1 passive, 3 detractors; Q2: 4 promoters, 1 passive, 1 detractor
    a_p, a_d, b_p, b_d = 2 / 6, 3 / 6, 4 / 6, 1 / 6
    var = lambda p, d: 100 ** 2 * ((p + d) - (p - d) ** 2) / 6  # noqa: E731
    z = (100 * (b_p - b_d) - 100 * (a_p - a_d)) / math.sqrt(var(a_p, a_d) + var(b_p, b_d))
    assert nps["change"] == pytest.approx(100 * (b_p - b_d) - 100 * (a_p - a_d))
    assert nps["p_value"] == pytest.approx(2 * sps.norm.sf(abs(z)))


def test_change_is_suppressed_when_either_quarter_is_small(con):
    # Q1 has one response only
    assert row(satisfaction.change(con, Q2, Filters()), dimension="networking")["suppressed"]


def test_trend(con):
    trend = satisfaction.trend(con, Q2.quarters_back(2), Filters())
    assert trend[trend["dimension"] == "networking"][["period", "n"]].values.tolist() == [["2026Q1", 1], ["2026Q2", 6]]


def test_respondent_department_filter():
    con = fresh()
    insert(con, "participants", "participant_id | department\n" + "\n".join(f"p{i} | Eng" for i in range(5)))
    # Five more without a department: two would be all respondents less Eng's five, and Eng would be hidden.
    rows = "\n".join(f"r{i} | p{i} | pulse | 2026-05-01 | {3 + i % 2}" for i in range(10))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\n" + rows)
    got = row(satisfaction.dimensions(con, Q2, Filters(department="Eng")), dimension="networking")
    assert got["n"] == 5 and got["mean"] == pytest.approx(np.mean([3, 4, 3, 4, 3]))


def split_survey(groups) -> str:
    """Responses of (program or None, people, answers networking) groups, one response per person;
    everyone answers skill_development and nps."""
    rows = [f"{program or ''}{i} | {program or ''}{i} | pulse | 2026-05-01 | {program or ''} | "
            f"{(i % 5 + 1) if networking else ''} | {i % 5 + 1} | {i % 11}"
            for program, people, networking in groups for i in range(people)]
    return "response_id | respondent_id | wave | submitted_on | program | networking | skill_development | nps\n" \
        + "\n".join(rows)


# Split by program; the unsplit total is shown beside it, so a program hidden alone (fewer than 5 people)
# would be (total × n − Σ shown × n) / its n. Expected: the programs hidden per figure.
@pytest.mark.parametrize("groups, hidden", [
    # N's NPS = (NPS × 24 − NPS_L × 20) / 4: L goes with it
    ([("L", 20, True), ("N", 4, True)],
     {"networking": ["L", "N"], "skill_development": ["L", "N"], "nps": ["L", "N"]}),
    # N alone is the total less L and C: C (6, the smaller shown) goes with it, L stays
    ([("C", 6, True), ("L", 20, True), ("N", 4, True)],
     {"networking": ["C", "N"], "skill_development": ["C", "N"], "nps": ["C", "N"]}),
    # per dimension: N has no networking scores, so there C and L make up the total and both stay;
    # on skill_development and NPS N is hidden alone and C goes with it
    ([("C", 6, True), ("L", 20, True), ("N", 4, False)],
     {"networking": [], "skill_development": ["C", "N"], "nps": ["C", "N"]}),
    # the "not set" program (null) is a segment: the total less L gives it, so L goes
    ([("L", 20, True), (None, 4, True)],
     {"networking": ["L", "not set"], "skill_development": ["L", "not set"], "nps": ["L", "not set"]}),
])
def test_a_segment_hidden_alone_takes_the_next_smallest_with_it(groups, hidden):
    con = fresh()
    responses(con, split_survey(groups))
    dims, nps = (satisfaction.dimensions(con, Q2, Filters(), by="program"),
                 satisfaction.nps(con, Q2, Filters(), by="program"))
    def named(frame):
        return frame.loc[frame["suppressed"], "program"].fillna("not set").tolist()
    got = {dimension: named(frame) for dimension, frame in dims.groupby("dimension")} | {"nps": named(nps)}
    assert got == hidden
    assert dims.loc[dims["suppressed"], "mean"].isna().all() and nps.loc[nps["suppressed"], "value"].isna().all()
    # Counts stay; the unsplit figures are shown.
    assert nps["n"].sum() == sum(people for _, people, _ in groups)
    assert not satisfaction.nps(con, Q2, Filters())["suppressed"].any()
    assert not satisfaction.dimensions(con, Q2, Filters())["suppressed"].any()


def test_suppression_counts_respondents_not_responses():
    """Three people answering two pulses each: six responses, but fewer than five respondents."""
    con = fresh()
    rows = "\n".join(f"r{i} | p{i % 3} | pulse | 2026-0{4 + i % 2}-01 | 4 | 9" for i in range(6))
    responses(con, "response_id | respondent_id | wave | submitted_on | networking | nps\n" + rows)
    dims, nps = satisfaction.dimensions(con, Q2, Filters()), satisfaction.nps(con, Q2, Filters())
    assert (dims["n"].tolist(), dims["respondents"].tolist()) == ([6], [3])  # counts stay visible
    assert (nps["n"].tolist(), nps["respondents"].tolist()) == ([6], [3])
    assert dims["suppressed"].tolist() == [True] and math.isnan(dims["mean"].iloc[0])
    assert nps["suppressed"].tolist() == [True] and math.isnan(nps["value"].iloc[0])
    assert satisfaction.likert_distribution(con, Q2, Filters())["suppressed"].all()
    # Anonymous responses are a respondent each.
    anonymous = fresh()
    rows = "\n".join(f"r{i} |  | pulse | 2026-05-01 | 4" for i in range(5))
    responses(anonymous, "response_id | respondent_id | wave | submitted_on | networking\n" + rows)
    assert satisfaction.dimensions(anonymous, Q2, Filters())["suppressed"].tolist() == [False]


def test_change_suppression_counts_respondents():
    con = fresh()
    q1 = "\n".join(f"a{i} | a{i} | pulse | 2026-02-01 | 3" for i in range(5))
    q2 = "\n".join(f"b{i} | b{i % 2} | pulse | 2026-05-0{1 + i} | 4" for i in range(5))  # 2 people
    responses(con, "response_id | respondent_id | wave | submitted_on | networking\n" + q1 + "\n" + q2)
    got = row(satisfaction.change(con, Q2, Filters()), dimension="networking")
    assert (got["n"], got["n_previous"], bool(got["suppressed"])) == (5, 5, True)
    assert math.isnan(got["change"]) and math.isnan(got["p_value"])


def test_a_dimension_on_two_scales_is_reported_on_the_more_common_one():
    con = fresh()
    responses(con, """
        response_id | respondent_id | wave  | submitted_on | networking
        a           | e1            | pulse | 2026-05-01   | 5
        b           | e2            | pulse | 2026-05-01   | 1""", scale_points=5)
    responses(con, """
        response_id | respondent_id | wave  | submitted_on | networking
        c           | e3            | exit  | 2026-05-02   | 7""", scale_points=7)
    settings.set(con, "min_group_size", 1)
    row = satisfaction.dimensions(con, Q2, Filters()).iloc[0]
    # k = 5 (two of three answers); the 7 on a 7-point scale is 1 + (7 − 1)(5 − 1)/(7 − 1) = 5.
    assert row["scale_points"] == 5
    assert row["mean"] == pytest.approx((5 + 1 + 5) / 3)
    # Top-2-box on each answer's own scale: 5 ≥ 4 and 7 ≥ 6 count, 1 does not.
    assert row["top2box"] == pytest.approx(2 / 3)


def test_change_compares_the_means_dimensions_reports_on_mixed_scales():
    """Q1 and Q2 each mix 5- and 7-point answers; both report on 5 points (the more common scale)."""
    con = fresh()
    q1_five, q1_seven = [2, 3, 3, 4, 2, 3], [7, 1]
    q2_five, q2_seven = [4, 5, 4, 5, 3, 4], [6]
    five = [(f"a{i}", "2026-02-01", v) for i, v in enumerate(q1_five)] + \
           [(f"b{i}", "2026-05-01", v) for i, v in enumerate(q2_five)]
    seven = [(f"c{i}", "2026-02-02", v) for i, v in enumerate(q1_seven)] + \
            [(f"d{i}", "2026-05-02", v) for i, v in enumerate(q2_seven)]
    header = "response_id | respondent_id | wave | submitted_on | networking\n"
    responses(con, header + "\n".join(f"{r} | {r} | pulse | {d} | {v}" for r, d, v in five), scale_points=5)
    responses(con, header + "\n".join(f"{r} | {r} | pulse | {d} | {v}" for r, d, v in seven), scale_points=7)
    on_five = lambda x: 1 + (x - 1) * 4 / 6  # noqa: E731  a 7-point answer placed on 1..5
    before = q1_five + [on_five(v) for v in q1_seven]
    after = q2_five + [on_five(v) for v in q2_seven]
    got = row(satisfaction.change(con, Q2, Filters()), dimension="networking")
    means = {q: row(satisfaction.dimensions(con, Period.parse(q), Filters()), dimension="networking")["mean"]
             for q in ("2026Q1", "2026Q2")}
    assert got["change"] == pytest.approx(means["2026Q2"] - means["2026Q1"])
    assert got["change"] == pytest.approx(np.mean(after) - np.mean(before))
    # reference: scipy.stats.mannwhitneyu on the placed scores
    assert got["p_value"] == pytest.approx(sps.mannwhitneyu(before, after, alternative="two-sided").pvalue)


# Placed scores of a 7-point question on a 5-point scale are fractions, so the order in which their products
# are summed shows in the last bits: the database returns score counts in no fixed order.
PLACED = [1.0, 1.6666666666666667, 2.3333333333333335, 3.0, 3.6666666666666665, 4.333333333333333, 5.0]


@pytest.mark.parametrize("order", [[0, 1, 2, 3, 4, 5, 6], [6, 5, 4, 3, 2, 1, 0], [0, 1, 2, 4, 3, 6, 5],
                                   [0, 1, 2, 4, 6, 3, 5], [0, 1, 2, 5, 3, 6, 4]])
def test_the_mean_of_score_counts_is_the_same_bits_in_any_row_order(order):
    import pandas as pd
    counts = [3, 7, 11, 13, 17, 19, 23]
    shuffled = pd.Series([counts[i] for i in order], index=[PLACED[i] for i in order])
    # The mean summed in score order: sum(score × count) / 93.
    expected = sum(score * n for score, n in zip(PLACED, counts)) / sum(counts)
    assert satisfaction._mean(shuffled) == expected
