"""The plausible range of a stored date: ingest rejects a date outside it, and the quarter list
ignores one stored before that rule existed."""
from __future__ import annotations

from datetime import date

# No mentoring record predates this; a later limit is a year after today (latest_plausible).
EARLIEST = date(1950, 1, 1)


def latest_plausible(today: date | None = None) -> date:
    """The last plausible date of a record: a year after `today` (a goal's due date, a planned meeting)."""
    today = today or date.today()
    try:
        return today.replace(year=today.year + 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year + 1, day=28)


def outside_range() -> str:
    """Why a date outside the plausible range is rejected, with the range."""
    return f"is outside the plausible range {EARLIEST} to {latest_plausible()}"
