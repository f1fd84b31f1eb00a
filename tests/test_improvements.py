from datetime import date

import pytest

from analytics.improvements import (ImprovementError, add_action, delete_action, edit_action, list_actions,
                                   marking_actions)
from tests.builders import fresh


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
