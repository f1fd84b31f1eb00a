import pytest

from analytics.measures.filters import Filters, Period
from analytics.present import wording
from tests.builders import fresh, insert

Q2 = Period.parse("2026Q2")
GOALS = """
goal_id | pair_id | due_on
g1      | p1      | 2026-05-01
g2      | p1      | 2026-08-01
"""
ONE_GOAL = "\n".join(GOALS.strip().splitlines()[:2])


@pytest.mark.parametrize("goals, filters, needs, message, upload", [
    # Only a kind with no rows at all asks for an upload.
    (None, Filters(), ("goals",), "No data here yet for Q2 2026. Upload the goals export (goal_id, pair_id, due_on, "
                                  "achieved_on, category) on the **Upload** page.", True),
    (None, Filters(cohort="C9"), ("goals", "comments"),
     "No data here yet for Q2 2026 · cohort C9. Upload the goals export (goal_id, pair_id, due_on, achieved_on, "
     "category); then a survey export with a free-text comment question on the **Upload** page.", True),
    (GOALS, Filters(program="L", department="Legal"), ("goals",),
     "Nothing matches these filters in Q2 2026: 2 goals are loaded, none due this quarter for L program · "
     "Legal department. Widen the filters in the sidebar or pick another quarter.", False),
    (GOALS, Filters(), ("goals",), "Nothing in Q2 2026: 2 goals are loaded, none due this quarter. Pick another "
                                   "quarter in the sidebar.", False),
    (ONE_GOAL, Filters(cohort="C9"), ("goals",),
     "Nothing matches these filters in Q2 2026: 1 goal is loaded, none due this quarter for cohort C9. Widen the "
     "filters in the sidebar or pick another quarter.", False),
])
def test_nothing_here_asks_for_an_upload_only_when_nothing_is_loaded(goals, filters, needs, message, upload):
    con = fresh()
    if goals:
        insert(con, "goals", goals)
    assert wording.nothing_here(con, Q2, filters, needs) == (message, upload)


@pytest.mark.parametrize("n, text", [(0, "0 rows"), (1, "1 row"), (2, "2 rows"), (1200, "1,200 rows")])
def test_counted(n, text):
    assert wording.counted(n, "row") == text
