"""A survey's header → one `Column` per file column: what it is (a response field, a question, or
metadata never stored) and what it says. The words every tool shares are here; how a tool lays its
header rows out is in its module under ingest.tools."""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from analytics.ingest.columns import canonical, normalise_name

# Tool metadata (normalised header) -> response field. Earlier entries win
# when a file has several (Qualtrics RecordedDate over EndDate).
META: tuple[tuple[str, str], ...] = (
    ("recordeddate", "submitted_at"), ("enddate", "submitted_at"), ("completiontime", "submitted_at"),
    ("responseid", "response_id"), ("respondentid", "response_id"),
    ("externalreference", "respondent_id"), ("externaldatareference", "respondent_id"),
    ("customdata1", "respondent_id"), ("customdata", "respondent_id"),
    ("recipientemail", "email"), ("emailaddress", "email"), ("email", "email"),
    # Google Sheets localises "Email Address" (pt, es, fr, de)
    ("enderecodeemail", "email"), ("direcciondecorreoelectronico", "email"), ("adresseemail", "email"),
    ("emailadresse", "email"),
)
# Metadata never stored: personal data and tool bookkeeping.
DROP = frozenset({
    "ipaddress", "locationlatitude", "locationlongitude", "recipientfirstname", "recipientlastname",
    "name", "firstname", "lastname", "status", "progress", "duration", "durationinseconds", "finished",
    "distributionchannel", "userlanguage", "collectorid", "startdate", "starttime", "lastmodifiedtime",
    "responseset", "language",
})
# Question columns titled like a response field are that field.
QUESTION_META = {"employeeid": "respondent_id", "participantid": "respondent_id", "respondentid": "respondent_id",
                 "surveywave": "wave",
                 "role": "role", "program": "program", "programme": "program", "cohort": "cohort",
                 "wave": "wave"}


@dataclass
class Column:
    index: int
    key: str            # the tool's column id (Qualtrics) or the header text
    text: str           # question text, clean of HTML and line breaks
    field: str | None   # response field, or None for a question
    drop: bool = False
    fingerprint_key: str = ""


def clean_text(text: str) -> str:
    """Header text as a person reads it: HTML tags and entities resolved,
    line breaks and NBSPs as single spaces."""
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:60] or "q"


def meta_field(key: str) -> str | None:
    """The response field a tool's metadata column fills (META), else None."""
    name = normalise_name(key)
    return next((target for source, target in META if source == name), None)


def generic_field(header: str) -> str | None:
    """The response field a column of a survey in the project's own format fills; None for a question."""
    text = clean_text(header)
    # In the project's own format respondent_id is the person; tools use the word for a response.
    return canonical(text, "survey") or meta_field(text) or QUESTION_META.get(normalise_name(text))


def plain_column(index: int, header: str, field_of: Callable[[str], str | None] = meta_field) -> Column:
    """A column titled by one header cell: a response field (`field_of` the text, else a question
    titled like one), dropped metadata, or a question keyed by its text."""
    text = clean_text(header)
    name = normalise_name(text)
    field_name = field_of(text) or QUESTION_META.get(name)
    return Column(index, text, text, field_name, drop=(name in DROP and field_name is None) or not text,
                  fingerprint_key=text)


def plain_columns(header: list[str], field_of: Callable[[str], str | None] = meta_field) -> list[Column]:
    """A one-row header, each cell read by `plain_column`."""
    return [plain_column(i, text, field_of) for i, text in enumerate(header)]


def unique_keys(columns: list[Column], *, keep_ids: bool) -> list[Column]:
    """Question keys become item ids: the tool's column id when `keep_ids`, else a slug of the
    text, numbered when two questions share one."""
    seen: set[str] = set()
    for column in columns:
        if column.field or column.drop:
            continue
        base = column.key if keep_ids else slug(column.key)
        key, n = base, 1
        while key in seen:
            n += 1
            key = f"{base}_{n}"
        seen.add(key)
        column.key = key
    return columns


def pick_fields(columns: list[Column]) -> dict[str, Column]:
    """Response field -> the column that fills it (META order decides ties)."""
    rank = {source: n for n, (source, _) in enumerate(META)}
    picked: dict[str, Column] = {}
    for column in sorted((c for c in columns if c.field),
                         key=lambda c: rank.get(normalise_name(c.key), len(rank))):
        picked.setdefault(column.field, column)
    return picked
