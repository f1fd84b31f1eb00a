"""`python -m analytics erase --participant ID`: remove one person's data everywhere."""
from __future__ import annotations


from analytics import db
from analytics.commands import add_db_argument
from analytics.privacy import erase_participant


def register(sub) -> None:
    parser = sub.add_parser("erase", help="erase one participant's data everywhere",
                            description="Delete a participant's records, survey answers and comments; "
                                        "pairs keep an anonymous token in their place.")
    parser.add_argument("--participant", required=True, metavar="ID", help="participant (employee) id")
    add_db_argument(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    con = db.connect(args.db)
    try:
        changed = erase_participant(con, args.participant, actor="command line")
    finally:
        con.close()
    print("Erased: " + ", ".join(f"{n} {table}" for table, n in changed.items() if n))
    return 0
