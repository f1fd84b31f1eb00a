import math
import sys
import threading
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps

from analytics.measures import stats


@pytest.mark.parametrize("values", [[4, 5, 3, 4, 2], [1, 7, 7, 6], [3.5, 4.0]])
def test_t_interval_matches_scipy(values):
    # reference: scipy.stats.t.interval(0.95, n-1, loc=mean, scale=sem)
    expected = sps.t.interval(0.95, len(values) - 1, loc=np.mean(values), scale=sps.sem(values))
    got = stats.t_interval(np.mean(values), np.std(values, ddof=1), len(values))
    assert got == pytest.approx(expected)


@pytest.mark.parametrize("mean, sd, n, expected", [
    (4.0, 0.0, 5, (4.0, 4.0)),           # identical answers: zero-width interval
    (4.0, float("nan"), 1, None),         # one response: no interval
])
def test_t_interval_edges(mean, sd, n, expected):
    got = stats.t_interval(mean, sd, n)
    assert got == expected if expected else all(math.isnan(x) for x in got)


def test_proportion_difference_wald():
    # 40/50 vs 30/60: diff 0.3, se = sqrt(.8*.2/50 + .5*.5/60)
    se = math.sqrt(0.8 * 0.2 / 50 + 0.5 * 0.5 / 60)
    assert stats.proportion_difference(40, 50, 30, 60) == pytest.approx((0.3, 0.3 - 1.96 * se, 0.3 + 1.96 * se))


@pytest.mark.parametrize("x1, n1, x2, n2, reference", [
    (40, 50, 30, 60, "chi2"),    # every expected count ≥ 5
    (2, 6, 5, 7, "fisher"),      # small expected counts
    (10, 10, 20, 20, "fisher"),  # a zero margin: expected 0
])
def test_two_by_two_chooses_the_test(x1, n1, x2, n2, reference):
    table = [[x1, n1 - x1], [x2, n2 - x2]]
    expected = (sps.chi2_contingency(table).pvalue if reference == "chi2" else sps.fisher_exact(table).pvalue)
    assert stats.two_by_two_p(x1, n1, x2, n2) == pytest.approx(expected)


def test_mann_whitney():
    a, b = [1, 2, 3, 4, 4], [3, 4, 5, 5, 5]
    assert stats.mann_whitney_p(a, b) == pytest.approx(sps.mannwhitneyu(a, b, alternative="two-sided").pvalue)
    assert math.isnan(stats.mann_whitney_p([], b))


def test_paired():
    before, after = [2, 3, 3, 4, 2], [4, 3, 5, 5, 4]
    diff = np.subtract(after, before)
    got = stats.paired(before, after)
    assert got.t_p_value == pytest.approx(sps.ttest_rel(after, before).pvalue)
    assert got.wilcoxon_p_value == pytest.approx(sps.wilcoxon(diff).pvalue)
    assert got.cohens_dz == pytest.approx(diff.mean() / diff.std(ddof=1))
    assert (got.mean_before, got.mean_after, got.mean_change) == pytest.approx((2.8, 4.2, 1.4))


def test_paired_all_differences_zero():
    got = stats.paired([3, 4, 5], [3, 4, 5])
    assert math.isnan(got.wilcoxon_p_value) and math.isnan(got.cohens_dz) and got.mean_change == 0


def test_logrank_two_groups_matches_scipy():
    t1, e1 = np.array([1, 2, 2, 5, 7, 9.5]), np.array([1, 1, 0, 1, 0, 1], bool)
    t2, e2 = np.array([3, 4, 6, 8, 10, 12, 12]), np.array([1, 0, 1, 0, 1, 0, 0], bool)
    reference = sps.logrank(sps.CensoredData(uncensored=t1[e1], right=t1[~e1]),
                            sps.CensoredData(uncensored=t2[e2], right=t2[~e2])).pvalue
    got = stats.logrank_p(np.r_[t1, t2], np.r_[e1, e2], ["a"] * 6 + ["b"] * 7)
    assert got == pytest.approx(reference)


def test_logrank_three_groups_is_a_chi_square_with_two_df():
    # Identical groups: no difference at all → statistic 0, p = 1.
    times, events = np.tile([1.0, 2, 3, 4], 3), np.tile([1, 0, 1, 1], 3).astype(bool)
    assert stats.logrank_p(times, events, list("aaaabbbbcccc")) == pytest.approx(1.0)
    assert math.isnan(stats.logrank_p(times, events, ["a"] * 12))


@pytest.mark.parametrize("n, suppressed", [(4, True), (5, False)])
def test_suppress_at_the_threshold(n, suppressed):
    frame = stats.suppress(pd.DataFrame({"n": [n], "mean": [4.2], "count": [n]}), 5, ["mean"])
    assert frame["suppressed"].iloc[0] == suppressed
    assert math.isnan(frame["mean"].iloc[0]) == suppressed
    assert frame["count"].iloc[0] == n  # counts stay


# Segments of a split as (segment, n, mean); min_size 5. The total (all n) is shown beside them, so a
# lone hidden segment's mean is (total mean × total n − Σ shown mean × n) / its n.
@pytest.mark.parametrize("segments, hidden", [
    # total 4.3 over 24: (4.3×24 − 4.5×20) / 4 = 3.3 gives A away, so B (the only other) goes too
    ([("A", 4, 3.3), ("B", 20, 4.5)], ["A", "B"]),
    # A alone would be (total − B − C) / 3: the smallest shown, C (8 < 20), is hidden with it
    ([("A", 3, 2.0), ("B", 20, 4.0), ("C", 8, 3.5)], ["A", "C"]),
    # two hidden already: the total less B is A and C combined, neither alone
    ([("A", 3, 2.0), ("B", 20, 4.0), ("C", 4, 3.5)], ["A", "C"]),
    # a tie for the smallest shown: the first row goes
    ([("A", 3, 2.0), ("B", 8, 4.0), ("C", 8, 3.5)], ["A", "B"]),
    # the "not set" segment is a segment: (total − A) / 4 would be it
    ([("A", 20, 4.0), (None, 4, 3.0)], ["A", "not set"]),
    # an empty hidden segment has nothing to give away and hides nothing: D (n 3) is still alone
    ([("A", 0, math.nan), ("B", 20, 4.0), ("C", 9, 3.5), ("D", 3, 2.0)], ["A", "C", "D"]),
    # nothing hidden, or the only segment hidden (then the total is too): nothing more
    ([("A", 5, 2.0), ("B", 20, 4.0)], []),
    ([("A", 4, 2.0)], ["A"]),
])
def test_suppress_hides_a_second_segment_when_one_could_be_derived(segments, hidden):
    frame = pd.DataFrame(segments, columns=["segment", "n", "mean"])
    got = stats.suppress(frame, 5, ["mean"], within=())
    assert got.loc[got["suppressed"], "segment"].fillna("not set").tolist() == hidden
    # the ones hidden for another's sake are those large enough to show (n ≥ 5), and flagged so
    shielded = [name or "not set" for name, n, _ in segments if (name or "not set") in hidden and n >= 5]
    assert got.loc[got[stats.SHIELDS], "segment"].fillna("not set").tolist() == shielded
    assert got.loc[got["suppressed"], "mean"].isna().all()
    assert got["n"].tolist() == frame["n"].tolist()  # counts stay


@pytest.mark.parametrize("within, hidden", [
    # Per dimension: networking hides A (total less B and C gives it), so C goes too; skills hides
    # nothing, and stays so even though A and C are hidden for networking.
    (("dimension",), [("A", "networking"), ("C", "networking")]),
    # Without `within` no second segment is hidden (and A's networking mean can be derived).
    (None, [("A", "networking")]),
])
def test_suppress_complements_each_figure_on_its_own(within, hidden):
    frame = pd.DataFrame([("A", "networking", 3), ("B", "networking", 20), ("C", "networking", 6),
                          ("A", "skills", 6), ("B", "skills", 20), ("C", "skills", 6)],
                         columns=["segment", "dimension", "n"]).assign(mean=4.0)
    got = stats.suppress(frame, 5, ["mean"], within=within)
    assert list(got.loc[got["suppressed"], ["segment", "dimension"]].itertuples(index=False, name=None)) == hidden


@pytest.mark.parametrize("n1, n2, values, seed", [
    (3, 4, 100, 0),      # small, no ties: scipy's exact test
    (5, 5, 3, 1),        # small with ties: the normal approximation
    (9, 9, 2, 2),
    (2, 300, 4, 3),
    (10, 10, 1, 4),      # every score the same: p = 1
    (1000, 1200, 5, 5),
    (50000, 60000, 21, 6),  # a quarter of Likert scores (means of up to four items: quarter steps)
])
def test_mann_whitney_from_counts_is_scipys(n1, n2, values, seed):
    rng = np.random.default_rng(seed)
    a, b = rng.integers(1, values + 1, n1) / 4, rng.integers(1, values + 1, n2) / 4
    # Reference: scipy.stats.mannwhitneyu on the expanded samples (method 'auto', continuity on).
    expected = sps.mannwhitneyu(a, b, alternative="two-sided").pvalue
    got = stats.mann_whitney_p_counts(pd.Series(a).value_counts(), pd.Series(b).value_counts())
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-15)


def test_mann_whitney_from_counts_of_an_empty_side_is_nan():
    assert math.isnan(stats.mann_whitney_p_counts(pd.Series(dtype=float), pd.Series({3.0: 4})))


def test_paired_in_two_threads_leaves_the_warning_filters_as_they_were():
    # metrics computes figures two at a time; interleaved warning blocks once left a filter behind
    # (and let scipy's zero-variance warning through). Frequent thread switches make that likely.
    interval = sys.getswitchinterval()
    before = list(warnings.filters)
    sys.setswitchinterval(1e-6)
    try:
        def work():
            for _ in range(200):
                stats.paired(np.array([1.0, 2, 3]), np.array([2.0, 3, 4]))  # differences all 1: zero variance
        threads = [threading.Thread(target=work) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert warnings.filters == before


# (participants achieving / n, non-participants achieving / n): the Wald interval and the test about zero.
@pytest.mark.parametrize("x1, n1, x2, n2, disagree", [
    # 8 of 8 against 60 of 80: Wald +15.5 to +34.5 (excludes 0; the 8 add no width) but Fisher p = 0.19
    (8, 8, 60, 80, True),
    # 60 of 80 against 30 of 80: both far from 0 and p < 0.001, they agree
    (60, 80, 30, 80, False),
    # 40 of 80 against 38 of 80: the interval spans 0 and p is large, they agree
    (40, 80, 38, 80, False),
])
def test_a_wald_interval_and_its_test_may_disagree_about_zero(x1, n1, x2, n2, disagree):
    # references: the interval by hand (p(1 − p)/n per group), p from scipy.stats.fisher_exact / chi2_contingency
    _, low, high = stats.proportion_difference(x1, n1, x2, n2)
    p1, p2 = x1 / n1, x2 / n2
    half = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    assert (low, high) == pytest.approx((p1 - p2 - half, p1 - p2 + half))
    p = stats.two_by_two_p(x1, n1, x2, n2)
    assert stats.interval_and_test_disagree(low, high, p) is disagree
    assert ((low > 0 or high < 0) == (p < 0.05)) is not disagree


@pytest.mark.parametrize("values", [(None, 0.1, 0.2), (math.nan, 0.1, 0.2), (0.1, 0.2, None)])
def test_a_missing_interval_or_p_is_no_disagreement(values):
    assert stats.interval_and_test_disagree(*values) is False
