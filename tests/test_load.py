"""Loading platform batches: upsert, duplicates, stubs, references, rollback, removal."""
from __future__ import annotations

import threading

import pytest

from analytics.ingest import load as store
from analytics.ingest.platform import parse_platform
from analytics.store import connection, queries, schema
from tests.builders import staged_csv


def batch(kind: str, header: list[str], *rows: list[str]):
    return parse_platform(staged_csv(header, *rows), kind, f"{kind}.csv")


def info(kind: str, rows: int) -> store.UploadInfo:
    return store.UploadInfo(f"{kind}.csv", "sha", kind, "generic", rows, (None, None))


PAIRS = ["pair_id", "mentor_id", "mentee_id", "matched_on", "ended_on"]


def load_pairs(con, *rows):
    return store.load_platform(con, batch("pairs", PAIRS, *rows), info("pairs", len(rows)))


def test_the_same_rows_again_load_nothing_and_count_as_duplicates(con):
    rows = [["P1", "M1", "E1", "2026-01-05", ""], ["P2", "M2", "E2", "2026-01-06", ""]]
    first, second = load_pairs(con, *rows), load_pairs(con, *rows)
    assert (first.rows_loaded, first.rows_duplicate) == (2, 0)
    assert (second.rows_loaded, second.rows_duplicate) == (0, 2)
    assert queries.scalar(con, "SELECT count(*) FROM pairs") == 2


def test_a_cumulative_re_export_upserts_corrections_and_adds_new_rows(con):
    load_pairs(con, ["P1", "M1", "E1", "2026-01-05", ""], ["P2", "M2", "E2", "2026-01-06", ""])
    result = load_pairs(con, ["P1", "M1", "E1", "2026-01-05", "2026-06-01"],  # corrected: ended
                        ["P2", "M2", "E2", "2026-01-06", ""],                # unchanged
                        ["P3", "M3", "E3", "2026-04-01", ""])                # new
    assert (result.rows_loaded, result.rows_duplicate) == (2, 1)
    assert con.execute("SELECT pair_id, ended_on::VARCHAR FROM pairs ORDER BY 1").fetchall() == [
        ("P1", "2026-06-01"), ("P2", None), ("P3", None)]


PARTICIPANT = ["participant_id", "role", "program", "cohort", "department", "level", "name"]

# (kind, stored file, re-export, (loaded, duplicate) of the re-export, columns read back, rows stored after).
# A re-export that lacks a column leaves it as stored; an empty cell of a column it has clears it.
PARTIAL_RE_EXPORTS = [
    pytest.param("participants", (PARTICIPANT, ["E1", "mentee", "Leaders", "2026A", "Sales", "L2", "Ana"]),
                 (["participant_id", "role"], ["E1", "mentor"]), (1, 0), PARTICIPANT,
                 [("E1", "mentor", "Leaders", "2026A", "Sales", "L2", "Ana")], id="participants-absent-kept"),
    pytest.param("participants", (PARTICIPANT, ["E1", "mentee", "Leaders", "2026A", "Sales", "L2", "Ana"]),
                 (["Participant ID", "Role", "Dept"], ["E1", "mentee", ""]), (1, 0), PARTICIPANT,
                 [("E1", "mentee", "Leaders", "2026A", None, "L2", "Ana")], id="participants-empty-cell-clears"),
    pytest.param("participants", (PARTICIPANT, ["E1", "mentee", "Leaders", "2026A", "Sales", "L2", "Ana"]),
                 (["participant_id", "role"], ["E1", "mentee"], ["E2", "mentor"]), (1, 1), PARTICIPANT,
                 [("E1", "mentee", "Leaders", "2026A", "Sales", "L2", "Ana"),
                  ("E2", "mentor", None, None, None, None, None)], id="participants-same-given-columns-duplicate"),
    pytest.param("pairs", (PAIRS + ["end_reason", "program"], ["P1", "M1", "E1", "2026-01-05", "2026-06-01",
                                                               "completed", "Leaders"]),
                 (PAIRS, ["P1", "M1", "E1", "2026-01-05", "2026-06-30"]), (1, 0),
                 ["pair_id", "ended_on", "end_reason", "program"],
                 [("P1", "2026-06-30", "completed", "Leaders")], id="pairs"),
    pytest.param("sessions", (["session_id", "pair_id", "occurred_on", "duration_minutes", "status", "topic"],
                              ["S1", "P9", "2026-02-01", "30", "cancelled", "Goals"]),
                 (["session_id", "pair_id", "occurred_on", "duration_minutes"],
                  ["S1", "P9", "2026-02-01", "45"], ["S2", "P9", "2026-03-01", "60"]), (2, 0),
                 ["session_id", "duration_minutes", "status", "topic"],
                 [("S1", "45.0", "cancelled", "Goals"), ("S2", "60.0", "held", None)], id="sessions"),
    pytest.param("goals", (["goal_id", "pair_id", "due_on", "status", "category"],
                           ["G1", "P9", "2026-05-01", "achieved", "Career"]),
                 (["goal_id", "pair_id", "due_on"], ["G1", "P9", "2026-06-01"]), (1, 0),
                 ["goal_id", "due_on", "status", "category"], [("G1", "2026-06-01", "achieved", "Career")],
                 id="goals"),
    pytest.param("employees", (["employee_id", "hired_on", "department", "level"],
                               ["E1", "2020-01-01", "Sales", "L2"]),
                 (["employee_id", "hired_on", "terminated_on"], ["E1", "2020-01-01", "2026-04-30"]), (1, 0),
                 ["employee_id", "terminated_on", "department", "level"],
                 [("E1", "2026-04-30", "Sales", "L2")], id="employees"),
]


@pytest.mark.parametrize("kind, stored, re_export, counts, columns, expected", PARTIAL_RE_EXPORTS)
def test_a_re_export_without_a_column_keeps_the_stored_values_of_that_column(con, kind, stored, re_export,
                                                                              counts, columns, expected):
    if kind in ("sessions", "goals"):
        load_pairs(con, ["P9", "M9", "E9", "2026-01-05", ""])
    for header, *rows in (stored, re_export):
        result = store.load_platform(con, batch(kind, header, *rows), info(kind, len(rows)))
    assert (result.rows_loaded, result.rows_duplicate) == counts
    read = ", ".join(f"{c}::VARCHAR" for c in columns)
    assert con.execute(f"SELECT {read} FROM {kind} ORDER BY 1").fetchall() == expected


def test_pairs_create_stub_participants_and_a_later_participant_file_completes_them(con):
    result = load_pairs(con, ["P1", "M1", "E1", "2026-01-05", ""])
    assert result.stubs_created == ["E1", "M1"]
    store.load_platform(con, batch("participants", ["participant_id", "role", "department"], ["E1", "mentee", "Sales"]),
                        info("participants", 1))
    assert con.execute("SELECT participant_id, role, department, is_stub FROM participants ORDER BY 1").fetchall() == [
        ("E1", "mentee", "Sales", False), ("M1", "mentor", None, True)]


def test_sessions_of_unknown_pairs_are_rejected_and_the_rest_load(con):
    load_pairs(con, ["P1", "M1", "E1", "2026-01-05", ""])
    result = store.load_platform(con, batch("sessions", ["pair_id", "occurred_on"], ["P1", "2026-01-10"],
                                            ["P9", "2026-01-11"]), info("sessions", 2))
    assert (result.rows_loaded, result.rows_rejected) == (1, 1)
    assert con.execute("SELECT row_number, column_name, reason FROM rejected_rows").fetchall() == [
        (3, "pair_id", "pair 'P9' is not loaded; upload the pairs file first, then this file again")]
    assert con.execute("SELECT rows_read, rows_loaded, rows_rejected FROM uploads WHERE kind = 'sessions'"
                       ).fetchall() == [(2, 1, 1)]


def test_a_failure_mid_load_leaves_the_database_exactly_as_it_was(con, monkeypatch):
    load_pairs(con, ["P1", "M1", "E1", "2026-01-05", ""])
    before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in schema.DATA_TABLES}

    def explode(*args, **kwargs):
        raise RuntimeError("disk full (injected)")
    monkeypatch.setattr(store, "_finish_upload", explode)
    with pytest.raises(RuntimeError, match="injected"):
        load_pairs(con, ["P2", "M2", "E2", "2026-02-05", ""])
    after = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in schema.DATA_TABLES}
    assert after == before


def test_removing_an_upload_deletes_the_rows_it_wrote(con):
    first = load_pairs(con, ["P1", "M1", "E1", "2026-01-05", ""])
    second = load_pairs(con, ["P2", "M2", "E2", "2026-01-06", ""])
    removed = store.remove_upload(con, second.upload_id)
    assert removed["pairs"] == 1 and removed["participants"] == 2
    assert con.execute("SELECT pair_id FROM pairs").fetchall() == [("P1",)]
    assert con.execute("SELECT upload_id FROM uploads").fetchall() == [(first.upload_id,)]


def test_two_threads_loading_at_once_both_land(db_path):
    con = connection.connect(db_path)
    errors = []

    def worker(prefix: str):
        cursor = con.cursor()
        try:
            for i in range(5):
                store.load_platform(cursor, batch("employees", ["employee_id", "hired_on"],
                                                  [f"{prefix}{i}", "2020-01-01"]), info("employees", 1))
        except Exception as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(p,)) for p in "AB"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert queries.scalar(con, "SELECT count(*) FROM employees") == 10
    assert queries.scalar(con, "SELECT count(*) FROM uploads") == 10
    con.close()
