"""The built-in demo: the committed sample exports, loaded and marked as demo
so one click removes them again."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import duckdb

from analytics import audit

from analytics.ingest.load import remove_upload
from analytics.ingest.pipeline import Options, Plan, ingest_paths

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_surveys"

Progress = Callable[[float, str], None]


def demo_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))


def load_demo(con: duckdb.DuckDBPyConnection, progress: Progress | None = None,
              folder: Path = SAMPLE_DIR) -> list[Plan]:
    """Load every sample export as demo data; returns each file's plan (refused ones carry .error)."""
    plans = [plan for plan, _ in ingest_paths(con, demo_files(folder), Options(is_demo=True, accept_suggestions=True), progress)]
    _log_demo_improvements(con)
    if progress:
        progress(1.0, "Demo data loaded")
    return plans


def wanted(con: duckdb.DuckDBPyConnection) -> bool:
    """Load the demo now? Only into a fresh database, and never with MENTORSCOPE_DEMO=off."""
    return os.environ.get("MENTORSCOPE_DEMO", "on").lower() != "off" and is_fresh(con)


def is_fresh(con: duckdb.DuckDBPyConnection) -> bool:
    """Nothing was ever uploaded here: the dashboard offers the demo only then,
    so a cleared demo stays cleared."""
    return not con.execute("SELECT EXISTS (SELECT 1 FROM uploads) OR EXISTS "
                           "(SELECT 1 FROM audit_log WHERE action = 'upload')").fetchone()[0]


def has_demo(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM uploads WHERE is_demo").fetchone()[0])


def clear_demo(con: duckdb.DuckDBPyConnection, actor: str | None = None) -> int:
    """Remove every demo upload's rows and the demo improvement actions; returns uploads removed."""
    ids = [r[0] for r in con.execute("SELECT upload_id FROM uploads WHERE is_demo ORDER BY upload_id DESC").fetchall()]
    for upload_id in ids:
        remove_upload(con, upload_id)
    con.execute("DELETE FROM improvements WHERE is_demo")
    audit.record(con, "clear_demo", f"{len(ids)} demo uploads removed", actor)
    return len(ids)


def _log_demo_improvements(con: duckdb.DuckDBPyConnection) -> None:
    from analytics.sample import improvement_actions
    from analytics.improvements import add_action

    for action in improvement_actions():
        add_action(con, **action, is_demo=True)
