"""`python -m analytics improvements list|add|edit|delete`: exit 0 done, 1 refused (one line, no traceback),
2 usage; every change audited with the actor "command line"."""
import json

import pytest

from analytics.cli import main
from analytics.store import connection
from tests.builders import insert


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "i.duckdb"
    con = connection.connect(path)
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program    | cohort
        p1      | m1        | e1        | 2026-01-01 | Leadership | 2026 Spring
    """)
    con.close()
    return path


def run(capsys, path, *args):
    code = main(["improvements", *args, "--db", str(path)])
    out, err = capsys.readouterr()
    return code, out, err


def listed(capsys, path) -> list[dict]:
    code, out, _ = run(capsys, path, "list", "--json")
    assert code == 0
    return json.loads(out)


def test_add_edit_delete_and_list(capsys, path):
    assert run(capsys, path, "add", "--title", "Kick-off", "--metric", "active_pair_rate",
               "--started-on", "2026-01-10")[:2] == (0, "Logged action 1: Kick-off\n")
    assert run(capsys, path, "add", "--title", "Spring lunches", "--metric", "nps", "--started-on", "2026-02-01",
               "--cohort", "2026 Spring", "--owner", "Ana")[0] == 0
    assert run(capsys, path, "edit", "1", "--program", "Leadership", "--title", "Leaders' kick-off")[:2] == (
        0, "Edited action 1: title, program\n")
    assert [(a["action_id"], a["program"], a["cohort"], a["title"], a["started_on"]) for a in listed(capsys, path)] \
        == [(2, None, "2026 Spring", "Spring lunches", "2026-02-01"),
            (1, "Leadership", None, "Leaders' kick-off", "2026-01-10")]
    code, out, _ = run(capsys, path, "list")
    assert out.splitlines() == ["   2  2026-02-01  Cohort 2026 Spring  nps  Spring lunches  (owner: Ana)",
                                "   1  2026-01-10  Leadership  active_pair_rate  Leaders' kick-off"]
    assert run(capsys, path, "edit", "1", "--all-programs")[0] == 0
    assert run(capsys, path, "delete", "2")[:2] == (0, "Deleted action 2: Spring lunches\n")
    assert [(a["action_id"], a["program"]) for a in listed(capsys, path)] == [(1, None)]
    con = connection.connect(path, read_only=True)
    audit = con.execute("SELECT actor, detail FROM audit_log ORDER BY occurred_at").fetchall()
    con.close()
    assert audit == [("command line", "action 1 added: Kick-off"), ("command line", "action 2 added: Spring lunches"),
                     ("command line", "action 1 edited: title, program"), ("command line", "action 1 edited: program"),
                     ("command line", "action 2 deleted")]


@pytest.mark.parametrize("args, message", [
    (["edit", "9", "--title", "x"], "There is no improvement action 9."),
    (["delete", "9"], "There is no improvement action 9."),
    (["edit", "1"], "nothing to change"),
    (["edit", "1", "--metric", "happiness"], "Unknown metric 'happiness'"),
    (["edit", "1", "--title", " "], "needs a title"),
    (["add", "--title", "x", "--metric", "nps", "--started-on", "01/02/2026"], "started_on must be a date"),
    (["add", "--title", "x", "--metric", "nps", "--started-on", "2026-01-01", "--program", "Nope"],
     "Unknown program 'Nope'; known programs: Leadership."),
    (["add", "--title", "x", "--metric", "nps", "--started-on", "2026-01-01", "--cohort", "1999"],
     "Unknown cohort '1999'"),
    (["add", "--title", "Kick-off", "--metric", "nps", "--started-on", "2026-01-01"], "already logged as action 1"),
])
def test_refusals_exit_1_with_one_line_and_change_nothing(capsys, path, args, message):
    assert run(capsys, path, "add", "--title", "Kick-off", "--metric", "nps", "--started-on", "2026-01-01")[0] == 0
    before = listed(capsys, path)
    code, out, err = run(capsys, path, *args)
    assert (code, out) == (1, "") and message in err and err.count("\n") == 1
    assert listed(capsys, path) == before


@pytest.mark.parametrize("args", [["edit", "one", "--title", "x"], ["delete"], ["add", "--title", "x"],
                                  ["edit", "1", "--program", "L", "--all-programs"], ["rename"]])
def test_usage_errors_exit_2(capsys, path, args):
    with pytest.raises(SystemExit) as exit_:
        main(["improvements", *args, "--db", str(path)])
    assert exit_.value.code == 2


def test_no_database_is_refused_and_not_created(capsys, tmp_path):
    missing = tmp_path / "none.duckdb"
    for args in (["list"], ["delete", "1"], ["add", "--title", "x", "--metric", "nps", "--started-on", "2026-01-01"]):
        code, _, err = run(capsys, missing, *args)
        assert code == 1 and "no database at" in err
    assert not missing.exists()
