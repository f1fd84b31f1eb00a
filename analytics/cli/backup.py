"""`python -m analytics backup --out DIR` and `restore BACKUP`: exact copies of the database."""
from __future__ import annotations

from pathlib import Path

from analytics.cli.common import add_db_argument
from analytics.ops import backup
from analytics.store import connection


def register(sub) -> None:
    parser = sub.add_parser("backup", help="copy the database to a folder",
                            description="Write an exact copy of the database into DIR.")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder for the backup")
    add_db_argument(parser)
    parser.set_defaults(run=run_backup)

    parser = sub.add_parser("restore", help="replace the database with a backup",
                            description="Replace the database with BACKUP, once it is checked to be a whole "
                                        "Mentorscope database (anything else is refused, exit 1); the current "
                                        "file is kept in data/backups first, people erased since the backup was "
                                        "made are erased from it again, and the swap is a single rename.")
    parser.add_argument("backup", type=Path, metavar="BACKUP", help="a file written by `backup`")
    add_db_argument(parser, "database file to replace")
    parser.set_defaults(run=run_restore)


def run_backup(args) -> int:
    target = backup.backup(args.db or connection.default_path(), args.out)
    print(f"Backed up to {target}")
    return 0


def run_restore(args) -> int:
    saved, erased_again = backup.restore(args.backup, args.db or connection.default_path())
    print(f"Restored {args.backup}" + (f"; the replaced database was saved as {saved}" if saved else "")
          + (f"; {erased_again} erasure{'s' if erased_again != 1 else ''} applied again" if erased_again else ""))
    return 0
