"""`python -m analytics hash-password`: a salted hash for a user in secrets.toml."""
from __future__ import annotations

import getpass
import sys

from analytics.ops.auth import hash_password


def register(sub) -> None:
    parser = sub.add_parser("hash-password", help="hash a password for .streamlit/secrets.toml",
                            description="Read a password (prompted, or one line on standard input) and "
                                        "print its argon2 hash for the password_hash of a user.")
    parser.set_defaults(run=run)


def run(args) -> int:
    password = getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    print(hash_password(password))
    return 0
