"""`python -m analytics deliver [--quarter Q] [--dry-run] [--json]`: e-mail the quarterly report to every
recipient who does not have it yet. Exit 0 when everyone has it, 1 when any send failed (each named with
its reason; the next run retries them and sends nobody twice) or the database or [smtp] settings cannot be
used (a running dashboard holds the database: it delivers on its own schedule instead), 2 on usage errors (a
quarter written wrongly among them)."""
from __future__ import annotations

import json
import sys
from contextlib import closing
from datetime import date

from analytics.cli.common import add_db_argument, database_path, fail, no_database
from analytics.errors import InputError
from analytics.measures.filters import Period, last_complete_quarter
from analytics.ops import delivery
from analytics.store import connection, settings
from analytics.store.errors import DatabaseBusy

# A dashboard holding the database delivers the reports itself, when its schedule is on: cron is for installs
# without one.
DASHBOARD_DELIVERS = ("If it is the dashboard, let it deliver instead: it e-mails the reports itself on its "
                      "schedule, which an admin turns on under Settings, Report delivery (days after a quarter ends, "
                      "and the hour); this cron job is then not needed (README, Delivery).")


def register(sub) -> None:
    parser = sub.add_parser("deliver", help="e-mail the quarterly report to its recipients (cron, when no dashboard "
                                            "runs)",
                            description="Send each recipient (see `recipients`) the quarterly report for their "
                                        "programs by SMTP, configured in the [smtp] section of "
                                        ".streamlit/secrets.toml ($MENTORSCOPE_SECRETS names another file). A "
                                        "rerun sends nobody twice and retries failed sends.")
    parser.add_argument("--quarter", default=None,
                        help="2026Q2 or FY2026Q1 (default: the last complete quarter, in the fiscal year setting)")
    parser.add_argument("--dry-run", action="store_true", help="say who would receive what; send nothing")
    parser.add_argument("--json", action="store_true", help="print the outcome per recipient as JSON")
    add_db_argument(parser)
    parser.set_defaults(run=run)


def run(args) -> int:
    path = database_path(args)
    if not path.exists():
        return no_database(path)
    try:
        con = connection.connect(path)
    except DatabaseBusy as exc:
        raise DatabaseBusy(f"{exc} {DASHBOARD_DELIVERS}") from None
    with closing(con):
        fiscal_start = settings.get(con, "fiscal_year_start_month")
        try:
            period = (Period.parse(args.quarter, fiscal_start) if args.quarter
                      else last_complete_quarter(date.today(), fiscal_start))
        except InputError as exc:  # a quarter written wrongly is a usage error
            fail(str(exc))
            return 2
        outcomes = delivery.deliver(con, period, dry_run=args.dry_run, actor="command line")
    failed = [o for o in outcomes if o.status == "failed"]
    if args.json:
        print(json.dumps({"quarter": period.label, "dry_run": args.dry_run,
                          "deliveries": [{"email": o.email, "status": o.status, "reason": o.reason or None,
                                          "attachments": list(o.attachments)} for o in outcomes]}, indent=2))
    else:
        if not outcomes:
            print("No recipients: python -m analytics recipients add EMAIL adds one.")
        for outcome in outcomes:
            if outcome.status != "failed":
                print(outcome.line())
    for outcome in failed:
        print(f"error: {outcome.line()}", file=sys.stderr)
    return 1 if failed else 0
