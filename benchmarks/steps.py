"""The measured steps. Each takes its JSON arguments, prepares (not timed) and
returns (work, cleanup); `benchmarks.measure` times `work` in a fresh process.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NO_LIMIT = 1 << 40  # the benchmark's files are bigger than the upload page's limit


def _scratch(args: dict) -> tuple[Path, callable]:
    folder = Path(tempfile.mkdtemp(prefix="bench-", dir=args.get("scratch")))
    return folder, lambda: shutil.rmtree(folder, ignore_errors=True)


def ingest(args: dict):
    """One file through the real ingest path into a database holding what it refers to."""
    from analytics import db
    from analytics.ingest.pipeline import Options, ingest_paths

    folder, remove = _scratch(args)
    con = db.connect(folder / "ingest.duckdb")
    options = Options(accept_suggestions=True, max_bytes=NO_LIMIT)
    for prerequisite in args.get("prerequisites", []):
        ingest_paths(con, [Path(prerequisite)], options)

    def work():
        (plan, result), = ingest_paths(con, [Path(args["file"])], options)
        return {"kind": plan.kind, "format": plan.format, "error": str(plan.error) if plan.error else None,
                "rows_loaded": result.rows_loaded if result else 0,
                "rows_rejected": result.rows_rejected if result else len(plan.rejected)}

    def cleanup():
        con.close()
        remove()
    return work, cleanup


def floor(args: dict):
    """DuckDB's own read_csv of the same file into a table of a database file."""
    import duckdb

    folder, remove = _scratch(args)
    con = duckdb.connect(str(folder / "floor.duckdb"))

    def work():
        try:
            con.execute("CREATE TABLE t AS SELECT * FROM read_csv(?)", [args["file"]])
        except duckdb.Error:  # multi-row headers can defeat type sniffing: read as text
            con.execute("CREATE OR REPLACE TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [args["file"]])
        return {"rows": con.execute("SELECT count(*) FROM t").fetchone()[0]}

    def cleanup():
        con.close()
        remove()
    return work, cleanup


def _period(args: dict):
    from analytics.filters import Period
    return Period.parse(args["quarter"])


def metrics(args: dict):
    """The full metrics JSON for one quarter, on a cold connection."""
    from analytics import db
    from analytics.filters import Filters
    from analytics.metrics import metrics_json

    con = db.connect(args["db"], read_only=not args.get("in_process"))
    period = _period(args)
    return (lambda: metrics_json(con, period, Filters())), con.close


def baseline(args: dict):
    """The pandas notebook: read the CSVs, compute the same figures."""
    from benchmarks import pandas_baseline

    period = _period(args)
    return (lambda: pandas_baseline.run(Path(args["folder"]), period)), None


def page(args: dict):
    """A dashboard page's first render in a new session, through streamlit's AppTest."""
    from streamlit.testing.v1 import AppTest

    os.environ["MENTORSCOPE_DB"] = args["db"]
    app = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=600)

    def work():
        if args.get("page"):
            app.switch_page(args["page"])
        app.run()
        errors = [str(e.value)[:300] for e in app.exception]
        return {"exceptions": errors, "elements": len(list(app.main))}
    return work, None


def report(args: dict):
    """The quarterly report in one format."""
    from analytics import db
    from analytics.filters import Filters
    from analytics.report import build_report

    con = db.connect(args["db"], read_only=not args.get("in_process"))
    period = _period(args)
    return (lambda: {"bytes": len(build_report(con, period, Filters(), args["format"]))}), con.close


STEPS = {"ingest": ingest, "floor": floor, "metrics": metrics, "baseline": baseline, "page": page,
         "report": report}
