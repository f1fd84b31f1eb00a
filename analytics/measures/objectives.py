"""Objectives: a target for one figure of one program (or all programs), and each quarter's status against
it (on track, at risk, off track, not measurable). The rule is `status`; docs/metrics.md (Objectives) says
it in words. Each change is also written to the audit log."""
from __future__ import annotations

import math
from dataclasses import replace
from datetime import datetime
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import InputError
from analytics.measures import impact
from analytics.measures.declaration import Estimate, clean
from analytics.measures.filters import Filters, Period
from analytics.measures.improvements import nulls_as_none
from analytics.measures.registry import IMPACT_METRICS, TARGETABLE
from analytics.store import audit, memo, settings

DIRECTIONS = {"at_least": "≥", "at_most": "≤"}
ON_TRACK, AT_RISK, OFF_TRACK, NOT_MEASURABLE = "on_track", "at_risk", "off_track", "not_measurable"
STATUSES = (ON_TRACK, AT_RISK, OFF_TRACK, NOT_MEASURABLE)
STATUS_TEXT = {ON_TRACK: "On track", AT_RISK: "At risk", OFF_TRACK: "Off track", NOT_MEASURABLE: "Not measurable"}
EDITABLE = ("metric", "program", "target", "direction", "amber_band")
COLUMNS = ["objective_id", *EDITABLE, "created_at", "is_demo"]
SCORECARD = ["objective_id", "objective", "metric", "metric_label", "unit", "program", "target", "direction",
             "amber_band", "value", "ci_low", "ci_high", "n", "status", "reason"]
OBJECTIVES_SINCE = 6  # the schema version that created the objectives table


class ObjectiveError(InputError):
    """An objective cannot be saved as given; the message says why."""


def status(value: float | None, target: float, direction: str, ci_low: float | None = None,
           ci_high: float | None = None, amber_band: float | None = None, suppressed: bool = False) -> str:
    """On track when the estimate meets the target; off track when the 95% CI (without one, the estimate)
    lies wholly on the wrong side of the target moved by the amber band; at risk in between; not
    measurable without a value or when it is suppressed. The CI counts only with both ends."""
    if value is None or suppressed or math.isnan(value):
        return NOT_MEASURABLE
    sign = 1 if direction == "at_least" else -1  # "at most" is "at least" on the negated scale
    if sign * value >= sign * target:
        return ON_TRACK
    has_ci = ci_low is not None and ci_high is not None
    nearest = (ci_high if sign == 1 else ci_low) if has_ci else value  # the end closest to meeting it
    if sign * nearest < sign * target - (amber_band or 0):
        return OFF_TRACK
    return AT_RISK


def _number(name: str, value: Any, allow_none: bool = False) -> float | None:
    if value is None:
        if allow_none:
            return None
        raise ObjectiveError(f"An objective needs a {name}: give a number.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ObjectiveError(f"{name} must be a number, not {value!r}.")
    return number


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise ObjectiveError(f"Unknown field(s) {sorted(unknown)}; an objective has {', '.join(EDITABLE)}.")
    out = dict(fields)
    if "metric" in out and out["metric"] not in TARGETABLE:
        raise ObjectiveError(f"Unknown metric {out['metric']!r}; choose one of: {', '.join(TARGETABLE)}.")
    if "program" in out:
        out["program"] = (out["program"] or "").strip() or None  # blank: all programs
    if "direction" in out and out["direction"] not in DIRECTIONS:
        raise ObjectiveError(f"direction must be one of {', '.join(DIRECTIONS)}, not {out['direction']!r}.")
    if "target" in out:
        out["target"] = _number("target", out["target"])
    if "amber_band" in out:
        out["amber_band"] = _number("amber_band", out["amber_band"], allow_none=True)
        if out["amber_band"] is not None and out["amber_band"] < 0:
            raise ObjectiveError(f"amber_band is a distance from the target and cannot be negative "
                                 f"({out['amber_band']:g}); leave it empty for none.")
    return out


def _refuse_duplicate(con: duckdb.DuckDBPyConnection, fields: dict[str, Any], objective_id: int | None = None) -> None:
    """One objective per metric, program and direction: a second would only contradict the first."""
    found = con.execute(
        "SELECT objective_id FROM objectives WHERE metric = ? AND program IS NOT DISTINCT FROM ? AND direction = ? "
        "AND objective_id IS DISTINCT FROM ?",
        [fields["metric"], fields["program"], fields["direction"], objective_id]).fetchone()
    if found:
        raise ObjectiveError(f"There is already an objective for this metric, program and direction "
                             f"(objective {found[0]}); edit that one instead.")


def default_direction(metric: str) -> str:
    """An objective's direction unless told otherwise: at least for a figure better higher, at most for one better
    lower (the registry's direction)."""
    return "at_most" if metric in TARGETABLE and TARGETABLE[metric].direction == "lower" else "at_least"


def add_objective(con: duckdb.DuckDBPyConnection, *, metric: str, target: float, direction: str | None = None,
                  program: str | None = None, amber_band: float | None = None, is_demo: bool = False,
                  actor: str | None = None) -> int:
    """Set an objective; returns its objective_id. Without a direction, the figure's better one
    (`default_direction`). ObjectiveError when a field is invalid or the metric, program and direction already
    have one."""
    fields = _validated({"metric": metric, "program": program, "target": target,
                         "direction": direction or default_direction(metric), "amber_band": amber_band})
    _refuse_duplicate(con, fields)
    objective_id = con.execute("SELECT coalesce(max(objective_id), 0) + 1 FROM objectives").fetchone()[0]
    con.execute(f"INSERT INTO objectives ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})",
                [objective_id, *(fields[k] for k in EDITABLE), datetime.now(), is_demo])
    audit.record(con, "objective", f"objective {objective_id} added: {describe(fields)}", actor)
    return objective_id


def get_objective(con: duckdb.DuckDBPyConnection, objective_id: int) -> dict[str, Any]:
    """One objective as a row of list_objectives; ObjectiveError when there is none."""
    found = _objectives(con, "objective_id = ?", [objective_id])
    if found.empty:
        raise ObjectiveError(f"There is no objective {objective_id}.")
    return found.iloc[0].to_dict()


def edit_objective(con: duckdb.DuckDBPyConnection, objective_id: int, actor: str | None = None,
                   **changes: Any) -> None:
    """Change some fields (metric, program, target, direction, amber_band); None clears program (all
    programs) or amber_band."""
    fields = _validated(changes)
    current = get_objective(con, objective_id)
    if not fields:
        return
    merged = {**{k: current[k] for k in EDITABLE}, **fields}
    _refuse_duplicate(con, merged, objective_id)
    # Column names come from EDITABLE (checked above); values are bound.
    assignments = ", ".join(f"{name} = ?" for name in fields)
    con.execute(f"UPDATE objectives SET {assignments} WHERE objective_id = ?", [*fields.values(), objective_id])
    audit.record(con, "objective", f"objective {objective_id} edited: {describe(merged)}", actor)


def delete_objective(con: duckdb.DuckDBPyConnection, objective_id: int, actor: str | None = None) -> None:
    current = get_objective(con, objective_id)
    con.execute("DELETE FROM objectives WHERE objective_id = ?", [objective_id])
    audit.record(con, "objective", f"objective {objective_id} deleted: {describe(current)}", actor)


def _stored(con: duckdb.DuckDBPyConnection) -> bool:
    """The table exists: a file of an older schema opened read-only (`metrics --json`) is not migrated."""
    return con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'objectives' "
                       "AND table_schema = current_schema()").fetchone()[0] > 0


def _objectives(con: duckdb.DuckDBPyConnection, where: str, params: list[Any]) -> pd.DataFrame:
    if not _stored(con):
        return pd.DataFrame(columns=COLUMNS)
    frame = con.execute(f"SELECT {', '.join(COLUMNS)} FROM objectives WHERE {where} ORDER BY objective_id",
                        params).df()
    frame = nulls_as_none(frame, ["program"])
    frame["amber_band"] = frame["amber_band"].astype(object).where(frame["amber_band"].notna(), None)
    return frame


def list_objectives(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """→ [objective_id, metric, program, target, direction, amber_band, created_at, is_demo], oldest first."""
    return _objectives(con, "TRUE", [])


# ---- reading ---------------------------------------------------------------------

SCALE = {"rate": 100, "rate_difference": 100}  # shares are set and read in percent (points)


def as_entered(value: float | None, unit: str) -> float | None:
    """A stored target or band as a person types it (a share in percent)."""
    return None if value is None else value * SCALE.get(unit, 1)


def as_stored(value: float | None, unit: str) -> float | None:
    """A typed target or band as stored (a share as 0..1)."""
    return None if value is None else value / SCALE.get(unit, 1)


def _typed(value: float, unit: str) -> str:
    """A target as a person typed it, in an objective's description: '80%', '+2.0 pts', '+20', '3.50', '1,234'.
    Figures read as analytics.present.formatting has them; this text is written here, in the JSON and the audit
    log, below the present layer."""
    if unit == "rate":
        return f"{round(value * 100, 1):g}%"  # a decimal, so that 64.7% does not read as a met 65%
    if unit == "rate_difference":
        return f"{value * 100:+.1f} pts"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def show_band(band: float, unit: str) -> str:
    """An amber band is a distance from the target: a share's reads in points ('5 pts')."""
    return f"{band * 100:g} pts" if unit in SCALE else f"{band:g}"


def describe(objective: dict[str, Any]) -> str:
    """'Net Promoter Score ≥ +20 (amber band 5), All programs'."""
    metric = TARGETABLE[objective["metric"]]
    band = objective.get("amber_band")
    amber = "" if band is None else f" (amber band {show_band(band, metric.unit)})"
    return (f"{metric.label} {DIRECTIONS[objective['direction']]} {_typed(objective['target'], metric.unit)}{amber}, "
            f"{objective['program'] or 'All programs'}")


def _why_not(con: duckdb.DuckDBPyConnection, metric: str, found: Estimate, period: Period, filters: Filters) -> str:
    if found.suppressed and found.n:  # a figure of no one is hidden too, but there is nothing to hide
        return f"hidden: n = {found.n:,} is under the minimum group size ({settings.get(con, 'min_group_size')})"
    if metric in IMPACT_METRICS:
        if why := impact.unavailable(con):
            return why
        if first := impact.first_comparison_on(con, period, filters):
            return (f"too early: no pair had been matched 12 months before the quarter's end; the first comparison "
                    f"is as of {first}")
    return f"no data in {period.label}"


def scorecard(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Each objective in view with its figure for `period` and its status → SCORECARD columns, one row per
    objective. An objective is measured on its own program (or all programs) within the other filters
    (cohort, department, role); under a program filter, other programs' objectives are left out; under a scope, all but the scope's."""
    rows = []
    with memo.scope():
        for objective in list_objectives(con).to_dict("records"):
            if filters.program is not None and objective["program"] not in (None, filters.program) \
                    or filters.scope is not None and objective["program"] not in filters.scope:
                continue  # an all-programs objective's status is an organisation figure: not for a scope
            metric = TARGETABLE[objective["metric"]]  # checked when the objective was saved
            scope = replace(filters, program=objective["program"])
            found = metric.estimate(con, period, scope)
            value = None if found.suppressed else found.value
            low, high = (None, None) if value is None else (found.ci_low, found.ci_high)
            verdict = status(value, objective["target"], objective["direction"], low, high, objective["amber_band"],
                             found.suppressed)
            reason = _why_not(con, metric.name, found, period, scope) if verdict == NOT_MEASURABLE else None
            rows.append({**objective, "objective": describe(objective), "metric_label": metric.label,
                         "unit": metric.unit, "value": value, "ci_low": low, "ci_high": high, "n": found.n,
                         "status": verdict, "reason": reason})
    frame = nulls_as_none(pd.DataFrame(rows, columns=SCORECARD), ["program", "amber_band", "reason"])
    frame["n"] = frame["n"].astype("Int64")
    return frame


JSON_KEYS = ["id", "objective", "metric", "program", "target", "direction", "amber_band", "value", "ci_low",
             "ci_high", "n", "status", "reason"]


def records(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict[str, Any]]:
    """The `objectives` list of the metrics JSON."""
    frame = scorecard(con, period, filters).rename(columns={"objective_id": "id"})
    return [{key: clean(row[key]) for key in JSON_KEYS} for row in frame.to_dict("records")]
