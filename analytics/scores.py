"""Stored per-response scores: the one definition of a response's score on a dimension.

A response's score on a Likert dimension is the mean of its non-missing numeric
answers on that dimension's items, on the largest scale among them (an answer's
own scale, else its item's). NPS counts answers, not responses, so each NPS
answer from 0 to 10 is a row of its own (dimension 'nps', score = the answer).

Every writer of answers or items calls `refresh` in its transaction; survey
figures read `response_scores` instead of regrouping every stored answer. Rows
are written in submitted_on order so a quarter's query skips the others' blocks.
"""
from __future__ import annotations

from typing import Any, Sequence

import duckdb

from analytics.db import transaction

_SCORES = """
    WITH answered AS (
        SELECT a.response_id, r.survey_id, r.submitted_on, i.dimension, a.value_num,
               coalesce(a.scale_points, i.scale_points) AS scale_points
        FROM answers a
        JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
        JOIN responses r ON r.response_id = a.response_id
        WHERE a.value_num IS NOT NULL AND i.dimension IS NOT NULL AND i.dimension <> 'comment' {only})
    SELECT response_id, any_value(survey_id), any_value(submitted_on), dimension, avg(value_num), max(scale_points)
    FROM answered WHERE dimension <> 'nps' GROUP BY response_id, dimension
    UNION ALL
    SELECT response_id, survey_id, submitted_on, dimension, value_num, scale_points
    FROM answered WHERE dimension = 'nps' AND value_num BETWEEN 0 AND 10
    ORDER BY 3"""

# What `response_scores_source` records: every answer (a row count DuckDB knows without reading
# them) and the answers a score can be made from (comments have no number).
_COUNTS = "SELECT count(*), count(value_num) FROM answers"


def refresh(con: duckdb.DuckDBPyConnection, responses: str | None = None, params: Sequence[Any] = ()) -> None:
    """Rewrite the scores of the responses whose ids the query `responses` selects (all when None)
    from their current answers; a response without answers is left without scores."""
    if responses is None:
        con.execute("DELETE FROM response_scores")
        con.execute(f"INSERT INTO response_scores {_SCORES.format(only='')}")
    else:
        con.execute(f"DELETE FROM response_scores WHERE response_id IN ({responses})", list(params))
        con.execute(f"INSERT INTO response_scores {_SCORES.format(only=f'AND a.response_id IN ({responses})')}",
                    list(params))
    con.execute("DELETE FROM response_scores_source")
    con.execute(f"INSERT INTO response_scores_source {_COUNTS}")


def ensure(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every score when numeric answers were written without `refresh`: their count differs
    from the one recorded (an edit that keeps the count is not seen). While the number of answers is
    the recorded one nothing is read; otherwise the numeric ones are counted."""
    recorded = con.execute("SELECT answers, numeric_answers FROM response_scores_source").fetchone()
    if recorded and con.execute("SELECT count(*) FROM answers").fetchone()[0] == recorded[0]:
        return
    if recorded is None or con.execute(_COUNTS).fetchone()[1] != recorded[1]:
        with transaction(con):
            refresh(con)


def read(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] = ()) -> duckdb.DuckDBPyConnection:
    """Run a query over response_scores once they are current."""
    ensure(con)
    return con.execute(sql, list(params))
