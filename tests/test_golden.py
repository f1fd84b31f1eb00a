"""What users see stays the same bytes: the demo's `metrics --json` for every quarter, the
`metrics` table, and the text of each report format, compared with files written by the code
before a change that should not alter them (a refactor). A deliberate change of output rewrites
them: `GOLDEN_UPDATE=1 pytest tests/test_golden.py`, and the diff is reviewed with the change."""
from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from datetime import date, datetime, time
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from analytics.measures.filters import Filters, Period, available_quarters
from analytics.report import build_report
from analytics.store import connection
from tests.builders import run_cli

pytestmark = pytest.mark.usefixtures("figures_shared_by_the_module")

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("GOLDEN_UPDATE") == "1"
GENERATED = date(2026, 7, 1)
REPORT_QUARTER = "2026Q2"
FILTERED = [("--program", "New-hire mentoring"), ("--department", "Engineering")]


@pytest.fixture(scope="module")
def database(demo_file, tmp_path_factory) -> Path:
    """The demo as if loaded on GENERATED: the report lists each upload's load date, which is otherwise the day
    the suite runs, and the recorded output would differ from the day after it was written."""
    path = tmp_path_factory.mktemp("golden") / demo_file.name
    shutil.copy(demo_file, path)
    con = connection.connect(path)
    try:
        con.execute("UPDATE uploads SET loaded_at = ?", [datetime.combine(GENERATED, time(9))])
    finally:
        con.close()
    return path


def _compare(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"{name} differs from the recorded output"


class _Text(HTMLParser):
    """The visible text of an HTML page, a line per text node (scripts and styles left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.lines.append(" ".join(data.split()))


def _quarters(database: Path) -> list[str]:
    con = connection.connect(database, read_only=True)
    try:
        return [period.label for period in available_quarters(con)]
    finally:
        con.close()


def test_metrics_json_of_every_quarter_is_unchanged(database, capsys):
    outputs = {}
    for quarter in _quarters(database):
        code, out, err = run_cli(capsys, "metrics", "--db", str(database), "--quarter", quarter, "--json")
        assert code == 0, err
        outputs[quarter] = json.loads(out)
    for flag, value in FILTERED:
        code, out, err = run_cli(capsys, "metrics", "--db", str(database), "--quarter", REPORT_QUARTER,
                                 flag, value, "--json")
        assert code == 0, err
        outputs[f"{REPORT_QUARTER} {flag} {value}"] = json.loads(out)
    _compare("metrics.json", json.dumps(outputs, indent=1, sort_keys=True) + "\n")


def test_metrics_table_is_unchanged(database, capsys):
    code, out, err = run_cli(capsys, "metrics", "--db", str(database), "--quarter", REPORT_QUARTER)
    assert code == 0, err
    _compare("metrics.txt", out)


@pytest.fixture(scope="module")
def reports(database) -> dict[str, bytes]:
    con = connection.connect(database, read_only=True)
    try:
        return {fmt: build_report(con, Period.parse(REPORT_QUARTER), Filters(), fmt, GENERATED)
                for fmt in ("html", "xlsx", "pdf")}
    finally:
        con.close()


def test_html_report_text_is_unchanged(reports):
    parser = _Text()
    parser.feed(reports["html"].decode("utf-8"))
    _compare("report.html.txt", "\n".join(parser.lines) + "\n")


def test_xlsx_report_cells_are_unchanged(reports):
    book = openpyxl.load_workbook(io.BytesIO(reports["xlsx"]))
    sheets = {sheet.title: [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
              for sheet in book.worksheets}
    _compare("report.xlsx.json", json.dumps(sheets, indent=0, default=str) + "\n")


def test_pdf_report_text_is_unchanged(reports, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(reports["pdf"])
    text = subprocess.run(["pdftotext", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    _compare("report.pdf.txt", text)
