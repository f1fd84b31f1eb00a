"""Each figure computed once per page run or report.

A page's headlines, insights and trends, and a report's sections, ask for the
same figures (this quarter's engagement, last quarter's dimensions …) several
times. Inside `with memo.scope():` a function decorated with `@memo.once`
returns what its first call with the same connection and arguments returned (a
copy: callers may change theirs); outside a scope it simply runs. A scope is
short, and a committed write empties it (queries.transaction), so a figure read
after a write in the same run is computed afresh.
"""
from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

_results: ContextVar[dict | None] = ContextVar("memo_results", default=None)


@contextmanager
def scope() -> Iterator[None]:
    """Remember figures until the block ends; a scope inside another shares the outer one."""
    if _results.get() is not None:
        yield
        return
    token = _results.set({})
    try:
        yield
    finally:
        _results.reset(token)


def forget() -> None:
    """Drop what the current scope remembers (the data changed)."""
    results = _results.get()
    if results is not None:
        results.clear()


def once(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def remembered(con, *args: Any, **kwargs: Any) -> Any:
        results = _results.get()
        key = (function, id(con), args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:  # a list of periods, say: not worth remembering
            results = None
        if results is None:
            return function(con, *args, **kwargs)
        if key not in results:
            results[key] = function(con, *args, **kwargs)
        value = results[key]
        return value.copy() if hasattr(value, "copy") else value
    return remembered
