"""`python -m analytics ingest PATH...`: load exports into the store.

Exit 0 when every file loaded (some rows may be rejected), 1 when any file was
refused (the others still load) or a --map value is wrong (then nothing loads),
2 on usage errors.
"""
from __future__ import annotations

import argparse
import json
import sys
from contextlib import closing
from datetime import date

from analytics.cli.common import add_db_argument
from analytics.errors import InputError
from analytics.ingest.columns import KINDS
from analytics.ingest.load import LoadResult
from analytics.ingest.mapping import DIMENSIONS
from analytics.ingest.pipeline import WAVES, Options, Plan, analyse_path, load_plans
from analytics.store import connection

NOT_SCORED = "none"  # --map ITEM=none: the question stays stored but in no figure
CLOSED_ON = " (every response dated {}, the day the survey closed)"
SHOWN = 10  # rejected rows and unmapped questions listed in the text output; --json has them all


class BadMap(InputError):
    """A --map value that cannot be used; the message names it and says what to write instead."""


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
    parser.add_argument("--submitted-on", type=_day, metavar="YYYY-MM-DD",
                        help="the day the survey closed: the date of every response of a survey file without a "
                             "date column (anonymised exports, paper surveys typed in); a file's own dates win")
    parser.add_argument("--accept-suggestions", action="store_true",
                        help="map each survey question no mapping covers to its suggested dimension")
    parser.add_argument("--map", action="append", default=[], metavar="ITEM=DIMENSION",
                        help="map one survey question (its item id, as the unmapped-question notice and --json "
                             f"show it) to a dimension: {', '.join(DIMENSIONS)}, or {NOT_SCORED} to leave it "
                             "unscored. Repeatable; wins over --accept-suggestions for its question; ignored for "
                             "platform files; ingest (not check) saves it for later uploads of the same survey")
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def register(sub) -> None:
    parser = sub.add_parser("ingest", help="load exports into the database",
                            description="Load platform and survey exports (CSV or XLSX) into the database. A "
                                        "survey exported again is recognised by its responses (response ids, else "
                                        "respondent and submission time), reworded questions or not: stored "
                                        "responses are never loaded twice, changed ones are updated in place.")
    add_file_arguments(parser)
    parser.set_defaults(run=run)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date: write it as YYYY-MM-DD, e.g. 2026-05-29") from None


def options_from(args) -> Options:
    """The options the arguments give; BadMap when a --map value is not ITEM=DIMENSION."""
    return Options(kind=args.kind, wave=args.wave, program=args.program, day_first=args.day_first,
                   submitted_on=args.submitted_on, mapping=mapping_from(args.map) or None,
                   accept_suggestions=args.accept_suggestions)


def mapping_from(values: list[str]) -> dict[str, str | None]:
    """--map ITEM=DIMENSION values as item -> dimension code (None: not scored); a later value for
    the same item wins."""
    mapping: dict[str, str | None] = {}
    for value in values:
        item, equals, code = value.partition("=")
        item, code = item.strip(), code.strip().lower()
        if not equals or not item:
            raise BadMap(f"--map {value}: write ITEM=DIMENSION, e.g. --map Q7=networking.")
        if code != NOT_SCORED and code not in DIMENSIONS:
            raise BadMap(f"--map {value}: '{code}' is not a dimension. Use one of: {', '.join(DIMENSIONS)}, "
                         f"or {NOT_SCORED} to leave the question unscored.")
        mapping[item] = None if code == NOT_SCORED else code
    return mapping


def analysed(paths: list[str], con, options: Options) -> list[Plan]:
    """Every file analysed. Raises BadMap when a --map item is a question of none of the
    survey files: checked before anything loads, so a mistyped item id writes nothing."""
    plans = [analyse_path(path, con, options) for path in paths]
    surveys = [plan for plan in plans if plan.kind == "survey"]
    # A refused survey's questions are unknown; its own error says why it was refused.
    if not options.mapping or any(not plan.ok for plan in surveys):
        return plans
    known = {item for plan in surveys for item in plan.batch.items["item_id"]}
    wrong = ", ".join(f"--map {item}={code or NOT_SCORED}" for item, code in options.mapping.items()
                      if item not in known)
    if wrong and not surveys:
        raise BadMap(f"{wrong}: none of the files is a survey, and --map maps survey questions.")
    if wrong:
        ids = "; ".join(f"{plan.file_name}: {', '.join(plan.batch.items['item_id'])}" for plan in surveys)
        raise BadMap(f"{wrong}: not a question of any survey file given. Use an item id of one ({ids}).")
    return plans


def summary(plan: Plan, loaded: LoadResult | None = None, path: str | None = None) -> dict:
    """One file's entry of the --json output; without a load, what would happen."""
    first, last = plan.date_range
    closed_on = getattr(plan.batch, "survey_closed_on", None)  # surveys only
    rejected = loaded.rejected if loaded else plan.rejected + plan.unresolved
    known = plan.responses_known
    return {
        "path": path or plan.file_name, "kind": plan.kind, "format": plan.format,
        "rows_read": plan.rows_read,
        "rows_loaded": loaded.rows_loaded if loaded else (plan.rows_valid - len(plan.unresolved) if plan.ok else 0)
        - (known.stored if known and not loaded else 0),
        "rows_rejected": len(rejected),
        "rows_duplicate": loaded.rows_duplicate if loaded else (known.stored if known else 0),
        "rows_skipped": plan.skipped,
        "date_range": [first.isoformat() if first else None, last.isoformat() if last else None],
        "survey_closed_on": closed_on.isoformat() if closed_on else None,
        "errors": [plan.error.message] if plan.error else [],
        "rejected": sorted(({k: r.get(k) for k in ("row_number", "column", "reason")} for r in rejected),
                           key=lambda r: r["row_number"]),
        "unmapped_questions": unmapped_questions(plan),
        # A survey's valid responses against the store before this load (null without one, or for platform files).
        "responses_new": known.new if known else None,
        "responses_changed": known.changed if known else None,
        "responses_already_stored": known.stored if known else None,
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
                  f"{r['rows_rejected']} rejected" + (f", {r['rows_skipped']} skipped" if r["rows_skipped"] else "")
                  + f"; {span}" + (CLOSED_ON.format(r["survey_closed_on"]) if r["survey_closed_on"] else ""))
            if r["responses_new"] is not None:
                print(f"  responses: {r['responses_new']} new, {r['responses_changed']} changed (updated in place), "
                      f"{r['responses_already_stored']} already stored")
            for row in r["rejected"][:SHOWN]:
                # A survey's reasons do not name the column (a question's text can be long): the line does.
                column = row["column"] if row["column"] and row["column"] not in row["reason"] else None
                print(f"  row {row['row_number']}" + (f" ({column})" if column else "") + f": {row['reason']}")
            if len(r["rejected"]) > SHOWN:
                print(f"  … and {len(r['rejected']) - SHOWN} more rejected rows")
            if r["unmapped_questions"]:
                print("\n".join(_unmapped_lines(r["unmapped_questions"])))
    return 1 if refused else 0


def _unmapped_lines(questions: list[dict]) -> list[str]:
    """The notice: each question by the item id --map takes, then the ways to map them."""
    count = "1 question maps" if len(questions) == 1 else f"{len(questions)} questions map"
    lines = [f"  {count} to no dimension, so {'it counts' if len(questions) == 1 else 'they count'} "
             "in no figure yet:"]
    for q in questions[:SHOWN]:
        suggestion = f" (suggested: {q['suggested']})" if q["suggested"] else ""
        lines.append(f"    {q['item_id']}: '{_short(q['question'])}'{suggestion}")
    if len(questions) > SHOWN:
        lines.append(f"    … and {len(questions) - SHOWN} more (--json lists them all)")
    suggested = ", all as suggested with --accept-suggestions," if any(q["suggested"] for q in questions) else ""
    lines.append(f"  Map each with --map ITEM=DIMENSION (or ITEM={NOT_SCORED}: not scored){suggested} or on the "
                 "Upload page; ingest --map and the page save the mapping for later uploads of this survey.")
    return lines


def _short(text: str) -> str:
    """A question's end: grid questions share their start and differ in their statement."""
    return text if len(text) <= 50 else "…" + text[-50:].lstrip()


def run(args) -> int:
    options = options_from(args)  # before connecting: a malformed --map creates no database
    with closing(connection.connect(args.db)) as con:
        plans = analysed(args.paths, con, options)
        results = [summary(plan, loaded, path) for path, plan, loaded in zip(args.paths, plans, load_plans(con, plans))]
    return report(results, args.json, "loaded")
