"""Shared fixtures: a fresh database per test, and the project root."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics.store import connection

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
