"""A file's cells as a DuckDB table, so that validation can run in SQL, column by column.

`stage` puts every cell of a file into the table `staged` of a private in-memory
DuckDB connection: VARCHAR columns c0 … c{width-1} (NULL where a cell is blank)
and `row_number`, the spreadsheet row a user sees (1-based, header rows
included; a CSV record with newlines inside quotes is one row). Cells are
cleaned exactly as `read.read_raw` cleans them.

A well-formed CSV is parsed by DuckDB's own parallel reader, straight into
columns (from UTF-8: other encodings are decoded first, as `read.decode` reads
them). Anything else (XLSX, ragged rows, blank lines, bare CR line ends, stray
quotes) first goes through `read.read_raw`, which knows those traps; both routes
give the same table (tests/test_staged.py compares them).
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import duckdb
import pyarrow as pa

from analytics.ingest.read import (
    MAGIC,
    OLE2,
    ZIP,
    RawTable,
    WorkbookLimits,
    check_width,
    decode,
    read_raw,
    sniff_delimiter,
)
from analytics.store.connection import duckdb_config

HEAD_ROWS = 3  # enough for every tool's header rows (detect.py, survey.py)
SNIFF_BYTES = 256 * 1024
# Python's str.strip() whitespace, which `read._csv_cell` removes from both ends of a cell.
_SPACE = r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}]"


@dataclass
class Staged:
    con: duckdb.DuckDBPyConnection  # private, in memory: owns the table `staged`
    width: int
    height: int                      # rows, header rows included
    head: RawTable                   # the first HEAD_ROWS rows as text ('' for blank), for detection
    parser: str                      # 'duckdb' (the fast route) or 'python' (read_raw)

    @property
    def columns(self) -> list[str]:
        return [f"c{i}" for i in range(self.width)]

    def text_cells(self, alias: str = "") -> str:
        """SQL of a row's cells as text read_raw gives ('' for blank), for joining or hashing a row."""
        return ", ".join(f"coalesce({alias}c{i}, '')" for i in range(self.width))

    def close(self) -> None:
        self.con.close()


def stage(data: bytes, file_name: str, path: Path | None = None,
          limits: WorkbookLimits = WorkbookLimits(), config: dict[str, str | int] | None = None) -> Staged:
    """Stage a file's bytes (read from `path` by DuckDB when given); raises only IngestError (and ConfigError for
    a wrong MENTORSCOPE_DUCKDB_THREADS, which opening the database has refused before any file is staged).
    `config`: DuckDB's settings for the private connection (its threads and memory_limit, where limited), over
    those every connection takes (connection.duckdb_config)."""
    settings = {**duckdb_config(), **(config or {})}
    con = duckdb.connect(config=settings)
    try:
        text, encoding, fast = data, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8", _fast_dialect(data)
        if fast is None and _in_another_encoding(data):
            # Decoded as read_raw decodes it, DuckDB's reader takes it too: Python's reader would take
            # ten times as long and twenty times the file's size in memory.
            decoded, encoding = decode(data)
            text, path = decoded.encode("utf-8"), None
            fast = _fast_dialect(text)
        if fast is not None:
            try:
                _stage_csv(con, text, path, fast, edge_test(text, fast))
                return _finish(con, RawTable([], encoding, fast, "csv"), "duckdb")
            except duckdb.Error:  # the CSV is not as regular as it looked: take the careful route
                con.close()
                con = duckdb.connect(config=settings)
        raw = read_raw(data, file_name, limits)
        _stage_rows(con, raw.rows)
        return _finish(con, raw, "python")
    except BaseException:
        con.close()
        raise


def _in_another_encoding(data: bytes) -> bool:
    """Text that is not UTF-8 (cp1252, mac-roman, UTF-16), rather than a binary file."""
    if data.isascii() or data.startswith((OLE2, ZIP, *(m for m, _ in MAGIC))):
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _fast_dialect(data: bytes) -> str | None:
    """The delimiter, when DuckDB's reader gives what `read_raw` would; None otherwise."""
    if data.startswith((OLE2, ZIP, b"\xff\xfe", b"\xfe\xff", *(m for m, _ in MAGIC))) or b"\x00" in data \
            or not (data[:SNIFF_BYTES].strip() or data.strip()):
        return None  # read_raw opens it, or refuses it with the reason
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    # DuckDB skips blank lines, where a spreadsheet (and read_raw) counts them as rows;
    # a bare CR is a line end only to Python's reader.
    if body.startswith((b"\n", b"\r")) or b"\n\n" in body \
            or (b"\r" in body and (b"\n\r\n" in body or b"\r\n" not in body)):
        return None
    if not body.isascii():  # ASCII is UTF-8 already; only other bytes need the check
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None
    head = body[:SNIFF_BYTES].decode("utf-8", errors="ignore")
    return sniff_delimiter(head)


def _stage_csv(con: duckdb.DuckDBPyConnection, data: bytes, path: Path | None, delimiter: str,
               needs: Callable[[str], str]) -> None:
    if path is not None:
        _read_into_cells(con, str(path), delimiter, needs)
        return
    handle, name = tempfile.mkstemp(suffix=".csv")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        _read_into_cells(con, name, delimiter, needs)
    finally:
        os.unlink(name)


def _read_into_cells(con: duckdb.DuckDBPyConnection, path: str, delimiter: str,
                     needs: Callable[[str], str]) -> None:
    source = ("read_csv(?, all_varchar = true, header = false, delim = ?, quote = '\"', escape = '\"', "
              "comment = '', skip = 0, strict_mode = true, max_line_size = 20000000)")
    # column0 or column00 …: DuckDB pads the numbers to the widest
    names = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}", [path, delimiter]).fetchall()]
    check_width(len(names))
    cells = ", ".join(f"{_clean(name, needs(name))} AS c{i}" for i, name in enumerate(names))
    # Insertion order is kept, so rowid is the record's place in the file.
    con.execute(f"CREATE TABLE cells AS SELECT {cells} FROM {source}", [path, delimiter])


def _stage_rows(con: duckdb.DuckDBPyConnection, rows: list[list[str]]) -> None:
    """Rows read_raw has already cleaned."""
    width = len(rows[0]) if rows else 0
    check_width(width)
    columns = {f"c{i}": pa.array([r[i] or None for r in rows], pa.string()) for i in range(width)}
    con.register("incoming_rows", pa.table(columns) if columns else pa.table({"c0": pa.array([], pa.string())}))
    con.execute("CREATE TABLE cells AS SELECT * FROM incoming_rows")
    con.unregister("incoming_rows")


def edge_test(data: bytes, delimiter: str) -> Callable[[str], str]:
    """column → SQL that is true where a cell may need cleaning, as cheap as the file allows.

    The test runs on every cell, and over millions of cells a regex costs more than reading
    the file. An ASCII file without tabs or control characters can only have spaces at a
    cell's edge (and line breaks, inside quotes), which `contains`, `prefix` and `suffix`
    find cheaply."""
    quoted = b'"' in data
    exotic = (not data.isascii() or any(data.find(bytes([b])) >= 0 for b in (11, 12, 28, 29, 30, 31))
              or (b"\t" in data and (delimiter != "\t" or quoted)))
    if exotic:
        return lambda c: (f"(contains({c}, chr(13)) OR regexp_matches({c}, '^{_SPACE}|{_SPACE}$') "
                          f"OR prefix({c}, ''''))")
    # Most cells hold no space or line break at all, and `contains` costs less than the edge tests.
    space = "' '"

    def at_edge(c: str, char: str) -> str:
        return f"(contains({c}, {char}) AND (prefix({c}, {char}) OR suffix({c}, {char})))"
    if quoted:
        return lambda c: (f"({at_edge(c, space)} OR {at_edge(c, 'chr(10)')} OR contains({c}, chr(13)) "
                          f"OR prefix({c}, ''''))")
    return lambda c: f"({at_edge(c, space)} OR prefix({c}, ''''))"


def _clean(column: str, needs: str) -> str:
    """`read._csv_cell` in SQL: CRs as newlines, outer whitespace and Excel's text apostrophe
    gone, blank as NULL; only where `needs` says a cell might need it."""
    cleaned = (f"regexp_replace(regexp_replace(replace(replace({column}, chr(13) || chr(10), chr(10)), chr(13), "
               f"chr(10)), '^{_SPACE}+|{_SPACE}+$', '', 'g'), '^''([0-9=+\\-@])', '\\1')")
    return f"nullif(CASE WHEN {needs} THEN {cleaned} ELSE {column} END, '')"


def _finish(con: duckdb.DuckDBPyConnection, raw: RawTable, parser: str) -> Staged:
    """cells(c0…) → the view staged(row_number, c0…), without trailing blank rows or columns."""
    width = len(con.execute("SELECT * FROM cells LIMIT 0").description)
    any_cell = " OR ".join(f"c{i} IS NOT NULL" for i in range(width)) or "false"
    counts = con.execute("SELECT " + "".join(f"count(c{i}), " for i in range(width))
                         + f"max(CASE WHEN {any_cell} THEN rowid END), count(*) FROM cells").fetchone()
    used, last, rows = counts[:-2], counts[-2], counts[-1]
    width = max((i + 1 for i, n in enumerate(used) if n), default=0)
    kept = "".join(f", c{i}" for i in range(width))
    height = 0 if last is None else int(last) + 1
    trailing = f" WHERE rowid < {height}" if height < rows else ""
    con.execute(f"CREATE VIEW staged AS SELECT rowid + 1 AS row_number{kept} FROM cells{trailing}")
    head = [["" if v is None else v for v in row[1:]] for row in con.execute(
        f"SELECT * FROM staged ORDER BY row_number LIMIT {HEAD_ROWS}").fetchall()]
    return Staged(con, width, height, RawTable(head, raw.encoding, raw.delimiter, raw.source, raw.sheet), parser)
