"""The bad-file corpus: every file ends in a clear message naming the file
(and the row or column where there is one) and the fix, with the database
unchanged, never a traceback, a hang or a blow-up."""
from __future__ import annotations

import re

import pytest

from analytics.cli import main
from analytics.ingest.errors import DATE_FIX
from analytics.store import connection, schema
from tests import fixtures_formats as fx

PAIRS = "pair_id,mentor_id,mentee_id,matched_on\nP1,M1,E1,2026-01-05\n"

# (file name, bytes, words the message must hold). Files refused as a whole.
REFUSED = [
    ("empty.csv", b"", ["empty.csv", "empty"]),
    ("header_only.csv", b"pair_id,mentor_id,mentee_id,matched_on\n", ["header_only.csv", "no data rows"]),
    ("binary.csv", bytes(range(256)) * 8, ["binary.csv", "binary data"]),
    ("binary.xlsx", bytes(range(256)) * 8, ["binary.xlsx", "named as an Excel workbook but is not one",
                                             "save it again as .xlsx"]),
    ("photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(200), ["photo.csv", "PNG image"]),
    ("macros.xlsm", fx.zipped({"xl/workbook.xml": b"<workbook/>", "xl/vbaProject.bin": b"x"}), ["macros.xlsm", "macros"]),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512), ["locked.xlsx", "password-protected"]),
    ("bomb.xlsx", fx.zip_bomb(), ["bomb.xlsx"]),
    # 39 MB of cells compressed to 0.2 MB, and 1,200,000 cells in 19 MB: refused before they are parsed
    ("sheet_bomb.xlsx", fx.workbook_of_repeated_cells(130_000, 20, dimension=False),
     ["sheet_bomb.xlsx", "unpacks to 39 MB, over the 30 MB limit (setting max_unpacked_mb)", "Save the sheet as CSV"]),
    ("many_cells.xlsx", fx.workbook_of_repeated_cells(60_000, 20),
     ["many_cells.xlsx", "(1,200,000 cells), over the 1,000,000-cell limit (setting max_workbook_cells)",
      "Save the sheet as CSV"]),
    ("wrong_kind.csv", b"colour,flavour\nred,sweet\n", ["wrong_kind.csv", "participant_id"]),
    ("missing_columns.csv", b"pair_id,mentor_id\nP1,M1\n", ["missing_columns.csv", "mentee_id"]),
    ("wide.csv", (",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join("1" for _ in range(10_000)) + "\n").encode(),
     ["wide.csv", "columns"]),
    ("labels.csv", b"submitted_at,overall_satisfaction\n2026-04-03,Kinda\n2026-04-04,Meh\n",
     ["labels.csv", "overall_satisfaction", "Kinda", "Meh"]),
    # a survey export without its timestamp column is a survey refused, not a participants file loaded
    ("no_timestamp.csv", b"Employee ID,Role,Program,Wave,How much do you agree? [I learned],Overall satisfaction\n"
                         b"E1,mentor,Leaders,exit,Agree,Very satisfied\n",
     ["no_timestamp.csv", "has no column saying when each response was submitted"]),
    ("all_bad_dates.csv", b"employee_id,hired_on\nE1,2026-13-45\nE2,31/31/2026\n", ["all_bad_dates.csv", "row 2", "not a date"]),
    ("ambiguous.csv", b"employee_id,hired_on\nE1,03/04/2020\n", ["ambiguous.csv", "hired_on", "day-first"]),
]

# Files that load, with the bad rows rejected one by one: (name, bytes, (row, reason words)).
PARTLY = [
    ("negative.csv", b"pair_id,occurred_on,duration_minutes\nP1,2026-01-10,60\nP1,2026-01-11,-30\n",
     (3, "duration_minutes is negative")),
    ("dupes.csv", b"employee_id,hired_on\nE1,2020-01-01\nE1,2021-01-01\n", (3, "duplicate employee_id 'E1'")),
    ("unknown_pair.csv", b"pair_id,occurred_on\nP1,2026-01-10\nP404,2026-01-10\n", (3, "pair 'P404' is not loaded")),
    ("impossible.csv", b"employee_id,hired_on\nE1,2020-01-01\nE2,2021-02-30\n", (3, "'2021-02-30' in hired_on is not a date" + DATE_FIX)),
]

# Odd but legitimate files that must load.
ODD = [
    ("big_cell.csv", ("employee_id,hired_on,department\nE1,2020-01-01," + "x" * 5_000_000 + "\n").encode()),
    ("quotes.csv", b'employee_id,hired_on,department\nE1,2020-01-01,"He said ""\"\"\"\"hi\"\"\"\"\"" then, left"\n'),
    ("mixed.csv", "employee_id,hired_on,department\nE1,2020-01-01,Caf\u00e9\n".encode("utf-8") +
     "E2,2020-01-01,Caf\u00e9\n".encode("cp1252")),
]


@pytest.fixture
def store(db_path, tmp_path, capsys):
    main(["ingest", _write(tmp_path, "pairs.csv", PAIRS.encode()), "--db", str(db_path)])
    capsys.readouterr()
    return db_path


def _write(folder, name, content) -> str:
    path = folder / name
    path.write_bytes(content)
    return str(path)


def _snapshot(path):
    con = connection.connect(path)
    try:
        return {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in schema.DATA_TABLES}
    finally:
        con.close()


@pytest.mark.parametrize("name, content, words", REFUSED, ids=[r[0] for r in REFUSED])
def test_refused_files(store, tmp_path, capsys, name, content, words):
    before = _snapshot(store)
    code = main(["ingest", _write(tmp_path, name, content), "--db", str(store)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    for word in words:
        assert word in err, err
    assert _snapshot(store) == before


@pytest.mark.parametrize("name, content, rejected", PARTLY, ids=[r[0] for r in PARTLY])
def test_bad_rows_are_rejected_one_by_one(store, tmp_path, capsys, name, content, rejected):
    code = main(["ingest", _write(tmp_path, name, content), "--db", str(store)])
    out = capsys.readouterr().out
    row, words = rejected
    assert code == 0
    # The line names the row, and the column where the reason does not already: 'row 3 (pair_id): …'.
    assert re.search(rf"row {row}( \([^)]+\))?: {re.escape(words)}", out), out


@pytest.mark.parametrize("name, content", ODD, ids=[r[0] for r in ODD])
def test_odd_but_valid_files_load(store, tmp_path, capsys, name, content):
    assert main(["ingest", _write(tmp_path, name, content), "--db", str(store)]) == 0
