"""The built-in demo: every sample export loads, twice gives identical counts,
and one call clears it."""
from __future__ import annotations

import pytest

from analytics import db, demo


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    con = db.connect(tmp_path_factory.mktemp("demo") / "demo.duckdb")
    first = demo.load_demo(con)
    counts = db.table_counts(con)
    second = demo.load_demo(con)
    yield con, first, counts, second
    con.close()


def test_every_sample_file_loads(demo_db):
    _, first, _, _ = demo_db
    assert [(p.file_name, p.error.message if p.error else None) for p in first if p.error] == []
    assert {p.kind for p in first} == {"participants", "employees", "pairs", "sessions", "goals", "survey"}
    assert {p.format for p in first} >= {"generic", "qualtrics", "surveymonkey", "google_forms", "ms_forms"}


def test_loading_the_demo_twice_gives_identical_counts(demo_db):
    con, _, counts, _ = demo_db
    after = db.table_counts(con)
    # The second load adds upload records (all rows duplicate) and nothing else.
    assert {t: n for t, n in after.items() if t != "uploads"} == {t: n for t, n in counts.items() if t != "uploads"}
    assert after["uploads"] == 2 * counts["uploads"]
    assert con.execute("SELECT sum(rows_loaded) FROM uploads WHERE upload_id > ?", [counts["uploads"]]).fetchone() == (0,)


def test_the_demo_is_marked_and_clears_in_one_call(tmp_path):
    con = db.connect(tmp_path / "d.duckdb")
    assert demo.is_fresh(con)
    demo.load_demo(con)
    assert demo.has_demo(con)
    assert not demo.is_fresh(con)
    removed = demo.clear_demo(con)
    assert removed > 0 and not demo.has_demo(con)
    assert not demo.is_fresh(con)  # cleared once, never offered again
    assert db.table_counts(con) == {t: 0 for t in db.DATA_TABLES}
    assert con.execute("SELECT count(*) FROM improvements").fetchone() == (0,)
    con.close()


@pytest.mark.parametrize("setting, fresh, expected", [("on", True, True), ("off", True, False), ("on", False, False)])
def test_the_demo_is_wanted_only_in_a_fresh_database_unless_switched_off(monkeypatch, con, setting, fresh, expected):
    monkeypatch.setenv("MENTORSCOPE_DEMO", setting)
    if not fresh:
        con.execute("INSERT INTO audit_log VALUES (now(), NULL, 'upload', 'upload 1')")
    assert demo.wanted(con) is expected
