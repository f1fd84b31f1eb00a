"""The command line: a thin layer over the library (sqlite-utils style).

Each sub-command lives in `analytics/cli/<name>.py` and provides `register(subparsers)` and `run(args) -> int`.
A refusal is one of analytics.errors' kinds; `main` prints its message as one line on stderr and exits with
the kind's code. No traceback reaches the user. Exit codes:

    0    done
    1    refused: a file, argument or stored data cannot be used (InputError, DataError), sign-in or role
         (AccessError), or another program holds the database (BusyError)
    2    usage: an unknown option or a missing argument (argparse), a quarter written wrongly for `deliver`
    3    configuration: settings, secrets.toml, the identity provider or the SMTP server need changing
         (ConfigError)
    130  interrupted (Ctrl+C)

Anything else is a bug: one line says so and exits 1; MENTORSCOPE_DEBUG=1 prints its traceback too.
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from analytics.errors import AccessError, BusyError, ConfigError, DataError, InputError, MentorscopeError

COMMANDS = ("ingest", "check", "uploads", "sample", "metrics", "backup", "erase", "hash_password", "report",
            "serve_address", "improvements", "recipients", "deliver", "objectives")
# Each kind's exit code; the first kind an error is wins (SmtpError is a ConfigError and, as a DeliveryError,
# an InputError). A busy database exits 1 as `deliver` has always done: cron treats it as a failed send.
EXIT_CODES: tuple[tuple[type[MentorscopeError], int], ...] = (
    (ConfigError, 3), (BusyError, 1), (AccessError, 1), (DataError, 1), (InputError, 1), (MentorscopeError, 1),
)
UNEXPECTED = 1
INTERRUPTED = 130
DEBUG = "MENTORSCOPE_DEBUG"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m analytics",
                                     description="Mentorscope: measure whether mentoring programs work.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"analytics.cli.{name}").register(sub)
    return parser


def exit_code(error: MentorscopeError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def debugging() -> bool:
    return os.environ.get(DEBUG, "").strip().lower() in ("1", "yes", "true")


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)  # exits 2 on usage errors
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return INTERRUPTED
    except MentorscopeError as exc:
        if debugging():
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except Exception as exc:  # a bug: one line, and the traceback only when asked for
        if debugging():
            traceback.print_exc()
        detail = f": {exc}" if str(exc) else ""
        print(f"error: unexpected {type(exc).__name__}{detail}. This is a bug; run again with {DEBUG}=1 to see "
              "where it happened, and report it with that output.", file=sys.stderr)
        return UNEXPECTED
