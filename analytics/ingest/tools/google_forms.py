"""Google Forms (the responses sheet as CSV or XLSX): a timestamp, then one column per question; grid
questions as 'Question [Row]'."""
from __future__ import annotations

from analytics.ingest.columns import normalise_name
from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import Column, clean_text, plain_column
from analytics.ingest.tools.base import SurveyTool

# Google Sheets localises the first column's header.
TIMESTAMPS = frozenset(normalise_name(h) for h in (
    "Timestamp", "Carimbo de data/hora", "Marca temporal", "Horodateur", "Zeitstempel",
    "Informazioni cronologiche", "Tijdstempel", "Sygnatura czasowa", "Tidsstämpel", "Tidsstempel",
))


def _recognises(head: RawTable) -> bool:
    return bool(head.rows) and bool(head.rows[0]) and normalise_name(head.rows[0][0]) in TIMESTAMPS


def _columns(head: RawTable) -> list[Column]:
    """The first column is the submission time, whatever its (localised) name."""
    header = head.rows[0]
    first = clean_text(header[0])
    return [Column(0, first, first, "submitted_at")] + [plain_column(i, text) for i, text in enumerate(header)
                                                        if i > 0]


GOOGLE_FORMS = SurveyTool(order=50, id="google_forms", name="Google Forms", recognises=_recognises, columns=_columns)
