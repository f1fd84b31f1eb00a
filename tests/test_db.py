"""The store: creation, migration of older files, transactions."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

from analytics.errors import ConfigError
from analytics.ingest.staged import stage
from analytics.store import connection, errors, migrations, queries, schema

# Each released migration's SQL (whitespace aside), by the version it brings a database to. A database
# records these numbers in schema_version, so a released step never changes, moves or goes: a new step is
# appended to schema.MIGRATIONS and its digest added here.
RELEASED = [
    (1, "4b6fb9127e7be583"),
    (2, "45788691f2460606"),
    (3, "155b50a61d92888d"),
    (4, "f0f5088518333ef5"),
    (5, "58a0e43b4c6ffe98"),
    (6, "fb329678277635ca"),
    (7, "d171a6fe1b9c783e"),
]


@pytest.mark.parametrize("version, digest", RELEASED)
def test_a_released_migration_keeps_its_version_and_its_sql(version, digest):
    assert len(schema.MIGRATIONS) >= version, "a released migration was removed"
    sql = " ".join(schema.MIGRATIONS[version - 1].split())
    assert hashlib.sha256(sql.encode()).hexdigest()[:16] == digest, f"migration {version} was edited or moved"


def test_every_migration_is_recorded_as_released():
    assert [version for version, _ in RELEASED] == list(range(1, schema.SCHEMA_VERSION + 1))


@pytest.mark.parametrize("table, version", [("uploads", 1), ("audit_log", 2), ("response_scores", 3), ("objectives", 7)])
def test_a_table_is_created_by_the_version_a_database_recorded_for_it(table, version):
    assert schema.version_creating(table) == version


def test_new_database_is_at_the_current_schema(db_path):
    con = connection.connect(db_path)
    assert migrations.schema_version(con) == schema.SCHEMA_VERSION
    assert queries.table_counts(con) == {t: 0 for t in schema.DATA_TABLES}
    con.close()


def test_an_older_file_is_backed_up_then_migrated_with_its_data(db_path):
    # A file as schema version 1 left it: no settings/improvements tables yet.
    old = duckdb.connect(str(db_path))
    migrations.migrate(old, target=1)
    old.execute("INSERT INTO participants (participant_id, role) VALUES ('E1', 'mentor')")
    old.close()

    con = connection.connect(db_path)
    assert migrations.schema_version(con) == schema.SCHEMA_VERSION
    assert con.execute("SELECT participant_id, role FROM participants").fetchall() == [("E1", "mentor")]
    assert con.execute("SELECT count(*) FROM improvements").fetchone() == (0,)
    backups = list((db_path.parent / "backups").glob("test-schema1-*.duckdb"))
    assert len(backups) == 1
    con.close()
    with duckdb.connect(str(backups[0]), read_only=True) as copy:
        assert migrations.schema_version(copy) == 1


def test_a_newer_file_is_refused_with_advice(db_path):
    con = connection.connect(db_path)
    con.execute("INSERT INTO schema_version VALUES (?, now())", [schema.SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(errors.DatabaseError, match="newer Mentorscope"):
        connection.connect(db_path)


@pytest.mark.parametrize("content, expected", [
    (b"not a database at all", "Cannot open the database"),
])
def test_a_file_that_is_not_a_database_is_a_clear_error(db_path, content, expected):
    db_path.write_bytes(content)
    with pytest.raises(errors.DatabaseError, match=expected):
        connection.connect(db_path)


def test_transaction_rolls_back_on_error(con):
    with pytest.raises(RuntimeError):
        with queries.transaction(con):
            con.execute("INSERT INTO employees (employee_id, hired_on) VALUES ('E1', DATE '2020-01-01')")
            raise RuntimeError("injected")
    assert queries.scalar(con, "SELECT count(*) FROM employees") == 0


def test_connect_honours_the_environment_variable(tmp_path, monkeypatch):
    target = tmp_path / "from-env.duckdb"
    monkeypatch.setenv("MENTORSCOPE_DB", str(target))
    connection.connect().close()
    assert target.exists()


# MENTORSCOPE_DUCKDB_THREADS → the threads a query of the database, or of a file being staged, may use.
@pytest.mark.parametrize("given, threads", [
    ("1", 1),
    (" 3 ", 3),
    ("", None),        # unset: DuckDB's default, one per core
    ("0", ConfigError),
    ("two", ConfigError),
    ("-1", ConfigError),
    ("1.5", ConfigError),
])
def test_the_threads_duckdb_uses_come_from_the_environment(db_path, monkeypatch, given, threads):
    monkeypatch.setenv(connection.THREADS_VARIABLE, given)
    if threads is ConfigError:
        with pytest.raises(ConfigError, match=f"MENTORSCOPE_DUCKDB_THREADS='{given.strip()}' is not a number of "
                                              "threads. Set it to a whole number of at least 1"):
            connection.connect(db_path)
        assert not db_path.exists(), "nothing is created before the setting is read"
        return
    default = duckdb.connect().execute("SELECT current_setting('threads')").fetchone()[0]
    con = connection.connect(db_path)
    staged = stage(b"a,b\n1,2\n", "tiny.csv")
    try:
        for opened in (con, staged.con):
            assert opened.execute("SELECT current_setting('threads')").fetchone()[0] == (threads or default)
    finally:
        con.close()
        staged.close()


def test_a_database_held_by_another_process_says_so(db_path):
    import subprocess
    import sys
    connection.connect(db_path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db_path)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(errors.DatabaseError, match="in use by another program"):
            connection.connect(db_path)
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
    with pytest.raises(errors.DatabaseError, match="the file or its folder is read-only. Make it writable, or copy it"):
        connection.connect(db_path)


def test_schema_3_keeps_the_rows_defaults_and_not_null_keys_of_a_schema_2_file(db_path):
    old = duckdb.connect(str(db_path))
    migrations.migrate(old, target=2)
    old.execute("INSERT INTO participants (participant_id, role) VALUES ('E1', 'mentor')")
    old.execute("INSERT INTO pairs VALUES ('P1', 'E1', 'E2', DATE '2026-01-05', NULL, NULL, 'x', 'c', 2, 1)")
    old.execute("INSERT INTO sessions (session_id, pair_id, occurred_on) VALUES ('S1', 'P1', DATE '2026-02-01')")
    old.close()

    con = connection.connect(db_path)
    assert con.execute("SELECT participant_id, is_stub FROM participants").fetchall() == [("E1", False)]
    assert con.execute("SELECT session_id, status FROM sessions").fetchall() == [("S1", "held")]
    # No unique index any more: the loader, not the table, keeps keys unique.
    assert con.execute("SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
                       "AND table_name IN ('participants', 'pairs', 'sessions', 'goals', 'employees', "
                       "'responses', 'answers')").fetchone() == (0,)
    with pytest.raises(duckdb.ConstraintException):
        con.execute("INSERT INTO sessions (session_id, pair_id, occurred_on) VALUES (NULL, 'P1', DATE '2026-02-01')")
    con.close()


@pytest.mark.parametrize("path", [object(), 42, connection.connect])
def test_connect_refuses_what_is_not_a_path(path):
    with pytest.raises(TypeError, match="takes a file path"):
        connection.connect(path)
