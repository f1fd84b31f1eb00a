"""Suppression that holds across every view: which survey groups' figures may be released.

A group's figure (an answer sum, a promoter count, a comment list) is a sum over *atomic cells*: the
respondents of one program, cohort, department and role (a value each, an unset one included) in one
calendar month. Each view the product offers is a sum over a set of those cells: a filter combination
(each field unset or one value), a segment of a split, in a quarter (calendar or fiscal, so any three
months running). Hiding each small group on its own is not enough, as differences of shown figures give
it back: a program less its shown cohorts, all respondents less two departments, a calendar quarter less
the fiscal one that overlaps it, all programs' comments less one program's.

So the decision is taken once per calendar month, over every view of that month at once (its lattice):
the views with at least `k` respondents are released in a fixed order, coarse ones first (fewer filters
set; then more respondents), and a view is held back when its figure together with those already released
would span the figure of a group with 1 ≤ n < k (a small view of that month or one of its atomic cells).
The test is linear algebra over the month's cells: an orthonormal basis of what is released is kept, with
each small group's distance to it, and a view that brings any distance to zero stays hidden.

A quarter's view is released only when every month of it in which the view has respondents released it.
Months are disjoint, so whatever the released quarter figures span splits into month parts each in that
month's released span, and a group small in a quarter is small (or empty) in each of its months: no
small group of any quarter, fiscal or calendar, nor of any month, can be derived.

Each measure (a Likert dimension, NPS, comments) is decided on its own respondents, as their answers are
what its figures sum. The decision is a pure function of a month's group sizes, so it is remembered by
those sizes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

FIELDS = ("program", "cohort", "department", "role")
# A field a view leaves unset: every value, the unset (null) one included.
ALL = "*all*"
# Squared distance below which a group counts as spanned: distances of 0/1 vectors over a few hundred cells
# are 0 up to rounding (1e-12) or far larger.
_SPANNED = 1e-9


def cube_sql(relation: str, measure: str, who: str) -> str:
    """Respondents (`who`, distinct) of every view of each month and measure in `relation` (rows with
    submitted_on, program, cohort, department, role and the `measure` column) → [month, measure, program,
    cohort, department, role, respondents], a field a view leaves unset holding ALL."""
    # Where nobody answered in two cells of one month and measure (the usual case), a view's people are the
    # sum of its cells' and the cells, a few thousand rows, are what is spread over the views. Elsewhere each
    # person-cell row goes once to every view containing it (bit i of `unset`: field i unset) and people are
    # counted distinct: exact either way, and the second way, over millions of rows, only where it must.
    keys = ", ".join(f"CASE WHEN unset & {1 << i} > 0 THEN '{ALL}' ELSE {f} END AS {f}" for i, f in enumerate(FIELDS))
    cell = ", ".join(FIELDS)
    return f"""
        WITH people AS MATERIALIZED (
            SELECT DISTINCT date_trunc('month', submitted_on)::DATE AS month, {measure} AS measure, {cell},
                   {who} AS who FROM ({relation}) r),
        shared AS MATERIALIZED (SELECT DISTINCT month, measure FROM people
                                GROUP BY month, measure, who HAVING count(*) > 1),
        cells AS (SELECT month, measure, {cell}, count(*) AS n FROM people
                  WHERE (month, measure) NOT IN (SELECT (month, measure) FROM shared) GROUP BY ALL)
        SELECT month, measure, {keys}, CAST(sum(n) AS BIGINT) AS respondents
        FROM cells, range({1 << len(FIELDS)}) views(unset) GROUP BY ALL
        UNION ALL
        SELECT month, measure, {keys}, count(DISTINCT who) AS respondents
        FROM people, range({1 << len(FIELDS)}) views(unset)
        WHERE (month, measure) IN (SELECT (month, measure) FROM shared) GROUP BY ALL"""


def released_views(views: list[tuple[tuple, int]], k: int) -> frozenset[tuple]:
    """Of one month's and one measure's views (key, respondents), a key being a 4-tuple of values with ALL
    where unset, those whose figures may be released; remembered by content (in any order)."""
    return _released(frozenset(views), int(k))


@lru_cache(maxsize=4096)
def _released(views: frozenset[tuple[tuple, int]], k: int) -> frozenset[tuple]:
    # Coarse views first (fewer fields set), then larger ones: what people look at most is kept.
    ordered = sorted(views, key=lambda view: (sum(v != ALL for v in view[0]), -view[1], str(view[0])))
    keys, sizes = [key for key, _ in ordered], [n for _, n in ordered]
    small = [i for i, n in enumerate(sizes) if 0 < n < k]
    large = [i for i, n in enumerate(sizes) if n >= k]
    if not small:  # the usual case with large groups: nothing to protect
        return frozenset(keys[i] for i in large)
    member = _membership(keys, [key for key in keys if ALL not in key]).astype(float)
    distance = member[small]  # each small group's component outside the released span
    basis = np.empty((0, member.shape[1]))  # orthonormal rows spanning what is released
    kept = []
    for i in large:
        u = member[i] - basis.T @ (basis @ member[i])
        u -= basis.T @ (basis @ u)  # orthogonalised twice: once loses precision over a long basis
        norm = float(np.sqrt(u @ u))
        if norm < 1e-9:  # already spanned by what is released: releasing it tells nothing new
            kept.append(i)
            continue
        u /= norm
        after = distance - np.outer(distance @ u, u)
        if (np.einsum("ij,ij->i", after, after) < _SPANNED).any():
            continue  # with it, a small group's figure would be a difference of released ones
        distance, basis = after, np.vstack([basis, u])
        kept.append(i)
    return frozenset(keys[i] for i in kept)


def _membership(views: list[tuple], cells: list[tuple]) -> np.ndarray:
    """Boolean [view, cell]: the cell's respondents belong to the view."""
    out = np.ones((len(views), len(cells)), dtype=bool)
    for position in range(len(FIELDS)):
        view_values = np.array([v[position] for v in views], dtype=object)
        cell_values = np.array([c[position] for c in cells], dtype=object)
        unset = view_values == ALL
        same = view_values[:, None] == cell_values[None, :]
        # A null value is a value of its own: the segment 'not set' of a split.
        same |= np.equal(view_values[:, None], None) & np.equal(cell_values[None, :], None)
        out &= unset[:, None] | same
    return out


@dataclass
class Lattice:
    """The released views of each month and measure of a period, at one threshold."""
    released: dict[tuple[date, str], frozenset[tuple]] = field(default_factory=dict)
    present: dict[tuple[date, str], frozenset[tuple]] = field(default_factory=dict)

    @classmethod
    def of(cls, cube: list[tuple], k: int) -> "Lattice":
        """From `cube_sql`'s rows (month, measure, program, cohort, department, role, respondents)."""
        months: dict[tuple[date, str], list[tuple[tuple, int]]] = {}
        for month, measure, *key, respondents in cube:
            months.setdefault((month, measure), []).append((tuple(key), respondents))
        lattice = cls()
        for at, views in months.items():
            lattice.released[at] = released_views(views, k)
            lattice.present[at] = frozenset(key for key, _ in views)
        return lattice

    def allows(self, measure: str, view: tuple) -> bool:
        """Whether the period's figure of `view` on `measure` may be released: every month in which the
        view has respondents released it. A view nobody answered has nothing to hide."""
        return all(view in self.released[key] for key, present in self.present.items()
                   if key[1] == measure and view in present)


def view_key(filters: Any, by: str | None = None, segment: Any = ALL) -> tuple:
    """The view of a filter combination, narrowed to one segment of the split `by` (a null segment: the
    value not set)."""
    values = {f: getattr(filters, f) if getattr(filters, f) is not None else ALL for f in FIELDS}
    # A scope of one program shows that program's view without a program filter. A wider scope's union is
    # no view of its own: it is held back with the all-programs view (its own size is checked as any group's).
    scope = getattr(filters, "scope", None)
    if values["program"] == ALL and scope is not None and len(scope) == 1:
        values["program"] = scope[0]
    if by is not None:
        values[by] = None if pd.isna(segment) else segment
    return tuple(values[f] for f in FIELDS)
