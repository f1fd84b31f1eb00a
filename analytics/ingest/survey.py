"""A survey export (any tool) → items, responses and long-form answers.

Each tool's header rows are first turned into one `Column` per file column
(its module in ingest.tools says how): what it is (a response field, a
question, or metadata we drop) and what it says. From there every tool is
handled alike, but for the quirks its `SurveyTool` names.

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

from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Callable

import pandas as pd
import pyarrow as pa

from analytics.ingest.columns import normalise_name
from analytics.ingest.dates import ISO_PLAIN, decide_day_first, parse_dates, slash_parts
from analytics.ingest.errors import DATE_FIX, FileRefused, IngestError, NeedsMapping
from analytics.ingest.identity import StoredSurvey
from analytics.ingest.mapping import DIMENSIONS, header_fingerprint, self_mapped, suggest_dimension
from analytics.ingest.scales import convert_column, dimension_points
from analytics.ingest.staged import Staged
from analytics.ingest.survey_columns import Column, pick_fields, slug, unique_keys
from analytics.ingest.tools import SurveyTool, tool_named
from analytics.store.plausible import EARLIEST, latest_plausible, outside_range

WAVES = ("baseline", "midpoint", "exit", "pulse")
RESPONSE_FIELDS = ("response_id", "respondent_id", "email", "role", "program", "cohort", "wave")
ITEM_COLUMNS = ["item_id", "question_text", "dimension", "item_type", "scale_points"]
RESPONSE_COLUMNS = ["response_id", "respondent_id", "email", "role", "program", "cohort", "wave",
                    "submitted_at", "row_number"]
ANSWER_COLUMNS = ["response_id", "item_id", "value_num", "value_text", "scale_points"]
# What the store knows of a survey: (valid rows, (key, text) per question, own survey id, fingerprint) -> it.
Identify = Callable[[pa.Table, list[tuple[str, str]], str, str], StoredSurvey]


@dataclass
class SurveyBatch:
    """Responses and answers stay Arrow tables: the loader hands them to DuckDB without copying."""
    survey_id: str
    fingerprint: str
    format: str
    title: str
    items: pd.DataFrame
    response_rows: pa.Table  # RESPONSE_COLUMNS, in row order
    answer_rows: pa.Table    # ANSWER_COLUMNS, in no particular order
    rejected: list[dict] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    suggestions: dict[str, str] = field(default_factory=dict)
    not_scored: frozenset[str] = frozenset()  # questions the mapping leaves without a dimension on purpose
    survey_closed_on: date | None = None  # the file had no dates: every response is dated this day

    @property
    def responses(self) -> pd.DataFrame:
        return self.response_rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)

    @property
    def answers(self) -> pd.DataFrame:
        return self.answer_rows.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def parse_survey(staged: Staged, fmt: str, file_name: str, *,
                 mapping: dict[str, str | None] | None = None,
                 label_map: dict[str, dict[str, tuple[float, int]]] | None = None,
                 wave: str | None = None, program: str | None = None,
                 day_first: bool | None = None, accept_suggestions: bool = False,
                 identify: Identify | None = None, submitted_on: date | None = None) -> SurveyBatch:
    """`accept_suggestions`: map each unmapped question as suggested (the demo's own surveys).
    `identify`: what the store knows of this survey (ingest.identity.resolve over a database): its
    stored survey, responses and items take the file's place, and its mapping applies under the
    `mapping` and `label_map` given here.
    `submitted_on`: the day the survey closed, the date of every response of a file without dates
    (anonymised exports, tools with date stamps off, paper surveys typed in); a file's own dates win."""
    try:
        return _parse(staged, tool_named(fmt), file_name, mapping or {}, label_map or {}, wave, program,
                      day_first, accept_suggestions, identify, submitted_on)
    except IngestError as exc:
        raise exc.in_file(file_name)


def _fingerprint(questions: list[Column]) -> str:
    return header_fingerprint((c.key, c.fingerprint_key) for c in questions)


def _parse(staged, tool: SurveyTool, file_name, mapping, label_map, wave, program, day_first,
           accept_suggestions, identify, submitted_on) -> SurveyBatch:
    if staged.height <= tool.header_rows:
        raise FileRefused("has no data rows, only headers.", fix="Export the survey again with its responses.")
    head = staged.head
    columns = unique_keys(tool.columns(head), keep_ids=tool.keeps_ids)
    fields = pick_fields(columns)
    closed_on = None if "submitted_at" in fields else _closing_date(submitted_on)
    questions = [c for c in columns if c.field is None and not c.drop]
    if not questions:
        raise FileRefused("has no question columns.", fix="Export the survey with its answers.")
    fingerprint = _fingerprint(questions)
    survey_id = f"{tool.id}-{fingerprint[:12]}"

    con = staged.con
    skipped = _body(con, staged.width, tool, columns)
    tz = tool.time_zone(head, fields["submitted_at"].index) if "submitted_at" in fields else None
    rejected = _responses(con, staged.text_cells(), fields, tool, survey_id, tz, wave, program, day_first,
                          closed_on)
    if identify is not None:
        known = identify(con.sql(f"SELECT {', '.join(RESPONSE_COLUMNS)} FROM kept").to_arrow_table(),
                         [(c.key, c.text) for c in questions], survey_id, fingerprint)
        _take_stored_ids(con, known, survey_id)
        for column in questions:
            column.key = known.item_ids.get(column.key, column.key)
        survey_id, fingerprint = known.survey_id, known.fingerprint
        mapping = {**known.mapping, **mapping}
        label_map = {item: {**known.labels.get(item, {}), **label_map.get(item, {})}
                     for item in {*known.labels, *label_map}}
    distinct = _distinct_answers(con, questions)
    items, value_map, suggestions = _items(distinct, questions, mapping, label_map, tool)
    if accept_suggestions and suggestions:
        items, value_map, suggestions = _items(distinct, questions, {**suggestions, **mapping}, label_map, tool)
    responses = con.sql(f"SELECT {', '.join(RESPONSE_COLUMNS)} FROM kept ORDER BY row_number").to_arrow_table()
    not_scored = frozenset(c.key for c in questions if c.key in mapping and mapping[c.key] is None)
    return SurveyBatch(survey_id, fingerprint, tool.id, PurePath(file_name).stem, items, responses,
                       _answers(con, questions, value_map), rejected, skipped, suggestions, not_scored, closed_on)


def _closing_date(submitted_on: date | None) -> date:
    """The date of every response of a file without dates: the one the user gave, if plausible."""
    if submitted_on is None:
        raise NeedsMapping("has no column saying when each response was submitted.", needs_date=True,
                           fix="Give the date the survey closed (--submitted-on YYYY-MM-DD, or the 'Survey closed "
                               "on' field on the Upload page) to date every response with it, or add a "
                               "submitted_at column.")
    if not EARLIEST <= submitted_on <= latest_plausible():
        raise FileRefused(f"--submitted-on {submitted_on} {outside_range()}.",
                          fix="Give the date the survey closed.")
    return submitted_on


# ---- rows → responses -----------------------------------------------------
# Rows are handled in SQL over the staged cells (the view `staged`). Whatever
# Python decides about a value (dates, case, answer labels) it decides once per
# distinct value of a column, and a join carries the result back to the rows.

def _body(con, width: int, tool: SurveyTool, columns: list[Column]) -> dict[str, int]:
    """The table `body`: data rows without blank rows and the tool's preview rows; returns those skipped."""
    data = f"FROM staged WHERE row_number > {tool.header_rows}"
    blank = " AND ".join(f"c{i} IS NULL" for i in range(width))
    con.execute(f"CREATE OR REPLACE TEMP TABLE body AS SELECT * {data} AND NOT ({blank})")
    skipped = {"survey_preview": 0, "blank": con.execute(f"SELECT count(*) {data} AND {blank}").fetchone()[0]}
    status = next((c for c in columns if normalise_name(c.key) == "status"), None)
    if status is not None and tool.preview_statuses:
        values = [v for v, in con.execute(f"SELECT DISTINCT c{status.index} FROM body "
                                          f"WHERE c{status.index} IS NOT NULL").fetchall()]
        preview = [v for v in values if v.strip().lower() in tool.preview_statuses]
        skipped["survey_preview"] = con.execute(f"DELETE FROM body WHERE list_contains(?, c{status.index})",
                                                [preview]).fetchone()[0]
    return skipped


def _value_map(con, name: str, column: str, convert) -> None:
    """The table `name`(raw, value): `convert` over the distinct values of body's `column`."""
    raw = [v for v, in con.execute(f"SELECT DISTINCT {column} FROM body WHERE {column} IS NOT NULL").fetchall()]
    table = pa.table({"raw": pa.array(raw, pa.string()), "value": convert(pd.Series(raw, dtype="string"))})
    con.register(f"{name}_arrow", table)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")


def _lower(text: pd.Series) -> pa.Array:
    return pa.array(text.str.lower(), pa.string())


def _email(text: pd.Series) -> pa.Array:
    lower = text.str.lower()
    return pa.array(lower.mask(lower.eq("anonymous")), pa.string())


# Slash dates DuckDB splits exactly as dates.parse_dates does (ISO ones: dates.ISO_PLAIN);
# every other value goes to parse_dates itself.
_PLAIN_SLASH = (r"^([0-9]{1,2})[/.]([0-9]{1,2})[/.]((?:19|20)[0-9]{2}|[0-9]{2})"
                r"(?:[ T,]+([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))? *([AaPp]\.?[Mm]\.?)?)?$")


def _dates(con, column: Column, tz: str | None, day_first: bool | None) -> None:
    """The table `dates`(raw, value): each distinct submitted_at cell as a timestamp, NULL when invalid."""
    cell = f"c{column.index}"
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE date_shapes AS
        SELECT raw, CASE WHEN regexp_full_match(raw, '{ISO_PLAIN}') THEN try_cast(raw AS TIMESTAMP) END AS iso,
               CASE WHEN regexp_full_match(raw, '{_PLAIN_SLASH}') THEN
                   regexp_extract(raw, '{_PLAIN_SLASH}', ['a', 'b', 'y', 'h', 'mi', 's', 'ampm']) END AS slash
        FROM (SELECT DISTINCT {cell} AS raw FROM body WHERE {cell} IS NOT NULL AND NOT ?)""", [tz is not None])
    rest = pd.Series([v for v, in con.execute(
        f"SELECT DISTINCT {cell} FROM body ANTI JOIN (SELECT raw FROM date_shapes WHERE iso IS NOT NULL "
        f"OR slash IS NOT NULL) ON raw = {cell} WHERE {cell} IS NOT NULL").fetchall()], dtype="string")
    # Day/month order is one decision for the column: the slash dates read here and in parse_dates.
    pairs = con.execute("SELECT DISTINCT slash.a, slash.b, slash.y FROM date_shapes WHERE slash IS NOT NULL").df()
    if not pairs.empty:
        day_first = decide_day_first(pd.concat([pairs, slash_parts(rest)[["a", "b", "y"]]]), day_first,
                                     column.text)
    parsed = parse_dates(rest, day_first=day_first, column=column.text, tz=tz)
    con.register("parsed_dates", pa.table({"raw": pa.array(rest, pa.string()),
                                           "value": pa.array(parsed, pa.timestamp("us"))}))
    # _parse_slash in SQL: two-digit years below 70 are 20xx; times add to the date as pandas adds them.
    con.execute("""
        CREATE OR REPLACE TEMP TABLE dates AS
        WITH parts AS (
            SELECT raw, slash.a::INT AS a, slash.b::INT AS b, slash.y::INT AS y, length(slash.y) AS y_len,
                   coalesce(try_cast(slash.h AS INT), 0) AS h, coalesce(try_cast(slash.mi AS INT), 0) AS mi,
                   coalesce(try_cast(slash.s AS INT), 0) AS s, lower(left(slash.ampm, 1)) AS ampm
            FROM date_shapes WHERE slash IS NOT NULL)
        SELECT raw, iso AS value FROM date_shapes WHERE iso IS NOT NULL
        UNION ALL
        SELECT raw, try_cast(printf('%04d-%02d-%02d', CASE WHEN y_len = 4 THEN y WHEN y < 70 THEN y + 2000
                                                           ELSE y + 1900 END,
                                    CASE WHEN ? THEN b ELSE a END, CASE WHEN ? THEN a ELSE b END) AS DATE)
                    + to_hours(CASE ampm WHEN 'p' THEN h % 12 + 12 WHEN 'a' THEN h % 12 ELSE h END)
                    + to_minutes(mi) + to_seconds(s)
        FROM parts
        UNION ALL
        SELECT raw, value FROM parsed_dates""", [bool(day_first), bool(day_first)])
    con.unregister("parsed_dates")


def _responses(con, cells, fields, tool: SurveyTool, survey_id, tz, wave, program, day_first, closed_on) -> list[dict]:
    """The table `checked` (every body row's response fields and verdicts) and the view `kept`
    (the rows that pass, with their cells); returns the rows rejected. `cells`: a row's cells as text.
    `closed_on`: the date of every row, when the file has no date column."""
    date_column = fields.get("submitted_at")
    if date_column is None:
        con.execute("CREATE OR REPLACE TEMP TABLE dates AS SELECT ?::TIMESTAMP AS value", [closed_on])
        dates_join, date_cell = "CROSS JOIN dates", "NULL"
    else:
        _dates(con, date_column, tz, day_first)
        dates_join, date_cell = f"LEFT JOIN dates ON dates.raw = body.c{date_column.index}", f"c{date_column.index}"
    cell = {name: f"body.c{fields[name].index}" if name in fields else "CAST(NULL AS VARCHAR)"
            for name in RESPONSE_FIELDS}
    _value_map(con, "emails", cell["email"], _email)
    _value_map(con, "waves", cell["wave"], _lower)
    given_id = f"? || ':' || {cell['response_id']}" if tool.per_file_ids else cell["response_id"]
    # A row without an id: the hash of the survey id and its cells (the same row re-uploaded gets the same id).
    hashed = f"? || ':' || left(sha256(concat_ws(chr(31), ?, {cells})), 16)"
    # `checked` is narrow (no cells): its window sorts little. `kept` joins the cells back.
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT *, NOT bad_date AND NOT list_contains(?, wave) AS bad_wave,
               NOT bad_date AND row_number() OVER (PARTITION BY response_id ORDER BY row_number) > 1 AS duplicate
        FROM (SELECT row_number,
                     CASE WHEN {cell['response_id']} IS NULL THEN {hashed} ELSE {given_id} END AS response_id,
                     {cell['respondent_id']} AS respondent_id, emails.value AS email, {cell['role']} AS role,
                     coalesce({cell['program']}, ?) AS program, {cell['cohort']} AS cohort,
                     coalesce(waves.value, ?) AS wave, dates.value AS submitted_at,
                     coalesce(dates.value::DATE NOT BETWEEN ? AND ?, true) AS bad_date
              FROM body
              LEFT JOIN emails ON emails.raw = {cell['email']}
              LEFT JOIN waves ON waves.raw = {cell['wave']}
              {dates_join})""",
                [list(WAVES), survey_id, survey_id, *([survey_id] if tool.per_file_ids else []),
                 program, (wave or "pulse").lower(), EARLIEST, latest_plausible()])
    con.execute("CREATE OR REPLACE TEMP VIEW kept AS SELECT body.* EXCLUDE (row_number), checked.* "
                "FROM checked JOIN body USING (row_number) WHERE NOT (bad_date OR bad_wave OR duplicate)")
    rejected = []
    for row, bad_date, bad_wave, duplicate, value, parsed, wave_given, response_id, raw in con.execute(f"""
            SELECT row_number, bad_date, bad_wave, duplicate, {date_cell}, submitted_at, wave, response_id,
                   concat_ws(',', {cells})
            FROM checked JOIN body USING (row_number)
            WHERE bad_date OR bad_wave OR duplicate ORDER BY row_number""").fetchall():
        if bad_date:
            reason = ("submitted_at is empty" if value is None else f"'{value}' is not a date{DATE_FIX}"
                      if parsed is None else f"'{value}' {outside_range()}{DATE_FIX}")
            rejected.append(_rejection(row, date_column.text, reason, raw))
        if bad_wave:
            rejected.append(_rejection(row, fields["wave"].text,
                                       f"wave '{wave_given}' is not one of {', '.join(WAVES)}", raw))
        if duplicate:
            rejected.append(_rejection(row, None, f"duplicate response id '{response_id}'", raw))
    return rejected


def _take_stored_ids(con, known: StoredSurvey, own_survey_id: str) -> None:
    """Rows that export a stored response take its id; ids made from the file's survey id take the
    stored survey's instead, so the next export of the same rows gets the same ids."""
    con.register("stored_ids", known.response_ids)
    con.execute("UPDATE checked SET response_id = s.stored FROM stored_ids s WHERE checked.response_id = s.own")
    con.unregister("stored_ids")
    if known.survey_id != own_survey_id:  # a stored id starts with the stored survey's id, never the file's
        con.execute("UPDATE checked SET response_id = ? || substr(response_id, ?) WHERE starts_with(response_id, ?)",
                    [f"{known.survey_id}:", len(own_survey_id) + 2, f"{own_survey_id}:"])


def _rejection(row: int, column: str | None, reason: str, raw: str) -> dict:
    return {"row_number": int(row), "column": column, "reason": reason, "raw": raw}


# ---- questions → items and answers ----------------------------------------

def _items(distinct, questions, mapping, label_map, tool: SurveyTool):
    """Items, each question's value map (cell → value_num, value_text) and the suggested mappings."""
    unknown_codes = {v for v in mapping.values() if v and v not in DIMENSIONS}
    if unknown_codes:
        raise IngestError(f"the mapping names unknown dimensions: {', '.join(sorted(unknown_codes))}.",
                          fix=f"Use one of: {', '.join(DIMENSIONS)}.")
    dimension_of = {c.key: mapping[c.key] if c.key in mapping else self_mapped(c.key) for c in questions}
    values = {c.key: tool.answer_text(distinct[c.index][0]) for c in questions}
    points = {dim: dimension_points([values[k] for k, d in dimension_of.items() if d == dim], dim)
              for dim in set(dimension_of.values()) if dim}
    items, maps, unknown, suggestions = [], [], {}, {}
    for column in questions:
        dim = dimension_of[column.key]
        suggested = suggest_dimension(column.text, column.key) if dim is None else None
        if suggested:
            suggestions[column.key] = suggested
        # An unmapped comment box is free text even when someone wrote "Good".
        read_as = dim or ("comment" if suggested == "comment" else None)
        raw, counts = distinct[column.index]
        converted = convert_column(values[column.key], column.key, dimension=read_as,
                                   label_map=label_map.get(column.key), scale_points=points.get(dim),
                                   counts=counts)
        if converted.unknown:
            unknown[column.key] = (column.text, converted.unknown)
        items.append((column.key, column.text, dim, converted.item_type, converted.scale_points))
        given = converted.value_text.notna()
        maps.append(pd.DataFrame({
            "cell": f"c{column.index}", "raw": raw[given], "item_id": column.key,
            "value_num": converted.value_num[given], "value_text": converted.value_text[given].astype(object),
            "scale_points": converted.scale_points if converted.item_type == "likert" else None,
        }))
    if unknown:
        raise _needs_label_mapping(unknown)
    item_frame = pd.DataFrame(items, columns=ITEM_COLUMNS)
    item_frame["scale_points"] = item_frame["scale_points"].astype("Int64")
    return item_frame, pd.concat(maps, ignore_index=True), suggestions


def _distinct_answers(con, questions) -> dict[int, tuple[pd.Series, list[int]]]:
    """Per question column: its distinct answers in the order they first appear, and how often each does."""
    found: dict[int, tuple[list, list]] = {c.index: ([], []) for c in questions}
    cells = ", ".join(f"c{c.index}" for c in questions)
    for cell, value, count in con.execute(f"""
            SELECT cell, value, count(*) FROM (UNPIVOT (SELECT row_number, {cells} FROM kept)
                                              ON {cells} INTO NAME cell VALUE value)
            GROUP BY cell, value ORDER BY cell, min(row_number)""").fetchall():
        values, counts = found[int(cell[1:])]
        values.append(value)
        counts.append(count)
    return {i: (pd.Series(values, dtype="string"), counts) for i, (values, counts) in found.items()}


def _answers(con, questions, value_map: pd.DataFrame) -> pa.Table:
    """Every kept response's answers (in no particular order): one UNPIVOT of the question cells
    joined to each column's value map."""
    table = pa.Table.from_pandas(value_map, schema=pa.schema([
        ("cell", pa.string()), ("raw", pa.string()), ("item_id", pa.string()),
        ("value_num", pa.float64()), ("value_text", pa.string()), ("scale_points", pa.int64())]),
        preserve_index=False)
    cells = ", ".join(f"c{c.index}" for c in questions)
    con.register("value_map", table)
    answers = con.sql(f"""
        SELECT u.response_id, m.item_id, m.value_num, m.value_text, m.scale_points
        FROM (UNPIVOT (SELECT response_id, {cells} FROM kept) ON {cells} INTO NAME cell VALUE raw) u
        JOIN value_map m ON m.cell = u.cell AND m.raw = u.raw""").to_arrow_table()
    con.unregister("value_map")
    return answers


def _needs_label_mapping(unknown: dict[str, tuple[str, list[str]]]) -> NeedsMapping:
    parts = []
    for item_id, (text, labels) in unknown.items():
        short = text if len(text) <= 40 else text[:40].rstrip() + "…"
        name = item_id if item_id == slug(text) else f"{item_id} {short}"
        parts.append(f"column '{name}' has answers no known scale explains: "
                     + ", ".join(f"'{label}'" for label in labels))
    return NeedsMapping("; ".join(parts) + ".", labels={k: v for k, (_, v) in unknown.items()},
                        fix="Map each label to a score on the Upload page (or pass a label map).")
