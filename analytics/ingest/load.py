"""Write a validated batch to the store: one transaction per file, upsert by
key, identical rows counted as duplicates, the upload and its rejects logged.

A refused or crashed load leaves the database exactly as it was (DuckDB rolls
the transaction back; a killed process never commits it). Loads are serialised
so two users uploading at once both land, one after the other.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analytics.ingest.platform import KEYS, PlatformBatch
from analytics.store import audit, scores
from analytics.store.queries import registered, transaction

WRITE_LOCK = threading.Lock()

# Columns each table takes from a batch (upload_id and flags are added here).
TABLE_COLUMNS = {
    "participants": ["participant_id", "role", "program", "cohort", "department", "level", "location",
                     "joined_on", "left_on", "name", "email"],
    "pairs": ["pair_id", "mentor_id", "mentee_id", "matched_on", "ended_on", "end_reason", "program",
              "cohort", "meetings_target_per_month"],
    "sessions": ["session_id", "pair_id", "occurred_on", "duration_minutes", "status", "format", "topic"],
    "goals": ["goal_id", "pair_id", "set_on", "due_on", "achieved_on", "status", "category"],
    "employees": ["employee_id", "hired_on", "terminated_on", "last_promoted_on", "department", "level"],
}
# Tables whose rows carry the upload that last wrote them (answers go with their responses).
UPLOAD_TABLES = ("responses", "goals", "sessions", "pairs", "participants", "employees")
RESPONSE_COLUMNS = ["response_id", "survey_id", "respondent_id", "role", "program", "cohort", "wave",
                    "submitted_at", "submitted_on"]
ITEM_COLUMNS = ["survey_id", "item_id", "question_text", "dimension", "item_type", "scale_points"]


@dataclass
class UploadInfo:
    file_name: str
    sha256: str
    kind: str
    format: str
    rows_read: int
    date_range: tuple[date | None, date | None]
    is_demo: bool = False
    actor: str | None = None
    survey_closed_on: date | None = None  # a survey without dates: the date given to all its responses


@dataclass
class LoadResult:
    upload_id: int
    rows_loaded: int
    rows_duplicate: int
    rows_rejected: int
    stubs_created: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)


def reference_problems(con: duckdb.DuckDBPyConnection, batch: PlatformBatch) -> list[dict]:
    """Sessions and goals must name a pair that is loaded (or in this file)."""
    if batch.kind not in ("sessions", "goals") or batch.rows.num_rows == 0:
        return []
    with registered(con, incoming_pair_ids=batch.rows.select(["row_number", "pair_id"])):
        rows = con.execute("SELECT i.row_number, i.pair_id FROM incoming_pair_ids i ANTI JOIN pairs p "
                           "USING (pair_id) ORDER BY i.row_number").fetchall()
    return [{"row_number": int(r), "column": "pair_id",
             "reason": f"pair '{p}' is not loaded; upload the pairs file first, then this file again"}
            for r, p in rows]


def without_rows(batch: PlatformBatch, problems: list[dict]) -> PlatformBatch:
    if not problems:
        return batch
    bad = pa.array(sorted({p["row_number"] for p in problems}), batch.rows.schema.field("row_number").type)
    kept = batch.rows.filter(pc.invert(pc.is_in(batch.rows["row_number"], value_set=bad)))
    return PlatformBatch(batch.kind, kept, batch.given, batch.rejected + problems, batch.unmapped_columns)


def load_platform(con: duckdb.DuckDBPyConnection, batch: PlatformBatch, info: UploadInfo) -> LoadResult:
    with WRITE_LOCK, transaction(con):
        batch = without_rows(batch, reference_problems(con, batch))
        upload_id = _log_upload(con, info)
        stubs = _create_stubs(con, batch, upload_id) if batch.kind == "pairs" else []
        loaded, duplicate = _upsert(con, batch, upload_id)
        _finish_upload(con, upload_id, loaded, duplicate, batch.rejected)
    return LoadResult(upload_id, loaded, duplicate, len(batch.rejected), stubs, batch.rejected)


def load_survey(con: duckdb.DuckDBPyConnection, batch, info: UploadInfo,
                saved_mapping: tuple[dict, dict] | None = None) -> LoadResult:
    """`batch` is an ingest.survey.SurveyBatch; `saved_mapping` = (columns, labels) to remember."""
    items = batch.items.assign(survey_id=batch.survey_id)
    with WRITE_LOCK, registered(con, incoming_items=items[ITEM_COLUMNS], batch_responses=batch.response_rows,
                                batch_answers=batch.answer_rows), transaction(con):
        upload_id = _log_upload(con, info)
        con.execute("INSERT OR REPLACE INTO surveys VALUES (?, ?, ?, ?)",
                    [batch.survey_id, batch.fingerprint, batch.format, batch.title])
        con.execute(f"INSERT OR REPLACE INTO items SELECT {', '.join(ITEM_COLUMNS)} FROM incoming_items")
        con.execute(f"CREATE OR REPLACE TEMP TABLE incoming_responses AS {linked_responses_sql()}",
                    [batch.survey_id])
        con.execute(f"CREATE OR REPLACE TEMP TABLE same_ids AS {_identical_sql('incoming_responses')}")
        same = con.execute("SELECT count(*) FROM same_ids").fetchone()[0]
        con.execute("CREATE OR REPLACE TEMP TABLE fresh_ids AS SELECT response_id FROM incoming_responses "
                    "ANTI JOIN same_ids USING (response_id)")
        # A corrected re-export replaces the response's answers, never adds to them.
        con.execute("DELETE FROM answers WHERE response_id IN (SELECT response_id FROM fresh_ids)")
        con.execute("DELETE FROM responses WHERE response_id IN (SELECT response_id FROM fresh_ids)")
        # Usually nothing is stored already: then every row is fresh, with no join to find which.
        only_fresh = " SEMI JOIN fresh_ids USING (response_id)" if same else ""
        con.execute(f"INSERT INTO responses SELECT {', '.join(RESPONSE_COLUMNS)}, ? "
                    f"FROM incoming_responses{only_fresh}", [upload_id])
        con.execute("INSERT INTO answers SELECT response_id, ?, item_id, value_num, value_text, scale_points "
                    f"FROM batch_answers{only_fresh}", [batch.survey_id])
        # Every response of the survey: a re-upload may have changed an item's dimension.
        scores.refresh_survey(con, batch.survey_id)
        fresh = con.execute("SELECT count(*) FROM fresh_ids").fetchone()[0]
        con.execute("DROP TABLE incoming_responses")
        con.execute("DROP TABLE fresh_ids")
        con.execute("DROP TABLE same_ids")
        if saved_mapping:
            save_mapping(con, batch.fingerprint, *saved_mapping)
        rejected = list(batch.rejected)
        _finish_upload(con, upload_id, fresh, same, rejected)
    return LoadResult(upload_id, fresh, same, len(rejected), rejected=rejected)


def linked_responses_sql() -> str:
    """The batch's responses as stored (one parameter: the survey id), emails replaced by participant ids.

    An email that matches no participant becomes a one-way hash (`email_token_sql`), so a
    respondent's baseline and exit answers can still be paired; the address itself is never kept.
    """
    return f"""
        WITH known AS (SELECT lower(email) AS email, arg_max(participant_id, rowid) AS participant_id
                       FROM participants WHERE email IS NOT NULL GROUP BY ALL)
        SELECT r.response_id, ? AS survey_id,
               coalesce(r.respondent_id, CASE WHEN contains(r.email, '@') THEN
                   coalesce(nullif(k.participant_id, ''), {email_token_sql('r.email')}) END) AS respondent_id,
               r.role, r.program, r.cohort, r.wave, r.submitted_at, CAST(r.submitted_at AS DATE) AS submitted_on
        FROM batch_responses r LEFT JOIN known k ON k.email = r.email"""


def email_token_sql(email: str) -> str:
    """SQL of the stable pseudonym of an address that matches no participant: the one definition,
    written at load and looked up at erasure."""
    return f"'anon-' || left(sha256(lower(trim({email}))), 16)"


def email_token(con: duckdb.DuckDBPyConnection, email: str) -> str:
    return con.execute(f"SELECT {email_token_sql('?')}", [email]).fetchall()[0][0]


def save_mapping(con: duckdb.DuckDBPyConnection, fingerprint: str, columns: dict[str, str | None],
                 labels: dict[str, dict[str, tuple[float, int]]]) -> None:
    for item_id, dimension in columns.items():
        con.execute("INSERT OR REPLACE INTO column_mappings VALUES (?, ?, ?)", [fingerprint, item_id, dimension])
    for item_id, table in labels.items():
        for label, (value, points) in table.items():
            con.execute("INSERT OR REPLACE INTO label_mappings VALUES (?, ?, ?, ?, ?)",
                        [fingerprint, item_id, label, value, points])


def saved_mapping(con: duckdb.DuckDBPyConnection, fingerprint: str) -> tuple[dict, dict]:
    """The mapping a user confirmed for this survey before: (columns, labels)."""
    columns = dict(con.execute("SELECT item_id, dimension FROM column_mappings WHERE fingerprint = ?",
                               [fingerprint]).fetchall())
    labels: dict[str, dict[str, tuple[float, int]]] = {}
    for item_id, label, value, points in con.execute(
            "SELECT item_id, label, value, scale_points FROM label_mappings WHERE fingerprint = ?",
            [fingerprint]).fetchall():
        labels.setdefault(item_id, {})[label] = (value, points)
    return columns, labels


def remove_upload(con: duckdb.DuckDBPyConnection, upload_id: int, actor: str | None = None) -> dict[str, int]:
    """Delete the rows an upload last wrote, and its log entry. Returns rows removed per table."""
    removed: dict[str, int] = {}
    with WRITE_LOCK, transaction(con):
        removed["answers"] = con.execute(
            "DELETE FROM answers WHERE response_id IN (SELECT response_id FROM responses WHERE upload_id = ?)",
            [upload_id]).fetchone()[0]
        scores.refresh(con, "SELECT response_id FROM responses WHERE upload_id = ?", [upload_id])  # now none
        for table in (*UPLOAD_TABLES, "rejected_rows"):
            removed[table] = con.execute(f"DELETE FROM {table} WHERE upload_id = ?", [upload_id]).fetchone()[0]
        con.execute("DELETE FROM uploads WHERE upload_id = ?", [upload_id])
        audit.record(con, "remove_upload", f"upload {upload_id} removed", actor)
        # A survey none of whose responses remain goes too, with its questions.
        con.execute("DELETE FROM items WHERE survey_id NOT IN (SELECT survey_id FROM responses)")
        con.execute("DELETE FROM surveys WHERE survey_id NOT IN (SELECT survey_id FROM responses)")
    return removed


def _log_upload(con: duckdb.DuckDBPyConnection, info: UploadInfo) -> int:
    upload_id = int(con.execute("SELECT coalesce(max(upload_id), 0) + 1 FROM uploads").fetchone()[0])
    first, last = info.date_range
    con.execute("INSERT INTO uploads VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, ?, ?, ?)",
                [upload_id, info.file_name, info.sha256, info.kind, info.format, info.rows_read,
                 first, last, datetime.now(), info.is_demo, info.survey_closed_on])
    audit.record(con, "upload", f"upload {upload_id}: {info.file_name} ({info.kind})", info.actor)
    return upload_id


def _finish_upload(con, upload_id: int, loaded: int, duplicate: int, rejected: list[dict]) -> None:
    con.execute("UPDATE uploads SET rows_loaded = ?, rows_duplicate = ?, rows_rejected = ? WHERE upload_id = ?",
                [loaded, duplicate, len(rejected), upload_id])
    if rejected:
        frame = pd.DataFrame([{"upload_id": upload_id, "row_number": p["row_number"],
                               "column_name": p.get("column"), "reason": p["reason"], "raw": p.get("raw")}
                              for p in rejected])
        with registered(con, incoming_rejects=frame):
            con.execute("INSERT INTO rejected_rows SELECT upload_id, row_number, column_name, reason, raw "
                        "FROM incoming_rejects")


def _create_stubs(con, batch: PlatformBatch, upload_id: int) -> list[str]:
    """Mentors and mentees a pairs file names but no participants file has yet
    (someone named as both is a mentor)."""
    with registered(con, incoming_pairs=batch.rows.select(["mentor_id", "mentee_id"])):
        created = [r[0] for r in con.execute(
            "INSERT INTO participants (participant_id, role, is_stub, upload_id) "
            "SELECT participant_id, CASE WHEN bool_or(mentor) THEN 'mentor' ELSE 'mentee' END, TRUE, ? "
            "FROM (SELECT mentor_id AS participant_id, TRUE AS mentor FROM incoming_pairs "
            "      UNION ALL SELECT mentee_id, FALSE FROM incoming_pairs) i "
            "ANTI JOIN participants p USING (participant_id) GROUP BY participant_id "
            "RETURNING participant_id", [upload_id]).fetchall()]
    return sorted(created)


def _upsert(con, batch: PlatformBatch, upload_id: int) -> tuple[int, int]:
    """Insert new keys, replace changed rows, count identical ones as duplicates.

    A file that lacks a column says nothing about it: a row it replaces keeps the stored value
    of that column, and only the columns the file has decide whether a row is identical."""
    table, key = batch.kind, KEYS[batch.kind]
    values = {c: f"i.{c}" for c in TABLE_COLUMNS[table]}
    if table == "participants":  # a real record completes a stub made from a pairs file
        values["is_stub"] = "FALSE"
    columns = ", ".join(values)
    with registered(con, incoming=batch.rows):
        stored = con.execute(f"SELECT count(*) FROM incoming WHERE {key} IN (SELECT {key} FROM {table})").fetchall()
        if stored == [(0,)]:  # a first load of these keys (the common case): nothing to compare or replace
            loaded = con.execute(f"INSERT INTO {table} ({columns}, upload_id) "
                                 f"SELECT {', '.join(values.values())}, ? FROM incoming i",
                                 [upload_id]).fetchone()[0]
            return int(loaded), batch.rows.num_rows - int(loaded)
        compared = {c: v for c, v in values.items() if c in batch.given or c == "is_stub"}
        same = " AND ".join(f"t.{c} IS NOT DISTINCT FROM {v}" for c, v in compared.items())
        kept = {c: f"CASE WHEN t.{key} IS NULL THEN {v} ELSE t.{c} END" for c, v in values.items()
                if c not in compared}
        merged = ", ".join(f"{kept.get(c, v)} AS {c}" for c, v in values.items())
        # New keys, and stored rows the file changes (the tables keep no unique index, schema 3:
        # the changed row replaces the stored one).
        con.execute(f"CREATE OR REPLACE TEMP TABLE changed_rows AS SELECT {merged} FROM incoming i "
                    f"LEFT JOIN {table} t ON t.{key} = i.{key} WHERE NOT ({same})")
    con.execute(f"DELETE FROM {table} WHERE {key} IN (SELECT {key} FROM changed_rows)")
    loaded = con.execute(f"INSERT INTO {table} ({columns}, upload_id) SELECT *, ? FROM changed_rows",
                         [upload_id]).fetchone()[0]
    con.execute("DROP TABLE changed_rows")
    return int(loaded), batch.rows.num_rows - int(loaded)


def _identical_sql(incoming: str) -> str:
    """SQL of the ids of `incoming` (responses as stored, their answers in batch_answers) already stored
    with the same metadata and the same answers (only responses whose metadata match are compared
    answer by answer)."""
    signature = ("string_agg(item_id || '=' || coalesce(CAST(value_num AS VARCHAR), '') || '|' || "
                 "coalesce(value_text, ''), ';' ORDER BY item_id)")
    same_meta = " AND ".join(f"i.{c} IS NOT DISTINCT FROM r.{c}" for c in RESPONSE_COLUMNS if c != "response_id")
    return f"""
        WITH candidates AS (SELECT i.response_id FROM {incoming} i
                            JOIN responses r ON r.response_id = i.response_id AND {same_meta}),
             new_sig AS (SELECT response_id, {signature} AS sig FROM batch_answers
                         WHERE response_id IN (SELECT response_id FROM candidates) GROUP BY response_id),
             old_sig AS (SELECT response_id, {signature} AS sig FROM answers
                         WHERE response_id IN (SELECT response_id FROM candidates) GROUP BY response_id)
        SELECT c.response_id FROM candidates c
        LEFT JOIN new_sig n ON n.response_id = c.response_id
        LEFT JOIN old_sig o ON o.response_id = c.response_id
        WHERE n.sig IS NOT DISTINCT FROM o.sig"""


@dataclass
class ResponseCounts:
    """A survey file's valid rows against the store: new responses, stored ones the file changes
    (loading updates them in place) and stored ones it repeats as they are."""
    new: int
    changed: int
    stored: int


def response_counts(con: duckdb.DuckDBPyConnection, batch) -> ResponseCounts:
    """What loading `batch` (an ingest.survey.SurveyBatch) would do to each of its responses; nothing written."""
    with registered(con, batch_responses=batch.response_rows, batch_answers=batch.answer_rows):
        new, changed, same = con.execute(f"""
            WITH incoming AS ({linked_responses_sql()}), same AS ({_identical_sql('incoming')})
            SELECT count(*) FILTER (WHERE r.response_id IS NULL),
                   count(*) FILTER (WHERE r.response_id IS NOT NULL AND s.response_id IS NULL),
                   count(s.response_id)
            FROM incoming i LEFT JOIN responses r USING (response_id) LEFT JOIN same s USING (response_id)""",
                                         [batch.survey_id]).fetchone()
    return ResponseCounts(int(new), int(changed), int(same))
