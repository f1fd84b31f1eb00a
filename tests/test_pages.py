"""Every page renders without an exception on an empty database and on a small
populated one, and answers one interaction driven through its widget keys."""
from __future__ import annotations

import io
import json
import re
import shutil
import threading
from datetime import date, datetime
from pathlib import Path

import lxml.html
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from analytics.ingest import identity, pipeline
from analytics.measures import impact, lattice
from analytics.measures.filters import Filters, Period
from analytics.measures.registry import REGISTRY
from analytics.ops import delivery, schedule
from analytics.present import escaping, impact_reading
from analytics.store import connection, settings
from pages import _registry as registry
from pages._tables import all_rows_key, safe_csv, small_n_marks
from tests.builders import shown_tables, static_table
from tests.small_data import small_exports
from tests.test_ingest_isolated import kill_the_child

ROOT = Path(__file__).resolve().parent.parent
DASHBOARD, PAGE_DIR = ROOT / "dashboard.py", ROOT / "pages"
PAGES = [entry.file for entry in registry.PAGES]
def _in_use(source: Path, tmp_path: Path, monkeypatch) -> Path:
    """A fresh copy of a database built once per run (conftest), as the dashboard's database."""
    path = tmp_path / source.name
    shutil.copy(source, path)
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    return path


@pytest.fixture
def demo_db(tmp_path, monkeypatch, demo_file) -> Path:
    """The demo data (its participants stay with the organisation significantly more often)."""
    return _in_use(demo_file, tmp_path, monkeypatch)


@pytest.fixture
def empty_db(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "empty.duckdb"
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    monkeypatch.setenv("MENTORSCOPE_DEMO", "off")
    return path


@pytest.fixture
def populated_db(tmp_path, monkeypatch, small_file) -> Path:
    return _in_use(small_file, tmp_path, monkeypatch)


@pytest.fixture(scope="session")
def entry(tmp_path_factory) -> Path:
    """A one-line script that runs dashboard.py from a folder without a pages/
    directory: next to one, AppTest would run a page on its own, without the
    sidebar that dashboard.py draws around it."""
    script = tmp_path_factory.mktemp("entry") / "app.py"
    script.write_text(f"import runpy\nrunpy.run_path({str(DASHBOARD)!r}, run_name='__main__')\n")
    return script


@pytest.fixture
def app(entry):
    def open_page(page: str) -> AppTest:
        """The dashboard on `page`."""
        at = AppTest.from_file(str(entry), default_timeout=60)
        at.switch_page(str(PAGE_DIR / f"{page}.py")).run()  # the page as the session's first (not the Overview)
        assert not at.exception, [e.value for e in at.exception]
        return at
    return open_page


def texts(at: AppTest) -> str:
    parts = [e.value for kind in ("info", "markdown", "caption", "success", "warning", "title", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def reading(at: AppTest, db_path: Path, sql: str):
    """What the page wrote, read through the page's own connection (DuckDB allows one writer)."""
    return at.session_state["cursor"].execute(sql).fetchall()


# A script's run as the suite's AppTests wait for it (tests/conftest.py joins the script's thread instead of
# AppTest's polling): a run that ends is read whole, a run over its time is stopped and fails.
@pytest.mark.parametrize("steps, timeout, outcome", [
    (3, 5, ["0", "1", "2"]),
    (400, 0.5, RuntimeError),  # 400 steps of 10 ms: 4 s
])
def test_an_apptest_run_is_awaited_to_its_end_or_stopped_at_its_timeout(steps, timeout, outcome):
    at = AppTest.from_string(f"import time\nimport streamlit as st\nfor step in range({steps}):\n"
                             f"    time.sleep(0.01)\n    st.text(str(step))\n")
    if outcome is RuntimeError:
        with pytest.raises(RuntimeError, match=f"timed out after {timeout}"):
            at.run(timeout=timeout)
    else:
        assert [element.value for element in at.run(timeout=timeout).text] == outcome


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_database(empty_db, app, page):
    at = app(page)
    if page not in ("2_upload", "8_improvements", "9_reports", "10_settings"):
        assert "Upload" in texts(at), "an empty page says what to upload next"


@pytest.mark.parametrize("page", PAGES)
def test_every_page_address_opens_first_inside_the_dashboard(populated_read, page):
    """A page's address as a session's first request (a link opened right after a server start):
    dashboard.py still runs around the page, with its sidebar, instead of the page on its own."""
    at = AppTest.from_file(str(DASHBOARD), default_timeout=60)
    at.switch_page(str(PAGE_DIR / f"{page}.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == [registry.entry(page).title]
    assert at.selectbox(key="quarter").value == "2026Q2"


def downloads_rerun(at: AppTest) -> list[str]:
    """The page's download buttons whose click would rerun the script: the rerun revokes a file written on
    click while the browser is still asking for it, so a download can fail under load."""
    return [button.proto.id for button in at.get("download_button") if not button.proto.ignore_rerun]


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_populated_database(populated_read, app, page):
    at = app(page)
    assert at.selectbox(key="quarter").value == "2026Q2", "the latest quarter with data is the default"
    assert "Not available yet" not in texts(at) or page == "2_upload"
    assert downloads_rerun(at) == []


def test_each_overview_tile_shows_what_it_counts(demo_read, app):
    at = app("1_overview")
    captions = [c.value for c in at.caption]
    # Under the six tiles, in their order (the demo's 2026Q3, as in its headlines).
    units = [re.sub(r"\d[\d,]*", "N", c) for c in captions if c.startswith("n = ")]
    assert units == ["n = N answers", "n = N responses · N–N scale", "n = N open pairs",
                     "n = N pairs, N still followed at N months", "n = N participants, N non-participants",
                     "n = N goals due"]


def test_overview_follows_the_quarter(populated_read, app):
    at = app("1_overview")
    before = [m.value for m in at.metric]
    at.selectbox(key="quarter").set_value("2026Q1").run()
    assert not at.exception
    assert "Q1 2026" in texts(at)
    assert [m.value for m in at.metric] != before


def test_a_filter_change_reuses_what_no_filter_changes(demo_db, app, monkeypatch):
    """Which small groups of each quarter may be shown depends on the data alone: the Overview's first run
    works it out for its quarters, and choosing a department reuses that instead of reading them again."""
    built, of = [], lattice.Lattice.of
    monkeypatch.setattr(lattice.Lattice, "of", lambda *args: built.append(args) or of(*args))
    at = app("1_overview")
    first = len(built)
    at.selectbox(key="filter_department").set_value("Engineering").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Engineering department" in texts(at)
    assert (first > 0, len(built)) == (True, first)


@pytest.mark.parametrize("page", ["3_satisfaction", "4_engagement", "6_outcomes", "7_feedback"])
def test_filtering_a_program_narrows_the_page(populated_read, app, page):
    at = app(page)
    at.selectbox(key="filter_program").set_value("New hire").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "New hire program" in texts(at)


def test_feedback_hides_the_comments_of_too_few_respondents(populated_db, app):
    con = connection.connect(populated_db)
    settings.set(con, "min_comment_group_size", 11)
    con.close()
    at = app("7_feedback")
    at.selectbox(key="filter_program").set_value("New hire").run()  # 10 mentees, a pulse and an exit comment each
    assert not at.exception, [e.value for e in at.exception]
    assert "20 comments from 10 respondents in this group: the list appears once 11 different" in texts(at)
    assert not [w for w in at.text_input if w.key == "feedback_search"]


def test_feedback_without_comments_says_so(empty_db, app):
    at = app("7_feedback")
    assert "No comments for this quarter and these filters." in texts(at)
    assert "0 comments from 0 respondents" not in texts(at), "no threshold talk when there is nothing to hide"


def offered_csv(downloads: dict[str, bytes], name: str) -> pd.DataFrame:
    """The CSV download `name` the page offered (conftest's `downloads`), read back as a frame."""
    return pd.read_csv(io.BytesIO(downloads[name]))


# Engineering has 10 respondents: at a minimum group size of 11 its answer distribution is hidden, and its
# download must not say which answers were given; at 10 it lists them.
@pytest.mark.parametrize("minimum, listed", [(11, False), (10, True)])
def test_satisfaction_download_of_a_hidden_group_gives_no_answer_values(populated_db, app, downloads, minimum,
                                                                         listed):
    con = connection.connect(populated_db)
    settings.set(con, "min_group_size", minimum)
    con.close()
    at = app("3_satisfaction")
    at.selectbox(key="filter_department").set_value("Engineering").run()
    assert not at.exception, [e.value for e in at.exception]
    frame = offered_csv(downloads, "likert_distribution.csv")
    assert frame["suppressed"].tolist() == [not listed] * len(frame)
    assert frame[["value", "count", "share"]].notna().to_numpy().all() == listed
    assert frame[["value", "count", "share"]].isna().to_numpy().all() != listed
    assert frame["dimension"].is_unique != listed  # a hidden dimension is one row
    assert (frame["respondents"] == 10).all()


def test_feedback_lists_comments_by_month_only(populated_read, app, downloads):
    at = app("7_feedback")
    assert not at.exception, [e.value for e in at.exception]
    at.toggle(key=all_rows_key("comments")).set_value(True).run()  # a long list: its grid on demand
    columns = ["month", "comment", "themes", "sentiment", "n", "respondents"]
    # The table reads hidden figures in their cells; the download keeps the flag.
    for frame, flags in ((at.dataframe[0].value, []), (offered_csv(downloads, "comments.csv"), ["suppressed"])):
        assert frame.columns.tolist() == columns + flags
        assert frame["month"].astype(str).str.fullmatch(r"\d{4}-\d{2}").all()
    assert "To read one group's comments, pick it in the sidebar" in texts(at)


@pytest.mark.parametrize("page, choices, says", [
    ("6_outcomes", {"filter_program": "Leadership program", "filter_cohort": "2025 Autumn"},
     "Nothing matches these filters in Q3 2026: 459 goals are loaded, none due this quarter for Leadership "
     "program · cohort 2025 Autumn. Widen the filters in the sidebar or pick another quarter."),
    ("3_satisfaction", {"filter_department": "Legal", "filter_role": "mentor"},
     "survey responses are loaded, none submitted this quarter for Legal department · mentor role."),
    ("7_feedback", {"filter_department": "Legal", "filter_role": "mentor"},
     "comments are loaded, none written this quarter for Legal department · mentor role."),
])
def test_filters_matching_nothing_say_so_instead_of_asking_for_an_upload(demo_read, app, page, choices, says):
    at = app(page)
    for key, value in choices.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [i.value for i in at.info]
    assert any(says in note for note in notes), notes
    assert not any("Upload" in note for note in notes), "everything these figures need is loaded"


def test_retention_splits_by_program(populated_read, app):
    at = app("5_retention")
    at.selectbox(key="ret_by").set_value("program").run()
    assert not at.exception
    assert "log-rank" in json.dumps(drawn(at)[0]["title"])


def test_upload_maps_a_question_then_loads_the_survey(populated_db, app, tmp_path):
    survey = next(p for p in small_exports(tmp_path) if p.name == "survey.csv")
    text = survey.read_text().replace("Any other comments?", "Which new contacts did your mentor introduce?")
    at = app("2_upload")
    at.file_uploader[0].set_value(("pulse.csv", text.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    question = at.selectbox(key="file0_map_which_new_contacts_did_your_mentor_introduce")
    assert question.value == "networking", "the suggestion is pre-filled"
    question.set_value("comment").run()
    assert at.selectbox(key="file0_map_which_new_contacts_did_your_mentor_introduce").value == "comment"
    at.button(key="load_files").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("rows loaded" in s.value for s in at.success)
    rows = reading(at, populated_db, "SELECT dimension FROM items WHERE item_id = "
                                     "'which_new_contacts_did_your_mentor_introduce'")
    assert rows == [("comment",)]


def test_upload_of_a_reworded_reexport_says_every_response_is_stored_and_asks_nothing(populated_db, app, tmp_path):
    survey = next(p for p in small_exports(tmp_path) if p.name == "survey.csv")
    text = survey.read_text().replace("How satisfied are you with the program overall?",
                                      "How satisfied are you with the programme overall?")
    at = app("2_upload")
    at.file_uploader[0].set_value(("pulse-again.csv", text.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [s for s in at.selectbox if s.key.startswith("file0_map_")], "the reworded question is not asked"
    assert at.metric[0].value == "0"  # rows to load
    assert "Responses: **0 new**, **0 changed** (updated in place), **120 already stored** (skipped)." in texts(at)


def stored(at: AppTest, db_path: Path) -> dict[str, list]:
    """Every table's rows, in order."""
    tables = reading(at, db_path, "SELECT table_name FROM duckdb_tables() WHERE NOT internal ORDER BY 1")
    return {table: reading(at, db_path, f'SELECT * FROM "{table}" ORDER BY ALL') for (table,) in tables}


def test_an_upload_whose_analysis_is_killed_is_refused_and_changes_nothing(populated_read, app, tmp_path, monkeypatch):
    # The analysis runs in a child process; this one is killed while it asks which stored survey the file is.
    monkeypatch.setattr(identity, "resolve", kill_the_child)
    survey = next(p for p in small_exports(tmp_path) if p.name == "survey.csv")
    at = app("2_upload")
    before = stored(at, populated_read)
    at.file_uploader[0].set_value(("survey.csv", survey.read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.value for e in at.error] == ["survey.csv: the analysis was stopped by the system (SIGKILL), most likely "
                                           "for lack of memory. Upload it again; if it stops again, split the export "
                                           "by date range into smaller files (fewer rows each) and upload them one "
                                           "at a time."]
    assert at.button(key="load_files").disabled
    assert stored(at, populated_read) == before


def test_upload_names_the_columns_it_will_not_store(populated_read, app):
    at = app("2_upload")
    at.file_uploader[0].set_value(("hr.csv", b"employee_id,hired_on,Salary band\nx1,2020-01-01,B\n", "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Columns Mentorscope does not use (they are not stored): Salary band." in texts(at)


def test_upload_shows_rejected_rows_before_loading(populated_read, app, tmp_path):
    bad = "pair_id,mentor_id,mentee_id,matched_on\nq1,m1,e1,2026-01-05\nq2,m2,e2,not a date\n"
    at = app("2_upload")
    at.file_uploader[0].set_value(("pairs.csv", bad.encode(), "text/csv")).run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["1", "1"]  # rows to load, rows rejected
    assert at.get("download_button"), "rejected rows can be downloaded"


def test_upload_says_when_the_same_file_was_loaded_before(populated_db, app):
    pairs = ("pairs.csv", b"pair_id,mentor_id,mentee_id,matched_on\nr1,rm,re,2026-04-15\n", "text/csv")
    at = app("2_upload")
    at.file_uploader[0].set_value(pairs).run()
    assert not [i for i in at.info if "loaded before" in i.value], "a new file is not a repeat"
    at.button(key="load_files").click().run()
    at.file_uploader[0].set_value(pairs).run()
    assert not at.exception, [e.value for e in at.exception]
    notes = [i.value for i in at.info if "loaded before" in i.value]
    assert len(notes) == 1 and notes[0].startswith("This exact file was loaded before: upload #") \
        and "(pairs\\.csv, " in notes[0], notes


def test_pairs_and_their_sessions_load_together_whatever_their_order(populated_db, app):
    sessions = "pair_id,occurred_on\nz1,2026-05-01\nz1,2026-05-20\n"
    pairs = "pair_id,mentor_id,mentee_id,matched_on\nz1,zm,ze,2026-04-15\n"
    at = app("2_upload")
    at.file_uploader[0].set_value([("sessions.csv", sessions.encode(), "text/csv"),
                                   ("pairs.csv", pairs.encode(), "text/csv")]).run()
    assert any("not loaded yet" in w.value for w in at.warning)
    at.button(key="load_files").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reading(at, populated_db, "SELECT count(*) FROM sessions WHERE pair_id = 'z1'") == [(2,)]
    assert [s.value for s in at.success] == ["sessions\\.csv: 2 rows loaded, 0 duplicates skipped, 0 rejected.",
                                             "pairs\\.csv: 1 row loaded, 0 duplicates skipped, 0 rejected, "
                                             "2 people added from the pairs file."]


@pytest.mark.parametrize("answer, removed", [("remove_upload_cancel", False), ("remove_upload_confirm", True)])
def test_an_upload_is_removed_from_the_history_only_once_confirmed(populated_db, app, answer, removed):
    at = app("2_upload")
    assert at.selectbox(key="history_upload_id").value is None, "no upload is chosen for removal by default"
    assert at.button(key="remove_upload").disabled
    sessions = reading(at, populated_db, "SELECT upload_id, count(*) FROM sessions GROUP BY ALL")[0]
    before = reading(at, populated_db, "SELECT count(*) FROM uploads")[0][0]
    at.selectbox(key="history_upload_id").set_value(sessions[0]).run()
    at.button(key="remove_upload").click().run()
    warning = " ".join(w.value for w in at.warning)
    assert f"Remove upload #{sessions[0]} (sessions\\.csv)? It deletes {sessions[1]:,} sessions" in warning
    assert "meeting figures" in warning, "the confirmation names the figures that change"
    assert reading(at, populated_db, "SELECT count(*) FROM uploads")[0][0] == before, "nothing goes on one click"
    at.button(key=answer).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reading(at, populated_db, f"SELECT count(*) FROM uploads WHERE upload_id = {sessions[0]}") == [
        (0 if removed else 1,)]
    assert reading(at, populated_db, "SELECT count(*) FROM uploads")[0][0] == before - removed


def test_improvement_is_logged(populated_db, app):
    at = app("8_improvements")
    at.text_input(key="improvement_title").input("Mentor training day")
    at.selectbox(key="improvement_metric").set_value("nps")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Mentor training day" in s.value for s in at.success)
    assert ("Mentor training day",) in reading(at, populated_db, "SELECT title FROM improvements")


def test_setting_is_saved(populated_db, app):
    at = app("10_settings")
    at.number_input(key="setting_at_risk_days").set_value(30)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert settings.get(at.session_state["cursor"], "at_risk_days") == 30


def test_a_report_recipient_is_added_for_one_program_and_removed(populated_db, app):
    at = app("10_settings")
    program = at.multiselect(key="recipient_programs").options[0]
    at.text_input(key="recipient_email").input("ana@example.org")
    at.multiselect(key="recipient_programs").set_value([program])
    at.button(key="recipient_add").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reading(at, populated_db, "SELECT email, programs, formats FROM recipients") == [
        ("ana@example.org", [program], ["pdf"])]
    at.button(key="recipient_remove_button").click().run()
    assert reading(at, populated_db, "SELECT count(*) FROM recipients") == [(0,)]
    assert [detail for (detail,) in reading(at, populated_db, "SELECT detail FROM audit_log WHERE action = "
                                            "'recipient' ORDER BY occurred_at")] == [
        f"ana@example.org added: {program}, pdf", "ana@example.org removed"]


def test_the_delivery_schedule_is_set_by_an_admin_and_runs_one_thread(populated_db, app):
    from pages import _schedule
    at = app("10_settings")
    assert "Scheduled delivery is off." in texts(at)
    at.number_input(key="setting_delivery_day").set_value(2)
    at.button(key="FormSubmitter:settings_delivery-Save settings").click().run()
    try:
        assert not at.exception, [e.value for e in at.exception]
        assert settings.get(at.session_state["cursor"], "delivery_day") == 2
        assert "Scheduled delivery is on: next, the report for" in texts(at)
        at.run()  # each run asks for the thread: still one
        assert [t.name for t in threading.enumerate()].count(schedule.THREAD_NAME) == 1
        failed = delivery.Outcome("ana@example.org", "failed", "SMTP server at smtp.example.org:587 is unreachable")
        _schedule.scheduler(str(populated_db)).last_run = schedule.Run(datetime(2026, 7, 2, 7), "2026Q2", (failed,))
        at.run()
        # Escaped as Markdown, with a word joiner that keeps the address from becoming a link.
        assert [w.value.replace("\\", "").replace(escaping.WORD_JOINER, "") for w in at.warning] == [
            "**Last scheduled delivery**, 02 Jul 2026 07:00, 2026Q2:  \nana@example.org: SMTP server at "
            "smtp.example.org:587 is unreachable; will retry on the next run"]
    finally:
        _schedule.scheduler(str(populated_db)).stop()


def test_reports_build_the_same_bytes_as_the_command_line(populated_read, app):
    from analytics import report
    from analytics.measures.filters import Filters, Period
    at = app("9_reports")
    at.selectbox(key="quarter").set_value("2026Q1").run()
    assert "Q1 2026" in texts(at)
    at.radio(key="report_format").set_value("xlsx").run()
    at.button(key="build_report").click().run()
    assert not at.exception, [e.value for e in at.exception]
    fmt, period, _, data = at.session_state["report_file"]
    assert (fmt, period.label) == ("xlsx", "2026Q1")
    assert data == report.build_report(at.session_state["cursor"], Period.parse("2026Q1"), Filters(), "xlsx")


def test_reports_page_command_line_carries_the_sidebar_filters(populated_read, app):
    at = app("9_reports")
    assert not at.code  # on demand: a code block's script would slow every new session's first screen
    at.selectbox(key="filter_program").set_value("New hire").run()
    at.selectbox(key="filter_role").set_value("mentee").run()
    at.toggle(key="show_command_line").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [c.value for c in at.code] == ["python -m analytics report --quarter 2026Q2 --format pdf --out report.pdf "
                                          "'--program=New hire' --role=mentee"]


def test_reports_page_gives_every_figure_as_json_only_when_asked(populated_read, app):
    from analytics.measures.filters import Filters, Period
    from analytics.measures.metrics import metrics_json

    def offered(at) -> list[str]:
        return [button.proto.label for button in at.get("download_button")]
    at = app("9_reports")
    assert not at.get("json") and "Download metrics (JSON)" not in offered(at)  # not on the first screen
    at.toggle(key="show_metrics_json").set_value(True).run()
    assert not at.exception, [e.value for e in at.exception]
    expected = metrics_json(at.session_state["cursor"], Period.parse("2026Q2"), Filters())
    [shown] = at.get("json")
    assert json.loads(shown.proto.body) == json.loads(json.dumps(expected, default=str))
    assert "Download metrics (JSON)" in offered(at) and downloads_rerun(at) == []


def test_csv_downloads_cannot_run_formulas():
    cells = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\tx", "\rx", "fine"]
    written = pd.read_csv(io.BytesIO(safe_csv(pd.DataFrame({"comment": cells, "n": range(7)}))))
    # '-2' is a figure: a spreadsheet reads it as the number it is, nothing runs (escaping.spreadsheet).
    assert list(written["comment"].astype(str)) == ["'=1+1", "'+cmd", "-2", "'@SUM(A1)", "'\tx", "'\rx", "fine"]
    assert list(written["n"]) == list(range(7)), "numbers stay numbers"


def test_csv_downloads_guard_text_in_mixed_columns():
    """A column of numbers and text (an answer's raw value, say) is guarded like a text column."""
    written = pd.read_csv(io.BytesIO(safe_csv(pd.DataFrame({"raw": ["=1+1", 5, None, "ok"]}))), dtype=str)
    assert list(written["raw"].fillna("")) == ["'=1+1", "5", "", "ok"]


def test_engagement_says_the_role_filter_does_not_narrow_pairs(populated_read, app):
    at = app("4_engagement")
    tiles = [m.value for m in at.metric]
    at.selectbox(key="filter_role").set_value("mentor").run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.value for m in at.metric] == tiles, "every pair has a mentor: the figures stay"
    assert "Q2 2026: pairs and their meetings." in texts(at)
    assert "The role filter (mentor) does not narrow these figures" in texts(at)


@pytest.mark.parametrize("field, value, says", [
    ("filter_department", "Sales", "in pair and meeting figures, pairs with a mentee in Sales; in survey figures, "
                                   "respondents in Sales; in HR figures, employees in Sales."),
    ("filter_role", "mentee", "Showing: Q2 2026 · mentee role"),
])
def test_sidebar_says_whom_the_filters_select(populated_read, app, field, value, says):
    at = app("1_overview")
    at.selectbox(key=field).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    sidebar = "\n".join(c.value for c in at.sidebar.caption)
    assert says in sidebar
    assert "mentees in Sales" not in sidebar


def test_the_sidebar_lists_a_program_loaded_after_it_was_shown(populated_db, app, tmp_path):
    """The filter lists are cached per data version: a load from elsewhere (the command line) shows in them."""
    at = app("1_overview")
    assert at.selectbox(key="filter_program").options == ["All", "Leadership", "New hire"]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("pair_id,mentor_id,mentee_id,matched_on,ended_on,end_reason,program,cohort,"
                     "meetings_target_per_month\np99,m1,e1,2026-04-01,,,Allyship,A1,1\n")
    pipeline.ingest_paths(at.session_state["cursor"], [pairs])
    at.run()
    assert at.selectbox(key="filter_program").options == ["All", "Allyship", "Leadership", "New hire"]


def test_engagement_without_pairs_says_there_are_none_yet(empty_db, app):
    at = app("4_engagement")
    assert "No pair is at risk" not in texts(at)
    assert texts(at).count("No open pairs for Q") == 2, "under Pairs at risk and under Mentor load"


def test_improvement_program_is_chosen_from_the_data(populated_db, app):
    at = app("8_improvements")
    assert at.selectbox(key="improvement_program").options == ["All programs", "Leadership", "New hire"]
    at.text_input(key="improvement_title").input("Buddy lunches")
    at.selectbox(key="improvement_program").set_value("New hire")
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ("Buddy lunches", "New hire") in reading(at, populated_db, "SELECT title, program FROM improvements")
    assert at.text_input(key="improvement1_title").value == "", "a logged action empties the form (drawn anew)"


def test_an_action_refused_keeps_what_was_typed(populated_read, app):
    at = app("8_improvements")
    at.selectbox(key="improvement_program").set_value("Leadership")
    at.text_area(key="improvement_description").input("Pairs book their next meeting before leaving")
    at.button[0].click().run()
    assert "An improvement action needs a title." in [e.value for e in at.error]
    assert at.selectbox(key="improvement_program").value == "Leadership"
    assert at.text_area(key="improvement_description").value == "Pairs book their next meeting before leaving"


@pytest.mark.parametrize("page", ["1_overview", "9_reports"])
def test_summary_without_data_says_there_is_none_yet(empty_db, app, page):
    at = app(page)
    assert "Nothing stands out" not in texts(at)
    assert "No data here yet for Q" in texts(at)


def drawn(at: AppTest) -> list[dict]:
    """The Vega-Lite spec of every chart on the page, in order."""
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def charts_text(at: AppTest) -> str:
    """Every chart's title, subtitle and notes."""
    return " ".join(" ".join([*spec["title"]["text"], *spec["title"].get("subtitle", [])]
                             + [row["text"] for layer in spec["layer"] if layer["mark"]["type"] == "text"
                                for row in layer["data"]["values"] if "text" in row])
                    for spec in drawn(at))


@pytest.mark.parametrize("min_size", [5, 200])
def test_hidden_figures_read_the_minimum_group_size_in_use(populated_db, app, min_size):
    con = connection.connect(populated_db)
    settings.set(con, "min_group_size", min_size)
    con.close()
    overview = app("1_overview")
    overview.selectbox(key="filter_program").set_value("New hire").run()  # 10 mentees
    hidden = f"n < {min_size}"
    assert (hidden in [m.value for m in overview.metric]) is (min_size > 10)
    satisfaction = app("3_satisfaction")
    satisfaction.selectbox(key="filter_program").set_value("New hire").run()
    assert (hidden in charts_text(satisfaction)) is (min_size > 10)
    assert "n < 5" not in charts_text(satisfaction) + " ".join(str(m.value) for m in overview.metric) \
        or min_size == 5


def test_a_minimum_raised_elsewhere_hides_figures_at_the_next_run(populated_db, app):
    """What is kept per data version (the figures, which small groups may be shown) is keyed on the settings
    too: a minimum group size raised by the command line while a session is open hides at its next run."""
    at = app("3_satisfaction")
    at.selectbox(key="filter_program").set_value("New hire").run()  # 10 mentees: shown at the default minimum
    assert "n < 200" not in charts_text(at)
    con = connection.connect(populated_db)
    settings.set(con, "min_group_size", 200)
    con.close()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "n < 200" in charts_text(at)


@pytest.mark.parametrize("answer, demo_uploads_left", [("clear_demo_cancel", 12), ("clear_demo_confirm", 0)])
def test_clearing_the_demo_asks_first(demo_db, app, answer, demo_uploads_left):
    at = app("10_settings")
    at.button(key="clear_demo").click().run()
    assert any("not loaded again" in w.value for w in at.warning), "a confirm step says what clearing means"
    assert reading(at, demo_db, "SELECT count(*) FROM uploads WHERE is_demo") == [(12,)]
    at.button(key=answer).click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reading(at, demo_db, "SELECT count(*) FROM uploads WHERE is_demo") == [(demo_uploads_left,)]


def test_the_star_marks_only_a_significant_change_on_the_previous_quarter(demo_read, app):
    at = app("1_overview")
    versus = [c.value for c in at.caption if c.value.startswith("Non-participants:")]
    # 2026Q3: 113 of 133 participants stay against 599 of 787 non-participants, chi2_contingency p = 0.032
    assert versus and "p = 0.032" in versus[0], "the demo's participants stay significantly longer"
    assert "✱" not in versus[0], "that p compares groups, not quarters"
    # The raw gap is significant; against comparable colleagues the demo's 2026Q3 is inconclusive.
    block = impact.block(at.session_state["cursor"], Period.parse("2026Q3", 1), Filters())
    adjusted = impact_reading.brief(block["retention_12m"], 5)
    assert f"A{adjusted[1:]}. Details on the Impact page." in [c.value for c in at.caption]
    assert "inconclusive" in adjusted
    footnote = next(c.value for c in at.caption if c.value.startswith("✱"))
    assert "tested against non-participants" in footnote


@pytest.mark.parametrize("page, wrong", [
    ("3_satisfaction", "overall_satisfaction_top2box"),  # under the answer shares of every dimension
    ("3_satisfaction", "overall_satisfaction_mean"),  # under the means of every dimension
    ("6_outcomes", "overall_satisfaction_change"),  # under the change of every dimension
    ("5_retention", "pair_survival_6m"),  # under the whole curve
    ("5_retention", "pair_survival_12m"),  # under the 3, 6 and 12 months table
    ("5_retention", "early_exit_rate"),  # under the shares of each end reason
    ("5_retention", "employee_retention_12m"),  # under retention and promotion
])
def test_a_chart_is_not_captioned_with_one_metric_it_does_not_show_alone(populated_read, app, page, wrong):
    at = app(page)
    assert REGISTRY[wrong].definition not in [c.value for c in at.caption]


@pytest.mark.parametrize("page, caption", [
    ("3_satisfaction", "Each dimension's answers by scale point"),
    ("3_satisfaction", "Each dimension's mean score"),
    ("5_retention", "at each month since matching"),
    ("5_retention", "at 3, 6 and 12 months after matching"),
    ("5_retention", "Each end reason's share of the pairs that ended early"),
    ("5_retention", "still employed, and promoted"),
    ("6_outcomes", "Per dimension, the mean score of respondents' baseline survey"),
    ("7_feedback", "as scored by VADER, a word-list sentiment scorer"),  # the name alone says nothing
])
def test_each_chart_caption_describes_its_own_chart(populated_read, app, page, caption):
    assert caption in texts(app(page))


@pytest.mark.parametrize("rows, preview", [
    (1, "Preview (all 1 row)"), (18, "Preview (all 18 rows)"), (20, "Preview (all 20 rows)"),
    (25, "Preview (first 20 of 25 rows)")])
def test_upload_preview_says_how_many_rows_it_shows(populated_read, app, rows, preview):
    pairs = "".join(f"q{i},m{i},e{i},2026-01-05\n" for i in range(rows))
    at = app("2_upload")
    at.file_uploader[0].set_value(("pairs.csv", f"pair_id,mentor_id,mentee_id,matched_on\n{pairs}".encode(),
                                   "text/csv")).run()
    assert preview in [e.label for e in at.expander]


@pytest.mark.parametrize("files, label", [
    ([("pairs.csv", b"pair_id,mentor_id,mentee_id,matched_on\nq1,m1,e1,2026-01-05\n")], "Load 1 file"),
    ([("notes.csv", b"colour,shape\nred,round\n")], "Nothing to load"),
])
def test_the_load_button_never_offers_to_load_zero_files(populated_read, app, files, label):
    at = app("2_upload")
    at.file_uploader[0].set_value([(name, data, "text/csv") for name, data in files]).run()
    assert at.button(key="load_files").label == label


def tiles_of_changes():
    from pages import _show as show
    for change in (0.0004, -0.0004, 0.05):  # a rate's change reads in points with one decimal
        show.tile("Active pair rate", 0.5, kind="rate", change=change)


@pytest.mark.parametrize("columns, budget", [
    # the upload history: eleven columns, a long file name
    ({"upload_id": [12], "file_name": ["qualtrics_leadership_baseline_2026_final_v2.csv"], "kind": ["survey"],
      "format": ["surveymonkey"], "rows_read": [290], "rows_loaded": [290], "rows_duplicate": [0],
      "rows_rejected": [0], "rows_skipped": [0], "first_date": ["2026-01-01"], "note": ["demo"]}, 900),
    # the pair survival table in a third of the page
    ({"months": [3], "survival": [0.93], "ci_low": [0.88], "ci_high": [0.96], "at_risk": [160], "n": [205]}, 360),
])
def test_a_table_fits_its_width_without_losing_a_column(columns, budget):
    from pages._tables import MIN_COLUMN_PX, fitted_widths
    widths = fitted_widths(pd.DataFrame(columns), budget)
    assert list(widths) == list(columns)
    assert sum(widths.values()) <= budget
    assert min(widths.values()) >= MIN_COLUMN_PX


def small_tiles():
    from pages import _show as show
    show.tiles([("median_days_to_first_meeting", 8, n, f"n = {n} pairs") for n in (2, 9, 10)])


def test_a_tile_over_a_small_n_is_marked():
    at = AppTest.from_function(small_tiles).run()
    assert [m.value for m in at.metric] == ["8.0 †", "8.0 †", "8.0"]
    assert [c.value for c in at.caption] == ["n = 2 pairs · † small n", "n = 9 pairs · † small n", "n = 10 pairs"]
    assert "† small n: fewer than 10" in at.metric[0].help and "small n" not in at.metric[2].help


def test_a_change_that_rounds_to_nothing_has_no_arrow():
    at = AppTest.from_function(tiles_of_changes).run()
    arrows = [(m.proto.delta, type(m.proto).MetricDirection.Name(m.proto.direction)) for m in at.metric]
    assert arrows == [("±0 pts vs previous quarter", "NONE"), ("±0 pts vs previous quarter", "NONE"),
                      ("+5.0 pts vs previous quarter", "UP")]


def test_the_retention_tile_says_when_its_interval_and_test_disagree(demo_read, app):
    """Operations mentors in 2026Q3: all 13 participants stay against 112 of 147 non-participants, so the Wald
    interval of the retention difference (+16.9 to +30.7 points) excludes 0 while Fisher's p (0.073) does not."""
    from analytics.measures import stats
    at = app("1_overview")
    at.selectbox(key="filter_department").set_value("Operations").run()
    at.selectbox(key="filter_role").set_value("mentor").run()
    assert not at.exception, [e.value for e in at.exception]
    versus = [c for c in texts(at).splitlines() if c.startswith("Non-participants:")]
    assert len(versus) == 1 and versus[0].endswith(stats.DISAGREE_NOTE), versus


@pytest.mark.parametrize("choices, expected", [
    # The demo's median days to first meeting stands on 2 pairs: marked as a small n.
    ({}, ["n = N open pairs", "n = N open pairs", "n = N active pairs", "n = N sessions dated this quarter",
          "n = N pairs matched this quarter that met · † small n", "n = N open pairs"]),
    # This cohort was matched before the quarter: its median has no pair to be computed over.
    ({"filter_program": "Leadership program", "filter_cohort": "2025 Autumn"},
     ["n = N open pairs", "n = N open pairs", "n = N active pairs", "n = N sessions dated this quarter",
      "no pair matched this quarter", "n = N open pairs"]),
])
def test_each_engagement_tile_shows_what_it_is_computed_over(demo_read, app, choices, expected):
    at = app("4_engagement")
    for key, value in choices.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [re.sub(r"\d[\d,]*", "N", c.value) for c in at.caption[1:7]] == expected
    assert (at.metric[4].value == "–") == bool(choices), "the median days tile"


@pytest.mark.parametrize("min_size", [5, 200])  # 30 matched respondents: shown, then hidden
def test_outcomes_change_table_reads_like_its_chart(populated_db, app, min_size):
    con = connection.connect(populated_db)
    settings.set(con, "min_group_size", min_size)
    con.close()
    at = app("6_outcomes")
    assert not at.dataframe, "four rows: a static table, no grid"
    shown = shown_tables(at)[0]
    assert shown.columns.tolist() == ["dimension", "matched respondents", "excluded (one survey only)",
                                      "baseline mean", "exit mean", "change in mean", "p (paired t-test)",
                                      "p (Wilcoxon)", "effect size (Cohen's d, paired)", "scale (points)"]
    shown = shown.set_index("dimension")
    hidden_or = lambda value: "n < 200" if min_size == 200 else value  # noqa: E731
    assert shown.index.tolist() == ["Networking", "Overall satisfaction", "Relationship quality", "Skill development"]
    assert shown.loc["Overall satisfaction", "change in mean"] == hidden_or("+0.90")  # the page's format, %+.2f
    assert (shown.loc[:, "baseline mean":"effect size (Cohen's d, paired)"] == "n < 200").all().all() \
        == (min_size == 200)
    assert shown.loc["Networking", "matched respondents"] == "30", "counts stay visible"


# A short table's cells as its reader sees them: text as typed, figures by the page's format where it gives one,
# else formatting's rules, right-aligned; in HTML, every text escaped, so that nothing in a cell is markup.
@pytest.mark.parametrize("value, form, cell, figure", [
    ("[x](http://evil.example) $x^2$", None, "[x](http://evil.example) $x^2$", False),  # Markdown is not read
    ('<a href="http://evil.example">x</a><script>alert(1)</script>', None,
     '<a href="http://evil.example">x</a><script>alert(1)</script>', False),          # nor HTML
    ("n < 5", None, "n < 5", False),                  # a hidden figure, as readable wrote it
    (1234, None, "1,234", True),                      # a count
    (2.0, None, "2", True),                           # a whole float reads as a count
    (0.4567, None, "0.5", True),                      # formatting's number: one decimal
    (0.4567, "percent", "45.7%", True),
    (0.9, "%+.2f", "+0.90", True),
    (3, "%d", "3", True),
    (float("nan"), "%.2f", "", True),
    (None, None, "", False),
    (True, None, "yes", False),
    (date(2026, 1, 5), None, "2026-01-05", False),
    (pd.Timestamp("2026-01-05 13:00"), None, "2026-01-05", False),
])
def test_a_short_tables_cells_are_text_as_the_page_formats_it(value, form, cell, figure):
    from pages._tables import static_html
    frame = pd.DataFrame({"mean_change": pd.Series([value], dtype=object)})
    config = {"mean_change": {"type_config": {"format": form}}} if form else None
    body = static_html(frame, config)
    table = lxml.html.fragment_fromstring(body, create_parent="div")
    assert {element.tag for element in table.iter()} <= {"div", "style", "table", "thead", "tbody", "tr", "th", "td"}
    assert static_table(body).to_dict("list") == {"change in mean": [cell]}
    assert [td.get("class") for td in table.iter("td")] == (["figure"] if figure else [None])


def long_list(rows: int):
    """A list of `rows` people, busiest first, with a rate per person (pages/_tables.table)."""
    import pandas as pd

    from pages import _tables
    people = pd.DataFrame({"mentor_id": [f"m{i:02d}" for i in range(rows)], "share": [i / 100 for i in range(rows)]})
    _tables.table(people, "people", column_config=_tables.percent_columns("share"))


# Up to STATIC_ROWS (30) rows a list is static whole; a longer one shows its first 20 rows static until asked for
# all, and the grid then holds every row, its rates as percent (0.30 → 30.0).
@pytest.mark.parametrize("rows, turns, grid_rows, static_rows, toggle, caption", [
    (30, [], None, 30, None, None),
    (31, [], None, 20, "Show all 31 rows", "The first 20 of 31 rows."),
    (31, [True], 31, None, "Show all 31 rows", None),
    (31, [True, False], None, 20, "Show all 31 rows", "The first 20 of 31 rows."),
])
def test_a_long_list_shows_its_first_rows_until_asked_for_all(rows, turns, grid_rows, static_rows, toggle, caption):
    at = AppTest.from_function(long_list, args=(rows,)).run()
    for turn in turns:
        at.toggle(key=all_rows_key("people")).set_value(turn).run()
    assert [t.label for t in at.toggle] == ([toggle] if toggle else [])
    assert [len(grid.value) for grid in at.dataframe] == ([grid_rows] if grid_rows else [])
    assert [len(table) for table in shown_tables(at)[len(at.dataframe):]] == ([static_rows] if static_rows else [])
    assert [c.value for c in at.caption if c.value.startswith("The first")] == ([caption] if caption else [])
    if static_rows:
        assert shown_tables(at)[0].iloc[:2, 0].tolist() == ["m00", "m01"], "the first rows, in the list's order"
    else:
        assert at.dataframe[0].value["share"].iloc[-1] == pytest.approx(30.0)
    assert [b.label for b in at.get("download_button")] == ["Download data (CSV)"], "every row, either way"


def grid_of(people, config):
    from pages import _tables
    _tables._grid(people, "people", _tables.TABLE_WIDTH, config)


def test_a_grid_leaves_its_arguments_as_they_were():
    """The fragment keeps a long list's arguments to draw it again when its toggle changes."""
    from pages._tables import percent_columns
    people, config = pd.DataFrame({"share": [0.5, 0.25]}), {"column_config": percent_columns("share")}
    kept = (people.copy(), repr(config))
    at = AppTest.from_function(grid_of, args=(people, config)).run()
    assert at.dataframe[0].value["share"].tolist() == [50.0, 25.0]
    assert people.equals(kept[0]) and repr(config) == kept[1]


def test_a_table_shows_blanks_empty():
    from pages._tables import readable
    frame = pd.DataFrame({"actor": ["ana", None], "at": pd.to_datetime(["2026-01-01", None]), "n": [1.0, None],
                          "first_date": [date(2026, 1, 1), None]})
    shown = readable(frame)
    assert shown["actor"].tolist() == ["ana", ""]
    assert shown["first_date"].tolist() == [date(2026, 1, 1), None], "a column of dates is no text column"
    assert shown["at"].isna().tolist() == [False, True], "dates stay dates"
    assert shown["n"].isna().tolist() == [False, True], "numbers stay numbers"


def test_upload_names_each_file_while_it_is_analysed(populated_read, app, monkeypatch):
    from streamlit.delta_generator import DeltaGenerator
    shown, progress = [], DeltaGenerator.progress

    def record(self, value, text=None, **kwargs):
        shown.append(text)
        return progress(self, value, text=text, **kwargs)
    monkeypatch.setattr(DeltaGenerator, "progress", record)
    at = app("2_upload")
    at.file_uploader[0].set_value([("pairs.csv", b"pair_id,mentor_id,mentee_id,matched_on\nz1,zm,ze,2026-04-15\n",
                                    "text/csv"),
                                   ("sessions.csv", b"pair_id,occurred_on\nz1,2026-05-01\n", "text/csv")]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t for t in shown if t and t.startswith("Reading")] == ["Reading pairs\\.csv (1 of 2)…",
                                                                   "Reading sessions\\.csv (2 of 2)…"]


@pytest.mark.parametrize("sessions, rows_to_load, warning", [
    # p1 is loaded (populated_db); zz1 is not: it loads only beside its pairs file
    ("pair_id,occurred_on\nzz1,2026-05-01\n", "0", "1 row names a pair that is not loaded yet. It loads if this "
                                                    "upload also holds its pairs file"),
    ("pair_id,occurred_on\nzz1,2026-05-01\nzz2,2026-05-02\n", "0", "2 rows name pairs that are not loaded yet. "
                                                                   "They load"),
])
def test_upload_counts_rows_waiting_for_their_pairs_apart(populated_read, app, sessions, rows_to_load, warning):
    at = app("2_upload")
    at.file_uploader[0].set_value(("sessions.csv", sessions.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.metric[0].value == rows_to_load
    assert any(w.value.startswith(warning) for w in at.warning), [w.value for w in at.warning]


@pytest.mark.parametrize("file, detected", [
    ("msforms_newhire_exit.xlsx", "Detected: **survey** · from **Microsoft Forms** · 135 rows read"),
    ("qualtrics_leadership_exit.csv", "Detected: **survey** · from **Qualtrics**"),
    ("pairs.csv", "Detected: **pairs** · from **plain CSV or XLSX**"),
])
def test_upload_names_the_tool_a_file_came_from(populated_read, app, file, detected):
    at = app("2_upload")
    at.file_uploader[0].set_value((file, (ROOT / "sample_surveys" / file).read_bytes(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(c.value.startswith(detected) for c in at.caption), [c.value for c in at.caption]


def test_upload_gives_each_rejecting_column_one_reason_in_full(populated_read, app):
    bad = "pair_id,mentor_id,mentee_id,matched_on\nq1,m1,e1,not a date\nq2,m2,e2,never\nq3,m3,e3,2026-01-05\n"
    at = app("2_upload")
    at.file_uploader[0].set_value(("pairs.csv", bad.encode(), "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    said = [m.value for m in at.markdown if m.value.startswith("- **matched\\_on**")]
    assert len(said) == 1 and said[0].startswith("- **matched\\_on**: 2 rows, e.g. row 2: ") \
        and said[0].endswith("and upload again\\)"), said


@pytest.mark.parametrize("page", ["1_overview", "2_upload"])
def test_pages_stand_with_dates_stored_outside_the_plausible_range(populated_db, app, page):
    # A database written before ingest refused such dates: the quarter list once died on year 10000.
    with connection.connect(populated_db) as con:
        con.execute("INSERT INTO sessions (session_id, pair_id, occurred_on, status) VALUES "
                    "('far', 'p1', '9999-12-31', 'held'), ('early', 'p1', '0001-01-01', 'held')")
        con.execute("INSERT INTO responses VALUES ('far', 's', NULL, NULL, NULL, NULL, 'pulse', "
                    "'9999-12-31 10:00', '9999-12-31', NULL)")
    at = app(page)
    assert at.selectbox(key="quarter").value == "2026Q2"
    assert "0001" not in " ".join(at.selectbox(key="quarter").options)


def test_upload_asks_the_day_a_survey_without_dates_closed_and_dates_every_response(populated_db, app):
    dateless = b"respondent_id,wave,How satisfied are you overall?,Would you recommend it?\ne1,exit,4,9\ne2,exit,5,10\n"
    at = app("2_upload")
    at.file_uploader[0].set_value(("paper.csv", dateless, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("no submission dates" in w.value for w in at.warning)
    # Its rows are not read until it has a date: "0 rows read" would say the file is empty.
    assert "rows read" not in texts(at)
    assert at.button(key="load_files").disabled
    at.date_input(key="file0_closed_on").set_value(date(2026, 5, 29)).run()
    assert "Every response is dated 2026-05-29, the day the survey closed" in texts(at)
    assert "2 rows read" in texts(at)
    at.button(key="load_files").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert reading(at, populated_db, "SELECT DISTINCT submitted_on FROM responses r JOIN uploads u USING "
                                     "(upload_id) WHERE u.survey_closed_on = '2026-05-29'") == [(date(2026, 5, 29),)]


def test_upload_asks_no_closing_day_of_a_survey_with_dates(populated_read, app):
    dated = b"submitted_at,respondent_id,How satisfied are you overall?,Would you recommend it?\n2026-05-02,e1,4,9\n"
    at = app("2_upload")
    at.file_uploader[0].set_value(("dated.csv", dated, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [d for d in at.date_input if d.key == "file0_closed_on"]


def test_an_improvement_form_starts_on_overall_satisfaction_and_a_second_click_logs_nothing(populated_db, app):
    at = app("8_improvements")
    assert at.selectbox(key="improvement_metric").value == "overall_satisfaction_mean"
    at.text_input(key="improvement_title").input("Mentor training day")
    at.button[0].click().run()
    assert any("The form is empty for the next action" in s.value for s in at.success)
    # The emptied form is drawn anew (the browser would keep the old widgets' text).
    assert at.text_input(key="improvement1_title").value == ""
    at.button[0].click().run()
    assert "An improvement action needs a title." in [e.value for e in at.error]
    assert reading(at, populated_db, "SELECT count(*) FROM improvements WHERE title = 'Mentor training day'") == [(1,)]


@pytest.mark.parametrize("delete", [False, True])
def test_an_improvement_is_edited_or_deleted_on_the_page_and_audited(populated_db, app, delete):
    at = app("8_improvements")
    (action_id,) = reading(at, populated_db, "SELECT action_id FROM improvements")[0]
    assert at.selectbox(key="edit_action_id").value == action_id
    if delete:
        at.checkbox(key=f"edit_{action_id}_delete_sure").check().run()
        at.button(key="edit_delete").click().run()
    else:
        at.text_input(key=f"edit_{action_id}_owner").input("Lena")
        at.selectbox(key=f"edit_{action_id}_program").set_value("New hire")
        next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    rows = reading(at, populated_db, "SELECT owner, program FROM improvements")
    assert rows == ([] if delete else [("Lena", "New hire")])
    detail = f"action {action_id} deleted" if delete else f"action {action_id} edited: owner, program"
    assert reading(at, populated_db, "SELECT detail FROM audit_log WHERE action = 'improvement' "
                                     "ORDER BY occurred_at DESC LIMIT 1") == [(detail,)]


def test_a_renamed_improvement_is_named_by_its_new_title_after_saving(populated_db, app):
    at = app("8_improvements")
    (action_id,) = reading(at, populated_db, "SELECT action_id FROM improvements")[0]
    at.text_input(key=f"edit_{action_id}_title").input("Reminders for everyone")
    next(b for b in at.button if b.label == "Save changes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert f"Saved: action #{action_id} Reminders for everyone." in [s.value for s in at.success]
    # The chosen action stays chosen, listed under its new title.
    chooser = next(s for s in at.selectbox if s.label == "Action")
    assert chooser.value == action_id
    assert chooser.format_func(chooser.value) == f"#{action_id} Reminders for everyone"


def test_an_uploads_rejected_rows_are_listed_with_their_whole_reason(populated_db, app):
    sessions = b"pair_id,occurred_on,duration_minutes\np1,2026-04-03,30\np1,2026-04-10,2000\n"
    at = app("2_upload")
    at.file_uploader[0].set_value(("sessions.csv", sessions, "text/csv")).run()
    at.button(key="load_files").click().run()
    (newest,) = reading(at, populated_db, "SELECT max(upload_id) FROM uploads")[0]
    at.selectbox(key="history_upload_id").set_value(newest).run()
    listed = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("- Row ")]  # Markdown-escaped
    # The popover is narrow: a table cut this reason off before its fix.
    assert listed == ["- Row 3 (duration_minutes): duration_minutes is over 1440 (24 hours): 2000"]
    assert any(f"csv_rejected_upload_{newest}" in d.proto.id for d in at.get("download_button"))


def test_removing_an_upload_that_wrote_nothing_says_so(populated_db, app):
    dated = b"submitted_at,respondent_id,How satisfied are you overall?,Would you recommend it?\n2026-05-02,e1,4,9\n"
    at = app("2_upload")
    for attempt in range(2):  # the second load finds its one response stored: it writes no row
        at.file_uploader[0].set_value(("dated.csv", dated, "text/csv")).run()
        at.button(key="load_files").click().run()
    (newest,) = reading(at, populated_db, "SELECT max(upload_id) FROM uploads")[0]
    at.selectbox(key="history_upload_id").set_value(newest).run()
    at.button(key="remove_upload").click().run()
    warning = " ".join(w.value for w in at.warning)
    assert "It wrote no rows (they were all stored already): only its entry in the history goes." in warning
    assert "later uploads" not in warning


def test_impact_gives_a_verdict_per_outcome_with_each_charts_data(demo_read, app):
    at = app("11_impact")
    block = impact.block(at.session_state["cursor"], Period.parse("2026Q3", 1), Filters())
    expected = [f"**{name}.** " + impact_reading.verdict(outcome, block[outcome], 0.05, 5)
                for outcome, (name, _, _) in impact_reading.OUTCOMES.items()]
    shown = [m.value.replace("\\", "") for m in at.markdown]
    assert [text for text in shown if text.startswith(("**Retention.**", "**Promotion.**"))] == expected
    assert impact_reading.left_out(block) in texts(at)
    downloads = {w.proto.id for w in at.get("download_button")}
    for name in ("impact_raw_vs_adjusted", "impact_balance", "impact_dose_response"):
        assert any(f"csv_{name}" in found for found in downloads), name
    assert len(drawn(at)) == 3


def test_retention_reads_its_raw_gap_beside_the_like_for_like_comparison(demo_read, app):
    at = app("5_retention")
    block = impact.block(at.session_state["cursor"], Period.parse("2026Q3", 1), Filters())
    expected = [f"**Against comparable colleagues, {name.lower()}:** "
                + impact_reading.verdict(outcome, block[outcome], 0.05, 5)
                for outcome, (name, _, _) in impact_reading.OUTCOMES.items()]
    shown = [c.value.replace("\\", "") for c in at.caption if c.value.startswith("**Against comparable")]
    assert shown == expected


def test_impact_of_a_program_younger_than_a_year_gives_the_first_comparisons_date(demo_read, app):
    at = app("11_impact")
    at.selectbox(key="quarter").set_value("2025Q3").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("the first comparison is possible with data up to 2 April 2026" in i.value for i in at.info)
    assert not drawn(at), "no empty chart in place of the date"


@pytest.mark.parametrize("database, says", [
    ("empty_db", "No employee file is loaded"),
    ("populated_db", "The employee file has no level column"),  # small_exports' employees have no level
])
def test_impact_without_what_it_needs_names_the_file_or_column(database, says, request, app):
    request.getfixturevalue(database)
    at = app("11_impact")
    notes = [i.value for i in at.info]
    assert any(says in note and "Upload" in note for note in notes), notes
    assert not drawn(at)


def test_impact_of_a_small_department_hides_its_figures_and_keeps_its_counts(demo_read, app):
    """The demo's Legal department in 2026Q3: 1 matched participant against 2 comparable colleagues."""
    at = app("11_impact")
    at.selectbox(key="filter_department").set_value("Legal").run()
    assert not at.exception, [e.value for e in at.exception]
    verdicts = [m.value.replace("\\", "") for m in at.markdown
                if m.value.startswith(("**Retention.**", "**Promotion.**"))]
    assert len(verdicts) == 2
    assert all("Hidden to protect anonymity (n < 5): the comparison has 1 participant and 2 comparable "
               "colleagues" in verdict for verdict in verdicts), verdicts
    assert not [c.value for c in at.caption if "times as likely" in c.value], "no E-value for hidden figures"


@pytest.mark.parametrize("frame, marks", [
    (pd.DataFrame({"cohort": ["A", "B", "C"], "n": [3, 12, 0]}), ["†", "", ""]),  # 0: nothing to mark
    (pd.DataFrame({"dimension": ["x", "y"], "n_pairs": [9, 10]}), ["†", ""]),    # fewer than 10 is small
    (pd.DataFrame({"cohort": ["A"], "n": [10]}), None),                           # no small row: no column
    (pd.DataFrame({"cohort": ["A"], "n": [None]}), None),
    (pd.DataFrame({"cohort": ["A"], "share": [0.5]}), None),                       # nothing counted
])
def test_a_tables_rows_over_a_small_n_are_marked(frame, marks):
    found = small_n_marks(frame)
    assert (None if found is None else list(found)) == marks
