"""A survey exported again (reworded questions, new and corrected responses) is the same survey:
its responses are recognised, never loaded twice, and its questions keep their mapping."""
from __future__ import annotations

import csv
import io
from datetime import date

import pandas as pd
import pytest

from analytics.ingest.identity import SIMILAR, matched_items, similarity
from analytics.ingest.mapping import question_groups
from analytics.ingest.pipeline import Options, analyse, load
from analytics.measures import satisfaction
from analytics.measures.filters import Filters, Period
from tests import fixtures_formats as fx
from tests.conftest import ROOT

PULSE = ROOT / "sample_surveys" / "google_forms_newhire_pulse.csv"  # Google Forms: no response ids
MONKEY = ROOT / "sample_surveys" / "surveymonkey_midpoint.csv"       # SurveyMonkey: its own response ids
QUALTRICS = ROOT / "sample_surveys" / "qualtrics_leadership_exit.csv"  # Qualtrics: QIDs over the texts
ALL_TIME = Period.between(date(2025, 1, 1), date(2026, 12, 31))
NPS_QUESTION = "How likely are you to recommend the mentoring program to a colleague?"
GRID_STATEMENT = "[My mentoring relationship helped me expand my professional network]"


def rows_of(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def as_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode()


def reworded(rows: list[list[str]], old: str, new: str, header_row: int = 0) -> list[list[str]]:
    """The rows with every header cell of `header_row` containing `old` saying `new` there instead."""
    copy = [list(row) for row in rows]
    copy[header_row] = [cell.replace(old, new) for cell in copy[header_row]]
    assert copy[header_row] != rows[header_row], f"'{old}' is in no header"
    return copy


def demo_loaded(con, path) -> None:
    """The file loaded as the demo loads it (questions mapped as suggested, nothing saved)."""
    result = load(con, analyse(path.read_bytes(), path.name, con, Options(is_demo=True, accept_suggestions=True)))
    assert result.rows_loaded > 0


def stored_responses(con) -> int:
    return con.execute("SELECT count(*) FROM responses").fetchone()[0]


def headline_nps(con) -> tuple:
    """(n, NPS), the NPS None where it is hidden (a month of fewer than the minimum group size hides it)."""
    row = satisfaction.nps(con, ALL_TIME, Filters()).iloc[0]
    return row["n"], None if pd.isna(row["value"]) else round(row["value"], 6)


def counts(plan) -> tuple[int, int, int]:
    known = plan.responses_known
    return known.new, known.changed, known.stored


@pytest.mark.parametrize("path, header_row, old, new", [
    # finding 2: the NPS question reworded; Google Forms keys a question by its text
    (PULSE, 0, NPS_QUESTION, "How likely is it that you would recommend this mentoring program to a colleague?"),
    # a grid statement reworded: the shared preamble stays, the statement differs
    (PULSE, 0, GRID_STATEMENT, "[My mentoring relationship helped me grow my professional network]"),
    (MONKEY, 0, "How likely are you to recommend", "How likely is it that you would recommend"),
    (QUALTRICS, 1, "How likely are you to recommend", "How likely is it that you would recommend"),
])
def test_a_reworded_reexport_loads_nothing_again_and_asks_nothing(con, path, header_row, old, new):
    demo_loaded(con, path)
    before, nps_before = stored_responses(con), headline_nps(con)

    plan = analyse(as_bytes(reworded(rows_of(path), old, new, header_row)), "reexport.csv", con)

    assert plan.ok, plan.error and plan.error.message
    assert plan.open_questions().empty  # the reworded question keeps its mapping
    assert counts(plan) == (0, 0, before)
    result = load(con, plan)
    assert (result.rows_loaded, result.rows_duplicate) == (0, before)
    assert stored_responses(con) == before
    assert headline_nps(con) == nps_before
    assert con.execute("SELECT count(DISTINCT survey_id) FROM responses").fetchone()[0] == 1


def test_the_exact_file_again_asks_no_mapping_question(con):
    demo_loaded(con, PULSE)
    plan = analyse(PULSE.read_bytes(), PULSE.name, con)
    assert plan.ok and plan.open_questions().empty
    assert counts(plan) == (0, 0, stored_responses(con))


def test_new_and_corrected_responses_are_counted_then_added_and_updated_in_place(con):
    demo_loaded(con, PULSE)
    rows = rows_of(PULSE)
    header, body = rows[0], rows[1:]
    nps_column = header.index(NPS_QUESTION)
    changed = [list(row) for row in body]
    for row in changed[:2]:  # two corrected answers: the NPS score moves by one point
        row[nps_column] = str(int(row[nps_column]) - 1 if row[nps_column] != "0" else 1)
    extra = [list(row) for row in body[:5]]
    for n, row in enumerate(extra):  # five new respondents
        row[0], row[2] = f"9/30/2026 10:0{n}:00", f"E9990{n}"
    to_a_friend = "How likely are you to recommend the mentoring program to a friend?"
    reexport = as_bytes([reworded([header], NPS_QUESTION, to_a_friend)[0],
                         *changed, *extra])

    plan = analyse(reexport, "pulse-again.csv", con)

    assert counts(plan) == (5, 2, len(body) - 2)
    result = load(con, plan)
    assert (result.rows_loaded, result.rows_duplicate) == (7, len(body) - 2)
    assert stored_responses(con) == len(body) + 5
    person = body[0][2]
    stored_nps = con.execute("""SELECT a.value_num FROM answers a JOIN responses r USING (response_id)
                                JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
                                WHERE i.dimension = 'nps' AND r.respondent_id = ? ORDER BY 1""", [person]).fetchall()
    # the corrected answer replaced the stored one, beside this person's other responses
    assert stored_nps == sorted((float(row[nps_column]),) for row in changed if row[2] == person)


def test_only_a_truly_new_question_is_asked_about(con):
    demo_loaded(con, PULSE)
    rows = reworded(rows_of(PULSE), NPS_QUESTION,
                    "How likely is it that you would recommend this mentoring program to a colleague?")
    rows[0].append("Which meeting format worked best for you?")
    for row in rows[1:]:
        row.append("Video call")

    plan = analyse(as_bytes(rows), "pulse-new-question.csv", con)

    assert plan.open_questions()["question_text"].tolist() == ["Which meeting format worked best for you?"]
    assert counts(plan) == (0, len(rows) - 1, 0)  # every response gains an answer


GRID = "Thinking about the last few months, how much do you agree? [{}]"


@pytest.mark.parametrize("text, other, same_question", [
    (NPS_QUESTION, "How likely is it that you would recommend this mentoring program to a colleague?", True),
    (NPS_QUESTION, "How likely are you to recommend the mentoring program to a friend?", True),
    (NPS_QUESTION, "Overall, how satisfied are you with the mentoring program?", False),
    (NPS_QUESTION, "How likely are you to recommend it to a friend?", False),  # too far: asked, not guessed
    # grid statements share their question: the statements decide
    (GRID.format("My mentoring relationship helped me expand my professional network"),
     GRID.format("My mentoring relationship helped me grow my professional network"), True),
    (GRID.format("Mentoring helped me develop new skills"),
     GRID.format("I am satisfied with my job"), False),
    ("Thinking about the last few months - I have a strong network",
     "Thinking about the past few months - I have a strong network", True),
    ("Q — I am satisfied with my job", "Q — I feel my manager values my work", False),
])
def test_a_question_is_the_stored_one_reworded_from_a_similarity_of_SIMILAR(text, other, same_question):
    assert (similarity(text, other) >= SIMILAR) is same_question


@pytest.mark.parametrize("questions, stored, expected", [
    # a stored item id is matched by id, whatever the text says now (Qualtrics QIDs)
    ([("Q3", "Would you recommend us?")], [("Q3", NPS_QUESTION)], {}),
    # one to one, the most similar first: the reworded question takes the stored item, the new one none
    ([("a", "How likely is it that you would recommend this mentoring program?"),
      ("b", "How likely are you to recommend the mentoring program to a friend?")],
     [("nps", NPS_QUESTION)], {"b": "nps"}),
    ([("new", "Which meeting format worked best for you?")], [("nps", NPS_QUESTION)], {}),
])
def test_questions_match_stored_items_by_id_then_by_text(questions, stored, expected):
    assert matched_items(questions, stored) == expected


@pytest.mark.parametrize("questions, expected", [
    # a grid's question is said once, above its statements
    ([("a", "How much do you agree? [I grew my network]"), ("b", "How much do you agree? [I learnt skills]"),
      ("c", "Any comments?")],
     [("How much do you agree?", [("a", "I grew my network"), ("b", "I learnt skills")]),
      ("", [("c", "Any comments?")])]),
    # a statement alone keeps its question; Qualtrics and SurveyMonkey separators
    ([("Q1_2", "Thinking back - I have a network")], [("", [("Q1_2", "Thinking back - I have a network")])]),
    ([("x", "Q — one"), ("y", "Q — two")], [("Q", [("x", "one"), ("y", "two")])]),
    ([], []),
])
def test_a_grid_question_is_asked_once_above_its_statements(questions, expected):
    assert question_groups(questions) == expected


def generic_survey(question: str, wave: str) -> bytes:
    return as_bytes([["submitted_at", "respondent_id", "wave", question],
                     ["2026-04-03", "E1", wave, "9"], ["2026-04-03", "E2", wave, "6"]])


@pytest.mark.parametrize("question, wave, expected_counts, surveys", [
    # the same people on the same day, reworded: a re-export
    ("How likely is it that you would recommend the mentoring program to a colleague?", "exit", (0, 0, 2), 1),
    # the same people on the same day, but no question in common: another survey
    ("How satisfied are you with your job, from 0 to 10?", "exit", (2, 0, 0), 2),
    # the same question, but another wave: another survey
    ("How likely is it that you would recommend the mentoring program to a colleague?", "pulse", (2, 0, 0), 2),
])
def test_responses_of_the_same_people_at_the_same_time_are_one_survey_only_if_it_shares_questions(
        con, question, wave, expected_counts, surveys):
    load(con, analyse(generic_survey(NPS_QUESTION, "exit"), "exit.csv", con, Options(accept_suggestions=True)))
    plan = analyse(generic_survey(question, wave), "other.csv", con)
    assert counts(plan) == expected_counts
    load(con, plan)
    assert con.execute("SELECT count(DISTINCT survey_id) FROM responses").fetchone()[0] == surveys


def test_a_reworded_ms_forms_reexport_is_recognised_by_its_own_ids_and_times(con):
    # Microsoft Forms numbers responses per form (1, 2 …): an id and its submission time are the response,
    # also for the anonymous row, which has no respondent to match on.
    original = fx.ms_forms_xlsx()
    load(con, analyse(original, "exit.xlsx", con, Options(accept_suggestions=True)))
    header = [cell.replace("Which sessions helped?", "Which of the sessions helped?") for cell in fx.MS_HEADER]
    plan = analyse(fx.ms_forms_xlsx(header), "exit-again.xlsx", con)
    assert counts(plan) == (0, 0, 2)


def test_an_anonymous_reexport_is_recognised_by_the_files_own_ids_and_times(con):
    def survey(question: str) -> bytes:  # per-file response ids, no respondents
        return as_bytes([["response_id", "submitted_at", "wave", question],
                         ["1", "2026-04-03 09:00", "exit", "9"], ["2", "2026-04-03 09:05", "exit", "6"]])
    load(con, analyse(survey(NPS_QUESTION), "exit.csv", con, Options(accept_suggestions=True)))
    plan = analyse(survey("How likely is it that you would recommend the mentoring program to a colleague?"),
                   "exit-again.csv", con)
    assert counts(plan) == (0, 0, 2)
