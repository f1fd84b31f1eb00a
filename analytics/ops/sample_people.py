"""The sample's cohorts, pairs, participants and employees (who leaves, who is promoted), and the pairs'
meetings and goals."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ops.sample_story import (
    COHORT_STARTS,
    DAY,
    DEPARTMENTS,
    EMPLOYEE_DEPT_WEIGHTS,
    END_REASONS,
    FIRST_NAMES,
    FORMATS,
    GOAL_CATEGORIES,
    IMPROVEMENT_LIFT,
    IMPROVEMENT_START,
    LAST_NAMES,
    LEAVING_BY_LEVEL,
    LEAVING_BY_TENURE,
    LEVELS,
    LOCATIONS,
    MONTH_DAYS,
    NAT,
    NEW_HIRE,
    PARTICIPANT_DEPT_WEIGHTS,
    PROGRAMS,
    RETENTION_EFFECT,
    SLIPPING_COHORT,
    TOPICS,
)


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
