"""Shared fixtures: a fresh database per test, the project root, and the databases many modules read
(the demo, the small populated one), built once per run."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import Callable

import pytest

from analytics.ops import demo
from analytics.store import connection
from tests.small_data import small_database

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def con():
    opened = connection.connect(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture(autouse=True)
def visitor_on_this_computer(monkeypatch):
    """AppTest has no browser connection, so st.context.ip_address is a stand-in object; the
    dashboard serves a visitor without sign-in only from this computer, where Streamlit says None."""
    from streamlit.runtime.context import ContextProxy
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: None))


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """The file `name`, written by `build(path)` once per run: under xdist the first worker to ask builds it
    in the run's folder, common to every worker, while the others wait on its lock. Loading the demo takes
    seconds; copying the file takes milliseconds, so a test that writes copies it (or opens it read-only)."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # …/pytest-N/popen-gwK → …/pytest-N, this run's alone
    path = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / f"{name}.partial"
            build(partial)
            partial.rename(path)  # whole or absent: a worker never sees half a file
    return path


def _load_demo(path: Path) -> None:
    con = connection.connect(path)
    demo.load_demo(con)
    con.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo database (read it, or copy it to write)."""
    return built_once(tmp_path_factory, "demo.duckdb", _load_demo)


def _load_small(path: Path) -> None:
    exports = path.parent / f"{path.name}.exports"
    exports.mkdir(exist_ok=True)
    small_database(exports).rename(path)


@pytest.fixture(scope="session")
def small_file(tmp_path_factory) -> Path:
    """tests/small_data.py's populated database (read it, or copy it to write)."""
    return built_once(tmp_path_factory, "small.duckdb", _load_small)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What a page offers for download, by file name, as it runs (the buttons still work)."""
    import streamlit as st
    offered, button = {}, st.download_button

    def record(label, data, file_name=None, **kwargs):
        offered[file_name] = data
        return button(label, data, file_name=file_name, **kwargs)
    monkeypatch.setattr(st, "download_button", record)
    return offered
