"""Charts as PNG images of the same Plotly figures the dashboard draws, for the PDF and the slides.

All of a report's charts are drawn by one kaleido session (one headless
Chromium), not a browser per chart. The browser is $MENTORSCOPE_CHROMIUM, else
the first of chromium / chromium-browser / google-chrome on PATH, else
whatever kaleido finds itself (it honours $BROWSER_PATH).
"""
from __future__ import annotations

import asyncio
import logging
import os
import shutil

import kaleido
import plotly.graph_objects as go

# Drawn at A4 content width (≈ 178 mm) and scaled 2× so text stays sharp in print.
CHART_WIDTH = 900
CHART_SCALE = 2
DEFAULT_HEIGHT = 400
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
# The browser pipe now and then hands kaleido's driver a message cut in two; it logs a traceback and
# carries on, and the charts come out whole. A recovered hiccup is no news to someone writing a report.
PIPE_LOGGER = "choreographer.channels.pipe"
logging.getLogger(PIPE_LOGGER).setLevel(logging.CRITICAL)


def browser_path() -> str | None:
    return os.environ.get("MENTORSCOPE_CHROMIUM") or next(filter(None, map(shutil.which, BROWSERS)), None)


def height(figure: go.Figure) -> int:
    """The figure's drawn height in pixels (before scaling)."""
    return int(figure.layout.height or DEFAULT_HEIGHT)


async def _draw(figures: list[go.Figure]) -> list[bytes]:
    options = {"path": path} if (path := browser_path()) else {}
    # mathjax=False: the figures use no LaTeX, and kaleido would otherwise fetch MathJax from a CDN.
    async with kaleido.Kaleido(mathjax=False, **options) as session:
        return [await session.calc_fig(figure, opts={
            "format": "png", "width": CHART_WIDTH, "height": height(figure), "scale": CHART_SCALE,
        }) for figure in figures]


def chart_images(figures: list[go.Figure]) -> list[bytes]:
    """PNG bytes of each figure, from one browser session."""
    return asyncio.run(_draw(figures)) if figures else []
