"""The improvement-actions log: what a program changed, when, and which metric
should show it. Each change is also written to the audit log."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics import audit
from analytics.metrics import REGISTRY

EDITABLE = ("program", "title", "description", "owner", "started_on", "metric")
COLUMNS = ["action_id", "program", "title", "description", "owner", "started_on", "metric", "created_at", "is_demo"]


class ImprovementError(ValueError):
    """An improvement action cannot be saved as given; the message says why."""


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ImprovementError(f"Unknown field(s) {sorted(unknown)}; an action has {', '.join(EDITABLE)}.")
    out = dict(fields)
    if "title" in out and not (out["title"] or "").strip():
        raise ImprovementError("An improvement action needs a title.")
    if "metric" in out and out["metric"] not in REGISTRY:
        raise ImprovementError(f"Unknown metric {out['metric']!r}; choose one of: {', '.join(REGISTRY)}.")
    if "started_on" in out:
        value = out["started_on"]
        try:
            out["started_on"] = value if isinstance(value, date) else date.fromisoformat(str(value))
        except ValueError:
            raise ImprovementError(f"started_on must be a date like 2026-04-01, not {value!r}.") from None
    return out


def add_action(con: duckdb.DuckDBPyConnection, *, title: str, metric: str, started_on: date | str,
               program: str | None = None, description: str | None = None, owner: str | None = None,
               is_demo: bool = False, actor: str | None = None) -> int:
    """Log an action; returns its action_id."""
    fields = _validated({"program": program, "title": title, "description": description, "owner": owner,
                         "started_on": started_on, "metric": metric})
    action_id = con.execute("SELECT coalesce(max(action_id), 0) + 1 FROM improvements").fetchone()[0]
    con.execute(
        "INSERT INTO improvements (action_id, program, title, description, owner, started_on, metric, created_at, "
        "is_demo) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [action_id, *(fields[k] for k in EDITABLE), datetime.now(), is_demo])
    audit.record(con, "improvement", f"action {action_id} added: {title}", actor)
    return action_id


def _require(con: duckdb.DuckDBPyConnection, action_id: int) -> None:
    if not con.execute("SELECT count(*) FROM improvements WHERE action_id = ?", [action_id]).fetchone()[0]:
        raise ImprovementError(f"There is no improvement action {action_id}.")


def edit_action(con: duckdb.DuckDBPyConnection, action_id: int, actor: str | None = None, **changes: Any) -> None:
    """Change some fields of an action (program, title, description, owner, started_on, metric)."""
    fields = _validated(changes)
    _require(con, action_id)
    if not fields:
        return
    # Column names come from EDITABLE (checked above); values are bound.
    assignments = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE improvements SET {assignments} WHERE action_id = ?", [*fields.values(), action_id])
    audit.record(con, "improvement", f"action {action_id} edited: {', '.join(fields)}", actor)


def delete_action(con: duckdb.DuckDBPyConnection, action_id: int, actor: str | None = None) -> None:
    _require(con, action_id)
    con.execute("DELETE FROM improvements WHERE action_id = ?", [action_id])
    audit.record(con, "improvement", f"action {action_id} deleted", actor)


OPTIONAL = ["program", "description", "owner"]


def _actions(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> pd.DataFrame:
    frame = con.execute(f"SELECT {', '.join(COLUMNS)} FROM improvements WHERE {where} "
                        "ORDER BY started_on DESC, action_id DESC", params).df()
    # A null reads back as NaN, which is truthy: `action.program or …` would then take NaN for a program
    # name and bind it to a query as a number. None keeps "no program" false.
    frame[OPTIONAL] = frame[OPTIONAL].astype(object).where(frame[OPTIONAL].notna(), None)
    return frame


def list_actions(con: duckdb.DuckDBPyConnection, program: str | None = None) -> pd.DataFrame:
    """→ [action_id, program, title, description, owner, started_on, metric, created_at, is_demo],
    newest start first; with `program`, that program's actions and those for every program (null)."""
    return _actions(con, "?::VARCHAR IS NULL OR program = ? OR program IS NULL", [program, program])


def marking_actions(con: duckdb.DuckDBPyConnection, program: str | None = None) -> pd.DataFrame:
    """The actions a trend of `program` (None: every program) marks, as list_actions gives them: that
    program's and those for every program. A one-program action does not mark an all-program trend,
    which it touches only in part."""
    return _actions(con, "program IS NULL OR program = ?", [program])
