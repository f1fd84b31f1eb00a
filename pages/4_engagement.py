"""Engagement: are pairs meeting, which pairs need a nudge, and how loaded are mentors?"""
import streamlit as st

from analytics.measures import engagement
from analytics.present import charts, wording
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

st.title("Engagement")
st.caption("  \n".join([f"{show.showing('pair')}: pairs and their meetings.",
                       *session.filters().ignored("pair", shown=show.escape)]))

summary = session.standard(engagement.summary)
row, base = summary.iloc[0], session.standard(engagement.bases).iloc[0]
open_n, active_n, dated_n = int(base["open_pairs"]), int(base["active_pairs"]), int(base["dated_sessions"])
matched, met = int(base["pairs_matched"]), int(base["pairs_matched_met"])
if not matched:
    first_meeting = "no pair matched this quarter"
elif not met:
    first_meeting = f"none of the {wording.counted(matched, 'pair')} matched this quarter has met yet"
else:
    first_meeting = (f"n = {wording.counted(met, 'pair')} matched this quarter that met"
                     + (f" (of {matched:,})" if met != matched else ""))
show.tiles([("open_pairs", row["open_pairs"], open_n, f"n = {wording.counted(open_n, 'open pair')}"),
            ("active_pair_rate", row["active_pair_rate"], open_n, f"n = {wording.counted(open_n, 'open pair')}"),
            ("sessions_per_active_pair_per_month", row["sessions_per_active_pair_per_month"], active_n,
           f"n = {wording.counted(active_n, 'active pair')}"),
            ("cancellation_rate", row["cancellation_rate"], dated_n,
             f"n = {wording.counted(dated_n, 'session')} dated this quarter"),
            ("median_days_to_first_meeting", row["median_days_to_first_meeting"], met, first_meeting),
            ("at_risk_pairs", row["at_risk_pairs"], open_n, f"n = {wording.counted(open_n, 'open pair')}")])
if not row["open_pairs"]:
    show.empty_state("pairs")

trend = session.compute(engagement.trend, session.trend_periods(), session.filters())
actions = session.actions()
left, right = st.columns(2)
with left:
    show.chart(charts.trend, trend, "sessions_per_month_trend", metric="sessions_per_active_pair_per_month",
               series=show.labels("sessions_per_active_pair_per_month"),
               title="Meetings per active pair per month", y_title="Held sessions per pair per month", actions=actions)
with right:
    show.chart(charts.trend, trend, "activity_trend", metric="cadence_adherence",
               series=show.labels("active_pair_rate", "cadence_adherence", "cancellation_rate"),
               title="Active pairs, cadence and cancellations", y_title="Share of pairs or sessions (%)", percent=True,
               actions=actions)

show.chart(charts.heatmap, session.standard(engagement.cohort_month_activity), "cohort_month_activity",
           metric="active_pair_rate")

NAMES_NOTE = "pair, mentor and mentee ids need the lead role."


def no_pairs(listed: str) -> None:
    """Without open pairs there is nothing to list: "none at risk" would read as good news."""
    st.caption(f"No open pairs for {show.showing('pair')}, so nothing to list yet: {listed} "
               "listed here once the pairs and sessions exports are uploaded on the **Upload** page (or pick "
               "another quarter or fewer filters).")


st.subheader("Pairs at risk")
at_risk = session.standard(engagement.at_risk_pairs)
if not row["open_pairs"]:
    no_pairs("pairs without a recent meeting are")
elif at_risk.empty:
    st.success("No pair is at risk: every open pair has met recently.", icon=":material/check_circle:")
else:
    st.caption(f"{len(at_risk):,} open pairs without a held meeting in the last "
               f"{session.setting('at_risk_days')} days.")
    if session.can("view_names"):
        st.caption("Longest silence first. Contact them this week.")
        tables.table(at_risk, "at_risk_pairs", metric="at_risk_pairs")
    else:
        st.info(f"The list of these pairs is not shown: {NAMES_NOTE}", icon=":material/visibility_off:")

st.subheader("Mentor load")
if not row["open_pairs"]:
    no_pairs("each mentor's open pairs are")
elif not session.can("view_names"):
    st.info(f"Open pairs per mentor is not shown: {NAMES_NOTE}", icon=":material/visibility_off:")
else:
    st.caption("Mentors with an open pair this quarter, the busiest first.")
    tables.table(session.standard(engagement.mentor_load).rename(columns={"n": "open_pairs"}), "mentor_load")
