"""Each role on each page: what it sees and what it is refused. Sign-in, its audit
rows, the lockout, session expiry, sign-out, and single-user local mode."""
from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import duckdb
import openpyxl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from analytics.ops import auth
from analytics.store import queries
from tests.builders import shown_tables
from tests.test_pages import ROOT, texts

PASSWORDS = {"vera": "viewer password", "lena": "lead password", "adam": "admin password"}
ROLE_OF = {"vera": "viewer", "lena": "lead", "adam": "admin"}
NAME_OF = {role: name for name, role in ROLE_OF.items()}
REFUSED = "cannot do this"
NAMES_NOTE = "need the lead role"
IDS = re.compile(r"\b[pme]\d+\b")  # pair, mentor and mentee ids of small_exports


@pytest.fixture(scope="module")
def secrets() -> dict:
    return {"auth": {"users": {name: {"role": ROLE_OF[name], "password_hash": auth.hash_password(password)}
                               for name, password in PASSWORDS.items()}}}


@pytest.fixture(scope="module")
def database(small_file) -> Path:
    """The small populated database (conftest): read it, or copy it to write."""
    return small_file


@pytest.fixture
def db_copy(tmp_path, monkeypatch, database) -> Path:
    path = tmp_path / "roles.duckdb"
    shutil.copy(database, path)
    monkeypatch.setenv("MENTORSCOPE_DB", str(path))
    monkeypatch.setenv("MENTORSCOPE_DEMO", "off")
    # The sign-in rate limiter is server-wide (cache_resource): each test starts with none.
    st.cache_resource.clear()
    return path


@pytest.fixture(scope="module")
def entry(tmp_path_factory) -> Path:
    """dashboard.py run from a folder without pages/ (as in test_pages)."""
    script = tmp_path_factory.mktemp("entry") / "app.py"
    script.write_text(f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n")
    return script


@pytest.fixture
def app(entry, db_copy, secrets):
    def start(signed_in_as: str | None = None, page: str | None = None, signed_in_at: float | None = None
              ) -> AppTest:
        """The dashboard with users configured; signed in as a role (its session set, as a
        sign-in would) and on `page`, or on the sign-in form."""
        at = AppTest.from_file(str(entry), default_timeout=60)
        at.secrets.update(secrets)
        if signed_in_as:
            name = NAME_OF[signed_in_as]
            at.session_state["user"] = auth.User(name, signed_in_as, signed_in_at or time.time())
        if page:
            at.switch_page(str(ROOT / "pages" / f"{page}.py"))  # the session's first page
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return start


def sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="sign_in_name").input(name)
    at.text_input[1].input(password)
    return at.button[0].click().run()


def keys(at: AppTest) -> set[str]:
    """Keys of every widget on the page; a table shows as its CSV download, `csv_<name>`."""
    found = set()
    for kind in ("button", "text_input", "number_input", "selectbox", "date_input", "radio"):
        found |= {w.key for w in getattr(at, kind) if w.key}
    found |= {w.proto.id for kind in ("file_uploader", "download_button") for w in at.get(kind)}
    return found


def has(found: set[str], key: str) -> bool:
    return any(key in k for k in found)


def audit_rows(at: AppTest, action: str) -> list[tuple]:
    return at.session_state["cursor"].execute(
        "SELECT actor, detail FROM audit_log WHERE action = ? ORDER BY occurred_at", [action]).fetchall()


# (page, role) → keys that must be there, keys that must not, whether the page refuses.
VISIBLE = [
    ("1_overview", "viewer", ["quarter"], [], False),
    ("2_upload", "viewer", [], ["upload_files", "remove_upload", "history_upload_id", "csv_data_health"], True),
    ("2_upload", "lead", ["upload_files", "remove_upload", "csv_data_health"], [], False),
    ("3_satisfaction", "viewer", ["sat_by"], [], False),
    ("4_engagement", "viewer", [], ["csv_at_risk_pairs", "csv_mentor_load"], False),
    ("4_engagement", "lead", ["csv_at_risk_pairs", "csv_mentor_load"], [], False),
    ("5_retention", "viewer", ["ret_by"], [], False),
    ("11_impact", "viewer", [], [], False),
    ("6_outcomes", "viewer", ["csv_pre_post_table"], [], False),
    ("7_feedback", "viewer", [], ["feedback_search", "csv_comments"], False),
    ("7_feedback", "lead", ["feedback_search", "csv_comments"], [], False),
    ("8_improvements", "viewer", ["csv_improvement_actions"], ["improvement_title"], False),
    ("8_improvements", "lead", ["improvement_title", "csv_improvement_actions"], [], False),
    ("9_reports", "viewer", ["build_report", "report_format"], [], False),
    ("10_settings", "viewer", [], ["objective_metric", "setting_at_risk_days", "csv_audit_log", "erase_id",
                                   "csv_users"], True),
    ("10_settings", "lead", ["objective_metric"], ["setting_at_risk_days", "csv_audit_log", "erase_id", "csv_users"],
     False),
    ("10_settings", "admin", ["objective_metric", "setting_at_risk_days", "csv_audit_log", "erase_id", "csv_users"],
     [], False),
]
# What a higher role has is what the role below has, and more: every (page, role) pair is
# covered by the nearest row below it (an admin on Engagement sees what a lead sees).
COVERED = {(page, role) for page, role, *_ in VISIBLE}


def expected(page: str, role: str) -> tuple:
    for lower in reversed(auth.ROLES[:auth.ROLES.index(role) + 1]):
        for row in VISIBLE:
            if row[:2] == (page, lower):
                return row[2:]
    raise AssertionError(f"no row for {page}")


@pytest.mark.parametrize("role", auth.ROLES)
@pytest.mark.parametrize("page", sorted({row[0] for row in VISIBLE}))
def test_each_role_on_each_page(app, page, role):
    present, absent, refused = expected(page, role)
    at = app(role, page)
    found = keys(at)
    assert [k for k in present if not has(found, k)] == []
    assert [k for k in absent if has(found, k)] == []
    assert any(REFUSED in w.value for w in at.warning) is refused
    assert any(f"Signed in as {NAME_OF[role]} ({role})" in c.value for c in at.sidebar.caption)


def test_signing_in_opens_the_dashboard_and_is_audited(app):
    at = app()
    assert at.title[0].value == "Mentorscope" and not at.sidebar.selectbox, "only the sign-in form"
    sign_in(at, "lena", PASSWORDS["lena"])
    assert not at.exception
    assert any("Signed in as lena (lead)" in c.value for c in at.sidebar.caption)
    assert audit_rows(at, "sign_in") == [("lena", "role lead")]


def test_a_wrong_password_is_refused_and_audited(app):
    at = sign_in(app(), "lena", "not the password")
    assert [e.value for e in at.error] == ["Wrong user name or password."]
    assert "user" not in at.session_state
    assert audit_rows(at, "sign_in_failed") == [("lena", "Wrong user name or password.")]


def test_five_failures_lock_the_name_even_with_the_right_password(app):
    at = app()
    for _ in range(auth.MAX_FAILURES):
        sign_in(at, "vera", "guess")
    sign_in(at, "vera", PASSWORDS["vera"])
    assert any("Too many failed sign-ins" in e.value for e in at.error)
    assert "user" not in at.session_state
    assert len(audit_rows(at, "sign_in_failed")) == auth.MAX_FAILURES + 1


def test_an_expired_session_returns_to_the_sign_in_form(app):
    at = app("lead", signed_in_at=time.time() - (auth.SESSION_HOURS + 1) * 3600)
    assert "user" not in at.session_state
    assert any("session has ended" in i.value for i in at.info)
    assert not at.sidebar.selectbox


def test_signing_out_returns_to_the_sign_in_form(app):
    at = app("admin")
    at.button(key="sign_out").click().run()
    assert "user" not in at.session_state
    assert any("signed out" in i.value for i in at.info)
    assert at.text_input(key="sign_in_name").value == ""


def test_a_viewer_opening_upload_directly_is_refused_and_nothing_is_written(app, database):
    with duckdb.connect(str(database), read_only=True) as template:
        before = queries.table_counts(template), template.execute("SELECT count(*) FROM uploads").fetchone()
    at = app("viewer", "2_upload")
    assert any(REFUSED in w.value and "lead role" in w.value for w in at.warning)
    assert not at.get("file_uploader")
    cur = at.session_state["cursor"]
    assert (queries.table_counts(cur), cur.execute("SELECT count(*) FROM uploads").fetchone()) == before


def test_a_viewer_sees_no_pair_ids_on_engagement(app):
    at = app("viewer", "4_engagement")
    shown = texts(at) + "".join(table.to_csv() for table in shown_tables(at))
    assert not IDS.findall(shown)
    assert any(m.label == "At-risk pairs" for m in at.metric), "the count stays"
    assert NAMES_NOTE in texts(at)


def test_a_viewers_report_has_no_comments_sheet(app):
    at = app("viewer", "9_reports")
    at.radio(key="report_format").set_value("xlsx").run()
    at.button(key="build_report").click().run()
    assert not at.exception, [e.value for e in at.exception]
    sheets = openpyxl.load_workbook(io.BytesIO(at.session_state["report_file"][3])).sheetnames
    assert "Comments" not in sheets
    lead = app("lead", "9_reports")
    lead.radio(key="report_format").set_value("xlsx").run()
    lead.button(key="build_report").click().run()
    assert "Comments" in openpyxl.load_workbook(io.BytesIO(lead.session_state["report_file"][3])).sheetnames


def test_a_lead_logs_an_improvement_under_their_name(app):
    at = app("lead", "8_improvements")
    at.text_input(key="improvement_title").input("Mentor training day")
    next(b for b in at.button if b.label == "Add action").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert ("lena", "action 2 added: Mentor training day") in audit_rows(at, "improvement")


def test_an_admin_erases_one_participant_after_confirming(app):
    at = app("admin", "10_settings")
    at.text_input(key="erase_id").input("e1")
    at.button(key="erase_start").click().run()
    assert any("e1" in w.value for w in at.warning), "a confirm step names who"
    assert at.session_state["cursor"].execute("SELECT count(*) FROM participants WHERE participant_id = 'e1'"
                                              ).fetchone() == (1,)
    at.button(key="erase_confirm").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Rows removed" in s.value and "participants 1" in s.value for s in at.success)
    assert at.session_state["cursor"].execute("SELECT count(*) FROM participants WHERE participant_id = 'e1'"
                                              ).fetchone() == (0,)
    assert audit_rows(at, "erasure") == [("adam", "one participant's data erased")]


def test_local_mode_shows_the_banner_and_allows_everything(entry, db_copy):
    at = AppTest.from_file(str(entry), default_timeout=60)
    at.switch_page(str(ROOT / "pages" / "10_settings.py")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("local mode, no sign-in" in m.value.lower() for m in at.markdown)
    assert at.session_state["user"] == auth.LOCAL_USER
    found = keys(at)
    assert all(has(found, k) for k in ("setting_at_risk_days", "csv_audit_log", "erase_id"))
    assert not at.sidebar.button, "no sign-out without sign-in"


def test_a_misconfigured_users_section_stops_with_its_message(entry, db_copy):
    at = AppTest.from_file(str(entry), default_timeout=60)
    at.secrets["auth"] = {"users": {"zed": {"role": "owner", "password_hash": "x"}}}
    at.run()
    assert any("role 'owner'" in e.value for e in at.error)
    assert not at.sidebar.selectbox
