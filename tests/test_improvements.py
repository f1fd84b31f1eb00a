import io
from datetime import date

import openpyxl
import pytest

from analytics import cli
from analytics.measures.filters import Filters, Period
from analytics.measures.improvements import (
    ImprovementError,
    add_action,
    delete_action,
    edit_action,
    list_actions,
    marking_actions,
    scope_text,
)
from analytics.report.build import build_model
from analytics.report.html import html_bytes
from analytics.report.xlsx import xlsx_bytes
from analytics.store import connection
from tests.builders import fresh, insert

GENERATED = date(2026, 7, 1)


def test_add_edit_delete_and_audit():
    con = fresh()
    first = add_action(con, title="Monthly reminders", metric="sessions_per_active_pair_per_month",
                       started_on="2026-01-15", program="L", owner="Ana")
    second = add_action(con, title="Kick-off workshop", metric="active_pair_rate", started_on=date(2026, 3, 1))
    assert (first, second) == (1, 2)
    edit_action(con, first, title="Monthly check-in reminders", metric="cadence_adherence")
    actions = list_actions(con).set_index("action_id")
    assert actions.loc[first, ["title", "metric", "owner"]].tolist() == ["Monthly check-in reminders",
                                                                        "cadence_adherence", "Ana"]
    assert list_actions(con)["action_id"].tolist() == [2, 1]  # newest start first
    assert list_actions(con, program="X")["action_id"].tolist() == [2]  # program-wide actions show everywhere
    delete_action(con, second)
    assert list_actions(con)["action_id"].tolist() == [1]
    audit = [row[0] for row in con.execute("SELECT detail FROM audit_log ORDER BY occurred_at").fetchall()]
    assert audit == ["action 1 added: Monthly reminders", "action 2 added: Kick-off workshop",
                     "action 1 edited: title, metric", "action 2 deleted"]


@pytest.mark.parametrize("fields, message", [
    ({"title": "x", "metric": "happiness", "started_on": "2026-01-01"}, "Unknown metric 'happiness'"),
    ({"title": "  ", "metric": "nps", "started_on": "2026-01-01"}, "needs a title"),
    ({"title": "x", "metric": "nps", "started_on": "01/02/2026"}, "started_on must be a date"),
])
def test_add_refuses(fields, message):
    with pytest.raises(ImprovementError, match=message):
        add_action(fresh(), **fields)


def test_edit_refuses_unknown_fields_and_actions():
    con = fresh()
    action = add_action(con, title="x", metric="nps", started_on="2026-01-01")
    with pytest.raises(ImprovementError, match="Unknown field"):
        edit_action(con, action, created_at="2020-01-01")
    with pytest.raises(ImprovementError, match="no improvement action 99"):
        edit_action(con, 99, title="y")
    with pytest.raises(ImprovementError, match="no improvement action 99"):
        delete_action(con, 99)


@pytest.mark.parametrize("program, listed, marked", [
    # All programs: the log lists every action, but only the all-program one marks the charts.
    (None, ["New hire only", "Everyone"], ["Everyone"]),
    ("New hire", ["New hire only", "Everyone"], ["New hire only", "Everyone"]),
    ("Leadership", ["Everyone"], ["Everyone"]),
])
def test_an_action_marks_the_trends_of_its_own_program(program, listed, marked):
    con = fresh()
    add_action(con, title="Everyone", metric="nps", started_on="2026-01-01")
    add_action(con, title="New hire only", metric="nps", started_on="2026-02-01", program="New hire")
    assert list_actions(con, program)["title"].tolist() == listed
    assert marking_actions(con, program)["title"].tolist() == marked


# ---- an action of any scope in the report and on the command line ----------------------------------

def _two_programs(path) -> None:
    """Two programs, a cohort each, a pair meeting monthly from 2025 to the end of 2026Q2."""
    con = connection.connect(path)
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program    | cohort
        p1      | m1        | e1        | 2025-01-06 | Leadership | 2025 Spring
        p2      | m2        | e2        | 2025-01-06 | New hire   | 2025 Autumn
    """)
    con.execute("INSERT INTO sessions (session_id, pair_id, occurred_on, status) SELECT pair_id || '-' || "
                "strftime(day, '%Y%m'), pair_id, day, 'held' FROM pairs, generate_series(DATE '2025-01-15', "
                "DATE '2026-06-15', INTERVAL 1 MONTH) AS t(day)")
    con.close()


@pytest.fixture
def scoped(tmp_path):
    """The two-program database with an action for all programs (the form's default), one for a program and
    one for a cohort."""
    path = tmp_path / "scoped.duckdb"
    _two_programs(path)
    con = connection.connect(path)
    add_action(con, title="Kick-off for everyone", metric="active_pair_rate", started_on="2025-10-01")
    add_action(con, title="Leaders' reminders", metric="active_pair_rate", started_on="2025-10-01",
               program="Leadership")
    add_action(con, title="Autumn buddies", metric="sessions_held", started_on="2025-09-01", cohort="2025 Autumn")
    con.close()
    return path


def test_an_action_of_any_scope_builds_the_report_in_every_format(scoped, tmp_path, capsys):
    con = connection.connect(scoped, read_only=True)
    model = build_model(con, Period.parse("2026Q2"), Filters(), GENERATED)
    con.close()
    table = next(t for t in model.tables() if t.key == "improvements")
    assert [row[:2] for row in table.rows] == [["Leaders' reminders", "Leadership"],
                                               ["Kick-off for everyone", "All programs"],
                                               ["Autumn buddies", "Cohort 2025 Autumn"]]
    assert b"Kick-off for everyone" in html_bytes(model)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(model)))["Improvements"]
    assert "Kick-off for everyone" in [cell.value for cell in sheet["A"]]
    for command in (["metrics", "--quarter", "2026Q2", "--json"],
                    ["report", "--quarter", "2026Q2", "--out", str(tmp_path / "r.html")],
                    ["report", "--quarter", "2026Q2", "--out", str(tmp_path / "r.xlsx")]):
        assert cli.main([*command, "--db", str(scoped)]) == 0, capsys.readouterr().err
    assert "Kick-off for everyone" in (tmp_path / "r.html").read_text()


@pytest.mark.parametrize("first, second", [
    # The same action twice (a second click on the form), even typed with other case or spaces.
    ({}, {}),
    ({}, {"title": " monthly REMINDERS "}),
    ({"cohort": "2026 Spring"}, {"cohort": "2026 Spring"}),
])
def test_the_same_action_is_not_logged_twice(first, second):
    con = fresh()
    fields = {"title": "Monthly reminders", "metric": "active_pair_rate", "started_on": "2026-01-15", "program": "L"}
    add_action(con, **{**fields, **first})
    with pytest.raises(ImprovementError, match="already logged as action 1"):
        add_action(con, **{**fields, **second})
    assert len(list_actions(con)) == 1


@pytest.mark.parametrize("other", [{"program": None}, {"cohort": "2026 Spring"}, {"started_on": "2026-01-16"},
                                   {"metric": "nps"}, {"title": "Quarterly reminders"}])
def test_an_action_differing_in_scope_start_metric_or_title_is_another(other):
    con = fresh()
    fields = {"title": "Monthly reminders", "metric": "active_pair_rate", "started_on": "2026-01-15", "program": "L"}
    add_action(con, **fields)
    assert add_action(con, **{**fields, **other}) == 2


def test_editing_an_action_into_another_is_refused_and_changes_nothing():
    con = fresh()
    add_action(con, title="A", metric="nps", started_on="2026-01-01")
    second = add_action(con, title="B", metric="nps", started_on="2026-01-01")
    with pytest.raises(ImprovementError, match="already logged as action 1"):
        edit_action(con, second, title="a")
    assert list_actions(con)["title"].tolist() == ["B", "A"]


@pytest.mark.parametrize("program, cohort, listed", [
    (None, None, ["Spring", "Leadership", "Everyone"]),
    ("Leadership", None, ["Spring", "Leadership", "Everyone"]),
    ("New hire", None, ["Spring", "Everyone"]),
    (None, "2026 Spring", ["Spring", "Leadership", "Everyone"]),
    (None, "2025 Autumn", ["Leadership", "Everyone"]),
])
def test_a_cohort_action_is_listed_for_its_cohort(program, cohort, listed):
    con = fresh()
    add_action(con, title="Everyone", metric="nps", started_on="2026-01-01")
    add_action(con, title="Leadership", metric="nps", started_on="2026-02-01", program="Leadership")
    add_action(con, title="Spring", metric="nps", started_on="2026-03-01", cohort="2026 Spring")
    assert list_actions(con, program, cohort)["title"].tolist() == listed


@pytest.mark.parametrize("program, cohort, text", [
    (None, None, "All programs"), ("Leadership", None, "Leadership"), (None, "2026 Spring", "Cohort 2026 Spring"),
    ("Leadership", "2026 Spring", "Leadership, cohort 2026 Spring"),
])
def test_scope_text(program, cohort, text):
    assert scope_text(program, cohort) == text
