import pandas as pd
import pytest
from scipy import stats as sps

from analytics.measures import effects, impact
from analytics.measures.filters import Filters, Period
from analytics.measures.improvements import add_action
from analytics.present import impact_reading, insights
from analytics.store import connection
from tests.builders import fresh, insert, responses

Q2 = Period.parse("2026Q2")

PAIRS = """
pair_id | mentor_id | mentee_id | matched_on | program | cohort
a       | m1        | e1        | 2024-10-01 | L       | C1
b       | m1        | e2        | 2024-10-01 | L       | C1
"""
# Pair a meets in 2025Q1, Q2 (once each), 2025Q4 and 2026Q1 (three times each); b only in 2026Q1.
# Nobody meets in 2026Q2.
SESSIONS = "session_id | pair_id | occurred_on | status\n" + "\n".join(
    f"s{i} | {pair} | {day} | held" for i, (pair, day) in enumerate([
        ("a", "2025-02-01"), ("a", "2025-05-01"),
        ("a", "2025-10-01"), ("a", "2025-11-01"), ("a", "2025-12-01"),
        ("a", "2026-01-10"), ("a", "2026-02-10"), ("a", "2026-03-10"), ("b", "2026-03-15")]))


@pytest.fixture
def con():
    con = fresh()
    insert(con, "pairs", PAIRS)
    insert(con, "sessions", SESSIONS)
    q1 = [f"q{i} | q{i} | pulse | 2026-02-01 | {1 + i % 2} | {4 + i % 2}" for i in range(10)]
    q2 = [f"r{i} | r{i} | pulse | 2026-05-01 | {4 + i % 2} | {3 + i % 2}" for i in range(10)]
    responses(con, "response_id | respondent_id | wave | submitted_on | networking | career_clarity\n"
              + "\n".join(q1 + q2))
    return con


def test_findings(con):
    add_action(con, title="Reminders", metric="sessions_held", started_on="2025-08-15", program="L")
    got = insights.findings(con, Q2, Filters())
    assert got["priority"].is_monotonic_decreasing
    by_kind = got.set_index("kind")
    # networking: 1/2 in Q1 → 4/5 in Q2; reference: scipy.stats.mannwhitneyu
    change = got[(got["kind"] == "significant_change") & (got["metric"] == "networking")].iloc[0]
    assert change["change"] == pytest.approx(3)
    assert change["p_value"] == pytest.approx(sps.mannwhitneyu([1, 2] * 5, [4, 5] * 5).pvalue)
    # that p is 0.000114: shown as under 0.001, not as 'p = 0.000'
    assert change["message"] == "Networking rose from 1.50 to 4.50 since Q1 2026 (p < 0.001)."
    assert by_kind.loc["at_risk_pairs", "value"] == 2
    # C1's active-pair rate: 2/2 in Q1, 0/2 in Q2
    assert by_kind.loc["slipping_cohort", "change"] == pytest.approx(-1)
    assert by_kind.loc["slipping_cohort", "message"] == ("Cohort C1: active pairs fell from 100.0% (n = 2 open pairs) "
                                                         "to 0.0% (n = 2).")
    # sessions held: 2025Q1 1, Q2 1 → mean 1; 2025Q4 3, 2026Q1 4 → mean 3.5
    action = by_kind.loc["improvement_action"]
    assert (action["value"], action["change"]) == (pytest.approx(3.5), pytest.approx(2.5))
    assert "Reminders" in action["message"]
    # Q2 means: career clarity 3.5, networking 4.5 (both of 5)
    assert by_kind.loc["weakest_dimension", "metric"] == "career_clarity"


# Each change reads in its metric's unit: NPS in whole points (never "-11.31"), a dimension as a mean score.
@pytest.mark.parametrize("dimension, previous, value, message", [
    ("nps", -11.31, -13.89, "Net Promoter Score fell from -11 to -14 since Q1 2026 (p = 0.020)."),
    ("nps", 4.4, 12.6, "Net Promoter Score rose from +4 to +13 since Q1 2026 (p = 0.020)."),
    ("networking", 3.04, 3.1, "Networking rose from 3.04 to 3.10 since Q1 2026 (p = 0.020)."),
])
def test_a_significant_change_reads_in_its_metrics_unit(dimension, previous, value, message):
    change = pd.DataFrame({"dimension": [dimension], "previous": [previous], "value": [value],
                           "change": [value - previous], "significant": [True], "suppressed": [False],
                           "p_value": [0.02]})
    [found] = insights.significant_changes(change, Q2)
    assert found["message"] == message


@pytest.mark.parametrize("column, low, place", [
    ("program", "Leadership program", "Leadership program"),
    ("program", "New hire", "New hire program"),
    ("cohort", "2025 Autumn", "cohort 2025 Autumn"),
])
def test_the_weakest_dimension_names_where_it_is_lowest(column, low, place):
    con = fresh()
    rows = [f"x{i} | x{i} | pulse | 2026-05-01 | {low if i < 5 else 'Other'} | {2 if i < 5 else 4} | 5"
            for i in range(10)]
    responses(con, f"response_id | respondent_id | wave | submitted_on | {column} | career_clarity | networking\n"
              + "\n".join(rows))
    message = insights.weakest_dimension(con, Q2, Filters())[0]["message"]
    # career clarity: 2 for the five of `low`, 4 for the others (mean 3, of 5)
    assert message == f"The weakest dimension is Career clarity (3.00 of 5); lowest in {place} (2.00, n = 5)."


def test_too_early_to_judge_an_action(con):
    add_action(con, title="New matching form", metric="active_pair_rate", started_on="2026-05-01")
    action = insights.findings(con, Q2, Filters()).set_index("kind").loc["improvement_action"]
    assert "too early" in action["message"] and pd.isna(action["change"])


def test_no_data_no_findings():
    assert insights.findings(fresh(), Q2, Filters()).empty


@pytest.mark.parametrize("comments, expected", [
    # 3 of 6 comments cite time, 1 a poor match: time wins.
    (["Too busy to meet", "Schedules clash", "No time at all", "A poor match for me", "Lovely", "Fine"],
     "The challenge comments cite most is time constraints (3 of 6 comments)."),
    # Four comments are below the minimum group size of 5: no finding.
    (["Too busy", "Too busy", "Too busy", "Too busy"], None),
])
def test_top_challenge(comments, expected):
    con = fresh()
    responses(con, "response_id | respondent_id | wave | submitted_on | comment\n" + "\n".join(
        f"c{i} | e{i} | pulse | 2026-05-01 | {text}" for i, text in enumerate(comments)))
    found = insights.top_challenge(con, Q2, Filters())
    assert [f["message"] for f in found] == ([expected] if expected else [])


def test_action_effects_table(con):
    add_action(con, title="Reminders", metric="sessions_held", started_on="2025-08-15", program="L")
    add_action(con, title="Too new", metric="sessions_held", started_on="2026-05-01")
    add_action(con, title="Later", metric="sessions_held", started_on="2026-08-01")
    table = effects.action_effects(con, Q2, Filters()).set_index("title")
    assert table.loc["Later", "note"] == "starts after Q2 2026"
    # Reminders (2025Q3): before = mean(2025Q1, 2025Q2) = (1 + 1) / 2; after = mean(2025Q4, 2026Q1) = (3 + 4) / 2.
    assert table.loc["Reminders", ["before", "after", "change"]].tolist() == [1.0, 3.5, 2.5]
    assert table.loc["Reminders", "metric_label"] == "Sessions held"
    assert pd.isna(table.loc["Too new", "after"]) and pd.isna(table.loc["Too new", "change"])
    assert pd.isna(table.loc["Reminders", "note"])
    # Started in Q2 2026: the two quarters after are Q3 and Q4 2026, and the note says when they end.
    assert table.loc["Too new", "note"] == ("too early to compare sessions held before and after (the two quarters "
                                            "after end with Q4 2026)")
    assert [f["message"][:20] for f in insights.improvement_effects(con, Q2, Filters())] == [
        "“Too new”: too early", "“Reminders” (L progr"]


@pytest.mark.parametrize("program, started_on, metric, message", [
    # Measured in its own program, and the finding says which.
    ("L", "2025-08-15", "sessions_held",
     "“Reminders” (L program): sessions held went from 1.0 (two quarters before) to 3.5 (two quarters after): "
     "+2.5 (no interval for this metric), before/after only."),
    (None, "2025-08-15", "sessions_held",
     "“Reminders”: sessions held went from 1.0 (two quarters before) to 3.5 (two quarters after): "
     "+2.5 (no interval for this metric), before/after only."),
    ("L", "2026-05-01", "sessions_held",
     "“Reminders” (L program): too early to compare sessions held before and after (the two quarters after end "
     "with Q4 2026)."),
    # A program no data names is the reason, not the calendar.
    ("L typo", "2025-08-15", "sessions_held",
     "“Reminders”: no data for program L typo: no uploaded file names it."),
    ("L typo", "2026-05-01", "sessions_held",
     "“Reminders”: no data for program L typo: no uploaded file names it."),
    # Quarters that have ended but hold nothing to compare (no survey answer belongs to L).
    ("L", "2025-08-15", "nps",
     "“Reminders” (L program): no net promoter score data before or after the action to compare."),
    # Looking back at Q2 2026, an action of July had not happened: no finding at all.
    ("L", "2026-07-01", "sessions_held", None),
    (None, "2026-06-30", "sessions_held",
     "“Reminders”: too early to compare sessions held before and after (the two quarters after end with Q4 2026)."),
])
def test_an_action_finding_names_its_program_and_why_it_cannot_be_judged(con, program, started_on, metric,
                                                                         message):
    add_action(con, title="Reminders", metric=metric, started_on=started_on, program=program)
    assert [f["message"] for f in insights.improvement_effects(con, Q2, Filters())] == ([message] if message else [])


@pytest.mark.parametrize("filters, says", [
    (Filters(), "Nothing stands out for this quarter"),
    # Loaded data the filter excludes: no upload is asked for.
    (Filters(cohort="C9"), "Nothing matches these filters in Q2 2026: 20 survey responses are loaded, none submitted"),
])
def test_nothing_found_tells_quiet_from_empty(con, filters, says):
    assert insights.nothing_found(con, Q2, filters).startswith(says)


@pytest.fixture(scope="module")
def demo_con(demo_file):
    opened = connection.connect(demo_file, read_only=True)
    yield opened
    opened.close()


@pytest.mark.parametrize("quarter, filters, outcomes", [
    # 2026Q3: promotion differs from comparable colleagues' (95% CI +1 to +15), retention is inconclusive
    ("2026Q3", Filters(), ["promotion_rate_12m"]),
    # 2026Q2: the other way round (retention 95% CI +1 to +19; promotion −3 to +9)
    ("2026Q2", Filters(), ["retention_12m"]),
    # the Legal department: 1 participant against 2 comparable colleagues, hidden
    ("2026Q3", Filters(department="Legal"), []),
])
def test_only_an_adjusted_difference_is_a_finding_about_participants(demo_con, quarter, filters, outcomes):
    period = Period.parse(quarter)
    found = insights.findings(demo_con, period, filters)
    adjusted = found[found["kind"] == "impact"]
    block = impact.block(demo_con, period, filters)
    assert adjusted["metric"].tolist() == outcomes
    assert adjusted["message"].tolist() == [
        impact_reading.verdict(outcome, block[outcome], 0.05, 5) for outcome in outcomes]
    assert not found["message"].str.contains("non-participants").any(), "no raw gap is a finding"
