"""Outcomes: did participants grow from baseline to exit, and were goals achieved?"""
import streamlit as st

from analytics.measures import outcomes
from analytics.present import charts
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

st.title("Outcomes")
st.caption(f"{show.showing()}: respondents whose exit survey falls in the quarter, "
           "against their own baseline.")

pre_post = session.standard(outcomes.pre_post)
left, right = st.columns(2)
with left:
    drawn = show.chart(charts.dumbbell, pre_post, "pre_post", needs=("surveys",),
                       caption="Per dimension, the mean score of respondents' baseline survey and of their exit "
                       "survey, among respondents who answered both; the table below gives each change "
                       "with its p-values and effect size.")
with right:
    show.chart(charts.group_bars, session.standard(outcomes.goal_attainment, by="category"), "goal_attainment",
               metric="goal_attainment_rate", needs=("goals",), category="category", value="goal_attainment_rate",
               title="Goals achieved, by category", value_title="Goals achieved (%)")
if drawn:
    st.markdown("**Change per dimension, with effect size**")
    tables.table(pre_post.drop(columns=["n"], errors="ignore"), "pre_post_table",
                 column_config=tables.number_columns(mean_baseline="%.2f", mean_exit="%.2f", mean_change="%+.2f",
                                                     cohens_dz="%.2f", scale_points="%d"))
    st.caption("Effect size: Cohen's d for paired answers, the mean change over the spread of the changes "
               "(0.2 small, 0.5 medium, 0.8 large). Excluded: respondents with only one of the two surveys.")

