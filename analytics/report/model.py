"""The quarterly report as data: every figure, table and chart of the report,
built by calling the same analytics functions as the dashboard and
`metrics --json`. The renderers (html, pdf, xlsx) only lay this out.

Cells hold raw values (numbers unrounded, rates as 0..1) so that the XLSX can
keep them as numbers; `display()` formats them for the HTML and PDF. A figure
hidden by the minimum group size is replaced by its label ("n < K", K the
minimum group size) here, so no renderer ever sees a suppressed value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.errors import DataError
from analytics.measures.filters import Filters, Period
from analytics.present import formatting
from analytics.present.headlines import ALPHA, NOT_TESTED
from analytics.present.verdict import Answer


class ReportError(DataError):
    """The report cannot be made for this request; the message says why."""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    # text | count | rate | rate_change | score | score_change | nps | nps_change | p | number | number_change
    # | date | flag
    kind: str = "text"
    flag: str = "suppressed"  # the row's column saying whether this column's figure is hidden


@dataclass(frozen=True)
class Cell:
    """A number whose display kind is its own, not its column's (a table of rows in mixed units)."""
    value: float
    kind: str


@dataclass
class Table:
    key: str
    title: str
    sheet: str  # XLSX sheet name (≤ 31 characters)
    columns: list[Column]
    rows: list[list[Any]]
    note: str = ""
    reading_rows: int | None = None  # rows the PDF and HTML list (the XLSX has them all)
    reading_note: str = ""  # what the PDF and HTML say of the rows they leave out


@dataclass
class Chart:
    key: str
    figure: go.Figure


@dataclass
class Section:
    key: str
    title: str
    intro: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Headline:
    key: str
    label: str
    kind: str
    value: Any            # number, None (no data) or the suppression label
    previous: Any
    change: Any
    p_value: float | None
    test: str             # the test behind p_value, or why none was run
    n: str                # the n behind the figure, as a reader sees it
    note: str = ""

    @property
    def change_kind(self) -> str:
        return f"{self.kind}_change"

    @property
    def significant(self) -> bool | None:
        return None if not _is_number(self.p_value) else self.p_value < ALPHA

    @property
    def significance(self) -> str:
        if self.significant is None:
            return NOT_TESTED if self.test.startswith(NOT_TESTED) else "–"
        return _significance(self.p_value)

    @property
    def reason(self) -> str:
        """The test used, or why none was run."""
        return self.test.removeprefix(NOT_TESTED).removeprefix(": ")


@dataclass
class Summary:
    """The executive summary, a page for a reader with five minutes: the verdict in a sentence, the three
    questions answered, the objectives' scorecard, the top findings and what to do next."""
    verdict: str
    answers: list[Answer]
    scorecard: Table
    findings: list[str]
    next_steps: list[str]
    is_demo: bool  # the cover and every page say so


@dataclass
class Report:
    title: str
    programs: list[str]
    period: Period
    filters: Filters
    scope: str            # what the report covers, e.g. "Legal department · all programs · all cohorts"
    generated_on: date
    min_group_size: int
    min_comment_group_size: int
    suppressed_label: str
    headlines: list[Headline]
    findings: list[str]
    sections: list[Section]
    methodology: Table
    method_notes: list[tuple[str, str]]
    data_sources: Table
    summary: Summary

    @property
    def header(self) -> str:
        """The running header of the PDF: program(s) and quarter."""
        return f"{', '.join(self.programs) or 'All programs'} · {self.period.sentence()}"

    def tables(self) -> list[Table]:
        """Every table of the report, in reading order (the XLSX sheets after the summary)."""
        return ([self.summary.scorecard] + [t for s in self.sections for t in s.tables]
                + [self.methodology, self.data_sources])

    def charts(self) -> list[Chart]:
        return [c for s in self.sections for c in s.charts]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)


def _significance(p_value: float) -> str:
    word = "significant" if p_value < ALPHA else "not significant"
    p = display(p_value, "p")
    return f"{word} (p {p})" if p.startswith("<") else f"{word} (p = {p})"


def display(value: Any, kind: str) -> str:
    """A cell as the HTML and PDF show it (analytics.present.formatting's rule for its kind, a '<unit>_change' as a
    change); '–' for no data, labels pass through."""
    if isinstance(value, str):
        return value
    if isinstance(value, Cell):
        return display(value.value, value.kind)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    return formatting.cell(value if _is_number(value) else None, kind)


def _value(frame: pd.DataFrame, column: str, **where: Any) -> Any:
    """One cell as a Python value (None for NaN or a missing row)."""
    for key, wanted in where.items():
        frame = frame[frame[key] == wanted]
    if frame.empty or column not in frame.columns:
        return None
    return _plain(frame[column].iloc[0])


def _plain(value: Any) -> Any:
    """A frame cell as a Python value: None for NaN/NA, numpy scalars unwrapped."""
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value.item() if hasattr(value, "item") else value
