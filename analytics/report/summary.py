"""The report's executive summary, from the same answers the Overview opens on (present.verdict)."""
from __future__ import annotations

import duckdb
import pandas as pd

from analytics.measures import objectives
from analytics.measures.filters import Filters, Period
from analytics.present import formatting, verdict
from analytics.report.model import Cell, Column, Summary, Table
from analytics.store import queries

SUMMARY_FINDINGS = 5


def scorecard_table(card: pd.DataFrame) -> Table:
    """Each objective with its status, this quarter's figure, its 95% CI and n; why where not measurable."""
    rows, reasons = [], any(card["reason"].notna())
    for row in card.to_dict("records"):
        value = None if row["value"] is None or pd.isna(row["value"]) else Cell(row["value"], row["unit"])
        interval = ("" if row["ci_low"] is None or pd.isna(row["ci_low"]) else
                    f"{formatting.show(row['ci_low'], row['unit'])} to {formatting.show(row['ci_high'], row['unit'])}")
        rows.append([row["objective"], objectives.STATUS_TEXT[row["status"]], value, interval,
                     None if pd.isna(row["n"]) else int(row["n"]), *([row["reason"] or ""] if reasons else [])])
    columns = [Column("objective", "Objective"), Column("status", "Status"), Column("value", "This quarter", "number"),
               Column("interval", "95% CI"), Column("n", "n", "count")]
    return Table("scorecard", "Objectives scorecard", "Scorecard",
                 columns + ([Column("reason", "Why not measurable")] if reasons else []), rows, note="On track: the target is met. Off track: missed, with the 95% CI wholly on the wrong side "
                            "of the target (less its amber band). At risk: missed, but not that clearly.")


def summary(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters, findings: pd.DataFrame) -> Summary:
    """The executive summary of the report for `period` and `filters`; `findings` as the report lists them."""
    answers = verdict.answers(con, period, filters)
    card = objectives.scorecard(con, period, filters)
    return Summary(verdict=verdict.sentence(answers), answers=answers, scorecard=scorecard_table(card),
                   findings=findings["message"].head(SUMMARY_FINDINGS).tolist(),
                   next_steps=verdict.next_steps(card, findings), is_demo=queries.has_demo(con))
