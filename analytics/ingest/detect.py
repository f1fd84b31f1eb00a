"""Which tool wrote a file, and which kind of data it holds, from its header rows."""
from __future__ import annotations

from analytics.ingest.columns import KINDS, map_header, normalise_name, required_columns
from analytics.ingest.errors import FileRefused
from analytics.ingest.read import RawTable

SURVEY_FORMATS = ("qualtrics", "qualtrics_2016", "qualtrics_legacy", "surveymonkey", "google_forms",
                  "ms_forms")
# Google Sheets localises the first column's header.
GOOGLE_TIMESTAMPS = frozenset(normalise_name(h) for h in (
    "Timestamp", "Carimbo de data/hora", "Marca temporal", "Horodateur", "Zeitstempel",
    "Informazioni cronologiche", "Tijdstempel", "Sygnatura czasowa", "Tidsstämpel", "Tidsstempel",
))


def detect_format(raw: RawTable) -> str:
    rows = raw.rows
    header = [normalise_name(c) for c in rows[0]] if rows else []
    second = rows[1] if len(rows) > 1 else []
    third = rows[2] if len(rows) > 2 else []
    if header[:3] == ["v1", "v2", "v3"] and "ResponseID" in second:
        return "qualtrics_legacy"
    import_ids = [c for c in third if c.startswith("{") and "ImportId" in c]
    if import_ids:
        return "qualtrics_2016" if import_ids[0].startswith("{'") else "qualtrics"
    if "respondentid" in header and ("collectorid" in header or {"Response", "Open-Ended Response"} & set(second)):
        return "surveymonkey"
    if header[:3] == ["id", "starttime", "completiontime"]:
        return "ms_forms"
    if header and header[0] in GOOGLE_TIMESTAMPS:
        return "google_forms"
    return "generic"


def detect_kind(raw: RawTable, fmt: str) -> str:
    """Survey tools hold surveys; a generic file is the kind whose required
    columns its header has (the most specific such kind when several fit)."""
    if fmt in SURVEY_FORMATS:
        return "survey"
    header = raw.rows[0] if raw.rows else []
    fits = []
    for kind in KINDS:
        mapped = map_header(header, kind)
        if not set(required_columns(kind)) <= set(mapped.values()):
            continue
        if kind == "survey" and len(mapped) == len([c for c in header if c]):
            continue  # a survey needs at least one question column
        fits.append((len(required_columns(kind)), len(mapped), kind))
    if fits:
        return max(fits)[2]
    found = ", ".join(f"'{c}'" for c in header if c) or "none"
    needs = "; ".join(f"{kind}: {', '.join(required_columns(kind))}" for kind in KINDS)
    raise FileRefused(
        f"Mentorscope cannot tell what this file holds. Its columns are {found}.",
        fix=f"Rename the columns so that one kind's required columns are present ({needs}; "
            "a survey also needs at least one question column), or choose the kind explicitly.")
