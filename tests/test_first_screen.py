"""The benchmark's first-screen measurement: a new session's first screen of each page in a real
browser beside a one-line app, and sessions opened at once; and how its targets are judged.
Timings are the benchmark's business (benchmarks/RESULTS.md): nothing here asserts one."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

import pytest

from benchmarks import browser, sessions
from benchmarks.browser import FirstScreens, Visits
from benchmarks.measure import Measurement
from benchmarks.report import first_screen_section, first_screen_targets, ingest_checks

CHART, TABLE = frozenset({"chart"}), frozenset({"table"})
# The element app's first screens: the title alone, with a chart, with a table, with both.
ELEMENT_SCREENS = {frozenset(): [1.0, 1.1, 0.9], CHART: [2.0, 2.1, 1.9], TABLE: [1.5, 1.6, 1.4],
                   CHART | TABLE: [2.4, 2.5, 2.3]}


def screens(overview: list, other: list, reference: list, among: list, others: list = (), together: list = (),
            control: list = (), other_shows: frozenset = CHART | TABLE, filter_first: list = (0.8,),
            filter_again: list = (0.4,)) -> FirstScreens:
    return FirstScreens({"": Visits("Overview", overview, CHART), "Retention": Visits("Retention", other, other_shows)},
                        Visits("one-line app", reference), Visits("10 at once", list(together)),
                        Visits("one-line app, 10 at once", list(control)),
                        {shown: Visits(" and ".join(sorted(shown)) or "title alone", seconds)
                         for shown, seconds in ELEMENT_SCREENS.items()},
                        Visits("1 of 10 at once", among), Visits("the others", list(others)),
                        Visits("first", list(filter_first)), Visits("again", list(filter_again)))


@pytest.mark.parametrize("path, other_shows, cost, over", [
    ("", CHART, 1.0, -0.2),                  # chart 2.0 − title 1.0; margin 0.8 − 1.0
    ("Retention", CHART | TABLE, 1.4, -1.1),  # both 2.4 − 1.0; margin 0.3 − 1.4
    ("Retention", TABLE, 0.5, -0.2),          # table 1.5 − 1.0
    ("Retention", frozenset(), 0.0, 0.3),     # no heavy element: the whole margin is the dashboard's
])
def test_a_pages_margin_is_judged_over_what_its_elements_cost(path, other_shows, cost, over):
    first = screens([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [1.2, 1.1, 1.3], [3.0], other_shows=other_shows)
    assert first.element_cost(first.pages[path].elements) == pytest.approx(cost)
    assert first.over_elements(path) == pytest.approx(over)


def test_a_visit_adds_its_time_and_the_elements_it_showed():
    visits = Visits("Overview")
    for screen in [(2.0, CHART), None, (1.5, TABLE)]:
        visits.add(screen)
    assert (visits.seconds, visits.elements, visits.failures) == ([2.0, None, 1.5], CHART | TABLE, 1)


def test_a_timing_that_is_not_a_screen_adds_no_element():
    visits = Visits("filter changes")
    for seconds in [2.4, None, 0.5]:
        visits.add_time(seconds)
    assert (visits.seconds, visits.elements, visits.failures, visits.slowest) == ([2.4, None, 0.5], frozenset(), 1,
                                                                                  2.4)


# The ten at once are judged by the browser among them (median against the Overview's alone, 2.0 s), and fail
# when any session fails, over the protocol or in the browser; ten browsers at once are shown, not judged.
@pytest.mark.parametrize("overview, other, among, others, together, met, concurrent_met", [
    ([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [3.0, 3.5, 4.0], [0.5, 1.0], [], True, True),       # margins 0.8, 0.3
    ([2.0, 2.4, 2.5], [1.5, 1.6, 1.4], [3.0, 3.5, 4.0], [0.5, 1.0], [], False, True),      # Overview's margin 1.2
    ([2.0, 1.9, 2.1], [1.5, None, 1.4], [3.0, 3.5, 4.0], [0.5, 1.0], [], False, True),     # a visit failed
    ([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [3.0, 4.5, 4.2], [0.5, 1.0], [], True, False),      # median 4.2 > 2 × 2.0
    ([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [3.0, None, 3.2], [0.5, 1.0], [], True, False),     # the browser failed once
    ([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [3.0, 3.5, 4.0], [0.5, None], [], True, False),     # another session failed
    ([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [3.0, 3.5, 4.0], [0.5, 1.0], [26.0, None], True, True),  # not judged
])
def test_first_screen_targets(overview, other, among, others, together, met, concurrent_met):
    targets = first_screen_targets(screens(overview, other, [1.2, 1.1, 1.3], among, others, together))
    (_, _, first), _, (_, _, at_once) = targets
    assert (first, at_once) == (met, concurrent_met)


# A filter change is judged on values nobody asked for before (nothing cached); asked for again is shown beside.
@pytest.mark.parametrize("first, again, met, text", [
    ([0.8, 0.9, 0.7], [0.3, 0.4, 0.3], True, "median 0.80 s (0.30 s when asked for again); 0 of 6 changes failed"),
    ([2.4, 2.5, 2.8], [0.5, 0.5, 0.4], False, "median 2.50 s (0.50 s when asked for again); 0 of 6 changes failed"),
    ([0.8, None, 0.7], [0.3, 0.4, 0.3], False, "median 0.75 s (0.30 s when asked for again); 1 of 6 changes failed"),
    ([0.8, 0.9, 0.7], [0.3, None, 0.3], False, "median 0.80 s (0.30 s when asked for again); 1 of 6 changes failed"),
])
def test_a_filter_change_is_judged_on_a_value_nobody_asked_for(first, again, met, text):
    _, judged, _ = first_screen_targets(screens([2.0], [1.5], [1.2], [3.0], filter_first=first, filter_again=again))
    assert judged[1:] == (text, met)


def test_the_concurrent_target_says_the_ratio_and_counts_every_session():
    (_, text, _), = first_screen_targets(screens([2.0], [1.5], [1.2], [3.0, 5.0], [0.5, None, 1.0, 2.0]))[2:]
    assert text == "median 4.00 s against 2.00 s (2.0×); 1 of 6 sessions failed"  # (3 + 5) / 2; 4 / 2


def test_first_screen_section_lists_each_page_with_its_margin():
    text = "\n".join(first_screen_section(screens([2.0, 1.9, 2.1], [1.5, 1.6, 1.4], [1.2, 1.1, 1.3], [2.5, 3.1],
                                                  [0.4, 0.8, None, 0.6], [3.0, 3.5], [2.0, None])))
    assert "| Overview | 2.00 (2.00, 1.90, 2.10) | +0.80 | chart | -0.20 |" in text             # 2.0 − 1.2; − 1.0
    assert "| Retention | 1.50 (1.50, 1.60, 1.40) | +0.30 | chart, table | -1.10 |" in text  # 1.5 − 1.2; − 1.4
    assert "| one-line app | 1.20 (1.20, 1.10, 1.30) | | | |" in text
    assert "| title alone | 1.00 (1.00, 1.10, 0.90) | |" in text
    assert "| chart and table | 2.40 (2.40, 2.50, 2.30) | +1.40 |" in text
    # two runs of a browser and two others: the browser's median (2.5 + 3.1) / 2 against the Overview's 2.0
    assert "3 new sessions at once on the Overview: one in the browser" in text
    assert "the browser's first screen took a median of 2.80 s (2.50, 3.10) against 2.00 s alone; the others' " \
           "scripts ran in a median of 0.60 s, the slowest 0.80 s; 1 failed." in text
    assert "For comparison, 2 browsers at once on this machine: median 3.25 s (3.00, 3.50); 0 failed." in text
    assert "first when nothing is cached for it (0.80 s: 0.80), then in another session asking for it again " \
           "(0.40 s: 0.40); 0 failed." in text
    assert "the one-line app opened 2 times at once: median 2.00 s (2.00, failed) against 1.20 s for one; " \
           "1 failed." in text


def timed(seconds: float) -> Measurement:
    return Measurement("step", "label", seconds=[seconds])


class Ingested:
    def __init__(self, ingest, stored):
        self.ingest, self.stored = ingest, stored


@pytest.mark.parametrize("file, ingest, floor, stored, expected", [
    ("sessions.csv", 3.0, 1.0, None, ("sessions.csv", 3.0, 3.0)),                  # 3× read_csv: within
    ("pairs.csv", 0.31, 0.1, None, ("pairs.csv", 3.1, 3.0)),                       # 3.1×: over
    ("survey_pulse.csv", 1.0, 0.1, 0.4, ("survey_pulse.csv", 2.5, 2.5)),           # 10× read_csv, 2.5× stored
    ("exports/qualtrics_exit.csv", 1.0, 0.1, None, None),                           # no stored floor: not judged
])
def test_ingest_is_judged_against_read_csv_or_the_stored_rows(file, ingest, floor, stored, expected):
    path = Path(file)
    results = Ingested([(path, timed(ingest), timed(floor))], {path.name: timed(stored)} if stored else {})
    checks = ingest_checks(results)
    assert checks == ([] if expected is None else [pytest.approx(expected)])


def test_a_failed_visit_is_counted_and_logged_with_its_reason(caplog):
    async def failing():
        raise RuntimeError("http://127.0.0.1/retention: the page shows an exception\nsecond line")
    assert asyncio.run(browser._or_none(failing())) is None
    assert "a visit failed: RuntimeError: http://127.0.0.1/retention: the page shows an exception | second line" \
        in caplog.text


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.skipif(not browser.CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")
def test_first_screens_are_measured_in_chromium(tmp_path, demo_file, caplog):
    database = tmp_path / "first.duckdb"
    shutil.copy(demo_file, database)
    # The smoke run's screens count as settled after a shorter quiet spell than the benchmark's second, and no
    # server is warmed first: nothing is timed here.
    measured = browser.measure(database, [""], runs=1, sessions=2, log=tmp_path / "server.log", quiet_ms=300,
                               warm=False)
    visits = [*measured.pages.values(), measured.reference, measured.among_others, measured.others,
              measured.filter_first, measured.filter_again, measured.concurrent, measured.reference_concurrent,
              *measured.elements.values()]
    assert [v.failures for v in visits] == [0] * 12, (caplog.text, (tmp_path / "server.log").read_text()[-2000:])
    assert all(s > 0 for v in visits for s in v.seconds)
    assert [len(v.seconds) for v in visits] == [1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 1, 1]
    # The Overview draws charts; each element app shows what its address asks for.
    assert "chart" in measured.pages[""].elements and measured.reference.elements == frozenset()
    assert all(visits.elements == shown for shown, visits in measured.elements.items())


# A small app that does what its query string asks: nothing, fail, or run again once (as the dashboard does after
# loading the demo).
ASKED_APP = """import streamlit as st

st.title("Mentorscope")
asked = st.query_params.get("do")
if asked == "fail":
    raise ValueError("a page that fails")
if asked == "rerun" and not st.session_state.get("ran"):
    st.session_state["ran"] = True
    st.rerun()
"""


@pytest.mark.slow
@pytest.mark.parametrize("query, opens", [
    ("", True),
    ("do=rerun", True),   # the run that ends early for a rerun is not the end
    ("do=fail", False),   # an exception on the page fails the session
])
def test_a_session_over_the_protocol_counts_only_a_page_that_ran_to_its_end(small_server, query, opens):
    seconds = asyncio.run(sessions.opened(small_server, query=query))
    assert (seconds is not None and seconds > 0) is opens


@pytest.mark.slow
@pytest.mark.parametrize("query, shown", [
    ("", ["Mentorscope"]),
    ("do=rerun", ["Mentorscope"]),  # what the run cut short for the rerun showed is not counted twice
    ("do=fail", RuntimeError),
])
def test_a_session_over_the_protocol_says_what_its_page_showed(small_server, query, shown):
    if shown is RuntimeError:
        with pytest.raises(RuntimeError):
            asyncio.run(sessions.headings(small_server, query=query))
    else:
        assert asyncio.run(sessions.headings(small_server, query=query)) == shown


@pytest.fixture(scope="module")
def small_server():
    with browser.small_app(ASKED_APP) as url:
        yield url
