"""The statistics of the impact comparison (METRICS.md, Impact): the stratified difference, what a
result can be read as, E-values, balance and standardised mean differences.

Inputs are per-stratum or per-band counts computed in SQL; outputs are unrounded floats, NaN where a
figure is undefined (the JSON edge turns NaN into null).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

NAN = float("nan")
Z975 = float(stats.norm.ppf(0.975))
Z80 = float(stats.norm.ppf(0.80))

DIFFERENCE, NO_MEANINGFUL_DIFFERENCE, INCONCLUSIVE = "difference", "no_meaningful_difference", "inconclusive"


def mde_80(se: float) -> float:
    """The smallest true difference detected with 80% power at two-sided 5%."""
    return (Z975 + Z80) * se


def reading(ci_low: float, ci_high: float, smallest_effect: float) -> str | None:
    """'difference' when the 95% CI excludes 0; 'no_meaningful_difference' when it lies wholly within
    ± `smallest_effect`; otherwise 'inconclusive' (never "no effect": the data cannot tell). None
    without an interval."""
    if math.isnan(ci_low) or math.isnan(ci_high):
        return None
    if ci_low > 0 or ci_high < 0:
        return DIFFERENCE
    if -smallest_effect <= ci_low and ci_high <= smallest_effect:
        return NO_MEANINGFUL_DIFFERENCE
    return INCONCLUSIVE


def unpooled_se(x1: int, n1: int, x0: int, n0: int) -> float:
    """√(p1(1 − p1)/n1 + p0(1 − p0)/n0), the standard error of a raw difference of shares."""
    if not n1 or not n0:
        return NAN
    p1, p0 = x1 / n1, x0 / n0
    return math.sqrt(p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)


@dataclass(frozen=True)
class Stratified:
    participants: float
    comparison: float
    difference: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_participants: int
    n_comparison: int
    strata: int


def stratified(n1: np.ndarray, x1: np.ndarray, n0: np.ndarray, x0: np.ndarray) -> Stratified:
    """The participant-weighted difference over matched strata (n1 ≥ 1 and n0 ≥ 1; others ignored):
    w_s = n1_s / Σ n1, SE = √Σ w_s² [p1(1 − p1)/n1 + p0(1 − p0)/n0], CI = ± z SE, p = 2 sf(|d| / SE)
    (NaN when SE = 0)."""
    n1, x1, n0, x0 = (np.asarray(a, dtype=float) for a in (n1, x1, n0, x0))
    matched = (n1 > 0) & (n0 > 0)
    n1, x1, n0, x0 = n1[matched], x1[matched], n0[matched], x0[matched]
    total1, total0 = int(n1.sum()), int(n0.sum())
    if not matched.any():
        return Stratified(NAN, NAN, NAN, NAN, NAN, NAN, NAN, 0, 0, 0)
    w = n1 / n1.sum()
    p1, p0 = x1 / n1, x0 / n0
    treated, comparison = float(w @ p1), float(w @ p0)
    difference = treated - comparison
    se = math.sqrt(float((w ** 2 * (p1 * (1 - p1) / n1 + p0 * (1 - p0) / n0)).sum()))
    p_value = float(2 * stats.norm.sf(abs(difference) / se)) if se > 0 else NAN
    return Stratified(treated, comparison, difference, se, difference - Z975 * se, difference + Z975 * se,
                      p_value, total1, total0, int(matched.sum()))


def e_value(risk_ratio: float) -> float:
    """VanderWeele & Ding's E-value: with RR* = RR, or 1/RR below 1, RR* + √(RR*(RR* − 1)). NaN for a
    ratio that is not a positive number."""
    if math.isnan(risk_ratio) or risk_ratio <= 0 or math.isinf(risk_ratio):
        return NAN
    rr = risk_ratio if risk_ratio >= 1 else 1 / risk_ratio
    return rr + math.sqrt(rr * (rr - 1))


def _counted_share(outcome: str, comparison: float) -> float:
    """The comparison group's share of the outcome counted by the E-value: leaving for retention."""
    return 1 - comparison if outcome == "retention_12m" else comparison


def risk_ratio(outcome: str, comparison: float, difference: float) -> float:
    """The risk ratio of the counted outcome at a given difference of shares: leaving for retention
    ((q0 − d) / q0 with q0 = 1 − comparison), promotion itself ((comparison + d) / comparison). NaN when
    the denominator is 0."""
    base = _counted_share(outcome, comparison)
    if math.isnan(base) or base == 0:
        return NAN
    return (base - difference) / base if outcome == "retention_12m" else (base + difference) / base


def e_values(outcome: str, comparison: float, difference: float, ci_low: float, ci_high: float
             ) -> tuple[float, float]:
    """(E-value of the estimate, of the CI limit nearest 0); the latter is 1 when the CI includes 0.
    Both NaN when the ratio's denominator is 0 (or there is no estimate)."""
    base = _counted_share(outcome, comparison)
    if math.isnan(base) or base == 0 or math.isnan(ci_low) or math.isnan(ci_high):
        return NAN, NAN
    estimate = e_value(risk_ratio(outcome, comparison, difference))
    if ci_low <= 0 <= ci_high:
        return estimate, 1.0
    nearest = ci_low if ci_low > 0 else ci_high
    return estimate, e_value(risk_ratio(outcome, comparison, nearest))


def smd(mean1: float, var1: float, mean0: float, var0: float) -> float:
    """(mean1 − mean0) / √((var1 + var0) / 2); NaN when the spread is 0 or undefined."""
    spread = math.sqrt((var1 + var0) / 2) if not (math.isnan(var1) or math.isnan(var0)) else NAN
    return (mean1 - mean0) / spread if spread and not math.isnan(spread) else NAN


def mean_and_variance(n: float, total: float, squares: float) -> tuple[float, float]:
    """Mean and sample variance (n − 1) from a count, a sum and a sum of squares."""
    if n < 1:
        return NAN, NAN
    mean = total / n
    return mean, (max(squares - n * mean * mean, 0.0) / (n - 1) if n > 1 else NAN)


def wald_clipped(x: int, n: int) -> tuple[float, float, float]:
    """A share with its 95% Wald interval clipped to [0, 1]."""
    if not n:
        return NAN, NAN, NAN
    p = x / n
    half = Z975 * math.sqrt(p * (1 - p) / n)
    return p, max(0.0, p - half), min(1.0, p + half)


def contingency_p(table: pd.DataFrame | np.ndarray) -> float:
    """p of scipy's chi2_contingency on the rows of `table` with at least one member; NaN with fewer
    than two such rows or an empty outcome column (no expected count to test against)."""
    table = np.asarray(table, dtype=float)
    table = table[table.sum(axis=1) > 0]
    if len(table) < 2 or (table.sum(axis=0) == 0).any():
        return NAN
    return float(stats.chi2_contingency(table).pvalue)
