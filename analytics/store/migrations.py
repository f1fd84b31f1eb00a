"""Bringing a database to the current schema, and telling a Mentorscope database from any other file."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import duckdb

from analytics.store import scores
from analytics.store.errors import DatabaseError
from analytics.store.queries import transaction
from analytics.store.schema import MIGRATIONS, SCHEMA_VERSION, SCORES_SINCE


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    # duckdb_tables() rather than information_schema: every connection asks, and it answers in a tenth of the time.
    exists = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'schema_version' "
        "AND database_name = current_database() AND schema_name = current_schema()"
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


def known_version(con: duckdb.DuckDBPyConnection) -> int:
    """The database's schema version; DatabaseError when a newer Mentorscope wrote it."""
    current = schema_version(con)
    if current > SCHEMA_VERSION:
        raise DatabaseError(
            f"The database was written by a newer Mentorscope (schema {current}, this one knows {SCHEMA_VERSION}). "
            "Upgrade Mentorscope or open another file with --db."
        )
    return current


def migrate(con: duckdb.DuckDBPyConnection, target: int = SCHEMA_VERSION) -> int:
    """Apply the migrations the database has not seen, each in its own transaction; a new database is made
    in one (its commits would cost more than the empty tables they create)."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at TIMESTAMP NOT NULL)")
    current = known_version(con)
    if current == 0:  # new: one transaction, and no answers yet to score
        with transaction(con):
            for version in range(1, target + 1):
                _apply(con, version)
        return schema_version(con)
    for version in range(current + 1, target + 1):
        with transaction(con):
            _apply(con, version)
    if current < SCORES_SINCE <= target:
        # Filled here, not in the migration's SQL, so that the one definition of a score writes them.
        with transaction(con):
            scores.refresh(con)
    return schema_version(con)


def _apply(con: duckdb.DuckDBPyConnection, version: int) -> None:
    con.execute(MIGRATIONS[version - 1])
    con.execute("INSERT INTO schema_version VALUES (?, ?)", [version, datetime.now()])
