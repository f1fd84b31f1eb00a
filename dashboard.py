"""Mentorscope dashboard: page config, navigation, the shared sidebar and the
database cursor of this session. `streamlit run dashboard.py`; the database
is $MENTORSCOPE_DB or data/mentorscope.duckdb, as on the command line.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import streamlit as st

from analytics import db, demo, settings
from analytics.filters import Filters, Period, known_values
from pages import _common as common

st.set_page_config(page_title="Mentorscope", page_icon=":material/diversity_3:", layout="wide")

# Paths from this file, not the working directory, so any runner finds the pages.
PAGE_DIR = Path(__file__).resolve().parent / "pages"
SETTINGS_PAGE = st.Page(PAGE_DIR / "10_Settings.py", title="Settings", icon=":material/settings:")
PAGES = {
    "Leadership": [
        st.Page(PAGE_DIR / "1_Overview.py", title="Overview", icon=":material/dashboard:", default=True),
        st.Page(PAGE_DIR / "3_Satisfaction.py", title="Satisfaction", icon=":material/sentiment_satisfied:"),
        st.Page(PAGE_DIR / "4_Engagement.py", title="Engagement", icon=":material/event_available:"),
        st.Page(PAGE_DIR / "5_Retention.py", title="Retention", icon=":material/timeline:"),
        st.Page(PAGE_DIR / "6_Outcomes.py", title="Outcomes", icon=":material/trending_up:"),
        st.Page(PAGE_DIR / "7_Feedback.py", title="Feedback", icon=":material/forum:"),
    ],
    "Program lead": [
        st.Page(PAGE_DIR / "2_Upload.py", title="Upload", icon=":material/upload_file:"),
        st.Page(PAGE_DIR / "8_Improvements.py", title="Improvements", icon=":material/build:"),
        st.Page(PAGE_DIR / "9_Reports.py", title="Reports", icon=":material/description:"),
        SETTINGS_PAGE,
    ],
}
FILTER_FIELDS = ("program", "cohort", "department", "role")
ALL = "All"


@st.cache_resource(show_spinner=False)
def connection(path: str):
    """One DuckDB connection per database file for the whole server; sessions take cursors."""
    return db.connect(path)


def session_cursor():
    path = str(db.default_path())
    if st.session_state.get("cursor_path") != path:
        st.session_state["cursor"] = connection(path).cursor()
        st.session_state["cursor_path"] = path
    return st.session_state["cursor"]


def load_demo_when_empty(cur) -> None:
    """The first visit to a database that never had data gets the sample data, marked as demo."""
    if not demo.wanted(cur):
        return
    bar = st.progress(0.0, text="Loading the demo data so there is something to explore…")
    demo.load_demo(cur, progress=lambda fraction, text: bar.progress(min(max(fraction, 0.0), 1.0), text=text))
    bar.empty()


def quarters(fiscal_start: int) -> list[str]:
    """Quarters with held meetings or survey responses, newest first; the current
    quarter alone on an empty database."""
    found = common.compute("filters.available_quarters", fiscal_start)
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
        st.caption(f"Showing: {st.session_state['filters'].sentence(st.session_state['period'])}")


def demo_banner(cur) -> None:
    if demo.has_demo(cur):
        with st.container(horizontal=True, vertical_alignment="center"):
            st.warning("**Demo data.** These figures come from generated sample programs, not your "
                       "organisation. Clear them before uploading your own exports.", icon=":material/science:")
            st.page_link(SETTINGS_PAGE, label="Clear demo data", icon=":material/delete:")


cur = session_cursor()
load_demo_when_empty(cur)
# Cached results are keyed on this: any upload, removal or setting change refreshes them.
st.session_state["data_version"] = common.data_version(st.session_state["cursor_path"], db.table_counts(cur),
                                                       settings.all_settings(cur))
page = st.navigation(PAGES)
sidebar(cur)
demo_banner(cur)
common.show_flash()
page.run()
