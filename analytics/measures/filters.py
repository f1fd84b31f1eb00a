"""Periods and filters: what every metric is asked about, as bound SQL and a sentence.

A `Period` is a closed date range (both ends included). Quarters are written
`2026Q2` (calendar: Apr 1 – Jun 30) or `FY2026Q1` (fiscal). A fiscal year is
named by the calendar year in which it ENDS: with `fiscal_year_start_month=7`,
FY2026 runs 2025-07-01 … 2026-06-30 and FY2026Q1 is Jul–Sep 2025. With the
default start month 1 a fiscal quarter equals the calendar quarter.

`Filters` narrows every metric the same way. Each filter field becomes one
clause whose SQL expression comes from a fixed table per grain (identifiers
are never taken from input) and whose value is bound with `?`; each clause
also yields a phrase for the page caption (the datasette filters.py pattern).

Grains and the aliases their fragments expect:

- pair (`p` = pairs, `mentee` = the mentee's participants row): program and
  cohort are the pair's own; department is the mentee's. Role does not narrow
  pair metrics: every pair has one mentor and one mentee, so the role filter
  selects all pairs (and the pair sentence leaves it out).
- survey (`r` = responses, `who` = the respondent's participants row): program,
  cohort and role are the response's own, else the respondent's participant
  record; department is the respondent's.
- employee (`e` = employees): department is the employee's. Program, cohort and
  role do not narrow the population; they decide who counts as a participant
  through the membership grain (`m` = one row per person per pair: role,
  program, cohort): with role 'mentee', participants are employees who were
  mentees; employees who were only mentors belong to neither group, just as
  METRICS.md treats members of other programs and cohorts.

A `scope` (measures.scope: the programs a scoped user may see) narrows every grain with a program
the same way, whatever the filters say; it is not a filter the user picks, so it is not in `active()`
(the sentence names its programs when no program is chosen).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Callable, Iterable

import pandas as pd

from analytics.errors import DataError, InputError
from analytics.measures import scope as scopes
from analytics.store.plausible import EARLIEST, latest_plausible

QUARTER_FORMS = "'2026Q2' (calendar quarter) or 'FY2026Q1' (fiscal quarter)"
_QUARTER = re.compile(r"^\s*(FY)?(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _add_months(day: date, months: int) -> date:
    """First day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str, fiscal_year_start_month: int = 1) -> "Period":
        """'2026Q2' → Apr–Jun 2026; 'FY2026Q1' → first quarter of fiscal year 2026."""
        match = _QUARTER.match(str(text))
        if not match:
            raise InputError(f"Unknown period {text!r}: write a quarter as {QUARTER_FORMS}.")
        if not 1 <= fiscal_year_start_month <= 12:
            raise ValueError(f"fiscal_year_start_month must be 1..12, not {fiscal_year_start_month}.")
        fiscal, year, quarter = bool(match.group(1)), int(match.group(2)), int(match.group(3))
        try:
            return cls.quarter(year, quarter, fiscal_year_start_month if fiscal else None)
        except ValueError:  # 9999Q4 ends in year 10000, which no date reaches
            raise InputError(f"Unknown period {text!r}: it runs past the last date there is (9999-12-31).") from None

    @classmethod
    def quarter(cls, year: int, quarter: int, fiscal_year_start_month: int | None = None) -> "Period":
        """Calendar quarter (fiscal_year_start_month None) or fiscal quarter."""
        if fiscal_year_start_month is None:
            first, label = date(year, 1, 1), f"{year}Q{quarter}"
        else:
            # The fiscal year ends in `year`; it starts in the previous calendar year
            # unless it starts in January.
            start_year = year if fiscal_year_start_month == 1 else year - 1
            first, label = date(start_year, fiscal_year_start_month, 1), f"FY{year}Q{quarter}"
        start = _add_months(first, 3 * (quarter - 1))
        return cls(label, start, _add_months(start, 3) - timedelta(days=1))

    @classmethod
    def between(cls, start: date, end: date, label: str | None = None) -> "Period":
        if end < start:
            raise ValueError(f"A period cannot end ({end}) before it starts ({start}).")
        return cls(label or f"{start.isoformat()} … {end.isoformat()}", start, end)

    @property
    def as_of(self) -> date:
        return self.end

    @property
    def months(self) -> float:
        """Whole months when the range is month-aligned (3 for a quarter), else days / 30.4375."""
        if self.start.day == 1 and self.end + timedelta(days=1) == _add_months(self.end, 1):
            return float((self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1)
        return ((self.end - self.start).days + 1) / 30.4375

    def _quarter_parts(self) -> tuple[int, int, int | None] | None:
        match = _QUARTER.match(self.label)
        if not match:
            return None
        year, quarter = int(match.group(2)), int(match.group(3))
        if not match.group(1):
            return year, quarter, None
        # Recover the fiscal start month from the dates instead of storing it.
        start_month = _add_months(self.start, -3 * (quarter - 1)).month
        return year, quarter, start_month

    def shifted(self, quarters: int) -> "Period":
        """The quarter `quarters` away (negative: earlier); other ranges move by their own length."""
        parts = self._quarter_parts()
        if parts is None:
            length = (self.end - self.start).days + 1
            delta = timedelta(days=length * quarters)
            return Period.between(self.start + delta, self.end + delta)
        year, quarter, start_month = parts
        index = year * 4 + quarter - 1 + quarters
        return Period.quarter(index // 4, index % 4 + 1, start_month)

    def previous(self) -> "Period":
        return self.shifted(-1)

    def quarters_back(self, n: int) -> list["Period"]:
        """The n periods ending with this one, oldest first (for trends)."""
        return [self.shifted(-k) for k in range(n - 1, -1, -1)]

    def sentence(self) -> str:
        parts = self._quarter_parts()
        if parts is None:
            return self.label
        year, quarter, start_month = parts
        return f"Q{quarter} {year}" if start_month is None else f"Q{quarter} FY{year}"

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}

    def progress_note(self, today: date | None = None) -> str | None:
        """What to know about a period that has not ended by `today` (default: today), else None. Its
        as-of date is still its last day, so the pairs that have not met since mid-quarter count as
        at risk, and cadence expects the quarter's full meetings."""
        if self.end < (today or date.today()):
            return None
        return (f"{self.sentence()} is not over (it ends {self.end:%d %b %Y}): its figures count what is loaded so "
                "far, and at-risk pairs and cadence are judged as of its last day.")


# SQL expression of each filter field per grain. None: the field does not narrow that grain.
_EXPRESSIONS: dict[str, dict[str, str | None]] = {
    "pair": {"program": "p.program", "cohort": "p.cohort", "department": "mentee.department", "role": None},
    "survey": {
        "program": "coalesce(r.program, who.program)",
        "cohort": "coalesce(r.cohort, who.cohort)",
        "department": "who.department",
        "role": "coalesce(r.role, who.role)",
    },
    "employee": {"program": None, "cohort": None, "department": "e.department", "role": None},
    # Pair memberships (`m`: employee_id, role, program, cohort), deciding who is a participant.
    "membership": {"program": "m.program", "cohort": "m.cohort", "department": None, "role": "m.role"},
}


# Whom a department or role value selects in each grain's figures, in words (None: the grain ignores
# the field, for the reason in _IGNORED); they follow _EXPRESSIONS, and a test holds them together.
_SELECTS: dict[str, dict[str, str | None]] = {
    "department": {"pair": "pairs with a mentee in {}", "survey": "respondents in {}", "employee": "employees in {}"},
    "role": {"pair": None, "survey": "answers from {}s", "employee": "participants who were {}s"},
}
_IGNORED = {"role": "every pair, as each has one mentor and one mentee"}
_FIGURES = {"pair": "pair and meeting figures", "survey": "survey figures", "employee": "HR figures"}


def segment_column(grain: str, by: str) -> str:
    """Validate a split (program, cohort, department, role) for a grain; the
    column of that name exists in the grain's filtered relation (see Filters)."""
    if not _EXPRESSIONS.get(grain, {}).get(by):
        known = [name for name, expr in _EXPRESSIONS.get(grain, {}).items() if expr]
        raise ValueError(f"Cannot split {grain}-level metrics by {by!r}; choose one of {known}.")
    return by


FIELDS = ("program", "cohort", "department", "role")


@dataclass(frozen=True)
class Filters:
    program: str | None = None
    cohort: str | None = None
    department: str | None = None
    role: str | None = None
    scope: scopes.Scope = None  # the programs these figures may count (None: all); see measures.scope

    def active(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELDS if getattr(self, name) is not None}

    def where(self, grain: str) -> tuple[str, list[Any]]:
        """(SQL condition, params) for a grain; 'TRUE' when nothing narrows it."""
        if grain not in _EXPRESSIONS:
            raise ValueError(f"Unknown grain {grain!r}; choose one of {sorted(_EXPRESSIONS)}.")
        clauses, params = [], []
        for name, value in self.active().items():
            expression = _EXPRESSIONS[grain][name]
            if expression is not None:
                clauses.append(f"{expression} = ?")
                params.append(value)
        if self.scope is not None and _EXPRESSIONS[grain]["program"]:
            within, bound = scopes.program_in(_EXPRESSIONS[grain]["program"], self.scope)
            clauses.append(within)
            params += bound
        return (" AND ".join(clauses) or "TRUE"), params

    def narrows(self, grain: str) -> bool:
        """Does any active filter or the scope narrow this grain (is `where` more than TRUE)?"""
        return self.where(grain)[0] != "TRUE"

    def pairs_sql(self) -> tuple[str, list[Any]]:
        """Filtered pairs, with the mentee's department as `department`."""
        where, params = self.where("pair")
        return (
            "SELECT p.*, mentee.department AS department FROM pairs p "
            "LEFT JOIN participants mentee ON mentee.participant_id = p.mentee_id "
            f"WHERE {where}"
        ), params

    def responses_sql(self) -> tuple[str, list[Any]]:
        """Filtered responses with program, cohort, role and department resolved."""
        where, params = self.where("survey")
        survey = _EXPRESSIONS["survey"]
        return (
            "SELECT r.response_id, r.survey_id, r.respondent_id, r.wave, r.submitted_at, r.submitted_on, "
            f"{survey['program']} AS program, {survey['cohort']} AS cohort, "
            f"{survey['role']} AS role, {survey['department']} AS department "
            "FROM responses r LEFT JOIN participants who ON who.participant_id = r.respondent_id "
            f"WHERE {where}"
        ), params

    def employees_sql(self) -> tuple[str, list[Any]]:
        where, params = self.where("employee")
        return f"SELECT e.* FROM employees e WHERE {where}", params

    def sentence(self, period: Period | None = None, grain: str | None = None, shown: Callable[[str], str] = str
                 ) -> str:
        """'Q2 2026 · Leadership program · Engineering department'. Without a grain the department and
        role are only named (a page mixing grains reads them differently, see `notes`); with one they
        say whom they select there, and a filter that grain ignores is left out. `shown` writes each
        value (escaping.markdown for a caption: the names are the organisation's, never markup)."""
        parts = [period.sentence()] if period is not None else []
        # Without a program filter, a scope's programs are named: 'All programs' would claim the organisation.
        programs = [self.program] if self.program else list(self.scope or ())
        if programs:
            parts.append(" and ".join(shown(p) if p.lower().endswith("program") else f"{shown(p)} program"
                                      for p in programs))
        if self.cohort:
            parts.append(f"cohort {shown(self.cohort)}")
        for name, named in (("department", "{} department"), ("role", "{} role")):
            value = getattr(self, name)
            phrase = named if grain is None else _SELECTS[name][grain]
            if value and phrase:
                parts.append(phrase.format(shown(value)))
        return " · ".join(parts) or "All programs"

    def notes(self, shown: Callable[[str], str] = str) -> list[str]:
        """One line per active department or role filter: whom it selects in each kind of figure."""
        lines = []
        for name in ("department", "role"):
            value = getattr(self, name)
            if not value:
                continue
            value = shown(value)
            selects = [f"in {what}, {(_SELECTS[name][grain] or _IGNORED[name]).format(value)}"
                       for grain, what in _FIGURES.items()]
            lines.append(f"{name.capitalize()} {value}: {'; '.join(selects)}.")
        return lines

    def ignored(self, grain: str, shown: Callable[[str], str] = str) -> list[str]:
        """Why an active filter leaves this grain's figures as they are, one line each."""
        return [f"The {name} filter ({shown(value)}) does not narrow these figures: they count {_IGNORED[name]}."
                for name, value in self.active().items() if name in _SELECTS and _SELECTS[name][grain] is None]

    def to_dict(self) -> dict[str, str | None]:
        return {name: getattr(self, name) for name in FIELDS}


def segment_key(grain: str, by: str | None) -> str:
    """SELECT expression for the `segment` column: a validated column, or one group."""
    return "'all'" if by is None else segment_column(grain, by)


def group_by(by: str | None) -> str:
    """Without a split, aggregate without GROUP BY so that no rows still give one row."""
    return "" if by is None else "GROUP BY ALL ORDER BY ALL"


def name_segment(frame: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Drop the single-group key, or name it after the split."""
    if by is None:
        return frame.drop(columns="segment").reset_index(drop=True)
    return frame.rename(columns={"segment": by}).sort_values(by, na_position="last").reset_index(drop=True)


def over_periods(metric: Callable[..., pd.DataFrame], con: Any, periods: Iterable[Period],
                 filters: "Filters", **kwargs: Any) -> pd.DataFrame:
    """A trend: `metric` for each period, stacked, with period/start/end columns first."""
    frames = []
    for period in periods:
        frame = metric(con, period, filters, **kwargs)
        frame.insert(0, "end", period.end)
        frame.insert(0, "start", period.start)
        frame.insert(0, "period", period.label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


# Where each filter's known values live (for validation and the sidebar's choices).
_KNOWN_VALUES_SQL = {
    "program": "SELECT program FROM pairs UNION SELECT program FROM responses UNION SELECT program FROM participants",
    "cohort": "SELECT cohort FROM pairs UNION SELECT cohort FROM responses UNION SELECT cohort FROM participants",
    "department": "SELECT department FROM participants UNION SELECT department FROM employees",
    "role": "SELECT role FROM responses UNION SELECT role FROM participants",
}


def known_values(con: Any, field: str, scope: scopes.Scope = None) -> list[str]:
    """Distinct non-blank values a filter field can take in this database (in rows inside `scope`), sorted."""
    sql, params = (_KNOWN_VALUES_SQL[field], []) if scope is None else scopes.values_sql(field, scope)
    rows = con.execute(f"SELECT DISTINCT v FROM ({sql}) t(v) WHERE v IS NOT NULL ORDER BY v", params)
    return [row[0] for row in rows.fetchall()]


def validate_filters(con: Any, filters: Filters) -> None:
    """InputError naming the first filter value the database does not know (inside the filters' scope: a
    program outside it is refused as unknown), with the known ones."""
    for field, value in filters.active().items():
        known = known_values(con, field, filters.scope)
        if value not in known:
            choices = ", ".join(known) if known else "none loaded"
            raise InputError(f"Unknown {field} {value!r}; known {field}s: {choices}.")


# The days with activity: a quarter is worth reporting when it has some.
_ACTIVITY = "SELECT occurred_on AS d FROM sessions WHERE status = 'held' UNION ALL SELECT submitted_on FROM responses"


def available_quarters(con: Any, fiscal_year_start_month: int = 1) -> list[Period]:
    """Quarters with held meetings or survey responses, newest first. Dates outside the plausible range
    (stored before ingest refused them, such as 9999-12-31) name no quarter: the quarter after 9999Q4 or
    before 0001Q1 is no date at all."""
    months = con.execute(f"SELECT DISTINCT date_trunc('month', d)::DATE FROM ({_ACTIVITY}) WHERE d BETWEEN ? AND ?",
                         [EARLIEST, latest_plausible()]).fetchall()
    quarters = {}
    for (month,) in months:
        period = quarter_containing(month, fiscal_year_start_month)
        quarters[period.label] = period
    return sorted(quarters.values(), key=lambda p: p.start, reverse=True)


def quarter_containing(day: date, fiscal_year_start_month: int = 1) -> Period:
    """The quarter `day` falls in: a calendar quarter when the fiscal year starts in January, else fiscal."""
    if fiscal_year_start_month == 1:
        return Period.quarter(day.year, (day.month - 1) // 3 + 1)
    # The fiscal year is named by the calendar year in which it ends.
    offset = (day.month - fiscal_year_start_month) % 12
    year = day.year + (1 if day.month >= fiscal_year_start_month else 0)
    return Period.quarter(year, offset // 3 + 1, fiscal_year_start_month)


def last_complete_quarter(today: date, fiscal_year_start_month: int = 1) -> Period:
    """The latest quarter that ended before `today`: the one a quarterly report is due for."""
    return quarter_containing(today, fiscal_year_start_month).previous()


def check_reportable(con: Any, period: Period, fiscal_year_start_month: int = 1) -> None:
    """Raise DataError, saying which quarters have data, when `period` has no held meeting and no survey
    response: its figures would read as a collapse ("active pairs fell from 98% to 0%") rather than as
    missing data. The dashboard only offers such quarters; the command line asks here. As in
    `available_quarters`, dates outside the plausible range count for no quarter."""
    start, end = max(period.start, EARLIEST), min(period.end, latest_plausible())
    if start <= end and con.execute(f"SELECT count(*) FROM ({_ACTIVITY}) WHERE d BETWEEN ? AND ?",
                                    [start, end]).fetchone()[0]:
        return
    found = available_quarters(con, fiscal_year_start_month)
    if not found:
        raise DataError(f"no held meetings or survey responses are loaded, so {period.label} has nothing to "
                        "report: load the exports first with python -m analytics ingest FILE….")
    span = found[0].label if len(found) == 1 else f"{found[-1].label} to {found[0].label}"
    raise DataError(f"{period.label} ({period.start} to {period.end}) has no held meetings or survey responses: "
                    f"the data covers {span}. Choose a quarter in that range, or load exports that cover this "
                    "one first.")
