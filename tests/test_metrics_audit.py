"""Independent audit of the metrics JSON on the demo data.

Every figure of the METRICS.md contract is recomputed here from the raw tables
with plain pandas and scipy, following the words of METRICS.md, and compared
with `metrics_json`. Nothing below calls the analytics metric modules: the
reference reads `SELECT * FROM <table>` frames and works from those alone.

Two databases are built once per module: the demo (18 months, two programs) and
the demo plus a few rows on the boundaries METRICS.md draws (`add_edge_cases`).
Both computations are cached per (quarter, filters, min_group_size).

Where METRICS.md leaves a choice open the reference says which reading it takes:
role filtering (see FILTERS) and dimensions answered on two scales (placed on
the most common scale before averaging or, for pre/post, before differencing; see
test_mixed_scale_mean_is_on_the_reported_scale).
"""
from __future__ import annotations

import math
import shutil
import warnings
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.measures.filters import Filters, Period
from analytics.measures.metrics import metrics_json
from analytics.store import connection, scores, settings

MONTH_DAYS = 30.4375
MIN_GROUP = 5                # METRICS.md default min_group_size
AT_RISK_DAYS = 45            # METRICS.md default at_risk_days
DEFAULT_TARGET = 1.0         # meetings_target_per_month when a pair has none
CADENCE_MIN_DAYS = 30
SURVIVAL_MONTHS = (3, 6, 12)
NOT_LIKERT = ("nps", "comment")
TABLES = ("pairs", "sessions", "goals", "employees", "participants", "responses", "answers", "items")

QUARTERS = {  # written out by hand, not parsed by the code under audit
    "2026Q2": (date(2026, 4, 1), date(2026, 6, 30)),
    "2026Q3": (date(2026, 7, 1), date(2026, 9, 30)),
}
FILTERS = {
    "all": {},
    "program": {"program": "Leadership program"},
    "department": {"department": "Engineering"},
    "cohort": {"cohort": "2026 Spring"},
    "program+department": {"program": "New-hire mentoring", "department": "Sales"},
    # METRICS.md names role as a filter without defining it per grain; the audit follows the reading in
    # analytics/measures/filters.py: survey by the response's (else the respondent's) role, pairs not narrowed,
    # employees: participants are those who held that role; those only in the other role are in neither group.
    "role": {"role": "mentee"},
}


# ---------------------------------------------------------------------------------------------
# The database, built once
# ---------------------------------------------------------------------------------------------

class Audit:
    def __init__(self, con):
        self.con = con
        self.tables = {name: con.execute(f"SELECT * FROM {name}").df() for name in TABLES}
        self._got: dict = {}
        self._expected: dict = {}

    def got(self, quarter: str, filter_name: str, min_group: int = MIN_GROUP) -> dict:
        key = (quarter, filter_name, min_group)
        if key not in self._got:
            settings.set(self.con, "min_group_size", min_group)
            try:
                self._got[key] = metrics_json(self.con, Period.parse(quarter), Filters(**FILTERS[filter_name]))
            finally:
                settings.set(self.con, "min_group_size", MIN_GROUP)
        return self._got[key]

    def expected(self, quarter: str, filter_name: str, min_group: int = MIN_GROUP) -> dict:
        key = (quarter, filter_name, min_group)
        if key not in self._expected:
            start, end = QUARTERS[quarter]
            self._expected[key] = reference(self.tables, start, end, FILTERS[filter_name], min_group)
        return self._expected[key]


def _copy(source: Path, folder: Path) -> Path:
    """A copy of the demo built once per run (conftest): the audit sets min_group_size on it."""
    return Path(shutil.copy(source, folder))


@pytest.fixture(scope="module")
def audit(tmp_path_factory, demo_file):
    con = connection.connect(_copy(demo_file, tmp_path_factory.mktemp("audit")))
    yield Audit(con)
    con.close()


@pytest.fixture(scope="module")
def edge_audit(tmp_path_factory, demo_file):
    con = connection.connect(_copy(demo_file, tmp_path_factory.mktemp("edge")))
    add_edge_cases(con)
    yield Audit(con)
    con.close()


def add_edge_cases(con) -> None:
    """Rows on the boundaries METRICS.md draws, added to the demo (2026Q2: Apr 1 - Jun 30; the 12-month
    window starts 2025-07-01)."""
    run = con.execute
    # Two exits by one respondent on one day: the later (by time) counts, though its id sorts first;
    # its answers are the mirror image of the earlier exit's, so picking the wrong one shows.
    rid = run("SELECT min(response_id) FROM responses WHERE wave = 'exit' "
              "AND submitted_on BETWEEN '2026-04-01' AND '2026-06-30'").fetchone()[0]
    run("""INSERT INTO responses SELECT '!later-' || response_id, survey_id, respondent_id, role, program, cohort,
           wave, submitted_at + INTERVAL 1 MINUTE, submitted_on, upload_id FROM responses WHERE response_id = ?""",
        [rid])
    run("""INSERT INTO answers SELECT '!later-' || response_id, survey_id, item_id,
           CASE WHEN value_num IS NULL THEN NULL WHEN scale_points = 11 THEN 10 - value_num
                ELSE scale_points + 1 - value_num END, value_text, scale_points
           FROM answers WHERE response_id = ?""", [rid])
    # Anonymous pulses (no respondent id): each is a respondent of its own; the program is the response's.
    anonymous = [r[0] for r in run("SELECT response_id FROM responses WHERE wave = 'pulse' AND submitted_on "
                                   "BETWEEN '2026-04-01' AND '2026-06-30' ORDER BY response_id LIMIT 3").fetchall()]
    for k, response_id in enumerate(anonymous):
        run("""INSERT INTO responses SELECT 'anon-' || ?, survey_id, NULL, NULL, 'Leadership program', NULL, wave,
               submitted_at, submitted_on, upload_id FROM responses WHERE response_id = ?""", [k, response_id])
        run("""INSERT INTO answers SELECT 'anon-' || ?, survey_id, item_id, value_num, value_text, scale_points
               FROM answers WHERE response_id = ?""", [k, response_id])
    scores.refresh(con, "SELECT response_id FROM responses WHERE response_id LIKE '!later-%' OR response_id LIKE 'anon-%'")
    run("""INSERT INTO pairs (pair_id, mentor_id, mentee_id, matched_on, ended_on, end_reason, program, cohort,
                              meetings_target_per_month) VALUES
        -- matched on the period start, mentee unknown to the participants file, never met: at risk
        ('X1', 'E100421', 'E999001', '2026-04-01', NULL, NULL, 'New-hire mentoring', '2026 Spring', NULL),
        -- ends early on the as-of date; last held session 44 days before it: open, not at risk
        ('X2', 'E100421', 'E100121', '2026-02-01', '2026-06-30', 'withdrawn', 'Leadership program', '2026 Spring', 2),
        -- blank end reason on the as-of date; last held session 45 days before it: at risk, an early end
        ('X3', 'E100421', 'E100834', '2026-02-01', '2026-06-30', NULL, 'Leadership program', '2026 Spring', NULL),
        -- matched exactly 30 days before the as-of date (cadence judged) and 45 days (at-risk age)
        ('X4', 'E100555', 'E100121', '2026-05-31', NULL, NULL, 'New-hire mentoring', '2026 Spring', NULL),
        ('X5', 'E100555', 'E100834', '2026-05-16', NULL, NULL, 'New-hire mentoring', '2026 Spring', NULL),
        -- ended the day before the period: not open, not in cadence
        ('X6', 'E100555', 'E999002', '2025-12-01', '2026-03-31', 'completed', 'New-hire mentoring', '2025 Autumn',
         NULL)""")
    run("""INSERT INTO sessions (session_id, pair_id, occurred_on, duration_minutes, status) VALUES
        ('XS1', 'X2', '2026-05-17', 60, 'held'), ('XS2', 'X2', '2026-04-10', 30, 'held'),
        ('XS3', 'X3', '2026-05-16', 45, 'held'), ('XS4', 'X3', '2026-06-30', 30, 'cancelled'),
        ('XS5', 'X4', '2026-06-30', 15, 'held'), ('XS6', 'X6', '2026-03-31', 60, 'held'),
        ('XS7', 'X6', '2026-04-01', 60, 'no_show')""")
    run("""INSERT INTO goals (goal_id, pair_id, set_on, due_on, achieved_on, status, category) VALUES
        ('XG1', 'X2', '2026-02-01', '2026-06-30', '2026-07-01', 'achieved', 'Leadership'),
        ('XG2', 'X2', '2026-02-01', '2026-04-01', '2026-04-01', 'achieved', 'Leadership'),
        ('XG3', 'X3', '2026-02-01', '2026-06-30', NULL, 'open', 'Leadership')""")
    run("""INSERT INTO employees (employee_id, hired_on, terminated_on, last_promoted_on, department, level) VALUES
        ('E999001', '2025-07-01', NULL, NULL, 'Engineering', 'Associate'),       -- hired on the window start: out
        ('E999002', '2020-01-01', '2025-07-01', NULL, 'Engineering', 'Associate'),  -- left on it: in, not retained
        ('E999003', '2020-01-01', '2025-06-30', NULL, 'Engineering', 'Associate'),  -- left the day before: out
        ('E999004', '2020-01-01', '2026-06-30', '2025-07-01', 'Engineering', 'Senior'),  -- left on the as-of date
        ('E999005', '2020-01-01', '2026-07-01', '2025-06-30', 'Engineering', 'Senior')""")  # after it: retained


# ---------------------------------------------------------------------------------------------
# Reference computation (pandas + scipy, from METRICS.md)
# ---------------------------------------------------------------------------------------------

def ts(day: date) -> pd.Timestamp:
    return pd.Timestamp(day)


def num(value):
    """A float, or None for NaN/inf/None (JSON null)."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def ratio(numerator, denominator):
    """A ratio whose denominator is 0 is null."""
    return None if denominator == 0 else numerator / denominator


def median_or_none(values) -> float | None:
    """A median of nothing is null."""
    values = pd.Series(values, dtype="float64").dropna()
    return None if values.empty else float(values.median())


def pair_frame(t: dict, f: dict) -> pd.DataFrame:
    """Pairs narrowed by program/cohort (the pair's own) and department (the mentee's)."""
    mentees = t["participants"][["participant_id", "department"]].rename(columns={"participant_id": "mentee_id"})
    pairs = t["pairs"].merge(mentees, on="mentee_id", how="left")
    keep = pd.Series(True, index=pairs.index)
    for key in ("program", "cohort", "department"):
        if key in f:
            keep &= (pairs[key] == f[key]).fillna(False).astype(bool)
    return pairs[keep].reset_index(drop=True)


def response_frame(t: dict, f: dict | None) -> pd.DataFrame:
    """Responses with program/cohort taken from the response, else the respondent's participant
    record; department is the respondent's. `f` None: no narrowing."""
    who = t["participants"][["participant_id", "program", "cohort", "role", "department"]].rename(
        columns={"participant_id": "respondent_id", "program": "who_program", "cohort": "who_cohort",
                 "role": "who_role"})
    r = t["responses"].merge(who, on="respondent_id", how="left")
    for key in ("program", "cohort", "role"):
        r[key] = r[key].fillna(r[f"who_{key}"])
    keep = pd.Series(True, index=r.index)
    for key in ("program", "cohort", "role", "department"):
        if f and key in f:
            keep &= (r[key] == f[key]).fillna(False).astype(bool)
    return r[keep].reset_index(drop=True)


def answer_frame(t: dict) -> pd.DataFrame:
    """Answers with their item's dimension and the scale size (the answer's own, else the item's)."""
    items = t["items"][["survey_id", "item_id", "dimension", "scale_points"]].rename(
        columns={"scale_points": "item_points"})
    a = t["answers"].merge(items, on=["survey_id", "item_id"], how="inner")
    a["k"] = a["scale_points"].astype("float64").fillna(a["item_points"].astype("float64"))
    return a


def likert_scores(t: dict, responses: pd.DataFrame) -> pd.DataFrame:
    """One row per (response, Likert dimension): mean of the non-missing items; the scale size."""
    a = answer_frame(t)
    a = a[a["response_id"].isin(responses["response_id"]) & a["value_num"].notna()
          & a["dimension"].notna() & ~a["dimension"].isin(NOT_LIKERT)]
    scores = a.groupby(["response_id", "dimension"], as_index=False).agg(score=("value_num", "mean"), k=("k", "max"))
    return scores.merge(responses[["response_id", "respondent_id", "submitted_at", "submitted_on"]], on="response_id")


def people(responses: pd.DataFrame) -> int:
    """Distinct respondents; an anonymous response is a person of its own."""
    return responses["respondent_id"].fillna(responses["response_id"]).nunique()


def too_few(responses: pd.DataFrame, min_group: int) -> bool:
    """Fewer than `min_group` people in the quarter, or in one of its months with any (docs/privacy.md: a
    quarter of another fiscal year could set that month apart)."""
    months = pd.to_datetime(responses["submitted_on"]).dt.to_period("M")
    return people(responses) < min_group or any(
        0 < people(group) < min_group for _, group in responses.groupby(months))


def satisfaction_ref(t, start, end, f, min_group) -> dict:
    """Suppression counts respondents (METRICS.md: "fewer than min_group_size respondents"),
    while `n` counts responses (answers for NPS): one person answering two pulses is one respondent."""
    r = response_frame(t, f)
    r = r[(r["submitted_on"] >= ts(start)) & (r["submitted_on"] <= ts(end)) & (r["wave"] != "baseline")]
    # NPS over the 0-10 answers of those responses.
    a = answer_frame(t)
    answered = a[a["response_id"].isin(r["response_id"]) & (a["dimension"] == "nps")
                 & (a["value_num"] >= 0) & (a["value_num"] <= 10)]
    answers = answered["value_num"]
    n = len(answers)
    hidden = too_few(r[r["response_id"].isin(answered["response_id"])], min_group)
    promoters, detractors = int((answers >= 9).sum()), int((answers <= 6).sum())
    passives = n - promoters - detractors
    nps = {"value": None, "ci_low": None, "ci_high": None, "n": n, "promoters": promoters,
           "passives": passives, "detractors": detractors, "suppressed": hidden}
    if n:
        p, d = promoters / n, detractors / n
        value = 100 * (p - d)
        se = math.sqrt(100 ** 2 * ((p + d) - (p - d) ** 2) / n)
        nps.update(value=value, ci_low=max(-100.0, value - 1.96 * se), ci_high=min(100.0, value + 1.96 * se))
    if hidden:
        nps.update(value=None, ci_low=None, ci_high=None, promoters=None, passives=None, detractors=None)
    # Likert dimensions.
    dimensions = []
    scores = likert_scores(t, r)
    for dimension, group in scores.groupby("dimension", sort=True):
        # Reported on the most common scale k (ties: the longer one); a score x on a k_x-point
        # scale is 1 + (x − 1)(k − 1)/(k_x − 1) on 1..k.
        counts = group["k"].value_counts()
        k = max(counts[counts == counts.max()].index)
        x = (1 + (group["score"] - 1) * (k - 1) / (group["k"] - 1)).to_numpy(float)
        n_dim = len(x)
        hidden = too_few(group, min_group)
        mean = x.mean()
        low = high = None
        if n_dim >= 2:
            half = stats.t.ppf(0.975, n_dim - 1) * x.std(ddof=1) / math.sqrt(n_dim)
            low, high = mean - half, mean + half
        row = {"dimension": dimension, "mean": mean, "ci_low": low, "ci_high": high,
               "top2box": float((group["score"] >= group["k"] - 1).mean()), "n": n_dim,
               "scale_points": int(k), "suppressed": hidden}
        if hidden:
            row.update(mean=None, ci_low=None, ci_high=None, top2box=None)
        dimensions.append(row)
    return {"responses": len(r), "nps": nps, "dimensions": dimensions}


def engagement_ref(t, start, end, f) -> dict:
    s0, e0 = ts(start), ts(end)
    pairs = pair_frame(t, f)
    sessions = t["sessions"][t["sessions"]["pair_id"].isin(pairs["pair_id"])]
    dated = sessions[(sessions["occurred_on"] >= s0) & (sessions["occurred_on"] <= e0)]
    held = dated[dated["status"] == "held"]
    held_by_pair = held.groupby("pair_id").size()
    minutes_by_pair = held.groupby("pair_id")["duration_minutes"].sum()

    is_open = (pairs["matched_on"] <= e0) & (pairs["ended_on"].isna() | (pairs["ended_on"] >= s0))
    open_pairs = pairs[is_open]
    n_held = open_pairs["pair_id"].map(held_by_pair).fillna(0)
    active = open_pairs[n_held > 0]

    matched_in = pairs[(pairs["matched_on"] >= s0) & (pairs["matched_on"] <= e0)]
    held_to_date = sessions[(sessions["status"] == "held") & (sessions["occurred_on"] <= e0)]
    first_held = held_to_date.groupby("pair_id")["occurred_on"].min()
    first = matched_in["pair_id"].map(first_held)
    days_to_first = (first - matched_in["matched_on"]).dt.days[first.notna()]

    # Cadence: open pairs matched >= 30 days before the as-of date.
    judged = open_pairs[(e0 - open_pairs["matched_on"]).dt.days >= CADENCE_MIN_DAYS]
    span_start = judged["matched_on"].where(judged["matched_on"] > s0, s0)
    span_end = judged["ended_on"].fillna(e0)
    span_end = span_end.where(span_end < e0, e0)
    open_days = (span_end - span_start).dt.days + 1
    months_open = np.maximum(1, np.floor(open_days / MONTH_DAYS))
    target = judged["meetings_target_per_month"].fillna(DEFAULT_TARGET)
    reached = judged["pair_id"].map(held_by_pair).fillna(0) >= target * months_open

    # At risk on the as-of date.
    window_start = e0 - pd.Timedelta(days=AT_RISK_DAYS - 1)
    recent = held_to_date[held_to_date["occurred_on"] >= window_start]["pair_id"]
    at_risk = pairs[(pairs["matched_on"] <= e0) & (pairs["ended_on"].isna() | (pairs["ended_on"] >= e0))
                    & ((e0 - pairs["matched_on"]).dt.days >= AT_RISK_DAYS) & ~pairs["pair_id"].isin(recent)]

    n_active = len(active)
    missed = dated["status"].isin(["cancelled", "no_show"]).sum()
    return {
        "open_pairs": len(open_pairs),
        "active_pairs": n_active,
        "active_pair_rate": ratio(n_active, len(open_pairs)),
        "sessions_held": len(held),
        "sessions_per_active_pair_per_month": None if n_active == 0 else len(held) / n_active / 3,
        "cancellation_rate": ratio(int(missed), len(dated)),
        "median_hours_per_active_pair": median_or_none(active["pair_id"].map(minutes_by_pair) / 60),
        "median_days_to_first_meeting": median_or_none(days_to_first),
        "pairs_never_met": int(first.isna().sum()),
        "cadence_adherence": ratio(int(reached.sum()), len(judged)),
        "at_risk_pairs": len(at_risk),
    }


def survival_ref(t, start, end, f) -> list[dict]:
    e0 = ts(end)
    pairs = pair_frame(t, f)
    pairs = pairs[pairs["matched_on"] <= e0]
    ended = pairs["ended_on"].notna() & (pairs["ended_on"] <= e0)
    stop = pairs["ended_on"].where(ended, e0)
    times = ((stop - pairs["matched_on"]).dt.days / MONTH_DAYS).to_numpy(float)
    event = (ended & (pairs["end_reason"].fillna("") != "completed")).to_numpy(bool)
    rows = []
    sf = ci = None
    if len(times):
        sf = stats.ecdf(stats.CensoredData(uncensored=times[event], right=times[~event])).sf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            ci = sf.confidence_interval(0.95, method="log-log")
    for month in SURVIVAL_MONTHS:
        known = sf is not None and month <= times.max()
        rows.append({"months": month,
                     "survival": num(sf.evaluate(month)) if known else None,
                     "ci_low": num(ci.low.evaluate(month)) if known else None,
                     "ci_high": num(ci.high.evaluate(month)) if known else None,
                     "at_risk": int((times >= month).sum())})
    return rows


def early_exit_ref(t, start, end, f):
    pairs = pair_frame(t, f)
    ended = pairs[(pairs["ended_on"] >= ts(start)) & (pairs["ended_on"] <= ts(end))]
    return ratio(int((ended["end_reason"].fillna("") != "completed").sum()), len(ended))


def two_groups(x1, n1, x2, n2, min_group) -> dict:
    """Shares, Wald CI of the difference, chi-square (corrected) or Fisher p, the 80%-power MDE and the
    reading against ±5 points (smallest_effect_of_interest); suppression."""
    out = {"participants": ratio(x1, n1), "non_participants": ratio(x2, n2), "difference": None,
           "ci_low": None, "ci_high": None, "p_value": None, "mde_80": None, "reading": None,
           "n_participants": n1, "n_non_participants": n2, "suppressed": min(n1, n2) < min_group}
    if n1 and n2:
        p1, p2 = x1 / n1, x2 / n2
        se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        low, high = p1 - p2 - 1.96 * se, p1 - p2 + 1.96 * se
        table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
        expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
        if (expected < 5).any():
            p_value = stats.fisher_exact(table, alternative="two-sided").pvalue
        else:
            p_value = stats.chi2_contingency(table).pvalue
        reading = ("difference" if low > 0 or high < 0 else
                   "no_meaningful_difference" if -0.05 <= low and high <= 0.05 else "inconclusive")
        out.update(difference=p1 - p2, ci_low=low, ci_high=high, p_value=float(p_value),
                   mde_80=(stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * se, reading=reading)
    if out["suppressed"]:
        for key in ("participants", "non_participants", "difference", "ci_low", "ci_high", "p_value", "mde_80",
                    "reading"):
            out[key] = None
    return out


def landmark_ref(t, end, f) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """The landmark design: the population employed on L (the window's first day) with its group
    ('participant' | 'non' | 'neither'), `retained`, `promoted` and covariates on L; participants were in a
    pair matched before L and open since L − 12 months (of the filtered program, cohort and role),
    non-participants in no pair at all. Also the qualifying memberships, L and L − 12 months."""
    e0 = ts(end)
    ws = ts(end + timedelta(days=1)) - pd.DateOffset(months=12)
    lookback = ws - pd.DateOffset(months=12)
    emp = t["employees"]
    if "department" in f:
        emp = emp[emp["department"] == f["department"]]
    population = emp[(emp["hired_on"] < ws) & (emp["terminated_on"].isna() | (emp["terminated_on"] >= ws))].copy()
    pairs = t["pairs"]
    # One row per person per pair: the role they held and the pair's program, cohort and dates.
    memberships = pd.concat([
        pairs[[f"{role}_id", "pair_id", "program", "cohort", "matched_on", "ended_on"]]
        .rename(columns={f"{role}_id": "employee_id"}).assign(role=role)
        for role in ("mentor", "mentee")], ignore_index=True)
    selected = (memberships["matched_on"] < ws) & (memberships["ended_on"].isna() | (memberships["ended_on"] >= lookback))
    for key in ("program", "cohort", "role"):
        if key in f:
            selected &= (memberships[key] == f[key]).fillna(False).astype(bool)
    qualifying = memberships[selected]
    population["group"] = np.where(population["employee_id"].isin(set(qualifying["employee_id"])), "participant",
                                   np.where(population["employee_id"].isin(set(memberships["employee_id"])),
                                            "neither", "non"))
    population["retained"] = population["terminated_on"].isna() | (population["terminated_on"] > e0)
    population["promoted"] = (population["last_promoted_on"] >= ws) & (population["last_promoted_on"] <= e0)
    for column in ("department", "level"):
        text = population[column].fillna("").str.strip()
        population[column] = text.where(text != "", "(blank)")
    population["tenure"] = (ws - population["hired_on"]).dt.days / 365.25
    population["tenure_band"] = pd.cut(population["tenure"], [0, 1, 3, 5, 10, np.inf], right=False,
                                       labels=["<1", "1-3", "3-5", "5-10", "10+"]).astype(str)
    return population, qualifying, ws, lookback


def employees_ref(t, start, end, f, min_group) -> tuple[dict, dict]:
    population, _, _, _ = landmark_ref(t, end, f)
    part, non = population[population["group"] == "participant"], population[population["group"] == "non"]
    neither = int((population["group"] == "neither").sum())
    x = {outcome: (int(part[outcome].sum()), int(non[outcome].sum())) for outcome in ("retained", "promoted")}
    return (two_groups(x["retained"][0], len(part), x["retained"][1], len(non), min_group) | {"n_neither": neither},
            two_groups(x["promoted"][0], len(part), x["promoted"][1], len(non), min_group) | {"n_neither": neither})


def e_value_ref(rr):
    if rr is None or not rr > 0:
        return None
    rr = max(rr, 1 / rr)
    return rr + math.sqrt(rr * (rr - 1))


def impact_ref(t, start, end, f, min_group) -> dict | None:
    """METRICS.md, Impact, one person at a time in pandas."""
    if t["employees"]["department"].isna().all() or t["employees"]["level"].isna().all():
        return None
    population, qualifying, ws, lookback = landmark_ref(t, end, f)
    z = stats.norm.ppf(0.975)
    keys = ["department", "level", "tenure_band"]
    part, non = population[population["group"] == "participant"], population[population["group"] == "non"]
    out = {"landmark": ws.date().isoformat(), "n_participants": len(part), "n_non_participants": len(non),
           "n_neither": int((population["group"] == "neither").sum())}
    ones = part.groupby(keys).agg(n1=("employee_id", "size"), r1=("retained", "sum"), q1=("promoted", "sum"))
    zeros = non.groupby(keys).agg(n0=("employee_id", "size"), r0=("retained", "sum"), q0=("promoted", "sum"))
    strata = ones.join(zeros, how="inner")  # matched: at least one of each
    w = strata["n1"] / strata["n1"].sum()
    for outcome, one, zero in (("retention_12m", "r1", "r0"), ("promotion_rate_12m", "q1", "q0")):
        p1, p0 = strata[one] / strata["n1"], strata[zero] / strata["n0"]
        treated, comparison = float((w * p1).sum()), float((w * p0).sum())
        d = treated - comparison
        se = math.sqrt(float((w ** 2 * (p1 * (1 - p1) / strata["n1"] + p0 * (1 - p0) / strata["n0"])).sum()))
        low, high = d - z * se, d + z * se
        base = 1 - comparison if outcome == "retention_12m" else comparison
        ratio = (lambda x: (base - x) / base if outcome == "retention_12m" else (base + x) / base) if base else None
        figures = {"participants": treated, "comparison": comparison, "difference": d, "ci_low": low,
                   "ci_high": high, "se": se, "p_value": 2 * stats.norm.sf(abs(d) / se) if se else None,
                   "mde_80": (z + stats.norm.ppf(0.8)) * se,
                   "reading": "difference" if low > 0 or high < 0 else
                   "no_meaningful_difference" if -0.05 <= low and high <= 0.05 else "inconclusive",
                   "e_value": e_value_ref(ratio(d)) if ratio else None,
                   "e_value_ci": None if not ratio else 1.0 if low <= 0 <= high else
                   e_value_ref(ratio(low if low > 0 else high))}
        suppressed = min(strata["n1"].sum(), strata["n0"].sum()) < min_group
        out[outcome] = {**{k: None if suppressed else num(v) if not isinstance(v, str) else v
                           for k, v in figures.items()},
                        "n_participants": int(strata["n1"].sum()),
                        "n_participants_unmatched": len(part) - int(strata["n1"].sum()),
                        "n_comparison": int(strata["n0"].sum()), "strata": len(strata), "suppressed": bool(suppressed)}
    # Balance: each matched non-participant weighs n1_s / n0_s.
    weight = non.join((strata["n1"] / strata["n0"]).rename("w"), on=keys)["w"].fillna(0)
    out["balance"] = []
    for covariate in keys:
        levels = sorted(set(part[covariate]) | set(non[covariate]))
        if covariate == "tenure_band":
            levels = [b for b in ["<1", "1-3", "3-5", "5-10", "10+"] if b in levels]
        for level in levels:
            out["balance"].append({"covariate": covariate, "level": level,
                                   "participants": num((part[covariate] == level).mean()),
                                   "non_participants": num((non[covariate] == level).mean()),
                                   "non_participants_weighted":
                                       num(weight[non[covariate] == level].sum() / weight.sum())
                                       if weight.sum() else None})
    spread = math.sqrt((part["tenure"].var(ddof=1) + non["tenure"].var(ddof=1)) / 2)
    matched_part = part.join(strata["n1"], on=keys, how="inner")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # no participants: no mean
        out["tenure_smd"] = {
            "before": num((part["tenure"].mean() - non["tenure"].mean()) / spread),
            "after": num((matched_part["tenure"].mean() - (weight * non["tenure"]).sum() / weight.sum()) / spread)}
    # Dose: held sessions of each participant's qualifying pairs in the 12 months before L.
    s = t["sessions"]
    held = s[(s["status"] == "held") & (s["occurred_on"] >= lookback) & (s["occurred_on"] < ws)]
    per_pair = held.groupby("pair_id").size()
    sessions = qualifying.assign(n=qualifying["pair_id"].map(per_pair).fillna(0)).groupby("employee_id")["n"].sum()
    dosed = part.assign(band=pd.cut(part["employee_id"].map(sessions), [0, 3, 6, 12, np.inf], right=False,
                                    labels=["0-2", "3-5", "6-11", "12+"]).astype(str))
    out["dose_response"], tables = [], {"retained": [], "promoted": []}
    for band in ["0-2", "3-5", "6-11", "12+"]:
        g = dosed[dosed["band"] == band]
        row = {"band": band, "n": len(g), "suppressed": len(g) < min_group}
        for outcome, name, prefix in (("retained", "retention_12m", "retention"),
                                      ("promoted", "promotion_rate_12m", "promotion")):
            share = g[outcome].mean() if len(g) else None
            half = z * math.sqrt(share * (1 - share) / len(g)) if len(g) else None
            row.update({name: share, f"{prefix}_ci_low": None if share is None else max(0.0, share - half),
                        f"{prefix}_ci_high": None if share is None else min(1.0, share + half)})
            if len(g):
                tables[outcome].append([int(g[outcome].sum()), len(g) - int(g[outcome].sum())])
        if row["suppressed"]:
            row.update({k: None for k in row if k not in ("band", "n", "suppressed")})
        out["dose_response"].append(row)

    def chi2(table):
        table = np.array(table)
        if len(table) < 2 or (table.sum(axis=0) == 0).any() or len(part) < min_group:
            return None
        return stats.chi2_contingency(table).pvalue
    out["dose_response_p_values"] = {"retention_12m": chi2(tables["retained"]),
                                     "promotion_rate_12m": chi2(tables["promoted"])}
    return out


def pre_post_ref(t, start, end, f, min_group) -> list[dict]:
    r = response_frame(t, f)
    exits = r[(r["wave"] == "exit") & (r["submitted_on"] >= ts(start)) & (r["submitted_on"] <= ts(end))
              & r["respondent_id"].notna()]
    everyone = response_frame(t, None)
    baselines = everyone[(everyone["wave"] == "baseline") & everyone["respondent_id"].isin(exits["respondent_id"])]
    order = ["respondent_id", "dimension", "submitted_at", "response_id"]
    exit_scores = likert_scores(t, exits).sort_values(order).groupby(["respondent_id", "dimension"]).tail(1)
    base_scores = likert_scores(t, baselines).sort_values(order).groupby(["respondent_id", "dimension"]).head(1)
    both = exit_scores.merge(base_scores, on=["respondent_id", "dimension"], suffixes=("_exit", "_base"))
    rows = []
    for dimension, group in both.groupby("dimension", sort=True):
        # Both waves on the most common scale k among the pairs' baseline and exit scores (ties: the longer one).
        counts = pd.concat([group["k_base"], group["k_exit"]]).value_counts()
        k = max(counts[counts == counts.max()].index)
        before, after = ((1 + (group[f"score_{w}"] - 1) * (k - 1) / (group[f"k_{w}"] - 1)).to_numpy(float)
                         for w in ("base", "exit"))
        diff = after - before
        n = len(diff)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            t_p = stats.ttest_rel(after, before).pvalue if n > 1 else None
        w_p = stats.wilcoxon(diff).pvalue if (diff != 0).any() else None
        sd = diff.std(ddof=1) if n > 1 else float("nan")
        n_exit = int((exit_scores["dimension"] == dimension).sum())
        row = {"dimension": dimension, "n_pairs": n, "n_excluded": n_exit - n,
               "mean_baseline": before.mean(), "mean_exit": after.mean(), "mean_change": diff.mean(),
               "t_p_value": num(t_p), "wilcoxon_p_value": num(w_p),
               "cohens_dz": num(diff.mean() / sd) if sd > 0 else None, "suppressed": n < min_group}
        if n < min_group:
            row.update({k: None for k in ("mean_baseline", "mean_exit", "mean_change", "t_p_value",
                                          "wilcoxon_p_value", "cohens_dz")})
        rows.append(row)
    return rows


def goals_ref(t, start, end, f):
    pairs = pair_frame(t, f)
    goals = t["goals"][t["goals"]["pair_id"].isin(pairs["pair_id"])]
    due = goals[(goals["due_on"] >= ts(start)) & (goals["due_on"] <= ts(end))]
    return ratio(int((due["achieved_on"] <= ts(end)).sum()), len(due))


def reference(t, start, end, f, min_group) -> dict:
    employees, promotion = employees_ref(t, start, end, f, min_group)
    return {
        "satisfaction": satisfaction_ref(t, start, end, f, min_group),
        "engagement": engagement_ref(t, start, end, f),
        "retention": {"pair_survival": survival_ref(t, start, end, f),
                      "early_exit_rate": early_exit_ref(t, start, end, f),
                      "employee_retention_12m": employees, "promotion_rate_12m": promotion},
        "outcomes": {"pre_post": pre_post_ref(t, start, end, f, min_group),
                     "goal_attainment_rate": goals_ref(t, start, end, f)},
        "impact": impact_ref(t, start, end, f, min_group),
    }


# ---------------------------------------------------------------------------------------------
# Comparison
# ---------------------------------------------------------------------------------------------

def assert_same(expected, got, where: str = "") -> None:
    """Recursive equality: numbers to rel 1e-9, nulls equal nulls, only the expected keys of dicts,
    lists by position."""
    if expected is None:
        assert got is None, f"{where}: expected null, got {got!r}"
    elif isinstance(expected, bool):
        assert got is expected, f"{where}: expected {expected}, got {got!r}"
    elif isinstance(expected, dict):
        assert isinstance(got, dict), f"{where}: expected an object, got {got!r}"
        for key, value in expected.items():
            assert key in got, f"{where}: key {key!r} missing"
            assert_same(value, got[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(got, list) and len(got) == len(expected), \
            f"{where}: expected {len(expected)} rows, got {got!r}"
        for k, (e, g) in enumerate(zip(expected, got)):
            assert_same(e, g, f"{where}[{k}]")
    elif isinstance(expected, str):
        assert got == expected, f"{where}: expected {expected!r}, got {got!r}"
    else:
        assert got is not None, f"{where}: expected {expected!r}, got null"
        assert not isinstance(got, bool), f"{where}: expected a number, got {got!r}"
        assert got == pytest.approx(float(expected), rel=1e-9, abs=1e-12), \
            f"{where}: expected {expected!r}, got {got!r}"


def pick(result: dict, path: str):
    for key in path.split("."):
        result = result[key]
    return result


def held_back(expected, got, figure: str):
    """`expected` with the survey figures the engine holds back to protect a smaller group (docs/privacy.md)
    hidden as it hides them: that decision spans every view at once, and tests/test_lattice.py proves it
    by rank; here every figure shown must be right and every small group hidden."""
    if figure == "satisfaction.nps":
        return _hidden_as(expected, got)
    if figure == "satisfaction.dimensions":
        return [_hidden_as(e, g) for e, g in zip(expected, got)] if len(expected) == len(got) else expected
    return expected


def _hidden_as(expected: dict, got: dict) -> dict:
    if expected["suppressed"] or not got.get("suppressed"):
        return expected
    return {**expected, **{k: None for k, v in got.items() if v is None}, "suppressed": True}


ENGAGEMENT_FIGURES = ["open_pairs", "active_pairs", "active_pair_rate", "sessions_held",
                      "sessions_per_active_pair_per_month", "cancellation_rate", "median_hours_per_active_pair",
                      "median_days_to_first_meeting", "pairs_never_met", "cadence_adherence", "at_risk_pairs"]
FIGURES = [
    "satisfaction.responses", "satisfaction.nps", "satisfaction.dimensions",
    *(f"engagement.{name}" for name in ENGAGEMENT_FIGURES),
    "retention.pair_survival", "retention.early_exit_rate",
    "retention.employee_retention_12m", "retention.promotion_rate_12m",
    "outcomes.pre_post", "outcomes.goal_attainment_rate",
    "impact.retention_12m", "impact.promotion_rate_12m", "impact.balance", "impact.tenure_smd",
    "impact.dose_response", "impact.dose_response_p_values", "impact.n_neither", "impact.landmark",
]


@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("filter_name", FILTERS)
@pytest.mark.parametrize("quarter", QUARTERS)
def test_figure_matches_independent_computation(audit, quarter, filter_name, figure):
    got = pick(audit.got(quarter, filter_name), figure)
    assert_same(held_back(pick(audit.expected(quarter, filter_name), figure), got, figure), got, figure)


@pytest.mark.parametrize("figure", FIGURES)
@pytest.mark.parametrize("filter_name", ["all", "program", "department", "role"])
def test_boundary_rows_match_independent_computation(edge_audit, filter_name, figure):
    got = pick(edge_audit.got("2026Q2", filter_name), figure)
    assert_same(held_back(pick(edge_audit.expected("2026Q2", filter_name), figure), got, figure), got, figure)


@pytest.mark.parametrize("quarter", QUARTERS)
def test_period_and_filters_echoed(audit, quarter):
    got = audit.got(quarter, "program+department")
    start, end = QUARTERS[quarter]
    assert got["period"] == {"label": quarter, "start": start.isoformat(), "end": end.isoformat()}
    assert got["filters"] == {"program": "New-hire mentoring", "cohort": None, "department": "Sales", "role": None}


# Suppression: a threshold high enough that some survey and employee groups fall below it.
SUPPRESSION_CASES = [("2026Q2", "all", 60), ("2026Q2", "department", 30), ("2026Q3", "program", 20),
                     ("2026Q3", "cohort", 40),
                     # 29-32 responses per dimension from 16-18 people: suppressed by people, not responses
                     ("2026Q3", "program+department", 20)]
SUPPRESSIBLE = ["satisfaction.nps", "satisfaction.dimensions", "retention.employee_retention_12m",
                "retention.promotion_rate_12m", "outcomes.pre_post", "impact.retention_12m",
                "impact.promotion_rate_12m", "impact.dose_response", "impact.dose_response_p_values"]


@pytest.mark.parametrize("figure", [*SUPPRESSIBLE, "satisfaction.responses", "engagement", "retention.pair_survival"])
@pytest.mark.parametrize("quarter, filter_name, min_group", SUPPRESSION_CASES)
def test_suppression_matches_independent_computation(audit, quarter, filter_name, min_group, figure):
    got = pick(audit.got(quarter, filter_name, min_group), figure)
    assert_same(held_back(pick(audit.expected(quarter, filter_name, min_group), figure), got, figure), got, figure)


def _suppressed_flags(result: dict) -> list[bool]:
    flags = [result["satisfaction"]["nps"]["suppressed"]]
    flags += [d["suppressed"] for d in result["satisfaction"]["dimensions"]]
    flags += [result["retention"][k]["suppressed"] for k in ("employee_retention_12m", "promotion_rate_12m")]
    flags += [row["suppressed"] for row in result["outcomes"]["pre_post"]]
    return flags


def test_suppression_cases_exercise_both_outcomes(audit):
    """The thresholds above hide some figures and show others; the default hides fewer."""
    flags = [f for case in SUPPRESSION_CASES for f in _suppressed_flags(audit.got(*case))]
    assert any(flags) and not all(flags)
    for quarter, filter_name, min_group in SUPPRESSION_CASES:
        strict, default = audit.got(quarter, filter_name, min_group), audit.got(quarter, filter_name)
        assert sum(_suppressed_flags(strict)) >= sum(_suppressed_flags(default))
        # Counts stay visible when a figure is suppressed.
        for row in strict["satisfaction"]["dimensions"]:
            assert row["n"] > 0 and row["scale_points"] in (4, 5, 7, 10)
            if row["suppressed"]:
                assert row["mean"] is None and row["top2box"] is None
        nps = strict["satisfaction"]["nps"]
        if nps["suppressed"]:
            assert nps["n"] is not None and nps["promoters"] is None and nps["value"] is None
        for key in ("employee_retention_12m", "promotion_rate_12m"):
            block = strict["retention"][key]
            assert block["n_participants"] is not None and block["n_non_participants"] is not None
            if block["suppressed"]:
                assert block["p_value"] is None
                assert min(block["n_participants"], block["n_non_participants"]) < min_group
        for row in strict["outcomes"]["pre_post"]:
            if row["suppressed"]:
                assert row["n_pairs"] < min_group and row["mean_change"] is None


def test_demo_exercises_the_interesting_branches(audit):
    """The audit is only as good as its data: check the demo reaches the branches that matter."""
    t = audit.tables
    # Pairs ended early, completed, and still open; blank end reasons count as early ends.
    assert t["pairs"]["end_reason"].isna().any() and (t["pairs"]["end_reason"] == "completed").any()
    # Responses without their own cohort fall back to the respondent's participant record.
    assert t["responses"]["cohort"].isna().any()
    # Both the chi-square and the Fisher branch of the employee p-values are taken somewhere.
    methods = set()
    for quarter in QUARTERS:
        for filter_name in FILTERS:
            for block in (audit.expected(quarter, filter_name)["retention"]["employee_retention_12m"],
                          audit.expected(quarter, filter_name)["retention"]["promotion_rate_12m"]):
                if block["suppressed"]:  # a cohort matched after the landmark has no participants yet
                    continue
                n1, n2 = block["n_participants"], block["n_non_participants"]
                x1, x2 = round(block["participants"] * n1), round(block["non_participants"] * n2)
                table = np.array([[x1, n1 - x1], [x2, n2 - x2]])
                expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
                methods.add("fisher" if (expected < 5).any() else "chi2")
    assert methods == {"fisher", "chi2"}


# One dimension answered on two scales in one period: the 2026Q2 demo mixes the leadership program's
# 7-point exit survey with 5-point pulses on six dimensions.
MIXED_SCALE_CASES = [("2026Q2", "all"), ("2026Q2", "program"), ("2026Q2", "department")]


@pytest.mark.parametrize("quarter, filter_name", MIXED_SCALE_CASES)
def test_mixed_scale_mean_is_on_the_reported_scale(audit, quarter, filter_name):
    """`mean` is "the mean dimension score on the 1..k scale": with k = the row's scale_points, a
    7-point score x is 1 + (x − 1)(k − 1)/6 on that scale before it is averaged."""
    t = audit.tables
    start, end = QUARTERS[quarter]
    r = response_frame(t, FILTERS[filter_name])
    r = r[(r["submitted_on"] >= ts(start)) & (r["submitted_on"] <= ts(end)) & (r["wave"] != "baseline")]
    scores = likert_scores(t, r)
    got = {row["dimension"]: row for row in audit.got(quarter, filter_name)["satisfaction"]["dimensions"]}
    mixed = [d for d, g in scores.groupby("dimension") if g["k"].nunique() > 1]
    assert mixed  # the case does mix scales
    for dimension in mixed:
        group = scores[scores["dimension"] == dimension]
        k = got[dimension]["scale_points"]
        on_k = 1 + (group["score"] - 1) * (k - 1) / (group["k"] - 1)
        assert got[dimension]["mean"] == pytest.approx(on_k.mean(), rel=1e-9), dimension
