"""Upload history, data health and the quarters that have data."""
from __future__ import annotations

import pytest

from analytics.ingest.load import remove_upload
from analytics.ingest.pipeline import analyse, load
from analytics.measures.filters import available_quarters
from analytics.ops import health
from tests import builders


def ingest(con, name: str, text: str):
    return load(con, analyse(text.encode(), name, con))


def test_history_lists_uploads_newest_first_with_their_counts(con):
    ingest(con, "pairs.csv", "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\n")
    ingest(con, "sessions.csv", "pair_id,occurred_on\nP1,2026-01-10\nP2,2026-01-11\n")
    history = health.upload_history(con)
    assert history[["file_name", "kind", "rows_read", "rows_loaded", "rows_rejected"]].values.tolist() == [
        ["sessions.csv", "sessions", 2, 1, 1], ["pairs.csv", "pairs", 1, 1, 0]]
    rejected = health.rejected_rows(con, int(history.iloc[0]["upload_id"]))
    assert rejected[["row_number", "column_name"]].values.tolist() == [[3, "pair_id"]]


PAIRS = "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\n"


@pytest.mark.parametrize("loaded, removed, checked, expected", [
    ([PAIRS], [], PAIRS, [(1, "pairs.csv")]),
    ([PAIRS, PAIRS], [], PAIRS, [(1, "pairs.csv"), (2, "pairs.csv")]),  # oldest first
    ([PAIRS], [], PAIRS.replace("M1", "M9"), []),  # other bytes, even if the same kind and name
    ([PAIRS], [1], PAIRS, []),  # a removed upload's rows are gone: loading it again is not a repeat
])
def test_a_file_loaded_before_is_recognised_by_its_bytes(con, loaded, removed, checked, expected):
    for text in loaded:
        ingest(con, "pairs.csv", text)
    for upload_id in removed:
        remove_upload(con, upload_id)
    sha256 = analyse(checked.encode(), "pairs.csv", con).sha256
    found = health.same_file_uploads(con, sha256)
    assert list(zip(found["upload_id"], found["file_name"])) == expected


def test_health_counts_rows_coverage_and_orphans(con):
    ingest(con, "pairs.csv", "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\nP2,M2,E2,2026-02-05\n")
    pairs_upload = int(health.upload_history(con).iloc[0]["upload_id"])
    ingest(con, "sessions.csv", "pair_id,occurred_on\nP1,2026-01-10\nP2,2026-03-11\n")
    remove_upload(con, pairs_upload)  # the sessions now point at pairs that are gone
    frame = health.data_health(con).set_index("table")
    assert frame.loc["sessions", ["rows", "orphans"]].tolist() == [2, 2]
    assert str(frame.at["sessions", "first_date"]) == "2026-01-10" and str(frame.at["sessions", "last_date"]) == "2026-03-11"
    assert frame.at["sessions", "orphan_meaning"] == "meetings of a pair that is no longer loaded"
    assert frame.loc["pairs", ["rows", "orphans"]].tolist() == [0, 0]


def test_stub_participants_are_reported(con):
    ingest(con, "pairs.csv", "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\n")
    assert health.data_health(con).set_index("table").at["participants", "orphans"] == 2


@pytest.mark.parametrize("fiscal_start, expected", [
    (1, ["2026Q3", "2026Q1", "2025Q4"]),
    (7, ["FY2027Q1", "FY2026Q3", "FY2026Q2"]),   # FY2027 runs Jul 2026 – Jun 2027
])
def test_available_quarters(fiscal_start, expected):
    con = builders.fresh()
    builders.insert(con, "sessions", """
        session_id | pair_id | occurred_on | status
        s1         | p1      | 2025-12-31  | held
        s2         | p1      | 2026-02-01  | held
        s3         | p1      | 2026-05-01  | cancelled""")
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | nps\nr1 | e1 | pulse | 2026-08-01 | 9")
    assert [p.label for p in available_quarters(con, fiscal_start)] == expected


@pytest.mark.parametrize("known, orphans", [
    ([], 3),                  # nobody known: every pair points at nothing
    (["M1"], 2),              # one side known is enough
    (["E2", "M3"], 1),
    (["M1", "E2", "E3"], 0),
])
def test_a_pair_is_an_orphan_when_neither_person_is_a_participant(con, known, orphans):
    con.execute("INSERT INTO pairs (pair_id, mentor_id, mentee_id, matched_on) VALUES "
                "('P1', 'M1', 'E1', DATE '2026-01-05'), ('P2', 'M2', 'E2', DATE '2026-01-05'), "
                "('P3', 'M3', 'E3', DATE '2026-01-05')")
    for person in known:
        con.execute("INSERT INTO participants (participant_id, role) VALUES (?, 'mentee')", [person])
    assert health.data_health(con).set_index("table").at["pairs", "orphans"] == orphans
