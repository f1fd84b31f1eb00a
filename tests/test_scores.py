"""Stored per-response scores: what response_scores holds, that every writer keeps it
current, and that a page or report computes the quarter-on-quarter change once."""
from __future__ import annotations

import functools
import shutil
from datetime import date

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.ingest.load import remove_upload
from analytics.measures import satisfaction
from analytics.measures.filters import Filters, Period
from analytics.ops import delivery, privacy
from analytics.report.build import build_model
from analytics.store import connection, memo, migrations, scores
from tests import builders
from tests.test_pages import ROOT
from tests.test_privacy import populated

SURVEY = """
response_id | respondent_id | wave     | submitted_on | networking | networking__2 | skill_development | nps | nps__2 | comment
r1          | a             | pulse    | 2026-04-02   | 4          | 5             | 3                 | 10  |        | fine
r2          | b             | pulse    | 2026-04-15   | 2          |               |                   | 9   | 4      |
r3          |               | exit     | 2026-05-01   |            |               |                   | 11  |        | only words
r4          | d             | pulse    | 2026-03-31   | 1          | 2             | 5                 |     |        |
"""
# By hand: a Likert score is the mean of the response's answered items on the dimension (r1
# networking (4 + 5) / 2 = 4.5); each NPS answer from 0 to 10 is a row (r2 has two; r3's 11 is
# out of range, and a comment or a response without numbers has no score).
EXPECTED = [
    ("r1", date(2026, 4, 2), "networking", 4.5, 5),
    ("r1", date(2026, 4, 2), "nps", 10.0, 11),
    ("r1", date(2026, 4, 2), "skill_development", 3.0, 5),
    ("r2", date(2026, 4, 15), "networking", 2.0, 5),
    ("r2", date(2026, 4, 15), "nps", 4.0, 11),
    ("r2", date(2026, 4, 15), "nps", 9.0, 11),
    ("r4", date(2026, 3, 31), "networking", 1.5, 5),
    ("r4", date(2026, 3, 31), "skill_development", 5.0, 5),
]
STORED = "SELECT response_id, submitted_on, dimension, score, scale_points FROM response_scores ORDER BY ALL"


def test_response_scores_hold_each_responses_score_per_dimension_and_each_nps_answer():
    con = builders.fresh()
    builders.responses(con, SURVEY)
    assert con.execute(STORED).fetchall() == EXPECTED
    # NPS counts answers: Q2 holds 10 (r1), 9 and 4 (r2): 3 answers of 2 respondents.
    q2 = satisfaction.nps(con, Period.parse("2026Q2"), Filters()).iloc[0]
    assert (q2["n"], q2["respondents"]) == (3, 2)


# Every dimension asked by one item (no grouping needed): each answer is its own score.
ONE_ITEM_EACH = """
response_id | respondent_id | wave  | submitted_on | networking | skill_development | nps
r1          | a             | pulse | 2026-04-02   | 4          |                   | 10
r2          | b             | pulse | 2026-04-15   |            | 2                 | 12
"""


@pytest.mark.parametrize("rows, expected", [
    (SURVEY, EXPECTED),
    (ONE_ITEM_EACH, [("r1", date(2026, 4, 2), "networking", 4.0, 5), ("r1", date(2026, 4, 2), "nps", 10.0, 11),
                     ("r2", date(2026, 4, 15), "skill_development", 2.0, 5)]),
])
def test_scores_are_the_same_whether_or_not_a_dimension_needs_grouping(rows, expected):
    con = builders.fresh()
    builders.responses(con, rows)
    for refresh in (lambda: scores.refresh(con), lambda: scores.refresh_survey(con, "s1"),
                    lambda: scores.refresh(con, "SELECT response_id FROM responses")):
        refresh()
        assert con.execute(STORED).fetchall() == expected


@pytest.mark.parametrize("survey, kept", [("s1", []), ("other", EXPECTED)])
def test_refreshing_one_survey_rewrites_its_scores_only(survey, kept):
    con = builders.fresh()
    builders.responses(con, SURVEY)
    con.execute("DELETE FROM answers")  # stored scores now lag behind their answers
    scores.refresh_survey(con, survey)
    assert con.execute(STORED).fetchall() == kept


def test_rows_are_written_in_submission_order_so_a_quarter_reads_few_blocks():
    con = builders.fresh()
    builders.responses(con, SURVEY)
    days = [row[0] for row in con.execute("SELECT submitted_on FROM response_scores").fetchall()]
    assert days == sorted(days)


def _survey_upload(con) -> int:
    return con.execute("SELECT max(upload_id) FROM uploads WHERE kind = 'survey'").fetchone()[0]


@pytest.mark.parametrize("remove, left", [
    # the survey of e1 (twice: by id and by email) and m1, loaded once
    (lambda con: remove_upload(con, _survey_upload(con)), set()),
    (lambda con: privacy.erase_participant(con, "e1"), {3.0}),
])
def test_removing_an_upload_or_erasing_a_person_removes_their_scores(remove, left):
    con = builders.fresh()
    populated(con)
    assert {r[0] for r in con.execute("SELECT score FROM response_scores").fetchall()} == {3.0, 4.0, 5.0}
    remove(con)
    assert {r[0] for r in con.execute("SELECT score FROM response_scores").fetchall()} == left


def test_a_schema_2_file_gets_its_scores_when_it_migrates(tmp_path):
    path = tmp_path / "old.duckdb"
    old = duckdb.connect(str(path))
    migrations.migrate(old, target=2)
    old.execute("INSERT INTO surveys VALUES ('s1', 'fp', 'test', 'Test survey')")
    old.execute("INSERT INTO items VALUES ('s1', 'q1', 'Q1', 'networking', 'likert', 5), "
                "('s1', 'q2', 'Q2', 'networking', 'likert', 7), ('s1', 'q3', 'Q3', 'nps', 'nps', 11)")
    old.execute("INSERT INTO responses (response_id, survey_id, wave, submitted_at, submitted_on) VALUES "
                "('r1', 's1', 'pulse', TIMESTAMP '2026-05-01 10:00', DATE '2026-05-01')")
    # The answer's own scale wins over its item's; the score's scale is the largest: max(5, 7) = 7.
    old.execute("INSERT INTO answers VALUES ('r1', 's1', 'q1', 4, NULL, NULL), ('r1', 's1', 'q2', 6, NULL, 7), "
                "('r1', 's1', 'q3', 8, NULL, NULL)")
    old.close()
    con = connection.connect(path)
    assert con.execute(STORED).fetchall() == [("r1", date(2026, 5, 1), "networking", 5.0, 7),
                                              ("r1", date(2026, 5, 1), "nps", 8.0, 11)]
    con.close()


def _counting(monkeypatch) -> list:
    """Record each computation of satisfaction.change (a repeat it remembers is not one)."""
    calls, compute = [], satisfaction.change.__wrapped__

    @functools.wraps(compute)
    def counted(*args, **kwargs):
        calls.append(args[1:])
        return compute(*args, **kwargs)
    monkeypatch.setattr(satisfaction, "change", memo.once(counted))
    return calls


def test_the_overview_computes_the_change_once_for_its_headlines_and_insights(small_file, tmp_path, monkeypatch):
    path = tmp_path / "overview.duckdb"
    shutil.copy(small_file, path)
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    entry = tmp_path / "app.py"
    entry.write_text(f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n")
    calls = _counting(monkeypatch)
    app = AppTest.from_file(str(entry), default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]
    assert len(calls) == 1


def test_a_recipients_formats_compute_the_change_once(small_file, monkeypatch):
    con = connection.connect(small_file, read_only=True)
    calls = _counting(monkeypatch)
    recipient = delivery.Recipient("ana@example.org", None, (), ("html", "xlsx"))
    delivery.attachments(con, recipient, Period.parse("2026Q2"))
    con.close()
    assert calls == [(Period.parse("2026Q2"), Filters())]


def test_the_report_computes_the_change_once(small_file, monkeypatch):
    con = connection.connect(small_file, read_only=True)
    calls = _counting(monkeypatch)
    build_model(con, Period.parse("2026Q2"), Filters())
    con.close()
    assert calls == [(Period.parse("2026Q2"), Filters())]
