"""Erasure, backups and the audit log."""
from __future__ import annotations

import pytest

from analytics.cli import main
from analytics.ingest.pipeline import Options, analyse, load
from analytics.ops import privacy
from analytics.store import audit, connection, schema
from tests import builders
from tests import fixtures_formats as fx


def populated(con):
    builders.insert(con, "participants", """
        participant_id | role   | email
        e1             | mentee | ana@example.com
        m1             | mentor | mo@example.com""")
    builders.insert(con, "employees", """
        employee_id | hired_on
        e1          | 2020-01-01
        m1          | 2019-01-01""")
    builders.insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on
        p1      | m1        | e1        | 2026-01-05""")
    survey = fx.csv_text([["submitted_at", "respondent_id", "email", "overall_satisfaction", "comment"],
                          ["2026-04-03", "e1", "", "4", "Call me on 0161 496 0000"],
                          ["2026-04-04", "", "ANA@example.com", "5", "again"],
                          ["2026-04-05", "m1", "", "3", "fine"]]).encode()
    load(con, analyse(survey, "s.csv", con, Options()))


def test_erasure_removes_the_person_everywhere_and_keeps_the_partner(con):
    populated(con)
    changed = privacy.erase_participant(con, "e1")
    assert changed["responses"] == 2 and changed["participants"] == 1 and changed["employees"] == 1
    assert changed["pairs"] == 1
    everything = str([con.execute(f"SELECT * FROM {t}").fetchall() for t in schema.DATA_TABLES])
    assert "'e1'" not in everything and "ana@" not in everything and "0161" not in everything
    assert con.execute("SELECT respondent_id FROM responses").fetchall() == [("m1",)]
    assert con.execute("SELECT mentor_id, mentee_id LIKE 'erased-%' FROM pairs").fetchall() == [("m1", True)]
    log = audit.entries(con)
    assert log.iloc[0]["action"] == "erasure" and "e1" not in str(log.to_dict())


@pytest.mark.parametrize("who, message", [("", "Give the participant id"), ("nobody", "No data is stored")])
def test_erasure_refuses_what_it_cannot_do(con, who, message):
    populated(con)
    with pytest.raises(privacy.ErasureError, match=message):
        privacy.erase_participant(con, who)


def test_backup_and_restore_round_trip_exactly(db_path, tmp_path, capsys):
    con = connection.connect(db_path)
    populated(con)
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in schema.DATA_TABLES}
    con.close()
    assert main(["backup", "--out", str(tmp_path / "bk"), "--db", str(db_path)]) == 0
    copy = next((tmp_path / "bk").glob("*.duckdb"))

    con = connection.connect(db_path)
    from analytics.ingest.load import remove_upload  # a change since the backup (an erasure would stay erased)
    remove_upload(con, con.execute("SELECT max(upload_id) FROM uploads").fetchone()[0])
    con.close()
    assert main(["restore", str(copy), "--db", str(db_path)]) == 0
    con = connection.connect(db_path)
    assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in schema.DATA_TABLES} == before
    con.close()
    assert list((db_path.parent / "backups").glob("*before-restore*"))


@pytest.mark.parametrize("content, message", [
    (b"junk", "bogus.duckdb is not a Mentorscope database backup (not a DuckDB file)"),
    (b"pair_id,mentor_id,mentee_id,matched_on\np1,m1,e1,2026-01-05\n", "is not a Mentorscope database backup (not a "
                                                                       "DuckDB file)"),
    (None, "There is no file at"),  # nothing there
])
def test_restoring_something_else_is_refused(db_path, tmp_path, capsys, content, message):
    bogus = tmp_path / "bogus.duckdb"
    if content is not None:
        bogus.write_bytes(content)
    assert main(["restore", str(bogus), "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Error:" not in err and "Errno" not in err


def test_a_backup_into_a_file_is_refused(db_path, tmp_path, capsys):
    connection.connect(db_path).close()
    taken = tmp_path / "taken.txt"
    taken.write_text("mine")
    assert main(["backup", "--out", str(taken), "--db", str(db_path)]) == 1
    assert "taken.txt is a file: --out takes the folder" in capsys.readouterr().err
    assert taken.read_text() == "mine"


def test_uploads_and_removals_are_audited(con):
    populated(con)
    upload_id = con.execute("SELECT max(upload_id) FROM uploads").fetchone()[0]
    from analytics.ingest.load import remove_upload
    remove_upload(con, upload_id, actor="lead@example.org")
    log = audit.entries(con)
    assert list(log["action"][:2]) == ["remove_upload", "upload"]
    assert log.iloc[0]["actor"] == "lead@example.org"


def test_erase_command(db_path, capsys):
    con = connection.connect(db_path)
    populated(con)
    con.close()
    assert main(["erase", "--participant", "m1", "--db", str(db_path)]) == 0
    assert "Erased:" in capsys.readouterr().out
    assert main(["erase", "--participant", "m1", "--db", str(db_path)]) == 1
    assert "No data is stored" in capsys.readouterr().err


def test_setting_changes_and_demo_clearing_are_audited(con):
    from analytics.ops import demo
    from analytics.store import settings
    settings.set(con, "min_group_size", 7, actor="admin@example.org")
    demo.clear_demo(con, actor="admin@example.org")
    log = audit.entries(con)
    assert log[["actor", "action", "detail"]].values.tolist()[:2] == [
        ["admin@example.org", "clear_demo", "0 demo uploads removed"],
        ["admin@example.org", "setting", "min_group_size = 7"]]
