"""The sample's survey responses: who is asked when, their answers (engaged pairs report more benefit)
and their comments."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.ops.sample_people import _days, _emails, _engagement
from analytics.ops.sample_story import (
    BASE,
    BASELINE_DIMENSIONS,
    DAY,
    DIMENSIONS,
    GAIN,
    NEGATIVE_COMMENTS,
    POSITIVE_COMMENTS,
    SURVEYS,
    WAVES,
)


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
