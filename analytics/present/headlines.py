"""The six headline figures leadership reads first, each against the previous
quarter and with whether that change is significant. One definition for the
Overview tiles and the report's executive summary.
"""
from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd

from analytics.measures import engagement, impact, outcomes, retention, satisfaction, stats
from analytics.measures.filters import Filters, Period
from analytics.measures.registry import REGISTRY
from analytics.present import impact_reading
from analytics.store import settings

ALPHA = 0.05  # "significant" means p < 0.05
NOT_TESTED = "not tested"
OVERLAP = f"{NOT_TESTED}: largely the same pairs in both quarters"

COLUMNS = ["key", "metric", "label", "kind", "value", "previous", "change", "p_value", "test", "significant",
           "p_compares", "n", "n_text", "suppressed", "change_suppressed", "previous_suppressed", "scale_points",
           "other", "difference", "ci_low", "ci_high", "shielded", "adjusted"]
PREVIOUS_QUARTER, NON_PARTICIPANTS = "previous quarter", "non-participants"


def _first(frame: pd.DataFrame | None, column: str, **where: Any) -> Any:
    """One cell (None when absent or NaN)."""
    if frame is None or frame.empty or column not in frame:
        return None
    for key, value in where.items():
        frame = frame[frame[key] == value]
    if frame.empty:
        return None
    value = frame[column].iloc[0]
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _difference(now: Any, before: Any) -> Any:
    return None if now is None or before is None else now - before


def _row(key: str, metric: str, value: Any, previous: Any, p_value: Any, test: str,
         n: Any, n_text: str, suppressed: bool = False, change: Any = "auto", p_compares: str = PREVIOUS_QUARTER,
         change_suppressed: bool = False, previous_suppressed: bool = False, **extra: Any) -> dict:
    change = _difference(value, previous) if change == "auto" else change
    significant = None if p_value is None else bool(p_value < ALPHA)
    # Label and unit are the registry's: a headline reads as its metric does everywhere else.
    return {"key": key, "metric": metric, "label": REGISTRY[metric].label, "kind": REGISTRY[metric].unit,
            "value": value, "previous": previous, "change": change, "p_value": p_value, "test": test,
            "significant": significant, "p_compares": p_compares, "n": n, "n_text": n_text, "suppressed": suppressed,
            "change_suppressed": change_suppressed, "previous_suppressed": previous_suppressed, **extra}


def _survey(con, period, filters, change: pd.DataFrame) -> list[dict]:
    nps, dims = satisfaction.nps(con, period, filters), satisfaction.dimensions(con, period, filters)
    rows = []
    for key, metric, test, frame, value_column, where in (
            ("nps", "nps", "z-test", nps, "value", {}),
            ("overall_satisfaction", "overall_satisfaction_mean", "Mann–Whitney U", dims, "mean",
             {"dimension": "overall_satisfaction"})):
        moved = change[change["dimension"] == key]
        n = int(_first(frame, "n", **where) or 0)
        # A group with nobody in it has nothing to hide: it reads "no data", not "n < 5".
        hidden = bool(_first(frame, "suppressed", **where)) and n > 0
        change_hidden = bool(_first(moved, "suppressed")) and bool(_first(moved, "n")) \
            and bool(_first(moved, "n_previous"))
        unit = "answers" if key == "nps" else "responses"
        rows.append(_row(
            key, metric, None if hidden else _first(frame, value_column, **where),
            _first(moved, "previous"), None if change_hidden else _first(moved, "p_value"),
            test, n, f"n = {n:,} {unit}", hidden,
            change=None if change_hidden else _first(moved, "change"), change_suppressed=change_hidden,
            previous_suppressed=bool(_first(moved, "previous_suppressed")),
            scale_points=_first(frame, "scale_points", **where),
            shielded=hidden and bool(_first(frame, stats.SHIELDS, **where))))
    return rows


def _pairs(con, period, filters) -> list[dict]:
    previous = period.previous()
    now, before = engagement.summary(con, period, filters), engagement.summary(con, previous, filters)
    survival = retention.survival_at(con, period, filters)
    survival_before = retention.survival_at(con, previous, filters)
    open_pairs = int(_first(now, "open_pairs") or 0)
    pairs = int(_first(survival, "n", months=6) or 0)
    at_risk = int(_first(survival, "at_risk", months=6) or 0)
    return [
        _row("active_pair_rate", "active_pair_rate", _first(now, "active_pair_rate"),
             _first(before, "active_pair_rate"), None, OVERLAP, open_pairs, f"n = {open_pairs:,} open pairs"),
        _row("pair_survival_6m", "pair_survival_6m",
             _first(survival, "survival", months=6), _first(survival_before, "survival", months=6), None, OVERLAP,
             pairs, f"n = {pairs:,} pairs, {at_risk:,} still followed at 6 months"),
    ]


def _employees(con, period, filters) -> dict:
    key = "employee_retention_12m"
    if not retention.has_employees(con):
        return _row(key, key, None, None, None, f"{NOT_TESTED}: no employee file loaded", 0,
                    "no employee file loaded")
    now = retention.employee_outcomes(con, period, filters)
    before = retention.employee_outcomes(con, period.previous(), filters)
    row, old = now[now["measure"] == "retention_12m"], before[before["measure"] == "retention_12m"]
    n = int(_first(row, "n_participants") or 0)
    hidden = bool(_first(row, "suppressed")) and bool(_first(row, "n"))
    old_hidden = bool(_first(old, "suppressed")) and bool(_first(old, "n"))
    shown = {c: None if hidden else _first(row, c) for c in ("non_participants", "difference", "ci_low", "ci_high")}
    # The raw gap mixes what mentoring does with who joins: its adjusted reading stands beside it.
    block = None if impact.unavailable(con) else impact.block(con, period, filters)
    adjusted = impact_reading.brief(block and block["retention_12m"], settings.get(con, "min_group_size"))
    return _row(key, key, None if hidden else _first(row, "participants"),
                None if old_hidden else _first(old, "participants"), None if hidden else _first(row, "p_value"),
                "chi-square / Fisher exact, participants vs non-participants", n,
                f"n = {n:,} participants, {int(_first(row, 'n_non_participants') or 0):,} non-participants",
                hidden, change=None if hidden or old_hidden else "auto", p_compares=NON_PARTICIPANTS,
                change_suppressed=hidden or old_hidden, previous_suppressed=old_hidden,
                other=shown["non_participants"],
                difference=shown["difference"], ci_low=shown["ci_low"], ci_high=shown["ci_high"], adjusted=adjusted)


def _goals(con, period, filters) -> dict:
    now = outcomes.goal_attainment(con, period, filters)
    before = outcomes.goal_attainment(con, period.previous(), filters)
    n, n_before = int(_first(now, "n") or 0), int(_first(before, "n") or 0)
    p = stats.two_by_two_p(int(_first(now, "achieved") or 0), n, int(_first(before, "achieved") or 0), n_before)
    return _row("goal_attainment_rate", "goal_attainment_rate",
                _first(now, "goal_attainment_rate"), _first(before, "goal_attainment_rate"),
                None if math.isnan(p) else p, "chi-square / Fisher exact (different goals each quarter)", n,
                f"n = {n:,} goals due")


def headlines(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ one row per headline: [key, metric, label, kind, value, previous, change, p_value, test,
    significant, p_compares, n, n_text, suppressed, change_suppressed, previous_suppressed, scale_points,
    other, difference, ci_low, ci_high, shielded, adjusted].

    Suppressed figures are null (with `suppressed` true; `change_suppressed` when the change is
    hidden, `previous_suppressed` when the previous quarter's own group is too small; `shielded` when a
    group large enough is hidden to protect a smaller one, stats.SHIELDS); `test` names
    the test behind `p_value`, or starts with "not tested" and says why none was run; `p_compares`
    says what the test compares: the previous quarter, or (retention) participants with non-participants,
    and then `adjusted` gives the comparison with comparable colleagues in words (impact_reading.brief).
    """
    rows = [*_survey(con, period, filters, satisfaction.change(con, period, filters)),
            *_pairs(con, period, filters), _employees(con, period, filters), _goals(con, period, filters)]
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    return frame.assign(shielded=frame["shielded"].fillna(False).astype(bool))
