"""A plain CSV or XLSX in the project's own format: one header row of column names, or any table no tool
claims. The fallback, last in TOOLS; only a file that looks like a survey is read as one (detect.detect_kind)."""
from __future__ import annotations

from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import generic_field, plain_columns
from analytics.ingest.tools.base import SurveyTool


def _columns(head: RawTable) -> list:
    return plain_columns(head.rows[0], generic_field)


GENERIC = SurveyTool(order=1000,
    id="generic", name="plain CSV or XLSX", recognises=lambda head: True, columns=_columns,
    surveys_only=False,
    per_file_ids=True,  # a file's own ids (1, 2, …) mean nothing beyond it
)
