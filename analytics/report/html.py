"""The report as one self-contained HTML file (Jinja2, autoescaped).

Interactive charts carry plotly.js inline, so the file opens without a
network. The PDF renders the same template with `static=True` and images
instead of interactive charts.
"""
from __future__ import annotations

from pathlib import Path

import plotly.offline
from jinja2 import Environment, FileSystemLoader
from markupsafe import Markup

from analytics.report.model import Report, display

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["show"] = display
    return env


def render(report: Report, charts: dict[str, Markup], *, static: bool, plotlyjs: str | None = None) -> str:
    """The report page; `charts` maps each chart key to its ready markup (div+script, or img)."""
    return _environment().get_template("report.html.j2").render(
        report=report, charts=charts, static=static, plotlyjs=Markup(plotlyjs) if plotlyjs else None)


def interactive_charts(report: Report) -> dict[str, Markup]:
    """Plotly's own markup for each chart; fixed div ids keep the output byte-for-byte repeatable."""
    return {chart.key: Markup(chart.figure.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"chart-{chart.key}",
        config={"displaylogo": False, "responsive": True})) for chart in report.charts()}


def html_bytes(report: Report) -> bytes:
    return render(report, interactive_charts(report), static=False,
                  plotlyjs=plotly.offline.get_plotlyjs()).encode("utf-8")
