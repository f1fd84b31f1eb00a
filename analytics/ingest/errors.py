"""Typed ingest errors whose messages say what is wrong, where, and the fix."""
from __future__ import annotations

from analytics.errors import InputError

# What to do about a rejected row's cell, after its problem.
DATE_FIX = " (correct it in the export, e.g. 2026-05-01, and upload again)"
NUMBER_FIX = " (correct it in the export, e.g. 45 or 45.5, and upload again)"


class IngestError(InputError):
    """A file (or a row of it) cannot be used as it is.

    The message always names the file, and where it helps the row and column,
    and ends with what the user should do about it.
    """

    def __init__(self, problem: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, fix: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        super().__init__(problem, fix=fix)

    @property
    def message(self) -> str:
        where = [part for part in (
            self.file,
            f"row {self.row}" if self.row is not None else None,
            f"column '{self.column}'" if self.column else None,
        ) if part]
        problem = self.problem if self.problem.endswith((".", "?", "!")) else self.problem + "."
        text = ": ".join([", ".join(where), problem]) if where else problem
        return f"{text} {self.fix}".strip() if self.fix else text

    def in_file(self, file: str) -> "IngestError":
        """The same error, naming the file (readers often don't know its name)."""
        if self.file is None:
            self.file = file
            self.args = (self.message,)
        return self


class FileRefused(IngestError):
    """The whole file is unusable (unreadable, wrong kind, no usable rows...)."""


class NeedsMapping(FileRefused):
    """Answers or columns need the user's mapping before the file can load.

    `labels` maps a column (item id) to the answer labels no known scale explains;
    `ambiguous_dates` lists columns whose day/month order cannot be told apart;
    `needs_date`: a survey without submission dates waits for the date it closed.
    """

    def __init__(self, problem: str, *, labels: dict[str, list[str]] | None = None,
                 ambiguous_dates: list[str] | None = None, needs_date: bool = False, **kw):
        self.labels = labels or {}
        self.ambiguous_dates = ambiguous_dates or []
        self.needs_date = needs_date
        super().__init__(problem, **kw)
