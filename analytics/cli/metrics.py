"""`python -m analytics metrics --quarter 2026Q2 [filters] [--json]`: every metric for a period."""
from __future__ import annotations

import json
import sys
from typing import Any

from analytics.cli.common import add_db_argument, database_path, fail
from analytics.measures.filters import Filters, Period, check_reportable, validate_filters
from analytics.measures.metrics import metrics_json
from analytics.measures.registry import REGISTRY
from analytics.present import formatting
from analytics.store import connection, queries, settings

EMPTY_MESSAGE = ("no data loaded yet: run python -m analytics ingest FILE… first "
                 "(python -m analytics sample --out DIR writes example exports to try).")
DATA_TABLES = ("pairs", "sessions", "goals", "responses", "employees")
HIDDEN = "n < min group size"


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
    path = database_path(args)
    if not path.exists():
        return fail(EMPTY_MESSAGE)
    con = connection.connect(path, read_only=True)
    try:
        if all(queries.scalar(con, f"SELECT count(*) FROM {table}") == 0 for table in DATA_TABLES):
            return fail(EMPTY_MESSAGE)
        fiscal_start = settings.get(con, "fiscal_year_start_month")
        period = Period.parse(args.quarter, fiscal_start)
        check_reportable(con, period, fiscal_start)
        filters = Filters(args.program, args.cohort, args.department, args.role)
        validate_filters(con, filters)
        if note := period.progress_note():
            print(f"note: {note}", file=sys.stderr)
        result = metrics_json(con, period, filters)
    finally:
        con.close()
    print(json.dumps(result, indent=2) if args.json else format_table(result, filters.sentence(period)))
    return 0


def _interval(figure: dict, key: str, unit: str) -> str:
    """'92.6%  [88.0%, 95.4%]': a figure and its 95% CI, each as formatting reads its unit."""
    return (f"{formatting.show(figure[key], unit)}  [{formatting.show(figure['ci_low'], unit)}, "
            f"{formatting.show(figure['ci_high'], unit)}]")


def _rows(result: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, value) lines of the readable table, each figure as the dashboard and the report read it."""
    show, change = formatting.show, formatting.change
    sat, eng, ret, out = result["satisfaction"], result["engagement"], result["retention"], result["outcomes"]
    nps = sat["nps"]
    rows = [("responses", show(sat["responses"], "count")),
            ("nps", HIDDEN if nps["suppressed"] and nps["n"] else f"{_interval(nps, 'value', 'nps')}  n={nps['n']}")]
    for d in sat["dimensions"]:
        rows.append((f"{d['dimension']} (1..{d['scale_points']})", f"n={d['n']}  {HIDDEN}" if d["suppressed"] else
                     f"{_interval(d, 'mean', 'score')}  top2box={show(d['top2box'], 'rate')}  n={d['n']}"))
    rows += [(key, show(value, REGISTRY[key].unit if key in REGISTRY else "count")) for key, value in eng.items()]
    rows += [(f"pair survival {s['months']}m", f"{_interval(s, 'survival', 'rate')}  still followed={s['at_risk']}")
             for s in ret["pair_survival"]]
    rows.append(("early_exit_rate", show(ret["early_exit_rate"], "rate")))
    for key in ("employee_retention_12m", "promotion_rate_12m"):
        e = ret[key]
        rows.append((key, "no employee file loaded" if e is None else
                     f"participants {show(e['participants'], 'rate')} vs {show(e['non_participants'], 'rate')}  "
                     f"diff={change(e['difference'], 'rate')}  "
                     f"{_p(e['p_value'])}  "
                     f"n={e['n_participants']}/{e['n_non_participants']} (neither {e['n_neither']})  "
                     f"{_reading(e['reading'])}  {HIDDEN if e['suppressed'] else ''}".rstrip()))
    rows += _impact_rows(result["impact"])
    for p in out["pre_post"]:
        rows.append((f"pre/post {p['dimension']}", f"n={p['n_pairs']}  {HIDDEN}" if p["suppressed"] else
                     f"{show(p['mean_baseline'], 'score')} → {show(p['mean_exit'], 'score')}  "
                     f"change={show(p['mean_change'], 'difference')}  t-test {_p(p['t_p_value'])}  "
                     f"effect size={show(p['cohens_dz'], 'effect')}  n={p['n_pairs']}"))
    rows.append(("goal_attainment_rate", show(out["goal_attainment_rate"], "rate")))
    return rows


def _impact_rows(impact: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The like-for-like comparison, a line per outcome."""
    if impact is None:
        return [("impact", "needs an employee file with department and level")]
    rows = []
    for key in ("retention_12m", "promotion_rate_12m"):
        i = impact[key]
        rows.append((f"impact {key}",
                     f"{formatting.show(i['participants'], 'rate')} vs comparable "
                     f"{formatting.show(i['comparison'], 'rate')}  "
                     f"diff={formatting.change(i['difference'], 'rate')}  "
                     f"[{formatting.change(i['ci_low'], 'rate')}, {formatting.change(i['ci_high'], 'rate')}]  "
                     f"{_reading(i['reading'])}  n={i['n_participants']}/{i['n_comparison']} in {i['strata']} strata "
                     f"({i['n_participants_unmatched']} unmatched)  {HIDDEN if i['suppressed'] else ''}".rstrip()))
    if impact.get("first_comparison_on"):
        rows.append(("impact", f"no participants on the landmark yet; first comparison as of "
                               f"{impact['first_comparison_on']}"))
    return rows


def _reading(reading: str | None) -> str:
    """'no meaningful difference': the reading's code in words (blank when suppressed)."""
    return reading.replace("_", " ") if reading else ""


def _p(p: float | None) -> str:
    return formatting.MISSING if formatting.missing(p) else formatting.p_text(p)


def format_table(result: dict[str, Any], caption: str) -> str:
    rows = _rows(result)
    width = max(len(label) for label, _ in rows)
    return "\n".join([caption, ""] + [f"{label.ljust(width)}  {value}" for label, value in rows])
