"""`python -m analytics report --quarter 2026Q2 --out PATH.pdf|.html|.xlsx|.pptx [--format F] [filters]`: the
quarterly report, in the format the file's extension names."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

from analytics.cli.common import add_db_argument, database_path, fail
from analytics.errors import InputError
from analytics.measures.filters import Filters, Period, check_reportable
from analytics.report import FORMATS, build_report
from analytics.store import connection, settings

FILTER_FIELDS = ("program", "cohort", "department", "role")


def register(sub) -> None:
    parser = sub.add_parser("report", help="write the quarterly evaluation report (PDF, HTML, XLSX or PPTX slides)",
                            description="Write the quarterly evaluation report for one quarter, optionally filtered.")
    parser.add_argument("--quarter", required=True, help="2026Q2 (calendar) or FY2026Q1 (fiscal)")
    parser.add_argument("--format", choices=FORMATS,
                        help="pdf, html, xlsx or pptx (default: from the --out file's extension, which must match)")
    parser.add_argument("--out", required=True, help="file to write, ending .pdf, .html, .xlsx or .pptx")
    for name in FILTER_FIELDS:
        parser.add_argument(f"--{name}", default=None, help=f"only this {name}")
    add_db_argument(parser)
    parser.set_defaults(run=run)


def _format(fmt: str | None, out: Path) -> str:
    """The format asked for, which the file's extension must agree with: a PDF named .xlsx opens nowhere."""
    extension = out.suffix.lower().lstrip(".")
    if fmt is None:
        if extension not in FORMATS:
            raise InputError(f"cannot tell the format of {out.name}: end --out with .pdf, .html, .xlsx or .pptx.")
        return extension
    if extension != fmt:
        other = f", or pass --format {extension}" if extension in FORMATS else ""
        raise InputError(f"--format {fmt} does not match --out {out.name}: write to "
                         f"{out.with_suffix('.' + fmt).name}{other}.")
    return fmt


def run(args) -> int:
    out = Path(args.out)
    fmt = _format(args.format, out)
    if out.is_dir():
        return fail(f"{out} is a folder; pass a file path with --out.")
    if not out.parent.is_dir():
        return fail(f"cannot write {out}: the folder {out.parent} does not exist.")
    path = database_path(args)
    if not path.exists():
        return fail(f"no database at {path}: run python -m analytics ingest FILE… first (python -m analytics sample "
                    "--out DIR writes example exports to try), or pass --db.")
    con = connection.connect(path, read_only=True)
    try:
        fiscal_start = settings.get(con, "fiscal_year_start_month")
        period = Period.parse(args.quarter, fiscal_start)
        check_reportable(con, period, fiscal_start)
        if note := period.progress_note():
            print(f"note: {note}", file=sys.stderr)
        content = build_report(con, period, Filters(**{name: getattr(args, name) for name in FILTER_FIELDS}), fmt)
    finally:
        con.close()
    try:
        out.write_bytes(content)
    except OSError as exc:
        return fail(f"cannot write {out}: {exc.strerror or exc}.")
    print(f"Wrote {out} ({len(content):,} bytes).")
    return 0


def command_line(period: Period, filters: Filters, fmt: str) -> str:
    """The command that writes the report of `period` and `filters` in `fmt`, each value quoted for a shell
    (`--program=` keeps a value starting with '-' from reading as an option)."""
    words = ["python", "-m", "analytics", "report", "--quarter", period.label, "--format", fmt,
             "--out", f"report.{fmt}"]
    words += [f"--{name}={value}" for name, value in filters.active().items()]
    return " ".join(shlex.quote(word) for word in words)
