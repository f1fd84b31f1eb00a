"""The built-in demo: the committed sample exports, loaded and marked as demo
so one click removes them again."""
from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable

import duckdb

from analytics.ingest.load import remove_upload
from analytics.ingest.pipeline import Options, Plan, ingest_paths
from analytics.store import audit

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_surveys"

Progress = Callable[[float, str], None]


def demo_files(folder: Path = SAMPLE_DIR) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".csv", ".xlsx"))


def load_demo(con: duckdb.DuckDBPyConnection, progress: Progress | None = None,
              folder: Path = SAMPLE_DIR, files: list[Path] | None = None) -> list[Plan]:
    """Load the sample exports (`files`, or all of them) as demo data, then the demo improvement
    actions unless the demo has them already; returns each file's plan (refused ones carry .error)."""
    paths = demo_files(folder) if files is None else files
    plans = [plan for plan, _ in ingest_paths(con, paths, Options(is_demo=True, accept_suggestions=True), progress)]
    if not con.execute("SELECT count(*) FROM improvements WHERE is_demo").fetchone()[0]:
        _log_demo_improvements(con)
    if not con.execute("SELECT count(*) FROM objectives WHERE is_demo").fetchone()[0]:
        _set_demo_objectives(con)
    if progress:
        progress(1.0, "Demo data loaded")
    return plans


# A demo is loaded whole or not at all. Its load can be cut short between two files (each file is
# one transaction): the visitor moves to another page, which stops the script run, or the server
# stops. So every run finishes what is missing, and one lock per server process makes concurrent
# sessions wait for the one loading and then find nothing left to do.
_LOADING = threading.Lock()


def missing_files(con: duckdb.DuckDBPyConnection, folder: Path = SAMPLE_DIR) -> list[Path]:
    """The demo files still to load: all of them into a fresh database, the rest of a load cut
    short. None with MENTORSCOPE_DEMO=off, or once the database holds anything but the demo's own
    uploads (someone cleared the demo, removed one of its uploads or uploaded their own data)."""
    if os.environ.get("MENTORSCOPE_DEMO", "on").lower() == "off" or not only_demo_uploads(con):
        return []
    loaded = {name for name, in con.execute("SELECT file_name FROM uploads WHERE is_demo").fetchall()}
    return [path for path in demo_files(folder) if path.name not in loaded]


def only_demo_uploads(con: duckdb.DuckDBPyConnection) -> bool:
    """Every upload ever logged is a demo upload still there (true of a fresh database). The audit
    log keeps removed and cleared uploads, so a cleared demo stays cleared."""
    return con.execute("SELECT (SELECT count(*) FROM audit_log WHERE action = 'upload') = "
                       "(SELECT count(*) FROM uploads WHERE is_demo)").fetchone()[0]


def finish_demo(con: duckdb.DuckDBPyConnection, progress: Progress | None = None,
                folder: Path = SAMPLE_DIR) -> list[Plan]:
    """Load the missing demo files (see missing_files), one session at a time; their plans."""
    with _LOADING:
        files = missing_files(con, folder)
        return load_demo(con, progress, folder, files) if files else []


def clear_demo(con: duckdb.DuckDBPyConnection, actor: str | None = None) -> int:
    """Remove every demo upload's rows, the demo improvement actions and objectives; returns uploads removed."""
    ids = [r[0] for r in con.execute("SELECT upload_id FROM uploads WHERE is_demo ORDER BY upload_id DESC").fetchall()]
    for upload_id in ids:
        remove_upload(con, upload_id)
    con.execute("DELETE FROM improvements WHERE is_demo")
    con.execute("DELETE FROM objectives WHERE is_demo")
    audit.record(con, "clear_demo", f"{len(ids)} demo uploads removed", actor)
    return len(ids)


def _log_demo_improvements(con: duckdb.DuckDBPyConnection) -> None:
    from analytics.measures.improvements import add_action
    from analytics.ops.sample_story import improvement_actions

    for action in improvement_actions():
        add_action(con, **action, is_demo=True)


def _set_demo_objectives(con: duckdb.DuckDBPyConnection) -> None:
    from analytics.measures.objectives import add_objective
    from analytics.ops.sample_story import objectives

    for objective in objectives():
        add_objective(con, **objective, is_demo=True)
