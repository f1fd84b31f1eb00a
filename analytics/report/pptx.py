"""The report as slides (python-pptx), built from the same Report model as the PDF: a title, the executive
summary, the scorecard, impact and its return on investment, satisfaction, engagement, retention, outcomes,
improvements and an appendix. One idea a slide, text large enough to read at the back of a room, charts as
PNG images of the same figures as the PDF (analytics/report/images.py).

The file's bytes depend only on the report: the zip entries carry a fixed time and the document properties
the report's date, so the same request gives the same file (as the other formats do)."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime, time

import plotly.graph_objects as go
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu, Inches, Pt

from analytics.report.images import CHART_WIDTH, chart_images, height
from analytics.report.model import Chart, Report, Section, Table, display

WIDTH, HEIGHT, MARGIN = Inches(13.333), Inches(7.5), Inches(0.5)
TITLE_SIZE, BODY_SIZE, TABLE_SIZE, NOTE_SIZE = Pt(36), Pt(24), Pt(18), Pt(14)
BODY_TOP = Inches(1.4)
TITLE_ONLY = 5  # the default template's "Title Only" layout: a real title, so outlines and readers find it
MUTED, ALERT = RGBColor(0x55, 0x55, 0x55), RGBColor(0xB0, 0x00, 0x20)
DEMO_NOTE = "Demo data: sample programs, not your organisation's figures"
CHART_SECTIONS = ("impact", "satisfaction", "engagement", "retention", "outcomes")
MAX_FINDINGS = 5
MAX_ROWS = 7  # table rows a slide holds at TABLE_SIZE
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
# A chart's text a size up from the page's, as a slide shows the image smaller than a screen does.
CHART_FONT, CHART_TITLE_FONT = 15, 18


class _Deck:
    """The slides of one report, added in reading order."""

    def __init__(self, report: Report, images: dict[str, bytes]):
        self.report, self.images, self.demo = report, images, report.summary.is_demo
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT

    def slide(self, title: str):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[TITLE_ONLY])
        heading = slide.shapes.title
        heading.left, heading.top, heading.width, heading.height = MARGIN, Inches(0.3), WIDTH - 2 * MARGIN, \
            Inches(1)
        heading.text = title
        heading.text_frame.paragraphs[0].font.size = TITLE_SIZE
        heading.text_frame.paragraphs[0].font.bold = True
        footer = f"{self.report.header}" + (f"  ·  {DEMO_NOTE}" if self.demo else "")
        self.text(slide, [footer], HEIGHT - Inches(0.5), NOTE_SIZE, Inches(0.4),
                  color=ALERT if self.demo else MUTED)
        return slide

    def text(self, slide, paragraphs: list[str], top: Emu, size: Pt = BODY_SIZE, box_height: Emu | None = None,
             bullets: bool = False, color: RGBColor | None = None) -> None:
        box = slide.shapes.add_textbox(MARGIN, top, WIDTH - 2 * MARGIN, box_height or Inches(1))
        frame = box.text_frame
        frame.word_wrap = True
        for i, words in enumerate(paragraphs):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = f"• {words}" if bullets else words
            paragraph.font.size = size
            paragraph.space_after = Pt(10)
            if color is not None:
                paragraph.font.color.rgb = color

    def picture(self, slide, chart: Chart, top: Emu) -> None:
        """The chart's image, as large as the space below `top` allows, centred."""
        room_width, room_height = WIDTH - 2 * MARGIN, HEIGHT - top - Inches(0.6)
        aspect = CHART_WIDTH / height(chart.figure)
        width = min(room_width, int(room_height * aspect))
        slide.shapes.add_picture(io.BytesIO(self.images[chart.key]), int((WIDTH - width) / 2), top,
                                 width=width, height=int(width / aspect))

    def table(self, slide, header: list[str], rows: list[list[str]], top: Emu) -> None:
        shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, top, WIDTH - 2 * MARGIN,
                                       Inches(0.5) * (len(rows) + 1))
        for r, cells in enumerate([header, *rows]):
            for c, words in enumerate(cells):
                cell = shape.table.cell(r, c)
                cell.text = str(words)
                cell.text_frame.paragraphs[0].font.size = TABLE_SIZE
                cell.text_frame.paragraphs[0].font.bold = r == 0

    def model_table(self, slide, table: Table, keys: list[str], top: Emu) -> None:
        """The first MAX_ROWS rows of a report table in `keys`' columns, each cell as the PDF shows it."""
        index = {column.key: i for i, column in enumerate(table.columns)}
        columns = [table.columns[index[key]] for key in keys]
        rows = [[display(row[index[c.key]], c.kind) for c in columns] for row in table.rows[:MAX_ROWS]]
        if not rows:
            self.text(slide, ["No rows for this quarter and these filters."], top)
            return
        self.table(slide, [c.label for c in columns], rows, top)
        if len(table.rows) > MAX_ROWS:
            self.text(slide, [f"The first {MAX_ROWS} of {len(table.rows):,} rows; the XLSX report lists them all."],
                      HEIGHT - Inches(1.1), NOTE_SIZE, Inches(0.4), color=MUTED)


def _title(deck: _Deck) -> None:
    report = deck.report
    slide = deck.slide(report.title)
    lines = [", ".join(report.programs) or "All programs", report.period.sentence(), report.scope,
             f"Generated on {report.generated_on.isoformat()}. Groups under {report.min_group_size} people read "
             f"“{report.suppressed_label}”."]
    deck.text(slide, lines, Inches(2), BODY_SIZE, Inches(3.5))
    if deck.demo:
        deck.text(slide, [DEMO_NOTE], Inches(5.6), BODY_SIZE, Inches(0.8), color=ALERT)


def _summary(deck: _Deck) -> None:
    """The verdict and the three answers, then the findings, then what to do next: a slide each."""
    summary = deck.report.summary
    slide = deck.slide("Executive summary")
    deck.text(slide, [summary.verdict, *(f"{a.question} {a.headline}" for a in summary.answers)], BODY_TOP,
              Pt(22), Inches(5.4), bullets=True)
    findings = summary.findings[:MAX_FINDINGS] or ["No finding stands out this quarter."]
    deck.text(deck.slide("Findings"), findings, BODY_TOP, Pt(22), Inches(5.4), bullets=True)
    deck.text(deck.slide("Recommended next steps"), summary.next_steps, BODY_TOP, Pt(22), Inches(5.4), bullets=True)


def _scorecard(deck: _Deck) -> None:
    """The objectives, then the headline figures against the previous quarter."""
    card = deck.report.summary.scorecard
    deck.model_table(deck.slide("Objectives scorecard"), card, [c.key for c in card.columns], BODY_TOP)
    rows = [[h.label, display(h.value, h.kind), display(h.previous, h.kind), display(h.change, h.change_kind),
             h.significance, h.n] for h in deck.report.headlines]
    deck.table(deck.slide("Headline figures"), ["Figure", "This quarter", "Previous", "Change", "Significance",
                                                 "Based on"], rows, BODY_TOP)


def _section(deck: _Deck, section: Section) -> None:
    """The section's words on a slide, then a slide per chart."""
    paragraphs = [p for p in section.intro.split("\n") if p]
    if paragraphs and (section.key in ("impact", "roi") or not section.charts):
        slide = deck.slide(section.title)
        deck.text(slide, paragraphs, BODY_TOP, Pt(20), Inches(5.4))
        paragraphs = []
    if section.key == "roi" and section.tables:
        table = section.tables[0]
        deck.model_table(deck.slide(table.title), table, [c.key for c in table.columns], BODY_TOP)
    for i, chart in enumerate(section.charts):
        slide = deck.slide(section.title)
        top = BODY_TOP
        if i == 0 and paragraphs:  # the section's one-line introduction above its first chart
            deck.text(slide, paragraphs[:1], Inches(1.2), Pt(18), Inches(0.6), color=MUTED)
            top = Inches(1.9)
        deck.picture(slide, chart, top)


def _improvements(deck: _Deck, section: Section) -> None:
    slide = deck.slide(section.title)
    deck.model_table(slide, section.tables[0], ["title", "metric", "before", "after", "change", "change_low",
                                                "change_high"], BODY_TOP)


def _appendix(deck: _Deck) -> None:
    report = deck.report
    slide = deck.slide("Appendix: how to read the figures")
    notes = [f"{term}: {text}" for term, text in report.method_notes if term in ("Minimum group size", "Significant")]
    deck.text(slide, notes, BODY_TOP, Pt(18), Inches(5.4))
    slide = deck.slide("Appendix: data sources")
    deck.model_table(slide, report.data_sources, ["file_name", "kind", "first_date", "last_date", "note"], BODY_TOP)


def _steady(content: bytes) -> bytes:
    """The same zip with each entry at ZIP_TIME, so the bytes do not depend on when they were written."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(zipfile.ZipInfo(info.filename, ZIP_TIME), source.read(info.filename),
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _for_slides(figure: go.Figure) -> go.Figure:
    """A copy of the figure with larger text."""
    return go.Figure(figure).update_layout(font_size=CHART_FONT, title_font_size=CHART_TITLE_FONT)


def pptx_bytes(report: Report) -> bytes:
    sections = {section.key: section for section in report.sections}
    drawn = [chart for key in CHART_SECTIONS if key in sections for chart in sections[key].charts]
    images = chart_images([_for_slides(chart.figure) for chart in drawn])
    deck = _Deck(report, {chart.key: image for chart, image in zip(drawn, images)})
    _title(deck)
    _summary(deck)
    _scorecard(deck)
    for key in ("impact", "roi", "satisfaction", "engagement", "retention", "outcomes"):
        if key in sections:
            _section(deck, sections[key])
    if "improvements" in sections:
        _improvements(deck, sections["improvements"])
    _appendix(deck)
    properties = deck.prs.core_properties
    properties.title, properties.subject = report.title, report.header
    properties.created = properties.modified = datetime.combine(report.generated_on, time())
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    return _steady(buffer.getvalue())
