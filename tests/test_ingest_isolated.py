"""The Upload page's analysis in a process of its own (ingest.isolated): the same Plan as `pipeline.analyse`
in-process, and a refusal naming the limit and how to split the file when the time or memory runs out or the
process dies. The fork server starts once per test process; each analysis forks a child from it."""
from __future__ import annotations

import dataclasses
import multiprocessing
import os
import pickle
import resource
import sys
import types
from contextlib import closing
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from analytics.ingest import identity, isolated, pipeline
from analytics.ingest.errors import FileRefused, IngestError, NeedsMapping
from analytics.ingest.load import ResponseCounts
from analytics.ingest.staged import stage
from analytics.store import connection, settings
from tests.builders import fresh
from tests.fixtures_formats import xlsx

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_surveys"
SPLIT = "split the export by date range into smaller files (fewer rows each) and upload them one at a time"


def plain(value):
    """A Plan as plain values, so that two compare: tables and frames as their types and rows, errors as
    their class, fields and message. A table's rows are sorted: a survey's answers come in no particular
    order (DuckDB's threads finish in any order), and repr makes NaN equal NaN."""
    if isinstance(value, pa.Table):
        return str(value.schema), sorted(map(repr, value.to_pylist()))
    if isinstance(value, pd.DataFrame):
        return str(value.dtypes.to_dict()), value.to_json(orient="split", date_format="iso")
    if isinstance(value, BaseException):
        return type(value).__name__, plain(vars(value)), value.args
    if dataclasses.is_dataclass(value):
        return type(value).__name__, {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


@pytest.fixture(scope="module")
def demo_store(demo_file):
    """The demo database, read-only: surveys stored, so that a re-export needs identity resolution."""
    con = connection.connect(demo_file, read_only=True)
    yield con
    con.close()


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize("file_name, data, checks", [
    # a platform CSV whose session names a pair not loaded: found by the parent, after the child
    ("sessions.csv", b"pair_id,occurred_on\nzz1,2026-05-01\n", lambda plan: len(plan.unresolved) == 1),
    ("pairs.csv", sample("pairs.csv"), lambda plan: plan.kind == "pairs" and plan.rows_read == 205),
    # a survey re-export: the child asks the parent which stored survey it is, over the pipe
    ("qualtrics_leadership_baseline.csv", sample("qualtrics_leadership_baseline.csv"),
     lambda plan: plan.responses_known == ResponseCounts(new=0, changed=0, stored=136)),
    ("msforms_newhire_exit.xlsx", sample("msforms_newhire_exit.xlsx"),
     lambda plan: plan.format == "ms_forms" and plan.responses_known == ResponseCounts(0, 0, 135)),
    ("hr.xlsx", xlsx({"HR": [["employee_id", "hired_on"], ["E1", "2020-01-01"]]}), lambda plan: plan.ok),
    ("photo.csv", b"\x89PNG\r\n\x1a\nrest", lambda plan: "a PNG image, not a table" in plan.error.message),
    # an error with keyword arguments of its own comes back whole
    ("paper.csv", b"respondent_id,wave,How satisfied are you overall?\ne1,exit,4\n",
     lambda plan: plan.needs_mapping.needs_date),
], ids=["sessions-unresolved", "pairs", "survey-reexport", "xlsx-survey", "xlsx-platform", "refused", "needs-date"])
def test_the_isolated_plan_is_the_in_process_plan(demo_store, file_name, data, checks):
    isolated_plan = isolated.analyse(data, file_name, demo_store)
    assert checks(isolated_plan)
    assert plain(isolated_plan) == plain(pipeline.analyse(data, file_name, demo_store))


@pytest.mark.parametrize("error", [
    IngestError("bad cell", file="a.csv", row=3, column="x", fix="Correct it."),
    FileRefused("the file is empty", fix="Export it again.").in_file("b.csv"),
    NeedsMapping("needs you", labels={"q1": ["Meh", "Wow"]}, ambiguous_dates=["joined_on"], needs_date=True,
                 file="c.csv", fix="Map them."),
], ids=["ingest-error", "refused-in-file", "needs-mapping"])
def test_errors_pickle_whole(error):
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), vars(copy), copy.args, copy.message) == (type(error), vars(error), error.args, error.message)


def sessions_csv(rows: int) -> bytes:
    return b"session_id,pair_id,occurred_on,duration_minutes,status\n" + b"".join(
        b"s%d,p%d,2026-03-1%d,45,held\n" % (i, i % 50, i % 10) for i in range(rows))


@pytest.mark.parametrize("data, budget, problem, setting", [
    (sample("pairs.csv"), isolated.Budget(0.01, 2048),
     "the analysis did not finish within the 0.01-second limit (setting max_analysis_seconds).",
     "max_analysis_seconds"),
    # 17 MB of sessions take 400-512 MB (the child itself, Python and its libraries, about 170 MB of it)
    (sessions_csv(600_000), isolated.Budget(60, 300),
     "the analysis needed more memory than the 300 MB limit (setting max_analysis_mb).", "max_analysis_mb"),
], ids=["time", "memory"])
def test_a_limit_reached_is_a_refusal_naming_it_and_how_to_split_the_file(data, budget, problem, setting):
    plan = isolated.analyse(data, "big.csv", fresh(), budget=budget)
    assert plan.batch is None and isinstance(plan.error, FileRefused)
    assert plan.error.message == f"big.csv: {problem} Either {SPLIT}, or raise {setting} in Settings."


RESOLVE = identity.resolve


def kill_the_child(*question):
    """The parent's answer to the child's question, after killing the child (as the kernel's OOM killer would)."""
    for child in multiprocessing.active_children():
        child.kill()
        child.join()
    return RESOLVE(*question)


@pytest.mark.parametrize("answer, problem", [
    (kill_the_child, "the analysis was stopped by the system (SIGKILL), most likely for lack of memory."),
    (lambda *question: None, "the analysis stopped unexpectedly (exit code 1)."),  # the child fails on it
], ids=["killed", "failed"])
def test_a_child_that_dies_is_a_refusal(demo_store, monkeypatch, answer, problem):
    monkeypatch.setattr(identity, "resolve", answer)
    plan = isolated.analyse(sample("qualtrics_leadership_baseline.csv"), "baseline.csv", demo_store)
    assert plan.batch is None
    assert plan.error.message == f"baseline.csv: {problem} Upload it again; if it stops again, {SPLIT}."


@pytest.mark.parametrize("stored, budget", [
    ({}, isolated.Budget(120, 2048)),
    ({"max_analysis_seconds": 30, "max_analysis_mb": 512}, isolated.Budget(30, 512)),
])
def test_the_budget_is_the_settings(stored, budget):
    con = fresh()
    for key, value in stored.items():
        settings.set(con, key, value)
    assert isolated.Budget.from_settings(con) == budget


def confined(memory_mb: int) -> tuple:
    """In a child: what `confine` leaves the process with."""
    isolated.confine(memory_mb)
    return (os.nice(0), resource.getrlimit(resource.RLIMIT_DATA)[0] // isolated.MB, pa.cpu_count(),
            pa.default_memory_pool().backend_name)


def report(conn, memory_mb: int) -> None:
    conn.send(confined(memory_mb))


def test_the_child_runs_last_with_one_core_and_a_memory_limit():
    ours, theirs = multiprocessing.Pipe()
    child = isolated._Child(target=report, args=(theirs, 600))
    child.start()
    assert ours.recv() == (19, 600, 1, "system")
    child.join()


def test_the_private_duckdb_takes_the_limits_it_is_given():
    with closing(stage(b"a,b\n1,2\n", "x.csv", config={"threads": 1, "memory_limit": "100MB"})) as staged:
        assert staged.con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone() == (
            1, "95.3 MiB")


def test_the_child_does_not_run_the_parents_main_script(monkeypatch, tmp_path):
    # Streamlit installs the page being run as __main__; multiprocessing would run it again in the child.
    marker, script = tmp_path / "ran", tmp_path / "page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    assert isolated.analyse(sample("pairs.csv"), "pairs.csv", fresh()).ok
    assert not marker.exists()
