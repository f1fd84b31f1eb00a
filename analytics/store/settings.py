"""Settings kept in the database (`settings` table), with defaults and validation.

Values are stored as text and returned with their declared type; a key never
set reads as its default.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import duckdb

from analytics.errors import ConfigError
from analytics.store import audit


class SettingsError(ConfigError):
    """A setting name or value is not acceptable; the message says what is."""


@dataclass(frozen=True)
class Setting:
    key: str
    default: int | float
    kind: Callable[[str], Any]
    low: float
    high: float | None
    help: str


SETTINGS: dict[str, Setting] = {s.key: s for s in (
    Setting("min_group_size", 5, int, 1, None,
            "smallest group whose survey or HR figures are shown"),
    Setting("min_comment_group_size", 10, int, 1, None,
            "fewest different respondents who must have commented before comments are shown"),
    Setting("at_risk_days", 45, int, 1, 3660,
            "days without a held meeting before a pair is at risk"),
    Setting("fiscal_year_start_month", 1, int, 1, 12,
            "month (1-12) in which the fiscal year starts"),
    Setting("default_meeting_target", 1, float, 0.000001, 100,
            "meetings per month expected of a pair without its own target"),
    Setting("max_upload_mb", 200, int, 1, 1000,
            "largest file accepted for upload, in MB"),
    Setting("max_unpacked_mb", 30, int, 1, 1000,
            "largest size an XLSX workbook may unpack to, in MB"),
    Setting("max_workbook_cells", 1_000_000, int, 1, 100_000_000,
            "most cells (rows × columns) read from an XLSX sheet"),
    Setting("smallest_effect_of_interest", 0.05, float, 0.001, 0.5,
            "smallest difference in a share (0.05 = 5 percentage points) that would matter"),
)}


def validate(key: str, value: Any) -> int | float:
    """The typed value, or SettingsError naming the setting and the allowed range."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise SettingsError(f"Unknown setting {key!r}; known settings: {', '.join(SETTINGS)}.")
    try:
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(value)
        typed = setting.kind(number) if setting.kind is float or number == int(number) else None
    except (TypeError, ValueError, OverflowError):
        typed = None
    limit = f"at least {setting.low:g}" if setting.high is None else f"between {setting.low:g} and {setting.high:g}"
    wanted = "a whole number" if setting.kind is int else "a number"
    if typed is None or typed < setting.low or (setting.high is not None and typed > setting.high):
        raise SettingsError(f"{key} ({setting.help}) must be {wanted} {limit}, not {value!r}.")
    return typed


def get(con: duckdb.DuckDBPyConnection, key: str) -> int | float:
    if key not in SETTINGS:
        validate(key, None)  # raises the unknown-key error
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return SETTINGS[key].default if row is None else validate(key, row[0])


def set(con: duckdb.DuckDBPyConnection, key: str, value: Any,  # noqa: A001 - the natural name
        actor: str | None = None) -> int | float:
    typed = validate(key, value)
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, str(typed)],
    )
    audit.record(con, "setting", f"{key} = {typed}", actor)
    return typed


def all_settings(con: duckdb.DuckDBPyConnection) -> dict[str, int | float]:
    """Every setting, stored or default, in one query (the dashboard asks on every run)."""
    stored = dict(con.execute("SELECT key, value FROM settings").fetchall())
    return {key: validate(key, stored[key]) if key in stored else setting.default for key, setting in SETTINGS.items()}
