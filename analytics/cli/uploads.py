"""`python -m analytics uploads list [--json]` and `uploads remove ID`: the upload history, and taking
one upload's rows out again (a file loaded by mistake, or one whose dates break the figures)."""
from __future__ import annotations

import json
from contextlib import closing

import pandas as pd

from analytics.cli.common import add_db_argument, database_path, fail, read_only_if_there
from analytics.cli.ingest import CLOSED_ON
from analytics.ingest.load import remove_upload
from analytics.ops import health
from analytics.store import connection

LIST_HINT = "python -m analytics uploads list shows the uploads on record"
# An upload that found every row stored wrote none: no later upload took its rows over.
NOTHING_WRITTEN = " (every row was stored already)"


def register(sub) -> None:
    parser = sub.add_parser("uploads", help="list uploads, or remove one",
                            description="The uploads on record, newest first, and the removal of one upload's rows.")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", help="the uploads on record, newest first",
                                 description="Every upload on record, newest first, with the rows it still holds.")
    listing.add_argument("--json", action="store_true", help="print JSON instead of one line per upload")
    add_db_argument(listing)
    listing.set_defaults(run=run_list)
    removal = actions.add_parser("remove", help="delete the rows one upload wrote",
                                 description="Delete the rows upload ID last wrote (rows a later upload changed "
                                             "stay) and its entry in the history; the audit log records it.")
    removal.add_argument("upload_id", metavar="ID", help="the upload's number, as uploads list shows it")
    add_db_argument(removal)
    removal.set_defaults(run=run_remove)


def run_list(args) -> int:
    with read_only_if_there(args) as con:
        entries = [] if con is None else [{**entry, "rows_stored": _stored(con, entry["upload_id"])}
                                          for entry in health.upload_history(con).to_dict("records")]
    if args.json:
        print(json.dumps({"uploads": [_plain(entry) for entry in entries]}, indent=2, default=str))
        return 0
    if not entries:
        print("No uploads yet: python -m analytics ingest FILE… loads exports.")
    for entry in entries:
        print(_line(entry))
    return 0


def run_remove(args) -> int:
    if not str(args.upload_id).isdigit():
        return fail(f"'{args.upload_id}' is not an upload number; {LIST_HINT}.")
    upload_id = int(args.upload_id)
    path = database_path(args)
    if not path.exists():
        return fail(f"there is no upload #{upload_id}: the database {path} does not exist yet.")
    with closing(connection.connect(path)) as con:
        entry = health.upload(con, upload_id)
        if entry is None:
            return fail(f"there is no upload #{upload_id}; {LIST_HINT}.")
        contents = health.upload_contents(con, upload_id)
        remove_upload(con, upload_id, actor="command line")
    print(f"Removed upload #{upload_id} ({entry['file_name']}, {entry['kind']}): "
          + (", ".join(f"{row.rows:,} {row.table}" for row in contents.itertuples())
             or ("it wrote no rows" + NOTHING_WRITTEN if not entry["rows_loaded"] else "it held no rows any more"))
          + ".")
    for row in contents.itertuples():
        print(f"  Changes {row.feeds}.")
    return 0


def _stored(con, upload_id: int) -> dict[str, int]:
    contents = health.upload_contents(con, upload_id)
    return dict(zip(contents["table"], contents["rows"]))


def _plain(entry: dict) -> dict:
    """Dates as ISO text, pandas' missing values as null."""
    out = {}
    for key, value in entry.items():
        if not isinstance(value, dict) and pd.isna(value):
            value = None
        elif hasattr(value, "isoformat"):
            value = (value.isoformat(timespec="seconds") if key == "loaded_at"
                     else value.date().isoformat())
        out[key] = value
    return out


def _line(entry: dict) -> str:
    plain = _plain(entry)
    span = " to ".join(d for d in (plain["first_date"], plain["last_date"]) if d) or "no dates"
    if plain["survey_closed_on"]:
        span += CLOSED_ON.format(plain["survey_closed_on"])
    stored = ", ".join(f"{n:,} {table}" for table, n in entry["rows_stored"].items()) or (
        "no rows" + NOTHING_WRITTEN if not entry["rows_loaded"] else "no rows any more")
    return (f"#{plain['upload_id']} {plain['file_name']}: {plain['kind']} ({plain['format']}), {span}, "
            f"loaded {plain['loaded_at'].replace('T', ' ')[:16]}{' (demo)' if plain['is_demo'] else ''}; "
            f"{plain['rows_loaded']:,} loaded, {plain['rows_rejected']:,} rejected; holds {stored}")
