"""Intervals, tests, effect sizes and suppression.

Inputs are summary statistics computed in SQL, or small arrays; outputs are
unrounded floats, NaN where a figure is undefined (the JSON edge turns NaN
into null). Formulas follow METRICS.md.
"""
from __future__ import annotations

import math
import threading
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

NAN = float("nan")
Z95 = 1.96  # METRICS.md fixes the NPS and Wald intervals at ±1.96 standard errors


def t_interval(mean: float, sd: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Student-t interval of a mean from its sample sd (n − 1); NaN when n < 2."""
    if n is None or n < 2 or mean is None or sd is None or math.isnan(sd):
        return NAN, NAN
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return mean - half, mean + half


_WARNING_FILTERS = threading.Lock()


@contextmanager
def runtime_warnings_ignored() -> Iterator[None]:
    """scipy's RuntimeWarnings silenced for the block. `warnings.catch_warnings` swaps process-wide
    state, and metrics computes figures in two threads: two blocks interleaved could leave a filter
    behind, so they take turns."""
    with _WARNING_FILTERS, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield


def proportion_difference(x1: int, n1: int, x2: int, n2: int) -> tuple[float, float, float]:
    """p1 − p2 with its 95% Wald CI (unpooled variance p(1 − p)/n per group)."""
    if not n1 or not n2:
        return NAN, NAN, NAN
    p1, p2 = x1 / n1, x2 / n2
    diff = p1 - p2
    half = Z95 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    return diff, diff - half, diff + half


@dataclass(frozen=True)
class Moments:
    """A sample as its size, sum and sum of squares: enough for its mean and the variance of that mean,
    and a group's moments less those of a part of it are the rest's (a comparison group read off a total).
    `ddof` 1 for a mean of scores (the sample sd of the t-interval), 0 for a share or an NPS, whose
    variance is the Wald one (p(1 − p)/n; 100² [(p + d) − (p − d)²]/n for an NPS, `analytics.measures.nps`)."""
    n: float
    total: float
    squares: float
    ddof: int

    @classmethod
    def of_mean(cls, n: int, mean: float, sd: float) -> Moments:
        return cls(n, n * mean, (n - 1) * sd ** 2 + n * mean ** 2, 1)

    @classmethod
    def of_share(cls, n: int, share: float) -> Moments:
        return cls(n, n * share, n * share, 0)  # a 0/1 answer is its own square

    def __sub__(self, part: Moments) -> Moments:
        return Moments(self.n - part.n, self.total - part.total, self.squares - part.squares, self.ddof)

    def estimate(self) -> Estimate:
        """The mean with the variance of that mean; NaN variance below ddof + 1 answers."""
        if self.n <= 0:
            return Estimate(NAN, NAN)
        mean = self.total / self.n
        if self.n <= self.ddof:
            return Estimate(mean, NAN)
        spread = max(0.0, self.squares - self.total ** 2 / self.n)  # rounding can dip below 0
        return Estimate(mean, spread / (self.n - self.ddof) / self.n)


@dataclass(frozen=True)
class Estimate:
    """A figure with the variance of its sampling error (NaN: none known, as for a count or a median)."""
    value: float
    variance: float

    def interval(self) -> tuple[float, float]:
        """The 95% normal interval, ±1.96 standard errors."""
        if math.isnan(self.variance):
            return NAN, NAN
        half = Z95 * math.sqrt(self.variance)
        return self.value - half, self.value + half

    def __sub__(self, other: Estimate) -> Estimate:
        """The difference of two independent estimates: the variances add."""
        return Estimate(self.value - other.value, self.variance + other.variance)


def averaged(estimates: Sequence[Estimate]) -> Estimate:
    """The mean of k independent estimates, its variance Σ variance / k²."""
    k = len(estimates)
    if not k:
        return Estimate(NAN, NAN)
    return Estimate(sum(e.value for e in estimates) / k, sum(e.variance for e in estimates) / k ** 2)


# Said beside a proportion difference whose Wald interval and test disagree about zero.
DISAGREE_NOTE = ("the interval and the test disagree, as they can in small groups (the Wald interval is an "
                 "approximation there, the test is not): go by the test")


def interval_and_test_disagree(ci_low: float, ci_high: float, p_value: float, alpha: float = 0.05) -> bool:
    """Whether a difference's 95% interval excludes 0 while its p is not below `alpha`, or the other way
    round: the Wald interval of `proportion_difference` collapses near 0% and 100% (at 8 of 8 its
    half-width is that of the other group alone) where `two_by_two_p`'s Fisher test stays exact."""
    if any(v is None or math.isnan(v) for v in (ci_low, ci_high, p_value)):
        return False
    return (ci_low > 0 or ci_high < 0) != (p_value < alpha)


def two_by_two_p(x1: int, n1: int, x2: int, n2: int) -> float:
    """p of chi2_contingency (with continuity correction), or two-sided Fisher
    when any expected count is below 5 (or undefined because a margin is 0)."""
    if not n1 or not n2:
        return NAN
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    expected = stats.contingency.expected_freq(table)
    if (expected < 5).any():
        return float(stats.fisher_exact(table).pvalue)
    return float(stats.chi2_contingency(table).pvalue)


def mann_whitney_p(a: Sequence[float], b: Sequence[float]) -> float:
    """Two-sided Mann–Whitney U p-value; NaN when a side is empty."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) == 0 or len(b) == 0:
        return NAN
    return float(stats.mannwhitneyu(a, b, alternative="two-sided").pvalue)


def mann_whitney_p_counts(a: pd.Series, b: pd.Series) -> float:
    """`mann_whitney_p` of two samples given as value → count (scores take few distinct values,
    so a quarter's hundreds of thousands of them are a few dozen rows). Below nine on a side
    without ties scipy's exact test decides, so the samples are expanded and passed to it;
    otherwise the normal approximation with scipy's tie and continuity corrections, from
    average ranks per value."""
    a, b = a[a > 0], b[b > 0]
    n1, n2 = int(a.sum()), int(b.sum())
    if n1 == 0 or n2 == 0:
        return NAN
    table = pd.DataFrame({"a": a, "b": b}).fillna(0).sort_index()
    ties = table["a"] + table["b"]
    if (n1 <= 8 or n2 <= 8) and not (ties > 1).any():
        return mann_whitney_p(np.repeat(a.index.to_numpy(float), a.to_numpy(int)),
                              np.repeat(b.index.to_numpy(float), b.to_numpy(int)))
    above = ties.cumsum()
    average_rank = above - (ties - 1) / 2  # the ranks of a value's ties run from above - ties + 1 to above
    u1 = float((average_rank * table["a"]).sum()) - n1 * (n1 + 1) / 2
    u = max(u1, n1 * n2 - u1)
    n = n1 + n2
    spread = math.sqrt(n1 * n2 / 12 * ((n + 1) - float((ties ** 3 - ties).sum()) / (n * (n - 1))))
    if spread == 0:
        return 1.0  # every score equal: U is its mean, and scipy's corrected z is -inf
    return float(min(1.0, max(0.0, 2 * special.ndtr(-(u - n1 * n2 / 2 - 0.5) / spread))))


@dataclass(frozen=True)
class Paired:
    n: int
    mean_before: float
    mean_after: float
    mean_change: float
    t_p_value: float
    wilcoxon_p_value: float
    cohens_dz: float


def paired(before: Sequence[float], after: Sequence[float]) -> Paired:
    """Paired t, Wilcoxon signed-rank (NaN when every difference is 0) and
    Cohen's d_z = mean(diff) / sd(diff, ddof=1)."""
    before, after = np.asarray(before, dtype=float), np.asarray(after, dtype=float)
    diff = after - before
    n = len(diff)
    if n == 0:
        return Paired(0, NAN, NAN, NAN, NAN, NAN, NAN)
    sd = float(np.std(diff, ddof=1)) if n > 1 else NAN
    with runtime_warnings_ignored():  # zero-variance differences: scipy's own p (0 or NaN) stands
        t_p = float(stats.ttest_rel(after, before).pvalue) if n > 1 else NAN
    w_p = float(stats.wilcoxon(diff).pvalue) if np.any(diff != 0) else NAN
    dz = float(diff.mean() / sd) if n > 1 and sd > 0 else NAN  # an infinite d_z is not reportable
    return Paired(n, float(before.mean()), float(after.mean()), float(diff.mean()), t_p, w_p, dz)


def logrank_p(times: Sequence[float], events: Sequence[bool], groups: Sequence[object]) -> float:
    """Log-rank test across k ≥ 2 groups (chi-square with k − 1 df). For two
    groups this equals scipy.stats.logrank's two-sided p-value."""
    times, events, groups = np.asarray(times, float), np.asarray(events, bool), np.asarray(groups, object)
    labels = pd.unique(groups)
    if len(labels) < 2 or not events.any():
        return NAN
    event_times = np.unique(times[events])
    # at_risk[j, g]: members of g with time >= t_j; deaths[j, g]: events of g at t_j.
    at_risk = np.empty((len(event_times), len(labels)))
    deaths = np.empty_like(at_risk)
    for k, label in enumerate(labels):
        member = groups == label
        at_risk[:, k] = member.sum() - np.searchsorted(np.sort(times[member]), event_times, side="left")
        died = np.sort(times[member & events])
        deaths[:, k] = (np.searchsorted(died, event_times, side="right")
                        - np.searchsorted(died, event_times, side="left"))
    n, d = at_risk.sum(axis=1), deaths.sum(axis=1)
    observed_minus_expected = (deaths - (d / n)[:, None] * at_risk).sum(axis=0)
    share = at_risk / n[:, None]
    weight = np.where(n > 1, d * (n - d) / np.maximum(n - 1, 1), 0.0)
    covariance = np.einsum("j,jg,gh->gh", weight, share, np.eye(len(labels))) \
        - np.einsum("j,jg,jh->gh", weight, share, share)
    # Drop one group: the k statistics sum to zero.
    o, v = observed_minus_expected[1:], covariance[1:, 1:]
    statistic = float(o @ np.linalg.pinv(v) @ o)
    return float(stats.chi2.sf(statistic, len(labels) - 1))


# The flag of a segment hidden by `complementary`: large enough to show, hidden for a smaller one's sake.
SHIELDS = "protects_smaller_group"


def suppress(frame: pd.DataFrame, min_size: int, columns: Iterable[str], n_column: str = "n",
             within: Sequence[str] | None = None) -> pd.DataFrame:
    """Blank `columns` (to NaN) where `n_column` < min_size and add a `suppressed` flag.

    Counts stay: only statistics derived from answers are listed in `columns`. With `within`, the rows
    are the segments of a split, rows alike in the `within` columns one figure's segments (`()`: the
    frame is one figure), and `complementary` segments are hidden too, flagged `SHIELDS` as well, so
    that they are not labelled as too small.
    """
    too_small = frame[n_column].fillna(0) < min_size
    if within is None:
        return hide(frame, too_small, columns)
    return hide(frame, too_small | complementary(frame, too_small, n_column, within), columns, too_small)


def hide(frame: pd.DataFrame, hidden: pd.Series, columns: Iterable[str],
         too_small: pd.Series | None = None) -> pd.DataFrame:
    """Blank `columns` (to NaN) where `hidden` and add the `suppressed` flag; given which rows are
    `too_small` on their own, the others hidden are flagged `SHIELDS` as well."""
    out = frame.copy()
    hidden = pd.Series(hidden, index=out.index).astype(bool)
    if too_small is not None:
        out[SHIELDS] = hidden & ~pd.Series(too_small, index=out.index).astype(bool)
    for column in columns:
        out[column] = out[column].astype("float64").where(~hidden)
    out["suppressed"] = hidden
    return out


def complementary(frame: pd.DataFrame, hidden: pd.Series, n_column: str, within: Sequence[str]) -> pd.Series:
    """The segments to hide besides the `hidden` ones so that none of those can be derived.

    A split is shown beside its total, so when a figure hides one segment with data, the total less the
    shown segments is that segment's figure; hiding the figure's smallest shown segment as well (ties:
    the first row) leaves only the two hidden segments' combined figure. Every row is a segment, one
    whose key is null (not set) too.
    """
    sizes = frame[n_column].fillna(0)
    extra = pd.Series(False, index=frame.index)
    if not (hidden & (sizes > 0)).any():  # the usual case: no group with data hidden, nothing to protect
        return extra
    keys = list(within)
    # One key by name, not in a list: pandas is to change what a one-item list groups by.
    figures = frame.groupby(keys[0] if len(keys) == 1 else keys, dropna=False, sort=False).groups.values() \
        if keys else [frame.index]
    for rows in figures:
        shown = sizes[rows][~hidden[rows]]
        if (hidden[rows] & (sizes[rows] > 0)).sum() == 1 and len(shown):
            extra[shown.idxmin()] = True
    return extra
