"""The main path in a real browser: the demo loads on an empty database and clears
in one click, exports upload and load, the Overview changes, and every page
renders. Screenshots of each page go to artifacts/screenshots/ (git-ignored)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from benchmarks.browser import CHROMIUM, CHROMIUM_ARGS, ROOT, free_port, serve  # noqa: F401 - shared with test_browser_sso

SHOTS = ROOT / "artifacts" / "screenshots"
SAMPLES = ROOT / "sample_surveys"
PAGES = ["Overview", "Impact", "Satisfaction", "Engagement", "Retention", "Outcomes", "Feedback", "Upload",
         "Improvements", "Reports", "Settings"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")]


@pytest.fixture
def server(tmp_path):
    """`streamlit run dashboard.py` on a free port with a fresh database; stopped afterwards."""
    with serve(ROOT / "dashboard.py", tmp_path / "browser.duckdb", tmp_path / "server.log") as running:
        yield running.url


def settle(page) -> None:
    """Wait until Streamlit has finished running the script."""
    page.wait_for_timeout(500)
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    page.wait_for_timeout(800)


def open_page(page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
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


def test_main_path_in_chromium(server):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 2400})
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            # A page's address as the server's first request: still inside the dashboard, which
            # loads the demo first, with its own menu (no "dashboard" or "common" entries).
            page.goto(f"{server}/Satisfaction", wait_until="domcontentloaded")
            page.get_by_text("Demo data.").wait_for(timeout=120_000)
            settle(page)
            page.screenshot(path=SHOTS / "0_Demo_satisfaction_opened_first.png")
            assert page.get_by_test_id("stHeading").first.inner_text() == "Satisfaction"
            assert not page.get_by_test_id("stException").count()
            menu = page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink").all_inner_texts()
            assert len(menu) == 11 and not any(entry.split()[-1] in ("dashboard", "common") for entry in menu), menu

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
            page.screenshot(path=SHOTS / "2_Upload_after_load.png")

            open_page(page, "Overview")
            after = main_text(page)
            assert after != before
            active = page.get_by_test_id("stMetric").filter(has_text="Active pair rate").inner_text()
            assert "%" in active, active

            for index, name in enumerate(PAGES, start=1):
                open_page(page, name)
                text = main_text(page)
                assert "Traceback" not in text and "Error" not in text.split("\n")[0], (name, text[:500])
                assert not page.get_by_test_id("stException").count(), name
                page.screenshot(path=SHOTS / f"{index}_{name}.png")
            assert not errors, errors
        finally:
            browser.close()
