"""Satisfaction: how participants rate the program, per dimension and segment, and NPS."""
import streamlit as st

from analytics.measures import satisfaction
from analytics.present import charts
from pages import _session as session
from pages import _show as show

st.title("Satisfaction")
st.caption(f"{show.showing()}: survey answers of every wave but baseline.")
by = show.split_picker("sat_by", ("program", "cohort", "department", "role"))
MEANS = ("Each dimension's mean score over the responses that answered it, with its 95% t-interval; answers on "
         "another scale than the dimension's most common one are placed on it first.")

left, right = st.columns(2)
with left:
    show.chart(charts.likert_diverging, session.standard(satisfaction.likert_distribution), "likert_distribution",
               needs=("surveys",), caption="Each dimension's answers by scale point, as a share of the responses "
               "that answered it: low answers left of 0, high answers right, the middle answer split across 0.")
with right:
    show.chart(charts.mean_ci_dots, session.standard(satisfaction.dimensions, by=by), "dimension_means", by=by,
               caption=MEANS, title="Mean score with 95% CI" + (f", by {by}" if by else ""))

left, right = st.columns(2)
with left:
    show.chart(charts.nps_split, session.standard(satisfaction.nps, by=by), "nps_split", by=by, metric="nps")
with right:
    trend = session.compute(satisfaction.nps_trend, session.trend_periods(), session.filters())
    show.chart(charts.nps_trend, trend, "nps_trend", metric="nps", actions=session.actions())

st.subheader("Mentors and mentees side by side")
show.chart(charts.mean_ci_dots, session.standard(satisfaction.dimensions, by="role"), "dimension_means_by_role",
           by="role", caption=MEANS, title="Mentors vs mentees: mean score with 95% CI")
