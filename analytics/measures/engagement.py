"""Engagement: pairs and their sessions (METRICS.md, Engagement).

One scan of the sessions up to the as-of date gives per-pair facts; the
figures are aggregates of those. Counts are never suppressed.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from analytics.measures.filters import Filters, Period, group_by, name_segment, over_periods, segment_key
from analytics.store import memo, settings

MONTH_DAYS = 30.4375
CADENCE_MIN_DAYS = 30  # a pair matched more recently is too new to judge its cadence


def _pair_facts_sql(period: Period, filters: Filters, con: duckdb.DuckDBPyConnection,
                    whole_history: bool = False) -> tuple[str, list]:
    """Per filtered pair: open/active flags, its sessions in the period and its history to the as-of date.

    Without `whole_history` only the sessions from the period start (or the start of the at-risk window,
    if earlier) are read: every figure but the at-risk list needs no older one, and grouping every
    session ever held cost more than all the rest. first_held is then still right where it is used
    (pairs matched in the period meet on or after its start), and so is at_risk, but last_held and
    meetings_so_far cover that span only."""
    pairs, params = filters.pairs_sql()
    at_risk_days = settings.get(con, "at_risk_days")
    target = settings.get(con, "default_meeting_target")
    # Narrowing the sessions to the filtered pairs saves aggregating the others; unfiltered it would
    # only cost a probe per session, as the join to `fp` below drops sessions of unknown pairs anyway.
    filtered_pairs = "AND s.pair_id IN (SELECT pair_id FROM fp)" if filters.narrows("pair") else ""
    sql = f"""
        WITH bounds AS (SELECT ?::DATE AS start, ?::DATE AS as_of, ?::DATE AS since),
        fp AS ({pairs}),
        history AS (
            SELECT s.pair_id,
                   count(*) FILTER (WHERE s.status = 'held' AND s.occurred_on >= b.start) AS held,
                   count(*) FILTER (WHERE s.status IN ('cancelled', 'no_show') AND s.occurred_on >= b.start)
                       AS missed,
                   count(*) FILTER (WHERE s.occurred_on >= b.start) AS dated,
                   sum(s.duration_minutes) FILTER (WHERE s.status = 'held' AND s.occurred_on >= b.start)
                       AS held_minutes,
                   min(s.occurred_on) FILTER (WHERE s.status = 'held') AS first_held,
                   max(s.occurred_on) FILTER (WHERE s.status = 'held') AS last_held,
                   count(*) FILTER (WHERE s.status = 'held') AS meetings_so_far
            FROM sessions s, bounds b
            WHERE s.occurred_on <= b.as_of {"" if whole_history else "AND s.occurred_on >= b.since"} {filtered_pairs}
            GROUP BY s.pair_id)
        SELECT fp.*, b.start, b.as_of,
               coalesce(h.held, 0) AS held, coalesce(h.missed, 0) AS missed, coalesce(h.dated, 0) AS dated,
               h.held_minutes, h.first_held, h.last_held, coalesce(h.meetings_so_far, 0) AS meetings_so_far,
               fp.matched_on <= b.as_of AND (fp.ended_on IS NULL OR fp.ended_on >= b.start) AS is_open,
               fp.matched_on BETWEEN b.start AND b.as_of AS matched_in_period,
               date_diff('day', greatest(fp.matched_on, b.start), least(coalesce(fp.ended_on, b.as_of), b.as_of)) + 1
                   AS open_days,
               coalesce(fp.meetings_target_per_month, ?) AS target,
               fp.matched_on <= b.as_of AND (fp.ended_on IS NULL OR fp.ended_on >= b.as_of)
                   AND date_diff('day', fp.matched_on, b.as_of) >= ?
                   AND (h.last_held IS NULL OR h.last_held < b.as_of - (? - 1)::INTEGER) AS at_risk
        FROM fp CROSS JOIN bounds b LEFT JOIN history h ON h.pair_id = fp.pair_id
        WHERE fp.matched_on <= b.as_of"""
    since = min(period.start, period.end - timedelta(days=at_risk_days - 1))
    return sql, [period.start, period.end, since, *params, target, at_risk_days, at_risk_days]


SUMMARY_COLUMNS = ["n", "open_pairs", "active_pairs", "active_pair_rate", "sessions_held",
                   "sessions_per_active_pair_per_month", "cancellation_rate", "median_hours_per_active_pair",
                   "median_days_to_first_meeting", "pairs_never_met", "cadence_adherence", "at_risk_pairs"]
# What each rate or median is computed over, for an n beside it. Kept out of `summary`, whose every
# column is a registered metric (the report lists them all, and the metrics JSON prints them).
BASE_COLUMNS = ["open_pairs", "active_pairs", "dated_sessions", "pairs_matched", "pairs_matched_met"]


@memo.once
def _aggregates(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str | None) -> pd.DataFrame:
    """`summary`'s columns, BASE_COLUMNS and `held_per_active_pair`'s moments, per segment (column
    `segment`): one pass over the pairs' facts for all of them."""
    facts, params = _pair_facts_sql(period, filters, con)
    frame = con.execute(f"""
        WITH facts AS ({facts})
        SELECT {segment_key('pair', by)} AS segment,
               count(*) FILTER (WHERE is_open) AS open_pairs,
               count(*) FILTER (WHERE is_open AND held > 0) AS active_pairs,
               coalesce(sum(held), 0)::BIGINT AS sessions_held,
               coalesce(sum(held * held) FILTER (WHERE is_open AND held > 0), 0)::BIGINT AS active_held_squares,
               coalesce(sum(missed), 0)::BIGINT AS missed_sessions,
               coalesce(sum(dated), 0)::BIGINT AS dated_sessions,
               median(held_minutes / 60.0) FILTER (WHERE is_open AND held > 0) AS median_hours_per_active_pair,
               median(date_diff('day', matched_on, first_held)) FILTER (WHERE matched_in_period)
                   AS median_days_to_first_meeting,
               count(*) FILTER (WHERE matched_in_period) AS pairs_matched,
               count(*) FILTER (WHERE matched_in_period AND first_held IS NOT NULL) AS pairs_matched_met,
               count(*) FILTER (WHERE matched_in_period AND first_held IS NULL) AS pairs_never_met,
               avg(CASE WHEN held >= target * greatest(1, floor(open_days / {MONTH_DAYS})) THEN 1.0 ELSE 0.0 END)
                   FILTER (WHERE is_open AND date_diff('day', matched_on, as_of) >= {CADENCE_MIN_DAYS})
                   AS cadence_adherence,
               count(*) FILTER (WHERE at_risk) AS at_risk_pairs
        FROM facts {group_by(by)}""", params).df()
    frame["active_pair_rate"] = _ratio(frame["active_pairs"], frame["open_pairs"])
    frame["sessions_per_active_pair_per_month"] = _ratio(frame["sessions_held"], frame["active_pairs"]) / period.months
    frame["cancellation_rate"] = _ratio(frame["missed_sessions"], frame["dated_sessions"])
    frame["n"] = frame["open_pairs"]
    return frame


def summary(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
            by: str | None = None) -> pd.DataFrame:
    """→ [segment?, n (= open_pairs), open_pairs, active_pairs, active_pair_rate, sessions_held,
    sessions_per_active_pair_per_month, cancellation_rate, median_hours_per_active_pair,
    median_days_to_first_meeting, pairs_never_met, cadence_adherence, at_risk_pairs]."""
    return name_segment(_aggregates(con, period, filters, by)[["segment", *SUMMARY_COLUMNS]], by)


def bases(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str | None = None) -> pd.DataFrame:
    """The counts `summary`'s figures are computed over → [segment?, open_pairs (active pair rate,
    cadence), active_pairs (sessions per active pair, median hours), dated_sessions (cancellation rate),
    pairs_matched (matched in the period), pairs_matched_met (those that have met: median days to
    first meeting)]."""
    return name_segment(_aggregates(con, period, filters, by)[["segment", *BASE_COLUMNS]], by)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is 0."""
    return numerator.astype("float64") / denominator.astype("float64").where(denominator != 0)


def trend(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> pd.DataFrame:
    return over_periods(summary, con, periods, filters)


def at_risk_pairs(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """The pairs program leads should contact, longest silence first →
    [pair_id, mentor_id, mentor_name, mentee_id, mentee_name, program, cohort, matched_on,
    days_since_last_meeting, meetings_so_far]; days_since_last_meeting is null for pairs that never met,
    names are null where the participants file has none."""
    facts, params = _pair_facts_sql(period, filters, con, whole_history=True)
    return con.execute(f"""
        SELECT f.pair_id, f.mentor_id, mentor.name AS mentor_name, f.mentee_id, mentee.name AS mentee_name,
               f.program, f.cohort, f.matched_on,
               date_diff('day', f.last_held, f.as_of) AS days_since_last_meeting, f.meetings_so_far
        FROM ({facts}) f
        LEFT JOIN participants mentor ON mentor.participant_id = f.mentor_id
        LEFT JOIN participants mentee ON mentee.participant_id = f.mentee_id
        WHERE f.at_risk
        ORDER BY coalesce(date_diff('day', f.last_held, f.as_of), date_diff('day', f.matched_on, f.as_of)) DESC,
                 f.pair_id""", params).df()


def mentor_load(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Per mentor with an open pair in the period → [mentor_id, n (open pairs), mentees, sessions_held]."""
    facts, params = _pair_facts_sql(period, filters, con)
    return con.execute(f"""
        SELECT mentor_id, count(*) AS n, count(DISTINCT mentee_id) AS mentees, sum(held)::BIGINT AS sessions_held
        FROM ({facts}) WHERE is_open GROUP BY mentor_id ORDER BY n DESC, sessions_held DESC, mentor_id""",
        params).df()


def cohort_month_activity(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Cohort × calendar month of the period, for a heat map →
    [cohort, month, n (pairs open that month), active_pairs, active_pair_rate, sessions_held]."""
    pairs, params = filters.pairs_sql()
    frame = con.execute(f"""
        WITH months AS (
            SELECT m::DATE AS month, least((m + INTERVAL 1 MONTH)::DATE - 1, ?::DATE) AS month_end
            FROM range(date_trunc('month', ?::DATE), ?::DATE + 1, INTERVAL 1 MONTH) t(m)),
        fp AS ({pairs}),
        spans AS (
            SELECT fp.pair_id, fp.cohort, months.month, greatest(months.month, ?::DATE) AS month_start,
                   months.month_end
            FROM fp JOIN months ON fp.matched_on <= months.month_end
                AND (fp.ended_on IS NULL OR fp.ended_on >= greatest(months.month, ?::DATE))),
        held AS (
            SELECT spans.cohort, spans.month, spans.pair_id, count(s.session_id) AS sessions
            FROM spans LEFT JOIN sessions s ON s.pair_id = spans.pair_id AND s.status = 'held'
                AND s.occurred_on BETWEEN spans.month_start AND spans.month_end
            GROUP BY ALL)
        SELECT cohort, month, count(*) AS n, count(*) FILTER (WHERE sessions > 0) AS active_pairs,
               sum(sessions)::BIGINT AS sessions_held
        FROM held GROUP BY ALL ORDER BY cohort NULLS LAST, month""",
        [period.end, period.start, period.end, *params, period.start, period.start]).df()
    frame.insert(4, "active_pair_rate", _ratio(frame["active_pairs"], frame["n"]))
    return frame


def held_per_active_pair(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> tuple[int, int, int]:
    """(active pairs, held sessions, Σ over active pairs of their held sessions squared) in the period: the
    moments behind sessions per active pair per month, for the interval of a change in it."""
    row = _aggregates(con, period, filters, None).iloc[0]
    return int(row["active_pairs"]), int(row["sessions_held"]), int(row["active_held_squares"])
