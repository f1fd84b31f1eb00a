"""The effect of an improvement action: its change with a 95% interval and, against the programs or
cohorts it left out, a difference in differences, checked against numpy and scipy on small samples."""
import math

import numpy as np
import pytest
from scipy import stats as sps

from analytics.measures import effects, stats
from analytics.measures.filters import Filters, Period
from analytics.measures.improvements import add_action
from analytics.measures.stats import Estimate, Moments
from tests.builders import insert, responses

Q2 = Period.parse("2026Q2")


@pytest.mark.parametrize("sample", [[4, 5, 3, 4, 2], [1.5, 1.5, 2.0], [3.25, 4.0, 4.0, 5.0, 1.0, 2.75]])
def test_moments_of_a_mean_give_the_unpooled_variance_of_the_mean(sample):
    x = np.array(sample)
    moments = Moments.of_mean(len(x), x.mean(), x.std(ddof=1))
    estimate = moments.estimate()
    # Reference: the mean and s² / n with the sample variance (ddof = 1).
    assert estimate.value == pytest.approx(x.mean())
    assert estimate.variance == pytest.approx(x.var(ddof=1) / len(x))


@pytest.mark.parametrize("whole, part", [
    ([4, 5, 3, 4, 2, 1, 5, 5], [4, 5, 3]),
    ([1, 2, 3, 4, 5, 6], [6]),
])
def test_a_total_less_a_part_is_the_rest(whole, part):
    rest = list(whole)
    for value in part:
        rest.remove(value)

    def moments(values):
        x = np.array(values, dtype=float)
        return Moments.of_mean(len(x), x.mean(), x.std(ddof=1) if len(x) > 1 else 0.0)
    got = (moments(whole) - moments(part)).estimate()
    assert got.value == pytest.approx(np.mean(rest))
    assert got.variance == pytest.approx(np.var(rest, ddof=1) / len(rest))


@pytest.mark.parametrize("n, share", [(40, 0.25), (7, 3 / 7), (10, 1.0)])
def test_moments_of_a_share_give_the_wald_variance(n, share):
    assert Moments.of_share(n, share).estimate().variance == pytest.approx(share * (1 - share) / n)


def test_a_mean_of_two_quarters_and_a_difference_add_their_variances():
    # (a + b) / 2 has variance (va + vb) / 4; a − b has va + vb.
    side = stats.averaged([Estimate(0.8, 0.004), Estimate(0.6, 0.002)])
    assert (side.value, side.variance) == pytest.approx((0.7, 0.0015))
    change = Estimate(0.9, 0.003) - side
    assert (change.value, change.variance) == pytest.approx((0.2, 0.0045))
    assert change.interval() == pytest.approx((0.2 - 1.96 * math.sqrt(0.0045), 0.2 + 1.96 * math.sqrt(0.0045)))


# Overall satisfaction answers (1–5) by program and quarter: the action (program A, from 2025-08-15, quarter
# 2025Q3) is judged on 2025Q1–Q2 before and 2025Q4–2026Q1 after; only one quarter of each side has answers.
SCORES = {
    ("A", "2025-05-10"): [3, 3, 4, 2, 3, 3],
    ("A", "2025-11-10"): [4, 5, 4, 4, 3, 5],
    ("B", "2025-05-10"): [3, 4, 3, 3, 4],
    ("B", "2025-11-10"): [4, 3, 4, 4, 3, 4, 3],
}


def _load(con, scores=SCORES) -> None:
    rows = ["response_id | respondent_id | wave | submitted_on | program | overall_satisfaction"]
    for (program, day), values in scores.items():
        rows += [f"{program}{day}{i} | {program}{day}{i} | pulse | {day} | {program} | {v}"
                 for i, v in enumerate(values)]
    responses(con, "\n".join(rows))


def _side(values) -> tuple[float, float]:
    x = np.array(values, dtype=float)
    return x.mean(), x.var(ddof=1) / len(x)


def test_a_program_action_is_compared_with_the_other_programs(con):
    _load(con)
    add_action(con, title="Mentor training", metric="overall_satisfaction_mean", started_on="2025-08-15",
               program="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    (ab, vab), (aa, vaa) = _side(SCORES["A", "2025-05-10"]), _side(SCORES["A", "2025-11-10"])
    (bb, vbb), (ba, vba) = _side(SCORES["B", "2025-05-10"]), _side(SCORES["B", "2025-11-10"])
    # The change's SE is Welch's: scipy's unequal-variance t statistic is the difference over it.
    welch = sps.ttest_ind(SCORES["A", "2025-11-10"], SCORES["A", "2025-05-10"], equal_var=False)
    se = (aa - ab) / welch.statistic
    assert effect["change"] == pytest.approx(aa - ab)
    assert (effect["change_low"], effect["change_high"]) == pytest.approx((aa - ab - 1.96 * se, aa - ab + 1.96 * se))
    # By hand: DiD = (A after − A before) − (B after − B before), SE = √(sum of the four variances).
    did, did_se = (aa - ab) - (ba - bb), math.sqrt(vab + vaa + vbb + vba)
    assert effect["comparison_change"] == pytest.approx(ba - bb)
    assert (effect["did"], effect["did_low"], effect["did_high"]) == pytest.approx(
        (did, did - 1.96 * did_se, did + 1.96 * did_se))
    assert (effect["n_before"], effect["n_after"]) == (6, 6)
    assert (effect["compared_with"], effect["method"]) == ("other programs",
                                                           "difference in differences against other programs")


def test_a_share_averages_its_two_quarters_with_wald_variances(con):
    # Top-2-box (4 or 5 of 5) of A's answers in 2025Q1 (2 of 5) and 2025Q2 (3 of 6) before; 2025Q4 after.
    scores = {("A", "2025-02-10"): [4, 5, 1, 2, 3], **SCORES}
    _load(con, scores)
    add_action(con, title="Mentor training", metric="overall_satisfaction_top2box", started_on="2025-08-15",
               program="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    p1, p2, after = 2 / 5, 1 / 6, 5 / 6
    before_variance = (p1 * (1 - p1) / 5 + p2 * (1 - p2) / 6) / 4  # the mean of two quarters
    half = 1.96 * math.sqrt(before_variance + after * (1 - after) / 6)
    change = after - (p1 + p2) / 2
    assert (effect["before"], effect["after"], effect["n_before"]) == pytest.approx(((p1 + p2) / 2, after, 11))
    assert (effect["change"], effect["change_low"], effect["change_high"]) == pytest.approx(
        (change, change - half, change + half))


def test_an_action_for_everyone_is_before_after_only(con):
    _load(con, SCORES)
    add_action(con, title="Mentor training", metric="overall_satisfaction_mean", started_on="2025-08-15")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    assert effect["method"] == "before/after only"
    assert effect["compared_with"] is None and math.isnan(effect["did"])
    assert not math.isnan(effect["change_low"])


def test_a_comparison_group_too_small_to_show_hides_the_after_side_rather_than_giving_it_away(con):
    # B's after quarter has 4 answers, under the minimum group size of 5: everyone less A would be B's
    # figure, so A's after quarter (6 answers) is hidden with it (docs/privacy.md), and nothing is compared.
    _load(con, {**SCORES, ("B", "2025-11-10"): [4, 3, 4, 4]})
    add_action(con, title="Mentor training", metric="overall_satisfaction_mean", started_on="2025-08-15",
               program="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    assert effect["after"] is None and effect["method"] is None and math.isnan(effect["did"])
    assert effect["note"].startswith("overall satisfaction: mean score after the action is hidden to protect "
                                     "anonymity")


def test_a_cohort_action_is_compared_with_the_other_cohorts(con):
    rows = ["response_id | respondent_id | wave | submitted_on | cohort | overall_satisfaction"]
    for (cohort, day), values in SCORES.items():
        rows += [f"{cohort}{day}{i} | {cohort}{day}{i} | pulse | {day} | {cohort} | {v}" for i, v in enumerate(values)]
    responses(con, "\n".join(rows))
    add_action(con, title="Cohort A kick-off", metric="overall_satisfaction_mean", started_on="2025-08-15", cohort="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    (ab, _), (aa, _) = _side(SCORES["A", "2025-05-10"]), _side(SCORES["A", "2025-11-10"])
    (bb, _), (ba, _) = _side(SCORES["B", "2025-05-10"]), _side(SCORES["B", "2025-11-10"])
    assert (effect["scope"], effect["compared_with"]) == ("Cohort A", "other cohorts")
    assert effect["did"] == pytest.approx((aa - ab) - (ba - bb))


def test_sessions_per_active_pair_per_month_have_the_variance_of_a_mean_over_pairs(con):
    # Program A's pairs hold 1, 2 and 6 sessions in 2025Q2 (before) and 3, 3 and 6 in 2025Q4 (after) of an action
    # of 2025-08-15; program B's pair p4 meets once a quarter throughout.
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program
        p1      | m1        | e1        | 2025-01-06 | A
        p2      | m2        | e2        | 2025-01-06 | A
        p3      | m3        | e3        | 2025-01-06 | A
        p4      | m4        | e4        | 2025-01-06 | B
    """)
    held = {"2025-05": {"p1": 1, "p2": 2, "p3": 6, "p4": 1}, "2025-11": {"p1": 3, "p2": 3, "p3": 6, "p4": 1}}
    for month, counts in held.items():
        for pair, count in counts.items():
            for k in range(count):
                con.execute("INSERT INTO sessions (session_id, pair_id, occurred_on, status) VALUES (?, ?, ?, 'held')",
                            [f"{pair}-{month}-{k}", pair, f"{month}-{k + 1:02d}"])
    add_action(con, title="Reminders", metric="sessions_per_active_pair_per_month", started_on="2025-08-15",
               program="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    before, after = np.array([1, 2, 6]) / 3, np.array([3, 3, 6]) / 3  # per pair, per month of a quarter
    se = math.sqrt(before.var(ddof=1) / 3 + after.var(ddof=1) / 3)
    change = after.mean() - before.mean()
    assert (effect["before"], effect["after"], effect["n_before"]) == pytest.approx((before.mean(), after.mean(), 3))
    assert (effect["change_low"], effect["change_high"]) == pytest.approx((change - 1.96 * se, change + 1.96 * se))


def test_an_action_of_one_cohort_of_a_program_is_compared_with_that_programs_other_cohorts(con):
    # Program A has cohorts C1 (the action's) and C2; program B's answers must stay out of the comparison.
    rows = ["response_id | respondent_id | wave | submitted_on | program | cohort | overall_satisfaction"]
    groups = {("A", "C1"): SCORES["A", "2025-05-10"], ("A", "C2"): SCORES["B", "2025-05-10"],
              ("B", "C2"): [1, 1, 1, 1, 1]}
    for (program, cohort), values in groups.items():
        # After the action C1 scores one higher, B four higher (a change that is not A's), A's C2 the same.
        after = {"C1": 1, "C2": 4 if program == "B" else 0}[cohort]
        for day, shift in (("2025-05-10", 0), ("2025-11-10", after)):
            rows += [f"{program}{cohort}{day}{i} | {program}{cohort}{day}{i} | pulse | {day} | {program} | {cohort} | "
                     f"{min(5, v + shift)}" for i, v in enumerate(values)]
    responses(con, "\n".join(rows))
    add_action(con, title="C1 kick-off", metric="overall_satisfaction_mean", started_on="2025-08-15",
               program="A", cohort="C1")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    c1 = np.array(SCORES["A", "2025-05-10"])
    # By hand: C1's change is its mean with each score raised by one (capped at 5) less before; A's C2 did not move.
    assert effect["compared_with"] == "other cohorts"
    assert effect["comparison_change"] == pytest.approx(0.0)
    assert effect["did"] == pytest.approx(np.minimum(5, c1 + 1).mean() - c1.mean())


@pytest.mark.parametrize("after_scores, note", [
    # Four answers after the action, under the minimum group size of 5: hidden, and said so.
    ([4, 5, 4, 4], "overall satisfaction: mean score after the action is hidden to protect anonymity: fewer than 5 "
                   "people in the group, or a figure that would give a smaller group's away (docs/privacy.md)"),
    ([], "no overall satisfaction: mean score data after the action to compare"),
])
def test_a_side_too_small_to_show_is_said_to_be_hidden_not_missing(con, after_scores, note):
    scores = {("A", "2025-05-10"): SCORES["A", "2025-05-10"]}
    _load(con, {**scores, ("A", "2025-11-10"): after_scores} if after_scores else scores)
    add_action(con, title="Mentor training", metric="overall_satisfaction_mean", started_on="2025-08-15",
               program="A")
    effect = effects.action_effects(con, Q2, Filters()).iloc[0]
    assert effect["note"] == note and math.isnan(effect["change"])
