"""`python -m analytics improvements list|add|edit|delete`: the improvement-actions log.

Every change is written to the audit log with the actor "command line", as the dashboard writes its user's.
"""
from __future__ import annotations

import json

from analytics.cli.common import add_db_argument, database_path, fail, no_database
from analytics.measures import improvements
from analytics.measures.filters import Filters, validate_filters
from analytics.measures.registry import REGISTRY
from analytics.store import connection

ACTOR = "command line"
LISTED = ["action_id", "started_on", "program", "cohort", "metric", "title", "owner", "description"]


def register(sub) -> None:
    parser = sub.add_parser("improvements", help="list, add, edit or delete improvement actions",
                            description="The improvement-actions log: what a program changed, when, for whom, and "
                                        "the metric that should show it.")
    actions = parser.add_subparsers(dest="improvements_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list the logged actions, newest start first")
    listing.add_argument("--program", default=None, help="only this program's actions and those for all programs")
    listing.add_argument("--cohort", default=None, help="only this cohort's actions and those for all cohorts")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_db_argument(listing)
    listing.set_defaults(run=run_list)

    add = actions.add_parser("add", help="log an action")
    add.add_argument("--title", required=True, help="what changed")
    add.add_argument("--metric", required=True, help=f"the metric it should move, e.g. active_pair_rate "
                                                     f"(one of: {', '.join(REGISTRY)})")
    add.add_argument("--started-on", required=True, metavar="YYYY-MM-DD", help="the day it started")
    add.add_argument("--program", default=None, help="the program it concerns (default: all programs)")
    add.add_argument("--cohort", default=None, help="the cohort it concerns (default: all cohorts)")
    add.add_argument("--owner", default=None, help="who is responsible")
    add.add_argument("--description", default=None, help="why, and what exactly")
    add_db_argument(add)
    add.set_defaults(run=run_add)

    edit = actions.add_parser("edit", help="change some fields of an action")
    edit.add_argument("action_id", type=int, metavar="ID", help="the action's id (see `improvements list`)")
    edit.add_argument("--title", help="what changed")
    edit.add_argument("--metric", help="the metric it should move")
    edit.add_argument("--started-on", metavar="YYYY-MM-DD", help="the day it started")
    scope = edit.add_mutually_exclusive_group()
    scope.add_argument("--program", help="the program it concerns")
    scope.add_argument("--all-programs", action="store_true", help="make it concern every program")
    cohort = edit.add_mutually_exclusive_group()
    cohort.add_argument("--cohort", help="the cohort it concerns")
    cohort.add_argument("--all-cohorts", action="store_true", help="make it concern every cohort")
    edit.add_argument("--owner", help="who is responsible ('' clears it)")
    edit.add_argument("--description", help="why, and what exactly ('' clears it)")
    add_db_argument(edit)
    edit.set_defaults(run=run_edit)

    delete = actions.add_parser("delete", help="delete an action")
    delete.add_argument("action_id", type=int, metavar="ID", help="the action's id (see `improvements list`)")
    add_db_argument(delete)
    delete.set_defaults(run=run_delete)


def _known_scope(con, program: str | None, cohort: str | None) -> None:
    """InputError for a program or cohort no data names: an action for it would never be measured."""
    validate_filters(con, Filters(program=program, cohort=cohort))


def run_list(args) -> int:
    path = database_path(args)
    if not path.exists():
        return no_database(path)
    con = connection.connect(path, read_only=True)
    try:
        actions = improvements.list_actions(con, args.program, args.cohort)[LISTED]
    finally:
        con.close()
    records = [{key: (value.date().isoformat() if key == "started_on" else value) for key, value in row.items()}
               for row in actions.to_dict("records")]
    if args.json:
        print(json.dumps(records, indent=2))
    elif not records:
        print("No improvement actions logged.")
    else:
        for row in records:
            print(f"{row['action_id']:>4}  {row['started_on']}  {improvements.scope_text(row['program'], row['cohort'])}"
                  f"  {row['metric']}  {row['title']}" + (f"  (owner: {row['owner']})" if row["owner"] else ""))
    return 0


def run_add(args) -> int:
    if not database_path(args).exists():
        return no_database(database_path(args))
    con = connection.connect(database_path(args))
    try:
        _known_scope(con, args.program, args.cohort)
        action_id = improvements.add_action(con, title=args.title, metric=args.metric, started_on=args.started_on,
                                            program=args.program, cohort=args.cohort, owner=args.owner,
                                            description=args.description, actor=ACTOR)
    finally:
        con.close()
    print(f"Logged action {action_id}: {args.title.strip()}")
    return 0


def run_edit(args) -> int:
    changes = {name: getattr(args, name) for name in ("title", "metric", "started_on", "program", "cohort",
                                                       "owner", "description") if getattr(args, name) is not None}
    changes.update({"program": None} if args.all_programs else {})
    changes.update({"cohort": None} if args.all_cohorts else {})
    if not changes:
        return fail("nothing to change: pass at least one of --title, --metric, --started-on, --program, "
                    "--all-programs, --cohort, --all-cohorts, --owner, --description.")
    if not database_path(args).exists():
        return no_database(database_path(args))
    con = connection.connect(database_path(args))
    try:
        _known_scope(con, changes.get("program"), changes.get("cohort"))
        improvements.edit_action(con, args.action_id, actor=ACTOR, **changes)
    finally:
        con.close()
    print(f"Edited action {args.action_id}: {', '.join(changes)}")
    return 0


def run_delete(args) -> int:
    if not database_path(args).exists():
        return no_database(database_path(args))
    con = connection.connect(database_path(args))
    try:
        title = improvements.get_action(con, args.action_id)["title"]
        improvements.delete_action(con, args.action_id, actor=ACTOR)
    finally:
        con.close()
    print(f"Deleted action {args.action_id}: {title}")
    return 0
