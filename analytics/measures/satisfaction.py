"""Satisfaction: per-dimension scores, Likert distributions and NPS from survey
responses submitted in the period (every wave but `baseline`).

A response's score on a dimension is the mean of its non-missing items on that
dimension; `n` counts responses with a score. Figures of groups with fewer than
`min_group_size` respondents are suppressed (counts stay): one person answering
two pulses is one respondent, an anonymous response is a respondent of its own.
Which groups' figures are released is decided over every view at once (`lattice`): a group large
enough is still hidden when its figure, with the others released, would give a smaller group's away,
in any split, filter combination or quarter.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics.measures import lattice, stats
from analytics.measures import nps as net_promoter
from analytics.measures.filters import Filters, Period, group_by, name_segment, over_periods, segment_key
from analytics.store import memo, settings

# Dimensions that are not scored on a Likert scale.
NOT_LIKERT = ("nps", "comment")
DIMENSION_STATS = ["mean", "sd", "ci_low", "ci_high", "top2box"]
NPS_STATS = ["value", "ci_low", "ci_high", "variance", "promoters", "passives", "detractors"]
# The people behind a set of responses (alias `r`), which decides suppression.
RESPONDENT = "coalesce(r.respondent_id, r.response_id)"
RESPONDENTS = f"count(DISTINCT {RESPONDENT})"


def period_responses_sql(period: Period, filters: Filters) -> tuple[str, list]:
    """Filtered responses submitted in the period, baseline excluded."""
    relation, params = filters.responses_sql()
    return (f"SELECT * FROM ({relation}) WHERE submitted_on BETWEEN ? AND ? AND wave <> 'baseline'",
            params + [period.start, period.end])


# The rows of response_scores (`s`) that are Likert scores; NPS rows are single answers.
LIKERT_ROWS = "s.dimension <> 'nps'"


def scores_sql(responses: str, where: str = LIKERT_ROWS) -> str:
    """Stored scores (`where` on response_scores `s`) of `responses`: one row per (response, Likert
    dimension) by default, with the score, its scale size and the response's columns."""
    # Materialised: the responses are narrowed and their participant resolved before they meet the
    # scores; otherwise the planner resolves the participant of every score row instead.
    return f"""
        WITH chosen AS MATERIALIZED ({responses})
        SELECT r.response_id, r.respondent_id, r.wave, r.submitted_at, r.submitted_on, r.program, r.cohort,
               r.role, r.department, s.dimension, s.score, s.scale_points
        FROM chosen r JOIN response_scores s ON s.response_id = r.response_id
        WHERE {where}"""


def period_scores_sql(period: Period, filters: Filters, where: str = LIKERT_ROWS) -> tuple[str, list]:
    """`scores_sql` of the period's filtered responses; the date range skips other quarters' blocks."""
    responses, params = period_responses_sql(period, filters)
    return scores_sql(responses, f"{where} AND s.submitted_on BETWEEN ? AND ?"), params + [period.start, period.end]


@memo.once
def response_count(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                   by: str | None = None) -> pd.DataFrame:
    """Responses in the period (counted, never suppressed) → [segment?, n]."""
    responses, params = period_responses_sql(period, filters)
    frame = con.execute(
        f"SELECT {segment_key('survey', by)} AS segment, count(*) AS n FROM ({responses}) {group_by(by)}", params
    ).df()
    return name_segment(frame, by)


@memo.per_data  # no filter changes it: kept per data version
def released(con: duckdb.DuckDBPyConnection, period: Period) -> lattice.Lattice:
    """Which views' figures of each Likert dimension and of NPS may be released in the period."""
    scored, params = period_scores_sql(period, Filters(), "TRUE")
    cube = con.execute(lattice.cube_sql(scored, "dimension", RESPONDENT), params).fetchall()
    return lattice.Lattice.of(cube, settings.get(con, "min_group_size"))


def hide_unreleased(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, by: str | None,
                    frame: pd.DataFrame, columns: list[str], measures: pd.Series) -> pd.DataFrame:
    """`frame` (a row per `segment` and measure: a dimension or 'nps') with `columns` hidden where the
    group is too small or `released` holds its view back; those hidden for the second reason only are
    flagged SHIELDS (they protect a smaller group)."""
    views = released(con, period)
    segments = frame["segment"] if by is not None else pd.Series(lattice.ALL, index=frame.index)
    allowed = pd.Series([views.allows(m, lattice.view_key(filters, by, s)) for m, s in zip(measures, segments)],
                        index=frame.index, dtype=bool)
    too_small = frame["respondents"].fillna(0) < settings.get(con, "min_group_size")
    return stats.hide(frame, too_small | ~allowed, columns, too_small)


def placed_sql(scored: str, per: tuple[str, ...]) -> str:
    """The rows of `scored` (with `score` and `scale_points`) with `k`, the reporting scale of their group
    (their values of the columns `per`, see `reporting_scales_sql`), and `on_k`, the score placed on
    1..k (`on_scale_sql`)."""
    # A null key (an unset segment) is a group of its own.
    same_group = " AND ".join(f"t.{c} IS NOT DISTINCT FROM s.{c}" for c in per)
    return f"""
        WITH scored AS ({scored}), target AS ({reporting_scales_sql("SELECT * FROM scored", per)})
        SELECT s.*, t.k, {on_scale_sql("s.score", "s.scale_points", "t.k")} AS on_k
        FROM scored s LEFT JOIN target t ON {same_group}"""


def reporting_scales_sql(scored: str, per: tuple[str, ...]) -> str:
    """Each group's reporting scale → [per…, k]: of scores answered on different scales, the one
    placement behind satisfaction and pre/post alike. A group answered on two scales (say 5- and
    7-point surveys) is reported on its most common scale (ties: the longer one)."""
    columns = ", ".join(per)
    return f"""
        SELECT {columns}, arg_max(scale_points, c * 1000 + scale_points) AS k
        FROM (SELECT {columns}, scale_points, count(*) AS c FROM ({scored})
              WHERE scale_points IS NOT NULL GROUP BY ALL)
        GROUP BY ALL"""


def on_scale_sql(score: str, points: str, k: str) -> str:
    """SQL of a score x on a k_x-point scale placed on 1..k: 1 + (x − 1)(k − 1)/(k_x − 1). A score
    without a scale (null or under 2 points) stays as it is."""
    return (f"CASE WHEN {points} IS NULL OR {k} IS NULL OR {points} = {k} OR {points} < 2 THEN {score} "
            f"ELSE 1 + ({score} - 1) * ({k} - 1) / ({points} - 1) END")


def placed_scores_sql(period: Period, filters: Filters, by: str | None = None) -> tuple[str, list]:
    """The period's Likert scores placed on their dimension's reporting scale (`placed_sql` per segment
    and dimension) → [segment, response_id, respondent_id, dimension, score, scale_points, k, on_k]: the
    scores behind `dimensions` and `change`."""
    scored, params = period_scores_sql(period, filters)
    return placed_sql(f"SELECT {segment_key('survey', by)} AS segment, * FROM ({scored}) r",
                      ("segment", "dimension")), params


@memo.once
def dimensions(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
               by: str | None = None) -> pd.DataFrame:
    """→ [segment?, dimension, n, mean, sd, ci_low, ci_high, top2box, scale_points, respondents, suppressed]."""
    placed, params = placed_scores_sql(period, filters, by)
    # The mean is of placed scores; top-2-box judges each score on its own scale.
    frame = con.execute(f"""
        WITH placed AS ({placed})
        SELECT segment, dimension, count(*) AS n, avg(on_k ORDER BY on_k) AS mean, stddev_samp(on_k ORDER BY on_k) AS sd,
               avg(CASE WHEN score >= scale_points - 1 THEN 1.0 ELSE 0.0 END) AS top2box,
               any_value(k) AS scale_points, {RESPONDENTS} AS respondents
        FROM placed r GROUP BY segment, dimension ORDER BY ALL""", params).df()
    intervals = [stats.t_interval(m, s, n) for m, s, n in zip(frame["mean"], frame["sd"], frame["n"])]
    frame.insert(5, "ci_low", [low for low, _ in intervals])
    frame.insert(6, "ci_high", [high for _, high in intervals])
    return name_segment(hide_unreleased(con, period, filters, by, frame, DIMENSION_STATS, frame["dimension"]), by)


@memo.once
def nps(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
        by: str | None = None) -> pd.DataFrame:
    """→ [segment?, n, respondents, value, ci_low, ci_high, variance, promoters, passives, detractors,
    suppressed].
    One row per group; without a split, one row even when nobody answered."""
    # response_scores holds each NPS answer as a row of its own: NPS counts answers.
    answers, params = period_scores_sql(period, filters, "s.dimension = 'nps'")
    frame = con.execute(f"""
        SELECT {segment_key('survey', by)} AS segment, {net_promoter.counts_sql("r.score")},
               {RESPONDENTS} AS respondents
        FROM ({answers}) r
        {group_by(by)}""", params).df()
    results = [net_promoter.score(p, q, d)
               for p, q, d in zip(frame["promoters"], frame["passives"], frame["detractors"])]
    frame["n"] = [s.n for s in results]
    for column in ("value", "ci_low", "ci_high", "variance"):
        frame[column] = [getattr(s, column) for s in results]
    frame = frame[["segment", "n", "respondents", *NPS_STATS]]
    return name_segment(hide_unreleased(con, period, filters, by, frame, NPS_STATS,
                                        pd.Series("nps", index=frame.index)), by)


def likert_distribution(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Answers per scale point, for diverging bars.

    → [dimension, scale_points, value, count, share, n, respondents, suppressed]; `share` is
    within the dimension and scale, `n` the responses scoring the dimension. A dimension with fewer
    than min_group_size respondents is one row of its counts, scale_points and value null.
    """
    responses, params = period_responses_sql(period, filters)
    minimum = settings.get(con, "min_group_size")
    views, view = released(con, period), lattice.view_key(filters)
    shown = [d for d, in con.execute("SELECT dimension FROM items WHERE dimension IS NOT NULL").fetchall()
             if views.allows(d, view)]
    frame = con.execute(f"""
        WITH answered AS (
            SELECT i.dimension, coalesce(a.scale_points, i.scale_points) AS scale_points, a.value_num AS value,
                   a.response_id, r.respondent_id
            FROM ({responses}) r
            JOIN answers a ON a.response_id = r.response_id
            JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
            WHERE a.value_num IS NOT NULL AND i.dimension IS NOT NULL AND i.dimension NOT IN {NOT_LIKERT}),
        scored AS (SELECT dimension, count(DISTINCT response_id) AS n, {RESPONDENTS} AS respondents
                   FROM answered r GROUP BY dimension)
        SELECT dimension, scale_points, value, count(*) AS count,
               count(*) / sum(count(*)) OVER (PARTITION BY dimension, scale_points) AS share, any_value(n) AS n,
               any_value(respondents) AS respondents
        FROM answered JOIN scored USING (dimension) WHERE respondents >= ? AND list_contains(?, dimension)
        GROUP BY dimension, scale_points, value
        UNION ALL
        -- Blanked counts would still list which values a few people gave, so a hidden group gets no value rows.
        SELECT dimension, NULL, NULL, NULL, NULL, n, respondents FROM scored
        WHERE respondents < ? OR NOT list_contains(?, dimension)
        ORDER BY ALL""", params + [minimum, shown, minimum, shown]).df()
    too_small = frame["respondents"] < minimum
    return stats.hide(frame, too_small | ~frame["dimension"].isin(shown), ["count", "share"])


def score_counts(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """How many responses gave each (placed) score on each Likert dimension → [dimension, score, count].
    Scores take few distinct values, so this stands in for a quarter's hundreds of thousands of them."""
    placed, params = placed_scores_sql(period, filters)
    return con.execute(f"SELECT dimension, on_k AS score, count(*) AS count FROM ({placed}) GROUP BY ALL "
                       "ORDER BY ALL", params).df()


@memo.once
def respondent_counts(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, int]:
    """Respondents scoring each Likert dimension in the period → {dimension: respondents}."""
    scored, params = period_scores_sql(period, filters)
    rows = con.execute(f"SELECT dimension, {RESPONDENTS} FROM ({scored}) r GROUP BY dimension",
                       params).fetchall()
    return dict(rows)


@memo.once
def change(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Quarter-over-quarter change per dimension, plus an `nps` row.

    → [dimension, n, n_previous, value, previous, change, p_value, test, significant, suppressed,
    previous_suppressed]; `value` is the mean score as `dimensions` reports it, on the dimension's
    reporting scale (NPS for the nps row); Mann–Whitney U on those placed scores for Likert dimensions,
    a z-test for NPS. The change and p-value are hidden (`suppressed`) when either period has few
    respondents; `value` and `previous` only when their own quarter has (`previous_suppressed`), as
    `dimensions` and `nps` hide them, so a quarter of enough people keeps its figure beside a small one.
    """
    previous = period.previous()
    now, before = ({dimension: table.set_index("score")["count"] for dimension, table in
                    score_counts(con, p, filters).groupby("dimension")} for p in (period, previous))
    people_now, people_before = respondent_counts(con, period, filters), respondent_counts(con, previous, filters)
    empty = pd.Series(dtype=float)
    rows = []
    for dimension in sorted(now.keys() | before.keys()):
        a, b = before.get(dimension, empty), now.get(dimension, empty)
        rows.append({"dimension": dimension, "n": int(b.sum()), "n_previous": int(a.sum()),
                     "value": _mean(b), "previous": _mean(a), "p_value": stats.mann_whitney_p_counts(a, b),
                     "test": "mann_whitney_u",
                     "people": people_now.get(dimension, 0), "people_previous": people_before.get(dimension, 0)})
    now_nps, before_nps = nps(con, period, filters).iloc[0], nps(con, previous, filters).iloc[0]
    if now_nps["n"] or before_nps["n"]:
        rows.append({"dimension": "nps", "n": int(now_nps["n"]), "n_previous": int(before_nps["n"]),
                     "value": now_nps["value"], "previous": before_nps["value"],
                     "p_value": net_promoter.z_test(before_nps["value"], before_nps["variance"],
                                                    now_nps["value"], now_nps["variance"]),
                     "test": "nps_z",
                     "people": int(now_nps["respondents"]), "people_previous": int(before_nps["respondents"])})
    frame = pd.DataFrame(rows, columns=["dimension", "n", "n_previous", "value", "previous", "p_value", "test",
                                        "people", "people_previous"])
    frame.insert(5, "change", frame["value"] - frame["previous"])
    # Each quarter's own figure is hidden as `dimensions` and `nps` hide it, the change with either.
    min_size, view = settings.get(con, "min_group_size"), lattice.view_key(filters)
    shown_now, shown_before = ([people >= min_size and views.allows(dimension, view)
                                for dimension, people in zip(frame["dimension"], frame[column])]
                               for views, column in ((released(con, period), "people"),
                                                     (released(con, previous), "people_previous")))
    shown_now, shown_before = pd.Series(shown_now, dtype=bool), pd.Series(shown_before, dtype=bool)
    frame = stats.hide(frame, ~(shown_now & shown_before), ["change", "p_value"])
    frame["value"] = frame["value"].where(shown_now)
    frame["previous"] = frame["previous"].where(shown_before)
    frame["previous_suppressed"] = ~shown_before & (frame["people_previous"] > 0)
    frame.insert(8, "significant", frame["p_value"] < 0.05)
    return frame.drop(columns=["people", "people_previous"])


def _mean(counts: pd.Series) -> float:
    """The mean of a sample given as value → count, summed in value order (the same bits whatever order the
    counts come in)."""
    counts = counts.sort_index()
    n = counts.sum()
    return float((counts.index.to_numpy(float) * counts.to_numpy(float)).sum() / n) if n else stats.NAN


def trend(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> pd.DataFrame:
    """`dimensions` for each period → [period, start, end, dimension, n, mean, …]."""
    return over_periods(dimensions, con, periods, filters)


def nps_trend(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> pd.DataFrame:
    return over_periods(nps, con, periods, filters)
