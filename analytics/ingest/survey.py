"""A survey export (any tool) → items, responses and long-form answers.

Each tool's header rows are first turned into one `Column` per file column:
what it is (a response field, a question, or metadata we drop) and what it
says. From there every format is handled alike.

Conventions:
- `row_number` is the spreadsheet row a user sees when opening the file
  (1-based, header rows included; a CSV record with newlines inside quotes is
  one row).
- Unfinished Qualtrics responses are kept: their answers were given, and the
  tool records them as responses. Survey-preview rows are skipped and counted.
- Response ids from Qualtrics and SurveyMonkey are unique across surveys and
  kept as they are; Microsoft Forms and generic ids are per file, so they are
  prefixed with the survey id; a file without ids gets a hash of the survey id
  and the row's content (the same row re-uploaded gets the same id).
"""
from __future__ import annotations

import ast
import hashlib
import html
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import PurePath

import pandas as pd

from analytics.ingest.columns import canonical, normalise_name
from analytics.ingest.dates import invalid_mask, parse_dates
from analytics.ingest.errors import FileRefused, IngestError, NeedsMapping
from analytics.ingest.mapping import DIMENSIONS, header_fingerprint, self_mapped, suggest_dimension
from analytics.ingest.read import RawTable
from analytics.ingest.scales import convert_column, dimension_points

WAVES = ("baseline", "midpoint", "exit", "pulse")
RESPONSE_FIELDS = ("response_id", "respondent_id", "email", "role", "program", "cohort", "wave")
ITEM_COLUMNS = ["item_id", "question_text", "dimension", "item_type", "scale_points"]
RESPONSE_COLUMNS = ["response_id", "respondent_id", "email", "role", "program", "cohort", "wave",
                    "submitted_at", "row_number"]
ANSWER_COLUMNS = ["response_id", "item_id", "value_num", "value_text", "scale_points"]
HEADER_ROWS = {"qualtrics": 3, "qualtrics_2016": 3, "qualtrics_legacy": 2, "surveymonkey": 2}

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


@dataclass
class SurveyBatch:
    survey_id: str
    fingerprint: str
    format: str
    title: str
    items: pd.DataFrame
    responses: pd.DataFrame
    answers: pd.DataFrame
    rejected: list[dict] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)


def parse_survey(raw: RawTable, fmt: str, file_name: str, *,
                 mapping: dict[str, str | None] | None = None,
                 label_map: dict[str, dict[str, tuple[float, int]]] | None = None,
                 wave: str | None = None, program: str | None = None,
                 day_first: bool | None = None) -> SurveyBatch:
    try:
        return _parse(raw, fmt, file_name, mapping or {}, label_map or {}, wave, program, day_first)
    except IngestError as exc:
        raise exc.in_file(file_name)


def survey_fingerprint(raw: RawTable, fmt: str) -> str:
    """The survey's identity from its question headers (saved mappings are keyed on it)."""
    return _fingerprint([c for c in _columns(raw, fmt) if c.field is None and not c.drop])


def _fingerprint(questions: list[Column]) -> str:
    return header_fingerprint((c.key, c.fingerprint_key) for c in questions)


def _parse(raw, fmt, file_name, mapping, label_map, wave, program, day_first) -> SurveyBatch:
    header_rows = HEADER_ROWS.get(fmt, 1)
    if len(raw.rows) <= header_rows:
        raise FileRefused("has no data rows, only headers.", fix="Export the survey again with its responses.")
    columns = _columns(raw, fmt)
    fields = _pick_fields(columns)
    if "submitted_at" not in fields:
        raise FileRefused("has no column saying when each response was submitted.",
                          fix="Add a submitted_at column (or export again with the tool's date columns).")
    questions = [c for c in columns if c.field is None and not c.drop]
    if not questions:
        raise FileRefused("has no question columns.", fix="Export the survey with its answers.")
    fingerprint = _fingerprint(questions)
    survey_id = f"{fmt}-{fingerprint[:12]}"

    body = pd.DataFrame(raw.rows[header_rows:], dtype="string").fillna("")
    body.index = range(header_rows + 1, header_rows + 1 + len(body))  # spreadsheet row numbers
    skipped = {"survey_preview": 0, "blank": 0}
    blank = body.eq("").all(axis=1)
    skipped["blank"] = int(blank.sum())
    body = body[~blank]
    status = next((c for c in columns if normalise_name(c.key) == "status"), None)
    if status is not None and fmt.startswith("qualtrics"):
        preview = body[status.index].str.strip().str.lower().isin(["survey preview", "1"])
        skipped["survey_preview"] = int(preview.sum())
        body = body[~preview]

    responses, rejected = _responses(body, fields, columns, fmt, survey_id, _time_zone(raw, fmt, fields),
                                     wave, program, day_first)
    body = body.loc[responses.index]
    items, answers, suggestions = _items_and_answers(body, questions, responses, mapping, label_map, fmt)
    return SurveyBatch(survey_id, fingerprint, fmt, PurePath(file_name).stem, items,
                       responses.reset_index(drop=True)[RESPONSE_COLUMNS], answers, rejected, skipped,
                       suggestions)


# ---- header rows → columns ------------------------------------------------

def clean_text(text: str) -> str:
    """Header text as a person reads it: HTML tags and entities resolved,
    line breaks and NBSPs as single spaces."""
    text = re.sub(r"<br\s*/?>", " ", text, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text)).strip()


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:60] or "q"


def _columns(raw: RawTable, fmt: str) -> list[Column]:
    rows = raw.rows
    if fmt in ("qualtrics", "qualtrics_2016"):
        found = [_qualtrics_column(i, key, text, rows[2][i]) for i, (key, text) in enumerate(zip(rows[0], rows[1]))]
    elif fmt == "qualtrics_legacy":
        # V1..V10 are metadata named in row 2; question ids (Q1…) are in row 1.
        found = [_qualtrics_column(i, second if re.fullmatch(r"V\d+", first) else first, second, "")
                 for i, (first, second) in enumerate(zip(rows[0], rows[1]))]
    elif fmt == "surveymonkey":
        found = _surveymonkey_columns(rows[0], rows[1])
    else:
        found = [_plain_column(i, text, fmt, first=i == 0) for i, text in enumerate(rows[0])]
    return _unique_keys(found, keep_ids=fmt.startswith("qualtrics"))


def _meta_field(key: str) -> str | None:
    name = normalise_name(key)
    return next((target for source, target in META if source == name), None)


def _qualtrics_column(index: int, key: str, text: str, import_row: str) -> Column:
    name = normalise_name(key)
    text = clean_text(text)
    # Display order, Text iQ ("Q2 - Topics") and Q_ bookkeeping are not answers.
    derived = key.endswith("_DO") or " - " in key or key.startswith("Q_")
    field_name = _meta_field(key) or QUESTION_META.get(normalise_name(text))
    return Column(index, key, text, field_name, drop=name in DROP or derived or not key,
                  fingerprint_key=_import_id(import_row) or "")


def _import_id(cell: str) -> str | None:
    parsed = _parse_header_dict(cell)
    return parsed.get("ImportId") if parsed else None


def _parse_header_dict(cell: str) -> dict | None:
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


def _surveymonkey_columns(first: list[str], second: list[str]) -> list[Column]:
    """Row 1 holds a question's text only above its first column; row 2 the
    sub-header (`Response`, `Open-Ended Response`, a choice or a row label)."""
    found, parent, parent_index = [], "", -1
    for i, (top, sub) in enumerate(zip(first, second)):
        if top:
            parent, parent_index = clean_text(top), i
        sub = clean_text(sub)
        field_name = _meta_field(top)
        if top and (field_name or normalise_name(top) in DROP):
            found.append(Column(i, top, clean_text(top), field_name, drop=field_name is None))
            continue
        own_text = sub in ("", "Response") or (sub == "Open-Ended Response" and i == parent_index)
        text = parent if own_text else f"{parent} — {sub}"
        found.append(_plain_column(i, text, "surveymonkey", first=False))
    return found


def _plain_column(index: int, header: str, fmt: str, *, first: bool) -> Column:
    text = clean_text(header)
    if fmt == "google_forms" and first:
        return Column(index, text, text, "submitted_at")
    name = normalise_name(text)
    # In the project's own format respondent_id is the person; tools use the word for a response.
    field_name = canonical(text, "survey") if fmt == "generic" else None
    field_name = field_name or _meta_field(text)
    if fmt == "ms_forms" and name == "id":
        field_name = "response_id"
    field_name = field_name or QUESTION_META.get(name)
    return Column(index, text, text, field_name, drop=(name in DROP and field_name is None) or not text,
                  fingerprint_key=text)


def _unique_keys(columns: list[Column], *, keep_ids: bool) -> list[Column]:
    """Question keys become item ids: Qualtrics' column id, else a slug of the
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


def _pick_fields(columns: list[Column]) -> dict[str, Column]:
    """Response field -> the column that fills it (META order decides ties)."""
    rank = {source: n for n, (source, _) in enumerate(META)}
    picked: dict[str, Column] = {}
    for column in sorted((c for c in columns if c.field),
                         key=lambda c: rank.get(normalise_name(c.key), len(rank))):
        picked.setdefault(column.field, column)
    return picked


def _time_zone(raw: RawTable, fmt: str, fields: dict[str, Column]) -> str | None:
    """The zone Qualtrics wrote dates in (row 3 of the submitted_at column)."""
    if fmt not in ("qualtrics", "qualtrics_2016"):
        return None
    parsed = _parse_header_dict(raw.rows[2][fields["submitted_at"].index]) or {}
    return parsed.get("timeZone")


# ---- rows → responses -----------------------------------------------------

def _responses(body, fields, columns, fmt, survey_id, tz, wave, program, day_first):
    submitted_column = fields["submitted_at"]
    raw_dates = body[submitted_column.index]
    submitted = parse_dates(raw_dates, day_first=day_first, column=submitted_column.text, tz=tz)
    bad = invalid_mask(raw_dates, submitted) | raw_dates.str.strip().eq("")
    out = pd.DataFrame(index=body.index)
    for name in RESPONSE_FIELDS:
        column = fields.get(name)
        text = body[column.index].str.strip() if column else pd.Series("", index=body.index, dtype="string")
        out[name] = text.mask(text.eq(""))
    out["email"] = out["email"].str.lower().mask(out["email"].str.lower().eq("anonymous"))
    out["wave"] = out["wave"].str.lower().fillna((wave or "pulse").lower())
    out["program"] = out["program"].fillna(program) if program else out["program"]
    out["submitted_at"] = submitted
    out["row_number"] = body.index
    out["response_id"] = _response_ids(out["response_id"], body, fmt, survey_id)

    rejected = []
    for row in body.index[bad]:
        value = raw_dates[row]
        reason = "submitted_at is empty" if not value.strip() else f"'{value}' is not a date"
        rejected.append(_rejection(row, submitted_column.text, reason, body.loc[row]))
    for row in out.index[~bad & ~out["wave"].isin(WAVES)]:
        rejected.append(_rejection(row, fields["wave"].text,
                                   f"wave '{out.at[row, 'wave']}' is not one of {', '.join(WAVES)}",
                                   body.loc[row]))
    first_seen = out["response_id"].duplicated(keep="first")
    for row in out.index[first_seen & ~bad]:
        rejected.append(_rejection(row, None, f"duplicate response id '{out.at[row, 'response_id']}'",
                                   body.loc[row]))
    keep = ~bad & out["wave"].isin(WAVES) & ~first_seen
    return out[keep], sorted(rejected, key=lambda r: r["row_number"])


def _response_ids(ids: pd.Series, body: pd.DataFrame, fmt: str, survey_id: str) -> pd.Series:
    if fmt in ("ms_forms", "generic"):
        ids = survey_id + ":" + ids
    # Only rows without an id need the hash of their content.
    missing = ids.isna()
    if len(body) and not missing.any():
        return ids.copy()
    hashed = body[missing].apply(lambda row: survey_id + ":" + hashlib.sha256(
        "\x1f".join([survey_id, *row]).encode("utf-8")).hexdigest()[:16], axis=1)
    return ids.fillna(hashed)


def _rejection(row: int, column: str | None, reason: str, cells: pd.Series) -> dict:
    return {"row_number": int(row), "column": column, "reason": reason, "raw": ",".join(cells)}


# ---- questions → items and answers ----------------------------------------

def _items_and_answers(body, questions, responses, mapping, label_map, fmt):
    unknown_codes = {v for v in mapping.values() if v and v not in DIMENSIONS}
    if unknown_codes:
        raise IngestError(f"the mapping names unknown dimensions: {', '.join(sorted(unknown_codes))}.",
                          fix=f"Use one of: {', '.join(DIMENSIONS)}.")
    dimension_of = {c.key: mapping[c.key] if c.key in mapping else self_mapped(c.key) for c in questions}
    values = {c.key: _answer_text(body[c.index], fmt) for c in questions}
    points = {dim: dimension_points([values[k] for k, d in dimension_of.items() if d == dim], dim)
              for dim in set(dimension_of.values()) if dim}
    items, answers, unknown, suggestions = [], [], {}, {}
    for column in questions:
        dim = dimension_of[column.key]
        suggested = suggest_dimension(column.text, column.key) if dim is None else None
        if suggested:
            suggestions[column.key] = suggested
        # An unmapped comment box is free text even when someone wrote "Good".
        read_as = dim or ("comment" if suggested == "comment" else None)
        converted = convert_column(values[column.key], column.key, dimension=read_as,
                                   label_map=label_map.get(column.key), scale_points=points.get(dim))
        if converted.unknown:
            unknown[column.key] = (column.text, converted.unknown)
        items.append((column.key, column.text, dim, converted.item_type, converted.scale_points))
        given = converted.value_text.notna()
        answers.append(pd.DataFrame({
            "response_id": responses["response_id"][given], "item_id": column.key,
            "value_num": converted.value_num[given], "value_text": converted.value_text[given],
            "scale_points": converted.scale_points if converted.item_type == "likert" else None,
        }))
    if unknown:
        raise _needs_label_mapping(unknown)
    answer_frame = pd.concat(answers, ignore_index=True) if answers else pd.DataFrame(columns=ANSWER_COLUMNS)
    answer_frame["scale_points"] = answer_frame["scale_points"].astype("Int64")
    item_frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
    item_frame["scale_points"] = item_frame["scale_points"].astype("Int64")
    return item_frame, answer_frame[ANSWER_COLUMNS], suggestions


def _answer_text(cells: pd.Series, fmt: str) -> pd.Series:
    if fmt == "ms_forms":  # multi-select answers end with a separator: "A;B;"
        return cells.str.rstrip(";")
    return cells


def _needs_label_mapping(unknown: dict[str, tuple[str, list[str]]]) -> NeedsMapping:
    parts = []
    for item_id, (text, labels) in unknown.items():
        short = text if len(text) <= 40 else text[:40].rstrip() + "…"
        name = item_id if item_id == slug(text) else f"{item_id} {short}"
        parts.append(f"column '{name}' has answers no known scale explains: "
                     + ", ".join(f"'{label}'" for label in labels))
    return NeedsMapping("; ".join(parts) + ".", labels={k: v for k, (_, v) in unknown.items()},
                        fix="Map each label to a score on the Upload page (or pass a label map).")
