"""The improvement-actions log: what a program changed, when, for whom (one program, one cohort, or
everyone) and which metric should show it. Each change is also written to the audit log."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import InputError
from analytics.measures.registry import REGISTRY
from analytics.measures.scope import Scope, program_in
from analytics.store import audit

EDITABLE = ("program", "cohort", "title", "description", "owner", "started_on", "metric")
COLUMNS = ["action_id", "program", "cohort", "title", "description", "owner", "started_on", "metric", "created_at",
           "is_demo"]
# What makes two actions the same one: logged twice (a second click on the form), it is refused.
IDENTITY = ("program", "cohort", "title", "started_on", "metric")


class ImprovementError(InputError):
    """An improvement action cannot be saved as given; the message says why."""


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ImprovementError(f"Unknown field(s) {sorted(unknown)}; an action has {', '.join(EDITABLE)}.")
    out = dict(fields)
    for name in ("program", "cohort", "title", "description", "owner"):
        if name in out:
            out[name] = (out[name] or "").strip() or None  # blank text is no value
    if "title" in fields and not out["title"]:
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


def _refuse_duplicate(con: duckdb.DuckDBPyConnection, fields: dict[str, Any], action_id: int | None = None) -> None:
    """An action the log already holds (same title, scope, start and metric) is not logged again."""
    found = con.execute(
        "SELECT action_id FROM improvements WHERE program IS NOT DISTINCT FROM ? AND cohort IS NOT DISTINCT FROM ? "
        "AND lower(title) = lower(?) AND started_on = ? AND metric = ? AND action_id IS DISTINCT FROM ?",
        [*(fields[k] for k in IDENTITY), action_id]).fetchone()  # in IDENTITY's order
    if found:
        raise ImprovementError(f"This action is already logged as action {found[0]} "
                               f"(“{fields['title']}”, from {fields['started_on']:%Y-%m-%d}); edit that one instead.")


def add_action(con: duckdb.DuckDBPyConnection, *, title: str, metric: str, started_on: date | str,
               program: str | None = None, cohort: str | None = None, description: str | None = None,
               owner: str | None = None, is_demo: bool = False, actor: str | None = None) -> int:
    """Log an action; returns its action_id. ImprovementError when a field is invalid or the same action
    (title, program, cohort, start and metric) is already logged."""
    fields = _validated({"program": program, "cohort": cohort, "title": title, "description": description,
                         "owner": owner, "started_on": started_on, "metric": metric})
    _refuse_duplicate(con, fields)
    action_id = con.execute("SELECT coalesce(max(action_id), 0) + 1 FROM improvements").fetchone()[0]
    columns = ["action_id", *EDITABLE, "created_at", "is_demo"]
    con.execute(f"INSERT INTO improvements ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [action_id, *(fields[k] for k in EDITABLE), datetime.now(), is_demo])
    audit.record(con, "improvement", f"action {action_id} added: {fields['title']}", actor)
    return action_id


def _require(con: duckdb.DuckDBPyConnection, action_id: int) -> dict[str, Any]:
    """The action's IDENTITY fields; ImprovementError when there is no such action."""
    row = con.execute(f"SELECT {', '.join(IDENTITY)} FROM improvements WHERE action_id = ?", [action_id]).fetchone()
    if row is None:
        raise ImprovementError(f"There is no improvement action {action_id}.")
    return dict(zip(IDENTITY, row))


def edit_action(con: duckdb.DuckDBPyConnection, action_id: int, actor: str | None = None, **changes: Any) -> None:
    """Change some fields of an action (program, cohort, title, description, owner, started_on, metric);
    None clears program, cohort, description or owner."""
    fields = _validated(changes)
    current = _require(con, action_id)
    if not fields:
        return
    _refuse_duplicate(con, {**current, **{k: v for k, v in fields.items() if k in IDENTITY}}, action_id)
    # Column names come from EDITABLE (checked above); values are bound.
    assignments = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE improvements SET {assignments} WHERE action_id = ?", [*fields.values(), action_id])
    audit.record(con, "improvement", f"action {action_id} edited: {', '.join(fields)}", actor)


def delete_action(con: duckdb.DuckDBPyConnection, action_id: int, actor: str | None = None) -> None:
    _require(con, action_id)
    con.execute("DELETE FROM improvements WHERE action_id = ?", [action_id])
    audit.record(con, "improvement", f"action {action_id} deleted", actor)


OPTIONAL = ["program", "cohort", "description", "owner"]


def _actions(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> pd.DataFrame:
    frame = con.execute(f"SELECT {', '.join(COLUMNS)} FROM improvements WHERE {where} "
                        "ORDER BY started_on DESC, action_id DESC", params).df()
    return nulls_as_none(frame, OPTIONAL)


def nulls_as_none(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """`frame` with the missing cells of text `columns` as None. A frame reads a null back as NaN, which is
    truthy: `action.program or …` would take NaN for a program name and bind it to a query as a number."""
    frame[columns] = frame[columns].astype(object).where(frame[columns].notna(), None)
    return frame


def get_action(con: duckdb.DuckDBPyConnection, action_id: int) -> dict[str, Any]:
    """One action as a row of list_actions; ImprovementError when there is none."""
    _require(con, action_id)
    return _actions(con, "action_id = ?", [action_id]).iloc[0].to_dict()


def _within(scope: Scope) -> tuple[str, list[Any]]:
    """(SQL condition, params): the actions a user of `scope` may see, those of its programs and those for all."""
    if scope is None:
        return "TRUE", []
    where, params = program_in("program", scope)
    return f"(program IS NULL OR {where})", params


def list_actions(con: duckdb.DuckDBPyConnection, program: str | None = None, cohort: str | None = None,
                 scope: Scope = None) -> pd.DataFrame:
    """→ [action_id, program, cohort, title, description, owner, started_on, metric, created_at, is_demo],
    newest start first; with `program` (`cohort`), that program's (cohort's) actions and those for every
    program (cohort), null; with a `scope`, none of another program's."""
    within, params = _within(scope)
    return _actions(con, "(?::VARCHAR IS NULL OR program = ? OR program IS NULL) "
                         f"AND (?::VARCHAR IS NULL OR cohort = ? OR cohort IS NULL) AND {within}",
                    [program, program, cohort, cohort, *params])


def marking_actions(con: duckdb.DuckDBPyConnection, program: str | None = None,
                    cohort: str | None = None, scope: Scope = None) -> pd.DataFrame:
    """The actions a trend of `program` and `cohort` (None: every one) marks, as list_actions gives them:
    that program's or cohort's and those for every one. A one-program (one-cohort) action does not mark
    an all-program (all-cohort) trend, which it touches only in part."""
    within, params = _within(scope)
    return _actions(con, f"(program IS NULL OR program = ?) AND (cohort IS NULL OR cohort = ?) AND {within}",
                    [program, cohort, *params])


def scope_text(program: str | None, cohort: str | None) -> str:
    """Whom an action concerns, as the log and the report say it: 'All programs', 'Leadership',
    'Cohort 2026 Spring', 'Leadership, cohort 2026 Spring'."""
    if cohort is None:
        return program or "All programs"
    return f"{program}, cohort {cohort}" if program else f"Cohort {cohort}"
