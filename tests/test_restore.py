"""Restore is checked and atomic: only a whole Mentorscope database is put in place, and a restore
killed at any moment leaves the old database or the new one, never a broken file."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from analytics.cli import main
from analytics.store import connection, schema, settings
from tests.conftest import ROOT

OLD, NEW = 9, 7  # min_group_size in the live database, and in the backup restored over it


@pytest.fixture
def backup_file(db_path, tmp_path):
    """A backup holding min_group_size NEW, and a live database that has moved on to OLD since.
    Rows are added so that the files span many blocks (a copy is then many writes)."""
    con = connection.connect(db_path)
    con.execute("INSERT INTO audit_log SELECT now(), 'x', 'setting', repeat('y', 200) FROM range(20000)")
    settings.set(con, "min_group_size", NEW)
    con.close()
    assert main(["backup", "--out", str(tmp_path / "bk"), "--db", str(db_path)]) == 0
    con = connection.connect(db_path)
    settings.set(con, "min_group_size", OLD)
    con.close()
    return next((tmp_path / "bk").glob("*.duckdb"))


def state(db_path) -> int:
    """The live database's min_group_size, after reading every row of every table."""
    con = connection.connect(db_path)
    try:
        for table in schema.DATA_TABLES + ("settings", "audit_log", "improvements"):
            con.execute(f"SELECT * FROM {table}").fetchall()
        return int(settings.get(con, "min_group_size"))
    finally:
        con.close()


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def truncated(backup, tmp_path):
    data = backup.read_bytes()
    (tmp_path / "cut.duckdb").write_bytes(data[: len(data) // 2])
    return tmp_path / "cut.duckdb"


def foreign(backup, tmp_path):
    """Another program's DuckDB that happens to keep a schema_version table."""
    with duckdb.connect(str(tmp_path / "other.duckdb")) as other:
        other.execute("CREATE TABLE schema_version (version INTEGER, applied_at TIMESTAMP)")
        other.execute("INSERT INTO schema_version VALUES (3, now())")
        other.execute("CREATE TABLE participants (id INTEGER)")
    return tmp_path / "other.duckdb"


def missing_a_table(backup, tmp_path):
    target = tmp_path / "partial.duckdb"
    target.write_bytes(backup.read_bytes())
    with duckdb.connect(str(target)) as con:
        con.execute("DROP TABLE goals")
    return target


def damaged(backup, tmp_path):
    """A whole-length file with bytes overwritten in the middle of its data (a bad disk, a bad transfer)."""
    data = bytearray(backup.read_bytes())
    middle = len(data) // 2
    data[middle: middle + 200_000] = bytes(200_000)
    (tmp_path / "damaged.duckdb").write_bytes(bytes(data))
    return tmp_path / "damaged.duckdb"


@pytest.mark.parametrize("make, message", [
    (truncated, "is not a Mentorscope database backup"),
    (foreign, "is not a Mentorscope database backup: it lacks the table"),
    (missing_a_table, "is not a Mentorscope database backup: it lacks the table goals"),
    (damaged, "is not a Mentorscope database backup"),
])
def test_a_file_that_is_not_a_whole_mentorscope_database_is_refused(db_path, tmp_path, backup_file, capsys,
                                                                      make, message):
    bad = make(backup_file, tmp_path)
    before = digest(db_path)
    capsys.readouterr()
    assert main(["restore", str(bad), "--db", str(db_path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert digest(db_path) == before and state(db_path) == OLD
    assert not list(db_path.parent.glob("*.restoring*")), "nothing is left behind"
    assert not list((db_path.parent / "backups").glob("*before-restore*")), "nothing was replaced"


def test_a_good_backup_is_restored(db_path, backup_file, capsys):
    assert main(["restore", str(backup_file), "--db", str(db_path)]) == 0
    assert state(db_path) == NEW
    assert not list(db_path.parent.glob("*.restoring*"))


# Runs the real `restore`, but makes every step that writes or moves a file an event (each write of
# a copy is one, copies being cut into small writes), and at event number $STOP_AT says so and
# waits to be killed; without STOP_AT it prints how many events there were.
CHILD = textwrap.dedent("""
    import os, sys, time
    events = 0
    def event():
        global events
        events += 1
        if events == int(os.environ.get("STOP_AT", "0")):
            print("stopped", flush=True)
            time.sleep(600)
    def counted(real):
        def run(*args, **kwargs):
            event()
            return real(*args, **kwargs)
        return run
    real_sendfile = os.sendfile
    def small_sendfile(out_fd, in_fd, offset, count):
        event()
        return real_sendfile(out_fd, in_fd, offset, min(count, 256 * 1024))
    os.sendfile = small_sendfile
    for name in ("replace", "rename", "unlink", "remove", "fsync", "truncate"):
        setattr(os, name, counted(getattr(os, name)))
    from analytics.cli import main
    code = main(sys.argv[1:])
    print(f"events {events}", flush=True)
    sys.exit(code)
""")


def run_restore(backup_file, db_path, stop_at: int) -> str:
    child = subprocess.Popen([sys.executable, "-c", CHILD, "restore", str(backup_file), "--db", str(db_path)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT), "STOP_AT": str(stop_at)})
    try:
        for line in child.stdout:
            if line.strip() == "stopped":
                child.send_signal(signal.SIGKILL)
            if line.startswith(("stopped", "events")):
                child.wait(timeout=60)
                return line.strip()
        raise AssertionError("the restore said neither")
    finally:
        child.kill()


def test_a_restore_killed_at_any_step_leaves_the_old_or_the_new_database(db_path, backup_file):
    total = int(run_restore(backup_file, db_path, 0).split()[1])  # a full run, counting its events
    assert state(db_path) == NEW
    seen = set()
    for stop_at in sorted({1, total // 3, 2 * total // 3, total - 2, total}):
        con = connection.connect(db_path)
        settings.set(con, "min_group_size", OLD)
        con.close()
        assert run_restore(backup_file, db_path, stop_at) == "stopped"
        seen.add(state(db_path))  # opens, reads every table, and is one of the two
        assert seen <= {OLD, NEW}, f"killed at event {stop_at} of {total}"
    assert seen == {OLD, NEW}, "the kills fell both before and after the switch"
