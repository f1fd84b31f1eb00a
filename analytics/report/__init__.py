"""The quarterly evaluation report: one model, four renderings (PDF, HTML, XLSX, PPTX slides).

`build_report(con, period, filters, fmt)` is the one entry point: the command
line and the Reports page both call it, so their files are the same bytes.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

import duckdb

from analytics.measures.filters import Filters, Period
from analytics.report.build import build_model
from analytics.report.model import Report, ReportError

__all__ = ["FORMATS", "MEDIA_TYPES", "ReportError", "build_report", "file_name"]

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "html": "text/html",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
FORMATS = tuple(MEDIA_TYPES)


def _renderer(fmt: str) -> Callable[[Report], bytes]:
    # Imported on demand: the PDF renderer pulls in WeasyPrint and kaleido, the slides python-pptx.
    if fmt == "pdf":
        from analytics.report.pdf import pdf_bytes
        return pdf_bytes
    if fmt == "html":
        from analytics.report.html import html_bytes
        return html_bytes
    if fmt == "xlsx":
        from analytics.report.xlsx import xlsx_bytes
        return xlsx_bytes
    if fmt == "pptx":
        from analytics.report.pptx import pptx_bytes
        return pptx_bytes
    raise ReportError(f"Unknown report format {fmt!r}; choose one of {', '.join(FORMATS)}.")


def build_report(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, fmt: str,
                 generated_on: date | None = None, include_comments: bool = True) -> bytes:
    """The report file's bytes; ReportError for an unknown format or filter value, or a quarter without data.
    `include_comments=False` leaves the (masked) comment list out, for roles that may not read comments."""
    render = _renderer(fmt)
    return render(build_model(con, period, filters, generated_on, include_comments))


def file_name(period: Period, filters: Filters, fmt: str) -> str:
    """A download name such as mentorscope-report-2026Q2-leadership-program.pdf."""
    parts = ["mentorscope-report", period.label, *filters.active().values()]
    slug = "-".join("".join(ch if ch.isalnum() else "-" for ch in part.lower()).strip("-") for part in parts)
    return f"{'-'.join(filter(None, slug.split('-')))}.{fmt}"
