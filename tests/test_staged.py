"""stage: a file's cells in a DuckDB table, the same cells read_raw gives, by either route."""
from __future__ import annotations

from pathlib import Path

import fixtures_formats as F
import pytest

from analytics.ingest.errors import FileRefused
from analytics.ingest.read import read_raw
from analytics.ingest.staged import stage

SAMPLES = Path(__file__).resolve().parent.parent / "sample_surveys"


def staged_rows(data: bytes, path: Path | None = None) -> tuple[list[list[str]], str]:
    staged = stage(data, "f.csv", path)
    try:
        columns = ", ".join(staged.columns) or "NULL"
        rows = staged.con.execute(f"SELECT row_number, {columns} FROM staged ORDER BY row_number").fetchall()
        assert [r[0] for r in rows] == list(range(1, len(rows) + 1))  # spreadsheet rows, no gaps
        assert staged.height == len(rows)
        cells = [["" if v is None else v for v in r[1:staged.width + 1]] for r in rows]
        assert staged.head.rows == cells[:3]
        return cells, staged.parser
    finally:
        staged.close()


@pytest.mark.parametrize("data, parser", [
    (b"a,b\n1,2\n", "duckdb"),
    (b"\xef\xbb\xbfa,b,\r\n1,2,\r\n,,\r\n", "duckdb"),                  # BOM, trailing column and row
    (b'a,b\r\n1,"x\ny"\r\n2," x\r\ny "\r\n', "duckdb"),                # newlines inside quotes
    (b"a,b,c\n'0123,'=1+1,'quoted'\n' 5,'',''x\n", "duckdb"),           # Excel's text apostrophe
    ("a,b\n'\u0661\u0662,'-1\n".encode(), "duckdb"),                    # only before ASCII digits
    ("a,b\n\u00a0x\u00a0, y\t\n\u3000z,\u2003\n".encode(), "duckdb"),   # outer whitespace, any kind
    (b'h1,h2\n"q ""quoted""",2\n', "duckdb"),
    (b"a,b\n x ,y \n'7,z\n", "duckdb"),                             # ASCII, unquoted: spaces at the edges
    (b'a,b\n" x","y\n"\n"\nz",2\n', "duckdb"),                     # ASCII, quoted: spaces and line breaks
    (b"a\tb\n x \t y\n", "duckdb"),                                   # tab-delimited
    (b"a,b\n\x0bx,y\x1f\n", "duckdb"),                                # control characters are whitespace too
    (b'a,b\n"\tx",y\n', "duckdb"),                                     # a tab inside quotes
    (b"a;b;c\n1,5;2;3\n", "duckdb"),
    (b"a\tb\n1\t2\n", "duckdb"),
    (b"a,b\n1,2\n\n3,4\n", "python"),                                   # a blank line is a row
    (b"\na,b\n1,2\n", "python"),                                         # even the first one
    (b'a,b\r1,"x\ry"\r', "python"),                                      # bare CR
    (b"a;b;c\n1,5;2\n", "python"),                                      # ragged
    (b"a,b\n1,x\"y\n", "duckdb"),                                       # a stray quote kept
    (b' ","', "duckdb"),                                                # a quote after a space opens a cell
    (b'a,b\n1,  "x, y"\n "2",z\n', None),
    (b'a,b\n"1" ,\t"z"\n', None),                                      # after the closing quote; a tab
    # other encodings: read as read_raw decodes them, then by DuckDB's reader from UTF-8
    ("q,r\r\ndon’t,café\r\n".encode("cp1252"), "duckdb"),
    ("q,r\ndon’t,café\n".encode("mac-roman"), "duckdb"),
    ("a\tb\r\nNaïve\t2\r\n".encode("utf-16"), "duckdb"),
    ("q,r\rdon’t,café\r".encode("mac-roman"), "python"),              # bare CR as well
    (F.qualtrics_current_de(), None), (F.qualtrics_2016(), None), (F.qualtrics_legacy(), None),
    (F.surveymonkey("utf-8", "\r\n"), None), (F.google_forms_csv(), None), (F.ms_forms_csv_cp1252(), None),
    (F.generic_semicolon(), None), (F.generic_utf16(), None),
    (F.google_forms_xlsx(), "python"), (F.ms_forms_xlsx(), "python"),
])
def test_the_same_cells_as_read_raw(data, parser):
    cells, used = staged_rows(data)
    assert cells == read_raw(data, "f.csv").rows
    if parser:
        assert used == parser


@pytest.mark.parametrize("data, encoding", [
    (b"a,b\n1,2\n", "utf-8"),
    (b"\xef\xbb\xbfa,b\n1,2\n", "utf-8-sig"),
    ("q,r\r\ndon’t,café\r\n".encode("cp1252"), "cp1252"),
    ("a\tb\r\nNaïve\t2\r\n".encode("utf-16"), "utf-16"),
])
def test_the_encoding_read_is_the_files_own(data, encoding):
    staged = stage(data, "f.csv")
    try:
        assert staged.head.encoding == encoding
    finally:
        staged.close()


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.csv")))
def test_every_sample_export_takes_the_fast_route_from_its_path(name):
    path = SAMPLES / name
    cells, used = staged_rows(path.read_bytes(), path)
    assert (cells, used) == (read_raw(path.read_bytes(), name).rows, "duckdb")


@pytest.mark.parametrize("data, words", [
    (b"", "empty"), (b"%PDF-1.7 ...", "PDF"), (b"a,b\n\x00\x01\x02,3\n", "binary"),
])
def test_refusals_are_read_raws(data, words):
    with pytest.raises(FileRefused, match=words):
        stage(data, "f.csv")
