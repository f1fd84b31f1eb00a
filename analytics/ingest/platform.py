"""Validate platform/spreadsheet exports (participants, pairs, sessions, goals,
employees) into canonical, typed rows. Bad rows are rejected one by one with a
reason; a file that is unusable as a whole raises FileRefused.

Validation runs in SQL over the staged file, column by column, so a file of
millions of rows never becomes Python objects. Only the distinct spellings SQL
cannot read the way the Python parsers do (slash dates, zones, Excel serials,
odd numbers, enum synonyms) go through those parsers, and are joined back.

Row numbers are the spreadsheet's line numbers (the header is row 1), so a user
can find the row in Excel.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pandas as pd
import pyarrow as pa

from analytics.ingest.columns import all_columns, map_header, required_columns
from analytics.ingest.dates import ISO_PLAIN, parse_dates
from analytics.ingest.errors import FileRefused
from analytics.ingest.staged import Staged

# The key that identifies a row of each kind; sessions without an id get a
# natural key (pair + timestamp) so re-exports upsert instead of duplicating.
KEYS = {"participants": "participant_id", "pairs": "pair_id", "sessions": "session_id",
        "goals": "goal_id", "employees": "employee_id"}

DATE_COLUMNS = {
    "participants": ("joined_on", "left_on"),
    "pairs": ("matched_on", "ended_on"),
    "sessions": ("occurred_on",),
    "goals": ("set_on", "due_on", "achieved_on"),
    "employees": ("hired_on", "terminated_on", "last_promoted_on"),
}
NUMBER_COLUMNS = {"pairs": ("meetings_target_per_month",), "sessions": ("duration_minutes",)}

# Allowed values, with the spellings exports use for them.
ENUMS: dict[tuple[str, str], dict[str, str]] = {
    ("participants", "role"): {"mentor": "mentor", "mentee": "mentee", "protege": "mentee",
                               "protégé": "mentee", "learner": "mentee", "coach": "mentor"},
    ("pairs", "end_reason"): {"completed": "completed", "complete": "completed", "finished": "completed",
                              "withdrawn": "withdrawn", "withdrew": "withdrawn", "rematched": "rematched",
                              "leftorganization": "left_organization", "leftorganisation": "left_organization",
                              "leftcompany": "left_organization", "other": "other"},
    ("sessions", "status"): {"held": "held", "completed": "held", "attended": "held", "done": "held",
                             "cancelled": "cancelled", "canceled": "cancelled",
                             "noshow": "no_show", "missed": "no_show"},
    ("sessions", "format"): {"inperson": "in_person", "facetoface": "in_person", "video": "video",
                             "zoom": "video", "teams": "video", "virtual": "video", "online": "video",
                             "phone": "phone", "call": "phone", "chat": "chat", "message": "chat"},
    ("goals", "status"): {"open": "open", "inprogress": "open", "achieved": "achieved",
                          "completed": "achieved", "done": "achieved", "dropped": "dropped",
                          "abandoned": "dropped"},
}
DEFAULTS = {("sessions", "status"): "held"}


# A plain decimal, read alike by DuckDB and pandas; anything else goes through pd.to_numeric.
_DECIMAL_PLAIN = r"-?[0-9]{1,15}(\.[0-9]{1,15})?"
# Types of converted values, in SQL and in Arrow.
_TIMESTAMP, _DOUBLE, _TEXT = ("TIMESTAMP", pa.timestamp("us")), ("DOUBLE", pa.float64()), ("VARCHAR", pa.string())


@dataclass
class PlatformBatch:
    kind: str
    rows: pa.Table                 # row_number (the file's row) + canonical, typed columns
    rejected: list[dict] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        """The rows as pandas, index = file row number (blank text as None)."""
        return _pandas(self.rows)

    def head(self, count: int) -> pd.DataFrame:
        return _pandas(self.rows.slice(0, count))


def parse_platform(staged: Staged, kind: str, file_name: str, *,
                   day_first: bool | None = None, decimal_comma: bool = False) -> PlatformBatch:
    """Validate the staged file in SQL: typed good rows, and a reason for every bad one."""
    header = staged.head.rows[0] if staged.head.rows else []
    mapping = map_header(header, kind)
    missing = [c for c in required_columns(kind) if c not in mapping.values()]
    if missing:
        raise FileRefused(
            f"this {kind} file has no {_names(missing)} column (found: {_names(header[:12])})",
            file=file_name,
            fix=f"Rename the columns to {_names(required_columns(kind))}, or choose another kind.")
    if staged.height < 2:
        raise FileRefused("the file has a header but no data rows", file=file_name,
                          fix="Export again with the data included.")
    con, sql = staged.con, _Sql()
    source = {name: f"c{index}" for index, name in mapping.items()}
    columns = [*mapping.values(), *(c for c in all_columns(kind) if c not in mapping.values())]
    # Optional columns the export lacks are blank.
    text = ", ".join(f"{_clean(source[c])} AS {c}" if c in source else f"NULL::VARCHAR AS {c}" for c in columns)
    con.execute(f"CREATE OR REPLACE TEMP VIEW cleaned AS SELECT row_number, {text} FROM staged WHERE row_number > 1")

    joins, typed = [], {}
    for column in DATE_COLUMNS[kind]:
        plain = f"regexp_full_match({column}, {sql(ISO_PLAIN)})"
        looked_up = _lookup(con, sql, joins, column, f"NOT {plain}", _TIMESTAMP,
                            lambda values, c=column: parse_dates(pd.Series(values, dtype=object),
                                                                 day_first=day_first, column=c))
        typed[column] = f"CASE WHEN {plain} THEN TRY_CAST({column} AS TIMESTAMP) ELSE {looked_up} END"
    for column in NUMBER_COLUMNS.get(kind, ()):
        decimal = f"replace({column}, ',', '.')" if decimal_comma else column
        plain = f"regexp_full_match({decimal}, {sql(_DECIMAL_PLAIN)})"
        looked_up = _lookup(con, sql, joins, column, f"NOT {plain}", _DOUBLE,
                            lambda values: _numbers(values, decimal_comma))
        typed[column] = f"CASE WHEN {plain} THEN CAST({decimal} AS DOUBLE) ELSE {looked_up} END"
    for (enum_kind, column), allowed in ENUMS.items():
        if enum_kind == kind:
            typed[column] = _lookup(con, sql, joins, column, "true", _TEXT,
                                    lambda values, a=allowed: pd.Series([a.get(_word(v)) for v in values],
                                                                        dtype=object))
    values = ", ".join(f"{expression} AS v_{column}" for column, expression in typed.items())
    key = KEYS[kind]
    key_value = key
    if kind == "sessions":  # the export's id; else pair + timestamp, stable across re-exports
        key_value = "coalesce(session_id, pair_id || '@' || strftime(v_occurred_on, '%Y-%m-%dT%H:%M'))"
    sql.execute(con, f"CREATE OR REPLACE TEMP TABLE typed AS SELECT *, {key_value} AS row_key FROM "
                     f"(SELECT cleaned.*, {values} FROM cleaned {' '.join(joins)})")

    checks = _checks(kind, sql)
    problems = " UNION ALL ".join(
        f"SELECT row_number, {order} AS step, {sql(column)} AS column_name, {reason} AS reason FROM typed WHERE {where}"
        for order, (column, where, reason) in enumerate(checks))
    # Duplicates count every row, good or bad: the later row names the first.
    duplicate = (f"SELECT t.row_number, {len(checks)}, {sql(key)}, {sql(f'duplicate {key} ' + chr(39))} || "
                 f"t.row_key || {sql(chr(39) + ' (first on row ')} || d.first_row || ')' FROM typed t JOIN "
                 "(SELECT row_key, min(row_number) AS first_row FROM typed WHERE row_key IS NOT NULL "
                 "GROUP BY row_key HAVING count(*) > 1) d USING (row_key) WHERE t.row_number > d.first_row")
    sql.execute(con, f"CREATE OR REPLACE TEMP TABLE problems AS {problems} UNION ALL {duplicate}")

    output = ", ".join(f"{_output(kind, column, column in typed, sql)} AS {column}" for column in columns)
    # Most files have no bad row: then no join is needed to leave them out. The joins above may have
    # shuffled the rows; file order is kept for the preview and for the store (exports run by date).
    clean = con.execute("SELECT count(*) FROM problems").fetchall() == [(0,)]
    rows = "typed" if clean else "typed ANTI JOIN problems USING (row_number)"
    good = sql.execute(con, f"SELECT row_number, {output} FROM {rows} ORDER BY row_number").to_arrow_table()
    rejected = _rejected(staged)
    if good.num_rows == 0:
        number, _, reason = con.execute("SELECT row_number, step, reason FROM problems "
                                        "ORDER BY step, row_number LIMIT 1").fetchone()
        raise FileRefused(f"none of the {staged.height - 1} rows can be loaded; the first problem is on row "
                          f"{number}: {reason}", file=file_name,
                          fix="Fix that and re-upload; the rejected rows can be downloaded to see every reason.")
    unmapped = [h for i, h in enumerate(header) if i not in mapping and h.strip()]
    return PlatformBatch(kind, good, rejected, unmapped)


class _Sql:
    """Collects the values a statement binds while it is being built."""

    def __init__(self):
        self.params: dict[str, object] = {}

    def __call__(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"${name}"

    def execute(self, con, statement: str):
        """Run `statement` with the values it names (DuckDB refuses unused ones)."""
        used = set(re.findall(r"\$(p\d+)", statement))
        return con.sql(statement, params={k: v for k, v in self.params.items() if k in used})


def _lookup(con, sql: _Sql, joins: list[str], column: str, where: str, kind: tuple[str, pa.DataType],
            convert) -> str:
    """Convert the column's distinct values that `where` picks in Python (`convert`: list -> Series);
    returns the SQL of the converted value, joined back by the text."""
    distinct = [r[0] for r in sql.execute(con, f"SELECT DISTINCT {column} FROM cleaned WHERE {column} IS NOT NULL "
                                                f"AND {where}").fetchall()]
    if not distinct:
        return f"NULL::{kind[0]}"
    name = f"lookup_{column}"
    con.register(name, pa.table({"text": pa.array(distinct, pa.string()),
                                 "value": pa.array(convert(distinct), kind[1], from_pandas=True)}))
    joins.append(f"LEFT JOIN {name} ON {name}.text = cleaned.{column}")
    return f"{name}.value"


def _numbers(values: list[str], decimal_comma: bool) -> pd.Series:
    text = pd.Series(values, dtype=object)
    return pd.to_numeric(text.str.replace(",", ".", regex=False) if decimal_comma else text, errors="coerce")


def _checks(kind: str, sql: _Sql) -> list[tuple[str, str, str]]:
    """(column, bad-row condition, reason SQL), in the order a row's problems are listed."""
    def quoted(column: str, after: str) -> str:
        return f"{sql(chr(39))} || {column} || {sql(chr(39) + after)}"

    checks = [(c, f"{c} IS NULL", sql(f"{c} is empty")) for c in required_columns(kind)]
    checks += [(c, f"{c} IS NOT NULL AND v_{c} IS NULL", quoted(c, f" in {c} is not a date"))
               for c in DATE_COLUMNS[kind]]
    for c in NUMBER_COLUMNS.get(kind, ()):
        checks.append((c, f"{c} IS NOT NULL AND v_{c} IS NULL", quoted(c, f" in {c} is not a number")))
        checks.append((c, f"v_{c} < 0", f"{sql(f'{c} is negative (')} || {c} || ')'"))
    for (enum_kind, c), allowed in ENUMS.items():
        if enum_kind == kind:
            choices = ", ".join(sorted(set(allowed.values())))
            checks.append((c, f"{c} IS NOT NULL AND v_{c} IS NULL",
                           quoted(c, f" is not a known {c} (use one of: {choices})")))
    logic = {
        "pairs": [("mentee_id", "mentor_id = mentee_id", "mentor and mentee are the same person"),
                  ("ended_on", "v_ended_on::DATE < v_matched_on::DATE", "ended_on is before matched_on"),
                  ("meetings_target_per_month", "v_meetings_target_per_month = 0",
                   "meetings_target_per_month must be above 0 (leave it blank for the default)")],
        "employees": [("terminated_on", "v_terminated_on::DATE < v_hired_on::DATE", "terminated_on is before hired_on")],
        "participants": [("left_on", "v_left_on::DATE < v_joined_on::DATE", "left_on is before joined_on")],
        "goals": [("due_on", "v_due_on::DATE < v_set_on::DATE", "due_on is before set_on")],
    }
    checks += [(c, where, sql(reason)) for c, where, reason in logic.get(kind, [])]
    return checks


def _output(kind: str, column: str, converted: bool, sql: _Sql) -> str:
    """A good row's value: dates at midnight, enums with their default, the sessions' key."""
    if column == KEYS[kind]:
        return "row_key"
    if not converted:
        return column
    if column in DATE_COLUMNS[kind]:
        return f"CAST(CAST(v_{column} AS DATE) AS TIMESTAMP)"
    default = DEFAULTS.get((kind, column))
    return f"coalesce(v_{column}, {sql(default)})" if default else f"v_{column}"


def _rejected(staged: Staged) -> list[dict]:
    """Each problem with the row's cells as the file gave them, by row then check."""
    rows = staged.con.execute(
        f"SELECT p.row_number, p.column_name, p.reason, concat_ws(',', {staged.text_cells('s.')}) FROM problems p "
        "JOIN staged s USING (row_number) ORDER BY p.row_number, p.step").fetchall()
    return [{"row_number": number, "column": column, "reason": reason, "raw": raw[:2000]}
            for number, column, reason, raw in rows]


def _clean(column: str) -> str:
    """Excel's text apostrophe gone, blank as NULL (staged cells are already trimmed)."""
    return f"CASE WHEN starts_with({column}, '''') THEN nullif({column}[2:], '') ELSE {column} END"


def _pandas(rows: pa.Table) -> pd.DataFrame:
    frame = rows.to_pandas().set_index("row_number").rename_axis(None)
    for name, kind in zip(rows.column_names, rows.schema.types):
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
    return frame


def _word(value: str) -> str:
    return _normal_word(str(value))


@functools.lru_cache(maxsize=4096)
def _normal_word(text: str) -> str:
    """Exports repeat a handful of spellings over millions of rows: normalise each once."""
    return re.sub(r"[\s_\-]+", "", text.lower())


def _names(columns) -> str:
    return ", ".join(f"'{c}'" for c in columns)
