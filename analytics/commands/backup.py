"""`python -m analytics backup --out DIR` and `restore BACKUP`: exact copies of the database."""
from __future__ import annotations

from pathlib import Path

from analytics import backup, db


def register(sub) -> None:
    parser = sub.add_parser("backup", help="copy the database to a folder",
                            description="Write an exact copy of the database into DIR.")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the backup")
    parser.add_argument("--db", type=Path, default=None, help="database file (default: $MENTORSCOPE_DB "
                        "or data/mentorscope.duckdb)")
    parser.set_defaults(run=run_backup)

    parser = sub.add_parser("restore", help="replace the database with a backup",
                            description="Replace the database with BACKUP; the current file is kept in "
                                        "data/backups first.")
    parser.add_argument("backup", type=Path, metavar="BACKUP", help="a file written by `backup`")
    parser.add_argument("--db", type=Path, default=None, help="database file to replace")
    parser.set_defaults(run=run_restore)


def run_backup(args) -> int:
    target = backup.backup(args.db or db.default_path(), args.out)
    print(f"Backed up to {target}")
    return 0


def run_restore(args) -> int:
    saved = backup.restore(args.backup, args.db or db.default_path())
    print(f"Restored {args.backup}" + (f"; the replaced database was saved as {saved}" if saved else ""))
    return 0
