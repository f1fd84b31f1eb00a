"""Bytes of an uploaded file → a rectangle of text cells.

Everything format-specific (header rows, metadata columns) happens later; this
module only decides how to decode the bytes and split them into cells, and
refuses files that are not a table at all.
"""
from __future__ import annotations

import csv
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import date, datetime, time
from xml.etree import ElementTree

from analytics.ingest.errors import FileRefused, IngestError
from analytics.store.settings import SETTINGS

MAX_COLUMNS = 5_000
MAX_CELL_CHARS = 10_000_000
MB = 1024 * 1024
PREFERRED_SHEET = "Form Responses 1"  # Google Forms' XLSX download
# Excel and Google Sheets write a sheet's <dimension> before its cells, in the first few hundred bytes.
DIMENSION_BYTES = 64 * 1024
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[^"]*?\$?([A-Z]{1,3})\$?([0-9]{1,7})"')
DELIMITERS = (",", ";", "\t")
SNIFF_RECORDS = 50

RESAVE_FIX = "Open it in your survey tool or spreadsheet and export it again as CSV or XLSX."

# Magic numbers of files that are sometimes renamed .csv / .xlsx by mistake.
MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
)
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class WorkbookLimits:
    """How large a workbook may be, checked from its zip directory before it is parsed: these bound
    the time and memory one upload's parse takes (benchmarks/RESULTS.md measures the largest)."""
    unpacked_mb: int = SETTINGS["max_unpacked_mb"].default
    cells: int = SETTINGS["max_workbook_cells"].default


@dataclass
class RawTable:
    rows: list[list[str]]
    encoding: str
    delimiter: str | None
    source: str  # 'csv' | 'xlsx'
    sheet: str | None = None


def read_raw(data: bytes, file_name: str, limits: WorkbookLimits = WorkbookLimits()) -> RawTable:
    """Read CSV or XLSX bytes into text cells ('' for empty); raises only IngestError."""
    try:
        table = _read(data, limits)
    except IngestError as exc:
        refused = exc
        if file_name.lower().endswith((".xlsx", ".xlsm")) and not data.startswith((ZIP, OLE2)):
            # Read as text, it would be refused as binary data, which says nothing of the workbook it claims to be.
            refused = FileRefused("the file is named as an Excel workbook but is not one: it may be damaged, or "
                                  "another kind of file renamed.", fix="Open it in Excel and save it again as .xlsx, "
                                                                       "or upload the CSV export.")
        raise refused.in_file(file_name)
    except Exception as exc:  # the contract: callers only ever see IngestError
        raise FileRefused(f"the file could not be read ({type(exc).__name__}: {exc}).", file=file_name,
                          fix=RESAVE_FIX) from exc
    return table


def check_width(columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise FileRefused(f"the file has {columns} columns; Mentorscope reads at most {MAX_COLUMNS}.",
                          fix="Remove unused columns and upload it again.")


def _read(data: bytes, limits: WorkbookLimits) -> RawTable:
    if not data.strip():
        raise FileRefused("the file is empty.", fix=RESAVE_FIX)
    if data.startswith(OLE2):
        raise FileRefused(
            "this is a password-protected workbook or an old-style .xls file, which Mentorscope cannot open.",
            fix="Remove the password (or use File › Save As › .xlsx) and upload it again.")
    if data.startswith(ZIP):
        return _read_xlsx(data, limits)
    for magic, what in MAGIC:
        if data.startswith(magic):
            raise FileRefused(f"this is {what}, not a table.", fix="Upload the CSV or XLSX export instead.")
    return _read_csv(data)


# ---- XLSX -----------------------------------------------------------------

def _read_xlsx(data: bytes, limits: WorkbookLimits) -> RawTable:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise FileRefused("this looks like an XLSX (ZIP) file but is damaged.", fix=RESAVE_FIX) from None
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        raise FileRefused("this is a ZIP archive, not an Excel workbook.",
                          fix="Unzip it and upload the CSV or XLSX export inside.")
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise FileRefused("the workbook contains macros, which Mentorscope does not open.",
                          fix="Save it as a plain .xlsx workbook (Excel Workbook, no macros) and upload that.")
    # Zip bombs and oversized sheets are refused from the zip directory, before anything is parsed.
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limits.unpacked_mb * MB:
        size = f"{unpacked / MB:.0f}" if round(unpacked / MB) > limits.unpacked_mb else f"{unpacked / MB:.2f}"
        raise FileRefused(f"the workbook unpacks to {size} MB, over the {limits.unpacked_mb} MB "
                          "limit (setting max_unpacked_mb).",
                          fix="Save the sheet as CSV (CSV files are read without this limit) and upload that, or "
                              "split its rows into several smaller workbooks.")
    title, part = _sheet_to_read(archive)
    with archive.open(part) as sheet_xml:
        declared = _DIMENSION.search(sheet_xml.read(DIMENSION_BYTES))
    if declared:
        _check_cells(title, int(declared[2]), _column_number(declared[1].decode()), limits)
    rows = _sheet_cells(data, title, limits)
    return RawTable(_tidy(rows), "xlsx", None, "xlsx", title)


def _sheet_to_read(archive: zipfile.ZipFile) -> tuple[str, str]:
    """The worksheet read (Google Forms' responses sheet, else the first) and its part in the archive."""
    relations = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    targets = {rel.get("Id"): rel.get("Target", "") for rel in relations}
    worksheets = {}
    for element in ElementTree.fromstring(archive.read("xl/workbook.xml")).iter():
        if element.tag.rpartition("}")[2] == "sheet":
            relation = next((v for k, v in element.attrib.items() if k.rpartition("}")[2] == "id"), None)
            target = targets.get(relation, "")
            part = target.lstrip("/") if target.startswith("/") else "xl/" + target
            if "worksheets/" in part:  # chart sheets hold no cells
                worksheets[element.get("name", "")] = part
    if not worksheets:
        raise FileRefused("the workbook has no worksheet.", fix=RESAVE_FIX)
    title = PREFERRED_SHEET if PREFERRED_SHEET in worksheets else next(iter(worksheets))
    return title, worksheets[title]


def _column_number(letters: str) -> int:
    """'A' → 1, 'T' → 20, 'AA' → 27."""
    return sum((ord(ch) - 64) * 26 ** i for i, ch in enumerate(reversed(letters)))


def _check_cells(title: str, rows: int, columns: int, limits: WorkbookLimits) -> None:
    if rows * columns > limits.cells:
        raise FileRefused(f"the sheet '{title}' has {rows:,} rows × {columns:,} columns ({rows * columns:,} cells), over "
                          f"the {limits.cells:,}-cell limit (setting max_workbook_cells).",
                          fix="Save the sheet as CSV (CSV files are read without this limit) and upload that, or "
                              f"split its rows into several workbooks of fewer than {limits.cells // columns:,} rows.")


def _sheet_cells(data: bytes, title: str, limits: WorkbookLimits) -> list[list[str]]:
    """The sheet's cells as text, from A1 (leading blank rows and columns kept, as a spreadsheet shows them)."""
    from python_calamine import CalamineWorkbook  # only needed for workbooks

    # From a file, calamine parses without holding the GIL, so other users' pages keep running meanwhile.
    with tempfile.NamedTemporaryFile(suffix=".xlsx") as file:
        file.write(data)
        file.flush()
        with CalamineWorkbook.from_path(file.name) as book:
            sheet = book.get_sheet_by_name(title)
    if sheet.start is None:
        return []
    # A sheet without a <dimension> is measured here, parsed but before its cells become Python objects.
    height, width = sheet.end[0] + 1, sheet.end[1] + 1
    _check_cells(title, height, width, limits)
    check_width(width)
    # Row by row, so that building the text cells shares the GIL with other pages instead of holding it.
    # iter_rows starts at the first column holding a cell: the blank ones before it are put back.
    blank_columns = [""] * sheet.start[1]
    rows = [blank_columns + [_cell_text(value) for value in values] for values in sheet.iter_rows()]
    return [[]] * (height - len(rows)) + rows  # blank leading rows too, should iter_rows leave them out


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    if isinstance(value, date):  # a date-only number format: the day's midnight, as a datetime cell reads
        return value.strftime("%Y-%m-%dT00:00:00")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# ---- CSV ------------------------------------------------------------------

def _read_csv(data: bytes) -> RawTable:
    text, encoding = decode(data)
    if "\x00" in text:
        raise FileRefused("the file contains binary data, not text.", fix="Upload the CSV or XLSX export instead.")
    delimiter = sniff_delimiter(text)
    csv.field_size_limit(MAX_CELL_CHARS)
    try:
        # Cleaned record by record: the raw records are never all held at once. A quote after spaces
        # opens a quoted cell (`a, "b, c"` is two cells), as DuckDB's reader (staged.py's fast route)
        # reads it; cells are trimmed anyway, so the spaces themselves change nothing.
        rows = [_csv_record(record) for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                                                             skipinitialspace=True)]
    except csv.Error as exc:
        raise FileRefused(f"the file is not readable as CSV ({exc}).", fix=RESAVE_FIX) from None
    check_width(max(map(len, rows), default=0))
    return RawTable(_tidy(rows), encoding, delimiter, "csv", None)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding it was read with.

    BOMs decide first; then strict UTF-8; then the two 8-bit code pages that
    Excel writes (Windows cp1252, Mac 'CSV (Macintosh)' mac-roman), whichever
    reads as more plausible text. mac-roman maps every byte, so this never fails.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if _looks_utf16le(data):
        return data.decode("utf-16-le", errors="replace"), "utf-16-le"
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    candidates = []
    for encoding in ("cp1252", "mac-roman"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
            continue
        # On a tie, bare CR line ends point to a Mac.
        preferred = (encoding == "mac-roman") == _bare_cr(data)
        candidates.append((_plausibility(text), preferred, encoding, text))
    *_, encoding, text = max(candidates)
    return text, encoding


def _looks_utf16le(data: bytes) -> bool:
    """UTF-16 without a BOM: ASCII text with a NUL after every character."""
    sample = data[:2000]
    return len(sample) >= 4 and sample[1::2].count(0) > 0.9 * (len(sample) // 2)


def _bare_cr(data: bytes) -> bool:
    return b"\r" in data and b"\n" not in data


# Characters common in Western survey text outside ASCII.
_COMMON = set("éèêëàáâäãåçíìîïñóòôöõúùûüßÉÀÇÖÜÄ’‘“”–—…€£°«»\xa0")


def _plausibility(text: str) -> int:
    """Score a decoding: common accented letters and typographic punctuation
    count for it, letters in the wrong case next to ASCII letters (cafÈ) against."""
    score = 0
    for i, ch in enumerate(text):
        if ord(ch) < 128:
            continue
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        if ch == "’" and before.isalpha() and after.isalpha():
            score += 2  # don’t, it’s
        elif ch in _COMMON:
            score += 1
        else:
            score -= 1
        if ch.isalpha() and ch.isupper() and (before.islower() or after.islower()):
            score -= 2
    return score


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most columns while the
    next records agree with it; ',' for a one-column file."""
    best, best_score = ",", (0.0, 1)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
        widths = []
        try:
            for record in reader:
                widths.append(len(record))
                if len(widths) >= SNIFF_RECORDS:
                    break
        except csv.Error:
            continue
        if not widths or widths[0] < 2:
            continue
        agreement = sum(w == widths[0] for w in widths) / len(widths)
        score = (agreement, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


# What `_csv_cell` may change: a CR, an apostrophe, a cell starting or ending with
# whitespace (cells joined by NUL, which a readable file never holds). Most records
# have none, and are kept as they are without a call per cell.
_NEEDS_CLEANING = re.compile(r"\s\x00|\x00\s|^\s|\s$|[\r']")


def _csv_record(record: list[str]) -> list[str]:
    if not _NEEDS_CLEANING.search("\x00".join(record)):
        return record
    return [_csv_cell(cell) for cell in record]


def _csv_cell(cell: str) -> str:
    cell = cell.replace("\r\n", "\n").replace("\r", "\n").strip()
    # Excel's text prefix ('0123, '=1+1) sometimes survives into a CSV.
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "0123456789=+-@":  # ASCII digits, as staged.py
        return cell[1:]
    return cell


def _tidy(rows: list[list[str]]) -> list[list[str]]:
    """Drop blank trailing rows and all-empty trailing columns (legacy Qualtrics
    ends every line with a comma); pad short rows so the table is rectangular."""
    while rows and not any(rows[-1]):
        rows.pop()
    width = 0
    for r in rows:  # the last non-empty cell, scanning back only while it could widen the table
        used = len(r)
        while used > width and not r[used - 1]:
            used -= 1
        width = max(width, used)
    return [r if len(r) == width else (r + [""] * width)[:width] for r in rows]
