"""Microsoft Forms (XLSX, or its CSV saved by Excel): ID, Start time, Completion time, Email, Name, …
then one column per question."""
from __future__ import annotations

import pandas as pd

from analytics.ingest.columns import normalise_name
from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import meta_field, plain_columns
from analytics.ingest.tools.base import SurveyTool


def _recognises(head: RawTable) -> bool:
    header = [normalise_name(c) for c in head.rows[0]] if head.rows else []
    return header[:3] == ["id", "starttime", "completiontime"]


def _field(text: str) -> str | None:
    return "response_id" if normalise_name(text) == "id" else meta_field(text)


def _answer_text(answers: pd.Series) -> pd.Series:
    return answers.str.rstrip(";")  # multi-select answers end with a separator: "A;B;"


MS_FORMS = SurveyTool(order=60,
    id="ms_forms", name="Microsoft Forms", recognises=_recognises,
    columns=lambda head: plain_columns(head.rows[0], _field),
    per_file_ids=True,  # ID numbers each file's responses 1, 2, …
    answer_text=_answer_text,
)
