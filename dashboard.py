"""Mentorscope dashboard: page config, sign-in, navigation, the shared sidebar and
the database cursor of this session. `streamlit run dashboard.py`; the database
is $MENTORSCOPE_DB or data/mentorscope.duckdb, as on the command line.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from analytics import audit, auth, db, demo, filters, memo, settings
from analytics.filters import Filters, Period, known_values
from pages import _common as common

# Paths from this file, not the working directory, so any runner finds the pages.
PAGE_DIR = Path(__file__).resolve().parent / "pages"
# A file of our own: an emoji or material icon as the favicon is fetched from an outside host, and the
# dashboard must work without the internet.
ICON = Path(__file__).resolve().parent / "assets" / "favicon.png"

st.set_page_config(page_title="Mentorscope", page_icon=str(ICON), layout="wide")

SECTIONS = {
    "Leadership": [("1_Overview", "Overview", ":material/dashboard:"),
                   ("3_Satisfaction", "Satisfaction", ":material/sentiment_satisfied:"),
                   ("4_Engagement", "Engagement", ":material/event_available:"),
                   ("5_Retention", "Retention", ":material/timeline:"),
                   ("6_Outcomes", "Outcomes", ":material/trending_up:"),
                   ("7_Feedback", "Feedback", ":material/forum:")],
    "Program lead": [("2_Upload", "Upload", ":material/upload_file:"),
                     ("8_Improvements", "Improvements", ":material/build:"),
                     ("9_Reports", "Reports", ":material/description:"),
                     ("10_Settings", "Settings", ":material/settings:")],
}
FILTER_FIELDS = ("program", "cohort", "department", "role")
ALL = "All"


@st.cache_resource(show_spinner=False)
def connection(path: str):
    """One DuckDB connection per database file for the whole server; sessions take cursors."""
    return db.connect(path)


@st.cache_resource(show_spinner=False)
def rate_limiter() -> auth.RateLimiter:
    """One limiter for the whole server, so failures count across sessions and browsers."""
    return auth.RateLimiter()


def session_cursor():
    """A fresh cursor for every run of the script: a rerun can start while the
    previous run of the same session is still inside a query, and DuckDB
    refuses a second call on a busy cursor."""
    path = str(db.default_path())
    st.session_state["cursor"] = connection(path).cursor()
    st.session_state["cursor_path"] = path
    return st.session_state["cursor"]


def users_or_stop() -> dict[str, dict]:
    try:
        return common.configured_users()
    except auth.AuthError as exc:
        st.error(f"Sign-in is misconfigured, so Mentorscope will not open: {exc}", icon=":material/error:")
        st.stop()


def signed_in(users: dict[str, dict]) -> auth.User | None:
    """This session's user while still valid: signed in, unexpired, and in secrets.toml with the
    same role. Otherwise the session is wiped, so nothing built for the old role (a report) stays."""
    kept = st.session_state.get("user")
    if kept is None:
        return None
    if kept.signed_in_at and not kept.expired() and users.get(kept.name, {}).get("role") == kept.role:
        return kept
    st.session_state.clear()
    st.session_state["sign_in_note"] = "Your session has ended. Sign in again."
    return None


def sign_in_form(cur, users: dict[str, dict]) -> None:
    """The sign-in form; every attempt goes to the audit log under the name tried."""
    st.title("Mentorscope")
    note = st.session_state.pop("sign_in_note", None)
    if note:
        st.info(note, icon=":material/info:")
    with st.form("sign_in", clear_on_submit=True):
        name = st.text_input("User name", max_chars=100, key="sign_in_name")
        password = st.text_input("Password", type="password", max_chars=1000)  # no key: never kept in the session
        submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
    if not submitted:
        return
    try:
        user = auth.sign_in(users, name, password, rate_limiter())
    except auth.AuthError as exc:
        audit.record(cur, "sign_in_failed", str(exc), actor=name.strip())
        st.error(str(exc), icon=":material/lock:")
        return
    audit.record(cur, "sign_in", f"role {user.role}", actor=user.name)
    st.session_state.clear()
    st.session_state["user"] = user
    st.rerun()


def current_user(cur) -> auth.User:
    """The local user without configured users; otherwise the signed-in one. Until someone
    signs in, the sign-in form is the only page (so no page's address opens without it)."""
    users = users_or_stop()
    if not users:
        return auth.LOCAL_USER
    user = signed_in(users)
    if user is None:
        st.navigation([st.Page(lambda: sign_in_form(cur, users), title="Sign in", url_path="sign-in",
                               icon=":material/login:")], position="hidden").run()
        st.stop()
    return user


def navigation() -> tuple:
    """The page to run and the Settings page; pages the role cannot use are left out of the
    menu but keep their address, where the page itself refuses."""
    pages = {section: [st.Page(PAGE_DIR / f"{name}.py", title=title, icon=icon, default=name == "1_Overview",
                               visibility="visible" if common.page_allowed(name) else "hidden")
                       for name, title, icon in entries]
             for section, entries in SECTIONS.items()}
    settings_page = next(p for p in pages["Program lead"] if p.title == "Settings")
    return st.navigation(pages), settings_page


def load_missing_demo(cur) -> None:
    """The first visit to a database that never had data gets the sample data, marked as demo; a
    later run finishes a load cut short (another session may be loading it: this one waits)."""
    if not demo.missing_files(cur):
        return
    bar = st.progress(0.0, text="Loading the demo data so there is something to explore…")
    demo.finish_demo(cur, progress=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text))
    bar.empty()


def quarters(fiscal_start: int) -> list[str]:
    """Quarters with held meetings or survey responses, newest first; the current
    quarter alone on an empty database."""
    found = common.compute(filters.available_quarters, fiscal_start)
    if found:
        return [p.label for p in found]
    today = date.today()
    if fiscal_start == 1:
        return [Period.quarter(today.year, (today.month - 1) // 3 + 1).label]
    return [next(p.label for p in (Period.parse(f"FY{today.year + k}Q{q}", fiscal_start)
                                   for k in (0, 1) for q in range(1, 5)) if p.start <= today <= p.end)]


def remembered(key: str, options: list, fallback: int = 0) -> int:
    """Index of the choice kept from earlier runs (pages come and go; the choice stays)."""
    kept = st.session_state.get(f"kept_{key}")
    return options.index(kept) if kept in options else fallback


def sidebar(cur) -> None:
    fiscal_start = int(settings.get(cur, "fiscal_year_start_month"))
    with st.sidebar:
        labels = quarters(fiscal_start)
        label = st.selectbox("Quarter", labels, key="quarter", index=remembered("quarter", labels),
                             format_func=lambda quarter: Period.parse(quarter, fiscal_start).sentence(),
                             help="Every page shows this quarter; changes are compared with the quarter before it.")
        st.session_state["kept_quarter"] = label
        st.session_state["period"] = Period.parse(label, fiscal_start)
        chosen = {}
        for field in FILTER_FIELDS:
            values = [ALL, *known_values(cur, field)]
            pick = st.selectbox(field.capitalize(), values, key=f"filter_{field}",
                                index=remembered(f"filter_{field}", values))
            st.session_state[f"kept_filter_{field}"] = pick
            chosen[field] = None if pick == ALL else pick
        st.session_state["filters"] = Filters(**chosen)
        shown = st.session_state["filters"]
        period = st.session_state["period"]
        progress = [note] if (note := period.progress_note()) else []
        # Program and cohort names are the organisation's text, never Markdown.
        lines = [f"Showing: {shown.sentence(period, shown=common.escape)}", *shown.notes(shown=common.escape),
                 *progress]
        st.caption("  \n".join(lines))


def account(user: auth.User) -> None:
    """Who is signed in, and the way out, under the filters."""
    if user == auth.LOCAL_USER:
        return
    with st.sidebar:
        st.divider()
        st.caption(f"Signed in as {common.escape(user.name)} ({user.role})")
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            st.session_state.clear()
            st.session_state["sign_in_note"] = "You have signed out."
            st.rerun()


def local_mode_banner(user: auth.User) -> None:
    if user == auth.LOCAL_USER:
        st.warning("**Single-user local mode.** Anyone who can open Mentorscope can see and change everything. "
                   "To require sign-in with roles, add users to `.streamlit/secrets.toml` as the README's "
                   "*Sign-in and roles* section shows.", icon=":material/lock_open:")


def demo_banner(cur, settings_page) -> None:
    if demo.has_demo(cur):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.warning("**Demo data.** These figures come from generated sample programs, not your "
                       "organisation. Clear them before uploading your own exports.", icon=":material/science:")
            if common.can("clear_demo"):
                st.page_link(settings_page, label="Clear demo data", icon=":material/delete:")


cur = session_cursor()
st.session_state["user"] = user = current_user(cur)
load_missing_demo(cur)
# Cached results are keyed on this: any upload, removal or setting change refreshes them.
st.session_state["data_version"] = common.data_version(st.session_state["cursor_path"], db.table_counts(cur),
                                                       settings.all_settings(cur))
page, settings_page = navigation()
sidebar(cur)
account(user)
local_mode_banner(user)
demo_banner(cur, settings_page)
common.show_flash()
with memo.scope():  # a figure the page asks for twice is computed once
    page.run()
