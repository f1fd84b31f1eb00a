"""Independent figures computed two at a time, each on a cursor of its own.

A figure alone leaves a core idle for much of its time (single-threaded steps of its queries, fetching its
frame, scipy); two at a time keep both busy. The figures must be independent reads of committed data: a
cursor does not see an open transaction's writes, so no caller computes them inside one. Both threads join
the caller's memo scope, so what several figures share (the quarter's suppression lattice, last quarter's
figures) is computed once.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Hashable

import duckdb

from analytics.store import memo


def computed(con: duckdb.DuckDBPyConnection, figures: dict[Hashable, Callable[..., Any]], *args: Any
             ) -> dict[Hashable, Any]:
    """Each figure called as figure(cursor of `con`, *args), two at a time → {name: what it returned}, in the
    order given (give the slowest first, so that the last to finish is a short one)."""
    results = memo.current()

    def compute(figure: Callable[..., Any]) -> Any:
        with con.cursor() as cursor, memo.joined(results, cursor, con):  # one thread at a time per cursor
            return figure(cursor, *args)
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(compute, figure) for name, figure in figures.items()}
        try:
            return {name: future.result() for name, future in futures.items()}
        except BaseException:  # a failed figure (or Ctrl+C) fails the caller now, not after the queued ones
            pool.shutdown(cancel_futures=True)
            raise
