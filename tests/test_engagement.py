import math
from statistics import median

import pandas as pd
import pytest

from analytics.measures import engagement
from analytics.measures.filters import Filters, Period
from analytics.store import settings
from tests.builders import fresh, insert

Q2 = Period.parse("2026Q2")  # 2026-04-01 … 2026-06-30

PAIRS = """
pair_id | mentor_id | mentee_id | matched_on | ended_on   | end_reason | program | cohort | meetings_target_per_month
p1      | m1        | e1        | 2026-01-05 |            |            | L       | C1     |
p2      | m1        | e2        | 2026-04-10 |            |            | L       | C2     | 2
p3      | m2        | e3        | 2026-07-10 |            |            | L       | C2     |
p4      | m2        | e4        | 2025-07-10 | 2026-04-20 | withdrew   | X       | C1     |
p5      | m3        | e5        | 2026-05-01 |            |            | X       | C2     |
p6      | m3        | e6        | 2025-01-01 | 2026-03-31 | completed  | X       | C1     |
p7      | m1        | e7        | 2026-02-01 | 2026-09-01 | completed  | L       | C1     |
"""
SESSIONS = """
session_id | pair_id | occurred_on | duration_minutes | status
s1         | p1      | 2026-02-01  | 60               | held
s2         | p1      | 2026-04-02  | 60               | held
s3         | p1      | 2026-05-10  | 30               | held
s4         | p2      | 2026-04-20  | 60               | held
s5         | p2      | 2026-05-20  | 60               | cancelled
s6         | p3      | 2026-06-15  | 60               | held
s7         | p4      | 2026-04-10  | 45               | no_show
s8         | p7      | 2026-06-20  | 120              | held
s9         | p7      | 2026-06-25  |                  | held
s10        | p7      | 2026-07-02  | 60               | held
"""
PARTICIPANTS = """
participant_id | department | name
e1             | Eng        | Ana Silva
e2             | Eng        |
e4             | Sales      | Bo Chen
"""


@pytest.fixture
def con():
    con = fresh()
    insert(con, "pairs", PAIRS)
    insert(con, "sessions", SESSIONS)
    insert(con, "participants", PARTICIPANTS)
    return con


# Worked by hand from the tables above (p3 matched after the as-of date; p6 ended before Q2):
# open p1 p2 p4 p5 p7; active p1 p2 p7; held in Q2: p1 2, p2 1, p7 2.
EXPECTED = {
    "open_pairs": 5,
    "active_pairs": 3,
    "active_pair_rate": 3 / 5,
    "sessions_held": 5,
    "sessions_per_active_pair_per_month": 5 / 3 / 3,
    "cancellation_rate": 2 / 7,                       # s5 cancelled, s7 no-show of 7 dated in Q2
    "median_hours_per_active_pair": median([90 / 60, 60 / 60, 120 / 60]),  # a blank duration adds nothing
    "median_days_to_first_meeting": 10,               # p2: Apr 10 → Apr 20; p5 never met
    "pairs_never_met": 1,
    # months open = max(1, floor(open days / 30.4375)): p1 91d→2 (2 held ✓), p2 82d→2×2 (1 ✗),
    # p4 20d→1 (0 ✗), p5 61d→2 (0 ✗), p7 91d→2 (2 ✓)
    "cadence_adherence": 2 / 5,
    "at_risk_pairs": 3,                               # p1 (last May 10), p2 (Apr 20), p5 (never)
}


@pytest.mark.parametrize("name, expected", EXPECTED.items())
def test_summary(con, name, expected):
    assert engagement.summary(con, Q2, Filters())[name].iloc[0] == pytest.approx(expected)


def test_empty_database_gives_zero_counts_and_null_ratios():
    got = engagement.summary(fresh(), Q2, Filters()).iloc[0]
    assert (got["open_pairs"], got["sessions_held"], got["at_risk_pairs"], got["n"]) == (0, 0, 0, 0)
    assert all(math.isnan(got[k]) for k in ("active_pair_rate", "cancellation_rate", "cadence_adherence",
                                            "median_hours_per_active_pair", "median_days_to_first_meeting"))


@pytest.mark.parametrize("filters, open_pairs, sessions_held", [
    (Filters(program="L"), 3, 5),          # p1 p2 p7
    (Filters(program="X"), 2, 0),          # p4 p5
    (Filters(cohort="C2"), 2, 1),          # p2 p5
    (Filters(department="Eng"), 2, 3),     # mentees e1, e2
    (Filters(role="mentor"), 5, 5),        # role does not narrow pairs
])
def test_filters(con, filters, open_pairs, sessions_held):
    got = engagement.summary(con, Q2, filters).iloc[0]
    assert (got["open_pairs"], got["sessions_held"]) == (open_pairs, sessions_held)


@pytest.mark.parametrize("filters", [Filters(), Filters(program="L")])
def test_sessions_of_unknown_pairs_do_not_count(con, filters):
    before = engagement.summary(con, Q2, filters)
    insert(con, "sessions", """
session_id | pair_id | occurred_on | duration_minutes | status
s99        | p99     | 2026-05-01  | 60               | held
""")
    pd.testing.assert_frame_equal(engagement.summary(con, Q2, filters), before)


def test_by_segment(con):
    by = engagement.summary(con, Q2, Filters(), by="program").set_index("program")
    assert by.loc["L", "active_pair_rate"] == pytest.approx(3 / 3)
    assert by.loc["X", "active_pair_rate"] == 0
    with pytest.raises(ValueError, match="role"):
        engagement.summary(con, Q2, Filters(), by="role")


def test_at_risk_list(con):
    got = engagement.at_risk_pairs(con, Q2, Filters())
    assert list(got.columns) == ["pair_id", "mentor_id", "mentor_name", "mentee_id", "mentee_name", "program",
                                 "cohort", "matched_on", "days_since_last_meeting", "meetings_so_far"]
    # Longest silence first: p2 71 days (Jun 30 − Apr 20), p5 never met (60 days since matching),
    # p1 51 days (Jun 30 − May 10)
    assert got["pair_id"].tolist() == ["p2", "p5", "p1"]
    assert got["meetings_so_far"].tolist() == [1, 0, 3]
    # Names come from the participants file where it has them.
    assert got["mentee_name"].fillna("").tolist() == ["", "", "Ana Silva"]
    days = got["days_since_last_meeting"].tolist()
    assert days[0] == 71 and pd.isna(days[1]) and days[2] == 51


@pytest.mark.parametrize("matched_on, last_held, days, at_risk", [
    ("2026-05-16", None, 45, True),           # 45 days before Jun 30, never met
    ("2026-05-17", None, 45, False),          # 44 days: too new
    ("2026-01-01", "2026-05-16", 45, True),   # last meeting 45 days ago: outside the window
    ("2026-01-01", "2026-05-17", 45, False),  # as-of − 44: inside the window
    # A window reaching back before the quarter: a meeting before its start still counts.
    ("2025-06-01", "2025-12-13", 200, False),  # as-of − 199
    ("2025-06-01", "2025-12-12", 200, True),   # as-of − 200
])
def test_at_risk_boundaries(matched_on, last_held, days, at_risk):
    con = fresh()
    settings.set(con, "at_risk_days", days)
    insert(con, "pairs", f"pair_id | mentor_id | mentee_id | matched_on\np | m | e | {matched_on}")
    if last_held:
        insert(con, "sessions", f"session_id | pair_id | occurred_on | status\ns | p | {last_held} | held")
    assert engagement.summary(con, Q2, Filters())["at_risk_pairs"].iloc[0] == int(at_risk)


def test_at_risk_days_setting(con):
    settings.set(con, "at_risk_days", 60)  # p1 (51 days) is no longer at risk; p5 matched 60 days ago still is
    assert engagement.at_risk_pairs(con, Q2, Filters())["pair_id"].tolist() == ["p2", "p5"]


def test_default_meeting_target_setting(con):
    settings.set(con, "default_meeting_target", 2)  # p1 and p7 now need 2 × 2 = 4 held; they have 2
    assert engagement.summary(con, Q2, Filters())["cadence_adherence"].iloc[0] == 0


def test_mentor_load(con):
    got = engagement.mentor_load(con, Q2, Filters()).set_index("mentor_id")
    # m1: p1, p2, p7 (5 held); m2: p4 (p3 not yet matched); m3: p5 (p6 ended before Q2)
    assert got.loc["m1", ["n", "mentees", "sessions_held"]].tolist() == [3, 3, 5]
    assert got.loc["m2", ["n", "sessions_held"]].tolist() == [1, 0]
    assert got.loc["m3", "n"] == 1


def test_cohort_month_activity(con):
    got = engagement.cohort_month_activity(con, Q2, Filters()).set_index(["cohort", "month"])
    april, june = ("C1", "2026-04-01"), ("C1", "2026-06-01")
    # C1 in April: p1, p4, p7 open (p6 ended Mar 31); p1 active
    assert got.loc[april, ["n", "active_pairs", "sessions_held"]].tolist() == [3, 1, 1]
    # C1 in June: p1, p7 open (p4 ended Apr 20); p7 held two
    assert got.loc[june, ["n", "active_pairs", "sessions_held"]].tolist() == [2, 1, 2]
    assert got.loc[("C2", "2026-05-01"), "active_pair_rate"] == 0  # p2 cancelled; p5 never met


def test_trend(con):
    trend = engagement.trend(con, Q2.quarters_back(2), Filters())
    # Q1: p1 (Feb 1 held), p4, p6, p7 open; p1 active
    assert trend[["period", "open_pairs", "active_pairs"]].values.tolist() == [["2026Q1", 4, 1], ["2026Q2", 5, 3]]


@pytest.mark.parametrize("filters, expected", [
    # open p1 p2 p4 p5 p7, active p1 p2 p7; 7 sessions dated in Q2; matched in Q2: p2 (met) and p5 (never)
    (Filters(), {"open_pairs": 5, "active_pairs": 3, "dated_sessions": 7, "pairs_matched": 2,
                 "pairs_matched_met": 1}),
    (Filters(program="X"), {"open_pairs": 2, "active_pairs": 0, "dated_sessions": 1, "pairs_matched": 1,
                            "pairs_matched_met": 0}),
])
def test_bases_count_what_each_figure_is_computed_over(con, filters, expected):
    assert engagement.bases(con, Q2, filters).iloc[0].to_dict() == expected


def test_bases_split_like_the_summary(con):
    by = engagement.bases(con, Q2, Filters(), by="program").set_index("program")
    assert by["dated_sessions"].to_dict() == {"L": 6, "X": 1}
    assert list(engagement.summary(con, Q2, Filters(), by="program").columns[:2]) == ["program", "n"]
