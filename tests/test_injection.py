"""Labels people type into their exports (programs, cohorts, departments, goal categories, file names) and into
the dashboard (improvement titles) are shown as the characters typed wherever they appear: never as a Markdown
link or maths in a caption, an HTML link in a chart or the HTML report, or a formula in a table's CSV (the
dashboard's own download and the table toolbar's, which writes the cells as shown)."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date

import lxml.html
import pytest

from analytics.measures import improvements
from analytics.measures.filters import Filters, Period
from analytics.report import build_report
from analytics.report.build import build_model
from analytics.store import connection
from tests.builders import every_row_shown, shown_tables, static_tables
from tests.shared_copy import read_only_copy
from tests.test_pages import PAGES, app, drawn, entry  # noqa: F401 - app and entry are fixtures

LINK = "[Click here](https://evil.example/login)"
ANCHOR = '<a href="https://evil.example">x</a>'
MATHS = "$x^2$"
FORMULAS = ('=HYPERLINK("x")', "@SUM(1)", "+1")
# Where each label goes in the small database (tests/test_pages.small_exports).
RENAMES = [
    ("UPDATE pairs SET program = ? WHERE program = 'Leadership'", LINK),
    ("UPDATE participants SET program = ? WHERE program = 'Leadership'", LINK),
    ("UPDATE pairs SET program = ? WHERE program = 'New hire'", FORMULAS[0]),
    ("UPDATE participants SET program = ? WHERE program = 'New hire'", FORMULAS[0]),
    ("UPDATE pairs SET cohort = ? WHERE cohort = 'C1'", ANCHOR),
    ("UPDATE participants SET cohort = ? WHERE cohort = 'C1'", ANCHOR),
    ("UPDATE pairs SET cohort = ? WHERE cohort = 'C2'", MATHS),
    ("UPDATE participants SET cohort = ? WHERE cohort = 'C2'", MATHS),
    ("UPDATE pairs SET cohort = ? WHERE cohort = 'C3'", FORMULAS[2]),
    ("UPDATE participants SET cohort = ? WHERE cohort = 'C3'", FORMULAS[2]),
    ("UPDATE participants SET department = ? WHERE department = 'Engineering'", FORMULAS[1]),
    ("UPDATE employees SET department = ? WHERE department = 'Engineering'", FORMULAS[1]),
    ("UPDATE participants SET department = ? WHERE department = 'Sales'", LINK),
    ("UPDATE employees SET department = ? WHERE department = 'Sales'", LINK),
    ("UPDATE participants SET department = ? WHERE department = 'Finance'", ANCHOR),
    ("UPDATE employees SET department = ? WHERE department = 'Finance'", ANCHOR),
    ("UPDATE goals SET category = ? WHERE category = 'Skills'", ANCHOR),
    ("UPDATE goals SET category = ? WHERE category = 'Career'", MATHS),
    ("UPDATE uploads SET file_name = ? WHERE upload_id = (SELECT min(upload_id) FROM uploads)", FORMULAS[0]),
    ("UPDATE improvements SET title = ?", f"{LINK} {ANCHOR} {MATHS}"),
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile_file(tmp_path_factory, small_file):
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    shutil.copy(small_file, path)
    con = connection.connect(path)
    for sql, value in RENAMES:
        con.execute(sql, [value])
    improvements.add_action(con, title=FORMULAS[0], metric="nps", started_on=date(2026, 1, 15))
    con.close()
    return path


@pytest.fixture
def hostile_db(hostile_file, monkeypatch):
    yield from read_only_copy(hostile_file, monkeypatch)




def runs_as_formula(cell: object) -> bool:
    """A spreadsheet would run it: text starting = + - @ tab or CR that is not a figure (digits and signs,
    with ' pts', '%' or ' to ' between two of them: nothing there calls anything)."""
    if not isinstance(cell, str) or not cell.startswith(FORMULA_START):
        return False
    rest = cell.replace(" pts", "").replace("%", "").replace(" to ", "")
    return not (rest and all(ch in "0123456789+-−.," for ch in rest) and any(ch.isdigit() for ch in rest))


def strings(node: object, under: tuple[str, ...] | None = None):
    """Every string in a chart's JSON (its traces, axis labels, annotations, hovers); with `under`, only the
    string values of those keys."""
    if isinstance(node, str):
        if under is None:
            yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            if under is not None and key in under and isinstance(value, str):
                yield value
            else:
                yield from strings(value, under)
    elif isinstance(node, list):
        for value in node:
            yield from strings(value, under)


def live_in_plotly(text: str) -> bool:
    """Plotly draws an <a href> in a text as a link, and text between $…$ as LaTeX."""
    return "<a " in text or MATHS in text


def expressions(spec: dict):
    """Every Vega expression in a spec (a label expression, a computed value, a test): the one place where
    Vega would run text; it draws all else as it is."""
    return strings(spec, ("expr", "labelExpr", "test"))


MARKDOWN = ("title", "subheader", "caption", "markdown", "info", "warning", "success", "error")


# Each page with the sidebar on the hostile program and cohort, so that captions name them, and a split that
# shows the hostile labels in charts and tables.
@pytest.mark.parametrize("page, split", [(page, None) for page in PAGES]
                         + [("3_satisfaction", ("sat_by", "department")),
                            ("5_retention", ("ret_by", "cohort"))])
def test_every_page_shows_labels_as_typed(hostile_db, app, downloads, page, split):
    at = app(page)
    at.selectbox(key="filter_program").set_value(LINK).run()
    if split:
        at.selectbox(key=split[0]).set_value(split[1]).run()
    at = every_row_shown(at)
    assert not at.exception, [e.value for e in at.exception]
    shown = [str(e.value) for kind in MARKDOWN for e in getattr(at, kind)]
    shown += [str(e.value) for e in at.sidebar.caption]
    for text in shown:
        assert LINK not in text and ANCHOR not in text and MATHS not in text, text
        # Markdown links a bare address too ('https://…', 'www.…'), escaped or not
        assert "://evil.example" not in text.replace("\\", ""), text
    specs = drawn(at)
    assert not [code for spec in specs for code in expressions(spec) if "evil" in code or "x^2" in code]
    if split:
        assert any(ANCHOR in text for spec in specs for text in strings(spec)), "the split's labels are drawn as typed"
    # A static table is HTML: its cells and headings must hold text only, whatever the labels hold.
    for block in static_tables(at):
        tags = {element.tag for element in lxml.html.fragment_fromstring(block.proto.body, create_parent="div").iter()}
        assert tags <= {"div", "style", "table", "thead", "tbody", "tr", "th", "td"}, tags
    for frame in shown_tables(at):
        cells = [cell for column in frame.columns for cell in frame[column]]
        assert not [cell for cell in cells if runs_as_formula(cell)], frame.columns.tolist()
    for name, data in downloads.items():
        if name.endswith(".csv"):
            rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert not [cell for row in rows for cell in row if runs_as_formula(cell)], name


@pytest.fixture(scope="module")
def hostile_con(hostile_file):
    con = connection.connect(hostile_file, read_only=True)
    yield con
    con.close()


def test_report_charts_show_labels_as_typed(hostile_con):
    model = build_model(hostile_con, Period.parse("2026Q2"), Filters(), date(2026, 7, 1))
    live = [text for chart in model.charts() for text in strings(chart.figure.to_plotly_json())
            if live_in_plotly(text)]
    assert not live, live


def test_html_report_shows_labels_as_typed(hostile_con):
    import plotly.offline
    page = build_report(hostile_con, Period.parse("2026Q2"), Filters(), "html", date(2026, 7, 1)).decode("utf-8")
    ours = page.replace(plotly.offline.get_plotlyjs(), "")  # plotly.js's own source may hold anything
    assert "evil.example" in ours, "the labels are in the report"
    for live in ('<a href="https://evil.example"', '<a href=\\"https://evil.example', "\\u003ca href"):
        assert live not in ours
