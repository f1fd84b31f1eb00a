"""Impact: participants against comparable non-participants (METRICS.md, Impact).

The landmark groups of `retention` are compared within strata of department × level × tenure band,
so that who joins mentoring (more senior, longer-serving people) is not mistaken for what mentoring
does. DuckDB counts the strata and the dose bands; `impact_stats` does the arithmetic.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from analytics.measures import impact_stats, retention
from analytics.measures.filters import Filters, Period
from analytics.store import memo, settings

OUTCOMES = {"retention_12m": "retained", "promotion_rate_12m": "promoted"}
COVARIATES = ("department", "level", "tenure_band")
DOSE_BANDS = ("0-2", "3-5", "6-11", "12+")  # held sessions in the 12 months before the landmark
# The section of docs/metrics.md on the adjusted comparison (the `impact` block of `metrics --json`).
DOCS = [
    "## Impact: participants against comparable non-participants", "",
    "Those who join mentoring differ from those who do not: more senior, longer-serving, in some departments",
    "more than others. The raw retention and promotion comparisons above mix the program's effect with who",
    "joins; the `impact` block of `python -m analytics metrics --json` compares like with like. It uses the",
    "same landmark groups and filters, and needs an employee file with department and level (without them",
    "it is null).", "",
    "- **Strata**: department × level × tenure band on the landmark (`<1`, `1-3`, `3-5`, `5-10`, `10+` years;",
    "  a blank department or level is a level of its own, `(blank)`). A stratum with at least one participant",
    "  and one non-participant is *matched*; participants elsewhere are left out and counted",
    "  (`n_participants_unmatched`).",
    "- **Difference**: participants' share against their matched non-participants', each stratum weighted by",
    "  its participants, with its standard error, 95% CI and p-value (normal approximation; none when the",
    "  standard error is 0).",
    "- **`mde_80`**: the smallest true difference the comparison would detect with 80% power at two-sided 5%",
    "  (also given for the raw comparisons).",
    "- **`reading`**: `difference` when the 95% CI excludes 0; `no_meaningful_difference` when it lies within",
    "  ± the `smallest_effect_of_interest` setting (0.05, i.e. 5 percentage points, by default); otherwise",
    "  `inconclusive`: the data cannot tell an effect from none, which is not the same as no effect.",
    "- **E-values** (VanderWeele & Ding): how strongly an unmeasured factor would have to be tied to both",
    "  joining and the outcome (as a risk ratio) to explain the estimate away (`e_value`), or to move its",
    "  interval to include 0 (`e_value_ci`, 1 when it already does). Retention counts leaving as the outcome.",
    "- **Balance**: for each department, level and tenure band, the share of participants, of",
    "  non-participants, and of non-participants weighted like the participants; and tenure's standardised",
    "  mean difference before and after weighting. These are head-counts and are never suppressed.",
    "- **Dose-response**: participants by held sessions in the 12 months before the landmark (`0-2`, `3-5`,",
    "  `6-11`, `12+`), each band's retention and promotion with 95% CIs, and a chi-square p-value across the",
    "  bands. It is an association, not an effect: those who meet more may differ in other ways.",
    "- **Suppression**: fewer than `min_group_size` matched participants or matched non-participants hide every",
    "  figure but the counts; a dose band under it is hidden. Strata are never shown one by one.",
    "- A program younger than a year has no participants on its landmark: the block then gives",
    "  `first_comparison_on`, the first as-of date whose landmark follows the earliest match.",
    "- The dashboard's **Impact** page and the report's Impact section say each result in a sentence from its",
    "  reading, beside the raw and adjusted differences, the balance, the E-values in words, the dose-response",
    "  and who is left out; the Overview's retention tile and the report's summary give the adjusted reading",
    "  beside the raw gap.", "",
]

STRATIFIED_KEYS = ("participants", "comparison", "difference", "ci_low", "ci_high", "se", "p_value")


@memo.per_data
def unavailable(con: duckdb.DuckDBPyConnection) -> str | None:
    """Why no adjusted comparison can be made (the file or column that would enable it), else None."""
    if not retention.has_employees(con):
        return ("No employee file is loaded: load the employees export (employee_id, hired_on, terminated_on, "
                "last_promoted_on, department, level) to compare participants with comparable colleagues.")
    missing = [column for column in ("department", "level") if not con.execute(
        f"SELECT count(*) FROM employees WHERE nullif(trim({column}), '') IS NOT NULL").fetchone()[0]]
    if missing:
        columns = " and ".join(missing)
        return (f"The employee file has no {columns} column (every row is blank there): load it again with "
                f"{columns} filled in, so that participants are compared with colleagues of the same "
                "department, level and tenure.")
    return None


def first_comparison_on(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> date | None:
    """When no pair of the filtered programs was matched before this period's landmark: the first as-of
    date whose landmark follows the earliest match (12 months on), else None."""
    where, params = filters.where("pair")
    earliest = con.execute(
        "SELECT min(p.matched_on) FROM pairs p LEFT JOIN participants mentee ON mentee.participant_id = p.mentee_id "
        f"WHERE {where}", params).fetchone()[0]
    if earliest is None or earliest < retention.window_start(period):
        return None
    return earliest + relativedelta(months=12)


@memo.once
def dose_counts(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> pd.DataFrame:
    """Participants by held sessions of their qualifying pairs in the 12 months before the landmark →
    [band, n, retained, promoted], a row per band of DOSE_BANDS."""
    population, params = retention.landmark_sql(period, filters)
    # Sessions are counted per pair before they meet the memberships, and only participants (those with a
    # qualifying pair) are looked up among the employed: the sessions table is by far the largest.
    frame = con.execute(f"""{population},
        held AS (
            SELECT s.pair_id, count(*) AS sessions FROM sessions s, bounds b
            WHERE s.status = 'held' AND s.occurred_on >= b.lookback AND s.occurred_on < b.landmark
            GROUP BY s.pair_id),
        dose AS (
            SELECT q.employee_id, coalesce(sum(h.sessions), 0) AS sessions
            FROM qualifying q LEFT JOIN held h USING (pair_id) GROUP BY q.employee_id)
        SELECT CASE WHEN d.sessions >= 12 THEN '12+' WHEN d.sessions >= 6 THEN '6-11'
                    WHEN d.sessions >= 3 THEN '3-5' ELSE '0-2' END AS band,
               count(*) AS n, count(*) FILTER (WHERE e.retained) AS retained,
               count(*) FILTER (WHERE e.promoted) AS promoted
        FROM employed e JOIN dose d USING (employee_id) GROUP BY ALL""", params).df()
    return frame.set_index("band").reindex(list(DOSE_BANDS), fill_value=0).astype(int).rename_axis("band") \
        .reset_index()


def _comparison(outcome: str, column: str, strata: pd.DataFrame, min_size: int, smallest_effect: float
                ) -> dict[str, Any]:
    n1, n0 = strata["n1"].to_numpy(), strata["n0"].to_numpy()
    result = impact_stats.stratified(n1, strata[f"{column}1"].to_numpy(), n0, strata[f"{column}0"].to_numpy())
    figures = {key: getattr(result, key) for key in STRATIFIED_KEYS}
    figures["mde_80"] = impact_stats.mde_80(result.se)
    figures["reading"] = impact_stats.reading(result.ci_low, result.ci_high, smallest_effect)
    figures["e_value"], figures["e_value_ci"] = impact_stats.e_values(
        outcome, result.comparison, result.difference, result.ci_low, result.ci_high)
    suppressed = min(result.n_participants, result.n_comparison) < min_size
    if suppressed:
        figures = {key: None for key in figures}
    return {**figures, "n_participants": result.n_participants,
            "n_participants_unmatched": int(n1.sum()) - result.n_participants,
            "n_comparison": result.n_comparison, "strata": result.strata, "suppressed": suppressed}


def _balance(strata: pd.DataFrame) -> list[dict[str, Any]]:
    """Shares of each covariate level: all participants, all non-participants, and non-participants
    weighted to the matched participants (each of stratum s weighs n1_s / n0_s, n1_s in all)."""
    n1, n0 = strata["n1"].to_numpy(float), strata["n0"].to_numpy(float)
    columns = {"participants": n1, "non_participants": n0,
               "non_participants_weighted": np.where((n1 > 0) & (n0 > 0), n1, 0.0)}
    totals = {name: values.sum() for name, values in columns.items()}
    rows = []
    for covariate in COVARIATES:
        levels, which = np.unique(strata[covariate].to_numpy(str), return_inverse=True)  # sorted by name
        sums = {name: np.bincount(which, weights=values, minlength=len(levels)) for name, values in columns.items()}
        order = [list(levels).index(band) for band in retention.TENURE_BANDS if band in levels] \
            if covariate == "tenure_band" else range(len(levels))
        rows += [{"covariate": covariate, "level": str(levels[k]),
                  **{name: sums[name][k] / totals[name] if totals[name] else np.nan for name in columns}}
                 for k in order if sums["participants"][k] or sums["non_participants"][k]]
    return rows


def _tenure_smd(strata: pd.DataFrame) -> dict[str, float]:
    """Tenure's standardised mean difference (years) over everyone, and after weighting the matched."""
    totals = strata[["n1", "n0", "tenure_sum1", "tenure_sum0", "tenure_squares1", "tenure_squares0"]].sum()
    mean1, var1 = impact_stats.mean_and_variance(totals["n1"], totals["tenure_sum1"], totals["tenure_squares1"])
    mean0, var0 = impact_stats.mean_and_variance(totals["n0"], totals["tenure_sum0"], totals["tenure_squares0"])
    matched = strata[(strata["n1"] > 0) & (strata["n0"] > 0)]
    weight = matched["n1"].sum()
    after = impact_stats.NAN
    if weight:
        mean1_after = matched["tenure_sum1"].sum() / weight
        mean0_after = float((matched["n1"] / matched["n0"] * matched["tenure_sum0"]).sum()) / weight
        after = impact_stats.smd(mean1_after, var1, mean0_after, var0)
    return {"before": impact_stats.smd(mean1, var1, mean0, var0), "after": after}


def _dose_response(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, min_size: int
                   ) -> tuple[list[dict[str, Any]], dict[str, float | None]]:
    bands = dose_counts(con, period, filters)
    rows = []
    for band in bands.itertuples(index=False):
        retention_12m = impact_stats.wald_clipped(band.retained, band.n)
        promotion = impact_stats.wald_clipped(band.promoted, band.n)
        suppressed = band.n < min_size
        figures = dict(zip(("retention_12m", "retention_ci_low", "retention_ci_high"), retention_12m)) | \
            dict(zip(("promotion_rate_12m", "promotion_ci_low", "promotion_ci_high"), promotion))
        rows.append({"band": band.band, "n": band.n,
                     **{key: None if suppressed else value for key, value in figures.items()},
                     "suppressed": suppressed})
    hidden = bands["n"].sum() < min_size
    p_values = {outcome: None if hidden else impact_stats.contingency_p(
        np.column_stack([bands[column], bands["n"] - bands[column]])) for outcome, column in OUTCOMES.items()}
    return rows, p_values


def block(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters) -> dict[str, Any] | None:
    """The `impact` block of the metrics JSON; None when `unavailable` says why."""
    if unavailable(con) is not None:
        return None
    min_size = settings.get(con, "min_group_size")
    smallest_effect = settings.get(con, "smallest_effect_of_interest")
    strata = retention.landmark_strata(con, period, filters)
    counts = strata[["n1", "n0", "n_neither"]].sum()
    dose, dose_p = _dose_response(con, period, filters, min_size)
    out = {"landmark": retention.window_start(period).isoformat(),
           "n_participants": int(counts["n1"]), "n_non_participants": int(counts["n0"]),
           # Under a scope the count of neither group would take in other programs' members: not shown.
           "n_neither": None if filters.scope is not None else int(counts["n_neither"]),
           **{outcome: _comparison(outcome, column, strata, min_size, smallest_effect)
              for outcome, column in OUTCOMES.items()},
           "balance": _balance(strata), "tenure_smd": _tenure_smd(strata),
           "dose_response": dose, "dose_response_p_values": dose_p}
    if not out["n_participants"]:
        first = first_comparison_on(con, period, filters)
        out["first_comparison_on"] = first.isoformat() if first else None
    return out
