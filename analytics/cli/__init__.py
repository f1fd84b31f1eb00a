"""The command line: a thin layer over the library (sqlite-utils style).

Each sub-command lives in `analytics/commands/<name>.py` and provides
`register(subparsers)` and `run(args) -> int`. Exit codes: 0 done, 1 a file or
request was refused (message on stderr), 2 usage errors. No traceback reaches
the user: unexpected errors print one line and exit 1.
"""
from __future__ import annotations

import argparse
import importlib
import sys

COMMANDS = ("ingest", "check", "uploads", "sample", "metrics", "backup", "erase", "hash_password", "report",
            "serve_address", "improvements", "recipients", "deliver", "objectives")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics",
                                     description="Mentorscope: measure whether mentoring programs work.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"analytics.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: one clear line, no traceback
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        print(f"error: {message}", file=sys.stderr)
        return 1
