"""The report for a period and filters, as data: `build_model` gathers the figures (data.py) and has
each part of the report build its sections."""
from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import pandas as pd

from analytics.errors import InputError
from analytics.measures.filters import Filters, Period, validate_filters
from analytics.report import roi_section
from analytics.report.appendix import Appendix
from analytics.report.data import collect
from analytics.report.model import Report, ReportError, _value
from analytics.report.program_sections import ProgramSections
from analytics.report.summary import summary
from analytics.report.survey_sections import SurveySections
from analytics.store import memo, settings

MAX_FINDINGS = 7


class _Builder(SurveySections, ProgramSections, Appendix):
    """Collects the report for one database, period and filters."""


def _programs_with_data(segments: pd.DataFrame) -> list[str]:
    """The programs with pairs, survey answers or goals under the filters (the segments table's rows by
    program): a department in one program gets a report named after that program, not after all of them."""
    counts = segments[["open_pairs", "nps_n", "overall_n", "goals_due"]].fillna(0)
    return segments.loc[(counts > 0).any(axis=1), "program"].dropna().tolist()


def _scope(filters: Filters) -> str:
    """What the report covers, every filter said, the unfiltered ones too: 'Legal department · all programs ·
    all cohorts'; 'All programs · all cohorts · all departments' for the whole organisation."""
    covered = [filters.sentence()] if filters.active() or filters.scope is not None else []
    covered += [f"all {name}s" for name in ("program", "cohort", "department") if getattr(filters, name) is None
                and not (name == "program" and filters.scope is not None)]
    text = " · ".join(covered)
    return text[:1].upper() + text[1:]


def _has_data(data: dict[str, Any]) -> bool:
    return bool(data["responses"] or _value(data["engagement"], "open_pairs") or _value(data["goals"], "n")
                or not data["pre_post"].empty)


def build_model(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                generated_on: date | None = None, include_comments: bool = True) -> Report:
    """The report for a period and filters; ReportError for an unknown filter value or a quarter without data.
    Without `include_comments` (readers whose role may not see raw comments) the comment list is left out."""
    try:
        validate_filters(con, filters)
    except InputError as exc:
        raise ReportError(str(exc)) from None
    with memo.scope():  # sections and the summary share figures: each is computed once
        data = collect(con, period, filters)
        summarised = summary(con, period, filters, data["findings"])
    if not _has_data(data):
        raise ReportError(f"No data for {filters.sentence(period)} ({period.start.isoformat()} to "
                          f"{period.end.isoformat()}): no survey responses, open pairs or goals due in it. "
                          "Choose another quarter or load its exports first.")
    builder = _Builder(con, period, filters, include_comments)
    programs = [filters.program] if filters.program else _programs_with_data(data["segments"])
    generated_on = generated_on or date.today()
    progress = period.progress_note(generated_on)
    return Report(
        title="Mentoring program evaluation",
        programs=programs,
        period=period,
        filters=filters,
        scope=_scope(filters) + (f". {progress}" if progress else ""),
        generated_on=generated_on,
        min_group_size=builder.min_size,
        min_comment_group_size=int(settings.get(con, "min_comment_group_size")),
        suppressed_label=builder.hidden,
        headlines=builder.headlines(data),
        findings=data["findings"]["message"].head(MAX_FINDINGS).tolist(),
        sections=[builder.satisfaction(data), builder.engagement(data), builder.retention(data),
                  builder.impact(data), roi_section.section(con, filters, data), builder.outcomes(data),
                  builder.feedback(data), builder.improvements(), builder.segments(data)],
        methodology=builder.methodology(data),
        method_notes=builder.method_notes(data["impact"]),
        data_sources=builder.data_sources(),
        summary=summarised,
    )
