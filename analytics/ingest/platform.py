"""Validate platform/spreadsheet exports (participants, pairs, sessions, goals,
employees) into canonical, typed frames. Bad rows are rejected one by one with a
reason; a file that is unusable as a whole raises FileRefused.

Row numbers are the spreadsheet's line numbers (the header is row 1), so a user
can find the row in Excel.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import pandas as pd

from analytics.ingest.columns import all_columns, map_header, required_columns
from analytics.ingest.dates import invalid_mask, parse_dates
from analytics.ingest.errors import FileRefused

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


@dataclass
class PlatformBatch:
    kind: str
    frame: pd.DataFrame            # canonical, typed columns; index = file row number
    rejected: list[dict] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)


def parse_platform(table: pd.DataFrame, kind: str, file_name: str, *,
                   day_first: bool | None = None, decimal_comma: bool = False) -> PlatformBatch:
    """`table`: all-string cells under the file's own headers, index = row number."""
    header = [str(c) for c in table.columns]
    mapping = map_header(header, kind)
    missing = [c for c in required_columns(kind) if c not in mapping.values()]
    if missing:
        raise FileRefused(
            f"this {kind} file has no {_names(missing)} column (found: {_names(header[:12])})",
            file=file_name,
            fix=f"Rename the columns to {_names(required_columns(kind))}, or choose another kind.")
    frame = pd.DataFrame({name: _clean(table.iloc[:, index]) for index, name in mapping.items()},
                         index=table.index)
    for column in all_columns(kind):  # optional columns the export lacks are blank
        if column not in frame:
            frame[column] = None
    if frame.empty:
        raise FileRefused("the file has a header but no data rows", file=file_name,
                          fix="Export again with the data included.")
    problems: list[dict] = []

    def reject(mask: pd.Series, column: str | None, reason) -> None:
        for row in mask[mask].index:
            text = reason(row) if callable(reason) else reason
            problems.append({"row_number": int(row), "column": column, "reason": text})

    for column in required_columns(kind):
        reject(frame[column].isna(), column, f"{column} is empty")

    for column in DATE_COLUMNS[kind]:
        raw = frame[column]
        parsed = parse_dates(raw, day_first=day_first, column=column)
        reject(invalid_mask(raw, parsed), column, lambda r, raw=raw, c=column: f"'{raw[r]}' in {c} is not a date")
        frame[column] = parsed.dt.normalize() if column != "occurred_on" else parsed

    for column in NUMBER_COLUMNS.get(kind, ()):
        raw = frame[column]
        text = raw.str.replace(",", ".", regex=False) if decimal_comma else raw
        number = pd.to_numeric(text, errors="coerce")
        reject(number.isna() & raw.notna(), column, lambda r, raw=raw, c=column: f"'{raw[r]}' in {c} is not a number")
        reject(number < 0, column, lambda r, raw=raw, c=column: f"{c} is negative ({raw[r]})")
        frame[column] = number

    for (enum_kind, column), allowed in ENUMS.items():
        if enum_kind != kind:
            continue
        raw = frame[column]
        value = raw.map(lambda v: None if v is None or pd.isna(v) else allowed.get(_word(v)), na_action=None)
        choices = ", ".join(sorted(set(allowed.values())))
        reject(value.isna() & raw.notna(), column,
               lambda r, raw=raw, c=column, ch=choices: f"'{raw[r]}' is not a known {c} (use one of: {ch})")
        frame[column] = value.fillna(DEFAULTS.get((kind, column))) if (kind, column) in DEFAULTS else value

    _check_logic(frame, kind, reject)
    if kind == "sessions":
        frame["session_id"] = _session_ids(frame)

    key = KEYS[kind]
    seen = frame[key].notna() & frame[key].duplicated(keep="first")
    first_row = frame.reset_index().groupby(key)["index"].min() if seen.any() else None
    reject(seen, key, lambda r: f"duplicate {key} '{frame.at[r, key]}' (first on row {first_row[frame.at[r, key]]})")

    bad = sorted({p["row_number"] for p in problems})
    for problem in problems:
        problem["raw"] = _raw_row(table, problem["row_number"])
    good = frame.drop(index=bad)
    if kind == "sessions":
        good["occurred_on"] = good["occurred_on"].dt.normalize()
    if good.empty:
        first = problems[0]
        raise FileRefused(f"none of the {len(frame)} rows can be loaded; the first problem is on row "
                          f"{first['row_number']}: {first['reason']}", file=file_name,
                          fix="Fix that and re-upload; the rejected rows can be downloaded to see every reason.")
    unmapped = [h for i, h in enumerate(header) if i not in mapping and h.strip()]
    return PlatformBatch(kind, good, sorted(problems, key=lambda p: p["row_number"]), unmapped)


def _check_logic(frame: pd.DataFrame, kind: str, reject) -> None:
    """Rows whose values contradict each other."""
    if kind == "pairs":
        reject(frame["mentor_id"].notna() & (frame["mentor_id"] == frame["mentee_id"]), "mentee_id",
               "mentor and mentee are the same person")
        reject(frame["ended_on"] < frame["matched_on"], "ended_on", "ended_on is before matched_on")
        if "meetings_target_per_month" in frame:
            reject(frame["meetings_target_per_month"] == 0, "meetings_target_per_month",
                   "meetings_target_per_month must be above 0 (leave it blank for the default)")
    elif kind == "employees":
        reject(frame["terminated_on"] < frame["hired_on"], "terminated_on", "terminated_on is before hired_on")
    elif kind == "participants":
        reject(frame["left_on"] < frame["joined_on"], "left_on", "left_on is before joined_on")
    elif kind == "goals":
        reject(frame["due_on"] < frame["set_on"], "due_on", "due_on is before set_on")


def _session_ids(frame: pd.DataFrame) -> pd.Series:
    """Keep the export's id; else pair + timestamp, stable across re-exports."""
    def natural(rows: pd.DataFrame) -> pd.Series:
        return rows["pair_id"].astype("string") + "@" + rows["occurred_on"].dt.strftime("%Y-%m-%dT%H:%M")

    if "session_id" not in frame:
        return natural(frame)
    ids = frame["session_id"]
    missing = ids.isna()
    if not missing.any():  # every row has its id: no timestamps to format
        return ids.copy()
    return ids.fillna(natural(frame[missing]))


def _clean(column: pd.Series) -> pd.Series:
    """Strip, drop Excel's leading apostrophe, blank -> None (as object strings)."""
    text = column.astype("string").str.strip().str.removeprefix("'")
    return text.astype(object).where(text.notna() & (text != ""), None)


def _word(value: str) -> str:
    return _normal_word(str(value))


@functools.lru_cache(maxsize=4096)
def _normal_word(text: str) -> str:
    """Exports repeat a handful of spellings over millions of rows: normalise each once."""
    return re.sub(r"[\s_\-]+", "", text.lower())


def _names(columns) -> str:
    return ", ".join(f"'{c}'" for c in columns)


def _raw_row(table: pd.DataFrame, row: int) -> str:
    values = table.loc[row].tolist() if row in table.index else []
    return ",".join("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in values)[:2000]

