"""Settings kept in the database (`settings` table), with defaults and validation.

Values are stored as text and returned with their declared type; a key never
set reads as its default. Most settings are numbers; a few are text (the
currency) or a mapping (each program's annual cost, stored as JSON).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import duckdb

from analytics.errors import ConfigError
from analytics.store import audit, memo


class SettingsError(ConfigError):
    """A setting name or value is not acceptable; the message says what is."""


def currency_code(value: Any) -> str:
    """A three-letter currency code (ISO 4217 form), upper-cased."""
    code = str(value).strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise ValueError(f"must be a three-letter currency code such as EUR, GBP or USD, not {value!r}")
    return code


def program_costs(value: Any) -> dict[str, float]:
    """Program name → annual cost (a number ≥ 0), from a mapping or its JSON text; names kept as written."""
    try:
        mapping = json.loads(value) if isinstance(value, str) else dict(value)
    except (TypeError, ValueError):
        mapping = None
    if not isinstance(mapping, dict):
        raise ValueError(f'must map program names to annual costs, e.g. {{"Leadership": 12000}}, not {value!r}')
    costs = {}
    for name, cost in mapping.items():
        try:
            number = float(cost)
        except (TypeError, ValueError):
            number = math.nan
        if not str(name).strip() or not math.isfinite(number) or number < 0:
            raise ValueError(f"needs a program name and a cost of at least 0 for each program, not {name!r}: {cost!r}")
        costs[str(name).strip()] = number
    return dict(sorted(costs.items()))


# Settings whose value is not a number: validated by their parser, which raises ValueError saying what it wants.
TEXT_KINDS = (currency_code, program_costs)


@dataclass(frozen=True)
class Setting:
    key: str
    default: Any
    kind: Callable[[Any], Any]
    low: float | None
    high: float | None
    help: str
    group: str = "general"  # the Settings page's form that edits it: general | roi | delivery


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
    Setting("max_analysis_seconds", 120, int, 1, 3600,
            "longest an uploaded file's analysis may take on the Upload page, in seconds"),
    Setting("max_analysis_mb", 2048, int, 256, 65536,
            "most memory an uploaded file's analysis may use on the Upload page, in MB"),
    Setting("smallest_effect_of_interest", 0.05, float, 0.001, 0.5,
            "smallest difference in a share (0.05 = 5 percentage points) that would matter"),
    # Return on investment (analytics/measures/roi.py). A cost of 0 means "not set": no ROI is shown.
    Setting("program_cost_annual", 0.0, float, 0, None,
            "annual cost of all programs together, in the currency (0 = not set)", "roi"),
    Setting("program_costs", {}, program_costs, None, None,
            "annual cost of each program, in the currency (used under a program filter, and summed when the "
            "total is not set)", "roi"),
    Setting("departure_cost", 0.0, float, 0, None,
            "cost of one employee leaving (hiring, onboarding, lost output), in the currency (0 = not set: "
            "then a share of the average salary)", "roi"),
    Setting("average_salary", 0.0, float, 0, None,
            "average annual salary, in the currency (0 = not set)", "roi"),
    Setting("departure_cost_salary_share", 0.5, float, 0.01, 5,
            "cost of one departure as a share of the average salary (0.5 = half a year's salary)", "roi"),
    Setting("currency", "EUR", currency_code, None, None, "currency of the costs (three letters)", "roi"),
    Setting("roi_attribution", 1.0, float, 0.01, 1,
            "share of the measured retention difference credited to mentoring (1 = all of it: the comparison "
            "group already removes what would have happened anyway)", "roi"),
    # Scheduled delivery by the running dashboard (analytics/ops/schedule.py). At most 60 days, so that the
    # day falls before the next quarter ends (the shortest quarter has 90 days).
    Setting("delivery_day", 0, int, 0, 60,
            "days after a quarter ends when the running dashboard e-mails its report to the recipients "
            "(0 = off)", "delivery"),
    Setting("delivery_hour", 7, int, 0, 23,
            "hour of that day (0-23, this server's clock) from which the report is sent", "delivery"),
)}


def validate(key: str, value: Any) -> Any:
    """The typed value, or SettingsError naming the setting and the allowed range."""
    setting = SETTINGS.get(key)
    if setting is None:
        raise SettingsError(f"Unknown setting {key!r}; known settings: {', '.join(SETTINGS)}.")
    if setting.kind in TEXT_KINDS:
        try:
            return setting.kind(value)
        except ValueError as exc:
            raise SettingsError(f"{key} ({setting.help}) {exc}.") from None
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


def _default(key: str) -> Any:
    """The default, a fresh copy for a mapping (a caller may change what it is given)."""
    default = SETTINGS[key].default
    return dict(default) if isinstance(default, dict) else default


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value)


@memo.once  # a page run or a report reads the minimum group size for every figure it hides
def get(con: duckdb.DuckDBPyConnection, key: str) -> Any:
    if key not in SETTINGS:
        validate(key, None)  # raises the unknown-key error
    row = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    return _default(key) if row is None else validate(key, row[0])


def set(con: duckdb.DuckDBPyConnection, key: str, value: Any,  # noqa: A001 - the natural name
        actor: str | None = None) -> Any:
    typed = validate(key, value)
    con.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, _text(typed)],
    )
    audit.record(con, "setting", f"{key} = {_text(typed)}", actor)
    memo.forget()  # a figure or setting remembered before the change is stale
    return typed


def all_settings(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Every setting, stored or default, in one query (the dashboard asks on every run)."""
    stored = dict(con.execute("SELECT key, value FROM settings").fetchall())
    return {key: validate(key, stored[key]) if key in stored else _default(key) for key in SETTINGS}
