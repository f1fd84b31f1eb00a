"""Sub-commands of `python -m analytics`, one module each."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_db_argument(parser: argparse.ArgumentParser, help: str = "database file") -> None:  # noqa: A002
    """The --db option every command that opens the database shares."""
    parser.add_argument("--db", type=Path, default=None,
                        help=f"{help} (default: $MENTORSCOPE_DB or data/mentorscope.duckdb)")


def fail(message: str) -> int:
    """A refused request: one line on stderr, exit code 1."""
    print(f"error: {message}", file=sys.stderr)
    return 1
