"""Ranked, plain-language findings for continuous improvement.

Each finder returns zero or more findings; `findings` ranks them by a
priority (higher first): significant changes and at-risk pairs first, then
slipping cohorts, improvement actions, and the weakest dimension.
"""
from __future__ import annotations

from dataclasses import replace

import duckdb
import pandas as pd

from analytics import charts, engagement, feedback, formatting, improvements, satisfaction, settings, wording
from analytics.filters import Filters, Period, known_values
from analytics.metrics import REGISTRY

COLUMNS = ["priority", "kind", "message", "metric", "value", "change", "p_value"]
SLIP = 0.10  # a cohort's active-pair rate falling by 10 points or more is worth a look


def _finding(priority: float, kind: str, message: str, metric: str | None = None, value=None, change=None,
             p_value=None) -> dict:
    return dict(zip(COLUMNS, (priority, kind, message, metric, value, change, p_value)))


def significant_changes(change: pd.DataFrame, period: Period) -> list[dict]:
    """`change` is satisfaction.change of the period."""
    out = []
    for row in change[change["significant"] & ~change["suppressed"]].itertuples():
        direction = "rose" if row.change > 0 else "fell"
        out.append(_finding(3 + abs(row.change), "significant_change",
                            f"{charts.label(row.dimension)} {direction} from {row.previous:.2f} to "
                            f"{row.value:.2f} since {period.previous().sentence()} ({formatting.p_text(row.p_value)}).",
                            row.dimension, row.value, row.change, row.p_value))
    return out


def weakest_dimension(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    """The dimension with the lowest mean relative to its scale, and the segment where it is lowest."""
    dims = satisfaction.dimensions(con, period, filters).dropna(subset=["mean"])
    if dims.empty:
        return []
    dims = dims.assign(relative=(dims["mean"] - 1) / (dims["scale_points"] - 1))
    weakest = dims.loc[dims["relative"].idxmin()]
    where = ""
    for by in ("program", "cohort", "department"):
        split = satisfaction.dimensions(con, period, filters, by=by)
        split = split[(split["dimension"] == weakest["dimension"])].dropna(subset=["mean", by])
        if len(split) > 1:
            low = split.loc[split["mean"].idxmin()]
            where = f"; lowest in {Filters(**{by: low[by]}).sentence()} ({low['mean']:.2f}, n = {low['n']})"
            break
    return [_finding(1, "weakest_dimension",
                     f"The weakest dimension is {charts.label(weakest['dimension'])} "
                     f"({weakest['mean']:.2f} of {weakest['scale_points']}){where}.",
                     weakest["dimension"], weakest["mean"])]


def at_risk(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    count = int(engagement.summary(con, period, filters)["at_risk_pairs"].iloc[0])
    if not count:
        return []
    days = settings.get(con, "at_risk_days")
    return [_finding(2.5, "at_risk_pairs", f"{count} pair{'s' if count > 1 else ''} had no meeting in the {days} "
                     f"days up to {period.as_of:%d %b %Y}; the Engagement page lists them.", "at_risk_pairs", count)]


def slipping_cohorts(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    now = engagement.summary(con, period, filters, by="cohort").set_index("cohort")["active_pair_rate"]
    before = engagement.summary(con, period.previous(), filters, by="cohort").set_index("cohort")["active_pair_rate"]
    drop = (now - before).dropna()
    return [_finding(2 + abs(change), "slipping_cohort",
                     f"Cohort {cohort}: active pairs fell from {formatting.show(before[cohort], 'rate')} to "
                     f"{formatting.show(now[cohort], 'rate')}.",
                     "active_pair_rate", now[cohort], change)
            for cohort, change in drop[drop <= -SLIP].items()]


def _compared_quarters(started_on) -> tuple[list[Period], list[Period]]:
    """The two quarters before the action's quarter, and the two after it."""
    start = Period.parse(f"{started_on.year}Q{(started_on.month - 1) // 3 + 1}")
    return [start.shifted(-2), start.shifted(-1)], [start.shifted(1), start.shifted(2)]


def action_effect(con: duckdb.DuckDBPyConnection, started_on, metric: str, filters: Filters,
                  as_of) -> tuple[float | None, float | None]:
    """Mean of the metric over the two quarters before the action's quarter, and over the two after it
    (after is None until both have ended by `as_of`)."""
    before, after = _compared_quarters(started_on)
    compute = REGISTRY[metric].value

    def mean(quarters: list[Period]) -> float | None:
        values = [v for v in (compute(con, q, filters) for q in quarters) if v is not None]
        return sum(values) / len(values) if values else None

    return mean(before), (mean(after) if after[-1].end <= as_of else None)


def _text(value) -> str | None:
    """A text cell, None for a null (which a frame reads back as NaN)."""
    return value if isinstance(value, str) else None


EFFECT_COLUMNS = ["action_id", "title", "program", "started_on", "metric", "metric_label", "before", "after",
                  "change", "note"]


def action_effects(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Each logged action's target metric over the two quarters before and the two after it
    → [action_id, title, program, started_on, metric, metric_label, before, after, change, note];
    an action of one program is measured in that program. `change` stays null until both later
    quarters have ended by the period's end and both sides have data; `note` then says why."""
    programs = set(known_values(con, "program"))
    rows = []
    for action in improvements.list_actions(con, filters.program).itertuples():
        program = _text(action.program)
        scope = replace(filters, program=program or filters.program)
        before, after = action_effect(con, action.started_on, action.metric, scope, period.as_of)
        label = REGISTRY[action.metric].label
        if program is not None and program not in programs:
            # A program no data names (a typo, or one not uploaded yet) would otherwise read as "too early".
            note = f"no data for program {program}: no uploaded file names it"
        elif pd.Timestamp(action.started_on) > pd.Timestamp(period.end):
            note = f"starts after {period.sentence()}"
        elif _compared_quarters(action.started_on)[1][-1].end > period.as_of:
            note = f"too early to compare {label.lower()} before and after"
        elif before is None or after is None:
            sides = " or ".join(side for side, value in (("before", before), ("after", after)) if value is None)
            note = f"no {label.lower()} data {sides} the action to compare"
        else:
            note = None
        rows.append({"action_id": action.action_id, "title": action.title, "program": program,
                     "started_on": action.started_on, "metric": action.metric, "metric_label": label,
                     "before": before, "after": after, "change": None if note else after - before, "note": note})
    return pd.DataFrame(rows, columns=EFFECT_COLUMNS)


def improvement_effects(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    """One finding per action, naming the program it was measured in when it has one."""
    out = []
    for effect in action_effects(con, period, filters).to_dict("records"):
        # Looking back at an earlier quarter, the action had not happened yet.
        if pd.Timestamp(effect["started_on"]) > pd.Timestamp(period.end):
            continue
        program, note = (_text(effect[column]) for column in ("program", "note"))
        # Name the program the action was measured in, unless the note already does.
        where = f" ({Filters(program=program).sentence()})" if program and program not in (note or "") else ""
        unit = formatting.mean_of(REGISTRY[effect["metric"]].unit)  # before and after are means of two quarters
        said = note or (f"{effect['metric_label'].lower()} went from {formatting.show(effect['before'], unit)} "
                        f"(two quarters before) to {formatting.show(effect['after'], unit)} (two quarters after)")
        out.append(_finding(1.5, "improvement_action", f"“{effect['title']}”{where}: {said}.", effect["metric"],
                            effect["after"], None if note else effect["change"]))
    return out


def top_challenge(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    """The challenge theme comments mention most (never below the group-size threshold)."""
    themes = feedback.themes(con, period, filters)
    cited = themes[(themes["kind"] == "challenge") & ~themes["suppressed"]].dropna(subset=["mentions"])
    cited = cited[cited["mentions"] > 0]
    if cited.empty:
        return []
    top = cited.sort_values(["mentions", "theme"], ascending=[False, True]).iloc[0]
    return [_finding(1.2, "top_challenge",
                     f"The challenge comments cite most is {top['label'].lower()} "
                     f"({int(top['mentions'])} of {int(top['n'])} comments).", None, top["share"])]


FINDERS = (at_risk, slipping_cohorts, improvement_effects, top_challenge, weakest_dimension)


def findings(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [priority, kind, message, metric, value, change, p_value], most important first."""
    rows = [*significant_changes(satisfaction.change(con, period, filters), period),
            *(row for finder in FINDERS for row in finder(con, period, filters))]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values("priority", ascending=False, kind="stable").reset_index(drop=True)


def nothing_found(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> str:
    """What to say instead of findings when there are none: that nothing stood out, or, without survey
    answers or open pairs to look at, what is missing (wording.nothing_here)."""
    responses = int(satisfaction.response_count(con, period, filters)["n"].iloc[0])
    open_pairs = int(engagement.summary(con, period, filters)["open_pairs"].iloc[0])
    if responses or open_pairs:
        return "Nothing stands out for this quarter: no significant changes, at-risk pairs or weak spots."
    return wording.nothing_here(con, period, filters, ("surveys", "pairs"))[0]
