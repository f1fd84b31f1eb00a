"""The report as a PDF: the HTML template laid out by WeasyPrint, charts as
PNG images of the same Plotly figures (analytics/report/images.py)."""
from __future__ import annotations

import base64

import weasyprint
from markupsafe import Markup

from analytics.report.html import render
from analytics.report.images import chart_images
from analytics.report.model import Report


def pdf_bytes(report: Report) -> bytes:
    charts = report.charts()
    images = chart_images([chart.figure for chart in charts])
    markup = {chart.key: Markup('<img alt="{}" src="data:image/png;base64,{}">').format(
        chart.figure.layout.title.text or "", base64.b64encode(image).decode("ascii"))
        for chart, image in zip(charts, images)}
    html = render(report, markup, static=True)
    return weasyprint.HTML(string=html).write_pdf()
