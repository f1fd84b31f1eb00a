"""The state of the store, for program leads: what was uploaded, how each
table is covered, and rows that point at nothing."""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics.ingest.load import UPLOAD_TABLES

# table -> (date column whose range it covers, SQL counting its orphans, what an orphan is)
_COVERAGE = {
    "participants": ("joined_on", "SELECT count(*) FROM participants WHERE is_stub",
                     "named in a pairs file but not in any participants file"),
    # Two equality tests, not `IN (mentor, mentee)`: DuckDB turns each into an anti join,
    # where the IN form was a nested loop (3.7 s over 20k pairs and 40k participants).
    "pairs": ("matched_on", "SELECT count(*) FROM pairs p "
              "WHERE NOT EXISTS (SELECT 1 FROM participants x WHERE x.participant_id = p.mentor_id) "
              "AND NOT EXISTS (SELECT 1 FROM participants x WHERE x.participant_id = p.mentee_id)",
              "mentor and mentee both unknown"),
    "sessions": ("occurred_on", "SELECT count(*) FROM sessions s ANTI JOIN pairs p USING (pair_id)",
                 "meetings of a pair that is no longer loaded"),
    "goals": ("due_on", "SELECT count(*) FROM goals g ANTI JOIN pairs p USING (pair_id)",
              "goals of a pair that is no longer loaded"),
    "responses": ("submitted_on", "SELECT count(*) FROM responses r WHERE respondent_id IS NULL OR NOT EXISTS "
                  "(SELECT 1 FROM participants x WHERE x.participant_id = r.respondent_id)",
                  "responses not linked to a participant (filters by department cannot place them)"),
    "employees": ("hired_on", None, ""),
}


def upload_history(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Newest first → [upload_id, file_name, kind, format, rows_read, rows_loaded, rows_duplicate,
    rows_rejected, rows_skipped, first_date, last_date, survey_closed_on, loaded_at, is_demo]; rows_skipped
    are the rows read that were no record at all (a survey tool's preview responses, blank rows);
    survey_closed_on, for a survey without dates, the date given to every response."""
    return con.execute("""
        SELECT upload_id, file_name, kind, format, rows_read, rows_loaded, rows_duplicate, rows_rejected,
               greatest(rows_read - rows_loaded - rows_duplicate - rows_rejected, 0) AS rows_skipped,
               first_date, last_date, survey_closed_on, loaded_at, is_demo
        FROM uploads ORDER BY upload_id DESC""").df()


# What each table's rows feed, for saying what removing an upload changes.
FEEDS = {
    "responses": "survey figures: satisfaction, NPS, outcomes and comments",
    "goals": "goal figures on the Outcomes page",
    "sessions": "meeting figures: engagement, cadence and pairs at risk",
    "pairs": "pair figures: active pairs, engagement, retention and outcomes",
    "participants": "who counts in which program, cohort, department and role",
    "employees": "retention and promotion figures",
}


def upload(con: duckdb.DuckDBPyConnection, upload_id: int) -> dict | None:
    """One upload's entry of `upload_history` as a dict, or None when there is no such upload."""
    found = upload_history(con)
    found = found[found["upload_id"] == upload_id]
    return None if found.empty else found.iloc[0].to_dict()


def upload_contents(con: duckdb.DuckDBPyConnection, upload_id: int) -> pd.DataFrame:
    """→ [table, rows, feeds]: the rows an upload last wrote (what removing it deletes; rows a later
    upload changed belong to that one), per table that has some, and the figures they feed."""
    counts = " UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table} WHERE upload_id = $id"
                                for table in UPLOAD_TABLES)
    rows = [(table, int(n), FEEDS[table]) for table, n in con.execute(counts, {"id": upload_id}).fetchall() if n]
    return pd.DataFrame(rows, columns=["table", "rows", "feeds"])


def same_file_uploads(con: duckdb.DuckDBPyConnection, sha256: str) -> pd.DataFrame:
    """Uploads still on record of a file with these exact bytes, oldest first → [upload_id, file_name,
    loaded_at]: loading it again would only count its rows as duplicates (unless rows changed since)."""
    return con.execute("SELECT upload_id, file_name, loaded_at FROM uploads WHERE sha256 = ? ORDER BY upload_id",
                       [sha256]).df()


def rejected_rows(con: duckdb.DuckDBPyConnection, upload_id: int) -> pd.DataFrame:
    """→ [row_number, column_name, reason, raw] of one upload, in file order."""
    return con.execute("SELECT row_number, column_name, reason, raw FROM rejected_rows WHERE upload_id = ? "
                       "ORDER BY row_number", [upload_id]).df()


def data_health(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """→ [table, rows, first_date, last_date, orphans, orphan_meaning], one row per data table."""
    rows = []
    for table, (column, orphans_sql, meaning) in _COVERAGE.items():
        count, first, last = con.execute(f"SELECT count(*), min({column}), max({column}) FROM {table}").fetchone()
        orphans = int(con.execute(orphans_sql).fetchone()[0]) if orphans_sql else 0
        rows.append({"table": table, "rows": int(count), "first_date": first, "last_date": last,
                     "orphans": orphans, "orphan_meaning": meaning if orphans else ""})
    return pd.DataFrame(rows)
