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

A figure that no filter changes (which small groups of a quarter may be shown,
say) is decorated with `@memo.per_data` instead: inside a scope opened with the
data's version (`scope(version)`, the dashboard's cache key), it is also kept
across scopes, so that a page run with other filters, or another session, reuses
it. A write inside the scope drops the version with everything else: from then
on the scope computes such a figure afresh, as it would any other.
"""
from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Hashable, Iterator

_results: ContextVar[dict | None] = ContextVar("memo_results", default=None)
# In a joined thread: (id of its cursor, id of the connection the cursor counts as).
_alias: ContextVar[tuple[int, int] | None] = ContextVar("memo_alias", default=None)
_LOCK = object()  # marks a figure's lock among the results
_KEPT = object()  # marks a connection the scope keeps alive: a dropped one's id could go to another
_VERSION = object()  # the key, among a scope's results, of the data version it was opened with
# per_data figures by (data version, function, arguments), the least recently used dropped first; and a lock
# per key, so that two sessions asking for one at once compute it once.
_PER_DATA: OrderedDict = OrderedDict()
_PER_DATA_LOCKS: dict = {}
_PER_DATA_LOCK = threading.Lock()  # guards both
PER_DATA_ENTRIES = 256


@contextmanager
def scope(version: Hashable | None = None) -> Iterator[None]:
    """Remember figures until the block ends, and `per_data` figures across scopes of the same `version` (a
    key that changes whenever the data or settings do); a scope inside another shares the outer one."""
    if _results.get() is not None:
        yield
        return
    token = _results.set({} if version is None else {_VERSION: version})
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
        if results is None or not _hashable(key):
            return function(con, *args, **kwargs)
        # setdefault is atomic: threads of one scope get the same lock (reentrant: a figure may ask for another).
        with results.setdefault((_LOCK, key), threading.RLock()):
            if key not in results:
                results[key] = function(con, *args, **kwargs)
                results.setdefault((_KEPT, id(con)), con)
        return _copy(results[key])
    return remembered


def _hashable(key: tuple) -> bool:
    try:
        hash(key)
    except TypeError:  # a list of periods, say: not worth remembering
        return False
    return True


def _copy(value: Any) -> Any:
    """What a caller gets of a remembered value: a copy, when it has one (callers may change theirs)."""
    return value.copy() if hasattr(value, "copy") else value


def per_data(function: Callable[..., Any]) -> Callable[..., Any]:
    """`once`, and kept across scopes opened with the same data version: for figures that depend on the data
    and settings alone, never on filters."""
    remembered = once(function)

    @functools.wraps(function)
    def kept(con, *args: Any, **kwargs: Any) -> Any:
        results = _results.get()
        version = results.get(_VERSION) if results is not None else None
        key = (version, function, args, tuple(sorted(kwargs.items())))
        if version is None or not _hashable(key):
            return remembered(con, *args, **kwargs)
        with _PER_DATA_LOCK:
            computing = _PER_DATA_LOCKS.setdefault(key, threading.Lock())
        with computing:
            with _PER_DATA_LOCK:
                if key in _PER_DATA:
                    _PER_DATA.move_to_end(key)
                    return _copy(_PER_DATA[key])
            value = remembered(con, *args, **kwargs)
            with _PER_DATA_LOCK:
                _PER_DATA[key] = value
                while len(_PER_DATA) > PER_DATA_ENTRIES:
                    _PER_DATA_LOCKS.pop(_PER_DATA.popitem(last=False)[0], None)
        return _copy(value)
    return kept
