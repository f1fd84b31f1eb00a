"""The report's Return on investment section: the `roi` block (analytics/measures/roi.py) in words and as a
table of its figures with their 95% intervals, beside the intangible benefits."""
from __future__ import annotations

from typing import Any

import duckdb

from analytics.measures import roi
from analytics.measures.filters import Filters
from analytics.present import roi_reading
from analytics.report.model import Column, Section, Table


def section(con: duckdb.DuckDBPyConnection, filters: Filters, data: dict[str, Any]) -> Section:
    """From the report's figures (`data`: the impact block and the quarter-on-quarter change)."""
    returns = roi.from_impact(con, filters, data["impact"], data["change"])
    out = Section("roi", roi_reading.TITLE, "\n".join([roi_reading.verdict(returns), roi_reading.intangibles(returns)]))
    if returns["reason"] not in roi_reading.MESSAGES:
        frame = roi_reading.table(returns)
        out.tables = [Table("roi", "Return on investment with 95% intervals", "ROI",
                            [Column("figure", "Figure"), Column("value", "Estimate"),
                             Column("ci_low", "95% CI low"), Column("ci_high", "95% CI high")],
                            frame.values.tolist(),
                            note="Intervals carried from the adjusted retention difference's 95% CI. Amounts in "
                                 f"{returns['currency']}.")]
    return out
