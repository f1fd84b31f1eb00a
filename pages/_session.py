"""What every page reads from its session: the database cursor, the user and their rights, the sidebar's
period and filters, and the engine's figures, cached per data version. dashboard.py puts them in the
session; a page run without it is sent into the dashboard.
"""
from __future__ import annotations

import threading
import weakref
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from analytics.ingest.load import WRITE_LOCK
from analytics.measures import improvements
from analytics.measures.filters import Filters, Period
from analytics.ops import auth, backup, sso
from analytics.store import connection, settings
from pages import _navigation, _registry


def _session(key: str) -> Any:
    """What dashboard.py put in the session for the pages (a page run without it is sent into it)."""
    if key not in st.session_state:
        _navigation.into_the_dashboard()
    return st.session_state[key]


def cursor():
    """This session's DuckDB cursor (dashboard.py opens it)."""
    return _session("cursor")


@st.cache_resource(show_spinner=False)
def _databases() -> dict[str, tuple]:
    """Per database file, the server's one connection and (weakly) every cursor taken from it."""
    return {}


_databases_lock = threading.Lock()


def new_cursor(path: str, databases: dict[str, tuple] | None = None):
    """A fresh cursor on the server's connection to `path`, opened on first use (errors.DatabaseBusy
    while another process holds the file); `databases` as cursor_source found them."""
    with _databases_lock:
        databases = _databases() if databases is None else databases
        if path not in databases:
            databases[path] = (connection.connect_when_free(path), weakref.WeakSet())
        shared, cursors = databases[path]
        taken = shared.cursor()
        cursors.add(taken)
        return taken


def cursor_source(path: str) -> Callable[[], Any]:
    """new_cursor(path) for a thread outside any script run (scheduled delivery): the server's connections
    are looked up now, in a run, since Streamlit's cache is for script runs."""
    databases = _databases()
    return lambda: new_cursor(path, databases)


def rewrite_database() -> None:
    """After an erasure: close every connection to this session's database file and rewrite the file,
    so that the erased rows' bytes are gone (DuckDB frees them without clearing them). Each session's
    next run opens it again."""
    path = _session("cursor_path")
    with WRITE_LOCK, _databases_lock:
        shared, cursors = _databases().pop(path, (None, ()))
        for taken in list(cursors):
            taken.close()
        if shared is not None:
            shared.close()
        backup.rewrite(Path(path))


def configured_users() -> dict[str, dict]:
    """The users of secrets.toml's [auth.users]; {} (single-user local mode) when there is no
    secrets file or no such section. SecretsError when the section, or the file, is broken:
    a typo must not quietly turn sign-in off."""
    try:
        return auth.configured_users(st.secrets)
    except StreamlitSecretNotFoundError as exc:
        if exc.error_id == "no-secrets-found":
            return {}
        raise auth.SecretsError(str(exc)) from None


def identity_provider() -> sso.Config | None:
    """The OpenID Connect set-up of secrets.toml ([auth] and [auth.roles]); None without one.
    SecretsError when [auth.roles] is broken (a broken file is configured_users' to report)."""
    try:
        return sso.configured(st.secrets)
    except StreamlitSecretNotFoundError:
        return None


def user() -> auth.User:
    """Who uses this session (dashboard.py signs them in, or sets the local user)."""
    return _session("user")


def can(right: str) -> bool:
    return user().can(right)


def require(*rights: str) -> None:
    """Stop the page here, saying which role is needed, unless the user has one of
    `rights`. Called by every handler before it writes, not only where buttons are hidden."""
    if any(can(right) for right in rights):
        return
    try:
        auth.require(user(), rights[0])
    except auth.PermissionDenied as exc:
        st.warning(str(exc), icon=":material/lock:")
        st.stop()


def page_allowed(page: str) -> bool:
    """Whether this user may open the page of this file (pages/_registry.py says with which rights)."""
    found = _registry.entry(page)
    if found.every_program and user().scope is not None:
        return False
    return any(can(right) for right in found.rights)


def require_page(page: str) -> None:
    """The whole page's check: the menu leaves it out, but its address still opens it."""
    found = _registry.entry(page)
    if found.every_program and user().scope is not None:
        st.warning("Your access is limited to some programs, and this page covers every program. "
                   "Ask an admin.", icon=":material/lock:")
        st.stop()
    require(*found.rights)


def period() -> Period:
    return _session("period")


def filters() -> Filters:
    return _session("filters")


@st.cache_resource(show_spinner=False)
def _writes() -> dict[str, int]:
    """Server-wide count of writes made through the dashboard (part of the cache key)."""
    return {"count": 0}


def wrote(*messages: str) -> None:
    """After any write (upload, removal, setting, improvement): refresh cached results
    and run the page again, showing `messages` (Markdown) at its top."""
    _writes()["count"] += 1
    st.session_state["flash"] = list(messages)
    st.rerun()


def show_flash() -> None:
    for message in st.session_state.pop("flash", []):
        st.success(message, icon=":material/check_circle:")


def data_version(path: str, counts: dict, settings: dict) -> tuple:
    """What cached results depend on, hashable: a mapping setting (each program's cost) as its sorted items."""
    values = tuple((key, tuple(sorted(value.items())) if isinstance(value, dict) else value)
                   for key, value in settings.items())
    return (path, _writes()["count"], tuple(counts.items()), values)


@st.cache_data(show_spinner=False, max_entries=512)
def _cached(name: str, version: Any, args: tuple, kwargs: tuple, _function: Callable, _con) -> Any:
    return _function(_con, *args, **dict(kwargs))


def compute(function: Callable, *args, **kwargs) -> Any:
    """Call an analytics function with this session's cursor, cached per data
    version and arguments (so an upload or a settings change refreshes it)."""
    name = f"{function.__module__}.{function.__qualname__}"
    return _cached(name, st.session_state.get("data_version"), args, tuple(sorted(kwargs.items())),
                   _function=function, _con=cursor())


def standard(function: Callable, **kwargs) -> Any:
    """A metric of the sidebar's period and filters."""
    return compute(function, period(), filters(), **kwargs)


def trend_periods(count: int = 6) -> list[Period]:
    return period().quarters_back(count)


def setting(key: str) -> Any:
    return compute(settings.get, key)


def actions() -> pd.DataFrame:
    """Improvement actions [started_on, title, …] for trend annotations."""
    return compute(improvements.marking_actions, filters().program, filters().cohort, filters().scope)
