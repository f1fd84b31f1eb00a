"""A new session's first screen in a real browser, side by side with a one-line Streamlit app.

Each visit is a new headless-Chromium context (no cookies, no cache, a new Streamlit session),
timed from navigation until the page settles: nothing running, stale, loading or a skeleton, and
the page unchanged for a quiet second. The time reported is when it last changed before that
quiet second. The dashboard and the one-line app (`st.title`) are served by this machine at once
and visited alternately, so both see the same load; the margin between their medians is what the
dashboard itself costs. Part of it is Streamlit's own: a plotly chart or a table loads a large script
into a new session whatever draws it, so the same elements are timed alone (ELEMENTS_APP) and the
margin is also given over what the page's heavy elements cost. Ten sessions opened at once are timed in one
browser while the other nine come over Streamlit's protocol (benchmarks.sessions): ten browsers on the same
cores would time each other rather than the server.
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable, Iterator, TypeVar

from benchmarks import sessions as protocol

T = TypeVar("T")
LOG = logging.getLogger(__name__)
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ONE_LINE_APP = 'import streamlit as st\n\nst.title("Mentorscope")\n'
# What Streamlit's own heavy elements cost a first screen, whoever draws them: the title alone, plus a small
# chart drawn as the pages draw theirs (Vega-Lite) and/or a small table (st.dataframe), as `?with=chart,table`
# asks. Each loads a script of its own into the browser the first time a session shows one.
ELEMENTS_APP = """import streamlit as st

st.title("Mentorscope")
shown = st.query_params.get("with", "").split(",")
if "chart" in shown:
    st.vega_lite_chart({"mark": "line", "data": {"values": [{"x": 1, "y": 3}, {"x": 2, "y": 1}, {"x": 3, "y": 2}]},
                        "encoding": {"x": {"field": "x", "type": "quantitative"},
                                     "y": {"field": "y", "type": "quantitative"}}})
if "table" in shown:
    import pandas as pd
    st.dataframe(pd.DataFrame({"x": [1, 2, 3]}))
"""
# The heavy elements, by their test ids in the page.
ELEMENTS = {"chart": "[data-testid=stVegaLiteChart], [data-testid=stPlotlyChart]", "table": "[data-testid=stDataFrame]"}
ELEMENT_SETS = (frozenset(), frozenset({"chart"}), frozenset({"table"}), frozenset({"chart", "table"}))
QUIET_MS = 1000
# The sidebar filter the benchmark changes: one with many values, so that each run can ask for one nobody has.
FILTER = "Department"
TIMEOUT_MS = 120_000
# Anything Streamlit shows while a script runs or an element waits for its data.
BUSY = ", ".join(["[data-testid=stStatusWidget]", "[data-stale=true]", "[data-testid=stSkeleton]",
                  "[data-testid=stAppSkeleton]", "[data-testid=stSpinner]", "[data-testid=stProgress]",
                  "[data-testid=stConnectionStatus]"])
# Installed before the page's own scripts: remembers when the page last changed or was busy.
WATCH = """
window.__lastChange = 0;
new MutationObserver(() => { window.__lastChange = performance.now(); })
  .observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
"""
# Streamlit marks its app element with the script's state (what its own end-to-end tests wait on): a script
# still computing the figures below the title shows nothing busy while the server is slow, and must not count
# as settled.
RUNNING = "[data-testid=stApp]:not([data-test-script-state=notRunning])"
SETTLED = f"""(quietMs) => {{
  const now = performance.now();
  if (!document.querySelector('[data-testid=stMain] h1') || document.querySelector({BUSY!r})
      || document.querySelector({RUNNING!r})) {{
    window.__lastChange = now;
    return false;
  }}
  return now - window.__lastChange >= quietMs;
}}"""


@dataclass
class Visits:
    """Seconds to the settled first screen of each visit (None: the visit failed), and which of the heavy
    ELEMENTS its screens showed."""
    label: str
    seconds: list[float | None] = field(default_factory=list)
    elements: frozenset[str] = frozenset()

    def add(self, screen: tuple[float, frozenset[str]] | None) -> None:
        self.seconds.append(None if screen is None else screen[0])
        if screen is not None:
            self.elements |= screen[1]

    def add_time(self, seconds: float | None) -> None:
        """A timing that is not a screen (a filter change, a session without a browser); None: it failed."""
        self.add(None if seconds is None else (seconds, frozenset()))

    @property
    def median(self) -> float | None:
        done = [s for s in self.seconds if s is not None]
        return statistics.median(done) if done else None

    @property
    def slowest(self) -> float | None:
        return max((s for s in self.seconds if s is not None), default=None)

    @property
    def failures(self) -> int:
        return sum(s is None for s in self.seconds)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    stop: Callable[[], None]  # ends the server early (DuckDB lets one process use the file at a time)


@contextmanager
def serve(script: Path, database: Path | None = None, log: Path | None = None, *,
          env: dict[str, str] | None = None, args: tuple[str, ...] = (), port: int | None = None) -> Iterator[Server]:
    """`streamlit run script` on `port` of loopback (a free one by default; the dashboard on `database`), with
    `env` added to the environment and `args` to the command line; the running server until the block ends."""
    port = port or free_port()
    environment = {**os.environ, **(env or {})}
    if database is not None:
        environment["MENTORSCOPE_DB"] = str(database)
    out = open(log or os.devnull, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", *args],
        cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)

    def stop() -> None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()

    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    said = log.read_text() if log else ""
                    raise RuntimeError(f"{script.name} did not start. {said}".strip())
                time.sleep(0.3)
        yield Server(url, stop)
    finally:
        stop()
        out.close()


@contextmanager
def small_app(source: str) -> Iterator[str]:
    """A small app of `source`, served as the dashboard is; its URL."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "app.py"
        script.write_text(source)
        with serve(script) as server:
            yield server.url


@asynccontextmanager
async def chromium() -> AsyncIterator:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            await browser.close()


def in_chromium(step: Callable[..., Awaitable[T]], *args) -> T:
    """`await step(browser, *args)` in a headless Chromium of its own: `measure`, or one of its steps alone
    (`in_chromium(side_by_side, url, one_line_url, ["Retention"], 3, QUIET_MS)`, say)."""
    async def run() -> T:
        async with chromium() as browser:
            return await step(browser, *args)
    return asyncio.run(run())


@asynccontextmanager
async def settled(browser, url: str, quiet_ms: int) -> AsyncIterator:
    """The page at `url` in a new context, once its first screen has settled (unchanged for `quiet_ms`)."""
    context = await browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        await context.add_init_script(WATCH)
        page = await context.new_page()
        await page.goto(url, wait_until="commit")
        await page.wait_for_function(SETTLED, arg=quiet_ms, timeout=TIMEOUT_MS, polling=50)
        yield page
    finally:
        await context.close()


async def first_screen(browser, url: str, quiet_ms: int = QUIET_MS) -> tuple[float, frozenset[str]]:
    """Seconds from navigating to `url` in a new context until its first screen has settled (unchanged for
    `quiet_ms`), and the heavy ELEMENTS that screen shows."""
    async with settled(browser, url, quiet_ms) as page:
        if await page.get_by_test_id("stException").count():
            raise RuntimeError(f"{url}: the page shows an exception")
        shown = frozenset([name for name, selector in ELEMENTS.items() if await page.locator(selector).count()])
        return await page.evaluate("window.__lastChange") / 1000, shown


async def filter_change(browser, url: str, nth: int, quiet_ms: int = QUIET_MS) -> float:
    """Seconds from choosing the `nth` value of the sidebar's FILTER, once the first screen at `url` has settled
    in a new session, until the page has settled again."""
    async with settled(browser, url, quiet_ms) as page:
        sidebar = page.get_by_test_id("stSidebar")
        await sidebar.get_by_test_id("stSelectbox").filter(has=page.get_by_text(FILTER, exact=True)).click()
        option = page.get_by_role("option").nth(nth)
        value = await option.inner_text()
        start = await page.evaluate("performance.now()")
        await option.click()
        await page.wait_for_function(SETTLED, arg=quiet_ms, timeout=TIMEOUT_MS, polling=50)
        if value not in await sidebar.inner_text() or await page.get_by_test_id("stException").count():
            raise RuntimeError(f"{url}: the page did not show {FILTER} {value}")
        return (await page.evaluate("window.__lastChange") - start) / 1000


async def _or_none(work: Awaitable[T]) -> T | None:
    try:
        return await work
    except Exception as exc:  # a failed visit is counted, not fatal: the benchmark reports failures
        # Playwright's message says what it waited for in its first lines (the call log).
        LOG.warning("a visit failed: %s: %s", type(exc).__name__, " | ".join(str(exc).splitlines()[:6]))
        return None


async def visit(browser, url: str, quiet_ms: int) -> tuple[float, frozenset[str]] | None:
    return await _or_none(first_screen(browser, url, quiet_ms))


async def _in_turn(browser, turn: list[tuple[Visits, str]], runs: int, quiet_ms: int) -> None:
    """Each (visits, url) of `turn` visited in order, `runs` times over, each visit added to its visits."""
    for _ in range(runs):
        for visits, url in turn:
            visits.add(await visit(browser, url, quiet_ms))


async def side_by_side(browser, app: str, one_line: str, paths: list[str], runs: int, quiet_ms: int,
                        warm: bool = True) -> tuple[dict, Visits]:
    """Each page path of the dashboard ("" for the Overview) and the one-line app, visited
    alternately, `runs` times each, each visit a new session."""
    if warm:  # a server's first session imports everything: not timed
        await first_screen(browser, one_line, quiet_ms)
        await first_screen(browser, f"{app}/{paths[0]}", quiet_ms)
    pages = {path: Visits(path or "Overview") for path in paths}
    reference = Visits("one-line app")
    turn = [(pages[path], f"{app}/{path}") for path in paths]
    await _in_turn(browser, [step for page in turn for step in (page, (reference, one_line))], runs, quiet_ms)
    return pages, reference


async def concurrent(browser, url: str, sessions: int, quiet_ms: int) -> Visits:
    """`sessions` new sessions opened at once, each in its own browser context."""
    together = Visits(f"{sessions} at once")
    for screen in await asyncio.gather(*(visit(browser, url, quiet_ms) for _ in range(sessions))):
        together.add(screen)
    return together


async def among_others(browser, url: str, others: int, runs: int, quiet_ms: int) -> tuple[Visits, Visits]:
    """A browser's first screen at `url` while `others` more new sessions open it at the same moment over
    Streamlit's protocol (benchmarks.sessions), `runs` times: the browser's screens, and the seconds until each
    other session's script had run."""
    screens, scripts = Visits(f"1 of {others + 1} at once"), Visits("the other sessions' scripts")
    for _ in range(runs):
        screen, *done = await asyncio.gather(visit(browser, url, quiet_ms),
                                             *(protocol.opened(url) for _ in range(others)))
        screens.add(screen)
        for seconds in done:
            scripts.add_time(seconds)
    return screens, scripts


async def filter_changes(browser, url: str, runs: int, quiet_ms: int) -> tuple[Visits, Visits]:
    """In new sessions at `url`, each of the first `runs` values of the sidebar's FILTER chosen twice: the first
    time nothing is cached for it (the figures are computed), the second time the server has them."""
    first, again = Visits(f"{FILTER} asked for the first time"), Visits(f"{FILTER} asked for again")
    for nth in range(1, runs + 1):
        for visits in (first, again):
            visits.add_time(await _or_none(filter_change(browser, url, nth, quiet_ms)))
    return first, again


def _with(elements: frozenset[str]) -> str:
    return f"?with={','.join(sorted(elements))}" if elements else ""


async def element_costs(browser, url: str, runs: int, quiet_ms: int,
                        warm: bool = True) -> dict[frozenset[str], Visits]:
    """ELEMENTS_APP at `url` with each set of heavy elements, visited in turn, `runs` times each."""
    for elements in ELEMENT_SETS if warm else ():  # each element's server-side imports happen once: not timed
        await first_screen(browser, url + _with(elements), quiet_ms)
    costs = {elements: Visits(" and ".join(sorted(elements)) or "title alone") for elements in ELEMENT_SETS}
    await _in_turn(browser, [(costs[elements], url + _with(elements)) for elements in ELEMENT_SETS], runs, quiet_ms)
    return costs


@dataclass
class FirstScreens:
    pages: dict[str, Visits]
    reference: Visits
    concurrent: Visits
    # The one-line app opened as many times at once: how much the browsers alone, on the same cores as the
    # servers, slow each other down.
    reference_concurrent: Visits
    # ELEMENTS_APP's first screen with each set of heavy elements (the empty set: the title alone).
    elements: dict[frozenset[str], Visits] = field(default_factory=dict)
    # A browser's first screen of the Overview while as many sessions in all open it at once, the others
    # over Streamlit's protocol; and how long those others' scripts took.
    among_others: Visits = field(default_factory=lambda: Visits("among others"))
    others: Visits = field(default_factory=lambda: Visits("the other sessions' scripts"))
    # A filter change on the Overview, once its first screen has settled: to a value nobody asked for before,
    # and to the same value again in another session.
    filter_first: Visits = field(default_factory=lambda: Visits("filter asked for the first time"))
    filter_again: Visits = field(default_factory=lambda: Visits("filter asked for again"))

    @property
    def alone(self) -> float | None:
        """The first page's median first screen (the Overview's, in the benchmark), opened alone: what the
        sessions opened at once are held to."""
        return self.pages[next(iter(self.pages))].median

    def margin(self, path: str) -> float | None:
        page, reference = self.pages[path].median, self.reference.median
        return page - reference if page is not None and reference is not None else None

    def element_cost(self, elements: frozenset[str]) -> float | None:
        """What showing `elements` adds to a first screen in Streamlit itself: its app's median less the title's."""
        if not elements:
            return 0.0
        shown, title = (self.elements.get(key, Visits("")).median for key in (elements, frozenset()))
        return shown - title if shown is not None and title is not None else None

    def over_elements(self, path: str) -> float | None:
        """The page's margin less what its heavy elements cost in Streamlit itself: the dashboard's own part."""
        margin, cost = self.margin(path), self.element_cost(self.pages[path].elements)
        return margin - cost if margin is not None and cost is not None else None


def measure(database: Path, paths: list[str], runs: int, sessions: int, log: Path | None = None,
            quiet_ms: int = QUIET_MS, warm: bool = True) -> FirstScreens:
    """The dashboard on `database` and the one-line app, served at once: each page path ("" is the
    Overview) opened in new sessions alternately with the one-line app; then `sessions` new sessions
    on the Overview at once, one in a browser and the others over the protocol, `runs` times; then
    `runs` filter changes on the Overview, each to a new value and then to it again; then `sessions`
    browsers at once on the Overview, and as many on the one-line app; then what
    Streamlit's heavy elements cost (ELEMENTS_APP); a screen has settled once unchanged for `quiet_ms`. Each
    server's first sessions are not timed unless `warm` is off (a smoke run, which times nothing)."""
    return in_chromium(_measure, database, paths, runs, sessions, log, quiet_ms, warm)


async def _measure(browser, database: Path, paths: list[str], runs: int, sessions: int, log: Path | None,
                   quiet_ms: int, warm: bool) -> FirstScreens:
    with serve(ROOT / "dashboard.py", database, log) as dashboard, small_app(ONE_LINE_APP) as one_line:
        pages, reference = await side_by_side(browser, dashboard.url, one_line, paths, runs, quiet_ms, warm)
        among, others = await among_others(browser, dashboard.url, sessions - 1, runs, quiet_ms)
        first, again = await filter_changes(browser, dashboard.url, runs, quiet_ms)
        screens = FirstScreens(pages, reference, await concurrent(browser, dashboard.url, sessions, quiet_ms),
                               await concurrent(browser, one_line, sessions, quiet_ms), among_others=among,
                               others=others, filter_first=first, filter_again=again)
    with small_app(ELEMENTS_APP) as elements:
        screens.elements = await element_costs(browser, elements, runs, quiet_ms, warm)
    return screens
