"""The built-in demo: every sample export loads, twice gives identical counts,
one call clears it, and a load cut short is finished once, unless the data changed since."""
from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor

import pytest
from streamlit.testing.v1 import AppTest

from analytics.ingest.load import remove_upload
from analytics.ingest.pipeline import ingest_paths
from analytics.measures import objectives
from analytics.measures.filters import Filters, Period
from analytics.ops import demo
from analytics.store import connection, queries, schema
from tests.test_pages import DASHBOARD


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory, demo_file):
    """The demo loaded (the run's demo database), its counts, then the demo loaded again."""
    con = connection.connect(shutil.copy(demo_file, tmp_path_factory.mktemp("demo") / "demo.duckdb"))
    counts = queries.table_counts(con)
    second = demo.load_demo(con)
    yield con, counts, second
    con.close()


def test_every_sample_file_loads(demo_db):
    con, counts, _ = demo_db
    first = con.execute("SELECT file_name, kind, format, rows_loaded FROM uploads WHERE upload_id <= ?",
                        [counts["uploads"]]).df()
    assert sorted(first["file_name"]) == [path.name for path in demo.demo_files()]  # a refused file has no upload
    assert first["rows_loaded"].gt(0).all()
    assert set(first["kind"]) == {"participants", "employees", "pairs", "sessions", "goals", "survey"}
    assert set(first["format"]) >= {"generic", "qualtrics", "surveymonkey", "google_forms", "ms_forms"}


def test_loading_the_demo_twice_gives_identical_counts(demo_db):
    con, counts, second = demo_db
    assert [(p.file_name, p.error.message) for p in second if p.error] == []
    after = queries.table_counts(con)
    # The second load adds upload records (all rows duplicate) and nothing else.
    assert {t: n for t, n in after.items() if t != "uploads"} == {t: n for t, n in counts.items() if t != "uploads"}
    assert after["uploads"] == 2 * counts["uploads"]
    assert con.execute("SELECT sum(rows_loaded) FROM uploads WHERE upload_id > ?", [counts["uploads"]]).fetchone() == (0,)


def test_the_demo_is_marked_and_clears_in_one_call(con, tmp_path, demo_file):
    assert demo.missing_files(con) == demo.demo_files()  # a fresh database: every file
    loaded_db = connection.connect(shutil.copy(demo_file, tmp_path / "d.duckdb"))  # the demo loaded into one
    assert queries.has_demo(loaded_db)
    assert demo.missing_files(loaded_db) == []
    removed = demo.clear_demo(loaded_db)
    assert removed > 0 and not queries.has_demo(loaded_db)
    assert demo.finish_demo(loaded_db) == [] and not queries.has_demo(loaded_db)  # cleared once, never loaded again
    assert queries.table_counts(loaded_db) == {t: 0 for t in schema.DATA_TABLES}
    assert loaded_db.execute("SELECT count(*) FROM improvements").fetchone() == (0,)
    assert loaded_db.execute("SELECT count(*) FROM objectives").fetchone() == (0,)
    loaded_db.close()


def test_the_demo_objectives_get_a_status_on_the_demo_data(demo_db):
    con, _, _ = demo_db
    card = objectives.scorecard(con, Period.parse("2026Q3"), Filters())
    # Loaded twice, set once. The figures in 2026Q3 (its metrics JSON): NPS −11.2 with a CI of −21.3 to −1.1,
    # wholly below 20; 73 of 86 open pairs active (85%); the adjusted retention difference +5.6 points (CI
    # −2.6 to +13.9); Leadership's goal attainment 64.7%, 0.3 points short of 65% and within its 10-point
    # band; overall satisfaction 3.47 (CI 3.35 to 3.59) short of 3.5.
    assert card[["metric", "program", "status"]].values.tolist() == [
        ["nps", None, "off_track"], ["active_pair_rate", None, "on_track"],
        ["retention_effect_12m", None, "on_track"], ["goal_attainment_rate", "Leadership program", "at_risk"],
        ["overall_satisfaction_mean", None, "at_risk"]]
    assert card["n"].gt(0).all() and card["reason"].isna().all()
    assert con.execute("SELECT bool_and(is_demo) FROM objectives").fetchone() == (True,)


@pytest.mark.parametrize("setting, own_upload, expected", [("on", False, "all"), ("off", False, "none"),
                                                           ("on", True, "none")])
def test_the_demo_loads_only_into_a_fresh_database_unless_switched_off(monkeypatch, con, setting, own_upload,
                                                                        expected):
    monkeypatch.setenv("MENTORSCOPE_DEMO", setting)
    if own_upload:
        con.execute("INSERT INTO audit_log VALUES (now(), NULL, 'upload', 'upload 1')")
    assert demo.missing_files(con) == (demo.demo_files() if expected == "all" else [])


class Interrupted(Exception):
    """What stopping the script run raises inside the progress callback (Streamlit's RerunException)."""


def interrupted_load(con, files_before_stop: int) -> None:
    """The dashboard's first load, stopped (the visitor clicked another page) before file number
    `files_before_stop` + 1 started loading."""
    calls = []

    def progress(fraction, text):
        calls.append(text)
        if len(calls) > files_before_stop:
            raise Interrupted(text)
    with pytest.raises(Interrupted):
        demo.load_demo(con, progress)


def loaded(con) -> dict:
    """Everything an uninterrupted load leaves: row counts, each file's upload, the demo actions."""
    return {"counts": queries.table_counts(con),
            "uploads": sorted(con.execute("SELECT file_name, rows_loaded, rows_rejected, rows_duplicate "
                                          "FROM uploads WHERE is_demo").fetchall()),
            "actions": con.execute("SELECT count(*) FROM improvements WHERE is_demo").fetchone()[0],
            "objectives": con.execute("SELECT count(*) FROM objectives WHERE is_demo").fetchone()[0]}


@pytest.fixture(scope="module")
def whole_demo(demo_file) -> dict:
    """What a load into a fresh database leaves (the run's demo database, loaded as the dashboard loads it)."""
    con = connection.connect(demo_file, read_only=True)
    yield loaded(con)
    con.close()


@pytest.mark.parametrize("files_before_stop", [0, 5, 11])
def test_the_next_run_finishes_a_demo_load_cut_short_exactly_once(monkeypatch, con, whole_demo,
                                                                  files_before_stop):
    monkeypatch.setenv("MENTORSCOPE_DEMO", "on")
    interrupted_load(con, files_before_stop)
    assert len(demo.missing_files(con)) == len(demo.demo_files()) - files_before_stop
    plans = demo.finish_demo(con)
    assert len(plans) == len(demo.demo_files()) - files_before_stop
    assert loaded(con) == whole_demo
    assert demo.finish_demo(con) == [] and loaded(con) == whole_demo


@pytest.mark.parametrize("then", ["clear the demo", "remove a demo upload", "upload own data"])
def test_a_demo_load_cut_short_is_not_finished_once_someone_changed_the_data(monkeypatch, con, then):
    monkeypatch.setenv("MENTORSCOPE_DEMO", "on")
    interrupted_load(con, 3)
    if then == "clear the demo":
        demo.clear_demo(con)
    elif then == "remove a demo upload":
        remove_upload(con, 1)
    else:
        ingest_paths(con, [demo.SAMPLE_DIR / "employees.csv"])
    before = queries.table_counts(con)
    assert demo.finish_demo(con) == []
    assert queries.table_counts(con) == before


def test_two_sessions_starting_at_once_load_the_demo_once(monkeypatch, tmp_path, whole_demo):
    monkeypatch.setenv("MENTORSCOPE_DEMO", "on")
    con = connection.connect(tmp_path / "shared.duckdb")
    with ThreadPoolExecutor(2) as pool:  # a cursor each, as sessions have
        done = list(pool.map(lambda cursor: demo.finish_demo(cursor), [con.cursor(), con.cursor()]))
    assert sorted(len(plans) for plans in done) == [0, len(demo.demo_files())]
    assert loaded(con) == whole_demo
    con.close()


@pytest.mark.parametrize("before, demo_after", [("a load cut short", "whole"), ("a cleared demo", "none")])
def test_the_dashboard_finishes_a_demo_load_cut_short_but_not_a_cleared_demo(monkeypatch, tmp_path, whole_demo,
                                                                             demo_file, before, demo_after):
    path = tmp_path / "restart.duckdb"
    if before == "a load cut short":
        con = connection.connect(path)
        interrupted_load(con, 5)  # the platform files only, as the reviewer saw
    else:
        con = connection.connect(shutil.copy(demo_file, path))
        demo.clear_demo(con)
    con.close()
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    monkeypatch.setenv("MENTORSCOPE_DEMO", "on")
    at = AppTest.from_file(str(DASHBOARD), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    cursor = at.session_state["cursor"]
    banner = any("Demo data" in m.value for m in at.markdown)
    if demo_after == "whole":
        assert loaded(cursor) == whole_demo and banner
    else:
        assert not queries.has_demo(cursor) and not banner
