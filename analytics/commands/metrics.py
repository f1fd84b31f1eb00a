"""`python -m analytics metrics --quarter 2026Q2 [filters] [--json]`: every metric for a period."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from analytics import db, settings
from analytics.commands import add_db_argument, fail
from analytics.filters import Filters, Period, check_reportable, validate_filters
from analytics.metrics import metrics_json

EMPTY_MESSAGE = ("no data loaded yet: run python -m analytics ingest FILE… first "
                 "(python -m analytics sample --out DIR writes example exports to try).")
DATA_TABLES = ("pairs", "sessions", "goals", "responses", "employees")


def register(sub) -> None:
    parser = sub.add_parser("metrics", help="print every metric for a quarter",
                            description="Compute every Mentorscope metric for one quarter, optionally filtered.")
    parser.add_argument("--quarter", required=True, help="2026Q2 (calendar) or FY2026Q1 (fiscal)")
    for name in ("program", "cohort", "department", "role"):
        parser.add_argument(f"--{name}", default=None, help=f"only this {name}")
    add_db_argument(parser)
    parser.add_argument("--json", action="store_true", help="print the JSON contract instead of a table")
    parser.set_defaults(run=run)


def run(args) -> int:
    path = Path(args.db) if args.db else db.default_path()
    if not path.exists():
        return fail(EMPTY_MESSAGE)
    con = db.connect(path, read_only=True)
    try:
        if all(db.scalar(con, f"SELECT count(*) FROM {table}") == 0 for table in DATA_TABLES):
            return fail(EMPTY_MESSAGE)
        try:
            fiscal_start = settings.get(con, "fiscal_year_start_month")
            period = Period.parse(args.quarter, fiscal_start)
            check_reportable(con, period, fiscal_start)
            filters = Filters(args.program, args.cohort, args.department, args.role)
            validate_filters(con, filters)
        except ValueError as exc:
            return fail(str(exc))
        if note := period.progress_note():
            print(f"note: {note}", file=sys.stderr)
        result = metrics_json(con, period, filters)
    finally:
        con.close()
    print(json.dumps(result, indent=2) if args.json else format_table(result, filters.sentence(period)))
    return 0


def _show(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "suppressed (n < min group size)" if value else ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines of the readable table."""
    sat, eng, ret, out = result["satisfaction"], result["engagement"], result["retention"], result["outcomes"]
    nps = sat["nps"]
    rows = [("responses", _show(sat["responses"])),
            ("nps", "n < min group size" if nps["suppressed"] and nps["n"] else
             f"{_show(nps['value'])}  [{_show(nps['ci_low'])}, {_show(nps['ci_high'])}]  n={nps['n']}")]
    for d in sat["dimensions"]:
        rows.append((f"{d['dimension']} (1..{d['scale_points']})", f"n={d['n']}  n < min group size"
                     if d["suppressed"] else f"{_show(d['mean'])}  [{_show(d['ci_low'])}, {_show(d['ci_high'])}]"
                     f"  top2box={_show(d['top2box'])}  n={d['n']}"))
    rows += [(key, _show(value)) for key, value in eng.items()]
    rows += [(f"pair survival {s['months']}m", f"{_show(s['survival'])}  [{_show(s['ci_low'])}, "
              f"{_show(s['ci_high'])}]  at risk={s['at_risk']}") for s in ret["pair_survival"]]
    rows.append(("early_exit_rate", _show(ret["early_exit_rate"])))
    for key in ("employee_retention_12m", "promotion_rate_12m"):
        e = ret[key]
        rows.append((key, "no employee file loaded" if e is None else
                     f"participants {_show(e['participants'])} vs {_show(e['non_participants'])}  "
                     f"diff={_show(e['difference'])}  p={_show(e['p_value'])}  "
                     f"n={e['n_participants']}/{e['n_non_participants']} (neither {e['n_neither']})  "
                     f"{_show(e['reading'])}  {_show(e['suppressed'])}".rstrip()))
    rows += _impact_rows(result["impact"])
    for p in out["pre_post"]:
        rows.append((f"pre/post {p['dimension']}", f"n={p['n_pairs']}  n < min group size" if p["suppressed"] else
                     f"{_show(p['mean_baseline'])} → {_show(p['mean_exit'])}  change={_show(p['mean_change'])}"
                     f"  t p={_show(p['t_p_value'])}  d_z={_show(p['cohens_dz'])}  n={p['n_pairs']}"))
    rows.append(("goal_attainment_rate", _show(out["goal_attainment_rate"])))
    return rows


def _impact_rows(impact: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The like-for-like comparison, a line per outcome."""
    if impact is None:
        return [("impact", "needs an employee file with department and level")]
    rows = []
    for key in ("retention_12m", "promotion_rate_12m"):
        i = impact[key]
        rows.append((f"impact {key}", f"{_show(i['participants'])} vs comparable {_show(i['comparison'])}  "
                     f"diff={_show(i['difference'])}  [{_show(i['ci_low'])}, {_show(i['ci_high'])}]  "
                     f"{_show(i['reading'])}  n={i['n_participants']}/{i['n_comparison']} in {i['strata']} strata "
                     f"({i['n_participants_unmatched']} unmatched)  {_show(i['suppressed'])}".rstrip()))
    if impact.get("first_comparison_on"):
        rows.append(("impact", f"no participants on the landmark yet; first comparison as of "
                               f"{impact['first_comparison_on']}"))
    return rows


def format_table(result: dict[str, Any], caption: str) -> str:
    rows = _rows(result)
    width = max(len(label) for label, _ in rows)
    return "\n".join([caption, ""] + [f"{label.ljust(width)}  {value}" for label, value in rows])
