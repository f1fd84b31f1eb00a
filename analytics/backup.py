"""Backups of the database file, and restoring one.

A backup is a byte-for-byte copy taken after a checkpoint, so restoring it
gives back exactly the data it held. Restoring first backs up the current file.
"""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import duckdb

from analytics import db

DUCKDB_MAGIC = b"DUCK"  # bytes 8–11 of every DuckDB database file

def backup(db_path: Path, out_dir: Path) -> Path:
    """Copy the database into `out_dir` as mentorscope-YYYYmmddTHHMMSS.duckdb."""
    db_path, out_dir = Path(db_path), Path(out_dir)
    if not db_path.is_file():
        raise db.DatabaseError(f"There is no database at {db_path} to back up.")
    if out_dir.exists() and not out_dir.is_dir():
        raise db.DatabaseError(f"{out_dir} is a file: --out takes the folder to write the backup into.")
    con = db.connect(db_path)
    con.execute("CHECKPOINT")  # everything in the write-ahead log goes into the file first
    con.close()
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{db_path.stem}-{datetime.now().strftime('%Y%m%dT%H%M%S%f')}{db_path.suffix}"
    shutil.copy2(db_path, target)
    return target


def restore(backup_path: Path, db_path: Path) -> Path | None:
    """Replace the database with a backup; returns where the replaced file was saved."""
    backup_path, db_path = Path(backup_path), Path(db_path)
    if not backup_path.is_file():
        raise db.DatabaseError(f"There is no file at {backup_path} to restore: give the path of a backup file "
                               "written by `backup`.")
    with backup_path.open("rb") as file:
        if file.read(12)[8:] != DUCKDB_MAGIC:  # before DuckDB, whose own refusals do not name the problem
            raise db.DatabaseError(f"{backup_path} is not a Mentorscope database backup (not a DuckDB file): give "
                                   "the path of a backup file written by `backup`.")
    try:
        with duckdb.connect(str(backup_path), read_only=True) as check:
            version = db.schema_version(check)
    except duckdb.Error as exc:
        raise db.DatabaseError(f"{backup_path} is not a Mentorscope database backup ({exc}).") from exc
    if version == 0:
        raise db.DatabaseError(f"{backup_path} is not a Mentorscope database backup (it has no schema version).")
    if version > db.SCHEMA_VERSION:
        raise db.DatabaseError(f"{backup_path} was made by a newer Mentorscope (schema {version}).")
    saved = None
    if db_path.exists():
        con = db.connect(db_path)
        con.execute("CHECKPOINT")
        con.close()
        saved = db.backup_file(db_path, "before-restore")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(backup_path, db_path)
    db_path.with_name(db_path.name + ".wal").unlink(missing_ok=True)
    return saved
