"""Opening the Mentorscope database: where it is, creating or migrating it, and waiting while it is busy.

Nothing connects at import time: callers ask for `connect(path)`; only the
dashboard caches a connection. Every value in a query is bound as a parameter.
"""
from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.errors import ConfigError
from analytics.store.errors import DatabaseBusy, DatabaseError
from analytics.store.migrations import known_version, migrate
from analytics.store.schema import SCHEMA_VERSION

DEFAULT_DB = Path("data") / "mentorscope.duckdb"
THREADS_VARIABLE = "MENTORSCOPE_DUCKDB_THREADS"


def default_path() -> Path:
    return Path(os.environ.get("MENTORSCOPE_DB") or DEFAULT_DB)


def duckdb_config() -> dict[str, int]:
    """DuckDB's settings for every database Mentorscope opens, from the environment: MENTORSCOPE_DUCKDB_THREADS
    caps the threads a query may use (DuckDB's default: one per core). One thread suits a machine shared with
    other work, and small databases, where handing work to a second thread costs more than it saves (the test
    suite's: tests/conftest.py)."""
    given = os.environ.get(THREADS_VARIABLE, "").strip()
    if not given:
        return {}
    if not given.isdigit() or int(given) < 1:
        raise ConfigError(f"{THREADS_VARIABLE}={given!r} is not a number of threads. Set it to a whole number "
                          "of at least 1, or unset it to let DuckDB use every core.")
    return {"threads": int(given)}


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
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"connect() takes a file path, not {path!r}")  # str() of anything would make a file
    target = str(path) if path is not None else str(default_path())
    if target != ":memory:":
        file = Path(target)
        if file.exists() and file.is_dir():
            raise DatabaseError(f"{file} is a folder, not a database file. Pass a file path with --db.")
        file.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(target, read_only=read_only, config=duckdb_config())
    except duckdb.Error as exc:
        if "read-only file system" in str(exc).lower() or "permission denied" in str(exc).lower():
            raise DatabaseError(f"Cannot write the database {target}: the file or its folder is read-only. Make it "
                                "writable, or copy it somewhere writable and pass that file with --db.") from exc
        if "lock" in str(exc).lower():
            raise DatabaseBusy(f"The database {target} is in use by another program (a running dashboard, or "
                                "another command). Stop it first, or use another file with --db.") from exc
        raise DatabaseError(f"Cannot open the database {target}: {exc}. Is it a Mentorscope DuckDB file?") from exc
    try:
        version = known_version(con)
        if version < SCHEMA_VERSION and not read_only:
            if version > 0 and target != ":memory:":
                con.execute("CHECKPOINT")
                con.close()
                backup_file(Path(target), f"schema{version}")
                con = duckdb.connect(target, config=duckdb_config())
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
