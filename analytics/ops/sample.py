"""The seeded sample-data generator: 18 months of two mentoring programs.

`generate()` builds the canonical tables (what a full ingest would hold);
`analytics.sample_writers.write_exports()` writes them as the files users
upload. The data tells the demo's story:

- engaged pairs (more held sessions) report more benefit;
- the Leadership program's autumn cohort fades: rising cancellations, pairs
  going quiet, so some are at risk at the end;
- participants stay longer and are promoted more often than other employees,
  partly because mentoring keeps people (RETENTION_EFFECT) and partly because
  those who join are more senior and longer-serving, who leave less anyway;
- 'Monthly check-in reminders' (from 2026-02-01) lift the New-hire cadence;
- baseline → exit gains on skill development, career clarity and networking.

Everything is vectorised (numpy) so the benchmark's 100× scale takes seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

NEW_HIRE = "New-hire mentoring"
LEADERSHIP = "Leadership program"

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")
MONTH_DAYS = 30.4375

DIMENSIONS = ("industry_knowledge", "networking", "emotional_support", "skill_development",
              "job_satisfaction", "career_clarity", "relationship_quality", "overall_satisfaction")
# A baseline is answered before mentoring starts: it asks only about oneself.
BASELINE_DIMENSIONS = DIMENSIONS[:6]
WAVES = ("baseline", "midpoint", "exit", "pulse")
END_REASONS = ("completed", "withdrawn", "rematched", "left_organization", "other")

DEPARTMENTS = ("Engineering", "Sales", "Operations", "Finance", "Customer Success", "Legal")
# Legal stays tiny among participants so the demo shows a suppressed group.
PARTICIPANT_DEPT_WEIGHTS = (0.32, 0.22, 0.18, 0.13, 0.14, 0.01)
EMPLOYEE_DEPT_WEIGHTS = (0.30, 0.22, 0.20, 0.12, 0.13, 0.03)
LEVELS = ("Associate", "Professional", "Senior", "Manager", "Director")
LOCATIONS = ("London", "Berlin", "New York", "Remote")
FORMATS = ("in_person", "video", "phone", "chat")
TOPICS = ("Onboarding", "Career planning", "Feedback", "Leadership", "Networking",
          "Technical skills", "Work-life balance")
GOAL_CATEGORIES = ("Leadership", "Communication", "Technical skills", "Networking",
                   "Career planning", "Onboarding")
FIRST_NAMES = ("Anna", "Ben", "Chloe", "David", "Elif", "Farah", "George", "Hannah", "Ivan",
               "Julia", "Kwame", "Lena", "Mateo", "Nadia", "Oliver", "Priya", "Quinn", "Rosa",
               "Samir", "Tessa", "Umar", "Vera", "Wei", "Yara", "Zoe", "Lukas", "Maya", "Noah")
LAST_NAMES = ("Schmidt", "Okafor", "Garcia", "Nguyen", "Brown", "Kowalski", "Patel", "Rossi",
              "Jensen", "Haddad", "Silva", "Murphy", "Novak", "Tanaka", "Fischer", "Ahmed",
              "Dubois", "Larsen", "Costa", "Ibrahim", "Walsh", "Meyer", "Khan", "Evans")


@dataclass(frozen=True)
class Program:
    name: str
    months: int              # planned length of a pairing
    target: int              # meetings per month the program asks for
    mentee_levels: tuple[str, ...]
    share: float             # share of all mentees


PROGRAMS = (Program(NEW_HIRE, 6, 4, ("Associate", "Professional"), 0.6),
            Program(LEADERSHIP, 12, 2, ("Senior", "Manager"), 0.4))
COHORT_STARTS = (0, 6, 11)   # months after the data begins when each cohort is matched
SLIPPING_COHORT = (LEADERSHIP, 6)

IMPROVEMENT_START = date(2026, 2, 1)
IMPROVEMENT_LIFT = 1.3

# The planted effect: over the data's last 12 months, a participant at their start (the landmark) is
# this much likelier to stay than a colleague of the same level and tenure who was never mentored.
RETENTION_EFFECT = 0.08
# Chance of leaving within those 12 months without mentoring, by level and tenure band on the landmark:
# juniors and newcomers leave more, which is what makes the raw participant gap larger than the effect.
LEAVING_BY_LEVEL = {"Associate": 0.34, "Professional": 0.28, "Senior": 0.13, "Manager": 0.10, "Director": 0.09}
LEAVING_BY_TENURE = ((1, 0.04), (3, 0.02), (10, 0.0), (np.inf, -0.01))  # (below this many years, added)


@dataclass(frozen=True)
class Survey:
    """One survey the organisation ran: which tool, for whom, and how it exports."""
    name: str                # also the export's file name, without extension
    tool: str                # qualtrics / surveymonkey / google_forms / ms_forms
    wave: str
    program: str | None      # None: every program
    scale_points: int = 5    # of its agreement items
    numeric: bool = False    # Qualtrics "export values" instead of choice text


SURVEYS = (
    Survey("qualtrics_leadership_baseline", "qualtrics", "baseline", LEADERSHIP, 7),
    Survey("qualtrics_leadership_exit", "qualtrics", "exit", LEADERSHIP, 7, numeric=True),
    Survey("surveymonkey_midpoint", "surveymonkey", "midpoint", None),
    Survey("surveymonkey_leadership_pulse", "surveymonkey", "pulse", LEADERSHIP),
    Survey("google_forms_newhire_baseline", "google_forms", "baseline", NEW_HIRE),
    Survey("google_forms_newhire_pulse", "google_forms", "pulse", NEW_HIRE),
    Survey("msforms_newhire_exit", "ms_forms", "exit", NEW_HIRE),
)

NEGATIVE_COMMENTS = (  # time constraints, unclear expectations, fading engagement, poor match
    "Hard to find time for our meetings with the current workload.",
    "We kept rescheduling because of deadlines - time is the real constraint.",
    "It was never clear what we were supposed to cover in our sessions.",
    "Unclear expectations at the start; we did not know what success looked like.",
    "We met a lot at first but the meetings faded out after a few months.",
    "Engagement dropped off and we have not met for a while.",
    "My mentor works in a very different area, so the match did not fit my goals.",
    "Poor match - we have little in common professionally.",
)
POSITIVE_COMMENTS = (  # networking, skills, knowledge, support, career direction
    "My mentor introduced me to people across three departments - great for my network.",
    "I have improved my presentation and stakeholder management skills.",
    "Learned a lot about how our industry and the business really work.",
    "Having someone to talk to during a difficult project made a real difference.",
    "I now have a much clearer idea of where I want my career to go.\n"
    "The career planning sessions were the highlight.",
    "Great support and honest feedback every time we met.",
)


@dataclass(frozen=True)
class SampleData:
    participants: pd.DataFrame
    pairs: pd.DataFrame
    sessions: pd.DataFrame
    goals: pd.DataFrame
    employees: pd.DataFrame
    surveys: pd.DataFrame


def improvement_actions() -> list[dict]:
    """The improvement the demo's program lead logged, for the demo loader."""
    return [{
        "title": "Monthly check-in reminders",
        "description": "Pairs get a reminder at the start of each month to book their "
                       "next check-in, after cadence dropped in late 2025.",
        "owner": "New-hire program lead",
        "program": NEW_HIRE,
        "started_on": IMPROVEMENT_START,
        "metric": "sessions_per_active_pair_per_month",
    }]


def objectives() -> list[dict]:
    """The objectives the demo's program leads set, for the demo loader: on the demo's last quarter
    (2026Q3) two are on track, two at risk and one off track."""
    return [
        {"metric": "nps", "target": 20, "direction": "at_least"},
        {"metric": "active_pair_rate", "target": 0.8, "direction": "at_least"},
        {"metric": "retention_effect_12m", "target": 0.02, "direction": "at_least"},
        {"metric": "goal_attainment_rate", "target": 0.65, "direction": "at_least", "amber_band": 0.1,
         "program": LEADERSHIP},
        {"metric": "overall_satisfaction_mean", "target": 3.5, "direction": "at_least"},
    ]


def generate(seed: int = 7, scale: float = 1.0, end: date = date(2026, 9, 30), *,
             activity: float | None = None) -> SampleData:
    """Sample data for the 18 months ending at `end`.

    `scale` multiplies the numbers of people and pairs (1 ≈ 400 participants,
    1,500 employees). `activity` multiplies meetings per pair and pulse
    surveys per quarter; by default it grows as scale**0.3, so that scale=100
    gives the benchmark's mix (≈2M sessions, ≈400k responses).
    """
    if scale <= 0:
        raise ValueError("scale must be positive")
    if activity is None:
        activity = max(scale, 1.0) ** 0.3
    rng = np.random.default_rng(seed)
    end_d = np.datetime64(end, "D")
    start = (np.datetime64(end_d + DAY, "M") - 18).astype("datetime64[D]")
    cohorts = _cohorts(start)
    pairs = _pairs(rng, cohorts, _count(200, scale), end_d)
    people = _participants(rng, pairs, cohorts)
    employees, emp_ids = _employees(rng, people, pairs, _count(1500, scale), start, end_d)
    return SampleData(
        participants=_participant_frame(people, cohorts, emp_ids),
        pairs=_pair_frame(pairs, cohorts, emp_ids),
        sessions=_sessions(rng, pairs, cohorts, activity, end_d),
        goals=_goals(rng, pairs, end_d),
        employees=employees,
        surveys=_surveys(rng, pairs, people, cohorts, emp_ids, activity, start, end_d),
    )


def _count(base: int, scale: float) -> int:
    return max(1, int(round(base * scale)))


def _days(x) -> np.ndarray:
    return np.floor(np.asarray(x, dtype=float)).astype("int64") * DAY


def _allot(rng: np.random.Generator, n: int, weights) -> np.ndarray:
    """Category codes in exact proportions (not sampled), so small groups stay small."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    counts = np.floor(w * n).astype(int)
    counts[np.argsort(-(w * n - counts))[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(w)), counts))


def _cohorts(start: np.datetime64) -> pd.DataFrame:
    rows = []
    for program in PROGRAMS:
        for offset in COHORT_STARTS:
            first = (np.datetime64(start, "M") + offset).astype("datetime64[D]")
            year, month = int(str(first)[:4]), int(str(first)[5:7])
            rows.append({"program": program.name,
                         "cohort": f"{year} {'Spring' if month <= 6 else 'Autumn'}",
                         "match_from": first, "months": program.months, "target": program.target,
                         "weight": program.share / len(COHORT_STARTS),
                         "slipping": (program.name, offset) == SLIPPING_COHORT,
                         "levels": program.mentee_levels})
    return pd.DataFrame(rows)


def _pairs(rng, cohorts: pd.DataFrame, n_mentees: int, end: np.datetime64) -> dict:
    """One pairing per mentee, plus a second pairing for those rematched."""
    cohort = _allot(rng, n_mentees, cohorts["weight"])
    months = cohorts["months"].to_numpy()[cohort]
    matched = cohorts["match_from"].to_numpy().astype("datetime64[D]")[cohort] + _days(rng.uniform(0, 42, n_mentees))
    # Rounded up so a completed pairing reaches its full 6 or 12 months on the survival curve.
    planned = matched + _days(np.ceil(months * MONTH_DAYS))
    engagement = rng.gamma(4.0, 0.3, n_mentees)
    # Some of the slipping cohort's pairs go quiet for good: still open, no meetings.
    quiet = cohorts["slipping"].to_numpy()[cohort] & (rng.random(n_mentees) < 0.4)
    quiet_from = np.where(quiet, matched + _days(rng.uniform(4, 8, n_mentees) * MONTH_DAYS), NAT)
    early = (rng.random(n_mentees) < np.clip(0.32 - 0.16 * engagement, 0.05, 0.3)) & ~quiet
    early_on = matched + _days(rng.uniform(0.15, 0.85, n_mentees) * months * MONTH_DAYS)
    reason = np.where(early, rng.choice(END_REASONS[1:], n_mentees, p=(0.4, 0.25, 0.2, 0.15)),
                      "completed")
    ended = np.where(early, early_on, planned)

    again = np.flatnonzero((reason == "rematched") & (ended + 21 * DAY <= end))
    rematched_on = ended[again] + _days(rng.uniform(3, 21, again.size))
    pairs = {
        "mentee": np.concatenate([np.arange(n_mentees), again]),
        "cohort": np.concatenate([cohort, cohort[again]]),
        "matched": np.concatenate([matched, rematched_on]),
        "planned": np.concatenate([planned, planned[again]]),
        "ended": np.concatenate([ended, planned[again]]),
        "reason": np.concatenate([reason, np.full(again.size, "completed")]).astype(object),
        "engagement": np.concatenate([engagement, rng.gamma(4.0, 0.3, again.size)]),
        "quiet_from": np.concatenate([quiet_from, np.full(again.size, NAT)]),
        "first": np.concatenate([np.ones(n_mentees, bool), np.zeros(again.size, bool)]),
    }
    order = np.lexsort((pairs["mentee"], pairs["matched"]))
    pairs = {k: v[order] for k, v in pairs.items()}
    still_open = pairs["ended"] > end
    pairs["ended"] = np.where(still_open, NAT, pairs["ended"])
    pairs["reason"][still_open] = None
    pairs["n_mentees"] = n_mentees
    return pairs


def _engagement(pairs: dict, cohorts: pd.DataFrame, idx: np.ndarray, when: np.ndarray) -> np.ndarray:
    """A pair's engagement on a date: its propensity, faded in the slipping cohort."""
    age = (when - pairs["matched"][idx]) / DAY / MONTH_DAYS
    slipping = cohorts["slipping"].to_numpy()[pairs["cohort"][idx]]
    fade = np.where(slipping, np.maximum(0.35, 1 - 0.08 * age), 1.0)
    quiet = np.where(pairs["quiet_from"][idx] <= when, 0.03, 1.0)
    return pairs["engagement"][idx] * fade * quiet


def _participants(rng, pairs: dict, cohorts: pd.DataFrame) -> dict:
    """Mentees first, then one mentor per pair (index n_mentees + pair index)."""
    n_mentees, n_pairs = pairs["n_mentees"], pairs["mentee"].size
    n = n_mentees + n_pairs
    first_pair = np.empty(n_mentees, int)
    first_pair[pairs["mentee"][pairs["first"]]] = np.flatnonzero(pairs["first"])
    last_pair = first_pair.copy()
    last_pair[pairs["mentee"][~pairs["first"]]] = np.flatnonzero(~pairs["first"])
    pair_of = np.concatenate([first_pair, np.arange(n_pairs)])
    is_mentee = np.arange(n) < n_mentees
    cohort = pairs["cohort"][pair_of]
    mentee_levels = np.array(cohorts["levels"].tolist())[cohort, rng.integers(0, 2, n)]
    levels = np.where(is_mentee, mentee_levels, rng.choice(LEVELS[2:], n))
    matched = pairs["matched"][pair_of]
    ended = np.concatenate([pairs["ended"][last_pair], pairs["ended"]])
    return {
        "n": n, "is_mentee": is_mentee, "pair_of": pair_of, "cohort": cohort,
        "last_pair": np.concatenate([last_pair, np.arange(n_pairs)]),
        "program": cohorts["program"].to_numpy()[cohort],
        "department": np.concatenate([_allot(rng, n_mentees, PARTICIPANT_DEPT_WEIGHTS),
                                      _allot(rng, n_pairs, PARTICIPANT_DEPT_WEIGHTS)]),
        "level": levels,
        "location": rng.choice(LOCATIONS, n, p=(0.4, 0.25, 0.25, 0.1)),
        "joined": matched - _days(rng.uniform(0, np.where(is_mentee, 14, 30))),
        "left": ended,
        "left_org": np.concatenate([pairs["reason"][last_pair] == "left_organization",
                                    np.zeros(n_pairs, bool)]),
        "first": rng.choice(FIRST_NAMES, n), "last": rng.choice(LAST_NAMES, n),
        "trait": rng.normal(0, 0.45, n),
    }


def _employees(rng, people: dict, pairs: dict, n_employees: int, start, end) -> tuple[pd.DataFrame, np.ndarray]:
    """The HR snapshot; participants are a random subset sharing its ids."""
    n_emp = max(n_employees, people["n"] + 10)
    emp_of = rng.permutation(n_emp)[: people["n"]]
    ids = np.char.add("E", np.char.zfill(np.arange(100001, 100001 + n_emp).astype(str), 6))

    department = _allot(rng, n_emp, EMPLOYEE_DEPT_WEIGHTS)
    level = rng.choice(LEVELS, n_emp, p=(0.3, 0.3, 0.2, 0.15, 0.05))
    hired = end - _days(rng.uniform(30, 3650, n_emp))
    since = np.maximum(hired, start - 365 * DAY)
    hazard = np.full(n_emp, 0.16)                  # yearly attrition of non-participants
    promotion = np.full(n_emp, 0.12)
    department[emp_of] = people["department"]
    level[emp_of] = people["level"]
    new_hire = people["is_mentee"] & (people["program"] == NEW_HIRE)
    hired[emp_of] = people["joined"] - _days(np.where(new_hire, rng.uniform(1, 40, people["n"]),
                                                      rng.uniform(730, 5475, people["n"])))
    # Those who join are longer-serving; before the last year they leave only after their mentoring ends.
    since[emp_of] = people["left"]
    hazard[emp_of] = 0.06
    promotion[emp_of] = np.where(people["is_mentee"], np.where(new_hire, 0.2, 0.35), 0.15)

    terminated = since + _days(rng.exponential(365.25 / hazard))
    terminated[emp_of] = np.where(people["left_org"], people["left"], terminated[emp_of])
    # Drawn from a generator of their own, so that the sessions and surveys drawn after stay as they were.
    terminated = _last_year_leavers(rng.spawn(1)[0], people, pairs, emp_of, hired, level, terminated, end)
    terminated = np.where(terminated <= end, terminated, NAT)
    anchor = np.where(np.isnat(terminated), end, terminated)
    promoted = anchor - _days(rng.exponential(365.25 / promotion))
    promoted = np.where(promoted >= hired, promoted, NAT)
    frame = pd.DataFrame({
        "employee_id": ids, "hired_on": hired, "terminated_on": terminated,
        "last_promoted_on": promoted,
        "department": np.asarray(DEPARTMENTS)[department], "level": level,
    })
    return frame, ids[emp_of]


def _last_year_leavers(rng, people: dict, pairs: dict, emp_of: np.ndarray, hired, level, terminated, end):
    """Who of those employed on the landmark L (the first day of the last 12 months) leaves by the end:
    LEAVING_BY_LEVEL and LEAVING_BY_TENURE, less RETENTION_EFFECT for participants on L (in a pair
    matched before L and open since 12 months before it). A leaver leaves after L and after their
    pairing; someone still paired at the end stays. A participant who stays but whose pairing ended
    'left_organization' after L withdrew instead (pairs["withdrew"])."""
    landmark = (np.datetime64(end + DAY, "M") - 12).astype("datetime64[D]")
    lookback = (np.datetime64(landmark, "M") - 12).astype("datetime64[D]")
    employed = (hired < landmark) & (np.isnat(terminated) | (terminated >= landmark))
    years = (landmark - hired) / DAY / 365.25
    leaving = np.vectorize(LEAVING_BY_LEVEL.get)(level) + np.select(
        [years < bound for bound, _ in LEAVING_BY_TENURE], [added for _, added in LEAVING_BY_TENURE])
    participant = np.zeros(len(hired), bool)
    for pair in (people["pair_of"], people["last_pair"]):  # a mentee's first and last pairing
        participant[emp_of] |= (pairs["matched"][pair] < landmark) & (
            np.isnat(pairs["ended"][pair]) | (pairs["ended"][pair] >= lookback))
    leaves = employed & (rng.random(len(hired)) < leaving - RETENTION_EFFECT * participant)
    earliest = np.full(len(hired), landmark)
    paired_to_the_end = np.isnat(people["left"])
    earliest[emp_of] = np.where(paired_to_the_end, end, np.maximum(landmark, people["left"]))
    leaves[emp_of] &= ~paired_to_the_end
    on = earliest + _days(rng.uniform(0, 1, len(hired)) * ((end - earliest) / DAY + 1))
    gone_with_pair = people["left_org"] & (people["left"] >= landmark)
    on[emp_of] = np.where(gone_with_pair, people["left"], on[emp_of])
    stays = employed & ~leaves
    pairs["withdrew"] = np.zeros(len(pairs["matched"]), bool)
    pairs["withdrew"][people["last_pair"][gone_with_pair & stays[emp_of]]] = True
    return np.where(stays, NAT, np.where(leaves, on, terminated))


def _participant_frame(people: dict, cohorts: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
    first, last = people["first"], people["last"]
    return pd.DataFrame({
        "participant_id": ids,
        "role": np.where(people["is_mentee"], "mentee", "mentor"),
        "program": people["program"],
        "cohort": cohorts["cohort"].to_numpy()[people["cohort"]],
        "department": np.asarray(DEPARTMENTS)[people["department"]],
        "level": people["level"],
        "location": people["location"],
        "joined_on": people["joined"],
        "left_on": people["left"],
        "name": np.char.add(np.char.add(first, " "), last),
        "email": _emails(people, ids),
    })


def _emails(people: dict, ids: np.ndarray) -> np.ndarray:
    """first.last plus the employee number, so every address is unique."""
    local = np.char.lower(np.char.add(np.char.add(people["first"], "."), people["last"]))
    return np.char.add(np.char.add(local, np.char.lstrip(ids, "E")), "@example.com")


def _pair_frame(pairs: dict, cohorts: pd.DataFrame, emp_ids: np.ndarray) -> pd.DataFrame:
    n_pairs = pairs["mentee"].size
    return pd.DataFrame({
        "pair_id": _ids("P", n_pairs, 6),
        "mentor_id": emp_ids[pairs["n_mentees"] + np.arange(n_pairs)],
        "mentee_id": emp_ids[pairs["mentee"]],
        "matched_on": pairs["matched"],
        "ended_on": pairs["ended"],
        "end_reason": np.where(pairs["withdrew"], "withdrawn", pairs["reason"]),
        "program": cohorts["program"].to_numpy()[pairs["cohort"]],
        "cohort": cohorts["cohort"].to_numpy()[pairs["cohort"]],
        "meetings_target_per_month": cohorts["target"].to_numpy()[pairs["cohort"]],
    })


def _ids(prefix: str, n: int, width: int) -> pd.Series:
    return prefix + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(width)


def _sessions(rng, pairs: dict, cohorts: pd.DataFrame, activity: float, end) -> pd.DataFrame:
    """Meetings drawn month by month of each pair's open time."""
    stop = np.where(np.isnat(pairs["ended"]), end, pairs["ended"])
    open_days = (stop - pairs["matched"]) / DAY + 1
    n_cells = np.ceil(open_days / MONTH_DAYS).astype(int)
    pair = np.repeat(np.arange(n_cells.size), n_cells)
    month = np.arange(pair.size) - np.repeat(np.cumsum(n_cells) - n_cells, n_cells)
    offset = np.floor(month * MONTH_DAYS)
    cell_start = pairs["matched"][pair] + _days(offset)
    cell_days = np.minimum(MONTH_DAYS, open_days[pair] - offset)

    engagement = _engagement(pairs, cohorts, pair, cell_start + _days(cell_days / 2))
    program = cohorts["program"].to_numpy()[pairs["cohort"][pair]]
    lift = np.where((program == NEW_HIRE) & (cell_start >= np.datetime64(IMPROVEMENT_START)),
                    IMPROVEMENT_LIFT, 1.0)
    target = cohorts["target"].to_numpy()[pairs["cohort"][pair]]
    counts = rng.poisson(target * activity * engagement * lift * cell_days / MONTH_DAYS)

    cell = np.repeat(np.arange(pair.size), counts)
    on = cell_start[cell] + _days(rng.random(cell.size) * cell_days[cell])
    order = np.lexsort((on, pair[cell]))
    cell, on = cell[order], on[order]
    n = cell.size
    # Cancellations: more for weakly engaged pairs, rising month by month in the slipping cohort.
    slipping = cohorts["slipping"].to_numpy()[pairs["cohort"][pair[cell]]]
    p_cancel = np.minimum(0.06 + 0.08 * (pairs["engagement"][pair[cell]] < 0.7)
                          + np.where(slipping, 0.05 * month[cell], 0.0), 0.55)
    u = rng.random(n)
    status = np.where(u >= p_cancel, 0, np.where(u < 0.65 * p_cancel, 1, 2))
    duration = pd.array(rng.choice([30, 45, 60, 90], n, p=(0.25, 0.3, 0.35, 0.1)), dtype="Int64")
    duration[status != 0] = pd.NA
    return pd.DataFrame({
        "session_id": _ids("S", n, 8),
        "pair_id": pd.Categorical.from_codes(pair[cell], _ids("P", pairs["mentee"].size, 6)),
        "occurred_on": on,
        "duration_minutes": duration,
        "status": pd.Categorical.from_codes(status, ["held", "cancelled", "no_show"]),
        "format": pd.Categorical.from_codes(rng.choice(4, n, p=(0.3, 0.5, 0.1, 0.1)), FORMATS),
        "topic": pd.Categorical.from_codes(rng.integers(0, len(TOPICS), n), TOPICS),
    })


def _goals(rng, pairs: dict, end) -> pd.DataFrame:
    per_pair = 1 + np.minimum(rng.poisson(1.3, pairs["mentee"].size), 3)
    pair = np.repeat(np.arange(per_pair.size), per_pair)
    set_on = pairs["matched"][pair] + _days(rng.uniform(0, 30, pair.size))
    keep = set_on <= end
    pair, set_on = pair[keep], set_on[keep]
    n = pair.size
    due = set_on + _days(rng.uniform(60, 180, n))
    stop = np.where(np.isnat(pairs["ended"][pair]), end, pairs["ended"][pair])
    achieved = set_on + _days(rng.uniform(0.4, 1.1, n) * ((due - set_on) / DAY))
    p_achieve = np.clip(0.25 + 0.35 * pairs["engagement"][pair], 0.1, 0.85)
    achieved = np.where((rng.random(n) < p_achieve) & (achieved <= stop), achieved, NAT)
    status = np.where(~np.isnat(achieved), "achieved",
                      np.where(np.isnat(pairs["ended"][pair]), "open", "dropped"))
    return pd.DataFrame({
        "goal_id": _ids("G", n, 7),
        "pair_id": _ids("P", pairs["mentee"].size, 6).to_numpy()[pair],
        "set_on": set_on, "due_on": due, "achieved_on": achieved, "status": status,
        "category": rng.choice(GOAL_CATEGORIES, n),
    })


def _surveys(rng, pairs: dict, people: dict, cohorts: pd.DataFrame, emp_ids: np.ndarray,
             activity: float, start, end) -> pd.DataFrame:
    asked = _invitations(rng, pairs, activity, start, end)
    rate = np.select([asked["wave"] == w for w in WAVES], [0.9, 0.8, 0.7, 0.8])
    asked = asked[(rng.random(len(asked)) < rate) & (asked["on"] <= end)].reset_index(drop=True)
    n = len(asked)
    pair, person = asked["pair"].to_numpy(), asked["person"].to_numpy()
    on = asked["on"].to_numpy().astype("datetime64[D]")
    program = cohorts["program"].to_numpy()[pairs["cohort"][pair]]
    wave = asked["wave"].to_numpy()
    survey = _route(program, wave)
    scale = np.array([s.scale_points for s in SURVEYS])[survey]
    submitted = on.astype("datetime64[s]") + rng.integers(8 * 3600, 19 * 3600, n) * np.timedelta64(1, "s")

    answers = _answers(rng, pairs, people, cohorts, pair, person, on, wave, scale)
    answers["comment"] = _comments(rng, answers.pop("overall"), wave != "baseline",
                                   _emails(people, emp_ids)[person])
    frame = pd.DataFrame({
        "survey": np.array([s.name for s in SURVEYS])[survey],
        "respondent_id": emp_ids[person],
        "role": np.where(people["is_mentee"][person], "mentee", "mentor"),
        "program": program,
        "cohort": cohorts["cohort"].to_numpy()[pairs["cohort"][pair]],
        "wave": wave,
        "started_at": submitted - rng.integers(90, 900, n) * np.timedelta64(1, "s"),
        "submitted_at": submitted,
        "scale_points": scale,
        **answers,
    }).sort_values(["submitted_at", "respondent_id"], kind="stable", ignore_index=True)
    frame.insert(0, "response_id", _tokens(rng, len(frame)))
    return frame


def _invitations(rng, pairs: dict, activity: float, start, end) -> pd.DataFrame:
    """Who was asked, when: both partners of a pair, at each wave that falls in its time."""
    n_pairs = pairs["mentee"].size
    idx = np.arange(n_pairs)
    stop = np.where(np.isnat(pairs["ended"]), end, pairs["ended"])
    midpoint = pairs["matched"] + (pairs["planned"] - pairs["matched"]) // 2
    # Rematched pairs carry on with a new partner, and leavers are gone: neither exits.
    exits = ~np.isnat(pairs["ended"]) & ~np.isin(pairs["reason"], ["rematched", "left_organization"])
    pulse_on = _pulse_dates(start, end, activity)
    p_pulse, d_pulse = np.repeat(idx, pulse_on.size), np.tile(pulse_on, n_pairs)
    pulsed = (pairs["matched"][p_pulse] <= d_pulse - 14 * DAY) & (stop[p_pulse] >= d_pulse)
    waves = [
        ("baseline", idx[pairs["first"]], pairs["matched"][pairs["first"]]),
        ("midpoint", idx[midpoint <= stop], midpoint[midpoint <= stop]),
        ("exit", idx[exits], pairs["ended"][exits]),
        ("pulse", p_pulse[pulsed], d_pulse[pulsed]),
    ]
    pair = np.concatenate([p for _, p, _ in waves])
    sent = np.concatenate([d for _, _, d in waves])
    wave = np.repeat([w for w, _, _ in waves], [p.size for _, p, _ in waves])
    mentor = pairs["n_mentees"] + pair
    both = np.concatenate([pairs["mentee"][pair], mentor])
    delay = _days(rng.uniform(0, 14, 2 * pair.size))
    return pd.DataFrame({"pair": np.tile(pair, 2), "person": both,
                         "wave": np.tile(wave, 2), "on": np.tile(sent, 2) + delay})


def _pulse_dates(start, end, activity: float) -> np.ndarray:
    """Pulse surveys go out `round(activity)` times a quarter, three weeks before each slot ends."""
    per_quarter = max(1, int(round(activity)))
    quarters = np.arange(np.datetime64(start, "M"), np.datetime64(end, "M") + 1, 3)
    slot_ends = [(q + 3).astype("datetime64[D]") - (per_quarter - 1 - k) * (91 // per_quarter) * DAY
                 for q in quarters for k in range(per_quarter)]
    return np.array(slot_ends, dtype="datetime64[D]") - 21 * DAY


def _route(program: np.ndarray, wave: np.ndarray) -> np.ndarray:
    """Index into SURVEYS of the survey each response was given in."""
    out = np.full(program.size, -1)
    for i, s in enumerate(SURVEYS):
        hit = (out < 0) & (wave == s.wave) & ((program == s.program) if s.program else True)
        out[hit] = i
    return out


BASE = {"industry_knowledge": 3.0, "networking": 2.7, "emotional_support": 3.2,
        "skill_development": 2.9, "job_satisfaction": 3.5, "career_clarity": 2.8}
GAIN = {"industry_knowledge": 0.6, "networking": 1.0, "emotional_support": 0.5,
        "skill_development": 1.0, "job_satisfaction": 0.3, "career_clarity": 1.0}


def _answers(rng, pairs, people, cohorts, pair, person, on, wave, scale) -> dict:
    """Scores on each dimension: a person's trait, plus gains that grow with engagement."""
    n = pair.size
    engaged = np.minimum(_engagement(pairs, cohorts, pair, on), 1.6)
    progress = np.clip((on - pairs["matched"][pair]) / (pairs["planned"][pair] - pairs["matched"][pair]), 0, 1)
    gain = progress * engaged * np.where(people["is_mentee"][person], 1.0, 0.4)
    trait = people["trait"][person]
    latent = {d: BASE[d] + trait + GAIN[d] * gain for d in BASE}
    latent["relationship_quality"] = 3.3 + 0.5 * trait + 1.1 * (engaged - 0.8)
    latent["overall_satisfaction"] = 3.4 + 0.5 * trait + 1.0 * (engaged - 0.8)
    baseline = wave == "baseline"
    out = {}
    for d in DIMENSIONS:
        five = latent[d] + rng.normal(0, 0.6, n)
        points = np.where(d == "overall_satisfaction", 5, scale)  # satisfaction is 5-point
        value = np.clip(np.rint(1 + (five - 1) * (points - 1) / 4), 1, points)
        skipped = (rng.random(n) < 0.02) | (baseline & (d not in BASELINE_DIMENSIONS))
        out[d] = np.where(skipped, np.nan, value)
    overall = latent["overall_satisfaction"]
    out["nps"] = np.where(baseline, np.nan,
                          np.clip(np.rint(7 + 1.6 * (overall - 3.4) + rng.normal(0, 1.3, n)), 0, 10))
    out["overall"] = overall
    return out


def _comments(rng, overall: np.ndarray, asked: np.ndarray, email: np.ndarray) -> np.ndarray:
    """Free text for about a third of the responses that ask for it; the tone follows satisfaction."""
    n = overall.size
    positive = np.asarray(POSITIVE_COMMENTS, dtype=object)[rng.integers(0, len(POSITIVE_COMMENTS), n)]
    negative = np.asarray(NEGATIVE_COMMENTS, dtype=object)[rng.integers(0, len(NEGATIVE_COMMENTS), n)]
    wrote = asked & (rng.random(n) < 0.3)
    text = np.where(wrote, np.where(overall >= 3.4, positive, negative), None)
    # Two respondents leave contact details, which the product must mask.
    first_two = np.flatnonzero(wrote)[:2]
    if first_two.size == 2:
        text[first_two[0]] = f"Happy to say more - email me at {email[first_two[0]]}."
        text[first_two[1]] = "Could someone call me on +44 20 7946 0958 about finding a new mentor?"
    return text


def _tokens(rng, n: int) -> np.ndarray:
    """Qualtrics-style response ids: R_ and 15 letters or digits."""
    alphabet = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", np.uint8)
    chars = alphabet[rng.integers(0, alphabet.size, (n, 15))]
    return np.char.add("R_", chars.view("S15").ravel().astype(str))
