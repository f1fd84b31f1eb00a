"""Free-text feedback: themes, sentiment and the (masked) comment list.

Comments are the answers to questions mapped to the `comment` dimension, from
responses submitted in the period (every wave: a baseline comment is still
feedback). Raw comments are only returned once at least
`min_comment_group_size` respondents have commented; theme and sentiment
figures are aggregates and follow `min_group_size`. Both thresholds count
respondents, not comments: one person's many comments (several pulse
responses, or two comment questions) would otherwise unlock a list of their
own words. Which groups may be shown is decided over every view at once (`lattice`), so that no list
or figure is the difference of others that are shown: all programs' comments less one program's would
otherwise list the rest. Emails and phone numbers are always masked.
"""
from __future__ import annotations

import re
from functools import lru_cache

import duckdb
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from analytics.measures import lattice, stats
from analytics.measures.filters import Filters, Period
from analytics.store import memo, settings

# Theme -> (label, kind, patterns). Built on what mentoring programs report
# struggling with and what they deliver; patterns are matched on lower case.
THEMES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "time_constraints": ("Time constraints", "challenge",
                         (r"(?:no|not enough|lack of|find|finding|short of|make) (?:the )?time\b",
                          r"\btime (?:is|was) (?:the|a)\b", r"constrain", r"\bbusy\b", r"schedul", r"workload",
                          r"calendar", r"deadline")),
    "unclear_expectations": ("Unclear expectations", "challenge",
                             (r"expectation", r"unclear", r"never clear", r"not sure what", r"supposed to",
                              r"\bstructure", r"no agenda", r"what to talk about")),
    "power_dynamics": ("Power dynamics", "challenge",
                       (r"hierarch", r"intimidat", r"judg(?:ed|ing|ment)", r"uncomfortable", r"\bpower\b",
                        r"too senior")),
    "fading_engagement": ("Fading engagement", "challenge",
                          (r"fizzl", r"fad(?:e|ed|ing)\b", r"dropped off", r"lost touch", r"stopped meeting",
                           r"(?:have|haven'?t|has) not met", r"haven'?t met", r"cancel", r"momentum", r"drift",
                           r"rarely met", r"no-?show")),
    "poor_match": ("Poor match", "challenge",
                   (r"\bmatch(?:ed|ing)?\b.*\b(?:poor|bad|wrong|not)\b", r"(?:poor|bad|wrong|not a good) (?:match|fit)",
                    r"mismatch", r"little in common", r"different (?:field|function|area)", r"new mentor")),
    "networking": ("Networking", "benefit",
                   (r"network", r"introduc", r"\bcontacts?\b", r"connections?\b")),
    "skills": ("Skills", "benefit",
               (r"skill", r"leadership", r"communicat", r"presentation", r"problem[- ]solving", r"delegat")),
    "knowledge": ("Knowledge", "benefit",
                  (r"industry", r"insight", r"learn(?:ed|t)", r"understand", r"knowledge")),
    "support": ("Support", "benefit",
                (r"support", r"encourag", r"listen", r"confiden", r"reassur", r"sounding board",
                 r"someone to talk to")),
    "career_direction": ("Career direction", "benefit",
                         (r"career", r"direction", r"promotion", r"next step", r"\bpath\b", r"\bgoals?\b")),
}
_COMPILED = {theme: re.compile("|".join(patterns)) for theme, (_, _, patterns) in THEMES.items()}

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits with phone separators; checked for length below so dates stay.
_PHONE_CANDIDATE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}$")

POSITIVE, NEGATIVE = 0.05, -0.05  # VADER's conventional compound-score cut-offs


def mask(text: str) -> str:
    """Replace emails and phone numbers with placeholders."""
    text = _EMAIL.sub("[email]", text)

    def phone(match: re.Match) -> str:
        candidate = match.group(0)
        digits = sum(ch.isdigit() for ch in candidate)
        return "[phone]" if digits >= 7 and not _DATE.match(candidate.strip()) else candidate
    return _PHONE_CANDIDATE.sub(phone, text)


@lru_cache(maxsize=200_000)
def themes_of(text: str) -> tuple[str, ...]:
    """The themes a comment mentions (cached: the list and the theme chart read the same comments)."""
    lowered = text.lower()
    return tuple(theme for theme, pattern in _COMPILED.items() if pattern.search(lowered))


# VADER's lexicon is general-purpose; in mentoring feedback a few words mean something else. "Engagement"
# names a program measure, not a pleasant feeling ("engagement dropped off" read as positive); the
# others are how participants say that it helped or that it faded, and VADER has no value for them.
DOMAIN_LEXICON = {
    "engagement": 0.0, "learned": 1.5, "learnt": 1.5, "helped": 1.7, "highlight": 2.0,
    "faded": -1.5, "dropped": -1.3, "rescheduling": -1.0, "rescheduled": -1.0,
}
# Idioms VADER reads word by word: "a difficult project made a real difference" came out negative.
IDIOMS = [(re.compile(r"\bmade (?:a|all the) (?:(?:real|big|huge|great|massive) )?difference\b", re.IGNORECASE),
           "helped a great deal")]


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(DOMAIN_LEXICON)
    return analyzer


@lru_cache(maxsize=200_000)
def sentiment(text: str) -> float:
    """VADER's compound score in [-1, 1], with the domain's words and idioms (`DOMAIN_LEXICON`, `IDIOMS`)."""
    for idiom, plain in IDIOMS:
        text = idiom.sub(plain, text)
    return float(_analyzer().polarity_scores(text)["compound"])


def _comments_sql(period: Period, filters: Filters) -> tuple[str, list]:
    responses, params = filters.responses_sql()
    # `commenter` is who the thresholds count: the respondent, or an anonymous response on its own.
    # The prefixes keep a respondent id from matching an anonymous response's id.
    return f"""
        SELECT r.submitted_on, a.value_text AS comment, r.program, r.cohort, r.department, r.role,
               CASE WHEN r.respondent_id IS NULL THEN 'response ' || r.response_id
                    ELSE 'respondent ' || r.respondent_id END AS commenter
        FROM ({responses}) r
        JOIN answers a ON a.response_id = r.response_id
        JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
        WHERE i.dimension = 'comment' AND r.submitted_on BETWEEN ? AND ?
          AND a.value_text IS NOT NULL AND trim(a.value_text) <> ''""", params + [period.start, period.end]


@memo.once
def _raw_comments(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    sql, params = _comments_sql(period, filters)
    return con.execute(sql, params).df()


@memo.per_data  # no filter changes it: kept per data version
def released(con: duckdb.DuckDBPyConnection, period: Period, setting: str) -> lattice.Lattice:
    """Which views' comments may be listed (`setting` min_comment_group_size) or summarised
    (min_group_size) in the period."""
    sql, params = _comments_sql(period, Filters())
    cube = con.execute(lattice.cube_sql(sql, "'comment'", "commenter"), params).fetchall()
    return lattice.Lattice.of(cube, settings.get(con, setting))


def _shown(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, respondents: int,
           setting: str) -> tuple[bool, bool]:
    """(shown, shields): whether the comments of `respondents` people may be listed or summarised (at
    `setting`), and whether they are hidden only because a smaller group's would follow from them."""
    large = respondents >= settings.get(con, setting)
    allowed = released(con, period, setting).allows("comment", lattice.view_key(filters))
    return large and allowed, large and not allowed


def comments(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
             search: str | None = None) -> pd.DataFrame:
    """The masked comment list → [month ('2026-07'), comment, themes, sentiment, n, respondents,
    suppressed], newest month first; no rows when fewer than min_comment_group_size respondents
    commented. `search` keeps comments containing it (case-insensitive, in the masked text).

    The threshold covers the whole list only: a listed program, cohort, role, wave or day would let a
    reader pick out the few comments of a smaller group, so none is listed, and within a month the
    comments are in text order, which keeps one response's comments from standing side by side."""
    frame = _raw_comments(con, period, filters)
    n, respondents = len(frame), frame["commenter"].nunique()
    columns = ["month", "comment", "themes", "sentiment", "n", "respondents", "suppressed"]
    if not _shown(con, period, filters, respondents, "min_comment_group_size")[0]:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(month=pd.to_datetime(frame["submitted_on"]).dt.strftime("%Y-%m"),
                         comment=frame["comment"].map(mask)).sort_values(["month", "comment"],
                                                                         ascending=[False, True])
    frame["themes"] = frame["comment"].map(lambda t: ", ".join(THEMES[k][0] for k in themes_of(t)))
    frame["sentiment"] = frame["comment"].map(sentiment)
    frame["n"], frame["respondents"], frame["suppressed"] = n, respondents, False
    if search:
        frame = frame[frame["comment"].str.contains(search, case=False, regex=False)]
    return frame[columns].reset_index(drop=True)


def comment_count(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ one row [n, respondents, threshold, suppressed, protects_smaller_group]: n comments from that many
    respondents, whether the comment list is hidden, and whether only to protect a smaller group."""
    sql, params = _comments_sql(period, filters)
    n, respondents = con.execute(f"SELECT count(*), count(DISTINCT commenter) FROM ({sql})", params).fetchone()
    shown, shields = _shown(con, period, filters, respondents, "min_comment_group_size")
    return pd.DataFrame([{"n": n, "respondents": respondents, "threshold": settings.get(con, "min_comment_group_size"),
                          "suppressed": not shown, stats.SHIELDS: shields}])


def comments_from(n: int, respondents: int) -> str:
    """'12 comments from 1 respondent', for the notes that say why the comment list is hidden."""
    return f"{n:,} comment{'s' * (n != 1)} from {respondents:,} respondent{'s' * (respondents != 1)}"


# Why a list of enough respondents is hidden (comment_count's protects_smaller_group).
SHIELDED_LIST = ("the list is hidden too: it gives each comment's month, and beside the lists shown for other "
                 "filters and quarters it would let a smaller group's comments be told apart (one month's, or "
                 "what two lists differ by)")


def themes(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ [theme, label, kind, mentions, share, n, respondents, suppressed, protects_smaller_group], one row per
    theme; `share` of the n comments mentioning it; suppressed below min_group_size respondents, or to protect
    a smaller group."""
    frame = _raw_comments(con, period, filters)
    n, respondents = len(frame), frame["commenter"].nunique()
    found = [themes_of(t) for t in frame["comment"]]
    # No comments is "none", not "too few".
    shown, shields = _shown(con, period, filters, respondents, "min_group_size")
    suppressed = respondents > 0 and not shown
    rows = []
    for theme, (label, kind, _) in THEMES.items():
        mentions = sum(theme in f for f in found)
        rows.append({"theme": theme, "label": label, "kind": kind,
                     "mentions": None if suppressed else mentions,
                     "share": None if suppressed or n == 0 else mentions / n,
                     "n": n, "respondents": respondents, "suppressed": suppressed, stats.SHIELDS: shields})
    frame = pd.DataFrame(rows)
    return frame.sort_values(["kind", "mentions", "theme"], ascending=[True, False, True],
                             na_position="last").reset_index(drop=True)


def sentiment_summary(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """→ one row [n, respondents, mean_sentiment, positive_share, negative_share, suppressed,
    protects_smaller_group]; suppressed below min_group_size respondents, or to protect a smaller group."""
    return _sentiment_row(con, period, filters, _raw_comments(con, period, filters))


def sentiment_trend(con: duckdb.DuckDBPyConnection, periods: list[Period], filters: Filters) -> pd.DataFrame:
    """sentiment_summary per period, oldest first → [period, start, end, n, mean_sentiment, …].
    The comments of all periods are fetched in one query and split here."""
    if not periods:
        return pd.DataFrame()
    span = Period("trend", min(p.start for p in periods), max(p.end for p in periods))
    comments = _raw_comments(con, span, filters)
    dates = pd.to_datetime(comments["submitted_on"]).dt.date
    rows = [_sentiment_row(con, p, filters, comments[(dates >= p.start) & (dates <= p.end)])
            .assign(period=p.label, start=p.start, end=p.end) for p in periods]
    frame = pd.concat(rows, ignore_index=True)
    return frame[["period", "start", "end", *[c for c in frame.columns if c not in ("period", "start", "end")]]]


def _sentiment_row(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                   comments: pd.DataFrame) -> pd.DataFrame:
    n, respondents = len(comments), comments["commenter"].nunique()
    shown, shields = _shown(con, period, filters, respondents, "min_group_size")
    hidden = respondents > 0 and not shown
    if n == 0 or hidden:
        return pd.DataFrame([{"n": n, "respondents": respondents, "mean_sentiment": None, "positive_share": None,
                              "negative_share": None, "suppressed": hidden, stats.SHIELDS: shields}])
    scores = pd.Series([sentiment(t) for t in comments["comment"]])
    return pd.DataFrame([{"n": n, "respondents": respondents, "mean_sentiment": scores.mean(),
                          "positive_share": (scores >= POSITIVE).mean(),
                          "negative_share": (scores <= NEGATIVE).mean(), "suppressed": False, stats.SHIELDS: False}])
