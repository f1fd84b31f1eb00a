"""`python -m analytics ingest/check`: exit codes, JSON contract, refusals leave the store alone."""
from __future__ import annotations

import json

import pytest

from analytics.cli import main
from analytics.store import connection, queries
from tests.builders import run_cli as run

PAIRS = "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\nP2,M2,E2,2026-02-05\n"
SESSIONS = "pair_id,occurred_on,duration_minutes\nP1,2026-01-10,60\nP9,2026-01-11,30\n"


@pytest.fixture
def files(tmp_path):
    def write(name: str, text: str | bytes):
        path = tmp_path / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
        return str(path)
    return write


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
    con = connection.connect(db_path)
    before = queries.table_counts(con)
    con.close()
    code, out, err = run(capsys, "ingest", files(name, content), "--db", str(db_path))
    assert code == 1
    assert name in err and message in err
    assert "Traceback" not in err
    con = connection.connect(db_path)
    assert queries.table_counts(con) == before
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
    from analytics.store import settings
    con = connection.connect(db_path)
    settings.set(con, "max_upload_mb", limit_mb)
    con.close()
    rows = "".join(f"E{i:07d},2020-01-01\n" for i in range(size_mb * 1024 * 1024 // 20))
    path = files("big.csv", "employee_id,hired_on\n" + rows)
    exit_code, _, err = run(capsys, "ingest", path, "--db", str(db_path))
    assert exit_code == code
    assert (f"over the {limit_mb} MB upload limit" in err) is bool(code)


@pytest.mark.parametrize("setting, value, code, words", [
    # the workbook: 3 rows × 2 columns = 6 cells, unpacking to about 9 KB
    ("max_workbook_cells", 5, 1, "3 rows × 2 columns (6 cells), over the 5-cell limit (setting max_workbook_cells)"),
    ("max_workbook_cells", 6, 0, ""),
    ("max_unpacked_mb", 1, 0, ""),
])
def test_the_workbook_limits_are_settings(files, db_path, capsys, setting, value, code, words):
    from analytics.store import settings
    from tests.fixtures_formats import xlsx
    con = connection.connect(db_path)
    settings.set(con, setting, value)
    con.close()
    path = files("hr.xlsx", xlsx({"HR": [["employee_id", "hired_on"], ["E1", "2020-01-01"], ["E2", "2020-02-01"]]}))
    exit_code, _, err = run(capsys, "ingest", path, "--db", str(db_path))
    assert (exit_code, words in err) == (code, True), err


SURVEY = ("response_id,submitted_at,networking,My mentor helped me grow my professional network\n"
          "r1,2026-04-02,4,5\nr2,2026-04-03,3,4\n")
FREE = "my_mentor_helped_me_grow_my_professional_network"  # suggested: networking
AGAIN = "i_would_sign_up_again"  # no suggestion


def test_questions_that_map_to_no_dimension_are_named_with_their_suggestion(files, db_path, capsys):
    path = files("pulse.csv", SURVEY)
    code, out, err = run(capsys, "ingest", path, "--db", str(db_path), "--json")
    assert code == 0, err
    # 'networking' names its dimension itself; the free-worded question is stored but in no figure yet.
    assert json.loads(out)["files"][0]["unmapped_questions"] == [{
        "item_id": "my_mentor_helped_me_grow_my_professional_network",
        "question": "My mentor helped me grow my professional network", "suggested": "networking"}]
    code, out, _ = run(capsys, "check", path, "--db", str(db_path))
    assert "1 question maps to no dimension" in out
    # Named by the item id --map takes.
    assert (f"    {FREE}: 'My mentor helped me grow my professional network' (suggested: networking)\n"
            in out)
    assert "--map ITEM=DIMENSION" in out and "--accept-suggestions" in out and "Upload page" in out


def test_accepting_the_suggestions_maps_those_questions(files, db_path, capsys):
    code, out, err = run(capsys, "ingest", files("pulse.csv", SURVEY), "--db", str(db_path), "--json",
                         "--accept-suggestions")
    assert code == 0, err
    assert json.loads(out)["files"][0]["unmapped_questions"] == []
    with connection.connect(db_path) as con:
        assert con.execute("SELECT item_id, dimension FROM items ORDER BY item_id").fetchall() == [
            ("my_mentor_helped_me_grow_my_professional_network", "networking"), ("networking", "networking")]


def free_worded(first: int = 1, count: int = 6) -> str:
    """A survey with a self-mapped question, one with a suggestion and one without; enough
    responses for its figures to show."""
    rows = "".join(f"r{i},2026-04-{i:02d},4,5,{i % 5 + 1}\n" for i in range(first, first + count))
    return ("response_id,submitted_at,networking,My mentor helped me grow my professional network,"
            "I would sign up again\n" + rows)


def unmapped(out: str) -> list[str]:
    return [q["item_id"] for f in json.loads(out)["files"] for q in f["unmapped_questions"]]


def dimensions(db_path) -> dict:
    with connection.connect(db_path) as con:
        return dict(con.execute("SELECT item_id, dimension FROM items").fetchall())


@pytest.mark.parametrize("argv, mapped, still_unmapped", [
    (["--map", f"{FREE}=career_clarity"], {FREE: "career_clarity", AGAIN: None}, [AGAIN]),
    (["--map", f"{AGAIN}=overall_satisfaction"], {FREE: None, AGAIN: "overall_satisfaction"}, [FREE]),
    (["--map", f"{AGAIN}=none"], {FREE: None, AGAIN: None}, [FREE]),  # not scored: no longer asked about
    (["--map", f" {AGAIN} = NONE "], {FREE: None, AGAIN: None}, [FREE]),
    (["--map", "networking=none"], {"networking": None, FREE: None, AGAIN: None}, [FREE, AGAIN]),
    (["--map", f"{FREE}=nps", "--map", f"{FREE}=career_clarity"], {FREE: "career_clarity", AGAIN: None}, [AGAIN]),
    # With --accept-suggestions, --map wins for its question and the suggestions map the rest.
    (["--map", f"{FREE}=career_clarity", "--accept-suggestions"], {FREE: "career_clarity", AGAIN: None}, [AGAIN]),
    (["--map", f"{FREE}=none", "--accept-suggestions"], {FREE: None, AGAIN: None}, [AGAIN]),
    (["--map", f"{AGAIN}=overall_satisfaction", "--accept-suggestions"],
     {FREE: "networking", AGAIN: "overall_satisfaction"}, []),
])
def test_map_gives_one_question_its_dimension(files, db_path, capsys, argv, mapped, still_unmapped):
    code, out, err = run(capsys, "ingest", files("pulse.csv", free_worded()), "--db", str(db_path), "--json", *argv)
    assert code == 0, err
    assert unmapped(out) == still_unmapped
    assert dimensions(db_path) == {"networking": "networking", **mapped}


@pytest.mark.parametrize("argv, scored", [
    (["--map", f"{AGAIN}=overall_satisfaction"], ["networking", "overall_satisfaction"]),
    (["--map", f"{FREE}=career_clarity", "--map", f"{AGAIN}=none"], ["career_clarity", "networking"]),
])
def test_a_mapped_question_counts_in_the_metrics(files, db_path, capsys, argv, scored):
    run(capsys, "ingest", files("pulse.csv", free_worded()), "--db", str(db_path), *argv)
    code, out, err = run(capsys, "metrics", "--quarter", "2026Q2", "--db", str(db_path), "--json")
    assert code == 0, err
    shown = json.loads(out)["satisfaction"]["dimensions"]
    assert sorted(d["dimension"] for d in shown if d["mean"] is not None) == scored


def stored(db_path) -> dict:
    with connection.connect(db_path) as con:
        return {**queries.table_counts(con), "mappings": queries.scalar(con, "SELECT count(*) FROM column_mappings")}


@pytest.mark.parametrize("command", ["ingest", "check"])
@pytest.mark.parametrize("value, survey, message", [
    ("foo", True, "--map foo: write ITEM=DIMENSION, e.g. --map Q7=networking."),
    ("=networking", True, "--map =networking: write ITEM=DIMENSION"),
    (f"{AGAIN}=netwrking", True, "'netwrking' is not a dimension. Use one of: industry_knowledge, networking, "),
    (f"{AGAIN}=", True, "or none to leave the question unscored."),
    ("Q9=networking", True, "--map Q9=networking: not a question of any survey file given. Use an item id of one "
                            f"(pulse.csv: networking, {FREE}, {AGAIN})."),
    (f"{AGAIN}=networking", False, f"--map {AGAIN}=networking: none of the files is a survey"),
])
def test_a_bad_map_value_is_refused_in_one_line_and_nothing_is_written(
        files, db_path, capsys, command, value, survey, message):
    run(capsys, "ingest", files("pairs.csv", PAIRS), "--db", str(db_path))
    before = stored(db_path)
    paths = [files("pairs.csv", PAIRS), *([files("pulse.csv", free_worded())] if survey else [])]
    code, out, err = run(capsys, command, *paths, "--db", str(db_path), "--map", value)
    assert (code, out) == (1, "")
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert stored(db_path) == before


@pytest.mark.parametrize("first, later, still_unmapped", [
    ("ingest", {FREE: "career_clarity", AGAIN: None}, []),  # ingest saves the mapping for the survey
    ("check", {FREE: None, AGAIN: None}, [FREE, AGAIN]),    # check writes nothing
])
def test_a_map_given_to_ingest_is_reused_by_later_uploads_of_the_survey(
        files, db_path, capsys, first, later, still_unmapped):
    run(capsys, "ingest", files("pairs.csv", PAIRS), "--db", str(db_path))
    run(capsys, first, files("april.csv", free_worded(1)), "--db", str(db_path),
        "--map", f"{FREE}=career_clarity", "--map", f"{AGAIN}=none")
    code, out, err = run(capsys, "ingest", files("may.csv", free_worded(10)), "--db", str(db_path), "--json")
    assert code == 0, err
    assert unmapped(out) == still_unmapped
    assert dimensions(db_path) == {"networking": "networking", **later}


def test_a_map_serves_the_survey_that_has_the_question_and_platform_files_ignore_it(files, db_path, capsys):
    again_only = "response_id,submitted_at,I would sign up again\nr1,2026-04-02,5\n"
    code, out, err = run(capsys, "ingest", files("pairs.csv", PAIRS), files("pulse.csv", SURVEY),
                         files("again.csv", again_only), "--db", str(db_path), "--json",
                         "--map", f"{FREE}=career_clarity", "--map", f"{AGAIN}=none")
    assert code == 0, err
    assert [f["rows_loaded"] for f in json.loads(out)["files"]] == [2, 2, 1]
    with connection.connect(db_path) as con:
        assert sorted(con.execute("SELECT s.title, m.item_id, m.dimension FROM column_mappings m "
                                  "JOIN surveys s USING (fingerprint)").fetchall()) == [
            ("again", AGAIN, None), ("pulse", FREE, "career_clarity")]


def test_a_refused_survey_says_why_rather_than_that_the_map_names_no_question(files, db_path, capsys):
    ambiguous = "response_id,submitted_at,I would sign up again\nr1,03/04/2026,5\n"
    code, _, err = run(capsys, "check", files("pulse.csv", ambiguous), "--db", str(db_path), "--map", "Q9=networking")
    assert code == 1 and "--day-first" in err and "--map" not in err


@pytest.mark.parametrize("verb", ["check", "ingest"])
def test_rows_that_are_no_response_are_said_skipped(files, db_path, capsys, verb):
    import fixtures_formats as F
    code, out, err = run(capsys, verb, files("q.csv", F.qualtrics_legacy()), "--db", str(db_path),
                         "--accept-suggestions")
    assert code == 0, err
    assert ", 1 survey-preview response (the survey tool's own test) skipped; " in out


RECOMMEND = "How likely are you to recommend the mentoring program to a colleague?"
PULSE = [["submitted_at", "respondent_id", "wave", RECOMMEND],
         ["2026-04-03 09:00", "E1", "pulse", "9"], ["2026-04-04 09:00", "E2", "pulse", "6"],
         ["2026-04-05 09:00", "E3", "pulse", "10"]]


def csv_of(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


@pytest.mark.parametrize("verb, expected_line", [
    ("check", "responses: 1 new, 1 changed (updated in place), 2 already stored"),
    ("ingest", "responses: 1 new, 1 changed (updated in place), 2 already stored"),
])
def test_a_reworded_reexport_says_which_responses_are_new_changed_and_stored(files, db_path, capsys, verb,
                                                                          expected_line):
    code, _, err = run(capsys, "ingest", files("pulse.csv", csv_of(PULSE)), "--db", str(db_path),
                       "--accept-suggestions")
    assert code == 0, err
    reexport = [[*PULSE[0][:3], "How likely is it that you would recommend the mentoring program to a colleague?"],
                *PULSE[1:3], ["2026-04-05 09:00", "E3", "pulse", "8"],  # E3 corrected their answer
                ["2026-04-06 09:00", "E4", "pulse", "7"]]               # E4 answered since
    path = files("pulse-again.csv", csv_of(reexport))

    code, out, err = run(capsys, verb, path, "--db", str(db_path))
    assert code == 0, err
    assert expected_line in out and "no dimension" not in out  # the reworded question keeps its mapping
    code, out, _ = run(capsys, "check", path, "--db", str(db_path), "--json")
    entry = json.loads(out)["files"][0]
    stored_now = (0, 0, 4) if verb == "ingest" else (1, 1, 2)
    assert (entry["responses_new"], entry["responses_changed"], entry["responses_already_stored"]) == stored_now
    assert (entry["rows_loaded"], entry["rows_duplicate"]) == (stored_now[0] + stored_now[1], stored_now[2])
    with connection.connect(db_path) as con:
        assert con.execute("SELECT count(*) FROM responses").fetchone()[0] == (4 if verb == "ingest" else 3)


@pytest.mark.parametrize("name, content, line", [
    # A survey's reason does not name its date column: the line does.
    ("survey.csv", "submitted_at,respondent_id,How satisfied are you overall?\n2026-05-02,e1,4\n2026-02-31,e2,5\n",
     "  row 3 (submitted_at): '2026-02-31' is not a date"),
    # A platform file's reason names it already: not twice.
    ("sessions.csv", "pair_id,occurred_on,duration_minutes\nP1,2026-02-02,60\nP1,2026-02-31,60\n",
     "  row 3: '2026-02-31' in occurred_on is not a date"),
])
def test_a_rejected_row_is_named_by_its_row_and_column(files, db_path, capsys, name, content, line):
    run(capsys, "ingest", files("pairs.csv", PAIRS), "--db", str(db_path))
    code, out, _ = run(capsys, "check", files(name, content), "--db", str(db_path))
    assert code == 0
    assert line in out
