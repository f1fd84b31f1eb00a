"""Each way a small group's figure was once the difference of shown ones: now one of the figures is hidden.

A case is the data (groups of respondents), the figure read, and the views whose figures an attacker would
subtract; with all of them shown, the small group's figure (answer sum, promoter count, comment list)
would follow exactly, so one of them must read as hidden (None).
"""
from __future__ import annotations

import io
import math

import openpyxl
import pytest

from analytics.measures import feedback, satisfaction
from analytics.measures.filters import Filters, Period
from analytics.report import build_report
from tests import builders

Q2 = Period.parse("2026Q2")
FY_MAY_Q1 = Period.parse("FY2027Q1", 5)  # fiscal year from May: May–Jul 2026


def load(groups: list[tuple[int, str, str, str, str]]):
    """Respondents as (count, day, program, cohort, department) groups, one response each."""
    con, rows, people = builders.fresh(), [], []
    for count, day, program, cohort, department in groups:
        for _ in range(count):
            i = len(people)
            people.append(f"p{i} | {department}")
            rows.append(f"r{i} | p{i} | pulse | {day} | {program} | {cohort} | {1 + i % 5} | {i % 11} | comment {i}")
    builders.insert(con, "participants", "participant_id | department\n" + "\n".join(people))
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | program | cohort | "
                       "overall_satisfaction | nps | comment\n" + "\n".join(rows))
    return con


def overall_sum(con, period, filters):
    """Overall satisfaction's mean × n, None when hidden."""
    dims = satisfaction.dimensions(con, period, filters)
    got = dims[dims["dimension"] == "overall_satisfaction"].iloc[0]
    return None if got["suppressed"] else got["mean"] * got["n"]


def promoters(con, period, filters):
    got = satisfaction.nps(con, period, filters).iloc[0]
    return None if got["suppressed"] else got["promoters"]


def comment_list(con, period, filters):
    listed = feedback.comments(con, period, filters)["comment"].tolist()
    return listed or None


def xlsx_overall(con, period, filters):
    """The XLSX report's overall satisfaction (its Summary sheet), None when it reads 'n < K'."""
    book = openpyxl.load_workbook(io.BytesIO(build_report(con, period, filters, "xlsx")))
    value = next(row[1] for row in book["Summary"].iter_rows(values_only=True)
                 if row and row[0] == "Overall satisfaction: mean score")
    return value if isinstance(value, (int, float)) and not math.isnan(value) else None


ALPHA_COHORTS = [(3, "2026-05-04", "Alpha", "A1", "Eng"), (6, "2026-05-05", "Alpha", "A2", "Eng"),
                 (6, "2026-05-06", "Alpha", "A3", "Ops"), (6, "2026-05-07", "Alpha", "A4", "Ops")]
CASES = [
    pytest.param(ALPHA_COHORTS, overall_sum,
                 [(Q2, Filters(program="Alpha")), (Q2, Filters(cohort="A2")), (Q2, Filters(cohort="A3")),
                  (Q2, Filters(cohort="A4"))], [False, True, False, False],
                 id="cohort A1's mean: program Alpha less its shown cohorts"),
    pytest.param(ALPHA_COHORTS, promoters,
                 [(Q2, Filters(program="Alpha")), (Q2, Filters(cohort="A2")), (Q2, Filters(cohort="A3")),
                  (Q2, Filters(cohort="A4"))], [False, True, False, False],
                 id="cohort A1's NPS: program Alpha less its shown cohorts"),
    pytest.param([(8, "2026-05-04", "Alpha", "A1", "Eng"), (6, "2026-05-05", "Alpha", "A1", "Ops"),
                  (4, "2026-05-06", "Alpha", "A1", "Legal")], overall_sum,
                 [(Q2, Filters()), (Q2, Filters(department="Eng")), (Q2, Filters(department="Ops"))],
                 [False, False, True],
                 id="Legal's 4: all respondents less Eng less Ops"),
    pytest.param([(3, "2026-04-14", "Alpha", "A1", "Eng"), (6, "2026-05-14", "Alpha", "A1", "Eng"),
                  (6, "2026-06-14", "Alpha", "A1", "Eng")], overall_sum,
                 [(Q2, Filters()), (FY_MAY_Q1, Filters())], [True, False],
                 id="April's 3: calendar 2026Q2 less fiscal FY2027Q1 from May"),
    pytest.param([(3, "2026-05-04", "Alpha", "A1", "Eng"), (6, "2026-05-05", "Alpha", "A2", "Eng")], xlsx_overall,
                 [(Q2, Filters(program="Alpha")), (Q2, Filters(program="Alpha", cohort="A2"))], [False, True],
                 id="cohort A1: the XLSX report for Alpha less the one for Alpha/A2"),
    pytest.param([(6, "2026-05-04", "Alpha", "A1", "Eng"), (12, "2026-05-05", "Beta", "B1", "Eng")], comment_list,
                 [(Q2, Filters()), (Q2, Filters(program="Beta"))], [False, True],
                 id="Alpha's 6 comments: all programs' list less Beta's"),
]


@pytest.mark.parametrize("groups, figure, views, hidden", CASES)
def test_a_small_group_is_not_the_difference_of_shown_figures(groups, figure, views, hidden):
    """`hidden`: which of the figures read as hidden. Coarse views are kept (all respondents, a program, a
    department, then the largest); the quarter whose April part is 3 people is hidden as a whole."""
    con = load(groups)
    assert [figure(con, period, filters) is None for period, filters in views] == hidden


def test_the_segment_without_a_cohort_is_held_back_like_any_other():
    """Cohort A1 (8), no cohort (6), A2 (3): all respondents less A1 less the unset segment would be A2's, so
    the split by cohort hides the unset segment too, large enough as it is."""
    con = load([(8, "2026-05-04", "Alpha", "A1", "Eng"), (6, "2026-05-05", "Alpha", "", "Eng"),
                (3, "2026-05-06", "Alpha", "A2", "Eng")])
    split = satisfaction.dimensions(con, Q2, Filters(), by="cohort")
    split = split[split["dimension"] == "overall_satisfaction"]
    assert split[["cohort", "respondents", "suppressed", "protects_smaller_group"]].fillna("not set").values.tolist() \
        == [["A1", 8, False, False], ["A2", 3, True, False], ["not set", 6, True, True]]
