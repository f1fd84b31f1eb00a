"""The metric registry, and the metrics JSON contract of METRICS.md.

Every figure is registered once: name, label, a one-line definition, unit,
grain, section and the function computing its overall value for a period and
filters. Pages, the report, the command line, the improvement log and the docs
(docs/metrics.md, see `analytics.present.metric_docs`) all read from here.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import duckdb
import numpy as np
import pandas as pd

from analytics.measures import engagement, impact, outcomes, retention, roi, satisfaction
from analytics.measures.filters import Filters, Period

LIKERT_DIMENSIONS = (
    "industry_knowledge", "networking", "emotional_support", "skill_development", "job_satisfaction",
    "career_clarity", "relationship_quality", "overall_satisfaction",
)
SECTIONS = ("satisfaction", "engagement", "retention", "outcomes")

Compute = Callable[[duckdb.DuckDBPyConnection, Period, Filters], Any]


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    definition: str
    # count | rate (0..1) | score (1..k) | nps (-100..100) | per_month | hours | days | difference
    # | rate_difference (-1..1, read in percentage points)
    unit: str
    grain: str  # pair | survey | employee | goal
    section: str
    compute: Compute

    def value(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> float | None:
        """The overall figure, None when there is no data or it is suppressed."""
        return clean(self.compute(con, period, filters))

    def estimate(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Estimate:
        """The overall figure with its CI (where it has one), n and suppression."""
        if isinstance(self.compute, Cell):
            return self.compute.estimate(con, period, filters)
        return Estimate(self.value(con, period, filters))


@dataclass(frozen=True)
class Estimate:
    """A figure with what judging it needs: its 95% CI where it has one, its n, and whether it is hidden."""
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class Cell:
    """A compute that reads one cell of a section's frame (the row `where` picks); `interval` names the
    columns of that cell's 95% CI, when the frame has one for it."""
    table: Callable[..., pd.DataFrame]
    column: str
    where: tuple[tuple[str, Any], ...] = ()
    interval: tuple[str, str] | None = None

    def row(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any] | None:
        frame = self.table(con, period, filters)
        for key, wanted in self.where:
            frame = frame[frame[key] == wanted]
        return frame.iloc[0].to_dict() if len(frame) else None

    def __call__(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Any:
        row = self.row(con, period, filters)
        return None if row is None else row[self.column]

    def estimate(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Estimate:
        row = self.row(con, period, filters)
        if row is None:
            return Estimate(None, n=0)
        low, high = (clean(row[c]) for c in self.interval) if self.interval else (None, None)
        return Estimate(clean(row[self.column]), low, high, clean(row.get("n")), bool(row.get("suppressed", False)))


def _from(table: Callable[..., pd.DataFrame], column: str, interval: tuple[str, str] | None = None,
          **where: Any) -> Compute:
    """A compute that reads one cell of a section's frame."""
    return Cell(table, column, tuple(where.items()), interval)


CI = ("ci_low", "ci_high")


def _metrics() -> list[Metric]:
    m = []
    m.append(Metric("responses", "Survey responses", "Survey responses submitted in the period, every wave but baseline.",
                    "count", "survey", "satisfaction", _from(satisfaction.response_count, "n")))
    m.append(Metric("nps", "Net Promoter Score",
                    "100 × (share answering 9–10 − share answering 0–6) on the 0–10 recommend question, "
                    "with a 95% CI of ±1.96 standard errors.",
                    "nps", "survey", "satisfaction", _from(satisfaction.nps, "value", CI)))
    for d in LIKERT_DIMENSIONS:
        words = d.replace("_", " ")
        m.append(Metric(f"{d}_mean", f"{words.capitalize()}: mean score",
                        f"Mean {words} score of responses in the period (a response's score is the mean of its "
                        "answered items on the dimension), with a 95% t-interval; answers on another scale than "
                        "the most common one are placed on it first.",
                        "score", "survey", "satisfaction", _from(satisfaction.dimensions, "mean", CI, dimension=d)))
        m.append(Metric(f"{d}_top2box", f"{words.capitalize()}: top-2-box",
                        f"Share of responses whose {words} score is at least k − 1 on a k-point scale.",
                        "rate", "survey", "satisfaction", _from(satisfaction.dimensions, "top2box", dimension=d)))
    for name, label, definition, unit in (
        ("open_pairs", "Open pairs", "Pairs matched by the period end and not ended before its start.", "count"),
        ("active_pairs", "Active pairs", "Open pairs with at least one held session in the period.", "count"),
        ("active_pair_rate", "Active pair rate", "Active pairs / open pairs.", "rate"),
        ("sessions_held", "Sessions held", "Held sessions dated in the period.", "count"),
        ("sessions_per_active_pair_per_month", "Sessions per active pair per month",
         "Held sessions / active pairs / months in the period.", "per_month"),
        ("cancellation_rate", "Cancellation rate",
         "Cancelled and no-show sessions / all sessions dated in the period.", "rate"),
        ("median_hours_per_active_pair", "Median hours per active pair",
         "Median over active pairs of their held minutes in the period, in hours.", "hours"),
        ("median_days_to_first_meeting", "Median days to first meeting",
         "For pairs matched in the period that have met by its end, the median days from match to first held "
         "session.", "days"),
        ("pairs_never_met", "Pairs never met",
         "Pairs matched in the period with no held session by its end.", "count"),
        ("cadence_adherence", "Cadence adherence",
         "Share of open pairs matched at least 30 days before the period end whose held sessions reach their "
         "monthly target × months open.", "rate"),
        ("at_risk_pairs", "At-risk pairs",
         "Pairs open on the as-of date, matched at least 45 days (setting at_risk_days) before it, with no held "
         "session in the last 45 days.", "count"),
    ):
        m.append(Metric(name, label, definition, unit, "pair", "engagement", _from(engagement.summary, name)))
    for months in retention.SURVIVAL_MONTHS:
        m.append(Metric(f"pair_survival_{months}m", f"Pair survival at {months} months",
                        f"Kaplan–Meier probability that a pair has not ended early {months} months after matching "
                        "(completed and open pairs censored), with a 95% log-log Greenwood CI.",
                        "rate", "pair", "retention", _from(retention.survival_at, "survival", CI, months=months)))
    m.append(Metric("early_exit_rate", "Early exit rate",
                    "Among pairs that ended in the period, the share whose end reason is not 'completed'.",
                    "rate", "pair", "retention", _from(retention.early_exit, "early_exit_rate")))
    m.append(Metric("employee_retention_12m", "Employee retention, 12 months",
                    "Share of participants not terminated in the 12 months to the as-of date, against "
                    "non-participants, with the difference, its 95% Wald CI, a chi-square/Fisher p-value, the "
                    "smallest difference it could detect (80% power) and a reading. The groups are fixed on the "
                    "window's first day (the landmark), among those employed then: participants were in a pair "
                    "matched before it and open at some time in the year before it; non-participants are in no "
                    "pair at all; anyone else (mentored earlier, matched later, or in another program under a "
                    "filter) is in neither group and counted.",
                    "rate", "employee", "retention",
                    _from(retention.employee_outcomes, "participants", measure="retention_12m")))
    m.append(Metric("promotion_rate_12m", "Promotion rate, 12 months",
                    "Share of participants promoted in the 12 months to the as-of date, against non-participants "
                    "(the same landmark groups), with the same statistics as retention.",
                    "rate", "employee", "retention",
                    _from(retention.employee_outcomes, "participants", measure="promotion_rate_12m")))
    for d in LIKERT_DIMENSIONS:
        words = d.replace("_", " ")
        m.append(Metric(f"{d}_change", f"{words.capitalize()}: baseline to exit",
                        f"Mean change in {words} score from a respondent's baseline to their exit survey (exit in "
                        "the period), with paired t and Wilcoxon p-values and Cohen's d_z; scores on another scale "
                        "than the most common one among the matched baseline and exit scores are placed on it first.",
                        "difference", "survey", "outcomes", _from(outcomes.pre_post, "mean_change", dimension=d)))
    m.append(Metric("goal_attainment_rate", "Goal attainment rate",
                    "Among goals due in the period, the share achieved by its end.",
                    "rate", "goal", "outcomes", _from(outcomes.goal_attainment, "goal_attainment_rate")))
    return m


REGISTRY: dict[str, Metric] = {metric.name: metric for metric in _metrics()}


def _impact_comparisons(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """The impact block's adjusted comparisons → [measure, difference, ci_low, ci_high, n, suppressed], n its
    matched participants; no rows when `impact.unavailable` says why."""
    block = impact.block(con, period, filters)
    rows = [{"measure": measure, **{key: block[measure][key] for key in ("difference", *CI, "suppressed")},
             "n": block[measure]["n_participants"]} for measure in impact.OUTCOMES] if block else []
    return pd.DataFrame(rows, columns=["measure", "difference", *CI, "n", "suppressed"])


# The impact block's adjusted differences (docs/metrics.md, Impact), which objectives may target besides the
# registry's figures. Kept out of REGISTRY: pages, improvement actions and the report's definitions list its
# figures one by one, and these belong to the impact block there.
IMPACT_METRICS: dict[str, Metric] = {metric.name: metric for metric in (
    Metric("retention_effect_12m", "Retention effect, 12 months (adjusted)",
           "Participants' 12-month retention less that of comparable non-participants (same department, level "
           "and tenure band), with its 95% CI: the impact block's adjusted difference.",
           "rate_difference", "employee", "impact", _from(_impact_comparisons, "difference", CI,
                                                          measure="retention_12m")),
    Metric("promotion_effect_12m", "Promotion effect, 12 months (adjusted)",
           "Participants' 12-month promotion rate less that of comparable non-participants, with its 95% CI: "
           "the impact block's adjusted difference.",
           "rate_difference", "employee", "impact", _from(_impact_comparisons, "difference", CI,
                                                          measure="promotion_rate_12m")),
)}
# Every figure an objective may target.
TARGETABLE: dict[str, Metric] = {**REGISTRY, **IMPACT_METRICS}


def get(name: str) -> Metric:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"Unknown metric {name!r}; known metrics: {', '.join(REGISTRY)}.") from None


def clean(value: Any) -> Any:
    """JSON-ready: NaN/NA → None, numpy scalars → Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return value


def _records(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [{c: clean(row[c]) for c in columns} for row in frame.to_dict("records")]


EMPLOYEE_KEYS = ["participants", "non_participants", "difference", "ci_low", "ci_high", "p_value",
                 "n_participants", "n_non_participants", "suppressed", "mde_80", "reading", "n_neither"]


def _employee_figures(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters
                      ) -> tuple[pd.DataFrame | None, dict[str, Any] | None]:
    """(`retention.employee_outcomes` by measure, `impact.block`), None each when it cannot be made
    (no employee file; for impact also no department or level)."""
    if not retention.has_employees(con):
        return None, None
    return (retention.employee_outcomes(con, period, filters).set_index("measure"),
            _cleaned(impact.block(con, period, filters)))


def _cleaned(value: Any) -> Any:
    """`clean` through nested dicts and lists."""
    if isinstance(value, dict):
        return {key: _cleaned(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    return clean(value)


# The figures behind the JSON, slowest first so that the last to finish is a short one.
FIGURES: dict[str, Compute] = {
    "dimensions": satisfaction.dimensions, "pre_post": outcomes.pre_post, "engagement": engagement.summary,
    "nps": satisfaction.nps, "employees": _employee_figures, "survival": retention.survival_at,
    "goals": outcomes.goal_attainment, "responses": satisfaction.response_count, "early_exit": retention.early_exit,
    "change": satisfaction.change,
}


def _side_by_side(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """Every figure of FIGURES, computed two at a time on cursors of their own.

    Each figure alone leaves a core idle for much of its time (single-threaded steps of its queries,
    fetching its frame, scipy); two at a time keep both busy. The figures are independent reads of
    committed data (a cursor does not see an open transaction's writes: no caller computes them
    inside one), outside any memo scope of the caller."""
    def compute(figure: Compute) -> Any:
        with con.cursor() as cursor:  # a DuckDB connection serves one thread at a time
            return figure(cursor, period, filters)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(compute, figure) for name, figure in FIGURES.items()}
        try:
            return {name: future.result() for name, future in futures.items()}
        except BaseException:  # a failed figure (or Ctrl+C) fails the JSON now, not after the queued ones
            pool.shutdown(cancel_futures=True)
            raise


def metrics_json(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """Exactly the METRICS.md contract (keys may be added, never renamed or dropped)."""
    from analytics.measures import objectives  # objectives judges this module's figures: imported on use
    figures = _side_by_side(con, period, filters)
    nps = _records(figures["nps"], ["value", "ci_low", "ci_high", "n", "promoters", "passives", "detractors",
                                    "suppressed"])[0]
    dimensions = _records(figures["dimensions"],
                          ["dimension", "mean", "ci_low", "ci_high", "top2box", "n", "scale_points", "suppressed"])
    engaged = figures["engagement"].drop(columns="n")
    employees = promotion = None  # no employee file loaded
    rows, impact_block = figures["employees"]
    if rows is not None:
        employees = {k: clean(rows.loc["retention_12m", k]) for k in EMPLOYEE_KEYS}
        promotion = {k: clean(rows.loc["promotion_rate_12m", k]) for k in EMPLOYEE_KEYS}
    return {
        "period": period.to_dict(),
        "filters": filters.to_dict(),
        "satisfaction": {
            "responses": clean(figures["responses"]["n"].iloc[0]),
            "nps": nps,
            "dimensions": dimensions,
        },
        "engagement": _records(engaged, list(engaged.columns))[0],
        "retention": {
            "pair_survival": _records(figures["survival"], ["months", "survival", "ci_low", "ci_high", "at_risk"]),
            "early_exit_rate": clean(figures["early_exit"]["early_exit_rate"].iloc[0]),
            "employee_retention_12m": employees,
            "promotion_rate_12m": promotion,
        },
        "impact": impact_block,
        "outcomes": {
            "pre_post": _records(figures["pre_post"],
                                 ["dimension", "n_pairs", "n_excluded", "mean_baseline", "mean_exit", "mean_change",
                                  "t_p_value", "wilcoxon_p_value", "cohens_dz", "suppressed"]),
            "goal_attainment_rate": clean(figures["goals"]["goal_attainment_rate"].iloc[0]),
        },
        "objectives": objectives.records(con, period, filters),
        "roi": roi.from_impact(con, filters, impact_block, figures["change"]),
    }
