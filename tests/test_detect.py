"""detect_format / detect_kind from header rows."""
from __future__ import annotations

import fixtures_formats as F
import pytest

from analytics.ingest.detect import detect_format, detect_kind
from analytics.ingest.errors import FileRefused
from analytics.ingest.read import RawTable, read_raw


def table(*rows: list[str]) -> RawTable:
    return RawTable([list(r) for r in rows], "utf-8", ",", "csv")


@pytest.mark.parametrize("data, name, fmt", [
    (F.qualtrics_current_de(), "q.csv", "qualtrics"),
    (F.qualtrics_2016(), "q.csv", "qualtrics_2016"),
    (F.qualtrics_legacy(), "q.csv", "qualtrics_legacy"),
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", "surveymonkey"),
    (F.surveymonkey("mac-roman", "\r"), "sm.csv", "surveymonkey"),
    (F.google_forms_csv(), "g.csv", "google_forms"),
    (F.google_forms_xlsx(), "g.xlsx", "google_forms"),
    (F.ms_forms_xlsx(), "ms.xlsx", "ms_forms"),
    (F.ms_forms_csv_cp1252(), "ms.csv", "ms_forms"),
    (F.generic_semicolon(), "s.csv", "generic"),
    (F.generic_utf16(), "s.txt", "generic"),
])
def test_format_of_each_fixture(data, name, fmt):
    raw = read_raw(data, name)
    assert detect_format(raw) == fmt
    assert detect_kind(raw, fmt) == "survey"


@pytest.mark.parametrize("rows, fmt", [
    # older SurveyMonkey exports: RespondentID without a Collector ID, told by row 2
    ((["RespondentID", "StartDate", "EndDate", "Q"], ["", "", "", "Response"]), "surveymonkey"),
    ((["Horodateur", "Q"], ["2019-08-21", "x"]), "google_forms"),
    ((["ID", "Start time", "Completion time", "Email", "Q"],), "ms_forms"),
    ((["submitted_at", "nps"], ["2026-01-01", "9"]), "generic"),
])
def test_format_from_header_rows(rows, fmt):
    assert detect_format(table(*rows)) == fmt


@pytest.mark.parametrize("header, kind", [
    (["Participant ID", "Role", "Department"], "participants"),
    (["pair_id", "mentor_id", "mentee_id", "matched_on", "program"], "pairs"),
    (["Pair ID", "Meeting date", "Duration"], "sessions"),
    # 'Date' is a survey timestamp too, but the sessions columns are the more specific fit
    (["pair_id", "Date", "topic"], "sessions"),
    (["goal_id", "pair_id", "due_on"], "goals"),
    (["Employee ID", "Hire date", "Department"], "employees"),
    (["submitted_at", "respondent_id", "nps"], "survey"),
])
def test_kind_of_generic_files(header, kind):
    assert detect_kind(table(header), "generic") == kind


AGREE = "How much do you agree? [{}]"


@pytest.mark.parametrize("header, row, kind", [
    # a Google Forms export without its Timestamp column: the id, role and program a participants
    # file has too, and a wave and questions (long headers, answers on a scale) only a survey has
    pytest.param(["Email Address", "Employee ID", "Program", "Role", "Wave", AGREE.format("I learned new skills"),
                  AGREE.format("I met new people"), "Overall, how satisfied are you with the program?"],
                 ["a@example.com", "E1", "Leaders", "mentee", "exit", "Agree", "Strongly disagree", "Satisfied"],
                 "survey", id="survey-without-timestamp"),
    pytest.param(["participant_id", "role", "Q1", "Q2", "Q3"], ["E1", "mentee", "Agree", "Neutral", "4 - Agree"],
                 "survey", id="short-headers-scale-answers"),
    pytest.param(["submitted_at", "participant_id", "role", "networking", "career_clarity", "nps"], [],
                 "survey", id="dimension-code-questions"),
    # a platform file with a column that looks like a survey's, or no more of them than its own, stays that kind
    pytest.param(["Employee ID", "Role", "Comment"], ["E1", "mentee", "Great mentor"], "participants",
                 id="one-stray-column"),
    pytest.param(["participant_id", "role", "department", "level", "Q1", "Q2"], ["E1", "mentee", "Sales", "L2",
                                                                                "Agree", "Agree"],
                 "participants", id="as-many-own-columns"),
    pytest.param(["Pair ID", "Meeting date", "Duration", "How did it go?", "What did you discuss?"],
                 ["P1", "2026-01-05", "30", "Good", "Goals"], "sessions", id="sessions-with-notes"),
])
def test_a_file_with_more_survey_columns_than_platform_columns_is_a_survey(header, row, kind):
    assert detect_kind(table(header, row), "generic") == kind


@pytest.mark.parametrize("header", [
    ["name", "favourite colour"],
    ["submitted_at", "respondent_id"],  # a survey without a single question
])
def test_unknown_kind_is_refused_with_the_columns_and_what_each_kind_needs(header):
    with pytest.raises(FileRefused) as caught:
        detect_kind(table(header), "generic")
    message = str(caught.value)
    assert all(f"'{c}'" in message for c in header)
    assert "pairs: pair_id, mentor_id, mentee_id, matched_on" in message
    assert "survey: submitted_at" in message
