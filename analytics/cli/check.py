"""`python -m analytics check PATH...`: the ingest analysis, nothing written."""
from __future__ import annotations

from contextlib import closing, nullcontext
from pathlib import Path

from analytics.cli.ingest import add_file_arguments, analysed, options_from, report, summary
from analytics.store import connection


def register(sub) -> None:
    parser = sub.add_parser("check", help="validate exports without loading them",
                            description="Say what ingest would load, reject and why; write nothing.")
    add_file_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    path = args.db or connection.default_path()
    options = options_from(args)
    # Read-only when the database exists, so references can be checked; never created.
    with closing(connection.connect(path, read_only=True)) if Path(path).exists() else nullcontext() as con:
        plans = analysed(args.paths, con, options)
    return report([summary(plan, path=name) for name, plan in zip(args.paths, plans)], args.json, "would load")
