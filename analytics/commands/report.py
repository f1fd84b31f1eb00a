"""`python -m analytics report --quarter 2026Q2 --format pdf|html|xlsx --out PATH [filters]`: the quarterly report."""
from __future__ import annotations

import sys
from pathlib import Path

from analytics import db, settings
from analytics.commands import add_db_argument, fail
from analytics.filters import Filters, Period, check_reportable
from analytics.report import FORMATS, ReportError, build_report


def register(sub) -> None:
    parser = sub.add_parser("report", help="write the quarterly evaluation report (PDF, HTML or XLSX)",
                            description="Write the quarterly evaluation report for one quarter, optionally filtered.")
    parser.add_argument("--quarter", required=True, help="2026Q2 (calendar) or FY2026Q1 (fiscal)")
    parser.add_argument("--format", required=True, choices=FORMATS, help="pdf, html or xlsx")
    parser.add_argument("--out", required=True, help="file to write")
    for name in ("program", "cohort", "department"):
        parser.add_argument(f"--{name}", default=None, help=f"only this {name}")
    add_db_argument(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    out = Path(args.out)
    if out.is_dir():
        return fail(f"{out} is a folder; pass a file path with --out.")
    if not out.parent.is_dir():
        return fail(f"cannot write {out}: the folder {out.parent} does not exist.")
    path = Path(args.db) if args.db else db.default_path()
    if not path.exists():
        return fail(f"no database at {path}: run python -m analytics ingest FILE… first (python -m analytics sample "
                    "--out DIR writes example exports to try), or pass --db.")
    con = db.connect(path, read_only=True)
    try:
        fiscal_start = settings.get(con, "fiscal_year_start_month")
        period = Period.parse(args.quarter, fiscal_start)
        check_reportable(con, period, fiscal_start)
        if note := period.progress_note():
            print(f"note: {note}", file=sys.stderr)
        content = build_report(con, period, Filters(args.program, args.cohort, args.department), args.format)
    except (ReportError, ValueError) as exc:
        return fail(str(exc))
    finally:
        con.close()
    try:
        out.write_bytes(content)
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}.")
    print(f"Wrote {out} ({len(content):,} bytes).")
    return 0
