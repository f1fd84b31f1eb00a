"""Retention: Kaplan–Meier pair survival, early exits, and employee retention
and promotion of participants vs non-participants on the landmark design
(METRICS.md, Retention).

SQL prepares one (time, event) row per pair; scipy does Kaplan–Meier and the
log-rank test, which SQL cannot.
"""
from __future__ import annotations

import math
from datetime import timedelta

import duckdb
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from scipy import stats as sps

from analytics.measures import impact_stats, stats
from analytics.measures.filters import Filters, Period, group_by, name_segment, segment_key
from analytics.store import memo, settings

MONTH_DAYS = 30.4375
SURVIVAL_MONTHS = (3, 6, 12)
EMPLOYEE_STATS = ["participants", "non_participants", "difference", "ci_low", "ci_high", "p_value", "se", "mde_80"]


def _survival_sql(period: Period, filters: Filters) -> tuple[str, list]:
    """Per pair matched by the as-of date → pair_id, program, cohort, department, months, event.

    An event is an early end (ended by the as-of date, reason not 'completed');
    completed, open and later-ending pairs are censored.
    """
    pairs, params = filters.pairs_sql()
    return f"""
        SELECT pair_id, program, cohort, department,
               date_diff('day', matched_on, CASE WHEN ended_on <= ?::DATE THEN ended_on ELSE ?::DATE END)
                   / {MONTH_DAYS} AS months,
               coalesce(ended_on <= ?::DATE AND coalesce(end_reason, '') <> 'completed', FALSE) AS event
        FROM ({pairs}) WHERE matched_on <= ?::DATE""", [period.end, period.end, period.end, *params, period.end]


def survival_data(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """`_survival_sql` as a frame, by pair_id."""
    survival, params = _survival_sql(period, filters)
    return con.execute(f"{survival} ORDER BY pair_id", params).df()


def _fit(months: np.ndarray, events: np.ndarray):
    """scipy's Kaplan–Meier estimate and its 95% log-log Greenwood interval."""
    fit = sps.ecdf(sps.CensoredData(uncensored=months[events], right=months[~events]))
    with stats.runtime_warnings_ignored():  # the interval is undefined where survival is 1; NaN says so
        interval = fit.sf.confidence_interval(0.95, method="log-log")
    return fit, interval


@memo.once
def survival_at(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                months: tuple[int, ...] = SURVIVAL_MONTHS) -> pd.DataFrame:
    """→ [months, survival, ci_low, ci_high, at_risk, n]; a row per month, null
    survival past the largest observed time (or when there are no pairs)."""
    # Only times and events, in any order (Kaplan–Meier counts them): a pair's ids and names as
    # text would cost more to fetch than the fit.
    survival, params = _survival_sql(period, filters)
    data = con.execute(f"SELECT months, event FROM ({survival})", params).df()
    times, events = data["months"].to_numpy(float), data["event"].to_numpy(bool)
    rows = []
    fit = interval = None
    if len(times):
        fit, interval = _fit(times, events)
    for month in months:
        known = fit is not None and month <= times.max()
        rows.append({
            "months": month,
            "survival": float(fit.sf.evaluate(month)) if known else stats.NAN,
            "ci_low": float(interval.low.evaluate(month)) if known else stats.NAN,
            "ci_high": float(interval.high.evaluate(month)) if known else stats.NAN,
            "at_risk": int((times >= month).sum()),
            "n": len(times),
        })
    return pd.DataFrame(rows)


def km_curves(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
              by: str | None = None) -> pd.DataFrame:
    """Step curves for plotting → [segment?, months, survival, ci_low, ci_high, at_risk, events, n];
    one row at time 0 and one per distinct observed time, per group."""
    data = survival_data(con, period, filters)
    data["segment"] = "all" if by is None else data[_survival_split(by)]
    frames = []
    for segment, group in data.groupby("segment", dropna=False, sort=True):
        times, events = group["months"].to_numpy(float), group["event"].to_numpy(bool)
        fit, interval = _fit(times, events)
        grid = np.concatenate([[0.0], fit.sf.quantiles])
        frames.append(pd.DataFrame({
            "segment": segment,
            "months": grid,
            "survival": fit.sf.evaluate(grid),
            "ci_low": interval.low.evaluate(grid),
            "ci_high": interval.high.evaluate(grid),
            "at_risk": [(times >= t).sum() for t in grid],
            "events": [((times == t) & events).sum() for t in grid],
            "n": len(times),
        }))
    columns = ["segment", "months", "survival", "ci_low", "ci_high", "at_risk", "events", "n"]
    return name_segment(pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns), by)


def _survival_split(by: str) -> str:
    if by not in ("program", "cohort", "department"):
        raise ValueError(f"Cannot split pair survival by {by!r}; choose program, cohort or department.")
    return by


def logrank_p(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str = "cohort") -> float:
    """Log-rank p-value comparing the survival of the groups (NaN with < 2 groups or no events)."""
    data = survival_data(con, period, filters)
    groups = data[_survival_split(by)].fillna("(none)")
    return stats.logrank_p(data["months"], data["event"], groups)


def early_exit(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
               by: str | None = None) -> pd.DataFrame:
    """Pairs that ended in the period → [segment?, n, early_exits, early_exit_rate]."""
    pairs, params = filters.pairs_sql()
    frame = con.execute(f"""
        SELECT {segment_key('pair', by)} AS segment, count(*) AS n,
               count(*) FILTER (WHERE coalesce(end_reason, '') <> 'completed') AS early_exits
        FROM ({pairs}) WHERE ended_on BETWEEN ? AND ? {group_by(by)}""",
        [*params, period.start, period.end]).df()
    frame["early_exit_rate"] = frame["early_exits"] / frame["n"].where(frame["n"] > 0)
    return name_segment(frame, by)


def early_exit_reasons(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Why pairs that ended early in the period ended → [end_reason, n, share] (blank reason: null)."""
    pairs, params = filters.pairs_sql()
    return con.execute(f"""
        SELECT nullif(trim(end_reason), '') AS end_reason, count(*) AS n, count(*) / sum(count(*)) OVER () AS share
        FROM ({pairs}) WHERE ended_on BETWEEN ? AND ? AND coalesce(end_reason, '') <> 'completed'
        GROUP BY 1 ORDER BY n DESC, end_reason NULLS LAST""", [*params, period.start, period.end]).df()


def window_start(period: Period):
    """First day of the 12 months ending on the as-of date: the landmark L of the employee comparisons."""
    return period.as_of + timedelta(days=1) - relativedelta(months=12)


def lookback_start(period: Period):
    """L − 12 months: a pair open since then makes its members participants at the landmark."""
    return window_start(period) - relativedelta(months=12)


@memo.per_data
def has_employees(con: duckdb.DuckDBPyConnection) -> bool:
    return con.execute("SELECT count(*) FROM employees").fetchone()[0] > 0


TENURE_BANDS = ("<1", "1-3", "3-5", "5-10", "10+")  # years on the landmark, lower bound included
BLANK = "(blank)"  # a blank department or level is a level of its own


def landmark_sql(period: Period, filters: Filters) -> tuple[str, list]:
    """CTEs `bounds`, `memberships`, `qualifying`, `employed` and `population` of the landmark design
    (METRICS.md, Retention): `employed` those employed on L with their outcomes in the window, and
    `population` the same with their group ('participants', 'non_participants', 'neither') and
    covariates read on L. A participant's qualifying pairs are in `qualifying` (employee_id, pair_id)."""
    employees, employee_params = filters.employees_sql()
    member_where, member_params = filters.where("membership")
    bands = " ".join(f"WHEN tenure >= {low} THEN '{band}'" for low, band in
                     reversed(list(zip((0, 1, 3, 5, 10), TENURE_BANDS))))
    return f"""
        WITH bounds AS (SELECT ?::DATE AS landmark, ?::DATE AS lookback, ?::DATE AS as_of),
        memberships AS (
            SELECT pair_id, mentor_id AS employee_id, 'mentor' AS role, program, cohort, matched_on, ended_on
            FROM pairs
            UNION ALL SELECT pair_id, mentee_id, 'mentee', program, cohort, matched_on, ended_on FROM pairs),
        qualifying AS (
            SELECT m.employee_id, m.pair_id FROM memberships m, bounds b
            WHERE m.matched_on < b.landmark AND (m.ended_on IS NULL OR m.ended_on >= b.lookback)
              AND {member_where}),
        employed AS (
            SELECT e.*, date_diff('day', e.hired_on, b.landmark) AS tenure_days,
                   date_diff('day', e.hired_on, b.landmark) / 365.25 AS tenure,
                   e.terminated_on IS NULL OR e.terminated_on > b.as_of AS retained,
                   coalesce(e.last_promoted_on BETWEEN b.landmark AND b.as_of, FALSE) AS promoted
            FROM ({employees}) e, bounds b
            WHERE e.hired_on < b.landmark AND (e.terminated_on IS NULL OR e.terminated_on >= b.landmark)),
        population AS (
            SELECT e.employee_id, e.tenure, e.tenure_days, e.retained, e.promoted,
                   CASE WHEN e.employee_id IN (SELECT employee_id FROM qualifying) THEN 'participants'
                        WHEN e.employee_id IN (SELECT employee_id FROM memberships) THEN 'neither'
                        ELSE 'non_participants' END AS "group",
                   coalesce(nullif(trim(e.department), ''), '{BLANK}') AS department,
                   coalesce(nullif(trim(e.level), ''), '{BLANK}') AS level,
                   CASE {bands} END AS tenure_band
            FROM employed e)""", [window_start(period), lookback_start(period), period.as_of,
                                  *member_params, *employee_params]


@memo.once
def landmark_strata(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """The landmark population by stratum → [department, level, tenure_band, n1, n0, n_neither,
    retained1, retained0, promoted1, promoted0, tenure_sum1, tenure_sum0, tenure_squares1,
    tenure_squares0]: 1 for participants, 0 for non-participants (tenure in years on L)."""
    population, params = landmark_sql(period, filters)
    sides = ", ".join(
        f"""count(*) FILTER (WHERE "group" = '{group}') AS n{side},
            count(*) FILTER (WHERE "group" = '{group}' AND retained) AS retained{side},
            count(*) FILTER (WHERE "group" = '{group}' AND promoted) AS promoted{side},
            coalesce(sum(tenure_days) FILTER (WHERE "group" = '{group}'), 0) / 365.25 AS tenure_sum{side},
            coalesce(sum(tenure_days::HUGEINT * tenure_days) FILTER (WHERE "group" = '{group}'), 0)
                / (365.25 * 365.25) AS tenure_squares{side}"""
        for group, side in (("participants", "1"), ("non_participants", "0")))
    # Whole days summed exactly, then turned into years, and strata in a fixed order: a sum of fractional
    # years over threads, or over rows in any order, differs in its last bits from one run to the next.
    return con.execute(f"""{population}
        SELECT department, level, tenure_band, {sides}, count(*) FILTER (WHERE "group" = 'neither') AS n_neither
        FROM population GROUP BY ALL ORDER BY ALL""", params).df()


def employee_groups(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """The landmark groups → [group, n, retained, promoted]; a row for each of 'participants',
    'non_participants' and 'neither', zeros when empty. (Counted apart from `landmark_strata`: the
    Overview needs only these, and grouping by stratum costs more.)"""
    population, params = landmark_sql(period, filters)
    groups = con.execute(f"""{population}
        SELECT "group", count(*) AS n, count(*) FILTER (WHERE retained) AS retained,
               count(*) FILTER (WHERE promoted) AS promoted
        FROM population GROUP BY ALL""", params).df().set_index("group")
    return groups.reindex(["participants", "non_participants", "neither"], fill_value=0).astype(int) \
        .rename_axis("group").reset_index()


@memo.once
def employee_outcomes(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [measure ('retention_12m' | 'promotion_rate_12m'), participants, non_participants,
    difference, ci_low, ci_high, p_value, se, mde_80, reading, n_participants, n_non_participants,
    n_neither, n, suppressed]; `n` is the smaller group, which decides suppression."""
    groups = employee_groups(con, period, filters).set_index("group")
    n1, n2 = int(groups.loc["participants", "n"]), int(groups.loc["non_participants", "n"])
    smallest_effect = settings.get(con, "smallest_effect_of_interest")
    rows = []
    for measure, column in (("retention_12m", "retained"), ("promotion_rate_12m", "promoted")):
        x1, x2 = int(groups.loc["participants", column]), int(groups.loc["non_participants", column])
        difference, low, high = stats.proportion_difference(x1, n1, x2, n2)
        se = impact_stats.unpooled_se(x1, n1, x2, n2)
        rows.append({"measure": measure, "participants": x1 / n1 if n1 else math.nan,
                     "non_participants": x2 / n2 if n2 else math.nan, "difference": difference,
                     "ci_low": low, "ci_high": high, "p_value": stats.two_by_two_p(x1, n1, x2, n2),
                     "se": se, "mde_80": impact_stats.mde_80(se),
                     "reading": impact_stats.reading(low, high, smallest_effect),
                     "n_participants": n1, "n_non_participants": n2,
                     "n_neither": None if filters.scope is not None else int(groups.loc["neither", "n"]),
                     "n": min(n1, n2)})
    out = stats.suppress(pd.DataFrame(rows), settings.get(con, "min_group_size"), EMPLOYEE_STATS)
    out["reading"] = [None if hidden else reading for reading, hidden in zip(out["reading"], out["suppressed"])]
    return out
