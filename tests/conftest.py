"""Shared fixtures: a fresh database per test, the project root, and the databases many modules read
(the demo, the small populated one), built once per run."""
from __future__ import annotations

import fcntl
import functools
import io
import os
from pathlib import Path
from typing import Callable, Iterator

import pytest

from analytics.ops import demo
from analytics.store import connection
from tests.shared_copy import read_only_copy
from tests.small_data import small_database

ROOT = Path(__file__).resolve().parent.parent

# The suite's databases are small: handing a query's work to a second DuckDB thread costs more than it saves
# (5% of the CPU of the tests that query most, measured serially; three workers share two cores already). Set
# before any database opens; the servers the browser tests start inherit it.
os.environ.setdefault(connection.THREADS_VARIABLE, "1")


# Modules whose fixture takes seconds to build: under pytest-xdist each runs whole on one worker, which builds it
# once, while every other test is handed out on its own. Named here rather than marked with xdist's own
# xdist_group: pytest-xdist 3.8 adds the group to a test's node id, which pytest 9.2 no longer lets it change.
ONE_WORKER = {"test_lattice.py", "test_golden.py", "test_report_pptx.py", "test_demo.py", "test_sample.py",
              "test_insights.py", "test_metrics_audit.py",
              "test_browser.py"}  # its tests share one fresh server, in order


@pytest.hookimpl(optionalhook=True)  # a run without pytest-xdist (-p no:xdist) has no such hook
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ModulesOnOneWorker(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module.rsplit("/", 1)[-1] in ONE_WORKER else nodeid
    return ModulesOnOneWorker(config, log)


def pytest_collection_modifyitems(items):
    """The browser tests first: each takes tens of seconds, mostly waiting on a server and a browser, so they
    start while the workers still have the short tests to run beside them."""
    browser = [item for item in items if item.get_closest_marker("browser")]
    items[:] = browser + [item for item in items if not item.get_closest_marker("browser")]


@pytest.fixture
def con():
    opened = connection.connect(":memory:")
    yield opened
    opened.close()


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "test.duckdb"


@pytest.fixture(autouse=True)
def visitor_on_this_computer(monkeypatch):
    """AppTest has no browser connection, so st.context.ip_address is a stand-in object; the
    dashboard serves a visitor without sign-in only from this computer, where Streamlit says None."""
    from streamlit.runtime.context import ContextProxy
    monkeypatch.setattr(ContextProxy, "ip_address", property(lambda self: None))


@pytest.fixture(autouse=True, scope="session")
def components_scanned_once():
    """Each AppTest scans every installed package's metadata for Streamlit components (a quarter of a
    second each time, a server does it once at its start); the packages do not change during a run."""
    from streamlit.components.v2 import manifest_scanner
    scan = manifest_scanner.scan_component_manifests
    manifest_scanner.scan_component_manifests = functools.cache(scan)
    yield
    manifest_scanner.scan_component_manifests = scan


@pytest.fixture(autouse=True, scope="session")
def scripts_compiled_once():
    """Each AppTest compiles the dashboard and its page anew (a new ScriptCache per run; a server compiles
    each once), tens of milliseconds each; a script is compiled again only when its file changes."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    get_bytecode, compiled = ScriptCache.get_bytecode, {}

    def once(self, script_path):
        key = (os.path.abspath(script_path), os.stat(script_path).st_mtime_ns)
        if key not in compiled:
            compiled[key] = get_bytecode(self, script_path)
        return compiled[key]
    ScriptCache.get_bytecode = once
    yield
    ScriptCache.get_bytecode = get_bytecode


@pytest.fixture(autouse=True, scope="session")
def script_runs_awaited_without_polling():
    """AppTest waits for a run by waking every millisecond to scan the run's events, and each wake takes the
    interpreter lock from the script it waits for: a fifth of a page test's time. Joining the script's thread
    waits for the same end (the thread ends after its last event), asleep; a run over time fails as before."""
    from streamlit.testing.v1 import local_script_runner
    poll = local_script_runner.require_widgets_deltas

    def joined(runner, timeout: float = 3) -> None:
        runner._script_thread.join(timeout)
        if runner._script_thread.is_alive():
            runner.request_stop()
            runner.join()
            raise RuntimeError(f"AppTest script run timed out after {timeout}(s)")
    local_script_runner.require_widgets_deltas = joined
    yield
    local_script_runner.require_widgets_deltas = poll


@functools.cache
def blank_png(width: int, height: int) -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(out, format="PNG")
    return out.getvalue()


@pytest.fixture(autouse=True, scope="session")
def charts_drawn_blank():
    """A report's charts as white PNGs of the size kaleido would draw: the reports' tests read their text,
    tables and layout, and a headless browser drawing each chart costs ~10 s a report. The drawing itself
    is tested on its own (`drawn_charts`, tests/test_report_images.py) and timed by `make bench`."""
    from analytics.report import images

    async def blank(figures):
        return [blank_png(images.CHART_WIDTH * images.CHART_SCALE, images.height(f) * images.CHART_SCALE)
                for f in figures]
    draw = images._draw
    images._draw = blank
    yield draw
    images._draw = draw


@pytest.fixture(scope="module")
def figures_shared_by_the_module():
    """One memo scope for the whole module, for modules whose reports read databases that no test changes
    behind the store's back: each figure is computed once for all its reports rather than once per report. A
    write through the store still empties the scope (queries.transaction)."""
    from analytics.store import memo
    with memo.scope():
        yield


@pytest.fixture
def drawn_charts(charts_drawn_blank, monkeypatch):
    """Charts drawn by kaleido, as the product draws them."""
    from analytics.report import images
    monkeypatch.setattr(images, "_draw", charts_drawn_blank)


def built_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """The file `name`, written by `build(path)` once per run: under xdist the first worker to ask builds it
    in the run's folder, common to every worker, while the others wait on its lock. Loading the demo takes
    seconds; copying the file takes milliseconds, so a test that writes copies it (or opens it read-only)."""
    folder = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        folder = folder.parent  # …/pytest-N/popen-gwK → …/pytest-N, this run's alone
    path = folder / name
    with open(folder / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            partial = folder / f"{name}.partial"
            build(partial)
            partial.rename(path)  # whole or absent: a worker never sees half a file
    return path


def _load_demo(path: Path) -> None:
    con = connection.connect(path)
    demo.load_demo(con)
    con.close()


@pytest.fixture(scope="session")
def demo_file(tmp_path_factory) -> Path:
    """The demo database (read it, or copy it to write)."""
    return built_once(tmp_path_factory, "demo.duckdb", _load_demo)


def _load_small(path: Path) -> None:
    exports = path.parent / f"{path.name}.exports"
    exports.mkdir(exist_ok=True)
    small_database(exports).rename(path)


@pytest.fixture(scope="session")
def small_file(tmp_path_factory) -> Path:
    """tests/small_data.py's populated database (read it, or copy it to write)."""
    return built_once(tmp_path_factory, "small.duckdb", _load_small)


@pytest.fixture
def demo_read(monkeypatch, demo_file) -> Iterator[Path]:
    """The demo data, only read (shared with the other tests that only read it)."""
    yield from read_only_copy(demo_file, monkeypatch)


@pytest.fixture
def populated_read(monkeypatch, small_file) -> Iterator[Path]:
    """The small populated database, only read (shared with the other tests that only read it)."""
    yield from read_only_copy(small_file, monkeypatch)


@pytest.fixture
def downloads(monkeypatch) -> dict[str, bytes]:
    """What a page offers for download, by file name, as it runs (the buttons still work)."""
    import streamlit as st
    offered, button = {}, st.download_button

    def record(label, data, file_name=None, **kwargs):
        offered[file_name] = data() if callable(data) else data  # a file written when clicked, written now
        return button(label, data, file_name=file_name, **kwargs)
    monkeypatch.setattr(st, "download_button", record)
    return offered
