"""Feedback: what participants say in their own words."""
import streamlit as st

from analytics import charts
from pages import _common as ui

st.title("Feedback")
st.caption(f"{ui.filters().sentence(ui.period())}: free-text survey comments, masked and shown only for "
           "groups large enough to stay anonymous.")

if ui.analytics_function("feedback.themes") is None:
    st.info("Comment themes, sentiment and the searchable comment list are coming: they need "
            "`analytics.feedback`, which is still being built. Comments you upload are stored already and "
            "will appear here once it lands.", icon=":material/construction:")
else:
    left, right = st.columns(2)
    with left:
        ui.chart(charts.group_bars, ui.standard("feedback.themes"), "feedback_themes", needs=("comments",),
                 category="theme", value="n", title="What comments talk about", value_title="Comments",
                 percent=False, horizontal=True)
    with right:
        ui.chart(charts.trend, ui.compute("feedback.sentiment_trend", ui.trend_periods(), ui.filters()),
                 "sentiment_trend", series={"sentiment": "Mean sentiment"}, title="Comment sentiment by quarter",
                 y_title="Mean sentiment (−1 negative to +1 positive)", y_range=(-1, 1))
    search = st.text_input("Search comments", key="feedback_search", placeholder="a word or phrase")
    comments = ui.standard("feedback.comments")
    if comments is not None:
        shown = comments[comments["comment"].str.contains(search, case=False, regex=False)] if search else comments
        ui.table(shown, "comments")
