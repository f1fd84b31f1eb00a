"""Feedback: masking, themes, sentiment against VADER itself, and the comment thresholds."""
from __future__ import annotations

import pandas as pd
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analytics.measures import feedback
from analytics.measures.filters import Filters, Period
from analytics.report.build import build_model
from analytics.store import settings
from tests import builders

Q2 = Period.parse("2026Q2")


@pytest.mark.parametrize("text, expected", [
    ("Mail me at ana.silva@example.com please", "Mail me at [email] please"),
    ("Call +44 20 7946 0958 or (555) 123-4567", "Call [phone] or [phone]"),
    ("We met on 2026-04-03 and 4/5/2026", "We met on 2026-04-03 and 4/5/2026"),   # dates stay
    ("Rated 10 out of 10, 3 times", "Rated 10 out of 10, 3 times"),              # short numbers stay
])
def test_mask(text, expected):
    assert feedback.mask(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("Too busy, we kept rescheduling", ["time_constraints"]),
    ("My mentor introduced me to people across the company", ["networking"]),
    ("Honestly a poor match: different field entirely", ["poor_match"]),
    ("It fizzled out after the second month", ["fading_engagement"]),
    ("Great sounding board, helped my career direction", ["support", "career_direction"]),
    ("Great support and honest feedback every time we met", ["support"]),      # "time" alone is no constraint
    ("Hard to find time for our meetings with the current workload", ["time_constraints"]),
    ("It was never clear what we were supposed to cover", ["unclear_expectations"]),
    ("Engagement dropped off and we have not met for a while", ["fading_engagement"]),
    ("We met a lot at first but the meetings faded out", ["fading_engagement"]),
    ("Having someone to talk to during a difficult project", ["support"]),
    ("Could someone help me find a new mentor?", ["poor_match"]),
    ("ok", []),
])
def test_themes(text, expected):
    assert feedback.themes_of(text) == tuple(expected)


@pytest.mark.parametrize("text", ["This was wonderful and helpful!", "Terrible, a waste of time.", "We met.",
                                  "The difference in seniority made it awkward."])
def test_sentiment_is_vaders_compound_score(text):
    # Reference: SentimentIntensityAnalyzer().polarity_scores(text)["compound"]
    assert feedback.sentiment(text) == SentimentIntensityAnalyzer().polarity_scores(text)["compound"]


# Plain VADER's compound score in the comment, and the reading a person would give.
@pytest.mark.parametrize("text, reading", [
    ("Having someone to talk to during a difficult project made a real difference.", "positive"),  # -0.36
    ("It made all the difference.", "positive"),  # 0.00
    ("It made no difference at all.", "negative"),  # -0.30
    ("Engagement dropped off and we have not met for a while.", "negative"),  # +0.46
    ("We met a lot at first but the meetings faded out after a few months.", "negative"),  # 0.00
    ("Learned a lot about how our industry and the business really work.", "positive"),  # 0.00
    ("The career planning sessions were the highlight.", "positive"),  # +0.34
    ("We kept rescheduling because of deadlines.", "negative"),  # 0.00
])
def test_sentiment_reads_mentoring_feedback_as_people_do(text, reading):
    score = feedback.sentiment(text)
    got = "positive" if score >= feedback.POSITIVE else "negative" if score <= feedback.NEGATIVE else "neutral"
    assert got == reading, score


def commented(respondents: list[str], items: int = 1, text: str = "Great support, thank you"):
    """One pulse response per entry, by that respondent ('' for an anonymous response: no respondent_id),
    each answering `items` comment questions with `text`."""
    con = builders.fresh()
    questions = ["comment", *(f"comment__{k}" for k in range(2, items + 1))]
    builders.responses(con, " | ".join(["response_id", "respondent_id", "wave", "submitted_on", *questions]) + "\n"
                       + "\n".join(" | ".join([f"r{i}", who, "pulse", "2026-05-01", *[text] * items])
                                   for i, who in enumerate(respondents)))
    return con


def comments_db(count: int, text: str = "Great support, thank you"):
    """`count` comments, each from a different respondent."""
    return commented([f"e{i}" for i in range(1, count + 1)], text=text)


NINE = [f"e{i}" for i in range(1, 10)]


# The comment threshold (10) counts respondents: comments, and responses, of one person count once.
@pytest.mark.parametrize("respondents, items, comments, commenters, listed", [
    pytest.param(NINE, 1, 9, 9, False, id="9 people"),
    pytest.param(["e1"] * 10, 1, 10, 1, False, id="one person's 10 pulse responses"),
    pytest.param(NINE + ["e10"], 1, 10, 10, True, id="10 people"),
    pytest.param(NINE * 2, 1, 18, 9, False, id="9 people, twice each"),
    pytest.param(NINE[:5], 2, 10, 5, False, id="5 responses to two comment questions"),
    pytest.param(NINE + ["e10"], 2, 20, 10, True, id="10 responses to two comment questions"),
    pytest.param(NINE + [""], 1, 10, 10, True, id="9 people and an anonymous response"),
    pytest.param(NINE + ["", ""], 1, 11, 11, True, id="anonymous responses count one each"),
    pytest.param(NINE[:8] + ["", ""], 1, 10, 10, True, id="8 people and two anonymous responses"),
    pytest.param(NINE * 2 + [""], 1, 19, 10, True, id="9 people twice and an anonymous response"),
    pytest.param(["", "r0"], 1, 2, 2, False, id="a respondent id equal to an anonymous response id"),
])
def test_the_comment_list_counts_respondents_not_comments(respondents, items, comments, commenters, listed):
    con = commented(respondents, items)
    gate = feedback.comment_count(con, Q2, Filters()).iloc[0]
    assert (gate["n"], gate["respondents"], gate["threshold"], bool(gate["suppressed"])) == (
        comments, commenters, 10, not listed)
    frame = feedback.comments(con, Q2, Filters())
    assert len(frame) == (comments if listed else 0)
    assert frame[["n", "respondents"]].drop_duplicates().values.tolist() == ([[comments, commenters]] if listed else [])


# Themes and sentiment (minimum group size 5) count respondents too, in a quarter's summary and in the trend.
@pytest.mark.parametrize("respondents, items, comments, commenters, suppressed", [
    pytest.param(["e1"] * 12, 1, 12, 1, True, id="one person's 12 comments"),
    pytest.param(NINE[:4] * 3, 1, 12, 4, True, id="4 people, three times each"),
    pytest.param(NINE[:2], 3, 6, 2, True, id="2 responses to three comment questions"),
    pytest.param(NINE[:4] + [""], 1, 5, 5, False, id="4 people and an anonymous response"),
    pytest.param(NINE[:5], 1, 5, 5, False, id="5 people"),
])
def test_themes_and_sentiment_count_respondents_not_comments(respondents, items, comments, commenters, suppressed):
    con = commented(respondents, items)
    support = feedback.themes(con, Q2, Filters()).set_index("theme").loc["support"]
    assert (support["n"], support["respondents"], bool(support["suppressed"])) == (comments, commenters, suppressed)
    assert pd.isna(support["share"]) is suppressed
    summary = feedback.sentiment_summary(con, Q2, Filters()).iloc[0]
    assert (summary["n"], summary["respondents"], bool(summary["suppressed"])) == (comments, commenters, suppressed)
    assert pd.isna(summary["mean_sentiment"]) is suppressed
    trend = feedback.sentiment_trend(con, [Q2], Filters()).iloc[0]
    assert (trend["n"], trend["respondents"], bool(trend["suppressed"])) == (comments, commenters, suppressed)


def test_listed_comments_are_masked_and_searchable():
    con = comments_db(10, "Thanks! reach me on bo@example.com about networking")
    frame = feedback.comments(con, Q2, Filters(), search="NETWORKING")
    assert len(frame) == 10
    assert frame.at[0, "comment"] == "Thanks! reach me on [email] about networking"
    assert frame.at[0, "themes"] == "Networking"
    assert feedback.comments(con, Q2, Filters(), search="example.com").empty  # the address is gone


LISTED = ["month", "comment", "themes", "sentiment", "n", "respondents", "suppressed"]


# The threshold covers the whole list: a listed program, cohort, role, wave or day would let a reader count out
# the comments of a smaller group, so a comment carries only its month.
@pytest.mark.parametrize("days, months", [
    pytest.param(["2026-04-01"] * 10, ["2026-04"] * 10, id="one day"),
    # The list gives each comment's month: each month needs the threshold's respondents.
    pytest.param(["2026-04-01", "2026-06-30"] * 10, ["2026-06"] * 10 + ["2026-04"] * 10, id="newest month first"),
    pytest.param([f"2026-05-{d:02}" for d in range(1, 11)], ["2026-05"] * 10, id="ten days of one month"),
])
def test_listed_comments_name_no_group_and_give_the_month(days, months):
    con = builders.fresh()
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | program | cohort | role | comment\n"
                       + "\n".join(f"r{i} | e{i} | {'exit' if i % 2 else 'pulse'} | {day} | New-hire | 2026 Spring | "
                                    f"{'mentor' if i < 2 else 'mentee'} | Comment {i}" for i, day in enumerate(days)))
    frame = feedback.comments(con, Q2, Filters())
    assert frame.columns.tolist() == LISTED
    assert frame["month"].tolist() == months


@pytest.mark.parametrize("count, suppressed, support_share", [(4, True, None), (5, False, 1.0)])
def test_theme_shares_follow_the_minimum_group_size(count, suppressed, support_share):
    con = comments_db(count)
    frame = feedback.themes(con, Q2, Filters()).set_index("theme")
    assert bool(frame.at["support", "suppressed"]) is suppressed
    assert frame.at["support", "n"] == count
    assert (None if suppressed else frame.at["support", "share"]) == support_share


def test_sentiment_summary_against_hand_counts():
    con = builders.fresh()
    texts = ["Wonderful mentor", "Great and helpful", "Terrible experience", "We met twice", "Very good support"]
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | comment\n" + "\n".join(
        f"r{i} | e{i} | pulse | 2026-05-0{i + 1} | {t}" for i, t in enumerate(texts)))
    scores = [SentimentIntensityAnalyzer().polarity_scores(t)["compound"] for t in texts]
    row = feedback.sentiment_summary(con, Q2, Filters()).iloc[0]
    assert row["n"] == 5
    assert row["mean_sentiment"] == pytest.approx(sum(scores) / 5)
    assert row["positive_share"] == pytest.approx(sum(s >= 0.05 for s in scores) / 5)
    assert row["negative_share"] == pytest.approx(sum(s <= -0.05 for s in scores) / 5)


def test_thresholds_are_settings():
    con = comments_db(6)
    settings.set(con, "min_comment_group_size", 6)
    assert len(feedback.comments(con, Q2, Filters())) == 6


def test_no_comments_is_not_a_suppressed_group():
    frame = feedback.themes(builders.fresh(), Q2, Filters())
    assert (frame["n"] == 0).all() and not frame["suppressed"].any() and frame["share"].isna().all()


def test_the_trend_is_the_summary_of_each_quarter():
    con = builders.fresh()
    # Q1: 3 comments (suppressed below 4), Q2: 8, four of them on its last day, Q3: none. A quarter is shown
    # when each of its months reaches the threshold.
    settings.set(con, "min_group_size", 4)
    rows = ([f"a{i} | e{i} | pulse | 2026-02-0{i + 1} | Wonderful mentor" for i in range(3)]
            + [f"b{i} | f{i} | pulse | 2026-05-0{i + 1} | Terrible experience" for i in range(4)]
            + [f"c{i} | g{i} | pulse | 2026-06-30 | Great and helpful" for i in range(4)])
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | comment\n" + "\n".join(rows))
    quarters = [Period.parse(q) for q in ("2026Q1", "2026Q2", "2026Q3")]
    trend = feedback.sentiment_trend(con, quarters, Filters())
    expected = pd.concat([feedback.sentiment_summary(con, q, Filters()).assign(period=q.label, start=q.start,
                                                                                end=q.end) for q in quarters])
    assert trend.columns.tolist()[:3] == ["period", "start", "end"]
    assert trend.to_dict("records") == expected[trend.columns].to_dict("records")
    assert trend[["n", "suppressed"]].values.tolist() == [[3, True], [8, False], [0, False]]


@pytest.mark.parametrize("respondents, note", [
    (["e1"] * 12, "Comments are listed only when at least 10 different respondents commented; "
                  "there were 12 comments from 1 respondent."),
    (NINE * 2, "Comments are listed only when at least 10 different respondents commented; "
               "there were 18 comments from 9 respondents."),
])
def test_the_report_says_how_many_respondents_commented(respondents, note):
    report = build_model(commented(respondents), Q2, Filters())
    assert next(t for t in report.tables() if t.key == "comments").note == note
