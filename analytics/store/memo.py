"""Each figure computed once per page run or report.

A page's headlines, insights and trends, and a report's sections, ask for the
same figures (this quarter's engagement, last quarter's dimensions …) several
times. Inside `with memo.scope():` a function decorated with `@memo.once`
returns what its first call with the same connection and arguments returned (a
copy: callers may change theirs); outside a scope it simply runs. A scope is
short, and a committed write empties it (queries.transaction), so a figure read
after a write in the same run is computed afresh. Threads that compute figures for
the scope on cursors of its connection join it (`joined`): what one computes, the
others reuse, and a figure asked for by two at once is computed by one of them.
A scope keeps each connection it remembered figures of until it ends, so that no
other connection can take that connection's id (the key) in the meantime.
"""
from __future__ import annotations

import functools
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator

_results: ContextVar[dict | None] = ContextVar("memo_results", default=None)
# In a joined thread: (id of its cursor, id of the connection the cursor counts as).
_alias: ContextVar[tuple[int, int] | None] = ContextVar("memo_alias", default=None)
_LOCK = object()  # marks a figure's lock among the results
_KEPT = object()  # marks a connection the scope keeps alive: a dropped one's id could go to another


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


def current() -> dict | None:
    """The scope's results (None outside a scope), for threads that will join it."""
    return _results.get()


@contextmanager
def joined(results: dict | None, cursor, con) -> Iterator[None]:
    """In another thread: remember into the scope `results`, with `cursor` (a cursor of `con`, seeing the
    same committed data) counting as `con`."""
    results_token, alias_token = _results.set(results), _alias.set((id(cursor), id(con)))
    try:
        yield
    finally:
        _results.reset(results_token)
        _alias.reset(alias_token)


def _connection_id(con) -> int:
    alias = _alias.get()
    return alias[1] if alias is not None and alias[0] == id(con) else id(con)


def once(function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def remembered(con, *args: Any, **kwargs: Any) -> Any:
        results = _results.get()
        key = (function, _connection_id(con), args, tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:  # a list of periods, say: not worth remembering
            results = None
        if results is None:
            return function(con, *args, **kwargs)
        # setdefault is atomic: threads of one scope get the same lock (reentrant: a figure may ask for another).
        with results.setdefault((_LOCK, key), threading.RLock()):
            if key not in results:
                results[key] = function(con, *args, **kwargs)
                results.setdefault((_KEPT, id(con)), con)
        value = results[key]
        return value.copy() if hasattr(value, "copy") else value
    return remembered
