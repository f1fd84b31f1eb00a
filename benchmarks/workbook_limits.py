"""`python -m benchmarks.workbook_limits [--scale 10] [--rounds 5]`: what the workbook limits bound.

Writes the largest Microsoft Forms workbook the default limits accept (max_unpacked_mb,
max_workbook_cells), then measures, each in a fresh process: reading its cells (`read_raw`) and the
whole analysis of the upload (`analyse`), in seconds and peak RSS; and another user's metrics
(`metrics_json` on a sample database) alone and while that workbook is analysed in another thread of
the same process (as the Upload page analysed before) and in a low-priority child process (`ingest.isolated`,
as it analyses now); and how quickly a workbook twice the limits is refused. Prints the figures.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd

from analytics.ingest.read import MB, WorkbookLimits
from benchmarks.measure import peak_rss_mb


def write_largest_workbook(path: Path, limits: WorkbookLimits = WorkbookLimits()) -> tuple[int, int]:
    """The sample's Microsoft Forms survey, its responses repeated as often as the limits allow;
    returns (cells, unpacked bytes)."""
    from analytics.ops.sample import generate
    from analytics.ops.sample_story import SURVEYS
    from analytics.ops.sample_writers import WRITERS

    data = generate(scale=1.0)
    survey = next(s for s in SURVEYS if s.tool == "ms_forms")
    people = data.participants.set_index("participant_id")[["name", "email", "location"]]
    responses = data.surveys[data.surveys["survey"] == survey.name].reset_index(drop=True).join(
        people, on="respondent_id")

    def write(copies: int) -> tuple[int, int]:
        WRITERS["ms_forms"](path, survey, pd.concat([responses] * copies, ignore_index=True))
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        sheet = openpyxl.load_workbook(path, read_only=True).active  # its size from the sheet's <dimension>
        return sheet.max_row * sheet.max_column, unpacked

    cells, unpacked = write(1)
    copies = int(min(limits.unpacked_mb * MB / unpacked, limits.cells / cells))
    while (size := write(copies))[0] > limits.cells or size[1] > limits.unpacked_mb * MB:
        copies -= 1
    return size


def _in_child(step: str, setup: str, call: str, path: Path) -> dict:
    """Times `call` (wall and CPU) on the workbook's bytes `data` in a fresh interpreter, after `setup`."""
    script = (f"import json, time; from pathlib import Path; from benchmarks.measure import peak_rss_mb; {setup}\n"
              f"data = Path({str(path)!r}).read_bytes(); start, cpu = time.perf_counter(), time.process_time(); "
              f"{call}\nprint(json.dumps({{'step': {step!r}, 'seconds': round(time.perf_counter() - start, 2), "
              f"'cpu_seconds': round(time.process_time() - cpu, 2), 'peak_mb': round(peak_rss_mb())}}))")
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def read_and_analyse(path: Path) -> list[dict]:
    return [_in_child("read_raw", "from analytics.ingest.read import read_raw", "read_raw(data, 'largest.xlsx')",
                      path),
            _in_child("analyse", "from analytics.ingest.pipeline import analyse",
                      "plan = analyse(data, 'largest.xlsx'); assert plan.batch is not None, plan.error", path)]


def sample_database(folder: Path, scale: float) -> Path:
    from analytics.ingest.pipeline import ingest_paths
    from analytics.ops.sample import generate
    from analytics.ops.sample_writers import write_exports
    from analytics.store import connection

    path = folder / "sample.duckdb"
    con = connection.connect(path)
    ingest_paths(con, write_exports(generate(scale=scale), folder / "exports"))
    con.close()
    return path


def metrics_alone_and_beside_an_upload(database: Path, workbook: Path, rounds: int) -> dict:
    """Each round times the metrics alone, then while the workbook is analysed the old way (`pipeline.analyse`
    in another thread of the same process) and the new way (`isolated.analyse`: a child process at the lowest
    priority, as the Upload page runs it now), both against the same database, as the page analyses:
    alternating, so that the machine's own load drifts alike for all three."""
    from analytics.ingest import isolated, pipeline
    from analytics.measures.filters import Filters, Period
    from analytics.measures.metrics import metrics_json
    from analytics.store import connection

    con = connection.connect(database, read_only=True)
    quarter = Period.parse("2026Q2")
    data = workbook.read_bytes()
    ways = {"in a thread": pipeline.analyse, "in a process": isolated.analyse}
    seconds: dict[str, list[float]] = {"alone": [], **{way: [] for way in ways}}
    analyses: dict[str, list[float]] = {way: [] for way in ways}

    def metrics_seconds() -> float:
        start = time.perf_counter()
        metrics_json(con, quarter, Filters())
        return time.perf_counter() - start

    def upload(way: str, cursor) -> None:
        start = time.perf_counter()
        plan = ways[way](data, "largest.xlsx", cursor)
        assert plan.ok, plan.error
        analyses[way].append(time.perf_counter() - start)

    metrics_seconds()  # warm: the first run fills DuckDB's caches
    isolated.analyse(b"employee_id,hired_on\nE1,2020-01-01\n", "warm.csv", con)  # starts the fork server
    for _ in range(rounds):
        seconds["alone"].append(metrics_seconds())
        for way in ways:
            uploader = threading.Thread(target=upload, args=(way, con.cursor()))
            uploader.start()
            time.sleep(0.2)  # into the workbook's reading
            seconds[way].append(metrics_seconds())
            uploader.join()
    con.close()
    return {"metrics alone s": round(statistics.median(seconds["alone"]), 2),
            **{f"metrics beside the upload {way} s": round(statistics.median(seconds[way]), 2) for way in ways},
            **{f"one analysis of the workbook {way} s": round(statistics.median(analyses[way]), 2) for way in ways}}


def refusal_seconds(folder: Path) -> dict:
    """A workbook twice the size the limits allow: how quickly its upload is refused."""
    from analytics.ingest.pipeline import analyse

    twice = WorkbookLimits()
    path = folder / "twice.xlsx"
    write_largest_workbook(path, WorkbookLimits(twice.unpacked_mb * 2, twice.cells * 2))
    data = path.read_bytes()
    start = time.perf_counter()
    plan = analyse(data, "twice.xlsx")
    return {"refused in s": round(time.perf_counter() - start, 3), "message": str(plan.error)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.workbook_limits", description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0, help="sample scale of the other user's database")
    parser.add_argument("--rounds", type=int, default=5,
                        help="metrics runs alone and beside the upload, alternating (median of each)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        workbook = Path(folder) / "largest.xlsx"
        cells, unpacked = write_largest_workbook(workbook)
        print(f"largest workbook: {workbook.stat().st_size / MB:.1f} MB, unpacks to {unpacked / MB:.1f} MB, "
              f"{cells:,} cells")
        for figures in read_and_analyse(workbook):
            print(figures)
        print(refusal_seconds(Path(folder)))
        print(metrics_alone_and_beside_an_upload(sample_database(Path(folder), args.scale), workbook, args.rounds))
    print(f"this process: peak {peak_rss_mb():.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
