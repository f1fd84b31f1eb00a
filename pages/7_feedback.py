"""Feedback: what participants say in their own words (masked, and only for large enough groups)."""
import streamlit as st

from analytics.measures import feedback, stats
from analytics.present import charts
from pages import _session as session
from pages import _show as show
from pages import _tables as tables

st.title("Feedback")
st.caption(f"{show.showing()}: free-text survey comments. Emails and phone numbers are "
           "masked; comments are listed only for groups large enough to stay anonymous.")

left, right = st.columns(2)
with left:
    show.chart(charts.group_bars, session.standard(feedback.themes), "feedback_themes", needs=("comments",),
               category="label", value="share", colour_by="kind", n_shared=True, title="What comments talk about",
               value_title="Share of comments mentioning it (%)", horizontal=True)
with right:
    show.chart(charts.trend, session.compute(feedback.sentiment_trend, session.trend_periods(), session.filters()),
               "sentiment_trend", series={"mean_sentiment": "Mean sentiment"}, title="Comment sentiment by quarter",
               y_title="Mean sentiment (−1 to +1)", y_range=(-1, 1), actions=session.actions(), unit="sentiment",
               caption="The mean sentiment of each quarter's comments, from −1 (negative) to +1 (positive), as scored "
               "by VADER, a word-list sentiment scorer for short English texts, with the words that mean "
               "something else in mentoring feedback adjusted.")

st.subheader("Comments")
count = session.standard(feedback.comment_count)
if not session.can("view_comments"):
    st.info("The comments themselves need the lead role; the themes and sentiment above summarise them.",
            icon=":material/visibility_off:")
elif not count["n"].iloc[0]:
    st.caption("No comments for this quarter and these filters.")
elif bool(count[stats.SHIELDS].iloc[0]):
    st.info(f"{feedback.comments_from(int(count['n'].iloc[0]), int(count['respondents'].iloc[0]))} in this "
            f"group, but {feedback.SHIELDED_LIST}. Widen the filters or pick another quarter.",
            icon=":material/visibility_off:")
elif bool(count["suppressed"].iloc[0]):
    st.info(f"{feedback.comments_from(int(count['n'].iloc[0]), int(count['respondents'].iloc[0]))} in this "
            f"group: the list appears once {int(count['threshold'].iloc[0]):,} different respondents have "
            "commented, so nobody can be recognised by their words. Widen the filters or pick a longer-running "
            "quarter.", icon=":material/visibility_off:")
else:
    st.caption("Comments are listed without program, cohort, role, wave or day, so that nobody can narrow the "
               "list to a few people. To read one group's comments, pick it in the sidebar: the list then "
               "appears only if that group has enough respondents.")
    search = st.text_input("Search comments", key="feedback_search", placeholder="a word or phrase")
    tables.table(session.standard(feedback.comments, search=search or None), "comments",
                 column_config=tables.number_columns(sentiment="%+.2f"),
                 column_order=["month", "comment", "themes", "sentiment"])
