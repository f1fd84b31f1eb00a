"""The quarterly report in its three formats, rendered from the sample data.

Each format is built once per module (the PDF takes seconds): the full report
for 2026Q2, and a mostly suppressed one (the tiny Legal department).
"""
from __future__ import annotations

import html
import io
import math
import re
import shlex
import shutil
import subprocess
from datetime import date

import openpyxl
import pytest

from analytics import cli
from analytics.cli.report import command_line
from analytics.measures import impact
from analytics.measures.filters import Filters, Period
from analytics.measures.metrics import metrics_json
from analytics.ops import demo
from analytics.present import charts, impact_reading
from analytics.present.headlines import headlines
from analytics.report import FORMATS, build_report
from analytics.report.build import build_model
from analytics.report.model import display
from analytics.store import connection, settings

QUARTER = "2026Q2"
PERIOD = Period.parse(QUARTER)
SMALL = Filters(department="Legal")  # a handful of people: survey and HR figures are suppressed
GENERATED = date(2026, 7, 1)
DOCUMENTS = [fmt for fmt in FORMATS if fmt != "pptx"]  # the slides have tests of their own (test_report_pptx.py)
FORMULA = '=HYPERLINK("http://example.com","x")'
SCRIPT = "<script>alert('x')</script>"

pytestmark = [pytest.mark.skipif(not any(demo.SAMPLE_DIR.glob("*.csv")), reason="sample_surveys/ not generated"),
              pytest.mark.usefixtures("figures_shared_by_the_module")]


def _inject(con) -> None:
    """Comments and a program name that must never run as a formula or as script."""
    survey_id, item_id = con.execute(
        "SELECT survey_id, item_id FROM items WHERE dimension = 'comment' ORDER BY ALL LIMIT 1").fetchone()
    for i, text in enumerate((FORMULA, f"Great mentor {SCRIPT}")):
        response_id = f"report-test-{i}"
        con.execute("INSERT INTO responses (response_id, survey_id, wave, submitted_at, submitted_on, program) "
                    "VALUES (?, ?, 'pulse', TIMESTAMP '2026-06-15 10:00:00', DATE '2026-06-15', 'New-hire mentoring')",
                    [response_id, survey_id])
        con.execute("INSERT INTO answers (response_id, survey_id, item_id, value_text) VALUES (?, ?, ?, ?)",
                    [response_id, survey_id, item_id, text])
    mentor, mentee = con.execute("SELECT mentor_id, mentee_id FROM pairs ORDER BY pair_id LIMIT 1").fetchone()
    con.execute("INSERT INTO pairs (pair_id, mentor_id, mentee_id, matched_on, program) "
                "VALUES ('report-test-pair', ?, ?, DATE '2026-01-10', ?)", [mentor, mentee, SCRIPT])


@pytest.fixture(scope="module")
def database(tmp_path_factory, demo_file):
    path = tmp_path_factory.mktemp("report") / "sample.duckdb"
    shutil.copy(demo_file, path)
    con = connection.connect(path)
    _inject(con)
    con.close()
    return path


@pytest.fixture(scope="module")
def con(database):
    opened = connection.connect(database, read_only=True)
    yield opened
    opened.close()


class Built(dict):
    """Each format's report, built the first time a test asks for it: a worker that runs only the
    HTML and XLSX tests of this module never waits for a PDF (its charts take seconds)."""

    def __init__(self, con, filters: Filters) -> None:
        super().__init__()
        self.con, self.filters = con, filters

    def __missing__(self, fmt: str) -> bytes:
        assert fmt in DOCUMENTS, fmt
        self[fmt] = build_report(self.con, PERIOD, self.filters, fmt, GENERATED)
        return self[fmt]


@pytest.fixture(scope="module")
def reports(con) -> dict[str, bytes]:
    return Built(con, Filters())


@pytest.fixture(scope="module")
def small_reports(con) -> dict[str, bytes]:
    return Built(con, SMALL)


@pytest.fixture(scope="module")
def strict_con(database, tmp_path_factory):
    """The sample with a minimum group size of 200: most groups are hidden."""
    path = tmp_path_factory.mktemp("strict") / "strict.duckdb"
    shutil.copy(database, path)
    opened = connection.connect(path)
    settings.set(opened, "min_group_size", 200)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def expected(con) -> dict:
    return metrics_json(con, PERIOD, Filters())


def headline_values(result: dict) -> dict[str, tuple[float, str]]:
    """The six headline figures of `metrics --json`, with their display kind."""
    overall = next(d for d in result["satisfaction"]["dimensions"] if d["dimension"] == "overall_satisfaction")
    six = next(s for s in result["retention"]["pair_survival"] if s["months"] == 6)
    return {
        "Net Promoter Score": (result["satisfaction"]["nps"]["value"], "nps"),
        "Overall satisfaction: mean score": (overall["mean"], "score"),
        "Active pair rate": (result["engagement"]["active_pair_rate"], "rate"),
        "Pair survival at 6 months": (six["survival"], "rate"),
        "Employee retention, 12 months":
            (result["retention"]["employee_retention_12m"]["participants"], "rate"),
        "Goal attainment rate": (result["outcomes"]["goal_attainment_rate"], "rate"),
    }


def pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_pages(content: bytes, tmp_path) -> list:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", "40", str(path), str(tmp_path / "page")], check=True)
    return sorted(tmp_path.glob("page*.png"))


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def summary_rows(book: openpyxl.Workbook) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in book["Summary"].iter_rows(values_only=True) if row and row[0]}


# ---- PDF ---------------------------------------------------------------------------

needs_poppler = pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils not installed")


@needs_poppler
@pytest.mark.parametrize("which, least", [("full", 12), ("small", 6)])
def test_pdf_renders_to_pages(reports, small_reports, tmp_path, which, least):
    content = reports["pdf"] if which == "full" else small_reports["pdf"]
    assert content.startswith(b"%PDF")
    pages = pdf_pages(content, tmp_path)
    assert len(pages) >= least
    assert all(page.stat().st_size > 1000 for page in pages)


@needs_poppler
def test_pdf_carries_the_headline_values_of_metrics_json(reports, expected, tmp_path):
    figures = pdf_text(reports["pdf"], tmp_path).split("Headline figures", 1)[1].split("All findings", 1)[0]
    lines = figures.splitlines()
    for label, (value, kind) in headline_values(expected).items():
        assert value is not None, label
        start = next(i for i, line in enumerate(lines) if line.startswith(label[:20]))
        # The large figure sits a line below its label in the text layout.
        assert display(value, kind) in "\n".join(lines[start:start + 3]), label


@needs_poppler
def test_pdf_has_page_numbers_and_running_header(reports, tmp_path):
    text = pdf_text(reports["pdf"], tmp_path)
    pages = text.count("\f")
    assert f"Page 2 of {pages}" in text or re.search(r"Page 2 of \d+", text)
    assert "Q2 2026" in text.split("\f")[1]


@needs_poppler
def test_pdf_of_a_small_group_shows_n_below_the_threshold(small_reports, tmp_path):
    summary = pdf_text(small_reports["pdf"], tmp_path).split("Headline figures", 1)[1].split("All findings", 1)[0]
    lines = summary.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Net Promoter Score"))
    # pdftotext drops the narrow spaces around "<".
    assert "n<5" in re.sub(r" ", "", "".join(lines[start:start + 3]))


# ---- XLSX ----------------------------------------------------------------------------

def test_xlsx_summary_carries_the_headline_values_of_metrics_json(reports, expected):
    rows = summary_rows(workbook(reports["xlsx"]))
    for label, (value, _) in headline_values(expected).items():
        # The report keeps 12 significant digits (see report.data._steady).
        assert math.isclose(rows[label][0], value, rel_tol=1e-10), label


def test_xlsx_has_one_sheet_per_table(reports):
    names = workbook(reports["xlsx"]).sheetnames
    assert names[0] == "Summary"
    for sheet in ("Metric by segment", "Trends", "At-risk counts", "Pre-post", "Goals", "Data sources"):
        assert sheet in names
    segment = workbook(reports["xlsx"])["Metric by segment"]
    assert segment.freeze_panes == "B4"


def test_xlsx_writes_formula_like_text_as_text(reports):
    book = workbook(reports["xlsx"])
    cells = [cell for row in book["Comments"].iter_rows() for cell in row if cell.value == FORMULA]
    assert cells and all(cell.data_type == "s" for cell in cells)
    assert not any(cell.data_type == "f" for sheet in book for row in sheet.iter_rows() for cell in row)


def test_xlsx_of_a_small_group_hides_suppressed_figures(small_reports):
    book = workbook(small_reports["xlsx"])
    rows = summary_rows(book)
    assert rows["Net Promoter Score"][0] == "n < 5"
    assert rows["Overall satisfaction: mean score"][0] == "n < 5"
    nps = list(book["NPS"].iter_rows(min_row=4, values_only=True))[0]
    assert nps[0] < 5 and set(nps[1:]) == {"n < 5"}


# ---- HTML -----------------------------------------------------------------------------

def test_html_is_self_contained(reports):
    html = reports["html"].decode("utf-8")
    assert "Plotly" in html and html.count('class="plotly-graph-div"') >= 8
    assert not re.search(r"<script[^>]+src=", html) and not re.search(r"<link[^>]+href=", html)


def test_html_escapes_comments_and_program_names(reports):
    html = reports["html"].decode("utf-8")
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_html_of_a_small_group_shows_n_below_the_threshold(small_reports):
    assert "n &lt; 5" in small_reports["html"].decode("utf-8")


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_same_request_gives_the_same_bytes(con, reports, fmt):
    assert build_report(con, PERIOD, Filters(), fmt, GENERATED) == reports[fmt]


# ---- command line -------------------------------------------------------------------------

def test_cli_writes_the_report(database, con, tmp_path, capsys):
    out = tmp_path / "report.html"
    assert cli.main(["report", "--quarter", QUARTER, "--format", "html", "--out", str(out),
                     "--db", str(database)]) == 0
    assert out.read_bytes() == build_report(con, PERIOD, Filters(), "html")


@pytest.mark.parametrize("args, out, message", [
    # the data covers 2025Q2–2026Q3: a quarter before or after it would report open pairs that never met
    (["--quarter", "2019Q1"], "report.html", "2019Q1 (2019-01-01 to 2019-03-31) has no held meetings or survey "
                                             "responses: the data covers 2025Q2 to 2026Q3."),
    (["--quarter", "2026Q4"], "report.html", "2026Q4 (2026-10-01 to 2026-12-31) has no held meetings"),
    (["--quarter", "2030Q1"], "report.html", "2030Q1 (2030-01-01 to 2030-03-31) has no held meetings"),
    (["--quarter", QUARTER, "--program", "Nope"], "report.html", "Unknown program 'Nope'"),
    (["--quarter", QUARTER], "missing-folder/report.html", "does not exist"),
    (["--quarter", "2026Q5"], "report.html", "Unknown period"),
    # A file whose extension names another format would open nowhere.
    (["--quarter", QUARTER, "--format", "pdf"], "report.xlsx",
     "--format pdf does not match --out report.xlsx: write to report.pdf, or pass --format xlsx."),
    (["--quarter", QUARTER, "--format", "xlsx"], "report", "--format xlsx does not match --out report: write to "
                                                           "report.xlsx."),
    (["--quarter", QUARTER], "report.txt", "cannot tell the format of report.txt: end --out with .pdf, .html, .xlsx"),
])
def test_cli_refuses_with_exit_1(database, tmp_path, capsys, args, out, message):
    target = tmp_path / out
    assert cli.main(["report", "--db", str(database), "--out", str(target), *args]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not target.exists()


def test_cli_report_takes_the_role_filter(database, con, tmp_path):
    out = tmp_path / "mentors.html"
    assert cli.main(["report", "--quarter", QUARTER, "--role", "mentor", "--out", str(out),
                     "--db", str(database)]) == 0
    assert out.read_bytes() == build_report(con, PERIOD, Filters(role="mentor"), "html")


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(program="Leadership program"),
    Filters("Leadership program", "2025 Autumn", "Legal", "mentor"),
    # a value a shell would split, expand or run, and one a Markdown code span would end at
    Filters(program="O'Brien's \"$(touch x)\" team", cohort="`whoami`", department="R&D; ls", role="-x"),
])
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_the_reports_page_command_asks_for_its_filters(filters, fmt):
    line = command_line(PERIOD, filters, fmt)
    words = shlex.split(line)
    assert words[:3] == ["python", "-m", "analytics"]
    args = cli.build_parser().parse_args(words[3:])
    assert Filters(args.program, args.cohort, args.department, args.role) == filters
    assert (args.command, args.quarter, args.format, args.out) == ("report", QUARTER, fmt, f"report.{fmt}")


@pytest.mark.parametrize("out, args, fmt", [
    ("report.xlsx", [], "xlsx"), ("REPORT.HTML", [], "html"), ("report.xlsx", ["--format", "xlsx"], "xlsx"),
])
def test_cli_takes_the_format_from_the_extension(database, con, tmp_path, out, args, fmt):
    target = tmp_path / out
    assert cli.main(["report", "--quarter", QUARTER, "--db", str(database), "--out", str(target), *args]) == 0
    assert target.read_bytes() == build_report(con, PERIOD, Filters(), fmt)


@pytest.mark.parametrize("include, has_sheet", [(True, True), (False, False)])
def test_comments_can_be_left_out_for_readers_who_may_not_see_them(con, include, has_sheet):
    book = workbook(build_report(con, PERIOD, Filters(), "xlsx", GENERATED, include_comments=include))
    assert ("Comments" in book.sheetnames) is has_sheet
    assert "Feedback themes" in book.sheetnames  # the aggregated themes stay


def _comment_rows(reports: dict[str, bytes], fmt: str) -> tuple[list[str], list[list]]:
    """The header and rows of the comment list as the XLSX or the HTML shows it."""
    if fmt == "xlsx":
        sheet = [list(row) for row in workbook(reports["xlsx"])["Comments"].iter_rows(min_row=3, values_only=True)]
        return sheet[0], [row for row in sheet[1:] if row[1] is not None]
    table = reports["html"].decode("utf-8").split('<table class="data comments">')[1].split("</table>")[0]
    return re.findall(r"<th(?: [^>]*)?>(.*?)</th>", table), [re.findall(r"<td[^>]*>(.*?)</td>", row)
                                                        for row in re.findall(r"<tr>(.*?)</tr>", table)[1:]]


# A program, cohort, role, wave or day beside each comment would narrow the list to groups of a few people:
# the list gives the month only.
@pytest.mark.parametrize("fmt", ["xlsx", "html"])
def test_the_comment_list_names_no_group_and_gives_the_month(reports, fmt):
    header, rows = _comment_rows(reports, fmt)
    assert header == ["Month", "Comment", "Themes"]
    assert rows and all(re.fullmatch(r"\d{4}-\d{2}", row[0]) for row in rows)


def test_pdf_and_html_list_a_sample_of_many_comments_the_xlsx_all(con, reports):
    from analytics.measures import feedback
    total = len(feedback.comments(con, PERIOD, Filters()))
    assert total > 40, "the sample quarter has more comments than the PDF and HTML list"
    listed = 40  # READING_COMMENTS
    sheet = list(workbook(reports["xlsx"])["Comments"].iter_rows(values_only=True))
    header = sheet.index(("Month", "Comment", "Themes"))
    assert sum(row[1] is not None for row in sheet[header + 1:]) == total  # every comment in the XLSX
    table = reports["html"].decode("utf-8").split('<table class="data comments">')[1].split("</table>")[0]
    assert table.count("<tr>") == listed + 1  # header row + listed comments
    assert f"The first 40 of {total:,} comments, newest month first" in reports["html"].decode("utf-8")


# ---- minimum group size ----------------------------------------------------------------------

@pytest.mark.parametrize("filters", [Filters(), SMALL])
def test_every_hidden_chart_of_the_report_reads_the_minimum_group_size_in_use(strict_con, filters):
    report = build_model(strict_con, PERIOD, filters, GENERATED)
    subtitles = [chart.figure.layout.title.subtitle.text for chart in report.charts()]
    assert any("n < 200" in text for text in subtitles)
    assert not any("n < 5" in text for text in subtitles)


def test_xlsx_hides_figures_below_the_minimum_group_size_in_use(strict_con):
    rows = summary_rows(workbook(build_report(strict_con, PERIOD, SMALL, "xlsx", GENERATED)))
    assert rows["Net Promoter Score"][0] == "n < 200"
    assert "n < 200" in rows["Anonymity"][0]


def test_a_program_hidden_alone_cannot_be_derived_from_the_total(con):
    """Operations in 2026Q3: New-hire mentoring has 4 respondents, Leadership 15 (all in September). Shown
    beside the total, Leadership's NPS would give New-hire's away; and the total itself holds only New-hire's
    3 in July, a month that the quarters of another fiscal year would set apart. So all are hidden, and
    the groups large enough say that they are hidden with a smaller one, not that they are small."""
    report = build_model(con, Period.parse("2026Q3"), Filters(department="Operations"), GENERATED)
    table = next(t for t in report.tables() if t.key == "segments")
    keys = [column.key for column in table.columns]
    rows = {row[0]: dict(zip(keys, row)) for row in table.rows}
    assert set(rows) == {"Leadership program", "New-hire mentoring"}
    # New-hire is under 5 people; Leadership is not, and must not be labelled as if it were
    for name, label in (("New-hire mentoring", "n < 5"), ("Leadership program", "hidden with a smaller group")):
        assert (rows[name]["nps"], rows[name]["overall_mean"]) == (label, label)
        assert rows[name]["nps_n"] > 0 and rows[name]["overall_n"] > 0  # counts stay
    assert "'Hidden with a smaller group': a group large enough to show, hidden because" in table.note
    headline = next(h for h in report.headlines if h.key == "nps")
    assert headline.value == "hidden with a smaller group"


@pytest.fixture(scope="module")
def model(con):
    return build_model(con, PERIOD, Filters(), GENERATED)


# A row's significance belongs to the change beside it (on the previous quarter); retention's test of
# participants against non-participants is another comparison, so it goes in the note, which names it.
@pytest.mark.parametrize("key, significance, note", [
    ("employee_retention_12m", "not tested", "vs non-participants (78.3%): difference +"),
    ("nps", "not significant (p = ", ""),
    ("goal_attainment_rate", "not significant (p = ", ""),
])
def test_summary_significance_belongs_to_the_change_it_shows(model, key, significance, note):
    headline = next(h for h in model.headlines if h.key == key)
    assert headline.significance.startswith(significance)
    assert note in headline.note
    assert "non-participants" not in headline.significance + headline.reason


def test_xlsx_summary_p_is_the_test_of_the_change_it_shows(reports):
    rows = summary_rows(workbook(reports["xlsx"]))
    retention = rows["Employee retention, 12 months"]
    assert (retention[3], retention[4]) == (None, "not tested")
    assert "significant (p = 0.003)" in retention[7]
    assert rows["Net Promoter Score"][3] is not None


@pytest.mark.parametrize("key, note", [("overall_satisfaction", "on a 1–5 scale")])
def test_summary_notes_read_plainly(model, key, note):
    assert next(h for h in model.headlines if h.key == key).note == note


def test_early_exit_reasons_read_as_words(model):
    table = next(t for t in model.tables() if t.key == "early_exits")
    reasons = [row[0] for row in table.rows]
    assert "Left organization" in reasons
    assert not any("_" in reason for reason in reasons)


def test_a_recovered_browser_pipe_hiccup_prints_no_traceback(caplog):
    """kaleido's driver logs a traceback when the browser pipe splits a message, then carries on."""
    from choreographer.channels import pipe

    import analytics.report.pdf  # noqa: F401  (importing it quiets the driver's pipe)
    try:
        raise ValueError("a message cut in two")
    except ValueError:
        pipe._logger.exception("JSONError decoding message. Ignoring")
    assert caplog.records == []


# Shares of one group of comments: n is that group, not the sum over the themes.
@pytest.mark.parametrize("chart_key", ["themes"])
def test_a_chart_of_shares_of_one_group_gives_that_group_as_n(con, model, chart_key):
    from analytics.measures import feedback
    comments = int(feedback.comment_count(con, PERIOD, Filters())["n"].iloc[0])
    subtitle = next(c for c in model.charts() if c.key == chart_key).figure.layout.title.subtitle.text
    assert re.match(r"n = ([\d,]+)", subtitle).group(1) == f"{comments:,}"


# A quarter is hidden for its own small group only: a small current quarter hides the change, never a
# previous quarter of enough people (New-hire mentoring's 2026 Spring mentors in Customer Success: 2
# respondents in Q3, 5 in Q2).
@pytest.mark.parametrize("quarter, filters", [
    ("2026Q3", Filters("New-hire mentoring", "2026 Spring", "Customer Success", "mentor")),
])
def test_a_small_quarter_keeps_the_previous_quarter_of_enough_people(con, quarter, filters):
    period = Period.parse(quarter)
    before = metrics_json(con, period.previous(), filters)["satisfaction"]["nps"]
    assert before["value"] is not None, "the previous quarter has enough respondents to show"
    report = build_model(con, period, filters, GENERATED)
    nps = next(h for h in report.headlines if h.key == "nps")
    assert (nps.value, nps.change) == ("n < 5", "n < 5")
    assert nps.previous == pytest.approx(before["value"])
    dimensions = next(t for t in report.tables() if t.key == "dimensions")
    previous = [c.key for c in dimensions.columns].index("previous")
    assert all(isinstance(row[previous], float) for row in dimensions.rows)


def test_a_headline_over_a_small_n_says_so(con):
    """The Legal department's active pair rate is 100% of 2 pairs: a figure to read with care, not like the rest."""
    report = build_model(con, PERIOD, SMALL, GENERATED)
    rows = headlines(con, PERIOD, SMALL).set_index("key")
    marked = {h.key for h in report.headlines if "† small n" in h.note}
    expected = {key for key, row in rows.iterrows() if 0 < row["n"] < 10 and not row["suppressed"]
                and not math.isnan(row["value"])}
    assert "active_pair_rate" in expected and marked == expected


# ---- wording and number formats ------------------------------------------------------------

@pytest.mark.parametrize("value, kind, shown", [
    (1.3832, "number_change", "+1.4"), (-0.5, "number_change", "-0.5"), (0.136, "rate_change", "+13.6 pts"),
    (1.8e-10, "p", "< 0.001"),
])
def test_display_signs_changes_and_reads_points(value, kind, shown):
    assert display(value, kind) == shown


def _column(book: openpyxl.Workbook, sheet: str, header: str) -> list:
    """The cells of one column of a table sheet, below its header row (row 3)."""
    rows = list(book[sheet].iter_rows(min_row=3))
    col = [cell.value for cell in rows[0]].index(header)
    return [row[col] for row in rows[1:] if row[col].value is not None]


# A rate's change is in percentage points (not "+13.6%"); a tiny p keeps its exact value but reads "< 0.001"
# (not "0.0000"); a change carries its sign.
@pytest.mark.parametrize("quarter, sheet, header, value, number_format", [
    (QUARTER, "Employee outcomes", "Difference", lambda v: 1 < abs(v) < 100, '+0.0" pts";-0.0" pts";0.0" pts"'),
    (QUARTER, "Employee outcomes", "p", lambda v: 0 <= v < 0.01, '[<0.001]"< 0.001";0.000'),
    (QUARTER, "Pre-post", "p (paired t)", lambda v: 0 <= v < 0.001, '[<0.001]"< 0.001";0.000'),
    # the first measured action, on sessions per active pair per month: one decimal, as on the pages
    ("2026Q3", "Improvements", "Change", lambda v: v > 0, "+#,##0.0;-#,##0.0;0.0"),
])
def test_xlsx_numbers_read_as_the_pdf_reads_them(con, quarter, sheet, header, value, number_format):
    cells = _column(workbook(build_report(con, Period.parse(quarter), Filters(), "xlsx", GENERATED)), sheet, header)
    assert cells and all(cell.number_format == number_format for cell in cells)
    assert any(value(cell.value) for cell in cells)


def test_units_read_as_words(model):
    units = [row[2] for row in model.methodology.rows]
    assert "per month" in units and not any("_" in unit for unit in units)


@pytest.mark.parametrize("fmt, says", [("html", True), ("xlsx", False)])
def test_only_a_shortened_comment_list_says_it_is_shortened(reports, fmt, says):
    text = reports["html"].decode("utf-8") if fmt == "html" else "\n".join(
        str(value) for row in workbook(reports["xlsx"])["Comments"].iter_rows(values_only=True) for value in row)
    assert ("The first 40 of" in text) is says


# A wide table (metric by segment, trends) scrolls inside its own box instead of making the page scroll sideways.
@pytest.mark.parametrize("table", ["segments", "trends", "dimensions"])
def test_html_wide_tables_scroll_in_their_own_box(reports, table):
    html = reports["html"].decode("utf-8")
    assert re.search(r'<div class="table-scroll">\s*<table class="data ' + table + '">', html)
    assert re.search(r"\.table-scroll\s*\{[^}]*overflow-x:\s*auto", html)


# The cover names the programs that have data under the filters, and the scope says what is covered.
@pytest.mark.parametrize("filters, programs, scope", [
    (Filters(department="Legal"), ["New-hire mentoring"], "Legal department · all programs · all cohorts"),
    (Filters(program="Leadership program", cohort="2025 Autumn"), ["Leadership program"],
     "Leadership program · cohort 2025 Autumn · all departments"),
    (Filters(), None, "All programs · all cohorts · all departments"),
])
def test_the_cover_names_what_the_report_covers(con, filters, programs, scope):
    report = build_model(con, Period.parse("2026Q3"), filters, date(2026, 10, 1))
    assert report.scope == scope
    if programs is not None:
        assert report.programs == programs and report.header.startswith(", ".join(programs) + " · ")


# Each figure's n is the group it is computed over, not the open pairs for every engagement figure.
@pytest.mark.parametrize("metric, n", [
    ("Active pair rate", r"[\d,]+ open pairs"),
    ("Sessions per active pair per month", r"[\d,]+ active pairs"),
    ("Median hours per active pair", r"[\d,]+ active pairs"),
    ("Median days to first meeting", r"[\d,]+ pairs matched in the period that have met"),
    ("Pairs never met", r"[\d,]+ pairs matched in the period"),
    ("Cancellation rate", r"[\d,]+ sessions dated in the period"),
    ("Relationship quality: baseline to exit", r"[\d,]+ matched respondents"),
    ("Overall satisfaction: baseline to exit", r"[\d,]+ matched respondents"),
])
def test_each_definition_gives_the_n_it_is_computed_over(model, metric, n):
    sizes = {row[0]: row[3] for row in model.methodology.rows}
    assert re.fullmatch(n, sizes[metric])


@pytest.mark.parametrize("generated_on, says", [
    (date(2026, 10, 1), None),  # Q3 2026 is over
    (date(2026, 9, 30), "Q3 2026 is not over (it ends 30 Sep 2026): its figures count what is loaded so far"),
])
def test_a_report_of_a_quarter_not_over_says_so(con, generated_on, says):
    scope = build_model(con, Period.parse("2026Q3"), Filters(), generated_on).scope
    assert scope.startswith("All programs · all cohorts · all departments")
    assert ("is not over" in scope) is (says is not None) and (says is None or says in scope)


# ---- Impact ----------------------------------------------------------------------------

def test_html_has_the_impact_section_with_its_verdicts_and_method(con):
    page = build_report(con, PERIOD, Filters(), "html", GENERATED).decode()
    block = impact.block(con, PERIOD, Filters())
    section = page[page.index('<section class="section" id="impact">'):]
    section = section[:section.index("</section>")]
    for outcome, (name, _, _) in impact_reading.OUTCOMES.items():  # a paragraph each
        verdict = html.escape(impact_reading.verdict(outcome, block[outcome], 0.05, 5))
        assert f'<p class="intro">{name}. {verdict}</p>' in section
    assert section.count('<figure class="chart">') == 3
    assert html.escape(impact_reading.left_out(block)) in section
    appendix = page[page.index('id="methodology"'):]
    for term in ("Impact: who is compared", "Impact: like with like", "Impact: reading the result",
                 "Impact: unmeasured factors"):
        assert f"<dt>{term}</dt>" in appendix


def test_xlsx_has_the_impact_sheets_with_the_adjusted_figures(con):
    book = workbook(build_report(con, PERIOD, Filters(), "xlsx", GENERATED))
    assert {"Impact", "Impact balance", "Impact dose-response"} <= set(book.sheetnames)
    rows = [row for row in book["Impact"].iter_rows(values_only=True) if row and row[0]]
    header = rows.index(next(r for r in rows if r[0] == "Outcome"))
    table = {(r[0], r[1]): r for r in rows[header + 1:header + 5]}
    adjusted = impact.block(con, PERIOD, Filters())["retention_12m"]
    # rates are written as percentages (display scale), as the other sheets write them
    retention = table[("Retention", "adjusted: comparable colleagues")]
    assert retention[4] == pytest.approx(adjusted["difference"] * 100, abs=1e-9)
    assert retention[7:] == (charts.label(adjusted["reading"]), adjusted["n_participants"], adjusted["n_comparison"])


@pytest.mark.parametrize("quarter, change, says", [
    ("2026Q2", "DELETE FROM employees", "No employee file is loaded"),
    ("2025Q3", None, "the first comparison is possible with data up to 2 April 2026"),  # before a year of pairs
])
def test_impact_section_says_why_it_has_no_comparison(database, tmp_path, quarter, change, says):
    path = tmp_path / "copy.duckdb"
    shutil.copy(database, path)
    opened = connection.connect(path)
    if change:
        opened.execute(change)
    section = next(s for s in build_model(opened, Period.parse(quarter), Filters(), GENERATED).sections
                   if s.key == "impact")
    opened.close()
    assert says in section.intro
    assert not section.charts and not section.tables


def test_the_summary_reads_the_raw_retention_gap_with_its_adjusted_reading(con):
    report = build_model(con, PERIOD, Filters(), GENERATED)
    retention = next(h for h in report.headlines if h.key == "employee_retention_12m")
    adjusted = impact_reading.brief(impact.block(con, PERIOD, Filters())["retention_12m"], 5)
    assert "significant" in retention.note and retention.note.endswith(f"; {adjusted}")
