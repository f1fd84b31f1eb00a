"""`python -m analytics ingest PATH...`: load exports into the store.

Exit 0 when every file loaded (some rows may be rejected), 1 when any file was
refused (the others still load), 2 on usage errors.
"""
from __future__ import annotations

import argparse
import json
import sys

from analytics import db
from analytics.commands import add_db_argument
from analytics.ingest.columns import KINDS
from analytics.ingest.load import LoadResult
from analytics.ingest.pipeline import WAVES, Options, Plan, ingest_paths


def add_file_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="CSV or XLSX exports")
    parser.add_argument("--kind", default="auto", choices=("auto",) + KINDS,
                        help="what the files hold (default: detect from the header)")
    parser.add_argument("--wave", choices=WAVES, help="survey wave, where the file does not say")
    parser.add_argument("--program", help="program name, where the file does not say")
    order = parser.add_mutually_exclusive_group()
    order.add_argument("--day-first", dest="day_first", action="store_true", default=None,
                       help="dates like 03/04/2026 mean 3 April")
    order.add_argument("--month-first", dest="day_first", action="store_false",
                       help="dates like 03/04/2026 mean March 4")
    parser.add_argument("--accept-suggestions", action="store_true",
                        help="map each survey question no mapping covers to its suggested dimension")
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def register(sub) -> None:
    parser = sub.add_parser("ingest", help="load exports into the database",
                            description="Load platform and survey exports (CSV or XLSX) into the database.")
    add_file_arguments(parser)
    parser.set_defaults(run=run)


def options_from(args) -> Options:
    return Options(kind=args.kind, wave=args.wave, program=args.program, day_first=args.day_first,
                   accept_suggestions=args.accept_suggestions)


def summary(plan: Plan, loaded: LoadResult | None = None, path: str | None = None) -> dict:
    """One file's entry of the --json output; without a load, what would happen."""
    first, last = plan.date_range
    rejected = loaded.rejected if loaded else plan.rejected + plan.unresolved
    return {
        "path": path or plan.file_name, "kind": plan.kind, "format": plan.format,
        "rows_read": plan.rows_read,
        "rows_loaded": loaded.rows_loaded if loaded else (plan.rows_valid - len(plan.unresolved) if plan.ok else 0),
        "rows_rejected": len(rejected), "rows_duplicate": loaded.rows_duplicate if loaded else 0,
        "date_range": [first.isoformat() if first else None, last.isoformat() if last else None],
        "errors": [plan.error.message] if plan.error else [],
        "rejected": sorted(({k: r.get(k) for k in ("row_number", "column", "reason")} for r in rejected),
                           key=lambda r: r["row_number"]),
        "unmapped_questions": unmapped_questions(plan),
    }


def unmapped_questions(plan: Plan) -> list[dict]:
    """A survey's questions that map to no dimension (stored, but in no figure), with the suggestion."""
    return [{"item_id": row.item_id, "question": row.question_text,
             "suggested": plan.batch.suggestions.get(row.item_id)} for row in plan.open_questions().itertuples()]


def report(results: list[dict], as_json: bool, verb: str) -> int:
    refused = [r for r in results if r["errors"]]
    for r in refused:
        print(f"error: {r['errors'][0]}", file=sys.stderr)
    if as_json:
        print(json.dumps({"files": results}, indent=2, default=str))
    else:
        for r in results:
            if r["errors"]:
                continue
            span = " to ".join(d for d in r["date_range"] if d) or "no dates"
            print(f"{r['path']}: {r['kind']} ({r['format']}), {r['rows_read']} rows read, "
                  f"{r['rows_loaded']} {verb}, {r['rows_duplicate']} duplicate, "
                  f"{r['rows_rejected']} rejected; {span}")
            for row in r["rejected"][:10]:
                print(f"  row {row['row_number']}: {row['reason']}")
            if len(r["rejected"]) > 10:
                print(f"  … and {len(r['rejected']) - 10} more rejected rows")
            if r["unmapped_questions"]:
                print(_unmapped_line(r["unmapped_questions"]))
    return 1 if refused else 0


def _unmapped_line(questions: list[dict]) -> str:
    shown = ", ".join(f"'{_short(q['question'])}'" + (f" (suggested: {q['suggested']})" if q["suggested"] else "")
                      for q in questions[:3])
    more = f" and {len(questions) - 3} more" if len(questions) > 3 else ""
    count = "1 question maps" if len(questions) == 1 else f"{len(questions)} questions map"
    fix = "Upload the file once on the Upload page to map them; later uploads of this survey reuse the mapping"
    if any(q["suggested"] for q in questions):
        fix += " (or pass --accept-suggestions)"
    return f"  {count} to no dimension, so they count in no figure yet: {shown}{more}. {fix}."


def _short(text: str) -> str:
    """A question's end: grid questions share their start and differ in their statement."""
    return text if len(text) <= 50 else "…" + text[-50:].lstrip()


def run(args) -> int:
    con = db.connect(args.db)
    try:
        results = [summary(plan, loaded, path)
                   for path, (plan, loaded) in zip(args.paths, ingest_paths(con, args.paths, options_from(args)))]
        return report(results, args.json, "loaded")
    finally:
        con.close()
