"""Run one measured step in a child process: wall time of the step and the
child's peak resident memory.

Each run is a fresh interpreter (`python -m benchmarks.measure STEP ARGS`), so
caches start cold and the peak RSS is that step's own. The child prints one
JSON line: {"seconds": …, "peak_rss_mb": …, "result": …}. Setup a step needs
(opening a database, copying a file) is done before the clock starts; imports
and setup count towards the peak memory, which is what a user's process holds.
"""
from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULT_PREFIX = "BENCHMARK-RESULT "
# A step slower than this is run once, not `runs` times, to keep the benchmark within minutes.
LONG_RUN = 60.0


@dataclass
class Measurement:
    step: str
    label: str
    seconds: list[float] = field(default_factory=list)
    peak_rss_mb: list[float] = field(default_factory=list)
    results: list = field(default_factory=list)
    error: str | None = None

    @property
    def result(self) -> Any:
        return self.results[-1] if self.results else None

    @property
    def median_seconds(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def max_rss_mb(self) -> float | None:
        return max(self.peak_rss_mb) if self.peak_rss_mb else None


def peak_rss_mb() -> float:
    """Peak resident set of this process in MB (VmHWM: of this program, not its parent)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024


def run(step: str, args: dict, *, label: str, runs: int, timeout: float = 1800) -> Measurement:
    """`runs` fresh child processes of `step`; the result of the last run is kept."""
    measurement = Measurement(step, label)
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    for _ in range(runs):
        try:
            done = subprocess.run([sys.executable, "-m", "benchmarks.measure", step, json.dumps(args)],
                                  cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            measurement.error = f"timed out after {timeout:.0f} s"
            break
        line = next((l for l in done.stdout.splitlines() if l.startswith(RESULT_PREFIX)), None)
        if done.returncode != 0 or line is None:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            measurement.error = " / ".join(tail) or f"exit code {done.returncode}"
            break
        payload = json.loads(line[len(RESULT_PREFIX):])
        measurement.seconds.append(payload["seconds"])
        measurement.peak_rss_mb.append(payload["peak_rss_mb"])
        measurement.results.append(payload.get("result"))
        if payload["seconds"] > LONG_RUN:
            break  # one run of a step this slow says enough; the table marks it
    return measurement


def run_here(step: str, args: dict, *, label: str, runs: int) -> Measurement:
    """`run` without child processes (the smoke test): peak RSS is this process's so far."""
    from benchmarks import steps

    measurement = Measurement(step, label)
    for _ in range(runs):
        try:
            work, cleanup = steps.STEPS[step]({**args, "in_process": True})
            start = time.perf_counter()
            result = work()
            measurement.seconds.append(time.perf_counter() - start)
            measurement.peak_rss_mb.append(peak_rss_mb())
            measurement.results.append(json.loads(json.dumps(result, default=str)))
            if cleanup:
                cleanup()
        except Exception as exc:  # reported in the results, like a failed child
            measurement.error = f"{type(exc).__name__}: {exc}"
            break
    return measurement


def child(step: Callable[[dict], tuple[Callable[[], Any], Callable[[], None] | None]], args: dict) -> None:
    """In the child: `step(args)` prepares and returns (work, cleanup); only `work` is timed."""
    work, cleanup = step(args)
    start = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - start
    rss = peak_rss_mb()
    if cleanup:
        cleanup()
    print(RESULT_PREFIX + json.dumps({"seconds": seconds, "peak_rss_mb": rss, "result": result}, default=str),
          flush=True)


if __name__ == "__main__":
    from benchmarks import steps

    child(steps.STEPS[sys.argv[1]], json.loads(sys.argv[2]))
