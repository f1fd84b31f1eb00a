"""An upload's analysis in a process of its own: low priority, limited in time and memory, so that one user's
upload slows another user's pages by little (benchmarks/RESULTS.md, "Workbook limits"), and a file the limits
cannot hold is refused with the limit's name and how to split the file.

The child runs `pipeline.analyse`, the one definition of the analysis. It cannot open the database (DuckDB
lets one process hold the file, and the dashboard holds it), so the parent reads the settings first, answers
the child's one question to the store while it runs (which stored survey a survey file exports again,
`identity.resolve`) over a pipe, and checks the Plan against the store once it is back. Children are forked
from a fork server that has imported the analysis once, never from the threaded server itself.
"""
from __future__ import annotations

import io
import multiprocessing
import os
import resource
import signal
import time
from dataclasses import dataclass, replace
from functools import partial
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection, wait
from multiprocessing.context import set_spawning_popen

import duckdb
import pyarrow as pa

from analytics.ingest import identity, pipeline
from analytics.ingest.errors import FileRefused, IngestError
from analytics.store import settings

MB = 1024 * 1024
NICEST = 19
# DuckDB's share of the child's memory: pyarrow's tables and Python's objects need the rest.
DUCKDB_SHARE = 0.5
SPLIT = "split the export by date range into smaller files (fewer rows each) and upload them one at a time"

_CONTEXT = multiprocessing.get_context("forkserver")
# Imported once by the fork server (pandas, pyarrow, DuckDB and the analysis), so that a child starts in
# milliseconds; the allocator is chosen before pyarrow loads. `__main__` is left out, see _Popen.
_CONTEXT.set_forkserver_preload(["analytics.ingest.system_allocator", __name__])


@dataclass(frozen=True)
class Budget:
    """What one analysis may take: seconds of wall-clock time, and MB of memory for its whole process."""
    seconds: float
    memory_mb: int

    @classmethod
    def from_settings(cls, con: duckdb.DuckDBPyConnection) -> Budget:
        return cls(settings.get(con, "max_analysis_seconds"), settings.get(con, "max_analysis_mb"))


def analyse(data: bytes, file_name: str, con: duckdb.DuckDBPyConnection,
            options: pipeline.Options = pipeline.Options(), budget: Budget | None = None) -> pipeline.Plan:
    """`pipeline.analyse` in a child process within `budget` (the settings' by default). Never raises for a
    bad or too large file: the Plan carries the refusal, and nothing is written either way."""
    budget = budget or Budget.from_settings(con)
    limits = replace(pipeline.read_limits(con),
                     duckdb={"threads": 1, "memory_limit": f"{int(budget.memory_mb * DUCKDB_SHARE)}MB"})
    ours, theirs = _CONTEXT.Pipe()
    child = _Child(target=_child_main, args=(theirs, file_name, options, limits, budget.memory_mb), daemon=True)
    child.start()
    theirs.close()
    plan = error = None
    try:
        ours.send_bytes(data)
        plan = _serve(ours, child, con, time.monotonic() + budget.seconds)
    except TimeoutError:
        error = _timed_out(budget)
    except (OSError, EOFError):  # the child died before it took the file, or while it was answered
        pass
    finally:
        child.kill()
        child.join()
        ours.close()
    if plan is None:
        return _refused(file_name, options, error or _stopped(child.exitcode))
    pipeline.against_store(plan, con)
    return plan


def _serve(ours: Connection, child: multiprocessing.Process, con: duckdb.DuckDBPyConnection,
           deadline: float) -> pipeline.Plan | None:
    """Answers the child's questions to the store until it sends its Plan (None when it dies without one;
    TimeoutError at the deadline)."""
    while (left := deadline - time.monotonic()) > 0:
        ready = wait([ours, child.sentinel], left)
        if ours in ready:
            kind, message = ours.recv()
            if kind == "plan":
                return message
            ours.send(identity.resolve(con, *message))
        elif ready:
            return None
    raise TimeoutError


def _child_main(conn: Connection, file_name: str, options: pipeline.Options, limits: pipeline.Limits,
                memory_mb: int) -> None:
    """The child: the file, then the limits, then the analysis; its Plan goes back to the parent."""
    data = conn.recv_bytes()  # before the memory limit (which then counts it): the parent is not left sending
    confine(memory_mb)
    try:
        plan = pipeline.analyse(data, file_name, None, options, limits=limits, identify=partial(_ask, conn))
        if not _out_of_memory(plan.error):
            conn.send(("plan", plan))  # pickling a large Plan may run out of memory too
            return
    except (MemoryError, duckdb.OutOfMemoryException):
        pass
    conn.send(("plan", _refused(file_name, options, _over_memory(memory_mb))))


def confine(memory_mb: int) -> None:
    """This process: the lowest priority, one core for Arrow (DuckDB's threads are in the Limits), and at most
    `memory_mb` of writable memory (RLIMIT_DATA: the heap and anonymous maps, thread stacks included, not the
    libraries' code; Arrow allocates through the system's allocator, see system_allocator)."""
    os.nice(NICEST - os.nice(0))
    pa.set_cpu_count(1)
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = memory_mb * MB if hard == resource.RLIM_INFINITY else min(memory_mb * MB, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def _ask(conn: Connection, *question) -> identity.StoredSurvey:
    """identity.resolve, answered by the parent, which holds the database."""
    conn.send(("identify", question))
    return conn.recv()


def _out_of_memory(error: BaseException | None) -> bool:
    """A refusal caused by running out of memory (a reader turns every failure into "could not be read")."""
    while error is not None:
        if isinstance(error, (MemoryError, duckdb.OutOfMemoryException)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _refused(file_name: str, options: pipeline.Options, error: IngestError) -> pipeline.Plan:
    """A Plan that carries only its refusal (and no checksum: the file was not read through)."""
    return pipeline.Plan(file_name=file_name, sha256="", error=error.in_file(file_name), options=options)


def _over_memory(memory_mb: int) -> IngestError:
    return FileRefused(f"the analysis needed more memory than the {memory_mb:,} MB limit (setting max_analysis_mb).",
                       fix=f"Either {SPLIT}, or raise max_analysis_mb in Settings.")


def _timed_out(budget: Budget) -> IngestError:
    return FileRefused(f"the analysis did not finish within the {budget.seconds:g}-second limit (setting "
                       "max_analysis_seconds).",
                       fix=f"Either {SPLIT}, or raise max_analysis_seconds in Settings.")


def _stopped(exitcode: int | None) -> IngestError:
    how = (f"was stopped by the system ({signal.Signals(-exitcode).name}), most likely for lack of memory"
           if exitcode is not None and exitcode < 0 else f"stopped unexpectedly (exit code {exitcode})")
    return FileRefused(f"the analysis {how}.", fix=f"Upload it again; if it stops again, {SPLIT}.")


class _Popen(popen_forkserver.Popen):
    """The fork server's Popen, but the child is not told to run the parent's __main__ again: under
    Streamlit that is the page being run (Streamlit installs each page as __main__), which must not run
    in the child. The rest is popen_forkserver.Popen._launch of Python 3.11."""

    def _launch(self, process_obj):
        prep_data = {key: value for key, value in spawn.get_preparation_data(process_obj._name).items()
                     if key not in ("init_main_from_name", "init_main_from_path")}
        buf = io.BytesIO()
        set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)  # the child's sign that its parent lives
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Child(_CONTEXT.Process):
    """A process from the fork server, started by _Popen."""

    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)
