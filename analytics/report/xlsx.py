"""The report as a workbook for analysts (xlsxwriter): a summary sheet, then
one sheet per table of the report, numbers kept as numbers with formats.

Every text cell goes through `write_string`, so a value beginning with
=, +, -, @, tab or CR (a survey comment, a program name) stays text and is
never evaluated as a formula.
"""
from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import xlsxwriter

from analytics.present import formatting
from analytics.report.model import Cell, Column, Report, Table

NUMBER_FORMATS = {**formatting.EXCEL, "date": "yyyy-mm-dd"}
# A change of rates is read in percentage points: 0.136 is written 13.6 and shown "+13.6 pts" (a % format
# would show "+13.6%", a relative change).
SCALES = {kind: 100 for kind in formatting.EXCEL_TIMES_100}
MAX_WIDTH = 60


class _Writer:
    def __init__(self, workbook: xlsxwriter.Workbook):
        self.book = workbook
        self.header = workbook.add_format({"bold": True, "bg_color": "#EEF3F8", "bottom": 1, "text_wrap": True,
                                           "valign": "top"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.text = workbook.add_format({"valign": "top"})
        self.formats = {kind: workbook.add_format({"num_format": code, "valign": "top"})
                        for kind, code in NUMBER_FORMATS.items()}

    def cell(self, sheet, row: int, col: int, value: Any, kind: str) -> int:
        """Write one cell by its type; returns the width it needs."""
        if isinstance(value, Cell):
            value, kind = value.value, value.kind
        if value is None:
            sheet.write_blank(row, col, None, self.text)
            return 0
        if isinstance(value, bool):
            text = "yes" if value else "no"
            sheet.write_string(row, col, text, self.text)
            return len(text)
        if isinstance(value, (int, float)):
            sheet.write_number(row, col, value * SCALES.get(kind, 1), self.formats.get(kind, self.formats["number"]))
            return 12
        if isinstance(value, date):
            sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), self.formats["date"])
            return 11
        text = str(value)
        sheet.write_string(row, col, text, self.text)
        return len(text)

    def table(self, table: Table) -> None:
        sheet = self.book.add_worksheet(table.sheet)
        sheet.write_string(0, 0, table.title, self.title)
        widths = [min(MAX_WIDTH, max(10, len(c.label) // 2 + 2)) for c in table.columns]
        for col, column in enumerate(table.columns):
            sheet.write_string(2, col, column.label, self.header)
        for r, row in enumerate(table.rows, start=3):
            for col, (value, column) in enumerate(zip(row, table.columns)):
                widths[col] = min(MAX_WIDTH, max(widths[col], self.cell(sheet, r, col, value, column.kind) + 2))
        if table.note:  # not the reading note: the sheet lists every row
            sheet.write_string(len(table.rows) + 4, 0, table.note, self.text)
        for col, width in enumerate(widths):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(3, 1)
        if table.rows:
            sheet.autofilter(2, 0, 2 + len(table.rows), len(table.columns) - 1)

    def summary(self, report: Report) -> None:
        sheet = self.book.add_worksheet("Summary")
        sheet.write_string(0, 0, f"{report.title}: {report.header}", self.title)
        facts = [("Quarter", f"{report.period.sentence()} ({report.period.start.isoformat()} to "
                             f"{report.period.end.isoformat()})"),
                 ("Scope", report.scope), ("Generated on", report.generated_on.isoformat()),
                 ("Anonymity", f"Figures for groups of fewer than {report.min_group_size} people read "
                               f"\"{report.suppressed_label}\".")]
        for r, (term, text) in enumerate(facts, start=1):
            sheet.write_string(r, 0, term, self.header)
            sheet.write_string(r, 1, text, self.text)
        columns = [Column("label", "Figure"), Column("value", "This quarter"), Column("previous", "Previous quarter"),
                   Column("change", "Change"), Column("p_value", "p", "p"), Column("significance", "Significance"),
                   Column("test", "Test"), Column("n", "Based on"), Column("note", "Note")]
        top = len(facts) + 2
        for col, column in enumerate(columns):
            sheet.write_string(top, col, column.label, self.header)
        for r, h in enumerate(report.headlines, start=top + 1):
            values = [h.label, h.value, h.previous, h.change, h.p_value, h.significance, h.test, h.n, h.note]
            kinds = ["text", h.kind, h.kind, h.change_kind, "p", "text", "text", "text", "text"]
            for col, (value, kind) in enumerate(zip(values, kinds)):
                self.cell(sheet, r, col, value, kind)
        row = top + len(report.headlines) + 2
        if report.findings:
            sheet.write_string(row, 0, "Findings", self.header)
            for i, finding in enumerate(report.findings, start=1):
                sheet.write_string(row + i, 0, f"{i}.", self.text)
                sheet.write_string(row + i, 1, finding, self.text)
        for col, width in enumerate((48, 16, 16, 14, 10, 28, 40, 36, 60)):
            sheet.set_column(col, col, width)
        sheet.freeze_panes(top + 1, 1)


def xlsx_bytes(report: Report) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    # A fixed creation time keeps the bytes identical for the same report.
    stamp = datetime(report.generated_on.year, report.generated_on.month, report.generated_on.day)
    workbook.set_properties({"title": f"{report.title}: {report.header}", "created": stamp})
    writer = _Writer(workbook)
    writer.summary(report)
    for table in report.tables():
        writer.table(table)
    workbook.close()
    return buffer.getvalue()
