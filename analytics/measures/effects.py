"""What an improvement action did to its metric.

The metric over the two quarters before the action's quarter against the two after it, in the action's
scope (its program or cohort, within the filters), each side the mean of its quarters' figures. Where the
metric's figure is a mean or a share of answers, pairs, goals or people, each quarter also gives the
variance of that figure, so the change has a 95% interval; and where the action left out some programs
(cohorts) of the same data, those are its comparison group, read off as the total less the action's own
group, and the change is also given as a difference in differences against theirs.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

import duckdb
import pandas as pd

from analytics.measures import engagement, improvements, outcomes, retention, satisfaction, stats
from analytics.measures import nps as net_promoter
from analytics.measures.filters import Filters, Period, known_values
from analytics.measures.registry import LIKERT_DIMENSIONS, REGISTRY
from analytics.measures.stats import Estimate, Moments
from analytics.store import settings

Sampler = Callable[[duckdb.DuckDBPyConnection, Period, Filters], Moments | None]


def _row(frame: pd.DataFrame, **where) -> dict | None:
    for key, wanted in where.items():
        frame = frame[frame[key] == wanted]
    return frame.iloc[0].to_dict() if len(frame) else None


def _known(*values) -> bool:
    return all(v is not None and not pd.isna(v) for v in values)


# A quarter whose figure is hidden for its group's size (the frame's `suppressed` flag): not "no data".
HIDDEN = Moments(math.nan, math.nan, math.nan, 0)


def _hidden(row: dict | None) -> bool:
    """Suppressed with someone in it (a group of nobody is suppressed too, and has no data)."""
    if not row or not _known(row.get("suppressed")):
        return False
    return bool(row["suppressed"]) and (row.get("n") or 0) > 0


def _dimension_mean(dimension: str) -> Sampler:
    def sample(con, period, filters):
        row = _row(satisfaction.dimensions(con, period, filters), dimension=dimension)
        if _hidden(row):
            return HIDDEN
        return Moments.of_mean(int(row["n"]), row["mean"], row["sd"]) \
            if row and _known(row["mean"], row["sd"]) else None
    return sample


def _share(table: Callable[..., pd.DataFrame], rate: str, n: str, **where) -> Sampler:
    """A share of `table`'s row (`where`) over its `n` column."""
    def sample(con, period, filters):
        row = _row(table(con, period, filters), **where)
        if _hidden(row):
            return HIDDEN
        return Moments.of_share(int(row[n]), row[rate]) if row and _known(row[rate], row[n]) else None
    return sample


def _nps(con, period, filters) -> Moments | None:
    row = _row(satisfaction.nps(con, period, filters))
    if _hidden(row):
        return HIDDEN
    return net_promoter.moments(*(int(row[k]) for k in ("promoters", "passives", "detractors"))) \
        if row and _known(row["value"]) else None


def _cancellations(con, period, filters) -> Moments | None:
    rate = _row(engagement.summary(con, period, filters))["cancellation_rate"]
    dated = _row(engagement.bases(con, period, filters))["dated_sessions"]
    return Moments.of_share(int(dated), rate) if _known(rate) else None


def _sessions_per_month(con, period, filters) -> Moments | None:
    # The mean over active pairs of each pair's held sessions per month of the period.
    n, held, squares = engagement.held_per_active_pair(con, period, filters)
    months = period.months
    return Moments(n, held / months, squares / months ** 2, 1) if n else None


def _employees(measure: str) -> Sampler:
    share = _share(retention.employee_outcomes, "participants", "n_participants", measure=measure)
    return lambda con, period, filters: share(con, period, filters) if retention.has_employees(con) else None


# The metrics whose quarter figure has a known sampling variance; the others (counts, medians, survival and
# baseline-to-exit changes) are compared before and after without an interval.
SAMPLERS: dict[str, Sampler] = {
    "nps": _nps,
    **{f"{d}_mean": _dimension_mean(d) for d in LIKERT_DIMENSIONS},
    **{f"{d}_top2box": _share(satisfaction.dimensions, "top2box", "n", dimension=d) for d in LIKERT_DIMENSIONS},
    "active_pair_rate": _share(engagement.summary, "active_pair_rate", "open_pairs"),
    "sessions_per_active_pair_per_month": _sessions_per_month,
    "cancellation_rate": _cancellations,
    "early_exit_rate": _share(retention.early_exit, "early_exit_rate", "n"),
    "employee_retention_12m": _employees("retention_12m"),
    "promotion_rate_12m": _employees("promotion_rate_12m"),
    "goal_attainment_rate": _share(outcomes.goal_attainment, "goal_attainment_rate", "n"),
}


def compared_quarters(started_on: date) -> tuple[list[Period], list[Period]]:
    """The two quarters before the action's quarter, and the two after it."""
    start = Period.parse(f"{started_on.year}Q{(started_on.month - 1) // 3 + 1}")
    return [start.shifted(-2), start.shifted(-1)], [start.shifted(1), start.shifted(2)]


@dataclass(frozen=True)
class Side:
    """The metric over the quarters of one side: the mean of the quarter figures, its variance, and the
    n behind it (the quarters' n summed; None for a metric without one)."""
    estimate: Estimate
    n: int | None


def _side(quarters: list[tuple[float, float, int | None]]) -> Side | None:
    """(value, variance, n) of each quarter with data → their Side, None when none has data."""
    if not quarters:
        return None
    ns = [n for _, _, n in quarters if n is not None]
    return Side(stats.averaged([Estimate(v, var) for v, var, _ in quarters]), sum(ns) if ns else None)


def _measured(con: duckdb.DuckDBPyConnection, metric: str, quarters: list[Period], scope: Filters,
              whole: Filters | None, min_size: int) -> tuple[Side | None, Side | None, bool]:
    """The action's own group over `quarters`, its comparison group (`whole` less `scope`; None when the
    action left nobody out or the metric has no sampler), and whether a quarter of its own group was hidden
    for its size. A comparison quarter of fewer than `min_size` is left out, as a group that small is
    everywhere."""
    sampler = SAMPLERS.get(metric)
    own, other, hidden = [], [], False
    for quarter in quarters:
        if sampler is None:
            value = REGISTRY[metric].value(con, quarter, scope)
            if value is not None:
                own.append((value, math.nan, None))
            continue
        mine = sampler(con, quarter, scope)
        hidden |= mine is HIDDEN
        if mine is None or mine is HIDDEN or mine.n <= 0:
            continue
        estimate = mine.estimate()
        own.append((estimate.value, estimate.variance, int(mine.n)))
        everyone = sampler(con, quarter, whole) if whole is not None else None
        rest = everyone - mine if everyone not in (None, HIDDEN) else None
        if rest is not None and rest.n >= min_size:
            estimate = rest.estimate()
            other.append((estimate.value, estimate.variance, int(round(rest.n))))
    return _side(own), _side(other), hidden


COLUMNS = ["action_id", "title", "program", "cohort", "scope", "owner", "started_on", "metric", "metric_label",
           "unit", "before", "after", "n_before", "n_after", "change", "change_low", "change_high", "compared_with",
           "comparison_change", "did", "did_low", "did_high", "method", "note"]
TEXT_COLUMNS = ["program", "cohort", "owner", "compared_with", "method", "note"]
BEFORE_AFTER_ONLY = "before/after only"


def _left_out(action_program: str | None, action_cohort: str | None, scope: Filters) -> tuple[Filters, str] | None:
    """The filters of everyone the action's comparison is drawn from, `scope` (the action's group) widened
    by one filter, and what its comparison group is called: the other cohorts (of the action's program, if
    it has one) for a cohort's action, the other programs for a program's; None for an action of everyone."""
    if action_cohort is not None:
        return replace(scope, cohort=None), "other cohorts"
    if action_program is not None:
        return replace(scope, program=None), "other programs"
    return None


def action_effect(con: duckdb.DuckDBPyConnection, action: dict, period: Period, filters: Filters,
                  programs: set[str], cohorts: set[str]) -> dict:
    """One row of `action_effects` for an action as list_actions gives it."""
    program, cohort, metric = action["program"], action["cohort"], action["metric"]
    label = REGISTRY[metric].label
    scope = replace(filters, program=program or filters.program, cohort=cohort or filters.cohort)
    before_quarters, after_quarters = compared_quarters(action["started_on"])
    left_out = _left_out(program, cohort, scope)
    min_size = int(settings.get(con, "min_group_size"))
    whole = left_out[0] if left_out else None
    before, before_other, hidden_before = _measured(con, metric, before_quarters, scope, whole, min_size)
    after, after_other, hidden_after = (_measured(con, metric, after_quarters, scope, whole, min_size)
                                        if after_quarters[-1].end <= period.as_of else (None, None, False))
    if program is not None and program not in programs:
        # A program no data names (a typo, or one not uploaded yet) would otherwise read as "too early".
        note = f"no data for program {program}: no uploaded file names it"
    elif cohort is not None and cohort not in cohorts:
        note = f"no data for cohort {cohort}: no uploaded file names it"
    elif pd.Timestamp(action["started_on"]) > pd.Timestamp(period.end):
        note = f"starts after {period.sentence()}"
    elif after_quarters[-1].end > period.as_of:
        # Says when: a blank "after" otherwise leaves the reader guessing how long to wait.
        note = (f"too early to compare {label.lower()} before and after (the two quarters after end with "
                f"{after_quarters[-1].sentence()})")
    elif before is None or after is None:
        missing = [(side, hidden) for side, value, hidden in (("before", before, hidden_before),
                                                             ("after", after, hidden_after)) if value is None]
        sides = " or ".join(side for side, _ in missing)
        note = (f"{label.lower()} {sides} the action is hidden to protect anonymity: fewer than {min_size} people "
                "in the group, or a figure that would give a smaller group's away (docs/privacy.md)"
                if all(hidden for _, hidden in missing) else f"no {label.lower()} data {sides} the action to compare")
    else:
        note = None
    row = {"action_id": action["action_id"], "title": action["title"], "program": program, "cohort": cohort,
           "scope": improvements.scope_text(program, cohort), "owner": action["owner"],
           "started_on": action["started_on"], "metric": metric, "metric_label": label,
           "unit": REGISTRY[metric].unit,
           "before": before.estimate.value if before else None, "after": after.estimate.value if after else None,
           "n_before": before.n if before else None, "n_after": after.n if after else None,
           "note": note, "method": None}
    if note:
        return row
    change = after.estimate - before.estimate
    row.update(change=change.value, change_low=change.interval()[0], change_high=change.interval()[1],
               method=BEFORE_AFTER_ONLY)
    if before_other and after_other:
        theirs = after_other.estimate - before_other.estimate
        did = change - theirs  # its variance: the sum of the four sides'
        row.update(compared_with=left_out[1], comparison_change=theirs.value, did=did.value,
                   did_low=did.interval()[0], did_high=did.interval()[1],
                   method=f"difference in differences against {left_out[1]}")
    elif left_out and metric in SAMPLERS:
        row["method"] = f"{BEFORE_AFTER_ONLY}: {left_out[1]} have too little data to compare against"
    return row


def action_effects(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Each logged action of the filters' program and cohort (and those for all) → COLUMNS: the metric before
    and after, n, the change with its 95% CI, and where there is a comparison group its change and the
    difference in differences with its 95% CI; `method` says which, `note` why there is no change yet."""
    programs, cohorts = (set(known_values(con, field, filters.scope)) for field in ("program", "cohort"))
    actions = improvements.list_actions(con, filters.program, filters.cohort, filters.scope)
    rows = [action_effect(con, action, period, filters, programs, cohorts) for action in actions.to_dict("records")]
    return improvements.nulls_as_none(pd.DataFrame(rows, columns=COLUMNS), TEXT_COLUMNS)
