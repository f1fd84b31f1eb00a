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
import pyarrow.compute as pc

from analytics.ingest.columns import all_columns, map_header, required_columns
from analytics.ingest.dates import ISO_PLAIN, parse_dates
from analytics.ingest.errors import DATE_FIX, NUMBER_FIX, FileRefused
from analytics.ingest.staged import Staged
from analytics.store.plausible import EARLIEST, latest_plausible, outside_range
from analytics.store.queries import registered

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
# Upper limits of numbers, and the limit in words: a meeting lasts at most a day.
NUMBER_MAXIMUM = {"duration_minutes": (1440, "1440 (24 hours)")}

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
# Up to this many distinct spellings are converted by a CASE; more, by a join to a lookup table.
_INLINE_LOOKUP = 64
# Types of converted values, in SQL and in Arrow.
_TIMESTAMP, _DOUBLE, _TEXT = ("TIMESTAMP", pa.timestamp("us")), ("DOUBLE", pa.float64()), ("VARCHAR", pa.string())


@dataclass
class PlatformBatch:
    kind: str
    rows: pa.Table                 # row_number (the file's row) + canonical, typed columns
    given: tuple[str, ...]         # the columns the file has, and the key: a stored row keeps the others
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

    converted = _converted(con, sql, kind, day_first, decimal_comma)
    joins = [c.join for c in converted.values() if c.join]
    values = ", ".join(f"{c.value} AS v_{column}" for column, c in converted.items())
    key = KEYS[kind]
    key_value = key
    if kind == "sessions":  # the export's id; else pair + timestamp, stable across re-exports
        key_value = "coalesce(session_id, pair_id || '@' || strftime(v_occurred_on, '%Y-%m-%dT%H:%M'))"
    # A subquery, not a view: a view cannot hold the values bound to it.
    typed = (f"(SELECT *, {key_value} AS row_key FROM (SELECT cleaned.*, {values} FROM cleaned "
             f"{' '.join(joins)})) typed")

    # One pass gives every row's output and whether any check fails it; reasons are
    # worked out afterwards, for the failing rows only (most files have none).
    checks = _checks(kind, sql)
    output = ", ".join(f"{_output(kind, column, column in converted, sql)} AS {column}" for column in columns)
    failing = " OR ".join(f"({where})" for _, where, _ in checks)
    # A lookup join may shuffle the rows: file order is kept for the preview and for the store.
    order = " ORDER BY row_number" if joins else ""
    rows = sql.execute(con, f"SELECT row_number, {output}, row_key, coalesce({failing}, false) AS failing "
                            f"FROM {typed}{order}").to_arrow_table()
    with registered(con, checked_rows=rows):
        _find_problems(con, sql, typed, key, checks)
        bad = [r[0] for r in con.execute("SELECT DISTINCT row_number FROM problems").fetchall()]
    good = rows.drop_columns(["row_key", "failing"])
    if bad:
        good = good.filter(pc.invert(pc.is_in(good["row_number"], pa.array(bad, good["row_number"].type))))
    rejected = _rejected(staged)
    if good.num_rows == 0:
        number, _, reason = con.execute("SELECT row_number, step, reason FROM problems "
                                        "ORDER BY step, row_number LIMIT 1").fetchone()
        raise FileRefused(f"none of the {staged.height - 1} rows can be loaded; the first problem is on row "
                          f"{number}: {reason}", file=file_name,
                          fix="Fix that and re-upload; the rejected rows can be downloaded to see every reason.")
    unmapped = [h for i, h in enumerate(header) if i not in mapping and h.strip()]
    given = tuple(c for c in columns if c in mapping.values() or c == key)
    return PlatformBatch(kind, good, given, rejected, unmapped)


def _find_problems(con, sql: _Sql, typed: str, key: str, checks: list[tuple[str, str, str]]) -> None:
    """The table problems(row_number, step, column_name, reason) of `checked_rows`:
    each failed check, and each repeat of a key (duplicates count every row, good
    or bad: the later row names the first)."""
    any_failing = con.execute("SELECT bool_or(failing) FROM checked_rows").fetchall() == [(True,)]
    failing = ("WHERE row_number IN (SELECT row_number FROM checked_rows WHERE failing)" if any_failing
               else "LIMIT 0")  # not a scan of the whole file to find nothing
    sql.execute(con, f"CREATE OR REPLACE TEMP TABLE failing_rows AS SELECT * FROM {typed} {failing}")
    problems = " UNION ALL ".join(
        f"SELECT row_number, {order} AS step, {sql(column)} AS column_name, {reason} AS reason "
        f"FROM failing_rows WHERE {where}"
        for order, (column, where, reason) in enumerate(checks))
    duplicate = (f"SELECT t.row_number, {len(checks)}, {sql(key)}, {sql(f'duplicate {key} ' + chr(39))} || "
                 f"t.row_key || {sql(chr(39) + ' (first on row ')} || d.first_row || ')' FROM checked_rows t JOIN "
                 "(SELECT row_key, min(row_number) AS first_row FROM checked_rows WHERE row_key IS NOT NULL "
                 "GROUP BY row_key HAVING count(*) > 1) d USING (row_key) WHERE t.row_number > d.first_row")
    sql.execute(con, f"CREATE OR REPLACE TEMP TABLE problems AS {problems} UNION ALL {duplicate}")


@dataclass(frozen=True)
class _Converted:
    """A column's converted value in SQL, and the lookup join it needs, if any."""
    value: str
    join: str | None = None


def _converted(con, sql: _Sql, kind: str, day_first: bool | None, decimal_comma: bool) -> dict[str, _Converted]:
    """Column -> its converted value: SQL casts the plain spellings; the distinct others
    (found in one scan) go through the Python parsers."""
    wanted = {}  # column -> (needs-Python condition, SQL type, Arrow type, convert list -> Series, plain SQL)
    for column in DATE_COLUMNS[kind]:
        plain = f"regexp_full_match({column}, {sql(ISO_PLAIN)})"
        wanted[column] = (f"NOT {plain}", _TIMESTAMP,
                          lambda values, c=column: parse_dates(pd.Series(values, dtype=object),
                                                               day_first=day_first, column=c),
                          (plain, f"TRY_CAST({column} AS TIMESTAMP)"))
    for column in NUMBER_COLUMNS.get(kind, ()):
        decimal = f"replace({column}, ',', '.')" if decimal_comma else column
        plain = f"regexp_full_match({decimal}, {sql(_DECIMAL_PLAIN)})"
        wanted[column] = (f"NOT {plain}", _DOUBLE, lambda values: _numbers(values, decimal_comma),
                          (plain, f"CAST({decimal} AS DOUBLE)"))
    for (enum_kind, column), allowed in ENUMS.items():
        if enum_kind == kind:
            wanted[column] = ("true", _TEXT,
                              lambda values, a=allowed: pd.Series([a.get(_word(v)) for v in values], dtype=object),
                              None)
    if not wanted:
        return {}
    lists = ", ".join(f"list(DISTINCT {c}) FILTER (WHERE {c} IS NOT NULL AND {w[0]})" for c, w in wanted.items())
    found = sql.execute(con, f"SELECT {lists} FROM cleaned").fetchall()[0]
    converted = {}
    for (column, (_, kind_, convert, plain)), distinct in zip(wanted.items(), found):
        looked_up = _lookup(con, sql, column, distinct or [], kind_, convert)
        if plain is None:
            converted[column] = looked_up
        elif not distinct:  # every value is a plain spelling: no row needs testing again
            converted[column] = _Converted(plain[1])
        else:
            condition, cast = plain
            converted[column] = _Converted(f"CASE WHEN {condition} THEN {cast} ELSE {looked_up.value} END",
                                           looked_up.join)
    return converted


def _lookup(con, sql: _Sql, column: str, distinct: list[str], kind: tuple[str, pa.DataType],
            convert) -> _Converted:
    """The converted value of `distinct` texts of a column: a CASE over a few values
    (keeping row order), a join to a lookup table over many."""
    if not distinct:
        return _Converted(f"NULL::{kind[0]}")
    converted = pa.array(convert(distinct), kind[1], from_pandas=True)
    if len(distinct) <= _INLINE_LOOKUP:
        branches = " ".join(f"WHEN {sql(text)} THEN CAST({sql(value)} AS {kind[0]})"
                            for text, value in zip(distinct, converted.to_pylist()) if value is not None)
        return _Converted(f"CASE {column} {branches} END" if branches else f"NULL::{kind[0]}")
    name = f"lookup_{column}"
    con.register(name, pa.table({"text": pa.array(distinct, pa.string()), "value": converted}))
    return _Converted(f"{name}.value", f"LEFT JOIN {name} ON {name}.text = cleaned.{column}")


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


def _numbers(values: list[str], decimal_comma: bool) -> pd.Series:
    text = pd.Series(values, dtype=object)
    # As floats: pandas reads a long digit string as an integer Arrow cannot hold exactly as a double.
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False) if decimal_comma else text,
                            errors="coerce").astype("float64")
    return numbers.where(numbers.abs() != float("inf"))  # 'inf' or '1e400' is no duration or target


def _checks(kind: str, sql: _Sql) -> list[tuple[str, str, str]]:
    """(column, bad-row condition, reason SQL), in the order a row's problems are listed."""
    def quoted(column: str, after: str) -> str:
        return f"{sql(chr(39))} || {column} || {sql(chr(39) + after)}"

    checks = [(c, f"{c} IS NULL", sql(f"{c} is empty")) for c in required_columns(kind)]
    for c in DATE_COLUMNS[kind]:
        checks.append((c, f"{c} IS NOT NULL AND v_{c} IS NULL", quoted(c, f" in {c} is not a date{DATE_FIX}")))
        checks.append((c, f"v_{c}::DATE NOT BETWEEN {sql(EARLIEST)} AND {sql(latest_plausible())}",
                       quoted(c, f" in {c} {outside_range()}{DATE_FIX}")))
    for c in NUMBER_COLUMNS.get(kind, ()):
        checks.append((c, f"{c} IS NOT NULL AND v_{c} IS NULL",
                       quoted(c, f" in {c} is not a number{NUMBER_FIX}")))
        checks.append((c, f"v_{c} < 0", f"{sql(f'{c} is negative (')} || {c} || ')'"))
        if c in NUMBER_MAXIMUM:
            most, words = NUMBER_MAXIMUM[c]
            checks.append((c, f"v_{c} > {sql(most)}", f"{sql(f'{c} is over {words}: ')} || {c}"))
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
