"""Erasure really erases: every table that can name the person, the bytes of the database file,
and any backup restored afterwards (the erasure ledger is re-applied before it is used)."""
from __future__ import annotations

import json

import pytest

from analytics.cli import main
from analytics.ops import privacy
from analytics.store import audit, connection, errors

PERSON = {"id": "EMP-40417", "email": "ana.lima@example.com", "name": "Ana Lima"}
COMMENTS = ("Call me on 0161 496 0000 about the rota", "my manager Quentin Marlowe never listens")
PARTNER = {"id": "EMP-51120", "email": "mo.reyes@example.com", "name": "Mo Reyes"}


def needles() -> list[str]:
    """What must be found nowhere after the erasure: the person's identifiers and their two comments."""
    return [*PERSON.values(), *COMMENTS]


@pytest.fixture
def loaded(db_path, tmp_path, capsys) -> dict:
    """The person and their mentor loaded from the command line, as a program lead would: their
    records, a pair, two survey responses with unique comments, a rejected survey row naming them
    by email only, a rejected participants row naming them by name only, and audit entries."""
    files = {
        "participants.csv": "participant_id,role,name,email\n"
                            f"{PERSON['id']},mentee,{PERSON['name']},{PERSON['email']}\n"
                            f"{PARTNER['id']},mentor,{PARTNER['name']},{PARTNER['email']}\n"
                            f"X-77,boss,{PERSON['name']},\n",  # rejected: unknown role
        "employees.csv": f"employee_id,hired_on\n{PERSON['id']},2020-01-01\n{PARTNER['id']},2019-01-01\n",
        "pairs.csv": f"pair_id,mentor_id,mentee_id,matched_on\nP-1,{PARTNER['id']},{PERSON['id']},2026-01-05\n",
        "survey.csv": "submitted_at,respondent_id,email,overall_satisfaction,comment\n"
                      f"2026-04-03,{PERSON['id']},,4,{COMMENTS[0]}\n"
                      f"2026-04-04,,{PERSON['email'].upper()},5,{COMMENTS[1]}\n"
                      f"not a date,,{PERSON['email']},2,again\n"  # rejected: its date
                      f"2026-04-05,{PARTNER['id']},,3,fine\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert main(["ingest", *(str(tmp_path / n) for n in files), "--db", str(db_path)]) == 0
    con = connection.connect(db_path)
    audit.record(con, "sign_in_failed", "Wrong user name or password.", actor=PERSON["email"])
    audit.record(con, "setting", f"min_group_size = 5 (asked by {PERSON['name']})", actor="admin")
    rejected = con.execute("SELECT raw FROM rejected_rows").fetchall()
    con.close()
    assert any(PERSON["email"] in r[0] for r in rejected) and any(PERSON["name"] in r[0] for r in rejected)
    capsys.readouterr()
    return files


def stored_text(db_path) -> str:
    con = connection.connect(db_path)
    tables = [t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()]
    text = str([con.execute(f"SELECT * FROM {t}").fetchall() for t in tables])
    con.close()
    return text


def bytes_found(path) -> list[str]:
    """The needles still in the file's bytes, as `strings` would find them (and in its WAL)."""
    data = path.read_bytes()
    wal = path.with_name(path.name + ".wal")
    data += wal.read_bytes() if wal.exists() else b""
    return [n for n in needles() if n.encode() in data]


def test_the_file_holds_the_person_before_erasure(db_path, loaded):
    # Without this, a search that finds nothing afterwards proves nothing.
    assert bytes_found(db_path) == needles()


def test_erasure_removes_the_person_from_every_table(db_path, loaded, capsys):
    assert main(["erase", "--participant", PERSON["id"], "--db", str(db_path)]) == 0
    text = stored_text(db_path)
    assert [n for n in needles() if n.lower() in text.lower()] == []
    assert PARTNER["id"] in text and PARTNER["name"] in text, "the partner stays"
    con = connection.connect(db_path)
    assert con.execute("SELECT count(*) FROM rejected_rows").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM responses").fetchone() == (1,)
    assert con.execute("SELECT action FROM audit_log ORDER BY occurred_at DESC LIMIT 1").fetchone() == ("erasure",)
    con.close()


def test_erasure_leaves_no_byte_of_the_person_in_the_file(db_path, loaded, capsys):
    assert main(["erase", "--participant", PERSON["id"], "--db", str(db_path)]) == 0
    assert bytes_found(db_path) == []
    assert "the database file was rewritten" in capsys.readouterr().out


def test_a_backup_restored_after_an_erasure_has_it_applied_again(db_path, loaded, tmp_path, capsys):
    assert main(["backup", "--out", str(tmp_path / "bk"), "--db", str(db_path)]) == 0
    old_backup = next((tmp_path / "bk").glob("*.duckdb"))
    assert main(["erase", "--participant", PERSON["id"], "--db", str(db_path)]) == 0
    ledger = json.loads(privacy.ledger_path(db_path).read_text())
    assert PERSON["id"] not in json.dumps(ledger) and PERSON["email"] not in json.dumps(ledger)

    capsys.readouterr()
    assert main(["restore", str(old_backup), "--db", str(db_path)]) == 0
    assert "1 erasure applied again" in capsys.readouterr().out
    text = stored_text(db_path)
    assert [n for n in needles() if n.lower() in text.lower()] == [] and PARTNER["id"] in text
    assert bytes_found(db_path) == []
    before_restore = next((db_path.parent / "backups").glob("*before-restore*"))
    assert bytes_found(before_restore) == []


@pytest.mark.parametrize("text, erased", [
    (f"{PERSON['id']},mentee", "[erased],mentee"),
    (f"row of {PERSON['email'].upper()}.", "row of [erased]."),
    (f"{PERSON['id']}0,mentee", f"{PERSON['id']}0,mentee"),      # another id that starts alike
    (f"x{PERSON['email']}", f"x{PERSON['email']}"),                # another address that ends alike
    (f"by {PERSON['name']}; and", "by [erased]; and"),
])
def test_only_whole_mentions_are_erased(con, text, erased):
    assert privacy.without_mentions(con, text, list(PERSON.values())) == erased


def erase_in_settings(db_path, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from tests.test_pages import ROOT
    entry = tmp_path / "app.py"  # dashboard.py from a folder without pages/, as in test_pages
    entry.write_text(f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n")
    monkeypatch.setenv("MENTORSCOPE_DB", str(db_path))
    monkeypatch.setenv("MENTORSCOPE_DEMO", "off")
    at = AppTest.from_file(str(entry), default_timeout=60)
    at.switch_page(str(ROOT / "pages" / "10_settings.py")).run()
    at.text_input(key="erase_id").input(PERSON["id"])
    at.button(key="erase_start").click().run()
    at.button(key="erase_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_erasure_from_settings_rewrites_the_file_too(db_path, loaded, tmp_path, monkeypatch):
    at = erase_in_settings(db_path, tmp_path, monkeypatch)
    assert any("Erased participant" in s.value for s in at.success)
    assert bytes_found(db_path) == []
    assert at.session_state["cursor"].execute("SELECT count(*) FROM participants").fetchone() == (1,)


def test_a_rewrite_that_fails_says_what_was_done(db_path, loaded, tmp_path, monkeypatch):
    from analytics.ops import backup

    def full_disk(path):
        raise errors.DatabaseError(f"Rewriting {path} gave an incomplete copy; the file was left as it was.")
    monkeypatch.setattr(backup, "rewrite", full_disk)
    at = erase_in_settings(db_path, tmp_path, monkeypatch)
    said = " ".join(e.value for e in at.error)
    assert "but the database file could not be rewritten" in said and str(tmp_path) not in said
    with connection.connect(db_path, read_only=True) as con:  # the erasure stands
        assert con.execute("SELECT count(*) FROM participants").fetchone() == (1,)
