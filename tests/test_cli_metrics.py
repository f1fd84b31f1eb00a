import json

import pytest

from analytics.cli import main
from analytics.store import connection
from tests.builders import insert


@pytest.fixture
def loaded(tmp_path):
    path = tmp_path / "m.duckdb"
    con = connection.connect(path)
    insert(con, "participants", """
        participant_id | role   | department
        e1             | mentee | Engineering
    """)
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program    | cohort
        p1      | m1        | e1        | 2026-01-01 | Leadership | 2026-spring
    """)
    insert(con, "sessions", """
        session_id | pair_id | occurred_on | duration_minutes | status
        s1         | p1      | 2026-05-01  | 45               | held
    """)
    con.close()
    return path


def run(capsys, *args):
    code = main(["metrics", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json(capsys, loaded):
    code, out, err = run(capsys, "--quarter", "2026Q2", "--db", str(loaded), "--json", "--program", "Leadership")
    result = json.loads(out)
    assert code == 0 and err == ""
    assert result["filters"]["program"] == "Leadership"
    assert result["engagement"]["sessions_held"] == 1
    assert result["engagement"]["median_hours_per_active_pair"] == 0.75


def test_table(capsys, loaded):
    code, out, _ = run(capsys, "--quarter", "2026Q2", "--db", str(loaded), "--department", "Engineering")
    assert code == 0
    assert out.startswith("Q2 2026 · Engineering department")
    line = next(l for l in out.splitlines() if l.startswith("sessions_held"))
    assert line.split()[-1] == "1"
    assert "no employee file loaded" in out
    assert "needs an employee file with department and level" in out


def test_table_impact_of_a_young_program(capsys, loaded):
    con = connection.connect(loaded)
    insert(con, "employees", """
        employee_id | hired_on   | department  | level
        e1          | 2020-01-01 | Engineering | Senior
        x1          | 2020-01-01 | Engineering | Senior
    """)
    con.close()
    code, out, _ = run(capsys, "--quarter", "2026Q2", "--db", str(loaded))
    # the only pair is matched 2026-01-01, after the landmark 2025-07-01: e1 is in neither group
    line = next(l for l in out.splitlines() if l.startswith("impact retention_12m"))
    # hidden, as every small figure reads
    assert code == 0 and "n=0/0 in 0 strata (0 unmatched)" in line and line.endswith("n < min group size")
    assert "first comparison as of 2027-01-01" in out
    assert "n=0/1 (neither 1)" in next(l for l in out.splitlines() if l.startswith("employee_retention_12m"))


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2026-Q9"], "write a quarter as '2026Q2'"),
    (["--quarter", "2026Q2", "--program", "Sales"], "known programs: Leadership"),
    (["--quarter", "2026Q2", "--cohort", "x"], "known cohorts: 2026-spring"),
    (["--quarter", "2026Q2", "--department", "Legal"], "known departments: Engineering"),
    (["--quarter", "2026Q2", "--role", "boss"], "known roles: mentee"),
    # the one held meeting is in 2026Q2: 2026Q1 would report an open pair that never met
    (["--quarter", "2026Q1"], "2026Q1 (2026-01-01 to 2026-03-31) has no held meetings or survey responses: the data "
                              "covers 2026Q2. Choose a quarter in that range"),
    (["--quarter", "2030Q1"], "2030Q1 (2030-01-01 to 2030-03-31) has no held meetings"),
])
def test_refusals(capsys, loaded, args, message):
    code, out, err = run(capsys, *args, "--db", str(loaded))
    assert code == 1 and out == "" and message in err


@pytest.mark.parametrize("create", [True, False])
def test_empty_database(capsys, tmp_path, create):
    path = tmp_path / "empty.duckdb"
    if create:
        connection.connect(path).close()
    code, out, err = run(capsys, "--quarter", "2026Q2", "--db", str(path), "--json")
    assert code == 1 and out == ""
    assert "no data loaded yet: run python -m analytics ingest" in err
    assert path.exists() == create  # a missing file is not created


def test_default_db_from_environment(capsys, loaded, monkeypatch):
    monkeypatch.setenv("MENTORSCOPE_DB", str(loaded))
    code, out, _ = run(capsys, "--quarter", "2026Q2", "--json")
    assert code == 0 and json.loads(out)["engagement"]["open_pairs"] == 1


def test_fiscal_quarter_uses_the_setting(capsys, loaded):
    con = connection.connect(loaded)
    con.execute("INSERT INTO settings VALUES ('fiscal_year_start_month', '7')")
    con.close()
    code, out, _ = run(capsys, "--quarter", "FY2026Q4", "--db", str(loaded), "--json")
    assert code == 0 and json.loads(out)["period"] == {"label": "FY2026Q4", "start": "2026-04-01",
                                                       "end": "2026-06-30"}


def test_a_quarter_in_progress_is_reported_with_a_note(capsys, tmp_path):
    from datetime import date

    from analytics.measures.filters import Period
    today = date.today()
    current = Period.quarter(today.year, (today.month - 1) // 3 + 1)
    path = tmp_path / "now.duckdb"
    con = connection.connect(path)
    insert(con, "pairs", f"""
        pair_id | mentor_id | mentee_id | matched_on
        p1      | m1        | e1        | {current.start}
    """)
    insert(con, "sessions", f"""
        session_id | pair_id | occurred_on | status
        s1         | p1      | {today}     | held
    """)
    con.close()
    code, out, err = run(capsys, "--quarter", current.label, "--db", str(path), "--json")
    assert code == 0 and json.loads(out)["engagement"]["sessions_held"] == 1
    assert err == f"note: {current.progress_note()}\n"
