"""Outcomes: baseline-to-exit change per dimension, and goal attainment.

Pre/post pairs a respondent's latest exit score on a dimension (exit submitted
in the period; the filters apply to it) with their earliest baseline score on
the same dimension. Respondents with an exit score but no baseline score on a
dimension are excluded from its row and counted in `n_excluded`.

A pair's two scores are compared on one scale: each dimension is reported on the
most common scale among its pairs' baseline and exit scores together (ties: the
longer one), and a score x on a k_x-point scale is placed on that scale's 1..k as
1 + (x − 1)(k − 1)/(k_x − 1) before the change is taken, as satisfaction places
its scores (`satisfaction.reporting_scales_sql`, `on_scale_sql`). So 5 of 7 at baseline and 4 of 5 at exit
are a gain (5 → 5.5 on 7 points, 3.67 → 4 on 5), not a decline of 1.
"""
from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from analytics.measures import stats
from analytics.measures.filters import Filters, Period, group_by, name_segment, segment_key
from analytics.measures.satisfaction import LIKERT_ROWS, on_scale_sql, reporting_scales_sql, scores_sql
from analytics.store import memo, settings

PRE_POST_STATS = ["mean_baseline", "mean_exit", "mean_change", "t_p_value", "wilcoxon_p_value", "cohens_dz"]
PRE_POST_COLUMNS = ["dimension", "n_pairs", "n_excluded", *PRE_POST_STATS, "scale_points", "n", "suppressed"]
# A stored score carries its response's date: matching it too lets the scan of every quarter's scores
# skip the blocks outside the baselines' dates instead of reading all of them.
BASELINE_SCORE_ROWS = f"{LIKERT_ROWS} AND s.submitted_on = r.submitted_on"


def matched_scores(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [respondent_id, dimension, baseline, exit, k]; baseline is null when the respondent has none.
    A pair's scores are placed on the dimension's reporting scale k; an unpaired exit keeps its own score."""
    exits, params = filters.responses_sql()
    everyone, everyone_params = Filters(scope=filters.scope).responses_sql()
    return con.execute(f"""
        WITH exit_responses AS (
            SELECT * FROM ({exits}) WHERE wave = 'exit' AND submitted_on BETWEEN ? AND ?
                AND respondent_id IS NOT NULL),
        exit_scores AS ({scores_sql("SELECT * FROM exit_responses",
                                    f"{LIKERT_ROWS} AND s.submitted_on BETWEEN ? AND ?")}),
        baseline_scores AS ({scores_sql(
            f"SELECT * FROM ({everyone}) WHERE wave = 'baseline' "
            "AND respondent_id IN (SELECT respondent_id FROM exit_responses)",
            BASELINE_SCORE_ROWS)}),
        -- latest and earliest by submission time, not only date: two exits on one day keep the later one;
        -- score and scale taken together, as arg_max would skip a null scale for another response's
        latest_exit AS (
            SELECT respondent_id, dimension,
                   unnest(arg_max({{'exit': score, 'exit_points': scale_points}}, (submitted_at, response_id)))
            FROM exit_scores GROUP BY respondent_id, dimension),
        earliest_baseline AS (
            SELECT respondent_id, dimension, unnest(arg_min({{'baseline': score, 'baseline_points': scale_points}},
                                                            (submitted_at, response_id)))
            FROM baseline_scores GROUP BY respondent_id, dimension),
        joined AS (SELECT * FROM latest_exit LEFT JOIN earliest_baseline USING (respondent_id, dimension)),
        -- only the scores that are compared choose the scale they are compared on
        target AS ({reporting_scales_sql(
            "SELECT dimension, exit_points AS scale_points FROM joined WHERE baseline IS NOT NULL UNION ALL "
            "SELECT dimension, baseline_points FROM joined WHERE baseline IS NOT NULL", ("dimension",))})
        SELECT x.respondent_id, x.dimension, {on_scale_sql("x.baseline", "x.baseline_points", "t.k")} AS baseline,
               CASE WHEN x.baseline IS NULL THEN x.exit ELSE {on_scale_sql("x.exit", "x.exit_points", "t.k")} END
                   AS exit, t.k
        FROM joined x LEFT JOIN target t USING (dimension)
        ORDER BY x.dimension, x.respondent_id""", [*params, period.start, period.end, period.start, period.end,
                                                   *everyone_params]).df()


@memo.once
def pre_post(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [dimension, n_pairs, n_excluded, mean_baseline, mean_exit, mean_change, t_p_value,
    wilcoxon_p_value, cohens_dz, scale_points (the scale the means are on), n (= n_pairs), suppressed];
    a row per dimension with a pair."""
    matched = matched_scores(con, period, filters)
    rows = []
    # Each dimension's scores as arrays, in the frame's order: a frame per dimension cost more than its statistics.
    baselines, exits = matched["baseline"].to_numpy(float), matched["exit"].to_numpy(float)
    scales = matched["k"].to_numpy(float)
    for dimension, at in sorted(matched.groupby("dimension").indices.items()):
        paired = ~np.isnan(baselines[at])  # exit scores without a baseline score are excluded
        if not paired.any():
            continue
        result = stats.paired(baselines[at][paired], exits[at][paired])
        rows.append({"dimension": dimension, "n_pairs": result.n, "n_excluded": int((~paired).sum()),
                     "mean_baseline": result.mean_before, "mean_exit": result.mean_after,
                     "mean_change": result.mean_change, "t_p_value": result.t_p_value,
                     "wilcoxon_p_value": result.wilcoxon_p_value, "cohens_dz": result.cohens_dz,
                     "scale_points": pd.Series(scales[at]).max(), "n": result.n})
    frame = pd.DataFrame(rows, columns=PRE_POST_COLUMNS[:-1])
    return stats.suppress(frame, settings.get(con, "min_group_size"), PRE_POST_STATS)


@memo.once
def goal_attainment(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                    by: str | None = None) -> pd.DataFrame:
    """Goals due in the period → [segment?, n, achieved, goal_attainment_rate]; `by` may be
    'category' or a pair split (program, cohort, department). Achieved = achieved on or before the as-of date."""
    pairs, params = filters.pairs_sql()
    key = "g.category" if by == "category" else "'all'" if by is None else f"p.{segment_key('pair', by)}"
    frame = con.execute(f"""
        SELECT {key} AS segment, count(*) AS n,
               count(*) FILTER (WHERE g.achieved_on <= ?::DATE) AS achieved
        FROM goals g JOIN ({pairs}) p ON p.pair_id = g.pair_id
        WHERE g.due_on BETWEEN ? AND ? {group_by(by)}""",
        [period.end, *params, period.start, period.end]).df()
    frame["goal_attainment_rate"] = frame["achieved"] / frame["n"].where(frame["n"] > 0)
    return name_segment(frame, by)
