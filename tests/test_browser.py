"""A fresh server in a real browser: its first visit shows only the dashboard's menu while the demo
loads, every address opens its page, and then the main path: the demo clears in one click, exports
upload and load, the Overview changes, and every page renders. Screenshots of each page go to
artifacts/screenshots/ (git-ignored)."""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path

import pytest

from benchmarks import sessions
from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, serve  # noqa: F401 - shared with test_browser_sso
from pages._registry import DEFAULT, PAGES

SHOTS = ROOT / "artifacts" / "screenshots"
SAMPLES = ROOT / "sample_surveys"
# The dashboard's menu: a link per page in the sidebar (Streamlit's own menu is switched off).
MENU = "[data-testid=stSidebar] [data-testid=stPageLink]"

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run dashboard.py` on a free port with a fresh database, stopped after the module: its tests
    run in order (one worker, tests/conftest.py), the first visit after the start first."""
    folder = tmp_path_factory.mktemp("browser")
    with serve(ROOT / "dashboard.py", folder / "browser.duckdb", folder / "server.log") as running:
        yield running.url


# Streamlit marks its app element with the script's state and the connection's (what its own end-to-end
# tests wait on); a script that calls st.rerun() is briefly not running between its two runs.
IDLE = """() => {
  const idle = document.querySelector(
    '[data-testid=stApp][data-test-script-state=notRunning][data-test-connection-state=CONNECTED]')
    && !document.querySelector('[data-testid=stSkeleton], [data-testid=stAppSkeleton]');
  const now = performance.now();
  if (!idle || window.__busyAt === undefined) window.__busyAt = now;
  return now - window.__busyAt >= 300;
}"""


def settle(page) -> None:
    """Wait until Streamlit has finished running the script: not running, and still not 0.3 s later (a click
    marks the run as requested at once, so the wait cannot end before the run it caused)."""
    page.evaluate("window.__busyAt = undefined")
    page.wait_for_function(IDLE, timeout=60_000, polling=50)


def menu(page) -> list[str]:
    """The page titles in the sidebar menu (each link's text starts with its icon's name)."""
    return [link.split()[-1] for link in page.locator(MENU).all_inner_texts()]


def open_page(page, name: str) -> None:
    page.locator(MENU).get_by_text(name, exact=True).click()
    settle(page)


def main_text(page) -> str:
    return page.get_by_test_id("stMain").inner_text()


def upload(page, path: Path) -> None:
    page.locator("[data-testid=stFileUploader] input[type=file]").set_input_files(str(path))
    page.get_by_text("Rows to load").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("button", name="Load 1 file").click()
    page.get_by_text("rows loaded").first.wait_for(timeout=60_000)
    settle(page)


# What the sidebar and any dialog say, as one text; each menu entry's icon left out (the Overview's is
# named "dashboard").
SIDEBAR_TEXT = """() => {
  const texts = [];
  for (const root of document.querySelectorAll('[data-testid=stSidebar], [role=dialog]')) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.trim();
      if (text && !walker.currentNode.parentElement.closest('[data-testid=stIconMaterial]')) texts.push(text);
    }
  }
  return texts.join('\\n');
}"""


def watched(page, url: str) -> set[str]:
    """Every line the sidebar (or a dialog) shows from opening `url` until the page has settled, sampled
    every 100 ms."""
    page.goto(url, wait_until="commit")
    seen: set[str] = set()
    deadline = time.monotonic() + 120
    while not (page.get_by_test_id("stHeading").count() and page.evaluate(IDLE)):  # IDLE: settled 0.3 s
        seen.update(page.evaluate(SIDEBAR_TEXT).split("\n"))
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not settle within 120 s")
        page.wait_for_timeout(100)
    return seen | set(page.evaluate(SIDEBAR_TEXT).split("\n"))


def hovered(page, chart) -> str:
    """The tooltip's text where the pointer, moved over `chart` in a grid, first finds one ('' if nowhere)."""
    chart.scroll_into_view_if_needed()
    box = chart.bounding_box()
    tip = page.locator("#vg-tooltip-element")
    for across in range(3, 24):
        for down in range(3, 13):
            page.mouse.move(box["x"] + box["width"] * across / 25, box["y"] + box["height"] * down / 16)
            if tip.count() and tip.is_visible():
                return tip.inner_text()
    return ""


def test_a_fresh_server_shows_only_its_own_menu_and_answers_at_every_address(server):
    """The server's first request, a page's address, while the demo loads: the dashboard's own menu, never
    Streamlit's list of the pages/ folder ('dashboard', 'common', '1 overview'), never 'Page not found'; then
    each page's address (and the root) in a new session opens that page. On that first request Streamlit knows
    a page by the address it derives from the file's name, which is why files are named after their addresses
    (see pages/_navigation.py). The later sessions ask for their address as the browser does, over Streamlit's
    protocol (benchmarks.sessions): the server alone decides which page an address opens."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            first = browser.new_page()
            seen = watched(first, f"{server}/satisfaction")
            folder = {"dashboard", "session", "show", "registry", "navigation", "1 overview", "Page not found"}
            assert not seen & folder, seen & folder
            assert {entry.title for entry in PAGES} <= seen, seen
            first.screenshot(path=SHOTS / "0_Demo_satisfaction_opened_first.png")
            assert first.get_by_test_id("stHeading").first.inner_text() == "Satisfaction"
            assert not first.get_by_test_id("stException").count()
            assert "Demo data" in first.locator("body").inner_text()
            assert menu(first) == [entry.title for entry in PAGES], menu(first)
        finally:
            browser.close()
    addresses = [*((entry.url, entry.title) for entry in PAGES), ("", DEFAULT.title)]
    opened = [asyncio.run(sessions.headings(server, url))[:1] for url, _ in addresses]
    assert opened == [[title] for _, title in addresses]
    with pytest.raises(RuntimeError, match="no page 'nowhere'"):  # what the browser would call 'Page not found'
        asyncio.run(sessions.headings(server, "nowhere"))


def test_main_path_in_chromium(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # The demo data (loaded by the first visit, or by this one when run alone), then the lead's own.
            page.goto(server, wait_until="domcontentloaded")
            page.get_by_text("Demo data").first.wait_for(timeout=120_000)
            settle(page)
            assert not page.get_by_test_id("stException").count()

            open_page(page, "Settings")
            page.get_by_role("button", name="Clear demo data").click()
            page.get_by_role("button", name="Yes, clear it").click()
            page.get_by_text(re.compile(r"Removed \d+ demo uploads")).wait_for(timeout=60_000)
            open_page(page, "Overview")
            assert "No data here yet" in main_text(page)
            before = main_text(page)

            open_page(page, "Upload")
            upload(page, SAMPLES / "pairs.csv")
            upload(page, SAMPLES / "sessions.csv")
            page.screenshot(path=SHOTS / "2_upload_after_load.png")

            open_page(page, "Overview")
            after = main_text(page)
            assert after != before
            active = page.get_by_test_id("stMetric").filter(has_text="Active pair rate").inner_text()
            assert "%" in active, active
            # A chart's data is written when its button is clicked (pages/_tables.download).
            with page.expect_download() as taken:
                page.get_by_role("button", name="Download data (CSV)").first.click()
            assert Path(taken.value.path()).read_text(encoding="utf-8").startswith('"period",'), \
                taken.value.suggested_filename
            # A chart's hover, drawn by Streamlit's Vega-Lite from the figure's hover template.
            assert "Active pair rate" in hovered(page, page.get_by_test_id("stVegaLiteChart").nth(1))

            for index, name in enumerate((entry.title for entry in PAGES), start=1):
                open_page(page, name)
                text = main_text(page)
                assert "Traceback" not in text and "Error" not in text.split("\n")[0], (name, text[:500])
                assert not page.get_by_test_id("stException").count(), name
                page.screenshot(path=SHOTS / f"{index}_{name}.png")
            assert not errors, errors
        finally:
            browser.close()
