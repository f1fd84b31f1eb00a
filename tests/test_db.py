"""The store: creation, migration of older files, transactions."""
from __future__ import annotations

import duckdb
import pytest

from analytics.store import db


def test_new_database_is_at_the_current_schema(db_path):
    con = db.connect(db_path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert db.table_counts(con) == {t: 0 for t in db.DATA_TABLES}
    con.close()


def test_an_older_file_is_backed_up_then_migrated_with_its_data(db_path):
    # A file as schema version 1 left it: no settings/improvements tables yet.
    old = duckdb.connect(str(db_path))
    db.migrate(old, target=1)
    old.execute("INSERT INTO participants (participant_id, role) VALUES ('E1', 'mentor')")
    old.close()

    con = db.connect(db_path)
    assert db.schema_version(con) == db.SCHEMA_VERSION
    assert con.execute("SELECT participant_id, role FROM participants").fetchall() == [("E1", "mentor")]
    assert con.execute("SELECT count(*) FROM improvements").fetchone() == (0,)
    backups = list((db_path.parent / "backups").glob("test-schema1-*.duckdb"))
    assert len(backups) == 1
    con.close()
    with duckdb.connect(str(backups[0]), read_only=True) as copy:
        assert db.schema_version(copy) == 1


def test_a_newer_file_is_refused_with_advice(db_path):
    con = db.connect(db_path)
    con.execute("INSERT INTO schema_version VALUES (?, now())", [db.SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(db.DatabaseError, match="newer Mentorscope"):
        db.connect(db_path)


@pytest.mark.parametrize("content, expected", [
    (b"not a database at all", "Cannot open the database"),
])
def test_a_file_that_is_not_a_database_is_a_clear_error(db_path, content, expected):
    db_path.write_bytes(content)
    with pytest.raises(db.DatabaseError, match=expected):
        db.connect(db_path)


def test_transaction_rolls_back_on_error(con):
    with pytest.raises(RuntimeError):
        with db.transaction(con):
            con.execute("INSERT INTO employees (employee_id, hired_on) VALUES ('E1', DATE '2020-01-01')")
            raise RuntimeError("injected")
    assert db.scalar(con, "SELECT count(*) FROM employees") == 0


def test_connect_honours_the_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("MENTORSCOPE_DB", str(target))
    db.connect().close()
    assert target.exists()


def test_a_database_held_by_another_process_says_so(db_path):
    import subprocess
    import sys
    db.connect(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(db.DatabaseError, match="in use by another program"):
            db.connect(db_path)
    finally:
        holder.kill()


# What DuckDB says when the file cannot be written (a read-only mount, an immutable file, no permission:
# none of them can be made here, as root, so DuckDB's refusal is stood in for).
@pytest.mark.parametrize("refusal", [
    "IO Error: Cannot open file \"x.duckdb\": Read-only file system",
    "IO Error: Cannot open file \"x.duckdb\": Permission denied",
])
def test_a_read_only_database_file_says_how_to_proceed(db_path, monkeypatch, refusal):
    def refuse(*args, **kwargs):
        raise duckdb.IOException(refusal)
    monkeypatch.setattr(duckdb, "connect", refuse)
    with pytest.raises(db.DatabaseError, match="the file or its folder is read-only. Make it writable, or copy it"):
        db.connect(db_path)


def test_schema_3_keeps_the_rows_defaults_and_not_null_keys_of_a_schema_2_file(db_path):
    old = duckdb.connect(str(db_path))
    db.migrate(old, target=2)
    old.execute("INSERT INTO participants (participant_id, role) VALUES ('E1', 'mentor')")
    old.execute("INSERT INTO pairs VALUES ('P1', 'E1', 'E2', DATE '2026-01-05', NULL, NULL, 'x', 'c', 2, 1)")
    old.execute("INSERT INTO sessions (session_id, pair_id, occurred_on) VALUES ('S1', 'P1', DATE '2026-02-01')")
    old.close()

    con = db.connect(db_path)
    assert con.execute("SELECT participant_id, is_stub FROM participants").fetchall() == [("E1", False)]
    assert con.execute("SELECT session_id, status FROM sessions").fetchall() == [("S1", "held")]
    # No unique index any more: the loader, not the table, keeps keys unique.
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                       "AND table_name IN ('participants', 'pairs', 'sessions', 'goals', 'employees', "
                       "'responses', 'answers')").fetchone() == (0,)
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO sessions (session_id, pair_id, occurred_on) VALUES (NULL, 'P1', DATE '2026-02-01')")
    con.close()
