"""`python -m analytics ingest/check`: exit codes, JSON contract, refusals leave the store alone."""
from __future__ import annotations

import json

import pytest

from analytics import db
from analytics.cli import main

PAIRS = "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\nP2,M2,E2,2026-02-05\n"
SESSIONS = "pair_id,occurred_on,duration_minutes\nP1,2026-01-10,60\nP9,2026-01-11,30\n"


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str | bytes):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return write


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_ingest_json_reports_each_file(files, db_path, capsys):
    code, out, err = run(capsys, "ingest", files("pairs.csv", PAIRS), files("sessions.csv", SESSIONS),
                         "--db", str(db_path), "--json")
    assert code == 0, err
    pairs, sessions = json.loads(out)["files"]
    assert {k: pairs[k] for k in ("kind", "format", "rows_read", "rows_loaded", "rows_rejected", "rows_duplicate",
                                  "date_range", "errors")} == {
        "kind": "pairs", "format": "generic", "rows_read": 2, "rows_loaded": 2, "rows_rejected": 0,
        "rows_duplicate": 0, "date_range": ["2026-01-05", "2026-02-05"], "errors": []}
    assert (sessions["rows_loaded"], sessions["rows_rejected"]) == (1, 1)
    assert sessions["rejected"][0]["row_number"] == 3


def test_the_same_file_twice_is_all_duplicates(files, db_path, capsys):
    path = files("pairs.csv", PAIRS)
    run(capsys, "ingest", path, "--db", str(db_path))
    code, out, _ = run(capsys, "ingest", path, "--db", str(db_path), "--json")
    result = json.loads(out)["files"][0]
    assert (code, result["rows_loaded"], result["rows_duplicate"]) == (0, 0, 2)


@pytest.mark.parametrize("name, content, message", [
    ("empty.csv", b"", "empty.csv"),
    ("header_only.csv", b"pair_id,mentor_id,mentee_id,matched_on\n", "no data rows"),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
    ("what.csv", b"colour,flavour\nred,sweet\n", "what.csv"),
])
def test_a_refused_file_exits_1_names_the_file_and_leaves_the_database_unchanged(
        files, db_path, capsys, name, content, message):
    run(capsys, "ingest", files("pairs.csv", PAIRS), "--db", str(db_path))
    con = db.connect(db_path)
    before = db.table_counts(con)
    con.close()
    code, out, err = run(capsys, "ingest", files(name, content), "--db", str(db_path))
    assert code == 1
    assert name in err and message in err
    assert "Traceback" not in err
    con = db.connect(db_path)
    assert db.table_counts(con) == before
    con.close()


def test_other_files_still_load_when_one_is_refused(files, db_path, capsys):
    code, out, err = run(capsys, "ingest", files("bad.csv", b""), files("pairs.csv", PAIRS), "--db", str(db_path),
                         "--json")
    assert code == 1
    assert [f["rows_loaded"] for f in json.loads(out)["files"]] == [0, 2]


def test_a_missing_path_is_a_clear_refusal(db_path, capsys):
    code, _, err = run(capsys, "ingest", "no/such/file.csv", "--db", str(db_path))
    assert code == 1 and "no/such/file.csv" in err and "cannot be read" in err


def test_check_writes_nothing(files, db_path, capsys):
    code, out, _ = run(capsys, "check", files("pairs.csv", PAIRS), "--db", str(db_path), "--json")
    assert code == 0
    assert json.loads(out)["files"][0]["rows_loaded"] == 2  # would load
    assert not db_path.exists()


@pytest.mark.parametrize("argv", [["ingest"], ["ingest", "x.csv", "--kind", "nonsense"], ["frobnicate"]])
def test_usage_errors_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2


def test_ambiguous_dates_ask_and_the_flag_answers(files, db_path, capsys):
    path = files("hr.csv", "employee_id,hired_on\nE1,03/04/2020\n")
    code, _, err = run(capsys, "ingest", path, "--db", str(db_path))
    assert code == 1 and "--day-first" in err
    code, out, _ = run(capsys, "ingest", path, "--day-first", "--db", str(db_path), "--json")
    assert code == 0 and json.loads(out)["files"][0]["date_range"] == ["2020-04-03", "2020-04-03"]


@pytest.mark.parametrize("limit_mb, size_mb, code", [(1, 2, 1), (3, 2, 0)])
def test_the_upload_limit_is_a_setting(files, db_path, capsys, limit_mb, size_mb, code):
    from analytics import settings
    con = db.connect(db_path)
    settings.set(con, "max_upload_mb", limit_mb)
    con.close()
    rows = "".join(f"E{i:07d},2020-01-01\n" for i in range(size_mb * 1024 * 1024 // 20))
    path = files("big.csv", "employee_id,hired_on\n" + rows)
    exit_code, _, err = run(capsys, "ingest", path, "--db", str(db_path))
    assert exit_code == code
    assert (f"over the {limit_mb} MB upload limit" in err) is bool(code)


SURVEY = ("response_id,submitted_at,networking,My mentor helped me grow my professional network\n"
          "r1,2026-04-02,4,5\nr2,2026-04-03,3,4\n")


def test_questions_that_map_to_no_dimension_are_named_with_their_suggestion(files, db_path, capsys):
    path = files("pulse.csv", SURVEY)
    code, out, err = run(capsys, "ingest", path, "--db", str(db_path), "--json")
    assert code == 0, err
    # 'networking' names its dimension itself; the free-worded question is stored but in no figure yet.
    assert json.loads(out)["files"][0]["unmapped_questions"] == [{
        "item_id": "my_mentor_helped_me_grow_my_professional_network",
        "question": "My mentor helped me grow my professional network", "suggested": "networking"}]
    code, out, _ = run(capsys, "check", path, "--db", str(db_path))
    assert "1 question maps to no dimension" in out and "(suggested: networking)" in out
    assert "Upload page" in out and "--accept-suggestions" in out


def test_accepting_the_suggestions_maps_those_questions(files, db_path, capsys):
    code, out, err = run(capsys, "ingest", files("pulse.csv", SURVEY), "--db", str(db_path), "--json",
                         "--accept-suggestions")
    assert code == 0, err
    assert json.loads(out)["files"][0]["unmapped_questions"] == []
    with db.connect(db_path) as con:
        assert con.execute("SELECT item_id, dimension FROM items ORDER BY item_id").fetchall() == [
            ("my_mentor_helped_me_grow_my_professional_network", "networking"), ("networking", "networking")]
