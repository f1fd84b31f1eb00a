"""What a survey tool module defines: one `SurveyTool`, the only place its export's quirks live."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import pandas as pd

from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import Column


def _no_time_zone(head: RawTable, column: int) -> str | None:
    return None


def _as_written(answers: pd.Series) -> pd.Series:
    return answers


@dataclass(frozen=True)
class SurveyTool:
    """One tool's export layout. Every function gets the file's first rows as read (`RawTable`)."""
    id: str                                   # stored as the upload's format and in its survey id
    name: str                                 # as users read it ("Microsoft Forms")
    recognises: Callable[[RawTable], bool]    # whether the first rows are this tool's export
    columns: Callable[[RawTable], list[Column]]  # the header rows read, one Column per file column
    # Its place in detection: the first tool, by this number, that recognises a file wrote it. A tool whose
    # test also matches another's files comes after it; the generic reader, which takes any file, is last.
    order: int = 100
    header_rows: int = 1                      # rows above the first response
    surveys_only: bool = True                 # False: the file may be another kind of table (generic)
    keeps_ids: bool = False                   # item ids are the tool's column ids, not slugs of the text
    per_file_ids: bool = False                # response ids restart in each file: kept after the survey id
    preview_statuses: frozenset[str] = frozenset()  # a `Status` cell (lower case) marking a test response
    # The zone the dates of column `column` are written in, when the export says; None: as written.
    time_zone: Callable[[RawTable, int], str | None] = _no_time_zone
    # Each distinct answer cell of a question as the scales read it (a tool's coding undone).
    answer_text: Callable[[pd.Series], pd.Series] = _as_written
