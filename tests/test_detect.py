"""detect_format / detect_kind from header rows."""
from __future__ import annotations

import pytest

import fixtures_formats as F
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
