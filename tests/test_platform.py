"""Validation of platform exports: each bad row rejected with its reason."""
from __future__ import annotations

import pytest

from analytics.ingest.errors import DATE_FIX, NUMBER_FIX, FileRefused, NeedsMapping
from analytics.ingest.platform import parse_platform
from tests.builders import staged_csv as table

PAIRS = ["Pair ID", "Mentor", "Mentee ID", "Match date", "End reason"]


@pytest.mark.parametrize("kind, header, row, column, reason", [
    ("pairs", PAIRS, ["", "M1", "E1", "2026-01-05", ""], "pair_id", "pair_id is empty"),
    ("pairs", PAIRS, ["P1", "M1", "M1", "2026-01-05", ""], "mentee_id", "mentor and mentee are the same person"),
    ("pairs", PAIRS, ["P1", "M1", "E1", "2026-02-30", ""], "matched_on", "'2026-02-30' in matched_on is not a date" + DATE_FIX),
    ("pairs", PAIRS, ["P1", "M1", "E1", "2026-01-05", "bored"], "end_reason",
     "'bored' is not a known end_reason (use one of: completed, left_organization, other, rematched, withdrawn)"),
    ("sessions", ["pair_id", "date", "duration"], ["P1", "2026-01-05", "-30"], "duration_minutes",
     "duration_minutes is negative (-30)"),
    ("sessions", ["pair_id", "date", "duration"], ["P1", "2026-01-05", "an hour"], "duration_minutes",
     "'an hour' in duration_minutes is not a number" + NUMBER_FIX),
    ("sessions", ["pair_id", "date", "status"], ["P1", "2026-01-05", "postponed"], "status",
     "'postponed' is not a known status (use one of: cancelled, held, no_show)"),
    ("employees", ["Employee ID", "Hire date", "Termination date"], ["E1", "2024-05-01", "2023-01-01"],
     "terminated_on", "terminated_on is before hired_on"),
    ("participants", ["participant_id", "role"], ["E1", "sponsor"], "role",
     "'sponsor' is not a known role (use one of: mentee, mentor)"),
    ("goals", ["goal_id", "pair_id", "set_on", "due_on"], ["G1", "P1", "2026-03-01", "2026-01-01"], "due_on",
     "due_on is before set_on"),
])
def test_a_bad_row_is_rejected_with_its_reason(kind, header, row, column, reason):
    good = {"pairs": ["P9", "M9", "E9", "2026-01-05", "completed"],
            "sessions": ["P9", "2026-01-05", "60"] if "duration" in header else ["P9", "2026-01-05", "held"],
            "employees": ["E9", "2020-01-01", ""], "participants": ["E9", "mentee"],
            "goals": ["G9", "P9", "2026-01-01", "2026-03-01"]}[kind]
    batch = parse_platform(table(header, good, row), kind, "f.csv")
    assert batch.rejected == [{"row_number": 3, "column": column, "reason": reason, "raw": ",".join(row)}]
    assert list(batch.frame.index) == [2]


@pytest.mark.parametrize("value, expected", [
    ("Completed", "completed"), ("Left Organization", "left_organization"), ("withdrawn", "withdrawn"),
    ("", None),
])
def test_end_reasons_are_normalised(value, expected):
    batch = parse_platform(table(PAIRS, ["P1", "M1", "E1", "2026-01-05", value]), "pairs", "f.csv")
    assert batch.frame.at[2, "end_reason"] == expected


@pytest.mark.parametrize("text, expected", [
    ("45", 45.0), ("45,5", "is not a number"),  # a comma file's decimal comma is read only in ';' files
    # Longer than a double holds exactly: read (not a crash), then too long for a meeting.
    ("12345678901234567", r"is over 1440 \(24 hours\): 12345678901234567"),
    ("1e3", 1000.0), ("inf", "is not a number"), ("1e400", "is not a number"), ("nan", "is not a number"),
])
def test_durations_read_as_numbers(text, expected):
    file = table(["pair_id", "occurred_on", "duration_minutes"], ["P1", "2026-01-05", text])
    if isinstance(expected, str):  # the only row is bad: the file is refused, naming the reason
        with pytest.raises(FileRefused, match=expected):
            parse_platform(file, "sessions", "s.csv")
    else:
        assert parse_platform(file, "sessions", "s.csv").frame.at[2, "duration_minutes"] == expected


@pytest.mark.parametrize("status, fmt, expected_status, expected_format", [
    ("", "Zoom", "held", "video"), ("Canceled", "in person", "cancelled", "in_person"),
    ("No-show", "Phone", "no_show", "phone"),
])
def test_session_status_defaults_to_held_and_synonyms_map(status, fmt, expected_status, expected_format):
    batch = parse_platform(table(["Pair ID", "Meeting date", "Status", "Format"],
                                 ["P1", "2026-01-05", status, fmt]), "sessions", "s.csv")
    assert (batch.frame.at[2, "status"], batch.frame.at[2, "format"]) == (expected_status, expected_format)


def test_sessions_without_ids_get_a_stable_natural_key():
    batch = parse_platform(table(["pair_id", "occurred_on"], ["P1", "2026-01-05T14:30:00Z"],
                                 ["P1", "2026-01-06"]), "sessions", "s.csv")
    assert batch.frame["session_id"].tolist() == ["P1@2026-01-05T14:30", "P1@2026-01-06T00:00"]
    assert batch.frame["occurred_on"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-05", "2026-01-06"]


def test_duplicate_keys_inside_a_file_reject_the_later_row():
    batch = parse_platform(table(["employee_id", "hired_on"], ["E1", "2020-01-01"], ["E2", "2020-01-01"],
                                 ["E1", "2021-01-01"]), "employees", "hr.csv")
    assert [(p["row_number"], p["reason"]) for p in batch.rejected] == [(4, "duplicate employee_id 'E1' (first on row 2)")]


def test_decimal_commas_in_semicolon_files():
    batch = parse_platform(table(["pair_id", "occurred_on", "duration_minutes"], ["P1", "2026-01-05", "45,5"]),
                           "sessions", "s.csv", decimal_comma=True)
    assert batch.frame.at[2, "duration_minutes"] == 45.5


@pytest.mark.parametrize("rows, match", [
    ([["P1", "M1"]], r"pairs.csv: this pairs file has no 'mentee_id', 'matched_on' column"),
    ([], None),
])
def test_missing_required_columns_refuse_the_file(rows, match):
    header = ["pair_id", "mentor_id"]
    with pytest.raises(FileRefused, match=match or "has no"):
        parse_platform(table(header, *rows), "pairs", "pairs.csv")


def test_a_file_where_no_row_is_usable_is_refused_with_the_first_problem():
    with pytest.raises(FileRefused, match=r"none of the 2 rows can be loaded; the first problem is on row 2"):
        parse_platform(table(["employee_id", "hired_on"], ["E1", "soon"], ["E2", "later"]), "employees", "hr.csv")


@pytest.mark.parametrize("day_first, expected", [(True, "2026-04-03"), (False, "2026-03-04")])
def test_ambiguous_dates_ask_unless_the_user_said(day_first, expected):
    rows = [["E1", "03/04/2026"]]
    with pytest.raises(NeedsMapping, match="day-first or month-first"):
        parse_platform(table(["employee_id", "hired_on"], *rows), "employees", "hr.csv")
    batch = parse_platform(table(["employee_id", "hired_on"], *rows), "employees", "hr.csv", day_first=day_first)
    assert batch.frame.at[2, "hired_on"].strftime("%Y-%m-%d") == expected


def test_a_column_that_tells_its_own_order_needs_no_question():
    batch = parse_platform(table(["employee_id", "hired_on"], ["E1", "03/04/2026"], ["E2", "25/04/2026"]),
                           "employees", "hr.csv")
    assert batch.frame["hired_on"].dt.strftime("%Y-%m-%d").tolist() == ["2026-04-03", "2026-04-25"]


def test_columns_the_kind_does_not_use_are_listed_not_stored():
    batch = parse_platform(table(["pair_id", "occurred_on", "Room booked", "Notes"], ["P1", "2026-01-05", "B2", "x"]),
                           "sessions", "s.csv")
    assert batch.unmapped_columns == ["Room booked", "Notes"]
    assert "Room booked" not in batch.frame.columns


@pytest.mark.parametrize("day", [
    lambda i: f"2026-01-{1 + i % 28:02d}",         # plain: cast in SQL
    lambda i: f"{1 + i % 12}/{1 + i % 28}/2026",   # 336 slash spellings: a lookup table, joined in parallel
])
def test_good_rows_keep_the_files_order_however_many(day):
    # Enough rows for DuckDB to work in parallel, which may reorder them.
    rows = [[f"S{i}", f"P{i % 97}", day(i), ["held", "Canceled", "no-show"][i % 3]] for i in range(400_000)]
    batch = parse_platform(table(["session_id", "pair_id", "occurred_on", "status"], *rows), "sessions", "s.csv")
    assert not batch.rejected
    assert batch.rows["row_number"].to_pylist() == list(range(2, 400_002))
