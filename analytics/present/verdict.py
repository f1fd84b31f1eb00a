"""The three questions a leader asks first, answered in a sentence and a tone each: is the program meeting
its objectives (the scorecard), is it making a difference (the adjusted retention comparison), and what
needs attention now (the top findings). The Overview opens on them; the report's executive summary too.

A tone is how the answer should be coloured: good, warning, bad, or neutral when the data cannot say
(no objectives, an inconclusive comparison): "we can't tell" is never coloured as good or bad news.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pandas as pd

from analytics.measures import impact, objectives
from analytics.measures.filters import Filters, Period
from analytics.measures.impact_stats import DIFFERENCE, INCONCLUSIVE, NO_MEANINGFUL_DIFFERENCE
from analytics.present import charts, formatting, impact_reading, insights
from analytics.present.wording import counted
from analytics.store import settings

GOOD, WARNING, BAD, NEUTRAL = "good", "warning", "bad", "neutral"
TOP_FINDINGS = 3
MAX_STEPS = 4
NOTHING_TO_DO = "Nothing needs action this quarter: keep the program as it is and keep measuring."


@dataclass(frozen=True)
class Answer:
    question: str
    tone: str
    headline: str
    details: list[str] = field(default_factory=list)
    clause: str = ""  # the answer as part of a sentence, for the one-sentence verdict


# The impact answer by its reading, as a headline and as a clause of the verdict.
IMPACT_WORDS = {
    (DIFFERENCE, True): (GOOD, "Yes: participants stay longer than comparable colleagues.",
                         "participants stay longer than comparable colleagues"),
    (DIFFERENCE, False): (BAD, "Not for retention: participants leave more often than comparable colleagues.",
                          "participants leave more often than comparable colleagues"),
    (NO_MEANINGFUL_DIFFERENCE, None): (WARNING, "Not on retention: participants stay about as often as comparable "
                                                "colleagues.", "participants stay about as often as comparable colleagues"),
    (INCONCLUSIVE, None): (NEUTRAL, "Too early to tell: the retention comparison is inconclusive.",
                           "it is too early to tell whether participants stay longer than comparable colleagues"),
    (None, None): (NEUTRAL, "Cannot be told from these figures yet.",
                   "whether participants stay longer than comparable colleagues cannot be told yet"),
}


def objectives_answer(scorecard: pd.DataFrame) -> Answer:
    """The scorecard in a sentence: how many objectives are on track, at risk, off track; the misses named."""
    question = "Is it meeting its objectives?"
    if scorecard.empty:
        return Answer(question, NEUTRAL, "No objectives are set yet, so there is no target to judge against.",
                      clause="no objectives are set yet")
    counts = scorecard["status"].value_counts()
    on, risk, off = (int(counts.get(status, 0)) for status in (objectives.ON_TRACK, objectives.AT_RISK,
                                                               objectives.OFF_TRACK))
    unmeasured = len(scorecard) - on - risk - off
    parts = [f"{on} of {counted(len(scorecard), 'objective')} on track"]
    parts += [f"{count} {text}" for count, text in ((risk, "at risk"), (off, "off track"),
                                                   (unmeasured, "not measurable")) if count]
    tone = BAD if off else WARNING if risk else GOOD if on else NEUTRAL
    missed = scorecard[scorecard["status"].isin([objectives.OFF_TRACK, objectives.AT_RISK])]
    details = [f"{objectives.STATUS_TEXT[row['status']]}: {row['objective']} "
               f"(now {formatting.show(row['value'], row['unit'])}, n = {int(row['n']):,})"
               for row in missed.sort_values("status", key=lambda s: s != objectives.OFF_TRACK,
                                             kind="stable").to_dict("records")]
    return Answer(question, tone, ", ".join(parts) + ".", details, ", ".join(parts))


def impact_answer(block: dict | None, why_not: str | None, smallest_effect: float, min_size: int) -> Answer:
    """Whether participants stay more than comparable colleagues, as the adjusted comparison reads."""
    question = "Is it making a difference?"
    found = None if block is None else block["retention_12m"]
    said = impact_reading.verdict("retention_12m", found, smallest_effect, min_size, unavailable=why_not,
                                  first_comparison_on=None if block is None else block.get("first_comparison_on"))
    reading = None if found is None or found["suppressed"] or not found["n_participants"] else found["reading"]
    key = (reading, found["difference"] > 0) if reading == DIFFERENCE else (reading, None)
    tone, headline, clause = IMPACT_WORDS.get(key, IMPACT_WORDS[(None, None)])
    return Answer(question, tone, headline, [said], clause)


def attention_answer(findings: pd.DataFrame, nothing: str, limit: int = TOP_FINDINGS) -> Answer:
    """The most important finding as the answer, the next ones as its details, in their own words."""
    question = "What needs attention now?"
    if findings.empty:
        return Answer(question, GOOD, nothing)
    top = findings.head(limit)["message"].tolist()
    return Answer(question, WARNING, top[0], top[1:])


def sentence(answers: list[Answer]) -> str:
    """The verdict in one sentence: the objectives' count and what the impact comparison says."""
    met, impact_said = answers[0].clause, answers[1].clause
    return f"{met[:1].upper()}{met[1:]}, and {impact_said}."


def next_steps(scorecard: pd.DataFrame, findings: pd.DataFrame, limit: int = MAX_STEPS) -> list[str]:
    """What to do next, most pressing first: an improvement for each objective off track (then at risk),
    then what the findings ask for (pairs to contact, a falling or weakest dimension)."""
    steps = []
    missed = scorecard[scorecard["status"].isin([objectives.OFF_TRACK, objectives.AT_RISK])]
    for row in missed.sort_values("status", key=lambda s: s != objectives.OFF_TRACK, kind="stable").itertuples():
        steps.append(f"Plan an improvement for {row.metric_label.lower()} ({objectives.STATUS_TEXT[row.status].lower()}"
                     f" against its target) and log it, so that the next quarters show whether it worked.")
    for row in findings.itertuples():
        if row.kind == "at_risk_pairs":
            steps.append(f"Contact the {counted(int(row.value), 'pair')} without a recent meeting before they lapse.")
        elif row.kind == "significant_change" and row.change < 0:
            steps.append(f"Ask participants what lowered {charts.label(row.metric).lower()} since last quarter.")
        elif row.kind == "weakest_dimension":
            steps.append(f"Give {charts.label(row.metric).lower()}, the lowest-scoring dimension, room in the "
                         "next quarter's sessions.")
    return steps[:limit] or [NOTHING_TO_DO]


def objective_of(scorecard: pd.DataFrame, metric: str, program: str | None) -> dict | None:
    """The objective a tile of `metric` is judged by: the one set for the program in view, else the one for
    all programs; None when neither is set."""
    # Plain rows, not a frame's filters: the Overview asks once per tile on every run.
    rows = [row for row in scorecard.to_dict("records") if row["metric"] == metric]
    for wanted in (program, None) if program else (None,):
        found = [row for row in rows if (pd.isna(row["program"]) if wanted is None else row["program"] == wanted)]
        if found:
            return found[0]
    return None


def answers(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> list[Answer]:
    """The three answers for the period and filters, in the order a leader asks them."""
    why_not = impact.unavailable(con)
    block = None if why_not else impact.block(con, period, filters)
    findings = insights.findings(con, period, filters)
    findings = findings[findings["kind"] != "impact"]  # the second answer already gives it
    nothing = insights.nothing_found(con, period, filters) if findings.empty else ""
    return [objectives_answer(objectives.scorecard(con, period, filters)),
            impact_answer(block, why_not, settings.get(con, "smallest_effect_of_interest"),
                          settings.get(con, "min_group_size")),
            attention_answer(findings, nothing)]
