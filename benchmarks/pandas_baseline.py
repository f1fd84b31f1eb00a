"""The alternative to Mentorscope: the same quarter's figures computed the way an
analyst would in a notebook — read the exported CSVs with pandas, compute each
figure of METRICS.md with pandas and scipy.

It reads the same files the benchmark loads into Mentorscope (the platform CSVs
and the plain survey CSVs, see `benchmarks.dataset`) and returns a dict in the
shape of `metrics --json`, so the benchmark can check that both agree.
Written independently of `analytics`: only METRICS.md's definitions.
"""
from __future__ import annotations

import math
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta
from scipy import stats

LIKERT = ("industry_knowledge", "networking", "emotional_support", "skill_development", "job_satisfaction",
          "career_clarity", "relationship_quality", "overall_satisfaction")
MONTH = 30.4375
MIN_GROUP = 5
AT_RISK_DAYS = 45


def run(folder: Path, period) -> dict:
    """Read, then compute; the two times are reported separately."""
    started = time.perf_counter()
    data = read(folder)
    read_seconds = time.perf_counter() - started
    started = time.perf_counter()
    figures = compute(data, pd.Timestamp(period.start), pd.Timestamp(period.end))
    figures["period"] = period.to_dict()
    return {"metrics": figures, "read_seconds": read_seconds, "compute_seconds": time.perf_counter() - started}


def read(folder: Path) -> dict[str, pd.DataFrame]:
    data = {
        "pairs": pd.read_csv(folder / "pairs.csv", parse_dates=["matched_on", "ended_on"]),
        "sessions": pd.read_csv(folder / "sessions.csv", parse_dates=["occurred_on"]),
        "goals": pd.read_csv(folder / "goals.csv", parse_dates=["due_on", "achieved_on"]),
        "employees": pd.read_csv(folder / "employees.csv",
                                 parse_dates=["hired_on", "terminated_on", "last_promoted_on"]),
    }
    surveys = []
    for file in sorted(folder.glob("survey_*.csv")):
        survey = pd.read_csv(file, parse_dates=["submitted_at"])
        for column in LIKERT:  # the survey's scale: 5 or 7 points, from the answers seen
            if column in survey:
                survey[f"{column}_points"] = 5 if survey[column].max() <= 5 else 7
        surveys.append(survey)
    data["responses"] = pd.concat(surveys, ignore_index=True)
    return data


def compute(data: dict, start: pd.Timestamp, end: pd.Timestamp) -> dict:
    return {
        "filters": {"program": None, "cohort": None, "department": None, "role": None},
        "satisfaction": satisfaction(data["responses"], start, end),
        "engagement": engagement(data["pairs"], data["sessions"], start, end),
        "retention": retention(data["pairs"], data["employees"], start, end),
        "outcomes": outcomes(data["responses"], data["goals"], data["pairs"], start, end),
    }


def _num(x):
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


# ---- satisfaction -----------------------------------------------------------------

def satisfaction(responses: pd.DataFrame, start, end) -> dict:
    day = responses["submitted_at"].dt.normalize()
    r = responses[(day >= start) & (day <= end) & (responses["wave"] != "baseline")]
    answers = r["nps"].dropna() if "nps" in r else pd.Series(dtype=float)
    answers = answers[(answers >= 0) & (answers <= 10)]
    n = len(answers)
    promoters, detractors = int((answers >= 9).sum()), int((answers < 7).sum())
    nps = {"value": None, "ci_low": None, "ci_high": None, "n": n, "promoters": promoters,
           "passives": n - promoters - detractors, "detractors": detractors, "suppressed": n < MIN_GROUP}
    if n >= MIN_GROUP:
        p, d = promoters / n, detractors / n
        value = 100 * (p - d)
        half = 1.96 * math.sqrt(100 ** 2 * ((p + d) - (p - d) ** 2) / n)
        nps.update(value=value, ci_low=max(-100.0, value - half), ci_high=min(100.0, value + half))
    else:
        nps.update(promoters=None, passives=None, detractors=None)
    dimensions = []
    for dim in sorted(LIKERT):
        if dim not in r:
            continue
        scored = r[r[dim].notna()]
        scores, points = scored[dim], scored[f"{dim}_points"]
        n = len(scores)
        if n == 0:
            continue
        # Answered on two scales (5- and 7-point surveys): reported on the most common one (ties: the
        # longer), each score placed on it as 1 + (x − 1)(k − 1)/(k_x − 1); top-2-box on its own scale.
        counts = points.value_counts()
        k = int(max(counts.index, key=lambda size: (counts[size], size)))
        on_k = (1 + (scores - 1) * (k - 1) / (points - 1)).where(points != k, scores)
        row = {"dimension": dim, "mean": None, "ci_low": None, "ci_high": None, "top2box": None, "n": n,
               "scale_points": k, "suppressed": n < MIN_GROUP}
        if n >= MIN_GROUP:
            mean, sd = on_k.mean(), on_k.std()
            half = stats.t.ppf(0.975, n - 1) * sd / math.sqrt(n)
            row.update(mean=mean, ci_low=mean - half, ci_high=mean + half,
                       top2box=(scores >= points - 1).mean())
        dimensions.append(row)
    return {"responses": len(r), "nps": nps, "dimensions": dimensions}


# ---- engagement -------------------------------------------------------------------

def engagement(pairs: pd.DataFrame, sessions: pd.DataFrame, start, end) -> dict:
    pairs = pairs[pairs["matched_on"] <= end].copy()
    s = sessions[sessions["occurred_on"] <= end]
    in_period = s[s["occurred_on"] >= start]
    held = in_period[in_period["status"] == "held"]
    per_pair = pd.DataFrame({
        "held": held.groupby("pair_id").size(),
        "held_minutes": held.groupby("pair_id")["duration_minutes"].sum(min_count=1),
        "missed": in_period[in_period["status"].isin(["cancelled", "no_show"])].groupby("pair_id").size(),
        "dated": in_period.groupby("pair_id").size(),
    })
    ever_held = s[s["status"] == "held"].groupby("pair_id")["occurred_on"]
    per_pair = per_pair.join(pd.DataFrame({"first_held": ever_held.min(), "last_held": ever_held.max()}), how="outer")
    pairs = pairs.merge(per_pair, left_on="pair_id", right_index=True, how="left")
    for column in ("held", "missed", "dated"):
        pairs[column] = pairs[column].fillna(0)

    is_open = pairs["ended_on"].isna() | (pairs["ended_on"] >= start)
    active = is_open & (pairs["held"] > 0)
    new = pairs["matched_on"] >= start
    open_pairs, active_pairs = int(is_open.sum()), int(active.sum())
    sessions_held, missed, dated = int(pairs["held"].sum()), pairs["missed"].sum(), pairs["dated"].sum()

    open_from = pairs["matched_on"].where(pairs["matched_on"] > start, start)
    open_to = pairs["ended_on"].fillna(end).clip(upper=end)
    months_open = np.maximum(1, np.floor(((open_to - open_from).dt.days + 1) / MONTH))
    target = pairs["meetings_target_per_month"].fillna(1)
    judged = is_open & ((end - pairs["matched_on"]).dt.days >= 30)
    on_cadence = pairs["held"] >= target * months_open

    still_open = pairs["ended_on"].isna() | (pairs["ended_on"] >= end)
    quiet = pairs["last_held"].isna() | (pairs["last_held"] < end - timedelta(days=AT_RISK_DAYS - 1))
    at_risk = still_open & ((end - pairs["matched_on"]).dt.days >= AT_RISK_DAYS) & quiet

    return {
        "open_pairs": open_pairs,
        "active_pairs": active_pairs,
        "active_pair_rate": active_pairs / open_pairs if open_pairs else None,
        "sessions_held": sessions_held,
        "sessions_per_active_pair_per_month": sessions_held / active_pairs / 3 if active_pairs else None,
        "cancellation_rate": missed / dated if dated else None,
        "median_hours_per_active_pair": _num((pairs.loc[active, "held_minutes"] / 60).median()),
        "median_days_to_first_meeting": _num((pairs.loc[new, "first_held"] - pairs.loc[new, "matched_on"]).dt.days.median()),
        "pairs_never_met": int((new & pairs["first_held"].isna()).sum()),
        "cadence_adherence": _num(on_cadence[judged].mean()) if judged.any() else None,
        "at_risk_pairs": int(at_risk.sum()),
    }


# ---- retention --------------------------------------------------------------------

def retention(pairs: pd.DataFrame, employees: pd.DataFrame, start, end) -> dict:
    matched = pairs[pairs["matched_on"] <= end]
    ended = matched["ended_on"].notna() & (matched["ended_on"] <= end)
    stop = matched["ended_on"].where(ended, end)
    months = ((stop - matched["matched_on"]).dt.days / MONTH).to_numpy()
    event = (ended & (matched["end_reason"].fillna("") != "completed")).to_numpy()
    fit = stats.ecdf(stats.CensoredData(uncensored=months[event], right=months[~event]))
    with np.errstate(all="ignore"):
        ci = fit.sf.confidence_interval(0.95, method="log-log")
    survival = []
    for m in (3, 6, 12):
        known = m <= months.max()
        survival.append({"months": m, "survival": _num(fit.sf.evaluate(m)) if known else None,
                         "ci_low": _num(ci.low.evaluate(m)) if known else None,
                         "ci_high": _num(ci.high.evaluate(m)) if known else None,
                         "at_risk": int((months >= m).sum())})

    ended_now = pairs[(pairs["ended_on"] >= start) & (pairs["ended_on"] <= end)]
    early = (ended_now["end_reason"].fillna("") != "completed").mean() if len(ended_now) else None

    # The landmark design: the population employed on the window's first day; participants were in a pair
    # matched before it and open since 12 months before it, non-participants in no pair at all.
    window_start = end + timedelta(days=1) - relativedelta(months=12)
    lookback = window_start - relativedelta(months=12)
    population = employees[(employees["hired_on"] < window_start)
                           & (employees["terminated_on"].isna() | (employees["terminated_on"] >= window_start))]
    qualifying = pairs[(pairs["matched_on"] < window_start)
                       & (pairs["ended_on"].isna() | (pairs["ended_on"] >= lookback))]
    participants = set(qualifying["mentor_id"]) | set(qualifying["mentee_id"])
    members = set(pairs["mentor_id"]) | set(pairs["mentee_id"])
    population = population[population["employee_id"].isin(participants) | ~population["employee_id"].isin(members)]
    participant = population["employee_id"].isin(participants)  # the rest of `population`: non-participants
    retained = population["terminated_on"].isna() | (population["terminated_on"] > end)
    promoted = (population["last_promoted_on"] >= window_start) & (population["last_promoted_on"] <= end)
    return {"pair_survival": survival, "early_exit_rate": _num(early),
            "employee_retention_12m": _compare(retained, participant),
            "promotion_rate_12m": _compare(promoted, participant)}


def _compare(outcome: pd.Series, participant: pd.Series) -> dict:
    n1, n2 = int(participant.sum()), int((~participant).sum())
    x1, x2 = int(outcome[participant].sum()), int(outcome[~participant].sum())
    row = {"participants": None, "non_participants": None, "difference": None, "ci_low": None, "ci_high": None,
           "p_value": None, "n_participants": n1, "n_non_participants": n2, "suppressed": min(n1, n2) < MIN_GROUP}
    if row["suppressed"]:
        return row
    p1, p2 = x1 / n1, x2 / n2
    half = 1.96 * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
    if (stats.contingency.expected_freq(table) < 5).any():
        p = stats.fisher_exact(table).pvalue
    else:
        p = stats.chi2_contingency(table).pvalue
    row.update(participants=p1, non_participants=p2, difference=p1 - p2, ci_low=p1 - p2 - half,
               ci_high=p1 - p2 + half, p_value=float(p))
    return row


# ---- outcomes ---------------------------------------------------------------------

def outcomes(responses: pd.DataFrame, goals: pd.DataFrame, pairs: pd.DataFrame, start, end) -> dict:
    day = responses["submitted_at"].dt.normalize()
    known = responses["respondent_id"].notna()
    exits = responses[known & (responses["wave"] == "exit") & (day >= start) & (day <= end)]
    baselines = responses[known & (responses["wave"] == "baseline")]
    pre_post = []
    for dim in sorted(LIKERT):
        if dim not in responses:
            continue
        columns = [dim, f"{dim}_points"]
        x = exits[exits[dim].notna()].sort_values(["submitted_at", "response_id"])
        latest = x.groupby("respondent_id")[columns].last().set_axis(["exit", "exit_points"], axis=1)
        b = baselines[baselines[dim].notna()].sort_values(["submitted_at", "response_id"])
        earliest = b.groupby("respondent_id")[columns].first().set_axis(["baseline", "baseline_points"], axis=1)
        if latest.empty:
            continue
        both = latest.join(earliest, how="left")
        matched = both.dropna(subset=["baseline"])
        n = len(matched)
        if n == 0:
            continue
        row = {"dimension": dim, "n_pairs": n, "n_excluded": len(both) - n, "mean_baseline": None,
               "mean_exit": None, "mean_change": None, "t_p_value": None, "wilcoxon_p_value": None,
               "cohens_dz": None, "suppressed": n < MIN_GROUP}
        if n >= MIN_GROUP:
            # Both waves on the most common scale among the pairs' baseline and exit scores (ties: the
            # longer), each score placed on it as satisfaction places its scores.
            counts = pd.concat([matched["baseline_points"], matched["exit_points"]]).value_counts()
            k = int(max(counts.index, key=lambda size: (counts[size], size)))
            before, after = (1 + (matched[wave] - 1) * (k - 1) / (matched[f"{wave}_points"] - 1)
                             for wave in ("baseline", "exit"))
            diff = after - before
            row.update(mean_baseline=before.mean(), mean_exit=after.mean(),
                       mean_change=diff.mean(),
                       t_p_value=_num(stats.ttest_rel(after, before).pvalue),
                       wilcoxon_p_value=_num(stats.wilcoxon(diff).pvalue) if (diff != 0).any() else None,
                       cohens_dz=_num(diff.mean() / diff.std()) if diff.std() > 0 else None)
        pre_post.append(row)
    due = goals[(goals["due_on"] >= start) & (goals["due_on"] <= end) & goals["pair_id"].isin(pairs["pair_id"])]
    achieved = (due["achieved_on"] <= end).mean() if len(due) else None
    return {"pre_post": pre_post, "goal_attainment_rate": _num(achieved)}


# ---- agreement --------------------------------------------------------------------

def differences(ours, theirs, path: str = "", rel: float = 1e-6, abs_tol: float = 1e-9) -> list[str]:
    """Where `theirs` (Mentorscope's JSON) disagrees with `ours`; keys only Mentorscope has are ignored."""
    found = []
    if isinstance(ours, dict):
        if not isinstance(theirs, dict):
            return [f"{path}: {ours!r} vs {theirs!r}"]
        for key, value in ours.items():
            found += differences(value, theirs.get(key, "<missing>"), f"{path}.{key}", rel, abs_tol)
    elif isinstance(ours, list):
        if not isinstance(theirs, list) or len(ours) != len(theirs):
            return [f"{path}: {len(ours)} rows vs {len(theirs) if isinstance(theirs, list) else theirs!r}"]
        for i, (a, b) in enumerate(zip(ours, theirs)):
            found += differences(a, b, f"{path}[{i}]", rel, abs_tol)
    elif isinstance(ours, (int, float)) and not isinstance(ours, bool) and isinstance(theirs, (int, float)):
        if not math.isclose(ours, theirs, rel_tol=rel, abs_tol=abs_tol):
            found.append(f"{path}: {ours!r} vs {theirs!r}")
    elif ours != theirs:
        found.append(f"{path}: {ours!r} vs {theirs!r}")
    return found
