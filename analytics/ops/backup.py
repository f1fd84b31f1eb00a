"""Backups of the database file, and restoring one.

A backup is a byte-for-byte copy taken after a checkpoint, so restoring it
gives back exactly the data it held. Restoring checks the file first, backs up
the current one, and swaps them in one rename.
"""
from __future__ import annotations

import os
import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.ops import privacy
from analytics.store import connection, errors, migrations, queries, schema

DUCKDB_MAGIC = b"DUCK"  # bytes 8–11 of every DuckDB database file

def backup(db_path: Path, out_dir: Path) -> Path:
    """Copy the database into `out_dir` as mentorscope-YYYYmmddTHHMMSS.duckdb."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise errors.DatabaseError(f"There is no database at {db_path} to back up.")
    if out_dir.exists() and not out_dir.is_dir():
        raise errors.DatabaseError(f"{out_dir} is a file: --out takes the folder to write the backup into.")
    con = connection.connect(db_path)
    con.execute("CHECKPOINT")  # everything in the write-ahead log goes into the file first
    con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{db_path.stem}-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}{db_path.suffix}"
    shutil.copy2(db_path, target)
    return target


def restore(backup_path: Path, db_path: Path) -> tuple[Path | None, int]:
    """Replace the database with a backup; returns where the replaced file was saved, and how many
    erased people the backup still held (erased again before it replaced the database).

    The backup is copied next to the database first and checked there (a Mentorscope database of a
    known schema, every table read whole), brought to the current schema, has the erasure ledger
    applied, and only then is renamed over the database: a refused file, or a restore killed at any
    moment, leaves the database as it was.
    """
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise errors.DatabaseError(f"There is no file at {backup_path} to restore: give the path of a backup file "
                               "written by `backup`.")
    with backup_path.open("rb") as file:
        if file.read(12)[8:] != DUCKDB_MAGIC:  # before DuckDB, whose own refusals do not name the problem
            raise errors.DatabaseError(f"{backup_path} is not a Mentorscope database backup (not a DuckDB file): give "
                                   "the path of a backup file written by `backup`.")
    staged = db_path.with_name(db_path.name + ".restoring")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    _discard(staged)  # left by a restore killed earlier
    try:
        shutil.copyfile(backup_path, staged)
        erased_again = _prepare(staged, backup_path, privacy.ledger_path(db_path))
        if erased_again:
            rewrite(staged)
        _sync(staged)
        saved = _set_aside(db_path) if db_path.exists() else None
        os.replace(staged, db_path)
        _sync(db_path.parent)
    finally:
        _discard(staged)
    return saved, erased_again


def rewrite(db_path: Path) -> None:
    """Copy the database into a fresh file and rename that over it, so that the bytes of deleted rows,
    which DuckDB leaves in freed blocks (a CHECKPOINT reuses them, it does not clear them), are gone.
    No connection to the file may be open; the file is unchanged unless the copy is whole."""
    db_path = Path(db_path)
    fresh = db_path.with_name(db_path.name + ".rewriting")
    _discard(fresh)
    try:
        with duckdb.connect(str(fresh)) as con:
            con.execute(f"ATTACH {_quoted(db_path)} AS original (READ_ONLY)")
            name = queries.scalar(con, "SELECT current_database()").replace('"', '""')
            con.execute(f'COPY FROM DATABASE original TO "{name}"')
            copied = {t: queries.scalar(con, f"SELECT count(*) FROM {t}") for t in schema.DATA_TABLES}
            kept = {t: queries.scalar(con, f"SELECT count(*) FROM original.{t}") for t in schema.DATA_TABLES}
            con.execute("DETACH original")
            if copied != kept or migrations.foreign_reason(con) is not None:
                raise errors.DatabaseError(f"Rewriting {db_path} gave an incomplete copy; the file was left as it was.")
            con.execute("CHECKPOINT")
        _sync(fresh)
        os.replace(fresh, db_path)
        _sync(db_path.parent)
    finally:
        _discard(fresh)


def _quoted(value: object) -> str:
    """A path as an SQL string literal (ATTACH takes no parameters)."""
    return "'" + str(value).replace("'", "''") + "'"


def _prepare(staged: Path, backup_path: Path, ledger: Path) -> int:
    """Check the staged copy is a whole Mentorscope database, migrate it (the backup itself is the
    copy from before the migration) and erase again whom the ledger lists (returns how many);
    DatabaseError, naming the backup, when it is not one."""
    refused = f"{backup_path} is not a Mentorscope database backup"
    try:
        con = duckdb.connect(str(staged))
        try:
            reason = migrations.foreign_reason(con)
            if reason is None:
                migrations.migrate(con)
                erased_again = privacy.apply_ledger(con, ledger)
                con.execute("CHECKPOINT")
        finally:
            con.close()
    except duckdb.Error as exc:
        detail = str(exc).replace(str(staged), backup_path.name)
        raise errors.DatabaseError(f"{refused}: it is damaged or cut short ({detail}). Give the path of a whole "
                               "backup file written by `backup`.") from exc
    if reason is not None:
        raise errors.DatabaseError(f"{refused}: {reason}. Give the path of a backup file written by `backup`.")
    return erased_again


def _set_aside(db_path: Path) -> Path:
    """Copy the database about to be replaced into data/backups, its write-ahead log folded in first."""
    try:
        con = connection.connect(db_path)
        con.execute("CHECKPOINT")
        con.close()
    except errors.DatabaseBusy:
        raise
    except errors.DatabaseError:
        pass  # a database that no longer opens is what a restore is for: its bytes are kept as they are
    saved = connection.backup_file(db_path, "before-restore")
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)  # it belongs to the file replaced
    return saved


def _sync(path: Path) -> None:
    """Make a file's contents (or a folder's entries) durable before the next step relies on them."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _discard(staged: Path) -> None:
    for leftover in (staged, staged.with_name(staged.name + ".wal")):
        leftover.unlink(missing_ok=True)
