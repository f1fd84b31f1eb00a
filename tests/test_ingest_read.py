"""read_raw: bytes → text cells, and the files it refuses."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import fixtures_formats as F
import openpyxl
import pytest
import python_calamine

from analytics.ingest.errors import FileRefused
from analytics.ingest.read import MAX_COLUMNS, WorkbookLimits, read_raw


@pytest.mark.parametrize("data, expected_rows, encoding, delimiter", [
    # LF, plain UTF-8
    (b"a,b\n1,2\n", [["a", "b"], ["1", "2"]], "utf-8", ","),
    # BOM, CRLF, legacy-Qualtrics trailing comma, blank trailing rows
    (b"\xef\xbb\xbfa,b,\r\n1,2,\r\n,,\r\n\r\n", [["a", "b"], ["1", "2"]], "utf-8-sig", ","),
    # bare CR (Excel on Mac), quoted newline kept as LF
    (b'a,b\r1,"x\ry"\r', [["a", "b"], ["1", "x\ny"]], "utf-8", ","),
    # CRLF records with a bare LF inside an answer (Google Sheets)
    (b'a,b\r\n1,"x\ny"\r\n', [["a", "b"], ["1", "x\ny"]], "utf-8", ","),
    # ';' with decimal commas; short row padded
    (b"a;b;c\n1,5;2\n", [["a", "b", "c"], ["1,5", "2", ""]], "utf-8", ";"),
    # tab-delimited UTF-16 with BOM (Excel "Unicode text")
    ("a\tb\r\nNaïve\t2\r\n".encode("utf-16"), [["a", "b"], ["Naïve", "2"]], "utf-16", "\t"),
    # cp1252: ’ (0x92) and é (0xE9)
    ("q,r\r\ndon’t,café\r\n".encode("cp1252"), [["q", "r"], ["don’t", "café"]], "cp1252", ","),
    # mac-roman with bare CR: ’ is 0xD5, é is 0x8E
    ("q,r\rdon’t,café\r".encode("mac-roman"), [["q", "r"], ["don’t", "café"]], "mac-roman", ","),
    # leading apostrophes from Excel's text prefix; others kept
    (b"a,b,c\n'0123,'=1+1,'quoted'\n", [["a", "b", "c"], ["0123", "=1+1", "'quoted'"]], "utf-8", ","),
    # header only: one row (the caller refuses "no data rows")
    (b"submitted_at,nps\n", [["submitted_at", "nps"]], "utf-8", ","),
    # a header cell holding the other delimiters does not fool the sniffer
    (b'"x;y",b\n1,2\n', [["x;y", "b"], ["1", "2"]], "utf-8", ","),
    # a quote after spaces still opens a quoted cell, as in DuckDB's reader; after a tab it does not
    (b'a,b\n1, "x, y"\n "2",z\n', [["a", "b"], ["1", "x, y"], ["2", "z"]], "utf-8", ","),
    (b'a,b\n1,\t"x"\n', [["a", "b"], ["1", '"x"']], "utf-8", ","),
])
def test_csv_cells(data, expected_rows, encoding, delimiter):
    raw = read_raw(data, "f.csv")
    assert (raw.rows, raw.encoding, raw.delimiter, raw.source) == (expected_rows, encoding, delimiter, "csv")


def test_undecodable_bytes_never_crash():
    # 0x81 is undefined in cp1252 and invalid UTF-8: mac-roman reads it as 'Å'
    raw = read_raw(b"a,b\n\x81,2\n", "f.csv")
    assert raw.rows == [["a", "b"], ["Å", "2"]]
    assert raw.encoding == "mac-roman"


@pytest.mark.parametrize("builder, sheet, expected_row_2", [
    # real datetimes → ISO; 9 (int) and 6.0 (whole float) → '9', '6'; the preferred sheet wins
    (F.google_forms_xlsx, "Form Responses 1",
     ["2019-08-21T13:10:31", "ana@example.org", "9", "Excellent", "Good", "Career, Networking",
      "More structure\nand more meetings"]),
    (F.ms_forms_xlsx, "Sheet1",
     ["1", "2024-09-01T11:20:00", "2024-09-01T11:27:00", "anonymous", "", "", "Very satisfied",
      "Goal setting;Networking;", "Good", "More please"]),
])
def test_xlsx_cells(builder, sheet, expected_row_2):
    raw = read_raw(builder(), "f.xlsx")
    assert (raw.source, raw.sheet, raw.delimiter) == ("xlsx", sheet, None)
    assert raw.rows[1] == expected_row_2


@pytest.mark.parametrize("value, number_format, text", [
    (datetime(2019, 8, 21, 13, 10, 31), None, "2019-08-21T13:10:31"),
    (date(2024, 9, 1), None, "2024-09-01T00:00:00"),          # a date-only cell reads as its midnight
    (45000, "yyyy-mm-dd", "2023-03-15T00:00:00"),             # a serial with a date format is a date
    (45000.25, "m/d/yy h:mm", "2023-03-15T06:00:00"),
    (time(13, 5), None, "13:05:00"),
    (0.5, "hh:mm", "12:00:00"),
    (timedelta(hours=26), None, "1 day, 2:00:00"),
    (45000, None, "45000"),                                   # a serial without a date format stays a number
    (9, None, "9"),
    (6.0, None, "6"),
    (4.5, None, "4.5"),
    (-3, None, "-3"),
    (0.1 + 0.2, None, "0.3"),
    (1e20, None, "100000000000000000000"),
    (True, None, "True"),
    ("  padded  ", None, "padded"),
    ("=1+1", None, ""),                                       # a formula never calculated has no value
])
def test_xlsx_cell_values_as_text(value, number_format, text):
    book = openpyxl.Workbook()
    book.active["B2"] = value  # B2: the empty row and column before it are kept
    if number_format:
        book.active["B2"].number_format = number_format
    book.active["C3"] = "end"
    raw = read_raw(_saved(book), "f.xlsx")
    assert raw.rows == [["", "", ""], ["", text, ""], ["", "", "end"]]


def _saved(book: openpyxl.Workbook) -> bytes:
    out = F.io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_non_whole_numbers_keep_decimals():
    raw = read_raw(F.xlsx({"S": [["a", "b"], [4.5, 4.0]]}), "f.xlsx")
    assert raw.rows == [["a", "b"], ["4.5", "4"]]


@pytest.mark.parametrize("data, words", [
    (b"", "empty"),
    (b"  \r\n\r\n", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "password-protected"),
    (F.zipped({"word/document.xml": b"<w/>"}), "ZIP archive, not an Excel workbook"),
    (F.zipped({"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"macro"}), "macros"),
    (F.zip_bomb(), "unpacks to 60 MB, over the 30 MB limit"),
    (b"PK\x03\x04 truncated", "damaged"),
    (b"a,b\n\x00\x01\x02\x03,1\n", "binary data"),
    (F.zipped({"xl/workbook.xml": b"not xml"}), "could not be read"),
    (",".join(f"c{i}" for i in range(MAX_COLUMNS + 1)).encode(), f"at most {MAX_COLUMNS}"),
])
def test_refused_files_name_the_file_and_the_fix(data, words):
    with pytest.raises(FileRefused) as caught:
        read_raw(data, "upload.csv")
    message = str(caught.value)
    assert message.startswith("upload.csv: ")
    assert words in message
    assert caught.value.fix  # always says what to do


def test_a_one_megabyte_cell_is_read_whole():
    big = "x" * 1_500_000
    raw = read_raw(f'a,b\n1,"{big}"\n'.encode(), "f.csv")
    assert len(raw.rows[1][1]) == 1_500_000


# ---- workbook limits: checked from the zip directory before any parsing -----------

LIMITS = WorkbookLimits()  # the settings' defaults: 30 MB unpacked, 1,000,000 cells


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Records every workbook parse (calamine or openpyxl), which a refused file must never reach."""
    calls: list[str] = []

    def recorded(name, real):
        def parse(*args, **kw):
            calls.append(name)
            return real(*args, **kw)
        return parse
    for name in ("from_path", "from_filelike", "from_object"):
        monkeypatch.setattr(python_calamine.CalamineWorkbook, name,
                            recorded(name, getattr(python_calamine.CalamineWorkbook, name)))
    monkeypatch.setattr(openpyxl, "load_workbook", recorded("openpyxl", openpyxl.load_workbook))
    return calls


@pytest.mark.parametrize("rows, columns, dimension, limits, words", [
    # 130,000 rows of 20 × 16 + 11 bytes: 39 MB compressed to 0.2 MB, no <dimension>: its unpacked size refuses it
    (130_000, 20, False, LIMITS, ["unpacks to 39 MB, over the 30 MB limit (setting max_unpacked_mb)",
                                  "Save the sheet as CSV", "split its rows"]),
    # 1,200,000 cells in 19 MB: the sheet's <dimension> says so before any parsing
    (60_000, 20, True, LIMITS, ["60,000 rows × 20 columns (1,200,000 cells), over the 1,000,000-cell limit "
                                "(setting max_workbook_cells)", "Save the sheet as CSV",
                                "workbooks of fewer than 50,000 rows"]),
    # lower limits, as an administrator may set them
    # 7,000 rows of 10 × 16 + 11 bytes and the small parts: 1.09 MB (two decimals when a whole number would read 1)
    (7_000, 10, False, WorkbookLimits(unpacked_mb=1, cells=10_000), ["unpacks to 1.09 MB, over the 1 MB limit"]),
    (1_000, 11, True, WorkbookLimits(unpacked_mb=1, cells=10_000), ["over the 10,000-cell limit",
                                                                    "fewer than 909 rows"]),
])
def test_oversized_workbooks_are_refused_before_parsing(parses, rows, columns, dimension, limits, words):
    data = F.workbook_of_repeated_cells(rows, columns, dimension=dimension)
    with pytest.raises(FileRefused) as caught:
        read_raw(data, "responses.xlsx", limits)
    message = str(caught.value)
    assert message.startswith("responses.xlsx: ")
    for word in words:
        assert word in message, message
    assert parses == []


def test_a_sheet_over_the_cell_limit_without_a_dimension_is_refused_before_its_cells_are_read():
    # 1,000 × 11 cells unpack to 0.2 MB; only the parsed sheet's size tells that it is over the limit
    data = F.workbook_of_repeated_cells(1_000, 11, dimension=False)
    with pytest.raises(FileRefused, match="1,000 rows × 11 columns .11,000 cells., over the 10,000-cell limit"):
        read_raw(data, "responses.xlsx", WorkbookLimits(unpacked_mb=1, cells=10_000))


@pytest.mark.parametrize("rows, columns, dimension", [(1_000, 10, True), (1_000, 10, False), (3, 2, True)])
def test_workbooks_within_the_limits_are_read(rows, columns, dimension):
    data = F.workbook_of_repeated_cells(rows, columns, dimension=dimension)
    raw = read_raw(data, "responses.xlsx", WorkbookLimits(unpacked_mb=1, cells=10_000))
    assert raw.rows == [["1"] * columns] * rows
