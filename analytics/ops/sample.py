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

from datetime import date

import numpy as np

from analytics.ops.sample_answers import _surveys
from analytics.ops.sample_people import (
    _cohorts,
    _employees,
    _goals,
    _pair_frame,
    _pairs,
    _participant_frame,
    _participants,
    _sessions,
)
from analytics.ops.sample_story import DAY, SampleData


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
