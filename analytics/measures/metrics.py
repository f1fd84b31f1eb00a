"""The metrics JSON contract of METRICS.md: every figure of a period and filters, computed side by side.
Which figures there are, and where each sits in this JSON, is the registry's (`analytics.measures.registry`).
"""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.measures import engagement, impact, outcomes, retention, roi, satisfaction, side_by_side
from analytics.measures.declaration import Compute, clean
from analytics.measures.filters import Filters, Period
from analytics.store import memo


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


def metrics_json(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """Exactly the METRICS.md contract (keys may be added, never renamed or dropped)."""
    with memo.scope():  # the figures, the objectives and the return share what they compute
        return _metrics_json(con, period, filters)


def _metrics_json(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    from analytics.measures import objectives  # objectives judges this module's figures: imported on use
    figures = side_by_side.computed(con, FIGURES, period, filters)
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
