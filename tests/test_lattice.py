"""No small group's figure can be derived from the figures the product releases, whichever views are combined.

An attacker asks the engine for every filter combination (program × cohort × department × role, each
unset or one value) and every split, in two calendar quarters and two fiscal quarters that overlap them,
and keeps each figure that is shown: answer sums (mean × n), promoter counts, comment lists. Each is a sum
over atomic cells (program, cohort, department, role, month), so what the attacker can derive is the row
space of the released views' indicator vectors. A small group g (1 ≤ n < K: a view in one of the quarters,
or an atomic cell) is recoverable exactly when rank([A; e_g]) = rank(A).
"""
from __future__ import annotations

import itertools
import random
from datetime import date

import duckdb
import numpy as np
import pytest

from analytics.measures import feedback, lattice, satisfaction
from analytics.measures.filters import Filters, Period
from analytics.store import memo, settings
from tests import builders

COHORTS = {"Alpha": ("A1", "A2"), "Beta": ("B1",)}
DEPARTMENTS = ("Eng", "Legal")
ROLES = ("mentee", "mentor")
MONTHS = [date(2026, m, 1) for m in range(1, 8)]
COMMENT_K = 8  # the comment list's threshold: with 10, too few months would list anything to attack
FISCAL_START = 2  # FY2027 runs Feb 2026 – Jan 2027: its quarters straddle the calendar ones
PERIODS = [Period.parse("2026Q1"), Period.parse("2026Q2"),
           Period.parse("FY2027Q1", FISCAL_START), Period.parse("FY2027Q2", FISCAL_START)]
CELLS = [(p, c, d, r) for p, cohorts in COHORTS.items() for c in cohorts for d in DEPARTMENTS for r in ROLES]
# Every view the product offers: each field unset (None) or one value, a cohort only with its own program.
VIEWS = [(p, c, d, r) for p in (None, *COHORTS) for c in (None, *[c for q, cs in COHORTS.items() for c in cs
                                                                  if p in (None, q)])
         for d in (None, *DEPARTMENTS) for r in (None, *ROLES)]


def generate(seed: int) -> tuple[list[dict], object]:
    """Respondents in groups of 1–40 (a cell holds 2–40 people, Legal's a few), each answering once in a
    month of Jan–Jul 2026: overall satisfaction always, NPS and a comment sometimes."""
    rng = random.Random(seed)
    people = []
    for cell in CELLS:
        size = rng.choice([2, 5, 10, 20, 30, 40]) if cell[2] != "Legal" else rng.choice([0, 1, 2, 4])
        for _ in range(size):
            people.append({"id": f"p{len(people)}", "cell": cell, "month": rng.choice(MONTHS),
                           "score": rng.randint(1, 5), "nps": rng.randint(0, 10) if rng.random() < 0.7 else None,
                           "comment": f"comment {len(people)}" if rng.random() < 0.7 else None})
    con = builders.fresh()
    settings.set(con, "min_comment_group_size", COMMENT_K)
    builders.insert(con, "participants", "participant_id | department\n"
                    + "\n".join(f"{p['id']} | {p['cell'][2]}" for p in people))
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | program | cohort | role | "
                       "overall_satisfaction | nps | comment\n" + "\n".join(
                           f"r{p['id']} | {p['id']} | pulse | {p['month'].replace(day=rng.randint(1, 28))} | "
                           f"{p['cell'][0]} | {p['cell'][1]} | {p['cell'][3]} | {p['score']} | "
                           f"{'' if p['nps'] is None else p['nps']} | {p['comment'] or ''}" for p in people))
    return people, con


def released_views(con) -> dict[str, list[tuple[Period, tuple]]]:
    """What the attacker collects: per measure, the (period, view) of every figure shown."""
    shown: dict[str, list] = {"overall_satisfaction": [], "nps": [], "comment list": [], "comment summary": []}
    with memo.scope():
        for period, view in itertools.product(PERIODS, VIEWS):
            filters = Filters(*view)
            if view[3] is None:  # a role is asked for through the split by role, one segment a view
                shown["overall_satisfaction"] += survey_views(satisfaction.dimensions, con, period, filters)
                shown["nps"] += survey_views(satisfaction.nps, con, period, filters)
                for by in ("role", "department")[:1 + (view[2] is None and view[0] is None)]:
                    shown["overall_satisfaction"] += survey_views(satisfaction.dimensions, con, period, filters, by)
                    shown["nps"] += survey_views(satisfaction.nps, con, period, filters, by)
            if len(feedback.comments(con, period, filters)):
                shown["comment list"].append((period, view))
            summary = feedback.sentiment_summary(con, period, filters).iloc[0]
            if not summary["suppressed"] and summary["n"] > 0:
                shown["comment summary"].append((period, view))
    return shown


def survey_views(metric, con, period: Period, filters: Filters, by: str | None = None) -> list[tuple]:
    """The (period, view) of each figure `metric` shows (overall satisfaction of `dimensions`, or NPS),
    a segment of the split `by` being the filters with that field set."""
    frame = metric(con, period, filters, by=by)
    if "dimension" in frame:
        frame = frame[frame["dimension"] == "overall_satisfaction"]
    fields = ("program", "cohort", "department", "role")
    return [(period, tuple(row[by] if by == f else getattr(filters, f) for f in fields))
            for _, row in frame[~frame["suppressed"] & (frame["n"] > 0)].iterrows()]


def covers(view: tuple, period: Period, cell: tuple, month: date) -> bool:
    return period.start <= month <= period.end and all(v is None or v == c for v, c in zip(view, cell))


MEASURES = [("overall_satisfaction", "score", 5), ("nps", "nps", 5), ("comment list", "comment", COMMENT_K),
            ("comment summary", "comment", 5)]


@pytest.fixture(scope="module")
def attack(request):
    people, con = generate(seed=1)
    return people, released_views(con)


@pytest.mark.parametrize("measure, answer, k", MEASURES, ids=[m[0] for m in MEASURES])
def test_no_small_group_lies_in_the_span_of_the_released_figures(attack, measure, answer, k):
    people, shown = attack
    answering = [p for p in people if p[answer] is not None]
    # Atomic cells with someone answering: an empty cell adds nothing to any figure.
    atoms = sorted({(p["cell"], p["month"]) for p in answering})
    size = {atom: sum((p["cell"], p["month"]) == atom for p in answering) for atom in atoms}
    released = np.array([[covers(view, period, *atom) for atom in atoms] for period, view in shown[measure]],
                        dtype=float).reshape(-1, len(atoms))
    rank = np.linalg.matrix_rank(released) if len(released) else 0
    small = {f"{period.label} {view}": [covers(view, period, *atom) for atom in atoms]
             for period, view in itertools.product(PERIODS, VIEWS)
             if 0 < sum(size[a] for a in atoms if covers(view, period, *a)) < k}
    small |= {f"cell {atom}": [a == atom for a in atoms] for atom in atoms if size[atom] < k}
    assert small and len(released)  # the data has small groups to protect and figures shown
    recovered = [name for name, group in small.items()
                 if np.linalg.matrix_rank(np.vstack([released, np.array(group, dtype=float)])) == rank]
    assert recovered == []


def test_with_no_small_group_a_fine_view_is_shown():
    """The rule hides nothing when no group is small (a threshold of 1): one program in one department."""
    con = builders.fresh()
    settings.set(con, "min_group_size", 1)
    settings.set(con, "min_comment_group_size", 1)
    builders.insert(con, "participants", "participant_id | department\nx | Eng\ny | Ops")
    builders.responses(con, "response_id | respondent_id | wave | submitted_on | program | cohort | role | "
                       "overall_satisfaction | nps | comment\n"
                       "r1 | x | pulse | 2026-04-02 | Alpha | A1 | mentee | 4 | 9 | good\n"
                       "r2 | y | pulse | 2026-05-02 | Beta | B1 | mentor | 2 | 3 | poor")
    dims = satisfaction.dimensions(con, PERIODS[1], Filters(department="Ops"), by="program")
    assert dims.loc[dims["program"] == "Beta", "mean"].tolist() == [2.0]


# (submitted_on, program, cohort, department, role, who): p1 answered in two cohorts in March (its month
# must count p1 once per view that holds both cells), p2 and p3 once; April has no one in two cells.
ANSWERS = [("2026-03-02", "A", "A1", "Eng", "mentee", "p1"), ("2026-03-20", "A", "A2", "Eng", "mentee", "p1"),
           ("2026-03-05", "A", "A1", "Ops", "mentor", "p2"), ("2026-03-06", "B", "B1", "Eng", "mentee", "p3"),
           ("2026-04-01", "A", "A1", "Eng", "mentee", "p1"), ("2026-04-02", "A", "A1", "Eng", "mentee", "p4"),
           ("2026-04-03", "B", "B1", "Ops", "mentor", "p5")]


def brute_force_cube() -> dict[tuple, int]:
    """Distinct people of every view (each field set or ALL) of each month, counted in Python."""
    people: dict[tuple, set] = {}
    for day, *cell, who in ANSWERS:
        for unset in itertools.product((False, True), repeat=4):
            key = (day[:7], *(lattice.ALL if u else v for u, v in zip(unset, cell)))
            people.setdefault(key, set()).add(who)
    return {key: len(who) for key, who in people.items()}


def test_the_cube_counts_a_person_in_two_cells_of_a_month_once_per_view():
    con = duckdb.connect()
    con.execute("CREATE TABLE answers (submitted_on DATE, program VARCHAR, cohort VARCHAR, department VARCHAR, "
                "role VARCHAR, who VARCHAR)")
    con.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?)", ANSWERS)
    rows = con.execute(lattice.cube_sql("SELECT * FROM answers", "'m'", "who")).fetchall()
    counted = {(str(month)[:7], *fields): n for month, _, *fields, n in rows}
    assert counted == brute_force_cube()
    assert counted[("2026-03", "A", lattice.ALL, "Eng", "mentee")] == 1  # p1, in A1 and A2
    assert counted[("2026-03", lattice.ALL, lattice.ALL, lattice.ALL, lattice.ALL)] == 3
