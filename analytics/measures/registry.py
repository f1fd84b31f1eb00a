"""The metric registry: every figure declared once (`declaration.Metric`: code, label, definition, unit,
direction, grain, section, the function computing its overall value for a period and filters, and its place
in the metrics JSON). Pages, charts, the report, the command line, the improvement log, objectives and the
docs (docs/metrics.md, see `analytics.present.metric_docs`) all read from here.
"""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics.measures import engagement, impact, outcomes, retention, satisfaction
from analytics.measures import nps as net_promoter
from analytics.measures.declaration import CI, Metric, cell
from analytics.measures.filters import Filters, Period

LIKERT_DIMENSIONS = (
    "industry_knowledge", "networking", "emotional_support", "skill_development", "job_satisfaction",
    "career_clarity", "relationship_quality", "overall_satisfaction",
)
SECTIONS = ("satisfaction", "engagement", "retention", "outcomes")


def _satisfaction() -> list[Metric]:
    m = [Metric("responses", "Survey responses", "Survey responses submitted in the period, every wave but baseline.",
                "count", "survey", "satisfaction", cell(satisfaction.response_count, "n"),
                "higher", "satisfaction.responses"),
         net_promoter.metric(cell(satisfaction.nps, "value", CI))]
    for d in LIKERT_DIMENSIONS:
        words, item = d.replace("_", " "), f"satisfaction.dimensions[dimension={d}]"
        m.append(Metric(f"{d}_mean", f"{words.capitalize()}: mean score",
                        f"Mean {words} score of responses in the period (a response's score is the mean of its "
                        "answered items on the dimension), with a 95% t-interval; answers on another scale than "
                        "the most common one are placed on it first.",
                        "score", "survey", "satisfaction", cell(satisfaction.dimensions, "mean", CI, dimension=d),
                        "higher", f"{item}.mean"))
        m.append(Metric(f"{d}_top2box", f"{words.capitalize()}: top-2-box",
                        f"Share of responses whose {words} score is at least k − 1 on a k-point scale.",
                        "rate", "survey", "satisfaction", cell(satisfaction.dimensions, "top2box", dimension=d),
                        "higher", f"{item}.top2box"))
    return m


# name, label, definition, unit, direction: each a column of engagement.summary and a key of the JSON's engagement.
_ENGAGEMENT = (
    ("open_pairs", "Open pairs", "Pairs matched by the period end and not ended before its start.", "count", "higher"),
    ("active_pairs", "Active pairs", "Open pairs with at least one held session in the period.", "count", "higher"),
    ("active_pair_rate", "Active pair rate", "Active pairs / open pairs.", "rate", "higher"),
    ("sessions_held", "Sessions held", "Held sessions dated in the period.", "count", "higher"),
    ("sessions_per_active_pair_per_month", "Sessions per active pair per month",
     "Held sessions / active pairs / months in the period.", "per_month", "higher"),
    ("cancellation_rate", "Cancellation rate",
     "Cancelled and no-show sessions / all sessions dated in the period.", "rate", "lower"),
    ("median_hours_per_active_pair", "Median hours per active pair",
     "Median over active pairs of their held minutes in the period, in hours.", "hours", "higher"),
    ("median_days_to_first_meeting", "Median days to first meeting",
     "For pairs matched in the period that have met by its end, the median days from match to first held "
     "session.", "days", "lower"),
    ("pairs_never_met", "Pairs never met",
     "Pairs matched in the period with no held session by its end.", "count", "lower"),
    ("cadence_adherence", "Cadence adherence",
     "Share of open pairs matched at least 30 days before the period end whose held sessions reach their "
     "monthly target × months open.", "rate", "higher"),
    ("at_risk_pairs", "At-risk pairs",
     "Pairs open on the as-of date, matched at least {at_risk_days} days (setting at_risk_days) before it, with no "
     "held session in the last {at_risk_days} days.", "count", "lower"),
)


def _engagement() -> list[Metric]:
    return [Metric(name, label, definition, unit, "pair", "engagement", cell(engagement.summary, name),
                   direction, f"engagement.{name}") for name, label, definition, unit, direction in _ENGAGEMENT]


def _retention() -> list[Metric]:
    m = [Metric(f"pair_survival_{months}m", f"Pair survival at {months} months",
                f"Kaplan–Meier probability that a pair has not ended early {months} months after matching "
                "(completed and open pairs censored), with a 95% log-log Greenwood CI.",
                "rate", "pair", "retention", cell(retention.survival_at, "survival", CI, months=months),
                "higher", f"retention.pair_survival[months={months}].survival")
         for months in retention.SURVIVAL_MONTHS]
    m.append(Metric("early_exit_rate", "Early exit rate",
                    "Among pairs that ended in the period, the share whose end reason is not 'completed'.",
                    "rate", "pair", "retention", cell(retention.early_exit, "early_exit_rate"),
                    "lower", "retention.early_exit_rate"))
    m.append(Metric("employee_retention_12m", "Employee retention, 12 months",
                    "Share of participants not terminated in the 12 months to the as-of date, against "
                    "non-participants, with the difference, its 95% Wald CI, a chi-square/Fisher p-value, the "
                    "smallest difference it could detect (80% power) and a reading. The groups are fixed on the "
                    "window's first day (the landmark), among those employed then: participants were in a pair "
                    "matched before it and open at some time in the year before it; non-participants are in no "
                    "pair at all; anyone else (mentored earlier, matched later, or in another program under a "
                    "filter) is in neither group and counted.",
                    "rate", "employee", "retention",
                    cell(retention.employee_outcomes, "participants", measure="retention_12m"),
                    "higher", "retention.employee_retention_12m.participants"))
    m.append(Metric("promotion_rate_12m", "Promotion rate, 12 months",
                    "Share of participants promoted in the 12 months to the as-of date, against non-participants "
                    "(the same landmark groups), with the same statistics as retention.",
                    "rate", "employee", "retention",
                    cell(retention.employee_outcomes, "participants", measure="promotion_rate_12m"),
                    "higher", "retention.promotion_rate_12m.participants"))
    return m


def _outcomes() -> list[Metric]:
    m = [Metric(f"{d}_change", f"{d.replace('_', ' ').capitalize()}: baseline to exit",
                f"Mean change in {d.replace('_', ' ')} score from a respondent's baseline to their exit survey (exit "
                "in the period), with paired t and Wilcoxon p-values and Cohen's d_z; scores on another scale than "
                "the most common one among the matched baseline and exit scores are placed on it first.",
                "difference", "survey", "outcomes", cell(outcomes.pre_post, "mean_change", dimension=d),
                "higher", f"outcomes.pre_post[dimension={d}].mean_change") for d in LIKERT_DIMENSIONS]
    m.append(Metric("goal_attainment_rate", "Goal attainment rate",
                    "Among goals due in the period, the share achieved by its end.",
                    "rate", "goal", "outcomes", cell(outcomes.goal_attainment, "goal_attainment_rate"),
                    "higher", "outcomes.goal_attainment_rate"))
    return m


REGISTRY: dict[str, Metric] = {metric.name: metric
                               for metric in (*_satisfaction(), *_engagement(), *_retention(), *_outcomes())}


def _impact_comparisons(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """The impact block's adjusted comparisons → [measure, difference, ci_low, ci_high, n, suppressed], n its
    matched participants; no rows when `impact.unavailable` says why."""
    block = impact.block(con, period, filters)
    rows = [{"measure": measure, **{key: block[measure][key] for key in ("difference", *CI, "suppressed")},
             "n": block[measure]["n_participants"]} for measure in impact.OUTCOMES] if block else []
    return pd.DataFrame(rows, columns=["measure", "difference", *CI, "n", "suppressed"])


# The impact block's adjusted differences (docs/metrics.md, Impact), which objectives may target besides the
# registry's figures. Kept out of REGISTRY: pages, improvement actions and the report's definitions list its
# figures one by one, and these belong to the impact block there.
IMPACT_METRICS: dict[str, Metric] = {metric.name: metric for metric in (
    Metric("retention_effect_12m", "Retention effect, 12 months (adjusted)",
           "Participants' 12-month retention less that of comparable non-participants (same department, level "
           "and tenure band), with its 95% CI: the impact block's adjusted difference.",
           "rate_difference", "employee", "impact",
           cell(_impact_comparisons, "difference", CI, measure="retention_12m"),
           "higher", "impact.retention_12m.difference"),
    Metric("promotion_effect_12m", "Promotion effect, 12 months (adjusted)",
           "Participants' 12-month promotion rate less that of comparable non-participants, with its 95% CI: "
           "the impact block's adjusted difference.",
           "rate_difference", "employee", "impact",
           cell(_impact_comparisons, "difference", CI, measure="promotion_rate_12m"),
           "higher", "impact.promotion_rate_12m.difference"),
)}
# Every figure an objective may target.
TARGETABLE: dict[str, Metric] = {**REGISTRY, **IMPACT_METRICS}

