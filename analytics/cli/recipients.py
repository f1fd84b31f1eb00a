"""`python -m analytics recipients list [--json] | add EMAIL [--name N] [--program P]… [--format F]…
| remove EMAIL`: who receives the quarterly report by `deliver`, for which programs and in which formats."""
from __future__ import annotations

import json
from contextlib import closing

from analytics.cli.common import add_db_argument, database_path, fail, read_only_if_there
from analytics.ops import delivery
from analytics.report import FORMATS
from analytics.store import connection


def register(sub) -> None:
    parser = sub.add_parser("recipients", help="list, add or remove the recipients of scheduled delivery",
                            description="The people `deliver` e-mails the quarterly report to. Adding and removing "
                                        "are recorded in the audit log.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the recipients, their scope and formats, and their last delivery")
    listing.add_argument("--json", action="store_true", help="print JSON instead of one line per recipient")
    add_db_argument(listing)
    listing.set_defaults(run=run_list)
    adding = actions.add_parser("add", help="add a recipient (or replace the one with this address)",
                                description="Add a recipient; an address already on the list is replaced.")
    adding.add_argument("email", help="the recipient's e-mail address")
    adding.add_argument("--name", default=None, help="display name")
    adding.add_argument("--program", action="append", default=[], metavar="PROGRAM",
                        help="a program the recipient may see (repeat for several; none: all programs)")
    adding.add_argument("--format", action="append", default=[], choices=FORMATS, dest="formats",
                        help="report format to attach (repeat for several; default pdf)")
    add_db_argument(adding)
    adding.set_defaults(run=run_add)
    removal = actions.add_parser("remove", help="remove a recipient (their delivery history stays)")
    removal.add_argument("email", help="the recipient's e-mail address")
    add_db_argument(removal)
    removal.set_defaults(run=run_remove)


def run_list(args) -> int:
    with read_only_if_there(args) as con:
        frame = None if con is None else delivery.last_deliveries(con)
    entries = [] if frame is None else json.loads(frame.to_json(orient="records", date_format="iso"))
    if args.json:
        print(json.dumps({"recipients": entries}, indent=2))
        return 0
    if not entries:
        print("No recipients yet: python -m analytics recipients add EMAIL [--program P] adds one.")
    for entry in entries:
        last = f"{entry['quarter']} {entry['status']}" if entry["quarter"] else "nothing sent yet"
        name = f" ({entry['display_name']})" if entry["display_name"] else ""
        print(f"{entry['email']}{name}: {entry['programs']}; {entry['formats']}; {last}")
    return 0


def run_add(args) -> int:
    with closing(connection.connect(args.db)) as con:
        recipient = delivery.add_recipient(con, args.email, args.name, args.program, args.formats or ["pdf"],
                                           actor="command line")
    print(f"Added {recipient.email}: {recipient.scope()}, {', '.join(recipient.formats)}.")
    return 0


def run_remove(args) -> int:
    path = database_path(args)
    if not path.exists():
        return fail(f"{args.email} is not a recipient: the database {path} does not exist yet.")
    with closing(connection.connect(path)) as con:
        delivery.remove_recipient(con, args.email, actor="command line")
    print(f"Removed {args.email}.")
    return 0
