"""The `roi` block (analytics/measures/roi.py) in words and as a table, the same for the Impact page, the
report and the slides."""
from __future__ import annotations

from typing import Any

import pandas as pd

from analytics.present import charts, formatting

TITLE = "Return on investment"
# Each figure's label and how it reads: money in the currency, a count of people, a percent or a ratio.
FIGURES = {"benefit": ("Benefit (departures avoided × their cost)", "money"),
           "departures_avoided": ("Departures avoided", "people"),
           "roi_percent": ("ROI (benefit − cost) / cost", "percent"),
           "benefit_cost_ratio": ("Benefit–cost ratio", "ratio")}
SETTINGS_HINT = "Settings, under Return on investment"
MESSAGES = {
    "filtered": "The return on investment is given for a whole program or all programs: a program's cost covers "
                "all its participants, so it cannot be told for one cohort, department or role. Clear those filters.",
    "impact_unavailable": "No return on investment: it needs the adjusted retention comparison, which needs the "
                          "employee file with department and level.",
    "no_participants": "No return on investment yet: no participant is on the comparison's starting date.",
    "cost_not_set": f"No return on investment: set the program cost in {SETTINGS_HINT} (the total of all "
                    "programs, or each program's annual cost).",
    "departure_cost_not_set": f"No return on investment: set the cost of one departure (an amount, or the "
                              f"average salary and a share of it) in {SETTINGS_HINT}.",
    "suppressed": "No return on investment: the retention comparison's groups are below the minimum group size, "
                  "so its difference is hidden.",
}


def money(amount: float | None, currency: str) -> str:
    """'EUR 12,400', '−EUR 3,000'; '–' for none."""
    if formatting.missing(amount):
        return formatting.MISSING
    return f"{'−' if amount < 0 else ''}{currency} {abs(amount):,.0f}"


def show(value: float | None, how: str, currency: str) -> str:
    """One figure as it reads: money, people (one decimal), percent (whole) or a ratio (two decimals)."""
    if formatting.missing(value):
        return formatting.MISSING
    if how == "money":
        return money(value, currency)
    text = {"people": f"{value:,.1f}", "percent": f"{value:,.0f}%", "ratio": f"{value:,.2f}"}[how]
    return text.replace("-", "−")


def _interval(roi: dict[str, Any], name: str, how: str) -> str:
    figure = roi[name]
    return f"95% CI {show(figure['ci_low'], how, roi['currency'])} to {show(figure['ci_high'], how, roi['currency'])}"


def _basis(roi: dict[str, Any]) -> str:
    """What the figures rest on: the cost, the cost of a departure, the participants and the attribution."""
    attribution = "" if roi["attribution"] == 1 else f", {roi['attribution'] * 100:g}% of it credited to mentoring"
    return (f"Program cost {money(roi['cost'], roi['currency'])} a year; one departure costs "
            f"{money(roi['departure_cost'], roi['currency'])}; n = {roi['participants']:,} participants "
            f"({roi['participants_matched']:,} compared with colleagues like them, "
            f"{roi['participants_unmatched']:,} without such a colleague){attribution}.")


def verdict(roi: dict[str, Any]) -> str:
    """The ROI in a sentence with its interval, or why there is none (with the interval when it was measured)."""
    reason, currency = roi["reason"], roi["currency"]
    if reason in MESSAGES:
        return MESSAGES[reason]
    if reason is not None:  # measured, but the retention difference's CI includes 0
        return (f"The return cannot be told from that of no effect: the retention difference's 95% CI includes "
                f"zero, so the ROI lies anywhere from {show(roi['roi_percent']['ci_low'], 'percent', currency)} to "
                f"{show(roi['roi_percent']['ci_high'], 'percent', currency)}. {_basis(roi)}")
    return (f"ROI {show(roi['roi_percent']['value'], 'percent', currency)} "
            f"({_interval(roi, 'roi_percent', 'percent')}): a benefit of {money(roi['benefit']['value'], currency)} "
            f"({_interval(roi, 'benefit', 'money')}) from "
            f"{show(roi['departures_avoided']['value'], 'people', currency)} departures avoided, {currency} "
            f"{show(roi['benefit_cost_ratio']['value'], 'ratio', currency)} back for each {currency} 1 spent. "
            f"{_basis(roi)}")


def intangibles(roi: dict[str, Any]) -> str:
    """The survey dimensions that improved significantly, named beside the ROI and not turned into money."""
    found = roi["intangible_benefits"]
    if not found:
        return "Intangible benefits: no survey dimension rose significantly on the previous quarter."
    named = "; ".join(f"{charts.label(item['dimension']).lower()} {formatting.change(item['change'], 'score')} "
                      f"({formatting.p_text(item['p_value'])}, n = {item['n']:,})" for item in found)
    return f"Intangible benefits, not counted in money (survey means up on the previous quarter): {named}."


def table(roi: dict[str, Any]) -> pd.DataFrame:
    """→ [figure, value, ci_low, ci_high] as text, one row per figure; the value reads '–' when none is given."""
    return pd.DataFrame([{"figure": label, **{end: show(roi[name][end], how, roi["currency"])
                                              for end in ("value", "ci_low", "ci_high")}}
                         for name, (label, how) in FIGURES.items()], columns=["figure", "value", "ci_low", "ci_high"])
