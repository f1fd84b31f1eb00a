"""`python -m analytics erase --participant ID`: remove one person's data everywhere."""
from __future__ import annotations

from analytics.cli.common import add_db_argument
from analytics.ops import backup
from analytics.ops.privacy import erase_participant, ledger_path
from analytics.store import connection


def register(sub) -> None:
    parser = sub.add_parser("erase", help="erase one participant's data everywhere",
                            description="Delete a participant's records, survey answers and comments, and "
                                        "rejected rows naming them; erase mentions of them in free text; pairs "
                                        "keep an anonymous token in their place. The database file is then "
                                        "rewritten so no byte of them is left, and the erasure is recorded "
                                        "(hashed) for `restore` to apply again to older backups.")
    parser.add_argument("--participant", required=True, metavar="ID", help="participant (employee) id")
    add_db_argument(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    path = args.db or connection.default_path()
    con = connection.connect(path)
    try:
        changed = erase_participant(con, args.participant, actor="command line")
    finally:
        con.close()
    backup.rewrite(path)  # the deleted rows' bytes go with the old file
    print("Erased: " + ", ".join(f"{n} {table}" for table, n in changed.items() if n)
          + "; the database file was rewritten without them. Backups made before keep them until restored: "
            f"`restore` erases them again (the ledger is {ledger_path(path).name}).")
    return 0
