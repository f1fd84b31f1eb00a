"""The DuckDB store: connection factory, versioned schema, query helpers.

Nothing connects at import time: callers ask for `connect(path)`; only the
dashboard caches a connection. Every value in a query is bound as a parameter.
"""
from __future__ import annotations

import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from analytics.errors import BusyError, InputError
from analytics.store import memo

DEFAULT_DB = Path("data") / "mentorscope.duckdb"

# Each migration takes the schema from version i to i + 1. Append, never edit:
# files made by an older Mentorscope replay only the steps they have not seen.
MIGRATIONS: list[str] = [
    # 1: the store of everything an upload brings in.
    """
    CREATE TABLE uploads (
        upload_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_loaded INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        rows_duplicate INTEGER NOT NULL,
        first_date DATE,
        last_date DATE,
        loaded_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE rejected_rows (
        upload_id INTEGER NOT NULL,
        row_number INTEGER NOT NULL,
        column_name VARCHAR,
        reason VARCHAR NOT NULL,
        raw VARCHAR
    );
    CREATE TABLE participants (
        participant_id VARCHAR PRIMARY KEY,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        department VARCHAR,
        level VARCHAR,
        location VARCHAR,
        joined_on DATE,
        left_on DATE,
        name VARCHAR,
        email VARCHAR,
        is_stub BOOLEAN NOT NULL DEFAULT FALSE,
        upload_id INTEGER
    );
    CREATE TABLE pairs (
        pair_id VARCHAR PRIMARY KEY,
        mentor_id VARCHAR NOT NULL,
        mentee_id VARCHAR NOT NULL,
        matched_on DATE NOT NULL,
        ended_on DATE,
        end_reason VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        meetings_target_per_month DOUBLE,
        upload_id INTEGER
    );
    CREATE TABLE sessions (
        session_id VARCHAR PRIMARY KEY,
        pair_id VARCHAR NOT NULL,
        occurred_on DATE NOT NULL,
        duration_minutes DOUBLE,
        status VARCHAR NOT NULL DEFAULT 'held',
        format VARCHAR,
        topic VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE goals (
        goal_id VARCHAR PRIMARY KEY,
        pair_id VARCHAR NOT NULL,
        set_on DATE,
        due_on DATE,
        achieved_on DATE,
        status VARCHAR,
        category VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE employees (
        employee_id VARCHAR PRIMARY KEY,
        hired_on DATE NOT NULL,
        terminated_on DATE,
        last_promoted_on DATE,
        department VARCHAR,
        level VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE surveys (
        survey_id VARCHAR PRIMARY KEY,
        fingerprint VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        title VARCHAR
    );
    CREATE TABLE items (
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        question_text VARCHAR,
        dimension VARCHAR,
        item_type VARCHAR NOT NULL,
        scale_points INTEGER,
        PRIMARY KEY (survey_id, item_id)
    );
    CREATE TABLE responses (
        response_id VARCHAR PRIMARY KEY,
        survey_id VARCHAR NOT NULL,
        respondent_id VARCHAR,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        wave VARCHAR NOT NULL DEFAULT 'pulse',
        submitted_at TIMESTAMP NOT NULL,
        submitted_on DATE NOT NULL,
        upload_id INTEGER
    );
    CREATE TABLE answers (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        value_num DOUBLE,
        value_text VARCHAR,
        scale_points INTEGER,
        PRIMARY KEY (response_id, item_id)
    );
    CREATE TABLE column_mappings (
        fingerprint VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        dimension VARCHAR,
        PRIMARY KEY (fingerprint, item_id)
    );
    CREATE TABLE label_mappings (
        fingerprint VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        value DOUBLE,
        scale_points INTEGER,
        PRIMARY KEY (fingerprint, item_id, label)
    );
    """,
    # 2: settings, the improvement log and the audit trail.
    """
    CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    );
    CREATE TABLE improvements (
        action_id INTEGER PRIMARY KEY,
        program VARCHAR,
        title VARCHAR NOT NULL,
        description VARCHAR,
        owner VARCHAR,
        started_on DATE NOT NULL,
        metric VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE audit_log (
        occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR,
        action VARCHAR NOT NULL,
        detail VARCHAR
    );
    """,
    # 3: the bulk tables without primary-key indexes: a unique index over millions of VARCHAR
    # keys made loading 2M sessions four times slower than reading the file. The loader keeps
    # keys unique (a key twice in one file is rejected; a stored key is replaced), and
    # `response_scores` holds one score per (response, dimension), written at load time so
    # that survey figures need not re-derive it from every stored answer (analytics/scores.py).
    """
    CREATE TABLE participants_v3 (
        participant_id VARCHAR NOT NULL,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        department VARCHAR,
        level VARCHAR,
        location VARCHAR,
        joined_on DATE,
        left_on DATE,
        name VARCHAR,
        email VARCHAR,
        is_stub BOOLEAN NOT NULL DEFAULT FALSE,
        upload_id INTEGER
    );
    INSERT INTO participants_v3 SELECT * FROM participants;
    DROP TABLE participants;
    ALTER TABLE participants_v3 RENAME TO participants;
    CREATE TABLE pairs_v3 (
        pair_id VARCHAR NOT NULL,
        mentor_id VARCHAR NOT NULL,
        mentee_id VARCHAR NOT NULL,
        matched_on DATE NOT NULL,
        ended_on DATE,
        end_reason VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        meetings_target_per_month DOUBLE,
        upload_id INTEGER
    );
    INSERT INTO pairs_v3 SELECT * FROM pairs;
    DROP TABLE pairs;
    ALTER TABLE pairs_v3 RENAME TO pairs;
    CREATE TABLE sessions_v3 (
        session_id VARCHAR NOT NULL,
        pair_id VARCHAR NOT NULL,
        occurred_on DATE NOT NULL,
        duration_minutes DOUBLE,
        status VARCHAR NOT NULL DEFAULT 'held',
        format VARCHAR,
        topic VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO sessions_v3 SELECT * FROM sessions;
    DROP TABLE sessions;
    ALTER TABLE sessions_v3 RENAME TO sessions;
    CREATE TABLE goals_v3 (
        goal_id VARCHAR NOT NULL,
        pair_id VARCHAR NOT NULL,
        set_on DATE,
        due_on DATE,
        achieved_on DATE,
        status VARCHAR,
        category VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO goals_v3 SELECT * FROM goals;
    DROP TABLE goals;
    ALTER TABLE goals_v3 RENAME TO goals;
    CREATE TABLE employees_v3 (
        employee_id VARCHAR NOT NULL,
        hired_on DATE NOT NULL,
        terminated_on DATE,
        last_promoted_on DATE,
        department VARCHAR,
        level VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO employees_v3 SELECT * FROM employees;
    DROP TABLE employees;
    ALTER TABLE employees_v3 RENAME TO employees;
    CREATE TABLE responses_v3 (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        respondent_id VARCHAR,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        wave VARCHAR NOT NULL DEFAULT 'pulse',
        submitted_at TIMESTAMP NOT NULL,
        submitted_on DATE NOT NULL,
        upload_id INTEGER
    );
    INSERT INTO responses_v3 SELECT * FROM responses;
    DROP TABLE responses;
    ALTER TABLE responses_v3 RENAME TO responses;
    CREATE TABLE answers_v3 (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        value_num DOUBLE,
        value_text VARCHAR,
        scale_points INTEGER
    );
    INSERT INTO answers_v3 SELECT * FROM answers;
    DROP TABLE answers;
    ALTER TABLE answers_v3 RENAME TO answers;
    CREATE TABLE response_scores (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        submitted_on DATE NOT NULL,
        dimension VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        scale_points INTEGER
    );
    """,
    # 4: a survey export without submission dates loads with the date the survey closed, given for
    # every response; the upload log says so, as its responses' dates are not the file's own.
    """
    ALTER TABLE uploads ADD COLUMN survey_closed_on DATE;
    """,
    # 5: an improvement action may concern one cohort (null: every cohort), as it may one program.
    """
    ALTER TABLE improvements ADD COLUMN cohort VARCHAR;
    """,
    # 6: scheduled delivery: who receives the quarterly report (programs empty = all programs), and each
    # quarter's send per recipient, so that a rerun skips what was sent and retries what failed.
    """
    CREATE TABLE recipients (
        email VARCHAR PRIMARY KEY,
        display_name VARCHAR,
        programs VARCHAR[] NOT NULL,
        formats VARCHAR[] NOT NULL,
        added_at TIMESTAMP NOT NULL
    );
    CREATE TABLE deliveries (
        email VARCHAR NOT NULL,
        quarter VARCHAR NOT NULL,
        formats VARCHAR[] NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        attempted_at TIMESTAMP NOT NULL,
        sent_at TIMESTAMP,
        PRIMARY KEY (email, quarter)
    );
    """,
    # 7: objectives: a target for one figure of one program (null: all programs), judged each quarter.
    """
    CREATE TABLE objectives (
        objective_id INTEGER PRIMARY KEY,
        metric VARCHAR NOT NULL,
        program VARCHAR,
        target DOUBLE NOT NULL,
        direction VARCHAR NOT NULL,
        amber_band DOUBLE,
        created_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)
SCORES_SINCE = 3  # the version that created response_scores

# Tables that hold program data, in an order safe for deletion.
DATA_TABLES = (
    "response_scores", "answers", "responses", "items", "surveys", "goals", "sessions", "pairs",
    "participants", "employees", "rejected_rows", "uploads",
)


class DatabaseError(InputError):
    """The database file cannot be used; the message says why and what to do."""


class DatabaseBusy(BusyError, DatabaseError):
    """Another process holds the database (DuckDB lets one process write): a load from the command line."""


def default_path() -> Path:
    return Path(os.environ.get("MENTORSCOPE_DB") or DEFAULT_DB)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    row = con.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def foreign_reason(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why the open file is not a whole Mentorscope database, or None when it is one: a schema version
    this Mentorscope knows, every table that version has with the same columns, and every value of
    them readable (a damaged block fails its checksum here rather than on some page later).
    duckdb.Error when the file cannot be read."""
    version = schema_version(con)
    if version == 0:
        return "it has no schema version"
    if version > SCHEMA_VERSION:
        return f"it was made by a newer Mentorscope (schema {version}, this one knows {SCHEMA_VERSION})"
    found = _catalog(con)
    for table, columns in _expected_catalog(version).items():
        if table not in found:
            return f"it lacks the table {table}"
        if found[table] != columns:
            return f"its table {table} has other columns than Mentorscope's"
        con.execute(f"SELECT count(*), bit_xor(hash(COLUMNS(*))) FROM {table}").fetchall()
    return None


def _catalog(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each table of the open database with its columns and their types, in order."""
    rows = con.execute("""
        SELECT table_name, list(column_name || ' ' || data_type ORDER BY ordinal_position)
        FROM information_schema.columns
        WHERE table_catalog = current_database() AND table_schema = current_schema()
        GROUP BY table_name""").fetchall()
    return dict(rows)


@lru_cache(maxsize=None)
def _expected_catalog(version: int) -> dict[str, list[str]]:
    """The tables a database at `version` has, read from an empty one made by the migrations themselves."""
    with duckdb.connect(":memory:") as reference:
        migrate(reference, version)
        return _catalog(reference)


def _known_version(con: duckdb.DuckDBPyConnection) -> int:
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"The database was written by a newer Mentorscope (schema {current}, this one knows {SCHEMA_VERSION}). "
            "Upgrade Mentorscope or open another file with --db."
        )
    return current


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the database has not seen, each in its own transaction."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    current = _known_version(con)
    for version in range(current + 1, target + 1):
        with transaction(con):
            con.execute(MIGRATIONS[version - 1])
            con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, datetime.now()])
    if current < SCORES_SINCE <= target:
        # Filled here, not in the migration's SQL, so that the one definition of a score writes them.
        from analytics.store import scores  # scores writes through this module's transaction()
        with transaction(con):
            scores.refresh(con)
    return schema_version(con)


def backup_file(path: Path, reason: str) -> Path:
    """Copy the database file aside (before a migration, or on request)."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S%f")
    target = path.parent / "backups" / f"{path.stem}-{reason}-{stamp}{path.suffix}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, target)
    return target


def connect(path: str | Path | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating and migrating when needed) the Mentorscope database.

    `path` defaults to $MENTORSCOPE_DB or data/mentorscope.duckdb; ':memory:'
    gives a throwaway database. An older file is backed up, then migrated.
    """
    target = str(path) if path is not None else str(default_path())
    if target != ":memory:":
        file = Path(target)
        if file.exists() and file.is_dir():
            raise DatabaseError(f"{file} is a folder, not a database file. Pass a file path with --db.")
        file.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only)
    except duckdb.Error as exc:
        if "read-only file system" in str(exc).lower() or "permission denied" in str(exc).lower():
            raise DatabaseError(f"Cannot write the database {target}: the file or its folder is read-only. Make it "
                                "writable, or copy it somewhere writable and pass that file with --db.") from exc
        if "lock" in str(exc).lower():
            raise DatabaseBusy(f"The database {target} is in use by another program (a running dashboard, or "
                                "another command). Stop it first, or use another file with --db.") from exc
        raise DatabaseError(f"Cannot open the database {target}: {exc}. Is it a Mentorscope DuckDB file?") from exc
    try:
        version = _known_version(con)
        if version < SCHEMA_VERSION and not read_only:
            if version > 0 and target != ":memory:":
                con.execute("CHECKPOINT")
                con.close()
                backup_file(Path(target), f"schema{version}")
                con = duckdb.connect(target)
            migrate(con)
    except DatabaseError:
        con.close()
        raise
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"The database {target} could not be prepared: {exc}") from exc
    return con


def connect_when_free(path: str | Path, wait_s: float = 2.0, pause_s: float = 0.2) -> duckdb.DuckDBPyConnection:
    """`connect`, trying again for `wait_s` while another process holds the file (a command-line load
    usually finishes within seconds); DatabaseBusy when it still does."""
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return connect(path)
        except DatabaseBusy:
            if time.monotonic() >= deadline:
                raise
            time.sleep(pause_s)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN … COMMIT, or ROLLBACK on any exception (and re-raise it)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")
    memo.forget()  # figures remembered before the write are stale


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pd.DataFrame) -> Iterator[duckdb.DuckDBPyConnection]:
    """Make DataFrames queryable by name for the duration of the block.

    DuckDB refuses to register while an earlier result is unread, so that
    result is run to its end first.
    """
    con.complete()
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        yield con
    finally:
        con.complete()
        for name in frames:
            con.unregister(name)


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | dict | None = None) -> Any:
    row = con.execute(sql, params or []).fetchone()
    return None if row is None else row[0]


def table_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Rows per data table (for the data-health panel and tests)."""
    return {t: int(scalar(con, f"SELECT count(*) FROM {t}")) for t in DATA_TABLES}

