"""Safe on a network by default: without users the dashboard listens on this computer only, open
access must be asked for by name and then warns on every page; a database busy with a command-line
load gives a page that says so, never a traceback."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit import config
from streamlit.runtime.context import ContextProxy
from streamlit.testing.v1 import AppTest

from analytics.cli import main
from analytics.ops import auth, serving
from analytics.store import connection
from tests.test_pages import ROOT, texts

ALLOW = serving.ALLOW_OPEN_ACCESS
REFUSED_HERE = "would let anyone who can reach it see and change everything"


@pytest.mark.parametrize("requested, users, open_access, address", [
    ("", False, False, "127.0.0.1"),            # the default: this computer only
    ("localhost", False, False, "localhost"),
    ("127.0.0.2", False, False, "127.0.0.2"),
    ("::1", False, False, "::1"),
    ("", True, False, ""),                      # users sign in: every interface, as before
    ("0.0.0.0", True, False, "0.0.0.0"),
    ("", False, True, ""),                      # open access asked for by name
    ("192.168.1.20", False, True, "192.168.1.20"),
    ("0.0.0.0", False, False, None),            # refused
    ("192.168.1.20", False, False, None),
    ("::", False, False, None),
])
def test_the_serving_address(requested, users, open_access, address):
    if address is None:
        with pytest.raises(serving.ExposureError, match=REFUSED_HERE):
            serving.serve_address(requested, users, open_access)
    else:
        assert serving.serve_address(requested, users, open_access) == address


@pytest.mark.parametrize("bound, users, open_access, client_is_local, access", [
    ("127.0.0.1", False, False, True, "local"),
    ("localhost", False, False, True, "local"),
    ("", False, False, True, "local"),          # listening everywhere (started without make run): …
    ("", False, False, False, "refused"),       # … visitors from elsewhere are turned away
    ("0.0.0.0", False, False, False, "refused"),
    ("0.0.0.0", False, True, False, "open"),
    ("", False, True, True, "open"),
    ("0.0.0.0", True, False, False, "sign_in"),
    ("127.0.0.1", True, True, True, "sign_in"),
])
def test_who_the_dashboard_serves(bound, users, open_access, client_is_local, access):
    assert serving.access(bound, users, open_access, client_is_local) == access


@pytest.mark.parametrize("value, allowed", [("1", True), ("yes", True), ("", False), ("0", False), ("no", False)])
def test_open_access_is_asked_for_by_name(value, allowed):
    assert serving.open_access_allowed({ALLOW: value}) is allowed


@pytest.mark.parametrize("secrets, users", [
    (None, False),
    ("[server]\nx = 1\n", False),
    ('[auth.users.ana]\nrole = "admin"\npassword_hash = "h"\n', True),
])
def test_users_are_read_from_secrets_toml(tmp_path, secrets, users):
    file = tmp_path / "secrets.toml"
    if secrets is not None:
        file.write_text(secrets)
    assert serving.users_configured((tmp_path / "absent.toml", file)) is users


def test_a_broken_secrets_file_is_not_taken_for_no_users(tmp_path):
    file = tmp_path / "secrets.toml"
    file.write_text("[auth.users.ana\n")
    with pytest.raises(auth.AuthError, match="is not valid TOML"):
        serving.users_configured((file,))


@pytest.mark.parametrize("address, open_access, code, out, err", [
    ("", "", 0, "127.0.0.1\n", "this computer only"),
    ("0.0.0.0", "", 1, "", REFUSED_HERE),
    ("0.0.0.0", "1", 0, "0.0.0.0\n", "WARNING: no users are configured"),
])
def test_serve_address_command(tmp_path, monkeypatch, capsys, address, open_access, code, out, err):
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    monkeypatch.setattr(serving, "SECRETS_FILES", (tmp_path / ".streamlit" / "secrets.toml",))
    monkeypatch.setenv(ALLOW, open_access)
    assert main(["serve-address", "--address", address]) == code
    captured = capsys.readouterr()
    assert captured.out == out and err in captured.err


def test_make_run_asks_where_to_listen():
    recipe = subprocess.run(["make", "-n", "run", "ADDRESS=10.1.2.3"], cwd=ROOT, capture_output=True,
                            text=True).stdout
    assert "-m analytics serve-address --address '10.1.2.3'" in recipe
    assert "${address:+--server.address $address}" in recipe


# ---- the dashboard ---------------------------------------------------------------

@pytest.fixture
def dashboard(tmp_path, monkeypatch):
    entry = tmp_path / "app.py"  # dashboard.py from a folder without pages/, as in test_pages
    entry.write_text(f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n")
    monkeypatch.setenv("MENTORSCOPE_DB", str(tmp_path / "exposure.duckdb"))
    monkeypatch.setenv("MENTORSCOPE_DEMO", "off")
    monkeypatch.delenv(ALLOW, raising=False)
    bound = config.get_option("server.address")

    def start(address: str | None = None, client: str | None = None) -> AppTest:
        """The dashboard listening on `address`, visited from `client` (None: this computer)."""
        config.set_option("server.address", address)
        monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: client))
        at = AppTest.from_file(str(entry), default_timeout=60).run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    yield start
    config.set_option("server.address", bound)


@pytest.mark.parametrize("address, client, open_access, shown, hidden", [
    ("127.0.0.1", None, "", "Local mode, no sign-in", "Open to the network"),
    ("0.0.0.0", None, "", "Local mode, no sign-in", "Open to the network"),
    ("0.0.0.0", "192.168.1.7", "", "Mentorscope is open on this computer only", "Overview"),
    ("0.0.0.0", "192.168.1.7", "1", "Open to the network without sign-in", "Local mode"),
])
def test_the_dashboard_without_users(dashboard, monkeypatch, address, client, open_access, shown, hidden):
    monkeypatch.setenv(ALLOW, open_access)
    said = texts(dashboard(address, client))
    assert shown in said and hidden not in said


def test_a_wrong_duckdb_setting_gives_a_page_that_says_how_to_mend_it(dashboard, monkeypatch):
    monkeypatch.setenv(connection.THREADS_VARIABLE, "all")
    at = dashboard("127.0.0.1")
    said = texts(at).replace("*", "")
    assert "Mentorscope cannot open its database. MENTORSCOPE_DUCKDB_THREADS='all' is not a number of threads. " \
           "Set it to a whole number of at least 1, or unset it to let DuckDB use every core. Then start the " \
           "dashboard again." in said
    assert "Overview" not in said and "Traceback" not in said
    assert not at.button, "trying again in the same server would not help"


def test_a_busy_database_gives_a_page_that_says_so(dashboard, tmp_path):
    path = Path(tmp_path / "exposure.duckdb")
    connection.connect(path).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(path)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        at = dashboard("127.0.0.1")
    finally:
        holder.kill()
        holder.wait()
    said = texts(at)
    assert "Data is being loaded, back in a few seconds." in said
    assert str(tmp_path) not in said and "PID" not in said and "Traceback" not in said
    assert at.button(key="stop_page_retry").click().run().title[0].value == "Overview"  # free again: back
