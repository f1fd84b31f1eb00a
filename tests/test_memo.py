"""memo: a figure asked for twice in one page run or report is computed once."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.measures import satisfaction
from analytics.measures.filters import Filters, Period
from analytics.store import memo, queries
from tests import builders

calls: list[tuple] = []


@memo.once
def figure(con, period: str, by: str | None = None) -> pd.DataFrame:
    calls.append((period, by))
    return pd.DataFrame({"period": [period], "by": [by]})


@pytest.fixture(autouse=True)
def no_calls_yet():
    calls.clear()


@pytest.mark.parametrize("asks, runs", [
    ([("Q1", {}), ("Q1", {})], [("Q1", None)]),                                   # the same: once
    ([("Q1", {}), ("Q2", {}), ("Q1", {})], [("Q1", None), ("Q2", None)]),
    ([("Q1", {}), ("Q1", {"by": "cohort"})], [("Q1", None), ("Q1", "cohort")]),   # other arguments: again
    ([("Q1", {"by": "cohort"}), ("Q1", {"by": "cohort"})], [("Q1", "cohort")]),
])
def test_inside_a_scope_each_figure_runs_once(con, asks, runs):
    with memo.scope():
        for period, kwargs in asks:
            assert figure(con, period, **kwargs).to_dict("records") == [{"period": period,
                                                                         "by": kwargs.get("by")}]
    assert calls == runs


def test_outside_a_scope_every_call_runs(con):
    figure(con, "Q1"), figure(con, "Q1")
    assert calls == [("Q1", None), ("Q1", None)]


def test_unhashable_arguments_run_every_time(con):
    with memo.scope():
        figure(con, ["Q1", "Q2"]), figure(con, ["Q1", "Q2"])
    assert len(calls) == 2


def test_a_caller_changing_its_copy_does_not_change_the_next_answer(con):
    with memo.scope():
        mine = figure(con, "Q1")
        mine["period"] = "changed"
        assert figure(con, "Q1").at[0, "period"] == "Q1"


def test_a_nested_scope_shares_the_outer_one(con):
    with memo.scope():
        figure(con, "Q1")
        with memo.scope():
            figure(con, "Q1")
        figure(con, "Q1")
    assert calls == [("Q1", None)]


def test_a_committed_write_makes_the_next_figure_fresh():
    con = builders.fresh()
    q2 = Period.parse("2026Q2")
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | nps\n"
                            "r1 | e1 | pulse | 2026-05-01 | 10")
    with memo.scope():
        assert satisfaction.nps(con, q2, Filters()).at[0, "n"] == 1
        builders.responses(con, "response_id | respondent_id | wave | submitted_on | nps\n"
                                "r2 | e2 | pulse | 2026-05-02 | 0")
        with queries.transaction(con):  # builders write outside a transaction; the app's writers commit
            pass
        assert satisfaction.nps(con, q2, Filters()).at[0, "n"] == 2
