"""The Overview's three answers: each rule's sentence and tone, then the demo's answers end to end."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.measures import objectives
from analytics.measures.filters import Filters, Period
from analytics.measures.impact_stats import DIFFERENCE, INCONCLUSIVE, NO_MEANINGFUL_DIFFERENCE
from analytics.present import verdict
from analytics.present.verdict import BAD, GOOD, NEUTRAL, WARNING
from analytics.store import connection


def _card(*rows: tuple[str, float | None, int]) -> pd.DataFrame:
    return pd.DataFrame([{"status": status, "objective": f"Objective {i}", "value": value, "unit": "nps", "n": n}
                         for i, (status, value, n) in enumerate(rows, 1)],
                        columns=["status", "objective", "value", "unit", "n"])


ON, RISK, OFF, NONE = objectives.ON_TRACK, objectives.AT_RISK, objectives.OFF_TRACK, objectives.NOT_MEASURABLE


@pytest.mark.parametrize("rows, tone, headline, details", [
    ((), NEUTRAL, "No objectives are set yet, so there is no target to judge against.", []),
    (((ON, 30, 50),), GOOD, "1 of 1 objective on track.", []),
    (((ON, 30, 50), (RISK, 15, 40)), WARNING, "1 of 2 objectives on track, 1 at risk.",
     ["At risk: Objective 2 (now +15, n = 40)"]),
    # off track first among the misses, whatever the scorecard's order
    (((RISK, 15, 40), (OFF, -20, 276), (NONE, None, 0)), BAD,
     "0 of 3 objectives on track, 1 at risk, 1 off track, 1 not measurable.",
     ["Off track: Objective 2 (now -20, n = 276)", "At risk: Objective 1 (now +15, n = 40)"]),
    (((NONE, None, 0),), NEUTRAL, "0 of 1 objective on track, 1 not measurable.", []),
])
def test_the_scorecard_reads_as_a_sentence_and_a_tone(rows, tone, headline, details):
    answer = verdict.objectives_answer(_card(*rows))
    assert (answer.tone, answer.headline, answer.details) == (tone, headline, details)


def _found(reading, difference=0.06, suppressed=False, n=120):
    return {"reading": reading, "difference": difference, "ci_low": difference - 0.04, "ci_high": difference + 0.04,
            "suppressed": suppressed, "n_participants": n, "n_comparison": 900, "mde_80": 0.05}


@pytest.mark.parametrize("found, tone, headline", [
    (_found(DIFFERENCE, 0.06), GOOD, "Yes: participants stay longer than comparable colleagues."),
    (_found(DIFFERENCE, -0.06), BAD, "Not for retention: participants leave more often than comparable colleagues."),
    (_found(NO_MEANINGFUL_DIFFERENCE, 0.0), WARNING,
     "Not on retention: participants stay about as often as comparable colleagues."),
    # never "no effect" for "we can't tell"
    (_found(INCONCLUSIVE, 0.03), NEUTRAL, "Too early to tell: the retention comparison is inconclusive."),
    (_found(DIFFERENCE, 0.06, suppressed=True), NEUTRAL, "Cannot be told from these figures yet."),
    (_found(None, n=0), NEUTRAL, "Cannot be told from these figures yet."),
])
def test_the_impact_reading_sets_the_tone(found, tone, headline):
    answer = verdict.impact_answer({"retention_12m": found}, None, 0.05, 5)
    assert (answer.tone, answer.headline) == (tone, headline)
    assert len(answer.details) == 1 and answer.details[0]


def test_without_an_employee_file_the_impact_answer_says_what_to_load():
    answer = verdict.impact_answer(None, "No employee file is loaded.", 0.05, 5)
    assert (answer.tone, answer.details) == (NEUTRAL, ["No employee file is loaded."])


@pytest.mark.parametrize("messages, tone, headline, details", [
    ([], GOOD, "Nothing stands out.", []),
    (["A"], WARNING, "A", []),
    (["A", "B", "C", "D"], WARNING, "A", ["B", "C"]),
])
def test_attention_lists_the_top_findings(messages, tone, headline, details):
    answer = verdict.attention_answer(pd.DataFrame({"message": messages}), "Nothing stands out.")
    assert (answer.tone, answer.headline, answer.details) == (tone, headline, details)


def test_the_demo_answers_all_three_questions(demo_file):
    con = connection.connect(demo_file, read_only=True)
    answers = verdict.answers(con, Period.parse("2026Q2"), Filters())
    assert [a.question for a in answers] == ["Is it meeting its objectives?", "Is it making a difference?",
                                             "What needs attention now?"]
    card = objectives.scorecard(con, Period.parse("2026Q2"), Filters())
    assert answers[0].headline.startswith(f"{(card['status'] == ON).sum()} of {len(card)} objectives on track")
    assert all(a.tone in (GOOD, WARNING, BAD, NEUTRAL) for a in answers)
    assert answers[2].headline and len(answers[2].details) <= verdict.TOP_FINDINGS - 1


def _steps_card(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{"status": status, "metric_label": label} for status, label in rows],
                        columns=["status", "metric_label"])


def _findings(*rows: tuple[str, str | None, float | None, float | None]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["kind", "metric", "value", "change"])


PLAN = "Plan an improvement for {} ({} against its target) and log it, so that the next quarters show whether it worked."


@pytest.mark.parametrize("card, findings, steps", [
    (_steps_card(), _findings(), [verdict.NOTHING_TO_DO]),
    (_steps_card((ON, "Net Promoter Score")), _findings(), [verdict.NOTHING_TO_DO]),
    # off track before at risk, then the findings' asks in their order
    (_steps_card((RISK, "Overall satisfaction"), (OFF, "Net Promoter Score")),
     _findings(("at_risk_pairs", "at_risk_pairs", 17, None), ("significant_change", "networking", 3.1, -0.2),
               ("significant_change", "career_clarity", 3.6, 0.3)),
     [PLAN.format("net promoter score", "off track"), PLAN.format("overall satisfaction", "at risk"),
      "Contact the 17 pairs without a recent meeting before they lapse.",
      "Ask participants what lowered networking since last quarter."]),
    (_steps_card(), _findings(("at_risk_pairs", "at_risk_pairs", 1, None), ("weakest_dimension", "networking", 2.7, None)),
     ["Contact the 1 pair without a recent meeting before they lapse.",
      "Give networking, the lowest-scoring dimension, room in the next quarter's sessions."]),
])
def test_next_steps_come_from_missed_objectives_then_findings(card, findings, steps):
    assert verdict.next_steps(card, findings) == steps


SCORECARD = pd.DataFrame({"metric": ["nps", "nps", "active_pair_rate"], "program": [None, "Beta", "Beta"],
                          "objective_id": [1, 2, 3]})


@pytest.mark.parametrize("metric, program, objective_id", [
    ("nps", None, 1),                 # all programs in view: the objective for all programs
    ("nps", "Beta", 2),               # the program's own objective first
    ("nps", "Alpha", 1),              # else the one for all programs
    ("active_pair_rate", None, None),  # only Beta's: nothing judges the all-programs tile
    ("active_pair_rate", "Beta", 3),
    ("goal_attainment_rate", None, None),
])
def test_a_tile_is_judged_by_its_programs_objective_else_the_organisations(metric, program, objective_id):
    found = verdict.objective_of(SCORECARD, metric, program)
    assert (found and found["objective_id"]) == objective_id


@pytest.mark.parametrize("card, reading, difference, said", [
    ((), INCONCLUSIVE, 0.03,
     "No objectives are set yet, and it is too early to tell whether participants stay longer than comparable "
     "colleagues."),
    (((ON, 30, 50), (OFF, -20, 276)), DIFFERENCE, 0.06,
     "1 of 2 objectives on track, 1 off track, and participants stay longer than comparable colleagues."),
    (((ON, 30, 50),), DIFFERENCE, -0.06,
     "1 of 1 objective on track, and participants leave more often than comparable colleagues."),
    (((RISK, 15, 40),), NO_MEANINGFUL_DIFFERENCE, 0.0,
     "0 of 1 objective on track, 1 at risk, and participants stay about as often as comparable colleagues."),
])
def test_the_verdict_is_one_sentence(card, reading, difference, said):
    answers = [verdict.objectives_answer(_card(*card)),
               verdict.impact_answer({"retention_12m": _found(reading, difference)}, None, 0.05, 5)]
    assert verdict.sentence(answers) == said
