"""The Net Promoter Score, declared once: who counts as a promoter, passive or detractor, the score with its
95% CI, the test of a change, its variance as an improvement's effect reads it, and its registry entry (label,
definition, unit, direction, JSON path). The answers it counts are those of the 0–10 recommend question, stored
one per row (`analytics.store.scores.NPS_ANSWERS`, which the store owns because it sits below the measures).

Changing how NPS is computed changes this module (and its tests) only.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from scipy import stats as scipy_stats

from analytics.measures.declaration import Compute, Metric
from analytics.measures.stats import NAN, Z95, Moments
from analytics.store.scores import NPS_ANSWERS

LOWEST, HIGHEST = NPS_ANSWERS
PROMOTER_FROM = 9  # 9–10: promoters
PASSIVE_FROM = 7   # 7–8: passives; below: detractors


def counts_sql(score: str) -> str:
    """SQL select-list items counting promoters, passives and detractors among the answers `score`."""
    return (f"count(*) FILTER (WHERE {score} >= {PROMOTER_FROM}) AS promoters, "
            f"count(*) FILTER (WHERE {score} >= {PASSIVE_FROM} AND {score} < {PROMOTER_FROM}) AS passives, "
            f"count(*) FILTER (WHERE {score} < {PASSIVE_FROM}) AS detractors")


@dataclass(frozen=True)
class Nps:
    value: float
    variance: float
    ci_low: float
    ci_high: float
    n: int


def score(promoters: int, passives: int, detractors: int) -> Nps:
    """NPS = 100 (p − d); variance 100² [(p + d) − (p − d)²] / n; CI ±1.96 standard errors clipped to ±100."""
    n = promoters + passives + detractors
    if n == 0:
        return Nps(NAN, NAN, NAN, NAN, 0)
    p, d = promoters / n, detractors / n
    value = 100 * (p - d)
    variance = 100 ** 2 * ((p + d) - (p - d) ** 2) / n
    half = Z95 * math.sqrt(variance)
    return Nps(value, variance, max(-100.0, value - half), min(100.0, value + half), n)


def z_test(value_a: float, variance_a: float, value_b: float, variance_b: float) -> float:
    """Two-sided p of the difference of two independent NPS values."""
    se = math.sqrt(variance_a + variance_b) if not (math.isnan(variance_a) or math.isnan(variance_b)) else NAN
    if not se or math.isnan(se):
        return NAN
    return float(2 * scipy_stats.norm.sf(abs(value_b - value_a) / se))


def moments(promoters: int, passives: int, detractors: int) -> Moments:
    """The answers as scores whose mean is the NPS: +100 a promoter, 0 a passive, −100 a detractor (their
    Wald variance is `score`'s)."""
    return Moments(promoters + passives + detractors, 100 * (promoters - detractors),
                   100 ** 2 * (promoters + detractors), 0)


SCALE = f"{LOWEST}–{HIGHEST}"  # the question's answers as a reader sees them
# Each group with the answers it counts, as tables and charts head it.
GROUPS = {"promoters": f"Promoters ({PROMOTER_FROM}–{HIGHEST})",
          "passives": f"Passives ({PASSIVE_FROM}–{PROMOTER_FROM - 1})",
          "detractors": f"Detractors ({LOWEST}–{PASSIVE_FROM - 1})"}
DEFINITION = (f"100 × (share answering {PROMOTER_FROM}–{HIGHEST} − share answering {LOWEST}–{PASSIVE_FROM - 1}) "
              f"on the {SCALE} recommend question, with a 95% CI of ±{Z95} standard errors.")


def metric(compute: Compute) -> Metric:
    """NPS's registry entry; `compute` reads its overall figure (satisfaction.nps, which groups the answers)."""
    return Metric("nps", "Net Promoter Score", DEFINITION, "nps", "survey", "satisfaction", compute,
                  direction="higher", json_path="satisfaction.nps.value")
