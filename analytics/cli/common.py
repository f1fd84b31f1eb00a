"""Sub-commands of `python -m analytics`, one module each."""
from __future__ import annotations

import argparse
import sys
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Iterator

import duckdb

from analytics.store import connection


def add_db_argument(parser: argparse.ArgumentParser, help: str = "database file") -> None:  # noqa: A002
    """The --db option every command that opens the database shares."""
    parser.add_argument("--db", type=Path, default=None,
                        help=f"{help} (default: $MENTORSCOPE_DB or data/mentorscope.duckdb)")


def fail(message: str) -> int:
    """A refused request: one line on stderr, exit code 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1


def database_path(args: argparse.Namespace) -> Path:
    """The database file --db names, else $MENTORSCOPE_DB or data/mentorscope.duckdb."""
    return Path(args.db or connection.default_path())


def no_database(path: Path) -> int:
    """The refusal of a command that needs data when there is no database file yet (exit 1)."""
    return fail(f"no database at {path}: pass --db, or run python -m analytics ingest FILE… first.")


@contextmanager
def read_only_if_there(args: argparse.Namespace) -> Iterator[duckdb.DuckDBPyConnection | None]:
    """The --db database opened read-only, or None when the file does not exist: listing never creates one."""
    path = database_path(args)
    if not path.exists():
        yield None
        return
    with closing(connection.connect(path, read_only=True)) as con:
        yield con
