"""Shared fixtures: a fresh database per test, and the project root."""
from __future__ import annotations

from pathlib import Path

import pytest

from analytics import db

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def con():
    connection = db.connect(":memory:")
    yield connection
    connection.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"
