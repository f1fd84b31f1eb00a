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
    from analytics.ingest.pipeline import Options, ingest_paths
    from analytics.store import connection

    folder, remove = _scratch(args)
    con = connection.connect(folder / "ingest.duckdb")
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


def stored(args: dict):
    """A plain survey CSV into the tables Mentorscope stores it in (responses, one answer per
    question, one score per scored answer), by DuckDB's own reader with no checks at all: the
    least that writing those rows costs, whatever the ingest path does before it."""
    from analytics.store import connection, queries
    from benchmarks.dataset import bulk_survey

    folder, remove = _scratch(args)
    con = connection.connect(folder / "stored.duckdb")

    def work():
        with queries.transaction(con):
            bulk_survey(con, Path(args["file"]), upload_id=1)
        return {"answers": con.execute("SELECT count(*) FROM answers").fetchone()[0]}

    def cleanup():
        con.close()
        remove()
    return work, cleanup


def _period(args: dict):
    from analytics.measures.filters import Period
    return Period.parse(args["quarter"])


def metrics(args: dict):
    """The full metrics JSON for one quarter, on a cold connection."""
    from analytics.measures.filters import Filters
    from analytics.measures.metrics import metrics_json
    from analytics.store import connection

    con = connection.connect(args["db"], read_only=not args.get("in_process"))
    period = _period(args)
    return (lambda: metrics_json(con, period, Filters())), con.close


def impact(args: dict):
    """The impact block alone (strata, balance, dose bands and their statistics), on a cold connection: the
    part of the metrics JSON that compares participants with comparable colleagues."""
    from analytics.measures import impact as impact_module
    from analytics.measures.filters import Filters
    from analytics.store import connection

    con = connection.connect(args["db"], read_only=not args.get("in_process"))
    period = _period(args)
    return (lambda: impact_module.block(con, period, Filters())), con.close


def baseline(args: dict):
    """The pandas notebook: read the CSVs, compute the same figures."""
    from benchmarks import pandas_baseline

    period = _period(args)
    return (lambda: pandas_baseline.run(Path(args["folder"]), period)), None


def page(args: dict):
    """A dashboard page's first render in a new session, through streamlit's AppTest.

    The session opens on the default page (Overview), as a user's does; for
    another page only switching to it is timed, so its own figures are cold
    while the sidebar's are already there. `page: None` times the opening itself.
    """
    from streamlit.runtime.context import ContextProxy
    from streamlit.testing.v1 import AppTest

    before = os.environ.get("MENTORSCOPE_DB")
    os.environ["MENTORSCOPE_DB"] = args["db"]
    folder, remove = _scratch(args)
    # AppTest has no browser connection, so its visitor's address is a stand-in object; the dashboard
    # serves a visitor without sign-in only from this computer, where Streamlit says None.
    address = ContextProxy.ip_address
    ContextProxy.ip_address = property(lambda self: None)

    def cleanup():  # in-process (the smoke test) the environment must not leak into what runs next
        if before is None:
            os.environ.pop("MENTORSCOPE_DB", None)
        else:
            os.environ["MENTORSCOPE_DB"] = before
        ContextProxy.ip_address = address
        remove()
    # Run dashboard.py from a folder without pages/ next to it: there AppTest would
    # run a page on its own, without the sidebar dashboard.py draws around it.
    entry = folder / "app.py"
    entry.write_text(f"import runpy\nrunpy.run_path({str(ROOT / 'dashboard.py')!r}, run_name='__main__')\n")
    app = AppTest.from_file(str(entry), default_timeout=600)
    if args.get("page"):
        app.run()
    else:
        # A server imports its modules once, when it starts; what a new session waits for is its
        # figures (the caches start empty either way).
        import analytics.measures.metrics  # noqa: F401
        import analytics.present.charts  # noqa: F401
        import analytics.present.headlines  # noqa: F401
        import analytics.present.insights  # noqa: F401

    def work():
        if args.get("page"):
            app.switch_page(str(ROOT / args["page"]))
        app.run()
        return {"exceptions": [str(e.value)[:300] for e in app.exception], "elements": len(list(app.main))}
    return work, cleanup


def report(args: dict):
    """The quarterly report in one format."""
    from analytics.measures.filters import Filters
    from analytics.report import build_report
    from analytics.store import connection

    con = connection.connect(args["db"], read_only=not args.get("in_process"))
    period = _period(args)
    return (lambda: {"bytes": len(build_report(con, period, Filters(), args["format"]))}), con.close


STEPS = {"ingest": ingest, "floor": floor, "stored": stored, "metrics": metrics, "impact": impact,
         "baseline": baseline, "page": page, "report": report}
