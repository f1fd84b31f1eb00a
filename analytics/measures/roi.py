"""Return on investment (Phillips level 5) from the measured retention effect (docs/metrics.md, Return on
investment), not from an assumed one.

    departures avoided = adjusted retention difference × participants in the window × attribution
    benefit            = departures avoided × cost of one departure
    ROI %              = 100 × (benefit − cost) / cost;   benefit–cost ratio = benefit / cost

Every step multiplies the difference by positive factors (or adds a constant), so each figure is increasing
in it and the ends of the difference's 95% CI map to the ends of each figure's interval.
"""
from __future__ import annotations

import math
from typing import Any

import duckdb
import pandas as pd

from analytics.measures import impact, impact_stats, satisfaction
from analytics.measures.filters import Filters, Period, known_values
from analytics.store import settings

FIGURES = ("retention_difference", "departures_avoided", "benefit", "roi_percent", "benefit_cost_ratio")
ENDS = ("value", "ci_low", "ci_high")
# Why no ROI is given, in the order they are checked (analytics/present/roi_reading.py says each in words).
REASONS = ("filtered", "impact_unavailable", "no_participants", "cost_not_set", "departure_cost_not_set",
           "suppressed", "inconclusive", "no_meaningful_difference")
# Reasons under which the interval is still given: the effect was measured, it cannot be told from none.
INTERVAL_ONLY = ("inconclusive", "no_meaningful_difference")
DOCS = [
    "## Return on investment", "",
    "The `roi` block of `python -m analytics metrics --json`, the Impact page and the report give the return on",
    "the program's cost (Phillips level 5) from the measured retention effect, not an assumed one:", "",
    "- **Departures avoided** = the impact block's adjusted 12-month retention difference × participants in the",
    "  window (matched and unmatched, `participants`) × `roi_attribution` (1 by default: the comparison group",
    "  already removes what would have happened anyway).",
    "- **Benefit** = departures avoided × the cost of one departure: `departure_cost`, or when it is 0,",
    "  `average_salary` × `departure_cost_salary_share`.",
    "- **ROI %** = 100 × (benefit − cost) / cost, and the **benefit–cost ratio** = benefit / cost, the cost being",
    "  `program_cost_annual` (all programs), or under a program filter that program's entry in `program_costs`;",
    "  without a total, the per-program costs are summed when every program has one. Amounts are in `currency`.",
    "- Each figure has a 95% interval: the difference's CI carried through the same arithmetic (every step",
    "  increases with the difference, so its ends map to the figure's ends).",
    "- **Intangible benefits** (`intangible_benefits`): the survey dimensions whose mean rose significantly",
    "  (Mann–Whitney p < 0.05) on the previous quarter, listed beside the ROI, not turned into money.",
    "- The figures are null, with `reason`, when a cohort, department or role filter is on (`filtered`: a",
    "  program's cost covers all its participants), the impact comparison cannot be made (`impact_unavailable`,",
    "  `no_participants`), a cost is not set (`cost_not_set`, `departure_cost_not_set`), the difference is",
    "  hidden (`suppressed`), or its CI includes 0 (`inconclusive`, `no_meaningful_difference`): then the",
    "  intervals are still given, and the ROI cannot be told from that of no effect.", "",
]


def program_cost(values: dict[str, Any], filters: Filters, programs: list[str]) -> float | None:
    """The annual cost behind the filtered participants, None when it is not set: the program's own cost
    under a program filter; else the total, or the sum of the per-program costs when all `programs` have one."""
    costs = values["program_costs"]
    if filters.program:
        return costs.get(filters.program) or None
    if values["program_cost_annual"] > 0:
        return float(values["program_cost_annual"])
    if programs and all(costs.get(program) for program in programs):
        return float(sum(costs[program] for program in programs))
    return None


def departure_cost(values: dict[str, Any]) -> float | None:
    """The cost of one departure: the amount when set, else a share of the average salary, else None."""
    if values["departure_cost"] > 0:
        return float(values["departure_cost"])
    if values["average_salary"] > 0:
        return float(values["average_salary"] * values["departure_cost_salary_share"])
    return None


def figures(difference: float, participants: int, attribution: float, per_departure: float, cost: float
            ) -> dict[str, float]:
    """Each figure of FIGURES for one retention difference (a share, −1..1)."""
    avoided = difference * participants * attribution
    benefit = avoided * per_departure
    return {"retention_difference": difference, "departures_avoided": avoided, "benefit": benefit,
            "roi_percent": 100 * (benefit - cost) / cost, "benefit_cost_ratio": benefit / cost}


def intangible_benefits(change: pd.DataFrame) -> list[dict[str, Any]]:
    """The survey dimensions (NPS aside) whose mean rose significantly on the previous quarter."""
    rows = change[(change["dimension"] != "nps") & change["significant"].fillna(False).astype(bool)
                  & (change["change"] > 0)]
    return [{"dimension": row["dimension"], "previous": float(row["previous"]), "value": float(row["value"]),
             "change": float(row["change"]), "p_value": float(row["p_value"]), "n": int(row["n"])}
            for row in rows.to_dict("records")]


def _reason(filters: Filters, block: dict[str, Any] | None, cost: float | None, per_departure: float | None
            ) -> str | None:
    if filters.cohort or filters.department or filters.role:
        return "filtered"
    if block is None:
        return "impact_unavailable"
    if not block["n_participants"]:
        return "no_participants"
    if cost is None:
        return "cost_not_set"
    if per_departure is None:
        return "departure_cost_not_set"
    found = block["retention_12m"]
    if found["suppressed"] or found["difference"] is None:
        return "suppressed"
    return None if found["reading"] == impact_stats.DIFFERENCE else found["reading"]


def from_impact(con: duckdb.DuckDBPyConnection, filters: Filters, block: dict[str, Any] | None,
                change: pd.DataFrame) -> dict[str, Any]:
    """The `roi` block from the impact block (None when unavailable) and `satisfaction.change`'s frame."""
    values = settings.all_settings(con)
    cost = program_cost(values, filters, known_values(con, "program"))
    per_departure = departure_cost(values)
    reason = _reason(filters, block, cost, per_departure)
    found = block["retention_12m"] if block else {}
    participants = block["n_participants"] if block else None
    out: dict[str, Any] = {
        "reason": reason, "currency": values["currency"], "attribution": values["roi_attribution"],
        "cost": cost, "departure_cost": per_departure, "participants": participants,
        "participants_matched": found.get("n_participants"),
        "participants_unmatched": found.get("n_participants_unmatched"),
        **{name: dict.fromkeys(ENDS) for name in FIGURES},
        "intangible_benefits": intangible_benefits(change)}
    if reason is not None and reason not in INTERVAL_ONLY:
        return out
    for end in ENDS:
        difference = found[{"value": "difference"}.get(end, end)]
        if difference is None or (isinstance(difference, float) and math.isnan(difference)):
            continue
        for name, number in figures(difference, participants, values["roi_attribution"], per_departure,
                                    cost).items():
            out[name][end] = None if reason and end == "value" else float(number)
    return out


def block(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any]:
    """The `roi` block of the metrics JSON for a period and filters."""
    return from_impact(con, filters, impact.block(con, period, filters), satisfaction.change(con, period, filters))
