"""docs/metrics.md, generated from the metric registry: each metric's definition, how figures read,
how an improvement's effect and an objective's status are decided. tests/test_metrics_docs.py keeps the
file equal to `docs_markdown()`."""
from __future__ import annotations

from analytics.measures import impact, roi
from analytics.measures.registry import IMPACT_METRICS, REGISTRY, SECTIONS
from analytics.present import formatting


def _reading_rules() -> list[str]:
    """How figures read on the pages, in the report and on the command line (analytics/present/formatting.py)."""
    return ["## How figures read", "",
            "Every page, table, chart, report and the `metrics` command's table write a figure one way, by its unit",
            "(`analytics/present/formatting.py`); `metrics --json` keeps them unrounded, rates as shares from 0 to 1.", "",
            "| unit | reads | a change of it |", "|---|---|---|",
            "| count | 1,234 | +12 |", "| rate | 92.6% (one decimal) | +3.2 pts (percentage points) |",
            "| score (mean on the survey scale) | 3.87 | +0.12 |", "| difference (a change in mean score) | +0.12 | |",
            "| nps | +12 (whole points, −100 to +100) | +5 |", "| per month, hours, days | 1.4 | +0.3 |",
            "| effect size (Cohen's d, paired) | 0.45 | |", "| p-value | < 0.001, else three decimals: 0.034 | |", "",
            "A change that rounds to nothing reads ±0; no data reads –. Quarters read `Q3 2026` (`Q1 FY2026` for",
            "a fiscal quarter) wherever they are shown; the command line takes them as `2026Q3`. The labels printed",
            "on bars and heat-map cells round rates to whole percent to fit; their hover gives the decimal.", "",
            f"**Small n.** A tile, a bar, a table row or a report headline over 1 to {formatting.SMALL_N - 1} "
            f"people, pairs or goals is marked {formatting.SMALL_N_MARK}",
            "(\"small n\"): one more answer can move it a long way. It is shown, not hidden: hiding is for groups",
            "below the minimum group size, which protects anonymity; the mark is about how far to trust the figure.",
            "",
            "**Still followed vs at risk.** The survival table's \"pairs still followed\" at a month are the pairs",
            "matched that long ago that had neither ended nor reached the quarter's end (the Kaplan–Meier number",
            "at risk); the Engagement page's \"at-risk pairs\" are open pairs without a recent meeting.", ""]


def docs_markdown() -> str:
    """The body of docs/metrics.md, generated from the registry."""
    lines = ["# Metrics", "",
             "Every figure Mentorscope shows, as defined in its metric registry (`analytics/measures/registry.py`).",
             "Periods are calendar quarters (`2026Q2`) or fiscal quarters (`FY2026Q1`, the fiscal year named by",
             "the calendar year in which it ends). Figures computed from survey answers or the employee file are",
             "suppressed (shown as \"n < K\", null in JSON) when their group has fewer than K people, K being",
             "the `min_group_size` setting (5 by default); counts stay visible. Survey figures are decided over",
             "every filter combination, split and month at once, so that no difference of shown figures gives a",
             "smaller group's away: a group hidden for that reason reads \"hidden with a smaller group\", and a",
             "quarter is shown when each of its months is (see [privacy.md](privacy.md)). Other figures hide, in a",
             "split, the next smallest group beside one hidden alone. A definition naming a setting (such as",
             "`at_risk_days`) reads here with the setting's default; the pages and the report show the value set.",
             "Each metric says which way is better (higher or lower), and objectives start from that direction.", "",
             *_reading_rules()]
    for section in SECTIONS:
        lines += [f"## {section.capitalize()}", ""]
        for metric in REGISTRY.values():
            if metric.section == section:
                lines += [f"### `{metric.name}`: {metric.label}", "",
                          metric.described(), "",
                          f"Unit: {metric.unit}. Grain: {metric.grain}. Better: {metric.direction}. "
                          f"JSON: `{metric.json_path}`.", ""]
        if section == "retention":
            lines += impact.DOCS + roi.DOCS
    return "\n".join(lines + IMPROVEMENT_EFFECTS + OBJECTIVES)


# How the effect of an improvement action is measured (analytics/measures/effects.py), for docs/metrics.md.
IMPROVEMENT_EFFECTS = [
    "## Improvement actions", "",
    "An improvement action names the metric it should move, the day it started and whom it concerns: one program,",
    "one cohort, or everyone. Its effect is measured in that group (within the filters) over the two quarters",
    "before the action's quarter against the two after it; each side is the mean of its quarters' figures, and",
    "its n the quarters' n summed. Nothing is compared until both later quarters have ended.", "",
    "**Interval.** Where the metric's figure is a mean or a share, each quarter's figure has a variance: s²/n for",
    "a mean of scores (the unpooled variance of the t-interval's mean) and for sessions per active pair per",
    "month (a mean over active pairs), p(1 − p)/n for a share (Wald, unpooled), and 100² [(p + d) − (p − d)²]/n",
    "for an NPS. A side's variance is (v₁ + v₂)/4, the change after − before has variance v_after + v_before",
    "(Welch's standard error when each side is one quarter), and its 95% interval is the change ± 1.96",
    "standard errors. Counts, medians, cadence, survival and baseline-to-exit changes are compared without an",
    "interval.", "",
    "**Difference in differences.** An action of one program (cohort) is also compared with the programs",
    "(cohorts) it left out, read off as the total of the filters less the action's own group (sums and sums of",
    "squares subtract). DiD = (after − before in the action's group) − (after − before in the others), with",
    "standard error √(sum of the four sides' variances) and the same ± 1.96 interval. A comparison quarter of",
    "fewer than K people is left out, as any group that small; an action for everyone, or one whose others have",
    "too little data, is labelled \"before/after only\".", "",
]


# How an objective's quarterly status is decided (analytics/measures/objectives.py, `status`), for docs/metrics.md.
OBJECTIVES = [
    "## Objectives", "",
    "A program lead (role lead or admin) sets objectives under Settings: a figure, one program or all programs,",
    "a target in the figure's unit (shares and their differences in percent), a direction (*at least* or *at",
    "most*) and an optional amber band, a distance from the target. The figure is any metric above or one of the",
    "impact block's adjusted differences:", "",
    *[f"- `{metric.name}`: {metric.label}. {metric.described()}" for metric in IMPACT_METRICS.values()], "",
    "Each objective is measured on its own program (or all programs) within the other filters (cohort,",
    "department, role), for one quarter at a time, and gets a status:", "",
    "- **on track**: the estimate meets the target (at least: estimate ≥ target; at most: estimate ≤ target).",
    "- **off track**: the target is missed and the figure's 95% CI lies wholly on the wrong side of the target",
    "  moved by the amber band (at least: upper end < target − band; at most: lower end > target + band). A",
    "  figure without a CI (counts, shares without one, medians) is judged by its estimate alone.",
    "- **at risk**: the target is missed, but not as far as that: the CI reaches the target (or the band), or,",
    "  without a CI, the estimate lies within the amber band. Without a band and a CI, a miss is off track.",
    "- **not measurable**: no figure for the quarter, with the reason: no data, hidden (its group is under",
    "  `min_group_size`), or the file the figure needs is missing.", "",
    "The figures with a 95% CI are the NPS, the mean scores, pair survival and the adjusted differences; a",
    "CI only counts with both ends. Under a program filter, the objectives of other programs are left out.",
    "`python -m analytics metrics --json` lists them under `objectives` (id, objective in words, metric,",
    "program, target, direction, amber_band, value, ci_low, ci_high, n, status, reason), as does",
    "`python -m analytics objectives list --quarter 2026Q2 --json`.", "",
]
