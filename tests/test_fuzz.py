"""Property-based fuzzing of the readers and parsers: whatever the bytes or
text, they answer with a result or an IngestError, never anything else.

A short run is part of `make test`, the same cases every time so that the suite
passes or fails on the code alone; `make fuzz` runs 10,000 fresh random cases
each (FUZZ_EXAMPLES sets the count, and makes the cases random).
"""
from __future__ import annotations

import os
from contextlib import closing

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics.ingest import scales
from analytics.ingest.dates import parse_dates
from analytics.ingest.detect import detect_format, detect_kind
from analytics.ingest.errors import IngestError, NeedsMapping
from analytics.ingest.pipeline import Options, analyse
from analytics.ingest.read import read_raw
from analytics.ingest.staged import stage

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
fuzz = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow],
                derandomize="FUZZ_EXAMPLES" not in os.environ)

# Text that looks like a CSV: separators, quotes, line ends, odd characters.
cells = st.text(alphabet=st.sampled_from(list('abc,;\t"\'\r\n =+-@0123456789/:.é€\u00a0\ufeff')), max_size=12)
csv_like = st.lists(st.lists(cells, min_size=1, max_size=6), min_size=1, max_size=8).map(
    lambda rows: "\n".join(",".join(row) for row in rows))
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "mac-roman"])


@fuzz
@given(st.binary(max_size=2048))
def test_fuzz_read_raw_on_any_bytes(data):
    try:
        table = read_raw(data, "fuzz.csv")
    except IngestError as exc:
        assert "fuzz.csv" in exc.message
        return
    assert all(isinstance(cell, str) for row in table.rows for cell in row)


@fuzz
@given(csv_like, encodings)
def test_fuzz_csv_text_reads_detects_and_analyses(text, encoding):
    data = text.encode(encoding, errors="replace")
    try:
        table = read_raw(data, "fuzz.csv")
        fmt = detect_format(table)
        detect_kind(table, fmt)
    except IngestError:
        pass
    plan = analyse(data, "fuzz.csv")  # never raises: a bad file is a plan with an error
    assert plan.ok or plan.error is not None


# Cells an export may really hold under a known header: numbers and dates in every spelling that has
# crashed a parser once (17-digit numbers, 'inf', zoned nanosecond timestamps), and their neighbours.
TRICKY = st.sampled_from([
    "", "45", "45,5", "-3", "1e3", "1e400", "inf", "nan", "None", "NaT", "12345678901234567", "０１２", "١٢",
    "2026-01-05", "2026-1-5", "05/01/2026", "1/5/26", "13/13/2026", "2026-02-30", "2026-01-05T14:30:00Z",
    "2026-01-05 14:30:00+02", "2026-01-05T14:30:00.123456789+05:30", "45000", "45000.5", "1677-09-21",
    "9999-12-31", "Jan 5 2026", "held", "No-show", "Zoom", "protégé", "mentor", "P1", "E1", "'45", "=1+1", "😀"])
KNOWN_HEADERS = {
    "sessions": ["session_id", "pair_id", "occurred_on", "duration_minutes", "status", "format"],
    "pairs": ["pair_id", "mentor_id", "mentee_id", "matched_on", "ended_on", "meetings_target_per_month"],
    "employees": ["employee_id", "hired_on", "terminated_on", "last_promoted_on"],
    "survey": ["response_id", "respondent_id", "submitted_at", "wave", "networking", "nps"],
}


@fuzz
@given(st.sampled_from(sorted(KNOWN_HEADERS)), st.data())
def test_fuzz_known_columns_with_tricky_values_analyse(kind, data):
    header = KNOWN_HEADERS[kind]
    rows = data.draw(st.lists(st.lists(TRICKY, min_size=len(header), max_size=len(header)), min_size=1, max_size=6))
    text = "\n".join(",".join(row) for row in [header, *rows]) + "\n"
    for as_kind in ("auto", kind):
        plan = analyse(text.encode(), "fuzz.csv", options=Options(kind=as_kind))  # never raises
        assert plan.ok or plan.error is not None


@fuzz
@given(csv_like, encodings)
def test_fuzz_staged_cells_are_read_raws(text, encoding):
    """Both routes of `stage` (DuckDB's reader, or read_raw) give read_raw's cells."""
    data = text.encode(encoding, errors="replace")
    try:
        expected = read_raw(data, "fuzz.csv").rows
    except IngestError:
        expected = None
    try:
        with closing(stage(data, "fuzz.csv")) as staged:
            columns = ", ".join(staged.columns) or "NULL"
            rows = staged.con.execute(f"SELECT {columns} FROM staged ORDER BY row_number").fetchall()
            got = [["" if v is None else v for v in row[:staged.width]] for row in rows]
    except IngestError:
        got = None
    assert got == expected


@fuzz
@given(st.lists(st.one_of(st.none(), st.text(max_size=25),
                          st.from_regex(r"\d{1,2}/\d{1,2}/\d{2,4}( \d{1,2}:\d{2}( [AP]M)?)?", fullmatch=True),
                          st.from_regex(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})?)?", fullmatch=True)),
                max_size=20),
       st.sampled_from([None, True, False]))
def test_fuzz_dates_parse_or_ask(values, day_first):
    series = pd.Series(values, dtype=object)
    try:
        parsed = parse_dates(series, day_first=day_first, column="d")
    except NeedsMapping:
        assert day_first is None
        return
    assert len(parsed) == len(series)


@fuzz
@given(st.text(max_size=40))
def test_fuzz_likert_labels(text):
    answer = scales.parse_answer(text)
    assert answer is None or isinstance(answer, scales.Answer)


@fuzz
@given(st.lists(st.one_of(st.text(max_size=20), st.integers(-100, 100).map(str)), max_size=15),
       st.sampled_from([None, "networking", "nps", "comment"]))
def test_fuzz_convert_column(values, dimension):
    converted = scales.convert_column(pd.Series(values, dtype=object), "q1", dimension=dimension, label_map=None)
    assert len(converted.value_num) == len(values)
