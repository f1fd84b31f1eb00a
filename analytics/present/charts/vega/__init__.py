"""A chart's plotly figure drawn as a Vega-Lite spec, for the pages.

The figure stays the one definition of a chart: the report renders it with plotly. A page draws it with
Vega-Lite because a new browser session loads Streamlit's Vega-Lite script in a few tenths of a second where
plotly.js costs it over a second (benchmarks/RESULTS.md), on every page opened from a link.

`spec` reads the part of plotly the chart builders use: lines, markers with whiskers, bands, bars (stacked,
relative or grouped, with their labels), heat maps, vertical lines, notes, axis ranges, ticks and category
orders, the legend, and hover templates (filled in here for each point). Text is plotly's escaped HTML; Vega
draws text as it is given, so it is unescaped, never interpreted. A figure with any other part gives None,
and the page draws it with plotly.
"""
from __future__ import annotations

import plotly.graph_objects as go

from analytics.present.charts.vega.axes import Axes, Legend
from analytics.present.charts.vega.marks import TRACES, Marks, Unsupported
from analytics.present.charts.vega.text import lines

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
TOOLBAR_PX = 30  # plotly keeps a row above the title for its toolbar; Vega has none
DEFAULT_HEIGHT = 400


def spec(fig: go.Figure) -> dict | None:
    """`fig` as a Vega-Lite spec with the same marks, axes, legend, notes and hovers; None when it holds a part
    this translation does not draw."""
    if any(trace.type not in TRACES for trace in fig.data):
        return None
    try:
        axes = Axes(fig)
        layers = Marks(fig, axes, Legend(fig)).draw()
    except Unsupported:
        return None
    if not layers:
        return None
    out = {"$schema": SCHEMA, "title": _title(fig.layout),
           # The whole chart, title and legend included, as tall as plotly's, and as wide as the page.
           "height": (fig.layout.height or _template(fig).height or DEFAULT_HEIGHT) - TOOLBAR_PX,
           "width": "container", "autosize": {"type": "fit", "contains": "padding"},
           "config": _config(fig, axes), "layer": layers}
    if any(trace.type == "heatmap" for trace in fig.data):
        out["resolve"] = {"scale": {"color": "independent"}}  # the cells' scale beside any series colours
    return out


def _template(fig: go.Figure) -> go.Layout:
    return fig.layout.template.layout if fig.layout.template else go.Layout()


def _title(layout) -> dict:
    title = {"text": lines(layout.title.text) or [""], "anchor": "start", "fontSize": 16, "fontWeight": 600,
             "offset": 12}
    if layout.title.subtitle.text:
        title.update(subtitle=lines(layout.title.subtitle.text), subtitleFontSize=13, subtitleColor="#555")
    return title


def _config(fig: go.Figure, axes: Axes) -> dict:
    """The template's look: its font, light grid lines across the values (not across categories, nor over a heat
    map's cells), no frame."""
    cells = any(trace.type == "heatmap" for trace in fig.data)
    bars_across = (axes.horizontal or axes.categorical("y")) and not cells
    return {"font": _template(fig).font.family or "sans-serif", "view": {"stroke": None},
            "axis": {"labelFontSize": 12, "titleFontSize": 13, "titleFontWeight": "normal", "labelColor": "#262730",
                     "titleColor": "#262730", "domainColor": "#8a8a8a", "tickColor": "#8a8a8a",
                     "gridColor": "#e6e6e6", "labelLimit": 260},
            "legend": {"orient": "bottom", "labelFontSize": 12, "symbolType": "circle", "labelLimit": 320},
            "axisX": {"grid": bars_across}, "axisY": {"grid": not axes.categorical("y") and not cells}}


__all__ = ["Unsupported", "spec"]
