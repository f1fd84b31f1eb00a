"""`python -m analytics check PATH...`: the ingest analysis, nothing written."""
from __future__ import annotations

from pathlib import Path

from analytics import db
from analytics.commands.ingest import add_file_arguments, options_from, report, summary
from analytics.ingest.pipeline import analyse_path


def register(sub) -> None:
    parser = sub.add_parser("check", help="validate exports without loading them",
                            description="Say what ingest would load, reject and why; write nothing.")
    add_file_arguments(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    # Read-only when the database exists, so references can be checked; never created.
    path = args.db or db.default_path()
    con = db.connect(path, read_only=True) if Path(path).exists() else None
    try:
        results = []
        for name in args.paths:
            plan = analyse_path(name, con, options_from(args))
            results.append(summary(plan, path=name))
        return report(results, args.json, "would load")
    finally:
        if con is not None:
            con.close()
