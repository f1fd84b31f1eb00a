"""The report as slides (analytics/report/pptx.py): it opens with python-pptx, its slides come in the
planned order, its figures are those of `metrics --json`, its charts are images, demo data is marked, and
LibreOffice (when installed) renders every slide."""
from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from dataclasses import replace

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from analytics import cli
from analytics.measures.filters import Filters
from analytics.measures.metrics import metrics_json
from analytics.present import roi_reading
from analytics.report import build_report, images
from analytics.report.build import build_model
from analytics.report.model import display
from analytics.report.pptx import CHART_SECTIONS, DEMO_NOTE, _steady, pptx_bytes
from analytics.store import connection, settings
from tests.test_report import GENERATED, PERIOD, QUARTER, headline_values

TITLES = ["Mentoring program evaluation", "Executive summary", "Findings", "Recommended next steps",
          "Objectives scorecard", "Headline figures",
          "Impact: participants against comparable colleagues", "Return on investment",
          "Return on investment with 95% intervals", "Satisfaction and NPS", "Engagement", "Retention", "Outcomes",
          "Improvement actions", "Appendix: how to read the figures", "Appendix: data sources"]


@pytest.fixture(scope="module")
def database(tmp_path_factory, demo_file):
    """The demo with the costs that give it a return on investment."""
    path = tmp_path_factory.mktemp("pptx") / "demo.duckdb"
    shutil.copy(demo_file, path)
    con = connection.connect(path)
    settings.set(con, "program_cost_annual", 50_000)
    settings.set(con, "average_salary", 60_000)
    con.close()
    return path


@pytest.fixture(scope="module")
def con(database):
    opened = connection.connect(database, read_only=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def content(con) -> bytes:
    return build_report(con, PERIOD, Filters(), "pptx", GENERATED)


@pytest.fixture(scope="module")
def expected(con) -> dict:
    return metrics_json(con, PERIOD, Filters())


@pytest.fixture(scope="module")
def model(con):
    return build_model(con, PERIOD, Filters(), GENERATED)


@pytest.fixture(scope="module")
def deck(content):
    return Presentation(io.BytesIO(content))


def _text(slide) -> str:
    """Every word on a slide: its text boxes and its tables' cells."""
    words = [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]
    words += [cell.text for shape in slide.shapes if shape.has_table for row in shape.table.rows for cell in row.cells]
    return "\n".join(words)


def _slide(deck, title: str):
    return next(slide for slide in deck.slides if slide.shapes.title.text == title)


def test_slides_come_in_the_planned_order(deck):
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert [t for i, t in enumerate(titles) if i == 0 or titles[i - 1] != t] == TITLES


def test_the_summary_gives_the_verdict_and_the_scorecard_each_objective(model, expected, deck):
    assert model.summary.verdict in _text(_slide(deck, "Executive summary"))
    scorecard = _text(_slide(deck, "Objectives scorecard"))
    assert [o["objective"] for o in expected["objectives"] if o["objective"] in scorecard] == \
        [o["objective"] for o in expected["objectives"]]


def test_the_headline_figures_are_those_of_metrics_json(expected, deck):
    text = _text(_slide(deck, "Headline figures"))
    for label, (value, kind) in headline_values(expected).items():
        assert value is not None and label in text and display(value, kind) in text, label


def test_the_return_on_investment_is_that_of_metrics_json(expected, deck):
    roi = expected["roi"]
    assert roi["reason"] is None
    text = _text(_slide(deck, "Return on investment"))
    assert roi_reading.verdict(roi) in text
    table = _text(_slide(deck, "Return on investment with 95% intervals"))
    for end in ("value", "ci_low", "ci_high"):
        assert roi_reading.show(roi["roi_percent"][end], "percent", roi["currency"]) in table
        assert roi_reading.money(roi["benefit"][end], roi["currency"]) in table


def test_every_chart_is_an_image(model, deck):
    charts = [chart for section in model.sections if section.key in CHART_SECTIONS for chart in section.charts]
    pictures = [shape for slide in deck.slides for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
    assert len(pictures) == len(charts) >= 10
    assert all(p.image.content_type == "image/png" for p in pictures)
    # Drawn 900 px wide at 2× and placed unstretched (tests/test_report_images.py checks the drawing itself).
    assert {p.image.size[0] for p in pictures} == {images.CHART_WIDTH * images.CHART_SCALE}
    assert all(p.width / p.height == pytest.approx(p.image.size[0] / p.image.size[1], rel=0.01) for p in pictures)


def test_demo_data_is_marked_on_every_slide(deck):
    assert all(DEMO_NOTE in _text(slide) for slide in deck.slides)


@pytest.mark.parametrize("demo", [True, False])
def test_only_demo_data_is_marked(model, demo):
    """The summary says whether the figures come from the demo (charts left out: this is about the words)."""
    plain = replace(model, sections=[], summary=replace(model.summary, is_demo=demo))
    slides = Presentation(io.BytesIO(pptx_bytes(plain))).slides
    assert [DEMO_NOTE in _text(slide) for slide in slides] == [demo] * len(slides)


def test_the_command_line_writes_the_slides(database, deck, tmp_path, capsys):
    out = tmp_path / "report.pptx"  # the format from the extension
    assert cli.main(["report", "--quarter", QUARTER, "--out", str(out), "--db", str(database)]) == 0
    written = Presentation(str(out))  # dated the day it is built, so compared slide by slide, not byte for byte
    assert [_text(slide) for slide in written.slides][1:] == [_text(slide) for slide in deck.slides][1:]


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice not installed")
def test_libreoffice_renders_every_slide(content, deck, tmp_path):
    source = tmp_path / "report.pptx"
    source.write_bytes(content)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=240)
    info = subprocess.run(["pdfinfo", str(tmp_path / "report.pdf")], capture_output=True, text=True, check=True)
    assert f"Pages:           {len(deck.slides)}" in info.stdout


@pytest.mark.parametrize("written_at", [(2026, 7, 1, 9, 0, 0), (2031, 12, 31, 23, 59, 58)])
def test_the_bytes_do_not_depend_on_when_they_were_written(deck, written_at):
    """A zip entry carries the time it was written: two builds of the same report would differ by it."""
    def zipped(when) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            target.writestr(zipfile.ZipInfo("ppt/slides/slide1.xml", when), b"<slide/>")
        return out.getvalue()
    assert _steady(zipped(written_at)) == _steady(zipped((1999, 1, 1, 0, 0, 0)))
    assert deck.core_properties.created.date() == deck.core_properties.modified.date() == GENERATED
