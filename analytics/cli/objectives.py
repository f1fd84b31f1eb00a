"""`python -m analytics objectives list [--quarter Q] [--json]`: the objectives, with a quarter's statuses.

Objectives are set in the dashboard (Settings, leads and admins), where each change is audited."""
from __future__ import annotations

import json

from analytics.cli.common import add_db_argument, database_path, no_database
from analytics.measures import objectives
from analytics.measures.declaration import clean
from analytics.measures.filters import Filters, Period, check_reportable
from analytics.measures.registry import TARGETABLE
from analytics.present import formatting
from analytics.store import connection, settings


def register(sub) -> None:
    parser = sub.add_parser("objectives", help="list the objectives and a quarter's statuses",
                            description="The objectives set in Settings: a target for a figure of one program or "
                                        "all; with --quarter, each one's figure and status in that quarter.")
    actions = parser.add_subparsers(dest="objectives_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="list the objectives, oldest first")
    listing.add_argument("--quarter", default=None,
                         help="2026Q2 or FY2026Q1: add each objective's figure and status in that quarter")
    listing.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_db_argument(listing)
    listing.set_defaults(run=run_list)


def run_list(args) -> int:
    path = database_path(args)
    if not path.exists():
        return no_database(path)
    con = connection.connect(path, read_only=True)
    try:
        if args.quarter is None:
            listed = objectives.list_objectives(con)
            rows = [{"id": row["objective_id"], "objective": objectives.describe(row),
                     **{k: clean(row[k]) for k in objectives.EDITABLE}} for row in listed.to_dict("records")]
        else:
            fiscal_start = settings.get(con, "fiscal_year_start_month")
            period = Period.parse(args.quarter, fiscal_start)
            check_reportable(con, period, fiscal_start)
            rows = objectives.records(con, period, Filters())
    finally:
        con.close()
    if args.json:
        print(json.dumps(rows, indent=2, allow_nan=False))
    elif not rows:
        print("No objectives set: a lead or admin sets them in the dashboard, under Settings.")
    else:
        for row in rows:
            status = ""
            if "status" in row:
                unit = TARGETABLE[row["metric"]].unit
                interval = "" if row["ci_low"] is None else \
                    f", 95% CI {formatting.show(row['ci_low'], unit)} to {formatting.show(row['ci_high'], unit)}"
                figure = row["reason"] or f"{formatting.show(row['value'], unit)}{interval}, n = {row['n']:,}"
                status = f"  {objectives.STATUS_TEXT[row['status']]}: {figure}"
            print(f"{row['id']:>4}  {row['objective']}{status}")
    return 0
