"""Qualtrics CSV, in the three layouts its exporters write: the current one and the 2016 one (row 1
column ids, row 2 question text, row 3 an ImportId dict: JSON now, a Python dict in 2016) and the legacy
one (V1…V10 metadata named in row 2). Three tools, as the layouts are told apart and stored apart."""
from __future__ import annotations

import ast
import json
import re

from analytics.ingest.columns import normalise_name
from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import DROP, QUESTION_META, Column, clean_text, meta_field
from analytics.ingest.tools.base import SurveyTool

# A Status cell of a survey-preview response (the tool's own test), in text or numeric exports.
PREVIEW = frozenset({"survey preview", "1"})


def _import_ids(head: RawTable) -> list[str]:
    third = head.rows[2] if len(head.rows) > 2 else []
    return [c for c in third if c.startswith("{") and "ImportId" in c]


def _is_legacy(head: RawTable) -> bool:
    rows = head.rows
    header = [normalise_name(c) for c in rows[0]] if rows else []
    return header[:3] == ["v1", "v2", "v3"] and "ResponseID" in (rows[1] if len(rows) > 1 else [])


def _is_2016(head: RawTable) -> bool:
    ids = _import_ids(head)
    return bool(ids) and ids[0].startswith("{'")


def _is_current(head: RawTable) -> bool:
    ids = _import_ids(head)
    return bool(ids) and not ids[0].startswith("{'")


def _column(index: int, key: str, text: str, import_row: str) -> Column:
    name = normalise_name(key)
    text = clean_text(text)
    # Display order, Text iQ ("Q2 - Topics") and Q_ bookkeeping are not answers.
    derived = key.endswith("_DO") or " - " in key or key.startswith("Q_")
    field_name = meta_field(key) or QUESTION_META.get(normalise_name(text))
    return Column(index, key, text, field_name, drop=name in DROP or derived or not key,
                  fingerprint_key=_import_id(import_row) or "")


def _columns(head: RawTable) -> list[Column]:
    rows = head.rows
    return [_column(i, key, text, rows[2][i]) for i, (key, text) in enumerate(zip(rows[0], rows[1]))]


def _legacy_columns(head: RawTable) -> list[Column]:
    # V1..V10 are metadata named in row 2; question ids (Q1…) are in row 1.
    return [_column(i, second if re.fullmatch(r"V\d+", first) else first, second, "")
            for i, (first, second) in enumerate(zip(head.rows[0], head.rows[1]))]


def _import_id(cell: str) -> str | None:
    parsed = _header_dict(cell)
    return parsed.get("ImportId") if parsed else None


def _header_dict(cell: str) -> dict | None:
    """Row 3 of a Qualtrics export: JSON, or a Python dict in 2016 exports."""
    if not cell.startswith("{"):
        return None
    try:
        return json.loads(cell)
    except ValueError:
        pass
    try:
        value = ast.literal_eval(cell)
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, dict) else None


def _time_zone(head: RawTable, column: int) -> str | None:
    """The zone the dates are written in: row 3 of the date column says."""
    return (_header_dict(head.rows[2][column]) or {}).get("timeZone")


# Response ids (R_…) are unique across surveys: kept as they are.
QUALTRICS_LEGACY = SurveyTool(order=10, id="qualtrics_legacy", name="Qualtrics", recognises=_is_legacy,
                              columns=_legacy_columns, header_rows=2, keeps_ids=True, preview_statuses=PREVIEW)
QUALTRICS_2016 = SurveyTool(order=20, id="qualtrics_2016", name="Qualtrics", recognises=_is_2016, columns=_columns,
                            header_rows=3, keeps_ids=True, preview_statuses=PREVIEW, time_zone=_time_zone)
QUALTRICS = SurveyTool(order=30, id="qualtrics", name="Qualtrics", recognises=_is_current, columns=_columns,
                       header_rows=3, keeps_ids=True, preview_statuses=PREVIEW, time_zone=_time_zone)
