"""What `python -m benchmarks` runs, in order, and the results it collects."""
from __future__ import annotations

import importlib.util
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import browser, dataset, measure
from benchmarks.measure import Measurement
from benchmarks.pandas_baseline import differences
from pages import _registry as registry

ROOT = Path(__file__).resolve().parent.parent
REPORT_FORMATS = ("html", "pdf", "xlsx", "pptx")
# What a file's rows refer to, loaded (untimed) before the file is measured.
CONCURRENT_SESSIONS = 10
PREREQUISITES = {"sessions": ["pairs.csv"], "goals": ["pairs.csv"], "survey": ["participants.csv"]}


@dataclass
class Config:
    scale: float = dataset.BENCH_SCALE
    runs: int = 3
    smoke: bool = False
    cache: Path = dataset.CACHE
    scaling: bool = True
    exports: bool = True


@dataclass
class Results:
    config: Config
    started: datetime
    machine: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)
    quarter: str = ""
    ingest: list[tuple[Path, Measurement, Measurement | None]] = field(default_factory=list)
    stored: dict[str, Measurement] = field(default_factory=dict)  # plain survey file -> its rows by read_csv alone
    metrics: Measurement | None = None
    impact: Measurement | None = None  # the impact block alone (part of metrics)
    baseline: Measurement | None = None
    agreement: list[str] | None = None
    bulk_agreement: list[str] | None = None
    scaling: list[tuple[float, dict, Measurement]] = field(default_factory=list)
    pages: list[tuple[str, Measurement]] = field(default_factory=list)
    first_screens: browser.FirstScreens | None = None
    reports: list[tuple[str, Measurement]] = field(default_factory=list)
    not_measured: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        from benchmarks.report import targets
        lines = [f"{'met ' if ok else 'MISS' if ok is False else 'n/a '}  {name}: {value}"
                 for name, value, ok in targets(self)]
        return "\n".join(lines)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run(config: Config) -> Results:
    started = time.perf_counter()
    results = Results(config, datetime.now(timezone.utc), machine=machine())
    measure_step = measure.run_here if config.smoke else measure.run
    scratch = str(config.cache / "scratch")
    Path(scratch).mkdir(parents=True, exist_ok=True)

    def step(name: str, args: dict, label: str, runs: int | None = None) -> Measurement:
        log(f"{label} …")
        m = measure_step(name, {**args, "scratch": scratch}, label=label, runs=runs or config.runs)
        shown = f"{m.median_seconds:.2f} s, {m.max_rss_mb:.0f} MB" if m.seconds else f"failed: {m.error}"
        log(f"{label}: {shown}")
        return m

    data = prepare(config.scale, config, ingest=True, exports=config.exports)
    results.data = {"scale": data.scale, "counts": data.counts, "bytes": data.manifest["bytes"],
                    "generate_seconds": data.manifest["generate_seconds"],
                    "write_seconds": data.manifest["write_seconds"], "seed": data.manifest["seed"],
                    "database": json.loads((data.folder / "database.json").read_text())}
    period = dataset.last_full_quarter()
    results.quarter = period.label

    # 1. ingest of each file, against DuckDB's read_csv of the same file
    files = data.files + (data.export_files if config.exports else [])
    if config.smoke:
        files = [data.folder / "sessions.csv", data.survey_files[0]]
    for file in files:
        kind = next((k for k in ("sessions", "goals") if file.stem == k), "survey"
                    if file.name.startswith("survey_") or file.parent.name == "exports" else None)
        prerequisites = [str(data.folder / p) for p in PREREQUISITES.get(kind, [])]
        ingest = step("ingest", {"file": str(file), "prerequisites": prerequisites}, f"ingest {file.name}")
        floor = None if file.suffix == ".xlsx" else step("floor", {"file": str(file)}, f"read_csv {file.name}")
        results.ingest.append((file, ingest, floor))
        if file in data.survey_files:
            results.stored[file.name] = step("stored", {"file": str(file)}, f"stored rows of {file.name}")

    # 2. the metrics JSON for one quarter, against the pandas notebook
    results.metrics = step("metrics", {"db": str(data.database), "quarter": period.label},
                           f"metrics {period.label}")
    results.impact = step("impact", {"db": str(data.database), "quarter": period.label},
                          f"impact block {period.label}")
    results.baseline = step("baseline", {"folder": str(data.folder), "quarter": period.label},
                            f"pandas baseline {period.label}")
    if results.metrics.result is not None and results.baseline.result is not None:
        results.agreement = differences(results.baseline.result["metrics"], results.metrics.result)

    # 2b. how metrics time grows: ¼, 1 and 4 times the size, on bulk-loaded databases
    if config.scaling:
        bulk = prepare(config.scale, config, bulk=True)
        for scale in (config.scale / 4, config.scale, config.scale * 4):
            prepared = bulk if scale == config.scale else prepare(scale, config, bulk=True)
            rows = _table_counts(prepared.folder / "bulk.duckdb")
            m = step("metrics", {"db": str(prepared.folder / "bulk.duckdb"), "quarter": period.label},
                     f"metrics {period.label} at scale {scale:g} (bulk-loaded)")
            results.scaling.append((scale, rows, m))
            if scale == config.scale and m.result is not None and results.metrics.result is not None:
                results.bulk_agreement = differences(results.metrics.result, m.result)
    else:
        results.not_measured.append("Scaling (¼× and 4×): skipped in this run (--no-scaling or --smoke).")

    # 3. each page's first render
    pages = [entry.path for entry in registry.PAGES]
    if not (ROOT / "dashboard.py").exists() or not pages:
        results.not_measured.append("Pages: dashboard.py or pages/ is not there yet.")
    else:
        if config.smoke:
            pages = pages[:1]
        for page in pages:
            rel = page.relative_to(ROOT).as_posix()
            m = step("page", {"db": str(data.database), "page": None if page.name.startswith("1_") else rel},
                     f"page {page.stem}")
            results.pages.append((page.stem, m))

    # 3b. a new session's first screen in a real browser, beside a one-line app on the same machine
    if config.smoke:
        results.not_measured.append("First screens in a browser: skipped in a smoke run (tests/test_first_screen.py "
                                    "drives them).")
    elif not browser.CHROMIUM.exists():
        results.not_measured.append(f"First screens in a browser: no Chromium at {browser.CHROMIUM}.")
    else:
        log("first screens in Chromium …")
        address = {e.path: "" if e is registry.DEFAULT else e.url for e in registry.PAGES}
        paths = [address[p] for p in pages]
        results.first_screens = browser.measure(data.database, paths, runs=max(config.runs, 3),
                                                sessions=CONCURRENT_SESSIONS)

    # 4. the report in each format
    if importlib.util.find_spec("analytics.report") is None or not _has_build_report():
        results.not_measured.append("Report: analytics.report.build_report is not there yet.")
    else:
        for fmt in (("html",) if config.smoke else REPORT_FORMATS):
            results.reports.append((fmt, step("report", {"db": str(data.database), "quarter": period.label,
                                                         "format": fmt}, f"report {fmt}")))
    results.seconds = time.perf_counter() - started
    results.machine["load_end"] = _load()
    return results


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def _has_build_report() -> bool:
    try:
        from analytics.report import build_report  # noqa: F401
    except Exception:
        return False
    return True


def prepare(scale: float, config: Config, *, ingest: bool = False, bulk: bool = False,
            exports: bool = False) -> dataset.Dataset:
    """Generate/write/load in a child process, so this process stays small; then read the manifest."""
    if config.smoke:
        data = dataset.ensure(scale, exports=exports, cache=config.cache, log=log)
        if ingest:
            dataset.build_database(data, log=log)
        if bulk:
            dataset.bulk_database(data, log=log)
        return data
    command = [sys.executable, "-m", "benchmarks.dataset", "--scale", str(scale), "--cache", str(config.cache)]
    command += [] if exports else ["--no-exports"]
    command += ["--ingest"] if ingest else []
    command += ["--bulk"] if bulk else []
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    log(f"preparing scale {scale:g} ({' '.join(command[3:])})")
    subprocess.run(command, cwd=ROOT, env=env, check=True)
    return dataset.ensure(scale, exports=exports, cache=config.cache, log=log)


def _table_counts(path: Path) -> dict[str, int]:
    import duckdb
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                for t in ("participants", "pairs", "sessions", "goals", "employees", "responses", "answers")}
    finally:
        con.close()


def machine() -> dict:
    memory = None
    try:
        with open("/proc/meminfo") as info:
            memory = int(next(l for l in info if l.startswith("MemTotal")).split()[1]) / 1024 / 1024
    except (OSError, StopIteration):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next((l.split(":", 1)[1].strip() for l in info if l.startswith("model name")), cpu)
    except OSError:
        pass
    versions = {}
    for package in ("duckdb", "pandas", "numpy", "scipy", "streamlit"):
        try:
            versions[package] = importlib.import_module(package).__version__
        except Exception:
            versions[package] = "not installed"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    return {"load_start": _load(), "cores": os.cpu_count(), "memory_gb": memory, "cpu": cpu, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "versions": versions, "commit": commit}
