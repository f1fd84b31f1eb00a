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


def _in_thread(results, cursor, con, *periods) -> None:
    with memo.joined(results, cursor, con):
        for period in periods:
            figure(cursor, period)


@pytest.mark.parametrize("main, threads, runs", [
    (["Q1"], [["Q1"], ["Q1"]], ["Q1"]),                    # the caller's figure, reused by both threads
    ([], [["Q1", "Q2"], ["Q2", "Q1"]], ["Q1", "Q2"]),       # each computed by one thread, reused by the other
    (["Q3"], [["Q1"], []], ["Q3", "Q1"]),
])
def test_threads_that_join_a_scope_share_its_figures(con, main, threads, runs):
    from concurrent.futures import ThreadPoolExecutor
    with memo.scope():
        for period in main:
            figure(con, period)
        results = memo.current()
        with ThreadPoolExecutor(max_workers=2) as pool:
            for periods in threads:
                pool.submit(_in_thread, results, con.cursor(), con, *periods).result()
        figure(con, "Q1")  # the caller again: remembered whichever thread computed it
    assert sorted(period for period, _ in calls) == sorted(runs)


def test_two_threads_asking_at_once_compute_a_figure_once(con):
    import threading
    from concurrent.futures import ThreadPoolExecutor
    both_asked = threading.Barrier(2)

    @memo.once
    def slow(cursor, period):
        calls.append((period, None))
        return period

    def ask(cursor):
        with memo.joined(results, cursor, con):
            both_asked.wait()
            return slow(cursor, "Q1")
    with memo.scope():
        results = memo.current()
        with ThreadPoolExecutor(max_workers=2) as pool:
            answers = list(pool.map(ask, [con.cursor(), con.cursor()]))
    assert (answers, calls) == (["Q1", "Q1"], [("Q1", None)])


def test_a_cursor_of_another_connection_is_not_taken_for_the_joined_one(con):
    other = builders.fresh()
    with memo.scope():
        figure(con, "Q1")
        with memo.joined(memo.current(), con.cursor(), con):
            figure(other, "Q1")  # another database: computed again
    assert calls == [("Q1", None), ("Q1", None)]


class Connection:
    """Stands for a connection: an object of one size, whose memory the next one takes once it is dropped."""


def test_a_connection_dropped_inside_a_scope_lends_its_id_to_no_other():
    with memo.scope():
        for _ in range(5):
            figure(Connection(), "Q1")  # each dropped at once: CPython would give the next one its address
    assert calls == [("Q1", None)] * 5


@memo.per_data
def unfiltered(con, period: str) -> pd.DataFrame:
    calls.append((period, "per data"))
    return pd.DataFrame({"period": [period]})


@pytest.fixture
def nothing_kept(monkeypatch):
    monkeypatch.setattr(memo, "_PER_DATA", memo.OrderedDict())
    monkeypatch.setattr(memo, "_PER_DATA_LOCKS", {})


# Each scope opened with a data version (None: without one) asks for the figure of these periods.
@pytest.mark.parametrize("scopes, runs", [
    ([("v1", ["Q1"]), ("v1", ["Q1"])], ["Q1"]),                          # same data: kept across scopes
    ([("v1", ["Q1"]), ("v1", ["Q2", "Q1"])], ["Q1", "Q2"]),
    ([("v1", ["Q1"]), ("v2", ["Q1"])], ["Q1", "Q1"]),                    # the data changed: again
    ([("v1", ["Q1"]), ("v2", ["Q1"]), ("v1", ["Q1"])], ["Q1", "Q1"]),    # v1's is still kept
    ([(None, ["Q1", "Q1"]), (None, ["Q1"])], ["Q1", "Q1"]),               # no version: once per scope
    ([("v1", ["Q1"]), (None, ["Q1"])], ["Q1", "Q1"]),
    ([(("v", ["a list"]), ["Q1", "Q1"]), (("v", ["a list"]), ["Q1"])], ["Q1", "Q1"]),  # unhashable: once per scope
])
def test_a_figure_per_data_is_kept_across_scopes_of_the_same_version(con, nothing_kept, scopes, runs):
    for version, periods in scopes:
        with memo.scope(version):
            for period in periods:
                assert unfiltered(con, period).at[0, "period"] == period
    assert calls == [(period, "per data") for period in runs]


def test_a_write_inside_the_scope_stops_keeping_figures_for_its_version(nothing_kept):
    con = builders.fresh()
    with memo.scope("v1"):
        unfiltered(con, "Q1")
        with queries.transaction(con):  # a committed write: the version the scope was opened with is stale
            pass
        unfiltered(con, "Q1")  # afresh, and kept for this scope alone
        unfiltered(con, "Q1")
    with memo.scope("v1"):
        unfiltered(con, "Q1")  # what was computed before the write
    assert calls == [("Q1", "per data")] * 2


def test_the_least_recently_used_figure_is_dropped_first(con, nothing_kept, monkeypatch):
    monkeypatch.setattr(memo, "PER_DATA_ENTRIES", 2)
    for periods in (["Q1", "Q2", "Q1", "Q3"], ["Q1", "Q2"]):  # Q3 drops Q2, the least recently used
        with memo.scope("v1"):
            for period in periods:
                unfiltered(con, period)
    assert [period for period, _ in calls] == ["Q1", "Q2", "Q3", "Q2"]


def test_two_sessions_asking_at_once_compute_a_figure_per_data_once(nothing_kept):
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor
    both_asked = threading.Barrier(2)

    @memo.per_data
    def slow(con, period):
        calls.append((period, "per data"))
        time.sleep(0.05)  # long enough for the other session to ask meanwhile
        return period

    def session(con):  # a page run of its own, on its own connection, with the same data version
        with memo.scope("v1"):
            both_asked.wait()
            return slow(con, "Q1")
    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(session, [builders.fresh(), builders.fresh()]))
    assert (answers, calls) == (["Q1", "Q1"], [("Q1", "per data")])


def test_a_caller_changing_its_copy_does_not_change_what_is_kept(con, nothing_kept):
    for _ in range(2):
        with memo.scope("v1"):
            mine = unfiltered(con, "Q1")
            mine["period"] = "changed"
    with memo.scope("v1"):
        assert unfiltered(con, "Q1").at[0, "period"] == "Q1"
