"""Sentences the pages and the summaries share: counts with their nouns, and what a figure
with nothing to show says instead (the upload it lacks, or that the filters exclude what is loaded)."""
from __future__ import annotations

import duckdb

from analytics.ingest.tools import tool_names
from analytics.measures.filters import Filters, Period
from analytics.present.escaping import markdown

# Per kind of data a figure needs: rows of it in the store, its noun, what it lacks in the quarter,
# and which file to upload when there is none at all.
KINDS = {
    "surveys": ("SELECT count(*) FROM responses", "survey response", "none submitted",
                f"a survey export ({tool_names()})"),
    "pairs": ("SELECT count(*) FROM pairs", "pair", "none open",
              "the pairs export (pair_id, mentor_id, mentee_id, matched_on), then the sessions export"),
    "sessions": ("SELECT count(*) FROM sessions", "session", "none dated",
                 "the sessions export (pair_id, occurred_on, status)"),
    "goals": ("SELECT count(*) FROM goals", "goal", "none due",
              "the goals export (goal_id, pair_id, due_on, achieved_on, category)"),
    "employees": ("SELECT count(*) FROM employees", "employee", "none in these figures",
                  "the HR employee file (employee_id, hired_on, terminated_on, last_promoted_on, department)"),
    "comments": ("SELECT count(*) FROM answers a JOIN items i USING (survey_id, item_id) "
                 "WHERE i.dimension = 'comment' AND a.value_text IS NOT NULL", "comment", "none written",
                 "a survey export with a free-text comment question"),
}


def counted(n: int, noun: str) -> str:
    """'1 row', '2 rows', '1,200 pairs'."""
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def nothing_here(con: duckdb.DuckDBPyConnection, period: Period, filters: Filters,
                 needs: tuple[str, ...]) -> tuple[str, bool]:
    """(Markdown message, whether an upload is what is missing) for a figure of `needs` with nothing
    to show. Only kinds with no rows at all ask for an upload: loaded data the quarter and filters
    exclude is said to be there, with the way to reach it."""
    loaded = {need: int(con.execute(KINDS[need][0]).fetchone()[0]) for need in needs}
    missing = [need for need in needs if not loaded[need]]
    if missing:
        wanted = "; then ".join(KINDS[need][3] for need in missing)
        return (f"No data here yet for {filters.sentence(period, shown=markdown)}. Upload {wanted} on the **Upload** "
                "page."), True
    who = f" for {filters.sentence(shown=markdown)}" if filters.active() else ""
    found = "; ".join(f"{counted(loaded[need], KINDS[need][1])} {'is' if loaded[need] == 1 else 'are'} loaded, "
                      f"{KINDS[need][2]} this quarter{who}" for need in needs)
    if filters.active():
        return (f"Nothing matches these filters in {period.sentence()}: {found}. Widen the filters in the sidebar "
                "or pick another quarter."), False
    return f"Nothing in {period.sentence()}: {found}. Pick another quarter in the sidebar.", False
