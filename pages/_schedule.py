"""Scheduled delivery in the dashboard's process: one scheduler per database file for the whole server
(analytics/ops/schedule.py does the checking), its thread started by the first page view that finds the
schedule on, and what the Settings page says of it."""
from __future__ import annotations

from datetime import datetime

import streamlit as st

from analytics.ops import schedule
from analytics.store import settings
from pages import _session as session
from pages import _show as show


# A cleared cache stops its thread, so that the next run's new scheduler is the only one checking.
@st.cache_resource(show_spinner=False, on_release=lambda old: old.stop(wait=False))
def scheduler(path: str) -> schedule.Scheduler:
    """The server's scheduler for the database at `path` (not started)."""
    return schedule.Scheduler(session.cursor_source(path))


def start_if_on(path: str, cursor) -> None:
    """Start the thread once the schedule is on (every run asks; only the first starts it). Once running
    it stays: each check reads the settings, so turning the schedule off stops the sending."""
    if settings.get(cursor, "delivery_day"):
        scheduler(path).start()


def plan(current: dict) -> str:
    """The schedule in words, with the next delivery."""
    upcoming = schedule.next_due(datetime.now(), current["delivery_day"], current["delivery_hour"],
                                 current["fiscal_year_start_month"])
    if upcoming is None:
        return ("Scheduled delivery is off. Set the days after a quarter ends above, or run `python -m analytics "
                "deliver` from cron while the dashboard is stopped (README, *Delivery*).")
    period, when = upcoming
    return (f"Scheduled delivery is on: next, the report for {period.sentence()} on {when:%d %b %Y} from "
            f"{when:%H:%M} (this server's clock). Until then, a recipient without the last complete quarter's "
            "report (added later, or before the schedule was turned on) gets it within minutes once that quarter's "
            "day has come; a failed send is tried again an hour later.")


def last_run(path: str) -> tuple[str, bool] | None:
    """The last scheduled delivery of this server in words (Markdown-escaped), and whether any of it failed;
    None before the first."""
    run = scheduler(path).last_run
    if run is None:
        return None
    said = f"**Last scheduled delivery**, {run.at:%d %b %Y %H:%M}" + (f", {run.quarter}" if run.quarter else "")
    return "  \n".join([f"{said}:", *(show.escape(line) for line in run.lines())]), run.failed
