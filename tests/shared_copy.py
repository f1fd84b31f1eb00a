"""One copy per worker of a database built once per run, for the tests that only read it."""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterator


def _stamp(path: Path) -> list[tuple]:
    """What a write to a DuckDB file changes: the file's or its write-ahead log's size and time."""
    return [(f.stat().st_size, f.stat().st_mtime_ns) if f.exists() else None
            for f in (path, path.with_name(path.name + ".wal"))]


def read_only_copy(source: Path, monkeypatch) -> Iterator[Path]:
    """A copy of `source` made once per worker, as the dashboard's database, for the tests that only read it:
    what a page computed for one of them is cached for the next (as a server keeps it across sessions) instead
    of computed again on a copy of its own. A test that wrote to it fails here; such a test takes its own copy
    (demo_db, populated_db)."""
    path = source.with_name(f"{os.environ.get('PYTEST_XDIST_WORKER', 'gw')}-read-only-{source.name}")
    if not path.exists():
        shutil.copy(source, path)
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    before = _stamp(path)
    yield path
    assert _stamp(path) == before, "this test writes: give it its own copy of the database (demo_db, populated_db)"
