"""The audit log: who did what, when (sign-ins, uploads, removals, erasures,
setting changes). Details never name an erased person."""
from __future__ import annotations

from datetime import datetime

import duckdb
import pandas as pd

ACTIONS = ("sign_in", "sign_in_failed", "sign_out", "upload", "remove_upload", "erasure", "setting", "improvement",
           "clear_demo", "recipient", "delivery", "objective")


def record(con: duckdb.DuckDBPyConnection, action: str, detail: str = "", actor: str | None = None) -> None:
    if action not in ACTIONS:
        raise ValueError(f"Unknown audit action {action!r}; known: {', '.join(ACTIONS)}.")
    con.execute("INSERT INTO audit_log VALUES (?, ?, ?, ?)", [datetime.now(), actor, action, detail])


def entries(con: duckdb.DuckDBPyConnection, limit: int = 500) -> pd.DataFrame:
    """Newest first → [occurred_at, actor, action, detail]."""
    return con.execute("SELECT occurred_at, actor, action, detail FROM audit_log "
                       "ORDER BY occurred_at DESC LIMIT ?", [limit]).df()
