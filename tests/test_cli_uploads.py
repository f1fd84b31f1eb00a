"""`python -m analytics uploads list|remove`: the history on the command line, and removal of one upload."""
from __future__ import annotations

import json

import pytest

from analytics.cli import main
from analytics.store import connection
from tests.builders import run_cli as run

PAIRS = "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\nP2,M2,E2,2026-02-05\n"
SESSIONS = "pair_id,occurred_on,duration_minutes\nP1,2026-01-10,60\nP1,2026-02-10,45\nP2,2026-02-11,1e308\n"


@pytest.fixture
def loaded(tmp_path, db_path, capsys):
    """pairs.csv as upload 1, sessions.csv (one row rejected) as upload 2."""
    for name, text in (("pairs.csv", PAIRS), ("sessions.csv", SESSIONS)):
        (tmp_path / name).write_text(text)
        assert main(["ingest", str(tmp_path / name), "--db", str(db_path)]) == 0
    capsys.readouterr()
    return db_path


def test_list_gives_each_upload_newest_first_with_the_rows_it_holds(loaded, capsys):
    code, out, _ = run(capsys, "uploads", "list", "--db", str(loaded), "--json")
    assert code == 0
    uploads = json.loads(out)["uploads"]
    assert [(u["upload_id"], u["file_name"], u["kind"], u["rows_loaded"], u["rows_rejected"], u["rows_stored"],
             u["first_date"], u["last_date"]) for u in uploads] == [
        (2, "sessions.csv", "sessions", 2, 1, {"sessions": 2}, "2026-01-10", "2026-02-10"),
        (1, "pairs.csv", "pairs", 2, 0, {"pairs": 2, "participants": 4}, "2026-01-05", "2026-02-05")]
    code, out, _ = run(capsys, "uploads", "list", "--db", str(loaded))
    assert [line.split(":")[0] for line in out.splitlines()] == ["#2 sessions.csv", "#1 pairs.csv"]
    assert "holds 2 pairs, 4 participants" in out


def test_list_of_a_database_not_made_yet_creates_none(tmp_path, capsys):
    path = tmp_path / "none.duckdb"
    assert run(capsys, "uploads", "list", "--db", str(path), "--json") == (0, '{\n  "uploads": []\n}\n', "")
    assert not path.exists()


def test_remove_deletes_the_uploads_rows_says_what_and_is_audited(loaded, capsys):
    code, out, err = run(capsys, "uploads", "remove", "2", "--db", str(loaded))
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "Removed upload #2 (sessions.csv, sessions): 2 sessions."
    assert "meeting figures" in out
    with connection.connect(loaded, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM sessions").fetchone() == (0,)
        assert con.execute("SELECT upload_id FROM uploads").fetchall() == [(1,)]
        assert con.execute("SELECT actor, action, detail FROM audit_log WHERE action = 'remove_upload'"
                           ).fetchall() == [("command line", "remove_upload", "upload 2 removed")]


@pytest.mark.parametrize("given, message", [
    ("9", "error: there is no upload #9; python -m analytics uploads list shows the uploads on record.\n"),
    ("two", "error: 'two' is not an upload number; python -m analytics uploads list shows the uploads on record.\n"),
    ("-1", "error: '-1' is not an upload number; python -m analytics uploads list shows the uploads on record.\n"),
])
def test_removing_an_upload_not_on_record_says_so_and_removes_nothing(loaded, capsys, given, message):
    assert run(capsys, "uploads", "remove", given, "--db", str(loaded)) == (1, "", message)
    with connection.connect(loaded, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM uploads").fetchone() == (2,)


def test_an_upload_that_wrote_no_row_is_not_said_to_have_lost_its_rows(loaded, tmp_path, capsys):
    # pairs.csv loaded again finds both pairs stored: upload 3 writes nothing, and nothing replaced its rows.
    assert main(["ingest", str(tmp_path / "pairs.csv"), "--db", str(loaded)]) == 0
    capsys.readouterr()
    _, out, _ = run(capsys, "uploads", "list", "--db", str(loaded))
    assert out.splitlines()[0].endswith("0 loaded, 0 rejected; holds no rows (every row was stored already)")
    _, out, _ = run(capsys, "uploads", "remove", "3", "--db", str(loaded))
    assert out == "Removed upload #3 (pairs.csv, pairs): it wrote no rows (every row was stored already).\n"
