"""Which stored survey a survey file exports again, and which of its responses and questions are stored.

A re-export is recognised by its responses, not by its question texts (rewording one question
changes those): a row is a stored response when the tool's response id is stored, else when the
same respondent's response (or the same per-file id's) of the same wave submitted at the same
moment is, in a survey that shares a question with the file. The stored survey most of the recognised rows belong to is the
file's survey. Its questions are matched to that survey's items by item id (a Qualtrics QID, a
column's own code), else by text similarity, so a reworded question keeps its item id and with it
its mapping.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest import load as store
from analytics.ingest.mapping import statement_parts
from analytics.store.queries import registered

# difflib's ratio (0–1) over a question's text, from which a question is the stored one reworded.
# Rewordings of the demo surveys score 0.85–0.92; different questions of one survey at most 0.66.
SIMILAR = 0.75


@dataclass
class StoredSurvey:
    """What the store already knows of a survey file (all empty for a survey never loaded)."""
    survey_id: str
    fingerprint: str  # the key saved mappings hang on: the stored survey's, else the file's
    response_ids: pa.Table  # own (the id the file gives a row) -> stored (the stored response it exports)
    item_ids: dict[str, str] = field(default_factory=dict)  # the file's question key -> stored item id
    mapping: dict[str, str | None] = field(default_factory=dict)  # item id -> dimension, as stored
    labels: dict[str, dict[str, tuple[float, int]]] = field(default_factory=dict)


def resolve(con: duckdb.DuckDBPyConnection, responses: pa.Table, questions: list[tuple[str, str]],
            survey_id: str, fingerprint: str) -> StoredSurvey:
    """`responses`: the file's valid rows (response fields as parse_survey gives them); `questions`:
    (key, text) per question column; `survey_id` and `fingerprint`: the file's own, from its headers."""
    with registered(con, batch_responses=responses):
        matches = con.sql(f"""
            WITH incoming AS ({store.linked_responses_sql()}),
            matches AS (
                SELECT i.response_id AS own, r.response_id AS stored, r.survey_id, 0 AS rank
                FROM incoming i JOIN responses r USING (response_id)
                UNION ALL
                SELECT i.response_id, r.response_id, r.survey_id, 1
                FROM incoming i JOIN responses r ON r.respondent_id = i.respondent_id
                                                AND r.submitted_at = i.submitted_at AND r.wave = i.wave
                UNION ALL
                -- A per-file id (Microsoft Forms, the project's format) is stored after its survey's id.
                SELECT i.response_id, r.response_id, r.survey_id, 1
                FROM (SELECT *, substr(response_id, ?) AS file_id FROM incoming
                      WHERE starts_with(response_id, ?)) i
                JOIN (SELECT *, substr(response_id, length(survey_id) + 2) AS file_id FROM responses
                      WHERE starts_with(response_id, survey_id || ':')) r
                  ON r.file_id = i.file_id AND r.submitted_at = i.submitted_at AND r.wave = i.wave)
            SELECT own, stored, survey_id, rank FROM matches""",
                          params=[survey_id, len(survey_id) + 2, f"{survey_id}:"]).to_arrow_table()
    # The same people (or ids) at the same moments in a survey with no question in common: another
    # survey (two surveys in the project's format, dated by day, answered on one day).
    by_person = set(matches.filter(pc.equal(matches["rank"], 1))["survey_id"].to_pylist())
    unrelated = [other for other in by_person if not _shares_a_question(questions, _stored_items(con, other))]
    if unrelated:
        matches = matches.filter(pc.invert(pc.and_(pc.equal(matches["rank"], 1),
                                                   pc.is_in(matches["survey_id"], pa.array(unrelated)))))
    survey_id = _main_survey(matches) or survey_id
    stored_fingerprint = con.execute("SELECT fingerprint FROM surveys WHERE survey_id = ?", [survey_id]).fetchone()
    fingerprint = stored_fingerprint[0] if stored_fingerprint else fingerprint
    items = _stored_items(con, survey_id)
    columns, labels = store.saved_mapping(con, fingerprint)
    return StoredSurvey(
        survey_id, fingerprint, _one_to_one(con, matches, survey_id),
        item_ids=matched_items(questions, [(item, text) for item, text, _ in items]),
        mapping={**{item: dimension for item, _, dimension in items if dimension}, **columns}, labels=labels)


def _stored_items(con: duckdb.DuckDBPyConnection, survey_id: str) -> list[tuple[str, str, str | None]]:
    return con.execute("SELECT item_id, question_text, dimension FROM items WHERE survey_id = ? ORDER BY item_id",
                       [survey_id]).fetchall()


def _shares_a_question(questions: list[tuple[str, str]], items: list[tuple[str, str, str | None]]) -> bool:
    stored = [(item, text) for item, text, _ in items]
    return bool({key for key, _ in questions} & {item for item, _ in stored} or matched_items(questions, stored))


def _main_survey(matches: pa.Table) -> str | None:
    """The stored survey most matched rows belong to (ties: the first by id), or None."""
    if matches.num_rows == 0:
        return None
    rows = matches.group_by("survey_id").aggregate([("own", "count_distinct")]).to_pylist()
    return min(rows, key=lambda row: (-row["own_count_distinct"], row["survey_id"]))["survey_id"]


def _one_to_one(con: duckdb.DuckDBPyConnection, matches: pa.Table, survey_id: str) -> pa.Table:
    """Each row to at most one stored response of the survey and back: a same-id match first."""
    with registered(con, id_matches=matches):
        return con.sql("""
            SELECT own, stored FROM (
                SELECT * FROM id_matches WHERE survey_id = ?
                QUALIFY row_number() OVER (PARTITION BY own ORDER BY rank, stored) = 1)
            QUALIFY row_number() OVER (PARTITION BY stored ORDER BY rank, own) = 1""",
                       params=[survey_id]).to_arrow_table()


def matched_items(questions: list[tuple[str, str]], stored: list[tuple[str, str]]) -> dict[str, str]:
    """The file's question key -> the stored item it rewords, for keys that are no stored item id:
    one to one, the most similar pairs first, from a similarity of SIMILAR."""
    stored_ids = {item for item, _ in stored}
    own_keys = {key for key, _ in questions}
    candidates = sorted(((similarity(text, stored_text), key, item)
                         for key, text in questions if key not in stored_ids
                         for item, stored_text in stored if item not in own_keys), reverse=True)
    matched: dict[str, str] = {}
    for score, key, item in candidates:
        if score >= SIMILAR and key not in matched and item not in matched.values():
            matched[key] = item
    return matched


def similarity(text: str, other: str) -> float:
    """difflib's ratio of two question texts. Grid statements share their question's long text, so two
    of them are as similar as the less similar of their questions and of their statements."""
    text, other = _normal(text), _normal(other)
    parts, other_parts = statement_parts(text), statement_parts(other)
    if parts and other_parts:
        return min(SequenceMatcher(None, part, other_part).ratio() for part, other_part in zip(parts, other_parts))
    return SequenceMatcher(None, text, other).ratio()


def _normal(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").lower()).strip()
