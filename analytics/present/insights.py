"""Ranked, plain-language findings for continuous improvement.

Each finder returns zero or more findings; `findings` ranks them by a
priority (higher first): significant changes and at-risk pairs first, then
slipping cohorts, improvement actions, and the weakest dimension.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics.measures import effects, engagement, feedback, impact, impact_stats, registry, satisfaction, side_by_side
from analytics.measures.filters import Filters, Period
from analytics.present import charts, formatting, impact_reading, wording
from analytics.store import memo, settings

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
        # NPS reads in whole points, a dimension as a mean score: each as its registry entry says
        unit = (registry.REGISTRY.get(row.dimension) or registry.REGISTRY[f"{row.dimension}_mean"]).unit
        before, after = formatting.show(row.previous, unit), formatting.show(row.value, unit)
        out.append(_finding(3 + abs(row.change), "significant_change",
                            f"{charts.label(row.dimension)} {direction} from {before} to {after} since "
                            f"{period.previous().sentence()} ({formatting.p_text(row.p_value)}).",
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
            mean = formatting.show(low["mean"], "score")
            where = f"; lowest in {Filters(**{by: low[by]}).sentence()} ({mean}, n = {low['n']})"
            break
    return [_finding(1, "weakest_dimension",
                     f"The weakest dimension is {charts.label(weakest['dimension'])} "
                     f"({formatting.show(weakest['mean'], 'score')} of {weakest['scale_points']}){where}.",
                     weakest["dimension"], weakest["mean"])]


def at_risk(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    count = int(engagement.summary(con, period, filters)["at_risk_pairs"].iloc[0])
    if not count:
        return []
    days = settings.get(con, "at_risk_days")
    return [_finding(2.5, "at_risk_pairs", f"{count} pair{'s' if count > 1 else ''} had no meeting in the {days} "
                     f"days up to {period.as_of:%d %b %Y}.", "at_risk_pairs", count)]


def slipping_cohorts(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    now = engagement.summary(con, period, filters, by="cohort").set_index("cohort")
    before = engagement.summary(con, period.previous(), filters, by="cohort").set_index("cohort")
    drop = (now["active_pair_rate"] - before["active_pair_rate"]).dropna()
    # Each rate with its n: the open pairs it is a share of.
    return [_finding(2 + abs(change), "slipping_cohort",
                     f"Cohort {cohort}: active pairs fell from "
                     f"{formatting.show(before.at[cohort, 'active_pair_rate'], 'rate')} "
                     f"(n = {int(before.at[cohort, 'open_pairs'])} open pairs) to "
                     f"{formatting.show(now.at[cohort, 'active_pair_rate'], 'rate')} "
                     f"(n = {int(now.at[cohort, 'open_pairs'])}).",
                     "active_pair_rate", now.at[cohort, "active_pair_rate"], change)
            for cohort, change in drop[drop <= -SLIP].items()]


def improvement_effects(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    """One finding per action (effects.action_effects), naming the group it was measured in when it has one."""
    out = []
    for effect in effects.action_effects(con, period, filters).to_dict("records"):
        # Looking back at an earlier quarter, the action had not happened yet.
        if pd.Timestamp(effect["started_on"]) > pd.Timestamp(period.end):
            continue
        note = effect["note"] or ""
        # Name the group the action was measured in, unless the note already does.
        # A frame reads a missing name back as NaN: only text names a group.
        program, cohort = (value if isinstance(value, str) else None for value in (effect["program"], effect["cohort"]))
        group = Filters(program=program, cohort=cohort)
        named = [value for value in (program, cohort) if value]
        where = f" ({group.sentence()})" if named and not any(value in note for value in named) else ""
        said = note or describe_effect(effect)
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


def adjusted_differences(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    """Participants' retention or promotion that differs from comparable colleagues' (impact, reading
    'difference'): a raw gap alone is never a finding, it mixes what mentoring does with who joins."""
    if impact.unavailable(con):
        return []
    block = impact.block(con, period, filters)
    smallest_effect, min_size = settings.get(con, "smallest_effect_of_interest"), settings.get(con, "min_group_size")
    # The sentence alone: findings go into the report too, where no page can be pointed to.
    return [_finding(2.8, "impact", impact_reading.verdict(outcome, found, smallest_effect, min_size),
                     outcome, found["participants"], found["difference"], found["p_value"])
            for outcome, found in ((o, block[o]) for o in impact_reading.OUTCOMES)
            if not found["suppressed"] and found["reading"] == impact_stats.DIFFERENCE]


def changes(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[dict]:
    return significant_changes(satisfaction.change(con, period, filters), period)


FINDERS = (changes, at_risk, adjusted_differences, slipping_cohorts, improvement_effects, top_challenge,
           weakest_dimension)


@memo.once  # the Overview and the report ask twice: for their list, and for the answers that open them
def findings(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [priority, kind, message, metric, value, change, p_value], most important first. The finders run two
    at a time (side_by_side): a new filter's Overview waits for them all."""
    found = side_by_side.computed(con, {finder: finder for finder in FINDERS}, period, filters)
    rows = [row for finder in FINDERS for row in found[finder]]
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


def describe_effect(effect: dict) -> str:
    """The effect in a sentence: '<metric> went from 83.0% (two quarters before, n = 240) to 88.0% (two
    quarters after, n = 236): +5.0 pts (95% CI −2.1 to +12.1 pts); other programs +1.0 pts, a difference in
    differences of +4.0 pts (95% CI …)'. Numbers read as the report prints them."""
    unit = formatting.mean_of(effect["unit"])  # a count's two-quarter mean has decimals

    def n(side: str) -> str:
        return "" if formatting.missing(effect[f"n_{side}"]) else f", n = {int(effect[f'n_{side}']):,}"

    def interval(low: str, high: str) -> str:
        if formatting.missing(effect[low]):
            return " (no interval for this metric)"
        return f" (95% CI {formatting.change(effect[low], unit)} to {formatting.change(effect[high], unit)})"

    said = (f"{effect['metric_label'].lower()} went from {formatting.show(effect['before'], unit)} "
            f"(two quarters before{n('before')}) to {formatting.show(effect['after'], unit)} "
            f"(two quarters after{n('after')}): "
            f"{formatting.change(effect['change'], unit)}{interval('change_low', 'change_high')}")
    if formatting.missing(effect["did"]):
        return f"{said}, {effect['method']}"
    return (f"{said}; {effect['compared_with']} {formatting.change(effect['comparison_change'], unit)}, a difference "
            f"in differences of {formatting.change(effect['did'], unit)}{interval('did_low', 'did_high')}")
