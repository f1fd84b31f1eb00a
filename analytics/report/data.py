"""Every analytics frame the report shows, computed once per report, from the same functions as the
dashboard and `metrics --json`."""
from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd

from analytics.measures import engagement, feedback, impact, outcomes, retention, satisfaction, stats
from analytics.measures.filters import Filters, Period, over_periods
from analytics.present import charts, headlines, insights

TREND_QUARTERS = 4


def shield_flags(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` whose `suppressed` flag reads charts.SHIELDED_TEXT where a group is hidden only to protect a
    smaller one (stats.SHIELDS): its cells must not say it is under the minimum size."""
    if stats.SHIELDS not in frame.columns:
        return frame
    flags = frame["suppressed"].astype(object).where(~frame[stats.SHIELDS].astype(bool), charts.SHIELDED_TEXT)
    return frame.assign(suppressed=flags)


def _segments(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str) -> pd.DataFrame:
    """One row per segment: engagement, NPS, overall satisfaction and goals, each with its own suppression flag."""
    eng = engagement.summary(con, period, filters, by=by)
    nps = shield_flags(satisfaction.nps(con, period, filters, by=by))[[by, "n", "value", "suppressed"]].rename(
        columns={"n": "nps_n", "value": "nps", "suppressed": "nps_suppressed"})
    overall = shield_flags(satisfaction.dimensions(con, period, filters, by=by))
    overall = overall[overall["dimension"] == "overall_satisfaction"][[by, "n", "mean", "suppressed"]].rename(
        columns={"n": "overall_n", "mean": "overall_mean", "suppressed": "overall_suppressed"})
    goals = outcomes.goal_attainment(con, period, filters, by=by)[[by, "n", "goal_attainment_rate"]].rename(
        columns={"n": "goals_due"})
    frame = eng.drop(columns="n").merge(nps, on=by, how="outer").merge(overall, on=by, how="outer") \
        .merge(goals, on=by, how="outer")
    return frame.sort_values(by, na_position="last").reset_index(drop=True)


def _trends(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> dict[str, pd.DataFrame]:
    nps = satisfaction.nps_trend(con, periods, filters)
    dims = satisfaction.trend(con, periods, filters)
    eng = engagement.trend(con, periods, filters)
    goals = over_periods(outcomes.goal_attainment, con, periods, filters)
    overall = dims[dims["dimension"] == "overall_satisfaction"][["period", "n", "mean", "suppressed"]].rename(
        columns={"n": "overall_n", "mean": "overall_mean", "suppressed": "overall_suppressed"})
    table = (eng[["period", "open_pairs", "active_pair_rate", "sessions_per_active_pair_per_month"]]
             .merge(nps[["period", "n", "value", "suppressed"]].rename(
                 columns={"n": "nps_n", "value": "nps", "suppressed": "nps_suppressed"}), on="period", how="left")
             .merge(overall, on="period", how="left")
             .merge(goals[["period", "n", "goal_attainment_rate"]].rename(columns={"n": "goals_due"}),
                    on="period", how="left"))
    return {"nps_trend": nps, "engagement_trend": eng, "trends": table}


def _steady(frame: pd.DataFrame) -> pd.DataFrame:
    """Floats to 12 significant digits. DuckDB aggregates in parallel, so the last bits of a mean can
    differ from run to run; rounding far below any shown precision keeps the report's bytes stable."""
    out = frame.copy()
    for column in out.columns[[pd.api.types.is_float_dtype(t) for t in out.dtypes]]:
        out[column] = out[column].map(lambda v: v if math.isnan(v) else float(f"{v:.12g}"))
    return out


def collect(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """Every analytics frame the report shows, each computed once (floats steadied)."""
    data = _compute(con, period, filters)
    return {key: _steady(value) if isinstance(value, pd.DataFrame) else value for key, value in data.items()}


def _compute(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    previous = period.previous()
    has_employees = retention.has_employees(con)
    by = "cohort" if filters.program else "program"
    cohorts = engagement.summary(con, period, filters, by="cohort")
    change = satisfaction.change(con, period, filters)
    return {
        "responses": int(satisfaction.response_count(con, period, filters)["n"].iloc[0]),
        "nps": satisfaction.nps(con, period, filters),
        "dimensions": satisfaction.dimensions(con, period, filters),
        "change": change,
        "likert": satisfaction.likert_distribution(con, period, filters),
        "engagement": engagement.summary(con, period, filters),
        "engagement_bases": engagement.bases(con, period, filters),
        "engagement_previous": engagement.summary(con, previous, filters),
        "cohort_months": engagement.cohort_month_activity(con, period, filters),
        "at_risk": cohorts[["cohort", "open_pairs", "active_pairs", "at_risk_pairs"]],
        "survival": retention.survival_at(con, period, filters),
        "km": retention.km_curves(con, period, filters),
        "early_exit": retention.early_exit(con, period, filters),
        "exit_reasons": retention.early_exit_reasons(con, period, filters),
        "employees": retention.employee_outcomes(con, period, filters) if has_employees else None,
        "impact": impact.block(con, period, filters),
        "impact_unavailable": impact.unavailable(con),
        "pre_post": outcomes.pre_post(con, period, filters),
        "goals": outcomes.goal_attainment(con, period, filters),
        "goal_categories": outcomes.goal_attainment(con, period, filters, by="category"),
        "comment_count": feedback.comment_count(con, period, filters),
        "comments": feedback.comments(con, period, filters),
        "themes": feedback.themes(con, period, filters),
        "sentiment": feedback.sentiment_summary(con, period, filters),
        "findings": insights.findings(con, period, filters),
        "headlines": headlines.headlines(con, period, filters),
        "segment_by": by,
        "segments": _segments(con, period, filters, by),
        **_trends(con, period.quarters_back(TREND_QUARTERS), filters),
    }
