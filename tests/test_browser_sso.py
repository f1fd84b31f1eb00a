"""Single sign-on end to end: a local OpenID Connect provider (oidc-provider-mock), the dashboard
started with a secrets.toml pointing at it, and Chromium signing in as the provider's users.
Screenshots go to artifacts/screenshots/ (git-ignored)."""
from __future__ import annotations

import re
import secrets
import shutil
from contextlib import contextmanager
from typing import Iterator
from urllib.parse import quote

import duckdb
import httpx
import pytest

from analytics.ops import auth
from analytics.present import escaping
from tests.test_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    SHOTS,
    free_port,
    main_text,
    menu,
    open_page,
    serve,
    settle,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium")]

# The provider's users: sub → claims.
PEOPLE = {
    "admin@example.org": {"email": "admin@example.org", "email_verified": True},
    "lead@example.org": {"email": "lead@example.org", "groups": ["staff", "mentoring-leads"]},
    "nobody@example.org": {"email": "nobody@example.org", "email_verified": True},
    "scoped@example.org": {"email": "scoped@example.org", "groups": ["mentoring-leads"]},
}
# The scoped lead's program in the demo data, and the other one, which no page may name for them.
MINE, OTHER = "Leadership program", "New-hire mentoring"
PASSWORD = "fallback password for admins"
VIEWPORT = {"width": 1400, "height": 1600}


def secrets_toml(app_port: int, provider_port: int, unreachable_port: int) -> str:
    metadata = "/.well-known/openid-configuration"
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"

[auth.mock]
client_id = "mentorscope"
client_secret = "secret"
server_metadata_url = "http://127.0.0.1:{provider_port}{metadata}"

[auth.unreachable]
client_id = "mentorscope"
client_secret = "secret"
server_metadata_url = "http://127.0.0.1:{unreachable_port}{metadata}"

[auth.roles]
admins = ["Admin@example.org"]
group_claim = "groups"
[auth.roles.groups]
"mentoring-leads" = "lead"
[auth.roles.programs]
"scoped@example.org" = ["{MINE}"]

[auth.users.root]
role = "admin"
password_hash = "{auth.hash_password(PASSWORD)}"
"""


@pytest.fixture
def provider(monkeypatch):
    """oidc-provider-mock on a free loopback port, knowing PEOPLE."""
    import oidc_provider_mock

    monkeypatch.setenv("AUTHLIB_INSECURE_TRANSPORT", "1")  # plain http on loopback
    with oidc_provider_mock.run_server_in_thread() as server:
        url = f"http://127.0.0.1:{server.server_port}"
        for sub, claims in PEOPLE.items():
            assert httpx.put(f"{url}/users/{quote(sub)}", json=claims).status_code == 204
        yield server.server_port


@pytest.fixture
def dashboard(tmp_path, provider):
    """The dashboard with sign-in through `provider` (plus one unreachable provider and a password admin)."""
    yield from serving(tmp_path, provider, tmp_path / "sso.duckdb")


@pytest.fixture
def demo_dashboard(tmp_path, provider, demo_file):
    """The same, on the demo's two programs."""
    database = tmp_path / "demo.duckdb"
    shutil.copy(demo_file, database)
    yield from serving(tmp_path, provider, database)


def serving(tmp_path, provider: int, database):
    port = free_port()
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(secrets_toml(port, provider, free_port()))
    with serve(ROOT / "dashboard.py", database, tmp_path / "server.log", port=port,
               env={"MENTORSCOPE_DEMO": "off", "AUTHLIB_INSECURE_TRANSPORT": "1"},
               args=("--secrets.files", str(secrets_file))) as server:
        yield server.url, database, server.stop


def signed_in_as(email: str, role: str) -> re.Pattern:
    """The sidebar's 'Signed in as …' line: an address there carries a word joiner after its '@', which keeps
    it from becoming a link (analytics.present.escaping)."""
    name = re.escape(email).replace("@", "@" + escaping.WORD_JOINER + "?")
    return re.compile(rf"Signed in as {name} \({role}\)")


def sign_in_with_provider(page, sub: str) -> None:
    page.get_by_role("button", name="Sign in with Mock").click()
    page.get_by_placeholder("sub").fill(sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url("**127.0.0.1**", timeout=30_000)
    settle(page)


def sign_out_with_provider(page, button: str = "Sign out") -> None:
    page.get_by_role("button", name=button).click()
    page.get_by_role("button", name="End session").click()  # the provider's own sign-out page
    page.get_by_role("button", name="Sign in with Mock").wait_for(timeout=30_000)
    settle(page)


def shoot(page, name: str) -> None:
    for width in (1400, 390):
        page.set_viewport_size({"width": width, "height": 1000})
        page.wait_for_timeout(300)
        page.screenshot(path=SHOTS / f"sso_{name}_{width}.png", full_page=True)
    page.set_viewport_size(VIEWPORT)  # wide again, with the sidebar open


@contextmanager
def sign_in_page(url: str) -> Iterator:
    """Chromium on the dashboard's sign-in page (its provider button shown), closed afterwards."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url, wait_until="domcontentloaded")
            page.get_by_role("button", name="Sign in with Mock").wait_for(timeout=60_000)
            yield page
        finally:
            browser.close()


def test_sign_in_roles_refusal_and_sign_out_with_an_identity_provider(dashboard):
    url, database, stop = dashboard
    with sign_in_page(url) as page:
        settle(page)
        shoot(page, "sign_in")

        # An unreachable provider: what to check, no traceback, and the password still works.
        page.get_by_role("button", name="Sign in with Unreachable").click()
        page.get_by_text("Cannot reach the identity provider").wait_for(timeout=30_000)
        settle(page)
        assert "server_metadata_url in [auth.unreachable]" in main_text(page)
        assert not page.get_by_test_id("stException").count()
        shoot(page, "unreachable")
        page.get_by_role("textbox", name="User name").fill("root")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_text("Signed in as root (admin)").wait_for(timeout=60_000)
        settle(page)  # the menu is drawn in the same run: read it once the run is over
        assert "Settings" in menu(page)
        page.get_by_role("button", name="Sign out").click()
        page.get_by_text("You have signed out.").wait_for(timeout=30_000)

        # Known to the provider, but no role here: refused with the reason, and signed out again.
        sign_in_with_provider(page, "nobody@example.org")
        page.get_by_text("nobody@example.org has no role in Mentorscope").wait_for(timeout=30_000)
        assert not menu(page)
        shoot(page, "refused")
        sign_out_with_provider(page)

        # The lead role from the groups claim: Upload, and of Settings only the objectives (no role rules).
        sign_in_with_provider(page, "lead@example.org")
        page.get_by_text(signed_in_as("lead@example.org", "lead")).wait_for(timeout=60_000)
        settle(page)  # the menu is drawn in the same run: read it once the run is over
        assert "Upload" in menu(page)
        open_page(page, "Settings")
        page.get_by_text("Objectives", exact=True).first.wait_for(timeout=60_000)
        assert "Roles of those who sign in" not in main_text(page)
        sign_out_with_provider(page)

        # An admin by e-mail (listed in another case): Settings, which lists the role rules.
        sign_in_with_provider(page, "admin@example.org")
        page.get_by_text(signed_in_as("admin@example.org", "admin")).wait_for(timeout=60_000)
        settle(page)  # the menu is drawn in the same run: read it once the run is over
        assert "Settings" in menu(page)
        open_page(page, "Settings")
        page.get_by_text("Roles of those who sign in with Mock").wait_for(timeout=60_000)
        assert "Local mode, no sign-in" not in main_text(page)  # signed in: no local-mode badge
        sign_out_with_provider(page)
        assert not page.get_by_test_id("stException").count()

    stop()  # DuckDB lets one process use the file at a time
    with duckdb.connect(str(database), read_only=True) as con:
        rows = con.execute("SELECT actor, action FROM audit_log ORDER BY occurred_at").fetchall()
    assert rows == [("root", "sign_in"), ("root", "sign_out"), ("nobody@example.org", "sign_in_failed"),
                    ("lead@example.org", "sign_in"), ("lead@example.org", "sign_out"),
                    ("admin@example.org", "sign_in"), ("admin@example.org", "sign_out")]


def program_choices(page) -> str:
    """The sidebar's Program list, opened and closed again."""
    page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Program").click()
    listed = page.get_by_role("listbox").inner_text()
    page.keyboard.press("Escape")
    return listed


def test_a_scoped_lead_sees_no_other_program_on_any_page(demo_dashboard):
    url, _, _ = demo_dashboard
    with sign_in_page(url) as page:
        sign_in_with_provider(page, "scoped@example.org")
        page.get_by_text(signed_in_as("scoped@example.org", "lead")).wait_for(timeout=120_000)
        choices = program_choices(page)
        assert MINE in choices and OTHER not in choices
        assert "Upload" not in menu(page)  # it covers every program
        for title in menu(page):
            open_page(page, title)
            shown = page.locator("body").inner_text()
            assert OTHER not in shown, title
            assert not page.get_by_test_id("stException").count(), title
            page.screenshot(path=SHOTS / f"sso_scoped_{title.lower()}.png", full_page=True)
