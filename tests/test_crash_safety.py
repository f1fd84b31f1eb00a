"""A load killed with SIGKILL in the middle of its transaction leaves the
database consistent, and the same file loads again afterwards."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from analytics.cli import main
from analytics.store import connection, queries
from tests.conftest import ROOT

# Runs the real `ingest`, but stops for good right after the rows are written
# and before the commit, and says so: the parent then kills it there.
CHILD = textwrap.dedent("""
    import sys, time
    import analytics.ingest.load as load
    real = load._upsert
    def upsert_then_hang(*args, **kwargs):
        result = real(*args, **kwargs)
        print("inside the transaction", flush=True)
        time.sleep(600)
        return result
    load._upsert = upsert_then_hang
    from analytics.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def test_sigkill_mid_load_leaves_the_database_as_it_was(tmp_path, db_path, capsys):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("pair_id,mentor_id,mentee_id,matched_on\n" +
                     "".join(f"P{i},M{i},E{i},2026-01-05\n" for i in range(2000)))
    employees = tmp_path / "employees.csv"
    employees.write_text("employee_id,hired_on\nX1,2020-01-01\n")
    assert main(["ingest", str(employees), "--db", str(db_path)]) == 0
    con = connection.connect(db_path)
    before = queries.table_counts(con)
    con.close()

    child = subprocess.Popen([sys.executable, "-c", CHILD, "ingest", str(pairs), "--db", str(db_path)],
                             cwd=ROOT, stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert child.stdout.readline().strip() == "inside the transaction"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)
    finally:
        child.kill()

    con = connection.connect(db_path)
    assert queries.table_counts(con) == before
    con.close()
    capsys.readouterr()
    assert main(["ingest", str(pairs), "--db", str(db_path), "--json"]) == 0
    assert '"rows_loaded": 2000' in capsys.readouterr().out
