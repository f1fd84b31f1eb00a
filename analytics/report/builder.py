"""What every part of the report is built with: its tables and charts at the report's minimum group size,
and the headline figures that open it."""
from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from analytics.measures import stats
from analytics.measures.filters import Filters, Period
from analytics.present import charts, formatting
from analytics.present.headlines import NOT_TESTED, PREVIOUS_QUARTER
from analytics.report.model import Chart, Column, Headline, Table, _plain, _significance, display
from analytics.store import settings

SAME_PEOPLE = f"{NOT_TESTED}: 12-month windows a quarter apart hold largely the same people"


class SectionBuilder:
    """One report's database, period, filters and minimum group size, with what each section is built with;
    the report's parts (survey_sections, program_sections, appendix) add their sections to it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                 include_comments: bool = True):
        self.con, self.period, self.filters = con, period, filters
        self.include_comments = include_comments
        self.previous = period.previous()
        self.min_size = int(settings.get(con, "min_group_size"))
        self.hidden = charts.hidden_text(self.min_size)

    def table(self, key: str, title: str, sheet: str, frame: pd.DataFrame, columns: list[Column],
              note: str = "") -> Table:
        """Rows of `frame` in `columns`; in a suppressed row every missing statistic reads 'n < K', or the
        flag's own text when it is one (`shield_flags`)."""
        rows = []
        for record in frame.to_dict("records"):
            row = []
            for column in columns:
                value = _plain(record.get(column.key))
                flag = _plain(record.get(column.flag))
                if value is None and flag and column.kind != "text":
                    value = flag if isinstance(flag, str) else self.hidden
                row.append(value)
            rows.append(row)
        if any(charts.SHIELDED_TEXT in row for row in rows):
            note = " ".join(filter(None, [note, f"'{charts.SHIELDED_TEXT.capitalize()}': a group large enough to "
                                                f"show, hidden because the total less the other groups would give "
                                                f"away the figure of a group under {self.min_size} people."]))
        return Table(key, title, sheet, columns, rows, note)

    def chart(self, key: str, builder, *args, **kwargs) -> Chart:
        """A chart drawn with this report's minimum group size."""
        return Chart(key, builder(*args, min_size=self.min_size, **kwargs))

    def hide(self, value: Any, suppressed: bool) -> Any:
        return self.hidden if suppressed else value

    def headlines(self, data: dict[str, Any]) -> list[Headline]:
        out = []
        for row in data["headlines"].to_dict("records"):
            row = {key: _plain(value) for key, value in row.items()}
            hidden, change_hidden = bool(row["suppressed"]), bool(row["change_suppressed"])
            note, p_value, test = "", row["p_value"], row["test"]
            if row["key"] == "overall_satisfaction":
                note = f"on a 1–{int(row['scale_points'] or 5)} scale"
            if row["p_compares"] != PREVIOUS_QUARTER:
                # The row's significance belongs to its change on the previous quarter; the test of the
                # quarter against another group moves into the note, which names that comparison.
                p_value, test = None, SAME_PEOPLE
                if not hidden and row["other"] is not None:
                    note = (f"vs {row['p_compares']} ({display(row['other'], 'rate')}): difference "
                            f"{display(row['difference'], 'rate_change')} (95% CI "
                            f"{display(row['ci_low'], 'rate_change')} to {display(row['ci_high'], 'rate_change')}), "
                            f"{_significance(row['p_value'])}; {row['test']}")
                    if stats.interval_and_test_disagree(row["ci_low"], row["ci_high"], row["p_value"]):
                        note += f"; {stats.DISAGREE_NOTE}"
                    if row.get("adjusted"):  # a raw gap is never read without its like-for-like reading
                        note += f"; {row['adjusted']}"
            if not hidden and row["value"] is not None and formatting.small(row["n"]):
                note = "; ".join(filter(None, [note, f"{formatting.SMALL_N_MARK} small n: {row['n_text']}, so one "
                                                     "more can move it a lot"]))
            value = charts.SHIELDED_TEXT if hidden and row["shielded"] else self.hide(row["value"], hidden)
            out.append(Headline(row["key"], row["label"], row["kind"], value,
                                self.hide(row["previous"], bool(row["previous_suppressed"])),
                                self.hide(row["change"], change_hidden),
                                p_value, test, row["n_text"], note))
        return out
