"""One door for every file: analyse (nothing written) then load.

`analyse` reads the bytes, detects kind and format, validates, and returns a
Plan that says what would load, what would be rejected and why, and what the
user must still decide (answer labels, day/month order, question mapping).
`load` writes a Plan in one transaction. The Upload page, `ingest` and `check`
all go through here.
"""
from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.compute as pc

from analytics.ingest import identity
from analytics.ingest import load as store
from analytics.ingest.columns import KINDS
from analytics.ingest.detect import detect_format, detect_kind
from analytics.ingest.errors import FileRefused, IngestError, NeedsMapping
from analytics.ingest.platform import PlatformBatch, parse_platform
from analytics.ingest.read import WorkbookLimits
from analytics.ingest.staged import Staged, stage
from analytics.ingest.survey import Identify, SurveyBatch, parse_survey
from analytics.store import settings

MB = 1024 * 1024
WAVES = ("baseline", "midpoint", "exit", "pulse")
# The column whose dates give an upload's date range.
# Files are loaded in this order so that references resolve.
LOAD_ORDER = ("participants", "employees", "pairs", "sessions", "goals", "survey")
# Rows of a survey export that are not responses, in words (one, several).
SKIPPED_WHAT = {"survey_preview": ("survey-preview response (the survey tool's own test)",
                                   "survey-preview responses (the survey tool's own tests)"),
                "blank": ("blank row", "blank rows")}
DATE_RANGE_COLUMN = {"participants": "joined_on", "pairs": "matched_on", "sessions": "occurred_on",
                     "goals": "due_on", "employees": "hired_on"}


@dataclass(frozen=True)
class Options:
    """What the user said about a file (everything optional)."""
    kind: str = "auto"
    wave: str | None = None
    program: str | None = None
    day_first: bool | None = None
    submitted_on: date | None = None  # the day the survey closed: the date of a dateless survey's responses
    mapping: dict[str, str | None] | None = None        # survey item -> dimension
    label_map: dict[str, dict[str, tuple[float, int]]] | None = None  # item -> label -> (score, points)
    is_demo: bool = False
    accept_suggestions: bool = False  # map unmapped questions as suggested (the demo's own surveys)
    max_bytes: int | None = None  # None: the max_upload_mb setting
    actor: str | None = None  # who loads the file, for the audit log


@dataclass(frozen=True)
class Limits:
    """What the settings allow one analysis. Read where the database is open; an isolated analysis, which
    cannot open it, is given them."""
    upload_bytes: int = settings.SETTINGS["max_upload_mb"].default * MB
    workbook: WorkbookLimits = WorkbookLimits()
    duckdb: dict[str, str | int] = field(default_factory=dict)  # config of the file's own in-memory DuckDB


def read_limits(con: duckdb.DuckDBPyConnection | None) -> Limits:
    """The limits the settings give (their defaults without a database)."""
    if con is None:
        return Limits()
    return Limits(settings.get(con, "max_upload_mb") * MB,
                  WorkbookLimits(settings.get(con, "max_unpacked_mb"), settings.get(con, "max_workbook_cells")))


@dataclass
class Plan:
    file_name: str
    sha256: str
    kind: str | None = None
    format: str | None = None
    rows_read: int = 0
    batch: PlatformBatch | SurveyBatch | None = None
    unresolved: list[dict] = field(default_factory=list)  # rows naming pairs not loaded (yet)
    responses_known: store.ResponseCounts | None = None  # a survey's responses new, changed, stored
    error: IngestError | None = None
    options: Options = field(default_factory=Options)

    @property
    def ok(self) -> bool:
        return self.error is None and self.batch is not None

    @property
    def needs_mapping(self) -> NeedsMapping | None:
        return self.error if isinstance(self.error, NeedsMapping) else None

    @property
    def rejected(self) -> list[dict]:
        return list(self.batch.rejected) if self.batch is not None else []

    @property
    def rows_valid(self) -> int:
        if isinstance(self.batch, SurveyBatch):
            return self.batch.response_rows.num_rows
        return self.batch.rows.num_rows if self.batch is not None else 0

    @property
    def skipped(self) -> str | None:
        """The rows read that are not responses, in words ('1 survey-preview response'), or None."""
        counts = self.batch.skipped if isinstance(self.batch, SurveyBatch) else {}
        parts = [f"{n:,} {SKIPPED_WHAT[kind][n != 1]}" for kind, n in counts.items() if n]
        return " and ".join(parts) or None

    @property
    def date_range(self) -> tuple:
        if self.batch is None:
            return (None, None)
        rows, column = ((self.batch.response_rows, "submitted_at") if isinstance(self.batch, SurveyBatch)
                        else (self.batch.rows, DATE_RANGE_COLUMN[self.kind]))
        bounds = pc.min_max(rows[column]).as_py()
        return tuple(None if v is None else v.date() for v in (bounds["min"], bounds["max"]))

    def open_questions(self) -> pd.DataFrame:
        """A survey's questions no mapping covers yet (stored, but in no figure): its items' rows,
        with item_id and question_text. A question mapped to "not scored" is settled, not open."""
        if not isinstance(self.batch, SurveyBatch):
            return pd.DataFrame(columns=["item_id", "question_text"])
        items = self.batch.items
        return items[items["dimension"].isna() & ~items["item_id"].isin(self.batch.not_scored)]

    def rejected_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rejected, columns=["row_number", "column", "reason", "raw"])


def analyse(data: bytes, file_name: str, con: duckdb.DuckDBPyConnection | None = None,
            options: Options = Options(), path: Path | None = None, *, limits: Limits | None = None,
            identify: Identify | None = None) -> Plan:
    """Everything but the write. Never raises for a bad file: the Plan carries the error.
    `path`, when the bytes are a file on disk, lets DuckDB read the file itself.
    `limits` and `identify` stand in for the store where it cannot be opened (ingest.isolated's child): the
    settings' limits, and which stored survey a survey file exports again (identity.resolve)."""
    if identify is None and con is not None:
        identify = partial(identity.resolve, con)
    # hashlib lets go of the GIL, so the upload log's checksum costs nothing while DuckDB reads the file.
    with ThreadPoolExecutor(max_workers=1) as hashing:
        checksum = hashing.submit(lambda: hashlib.sha256(data).hexdigest())
        plan = Plan(file_name=file_name, sha256="", options=options)
        _analyse_into(plan, data, options, path, limits or read_limits(con), identify)
        plan.sha256 = checksum.result()
    if con is not None:
        against_store(plan, con)
    return plan


def _analyse_into(plan: Plan, data: bytes, options: Options, path: Path | None, limits: Limits,
                  identify: Identify | None) -> None:
    """`analyse` but the checksum and the store: fills `plan`, and its error when the file is refused."""
    file_name = plan.file_name
    try:
        _check_options(options, file_name)
        limit = options.max_bytes if options.max_bytes is not None else limits.upload_bytes
        if len(data) > limit:
            raise FileRefused(f"the file is {len(data) / MB:.0f} MB, over the {limit / MB:.0f} MB upload limit",
                              file=file_name, fix="Split the export by date range, or raise max_upload_mb in "
                                                  "Settings.")
        with closing(stage(data, file_name, path, limits.workbook, limits.duckdb)) as staged:
            plan.format = detect_format(staged.head)
            plan.kind = detect_kind(staged.head, plan.format) if options.kind == "auto" else options.kind
            if plan.kind == "survey":
                plan.batch = batch = _parse_survey(staged, plan.format, file_name, identify, options)
                plan.rows_read = batch.response_rows.num_rows + len(batch.rejected) + sum(batch.skipped.values())
            else:
                _check_table(staged, file_name)
                plan.rows_read = staged.height - 1
                plan.batch = parse_platform(staged, plan.kind, file_name, day_first=options.day_first,
                                            decimal_comma=staged.head.delimiter == ";")
    except IngestError as exc:
        plan.error = exc.in_file(file_name)


def against_store(plan: Plan, con: duckdb.DuckDBPyConnection) -> None:
    """What the store already holds of an analysed file: a survey's responses new, changed and stored; a
    platform file's rows naming pairs not loaded (flagged, not dropped: a pairs file loaded first, in the
    same upload, may resolve them)."""
    if isinstance(plan.batch, SurveyBatch):
        plan.responses_known = store.response_counts(con, plan.batch)
    elif plan.batch is not None:
        plan.unresolved = store.reference_problems(con, plan.batch)


def load(con: duckdb.DuckDBPyConnection, plan: Plan) -> store.LoadResult:
    """Write an analysed plan. Raises the plan's error if it cannot load."""
    if not plan.ok:
        raise plan.error or FileRefused("nothing to load", file=plan.file_name)
    info = store.UploadInfo(plan.file_name, plan.sha256, plan.kind, plan.format, plan.rows_read,
                            plan.date_range, plan.options.is_demo, plan.options.actor,
                            getattr(plan.batch, "survey_closed_on", None))
    if isinstance(plan.batch, SurveyBatch):
        # Remembered for this survey: only its own questions (one mapping may serve several files).
        own = set(plan.batch.items["item_id"])
        mapping = {item: code for item, code in (plan.options.mapping or {}).items() if item in own}
        confirmed = (mapping, plan.options.label_map or {}) if mapping or plan.options.label_map else None
        return store.load_survey(con, plan.batch, info, confirmed)
    return store.load_platform(con, plan.batch, info)


def analyse_path(path: str | Path, con: duckdb.DuckDBPyConnection | None = None,
                 options: Options = Options()) -> Plan:
    """`analyse` for a file on disk; an unreadable path is a refused plan."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        plan = Plan(file_name=path.name, sha256="")
        plan.error = FileRefused(f"cannot be read ({exc.strerror or exc})", file=str(path),
                                 fix="Check the path and permissions.")
        return plan
    return analyse(data, path.name, con, options, path)


def in_load_order(plans: list[Plan]) -> list[int]:
    """Indexes of `plans` with people and pairs before what refers to them."""
    return sorted(range(len(plans)), key=lambda i: LOAD_ORDER.index(plans[i].kind)
                  if plans[i].kind in LOAD_ORDER else len(LOAD_ORDER))


def ingest_paths(con: duckdb.DuckDBPyConnection, paths: list[str | Path], options: Options = Options(),
                 progress=None) -> list[tuple[Plan, store.LoadResult | None]]:
    """Analyse and load several files, people and pairs before what refers to them,
    whatever order they were given in. Results come back in the given order; a
    refused file has no result and the others still load."""
    plans = [analyse_path(path, con, options) for path in paths]
    return list(zip(plans, load_plans(con, plans, progress)))


def load_plans(con: duckdb.DuckDBPyConnection, plans: list[Plan], progress=None) -> list[store.LoadResult | None]:
    """Load analysed plans in load order; results in the given order. A refused plan has no
    result, and the others still load."""
    results: list[store.LoadResult | None] = [None] * len(plans)
    order = in_load_order(plans)
    for step, i in enumerate(order):
        if progress:
            progress(step / len(order), f"Loading {plans[i].file_name}")
        if plans[i].ok:
            results[i] = load(con, plans[i])
    return results


def _parse_survey(staged: Staged, fmt: str, file_name: str, identify: Identify | None,
                  options: Options) -> SurveyBatch:
    """Parse as the survey the store knows (its responses, items and mapping), under the mapping the
    user gives now."""
    return parse_survey(staged, fmt, file_name, mapping=options.mapping, label_map=options.label_map,
                        wave=options.wave, program=options.program, day_first=options.day_first,
                        accept_suggestions=options.accept_suggestions, identify=identify,
                        submitted_on=options.submitted_on)


def _check_table(staged: Staged, file_name: str) -> None:
    """A platform file needs a header row and at least one row under it."""
    if not staged.head.rows or not any(cell.strip() for cell in staged.head.rows[0]):
        raise FileRefused("the file is empty", file=file_name, fix="Export the data again, with its header row.")
    if staged.height < 2:
        raise FileRefused("the file has a header but no data rows", file=file_name,
                          fix="Export again with the data included.")


def _check_options(options: Options, file_name: str) -> None:
    if options.kind != "auto" and options.kind not in KINDS:
        raise FileRefused(f"'{options.kind}' is not a kind of file", file=file_name,
                          fix=f"Use one of: auto, {', '.join(KINDS)}.")
    if options.wave is not None and options.wave not in WAVES:
        raise FileRefused(f"'{options.wave}' is not a survey wave", file=file_name,
                          fix=f"Use one of: {', '.join(WAVES)}.")
