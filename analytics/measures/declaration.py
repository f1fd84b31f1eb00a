"""What a metric is declared as: its code, label, unit, direction, definition, grain, section, the function
computing its overall figure and where the metrics JSON holds that figure (`Metric`), and the figure with
what judging it needs (`Estimate`). The declarations themselves are in `analytics.measures.registry`."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import duckdb
import numpy as np
import pandas as pd

from analytics.measures.filters import Filters, Period
from analytics.store import settings

Compute = Callable[[duckdb.DuckDBPyConnection, Period, Filters], Any]
DIRECTIONS = ("higher", "lower")  # which way the figure is better
# `{setting}` in a definition: the setting's value where the definition is shown.
_SETTING = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    # One paragraph; `{setting}` names a setting (analytics.store.settings) read where it is shown.
    definition: str
    # count | rate (0..1) | score (1..k) | nps (-100..100) | per_month | hours | days | difference
    # | rate_difference (-1..1, read in percentage points)
    unit: str
    grain: str  # pair | survey | employee | goal
    section: str
    compute: Compute
    direction: str  # higher | lower: which is better
    # Where `metrics_json` holds the figure: keys joined by dots, `[key=value]` picking a list's item
    # ("satisfaction.dimensions[dimension=networking].mean"); `json_value` reads it.
    json_path: str

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{self.name}: direction must be one of {', '.join(DIRECTIONS)}, not {self.direction!r}.")

    def described(self, setting: Callable[[str], int | float] | None = None) -> str:
        """The definition with each setting it names as `setting(key)` reads it (`settings.get` of a connection,
        or a page's cached reader; asked only for the settings named), the defaults without one."""
        def value(match: re.Match) -> str:
            key = match.group(1)
            return f"{settings.SETTINGS[key].default if setting is None else setting(key):g}"
        return _SETTING.sub(value, self.definition)

    def value(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> float | None:
        """The overall figure, None when there is no data or it is suppressed."""
        return clean(self.compute(con, period, filters))

    def estimate(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Estimate:
        """The overall figure with its CI (where it has one), n and suppression."""
        if isinstance(self.compute, Cell):
            return self.compute.estimate(con, period, filters)
        return Estimate(self.value(con, period, filters))


@dataclass(frozen=True)
class Estimate:
    """A figure with what judging it needs: its 95% CI where it has one, its n, and whether it is hidden."""
    value: float | None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class Cell:
    """A compute that reads one cell of a section's frame (the row `where` picks); `interval` names the
    columns of that cell's 95% CI, when the frame has one for it."""
    table: Callable[..., pd.DataFrame]
    column: str
    where: tuple[tuple[str, Any], ...] = ()
    interval: tuple[str, str] | None = None

    def row(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any] | None:
        frame = self.table(con, period, filters)
        for key, wanted in self.where:
            frame = frame[frame[key] == wanted]
        return frame.iloc[0].to_dict() if len(frame) else None

    def __call__(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Any:
        row = self.row(con, period, filters)
        return None if row is None else row[self.column]

    def estimate(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> Estimate:
        row = self.row(con, period, filters)
        if row is None:
            return Estimate(None, n=0)
        low, high = (clean(row[c]) for c in self.interval) if self.interval else (None, None)
        return Estimate(clean(row[self.column]), low, high, clean(row.get("n")), bool(row.get("suppressed", False)))


CI = ("ci_low", "ci_high")


def cell(table: Callable[..., pd.DataFrame], column: str, interval: tuple[str, str] | None = None,
         **where: Any) -> Compute:
    """A compute that reads one cell of a section's frame."""
    return Cell(table, column, tuple(where.items()), interval)


def clean(value: Any) -> Any:
    """JSON-ready: NaN/NA → None, numpy scalars → Python numbers."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) or math.isinf(value) else float(value)
    return value


_STEP = re.compile(r"(\w+)(?:\[(\w+)=([^\]]+)\])?")


def json_value(document: dict[str, Any], path: str) -> Any:
    """The value at a `Metric.json_path` in the metrics JSON; KeyError naming the step that is not there. A list
    item is picked by one key's value compared as text ('[months=6]'); a list without that item holds no figure
    (None, as the metric's own value reads then), but its items must have the key."""
    found: Any = document
    for step in path.split("."):
        key, pick, wanted = _STEP.fullmatch(step).groups()
        if not isinstance(found, dict) or key not in found:
            raise KeyError(f"{path}: no {key!r}")
        found = found[key]
        if pick is not None:
            if any(pick not in item for item in found):
                raise KeyError(f"{path}: the items of {key!r} have no {pick!r}")
            items = [item for item in found if str(item[pick]) == wanted]
            if not items:
                return None
            found = items[0]
    return found
