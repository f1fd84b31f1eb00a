"""Stored per-response scores: the one definition of a response's score on a dimension.

A response's score on a Likert dimension is the mean of its non-missing numeric
answers on that dimension's items, on the largest scale among them (an answer's
own scale, else its item's). NPS counts answers, not responses, so each NPS
answer from 0 to 10 is a row of its own (dimension 'nps', score = the answer).

Every writer of answers or items calls `refresh` in the same transaction, so the
stored scores are always those of the stored answers; survey figures read
`response_scores` instead of regrouping every answer. Rows are written in
submitted_on order so a quarter's query skips the other quarters' blocks.
"""
from __future__ import annotations

from typing import Any, Sequence

import duckdb

# The answers that are NPS answers: the 0–10 recommend scale. Declared here, where answers become scores, because
# the store is below the measures; NPS itself (its thresholds, formula and label) is analytics.measures.nps.
NPS_ANSWERS = (0, 10)

_ANSWERED = """
    SELECT a.response_id, r.survey_id, r.submitted_on, i.dimension, a.value_num,
           coalesce(a.scale_points, i.scale_points) AS scale_points
    FROM answers a
    JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
    JOIN responses r ON r.response_id = a.response_id
    WHERE a.value_num IS NOT NULL AND i.dimension IS NOT NULL AND i.dimension <> 'comment' {only}"""
# The dimensions a survey asks through more than one item.
_GROUPED = """
    SELECT survey_id, dimension FROM items
    WHERE dimension IS NOT NULL AND dimension NOT IN ('comment', 'nps') {only} GROUP BY ALL HAVING count(*) > 1"""
# A dimension asked by one item scores each answer as it is (the mean of one value, on its
# own scale), and so does NPS (an answer within NPS_ANSWERS); grouping, which over millions of answers costs more
# than all the rest, is left to the dimensions that need it.
_AS_ANSWERED = f"""
    SELECT response_id, survey_id, submitted_on, dimension, value_num, scale_points FROM answered {{unless_grouped}}
    WHERE dimension <> 'nps' OR value_num BETWEEN {NPS_ANSWERS[0]} AND {NPS_ANSWERS[1]}"""
_MEANS = """
    SELECT response_id, any_value(survey_id), any_value(submitted_on), dimension, avg(value_num), max(scale_points)
    FROM answered SEMI JOIN grouped USING (survey_id, dimension) GROUP BY response_id, dimension"""


def refresh(con: duckdb.DuckDBPyConnection, responses: str | None = None, params: Sequence[Any] = ()) -> None:
    """Rewrite the scores of the responses whose ids the query `responses` selects (all when None)
    from their current answers; a response without answers is left without scores."""
    if responses is None:
        con.execute("DELETE FROM response_scores")
        _insert(con, "", "", [])
    else:
        con.execute(f"DELETE FROM response_scores WHERE response_id IN ({responses})", list(params))
        _insert(con, f"AND a.response_id IN ({responses})", "", list(params))


def refresh_survey(con: duckdb.DuckDBPyConnection, survey_id: str) -> None:
    """`refresh` of every response of one survey (what a survey upload changes), picked by the
    survey column instead of by response ids, so that the other surveys' rows are skipped."""
    con.execute("DELETE FROM response_scores WHERE survey_id = ?", [survey_id])
    _insert(con, "AND a.survey_id = ? AND r.survey_id = ?", "AND survey_id = ?", [survey_id, survey_id], [survey_id])


def _insert(con: duckdb.DuckDBPyConnection, only_answers: str, only_items: str, params: list,
            item_params: Sequence[Any] = ()) -> None:
    grouped = _GROUPED.format(only=only_items)
    answered = f"answered AS ({_ANSWERED.format(only=only_answers)})"
    if con.execute(f"SELECT EXISTS ({grouped})", list(item_params)).fetchall() == [(False,)]:
        query = f"WITH {answered} {_AS_ANSWERED.format(unless_grouped='')}"
    else:
        query = (f"WITH {answered}, grouped AS ({grouped}) {_MEANS} UNION ALL "
                 f"{_AS_ANSWERED.format(unless_grouped='ANTI JOIN grouped USING (survey_id, dimension)')}")
        params = params + list(item_params)
    con.execute(f"INSERT INTO response_scores {query} ORDER BY 3", params)
