"""Query helpers: transactions, DataFrames visible to SQL, one value, rows per table."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator, Sequence

import duckdb
import pandas as pd

from analytics.store import memo
from analytics.store.schema import DATA_TABLES


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


def has_demo(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether any figure may come from the built-in demo data (its uploads are marked)."""
    return bool(con.execute("SELECT count(*) FROM uploads WHERE is_demo").fetchone()[0])
