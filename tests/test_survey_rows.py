"""Survey rows → responses, rejects, answers and stored rows. Expected values are what the
row-by-row parser gave for the same files; the SQL parser must give them exactly."""
from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from analytics.ingest.errors import DATE_FIX, NeedsMapping
from analytics.ingest.pipeline import Options, analyse, load
from tests import fixtures_formats as fx

PARTICIPANTS = b"participant_id,role,email\nE7,mentee,Nadia.Schmidt@Example.com\n"


def survey(rows: list[list[str]]) -> bytes:
    return fx.csv_text(rows).encode()


def dates_file(cells: list[str]) -> bytes:
    return survey([["submitted_at", "nps"]] + [[cell, str(n % 11)] for n, cell in enumerate(cells)])


# A month-first column (4/27/2025 says so): cell → submitted_at, None when rejected as not a date.
DATES = [
    ("4/27/2025 8:00:14", datetime(2025, 4, 27, 8, 0, 14)),
    ("1/2/25 1:05 pm", datetime(2025, 1, 2, 13, 5)),
    ("1.2.2025", datetime(2025, 1, 2)),
    ("1/2/2025 25:00", datetime(2025, 1, 3, 1, 0)),  # pandas adds times to the date
    ("1/2/2025 10:75", datetime(2025, 1, 2, 11, 15)),
    ("2/30/2025", None),
    ("13/13/2025", None),
    ("1/2/1951", datetime(1951, 1, 2)),
    ("1/2/26", datetime(2026, 1, 2)),  # a two-digit year within the plausible range
    ("1/2/70 12:00 AM", datetime(1970, 1, 2)),
    ("12/31/1999 12:30:15 p.m.", datetime(1999, 12, 31, 12, 30, 15)),
    ("2025-01-05", datetime(2025, 1, 5)),
    ("2025-01-05T10:00:00Z", datetime(2025, 1, 5, 10, 0)),
    ("2025-01-05 14:30:00+02", datetime(2025, 1, 5, 12, 30)),  # short offsets, beside zoneless times
    ("2025-01-05T14:30+05:30", datetime(2025, 1, 5, 9, 0)),
    ("2025-01-05T14:30:00.123456789+05:30", datetime(2025, 1, 5, 9, 0, 0, 123456)),  # to the microsecond
    ("2025-01-05 23:30:00 -0200", datetime(2025, 1, 6, 1, 30)),
    ("45000", datetime(2023, 3, 15)),  # an Excel serial day
    ("x", None),
    ("2025-02-30", None),
    ("2025-1-5", datetime(2025, 1, 5)),
    ("1/2/2025\t3:00", None),
    ("01/02/2025 00:00:00 PM", datetime(2025, 1, 2, 12, 0)),
    ("2025-01-05 23:59", datetime(2025, 1, 5, 23, 59)),
    ("2025-01-05T08:30", datetime(2025, 1, 5, 8, 30)),  # read in SQL, as parse_dates reads it
    ("1951-03-04", datetime(1951, 3, 4)),
    ("1999-12-31 24:00:00", None),
    ("1/2/2025 13:00 PM", datetime(2025, 1, 2, 13, 0)),
    ("'1/3/2025", datetime(2025, 1, 3)),
    ("1/2/2025, 3:04", datetime(2025, 1, 2, 3, 4)),
]


def test_dates_of_every_shape():
    plan = analyse(dates_file([cell for cell, _ in DATES]), "d.csv")
    assert plan.ok, plan.error
    got = dict(zip(plan.batch.responses["row_number"], plan.batch.responses["submitted_at"]))
    rejected = {r["row_number"]: r["reason"] for r in plan.rejected}
    for row, (cell, expected) in enumerate(DATES, start=2):
        if expected is None:
            assert row not in got and rejected[row] == f"'{cell}' is not a date{DATE_FIX}", cell
        else:
            assert got[row] == expected, cell


# Day/month order is decided once for the column, whichever parser reads each date.
@pytest.mark.parametrize("cells, options, expected", [
    (["1/2/1951", "27/4/2025"], Options(), [datetime(1951, 2, 1), datetime(2025, 4, 27)]),
    (["1/2/2025", "27/4/1951"], Options(), [datetime(2025, 2, 1), datetime(1951, 4, 27)]),
    (["1/2/2025", "3/4/2025"], Options(day_first=True), [datetime(2025, 2, 1), datetime(2025, 4, 3)]),
    (["1/2/2025", "3/4/2025"], Options(day_first=False), [datetime(2025, 1, 2), datetime(2025, 3, 4)]),
    (["1/2/2025", "3/4/2025"], Options(), "could be 3 April or March 4"),
    (["13/1/2025", "1/13/2025"], Options(), "both day/month orders"),
    (["1/2/2025", "27/4/2025 9:00 Z"], Options(), "could be 3 April or March 4"),
])
def test_day_month_order(cells, options, expected):
    plan = analyse(dates_file(cells), "d.csv", options=options)
    if isinstance(expected, str):
        assert isinstance(plan.error, NeedsMapping) and expected in str(plan.error)
        assert plan.error.ambiguous_dates == ["submitted_at"]
    else:
        assert list(plan.batch.responses.sort_values("row_number")["submitted_at"]) == expected


EDGE = survey([
    ["submitted_at", "response_id", "email", "wave", "program", "overall_satisfaction", "nps", "Comments",
     "Which topics?"],
    ["2026-04-03", "A1", "X@Example.org", "Exit", "", "Strongly agree", "9", "Great stuff really", "a;b"],
    ["", "A2", "anonymous", "exit", "P", "Agree", "6", "ok", "a"],
    ["2026-13-45", "A3", "", "exit", "", "Agree", "6", "", ""],
    ["2026-04-05", "A1", "y@example.org", "exit", "", "Agree", "10", "dup", "b"],
    ["2026-04-06", "A4", "ANONYMOUS", "final", "", "Neutral", "0", "x", "c"],
    ["", "", "", "", "", "", "", "", ""],
    ["2026-04-07 10:11:12", "", "nadia.schmidt@example.com", "", "", "Disagree", "", "  spaced  ", "a;b"],
    ["2026-04-07 10:11:12", "", "nadia.schmidt@example.com", "", "", "Disagree", "", "  spaced  ", "a;b"],
    ["4/3/2026 14:00", "", "q@example.org", "baseline", "", "Strongly disagree", "3", "Good", "b"],
    ["13/3/2026", "A9", "", "pulse", "", "N/A", "n/a", "", ""],
    ["2026-04-08T09:00:00Z", "A10", "", "pulse", "", "agree", "7", "", ""],
    ["45000", "A11", "", "pulse", "", "AGREE", "7.5", "", ""],
])
SURVEY = "generic-465c10e31f34"
# row → response id (after the survey id), email, wave, submitted_at
EDGE_RESPONSES = [
    (2, "A1", "x@example.org", "exit", datetime(2026, 4, 3)),
    (8, "0acb116c667df7f1", "nadia.schmidt@example.com", "pulse", datetime(2026, 4, 7, 10, 11, 12)),
    (10, "2b946c8111941a95", "q@example.org", "baseline", datetime(2026, 3, 4, 14, 0)),
    (11, "A9", None, "pulse", datetime(2026, 3, 13)),
    (12, "A10", None, "pulse", datetime(2026, 4, 8, 9, 0)),
    (13, "A11", None, "pulse", datetime(2023, 3, 15)),
]
EDGE_REJECTED = [
    (3, "submitted_at", "submitted_at is empty", ",A2,anonymous,exit,P,Agree,6,ok,a"),
    (4, "submitted_at", "'2026-13-45' is not a date" + DATE_FIX, "2026-13-45,A3,,exit,,Agree,6,,"),
    (5, None, f"duplicate response id '{SURVEY}:A1'", "2026-04-05,A1,y@example.org,exit,,Agree,10,dup,b"),
    (6, "wave", "wave 'final' is not one of baseline, midpoint, exit, pulse",
     "2026-04-06,A4,ANONYMOUS,final,,Neutral,0,x,c"),
    (9, None, f"duplicate response id '{SURVEY}:0acb116c667df7f1'",
     "2026-04-07 10:11:12,,nadia.schmidt@example.com,,,Disagree,,spaced,a;b"),
]
# response id → respondent_id stored: a participant's id, else a hash of the address
EDGE_RESPONDENTS = {"A1": "anon-09d2239c8e51d003", "0acb116c667df7f1": "E7",
                    "2b946c8111941a95": "anon-80e0eb8c4120305e", "A9": None, "A10": None, "A11": None}
EDGE_ITEMS = [("overall_satisfaction", "likert", 5), ("nps", "likert", 11), ("comments", "text", None),
              ("which_topics", "categorical", None)]
# (response, item) → value_num, value_text
EDGE_ANSWERS = {
    ("A1", "overall_satisfaction"): (5.0, "Strongly agree"), ("A1", "nps"): (9.0, "9"),
    ("A1", "comments"): (None, "Great stuff really"), ("A1", "which_topics"): (None, "a;b"),
    ("0acb116c667df7f1", "overall_satisfaction"): (2.0, "Disagree"),
    ("0acb116c667df7f1", "comments"): (None, "spaced"), ("0acb116c667df7f1", "which_topics"): (None, "a;b"),
    ("2b946c8111941a95", "overall_satisfaction"): (1.0, "Strongly disagree"),
    ("2b946c8111941a95", "nps"): (3.0, "3"), ("2b946c8111941a95", "comments"): (None, "Good"),
    ("2b946c8111941a95", "which_topics"): (None, "b"),
    ("A9", "overall_satisfaction"): (None, "N/A"), ("A9", "nps"): (None, "n/a"),
    ("A10", "overall_satisfaction"): (4.0, "agree"), ("A10", "nps"): (7.0, "7"),
    ("A11", "overall_satisfaction"): (4.0, "AGREE"), ("A11", "nps"): (7.5, "7.5"),
}


def test_rows_become_responses_rejects_and_answers(con):
    load(con, analyse(PARTICIPANTS, "participants.csv", con))
    plan = analyse(EDGE, "edge.csv", con)
    assert plan.ok, plan.error
    batch = plan.batch
    assert batch.skipped == {"survey_preview": 0, "blank": 1}
    assert [(r["row_number"], r["column"], r["reason"], r["raw"]) for r in batch.rejected] == EDGE_REJECTED
    assert [(r.row_number, r.response_id, r.email if isinstance(r.email, str) else None, r.wave, r.submitted_at)
            for r in batch.responses.itertuples()] == [(row, f"{SURVEY}:{rid}", *rest)
                                                        for row, rid, *rest in EDGE_RESPONSES]
    assert [(i.item_id, i.item_type, None if pd.isna(i.scale_points) else i.scale_points)
            for i in batch.items.itertuples()] == EDGE_ITEMS

    result = load(con, plan)
    assert (result.rows_loaded, result.rows_duplicate, result.rows_rejected) == (6, 0, 5)
    assert dict(con.execute("SELECT response_id, respondent_id FROM responses").fetchall()) == {
        f"{SURVEY}:{rid}": respondent for rid, respondent in EDGE_RESPONDENTS.items()}
    assert {(rid, item): (num, text) for rid, item, num, text in con.execute(
        "SELECT response_id, item_id, value_num, value_text FROM answers").fetchall()} == {
        (f"{SURVEY}:{rid}", item): value for (rid, item), value in EDGE_ANSWERS.items()}
    assert con.execute("SELECT count(*) FROM rejected_rows").fetchone()[0] == 5

    again = load(con, analyse(EDGE, "edge.csv", con))
    assert (again.rows_loaded, again.rows_duplicate) == (0, 6)


def test_free_text_is_told_from_categories_by_how_often_answers_repeat():
    # 11 distinct short answers: text when each is given once, categories when each is given thrice
    once = [f"answer {n}" for n in range(11)]
    for answers, kind in ((once, "text"), (once * 3, "categorical")):
        rows = [["submitted_at", "respondent_id", "Favourite colour"]]
        rows += [["2026-01-01", f"P{n}", answer] for n, answer in enumerate(answers)]
        plan = analyse(survey(rows), "s.csv")
        assert plan.batch.items.set_index("item_id").at["favourite_colour", "item_type"] == kind
