"""A figure's x and y axes, and its legend, as Vega-Lite channels."""
from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from analytics.present.charts.vega.text import (
    date_time,
    is_time,
    js_number,
    json_value,
    json_values,
    lines,
    literal,
    on_white,
    plain,
    solid,
)


class Axes:
    """The type, title, scale, ticks and category order of each axis, shared by every layer."""

    def __init__(self, fig: go.Figure):
        self.layout, self.data = fig.layout, fig.data
        self.horizontal = any(trace.type == "bar" and trace.orientation == "h" for trace in self.data)
        # Read once: plotly's attributes are slow, and every layer asks for both axes again.
        self._values = {axis: [value for trace in self.data for value in (trace[axis] if trace[axis] is not None
                                                                          else ())] for axis in ("x", "y")}
        self.kinds = {axis: self._kind(axis) for axis in ("x", "y")}
        self._shared = {axis: self._channel(axis) for axis in ("x", "y")}

    def plotly(self, axis: str):
        return self.layout.xaxis if axis == "x" else self.layout.yaxis

    def categorical(self, axis: str) -> bool:
        return self.kinds[axis] == "nominal"

    def _kind(self, axis: str) -> str:
        values = [value for value in self._values[axis] if value is not None]
        if self.plotly(axis).type == "category" or (values and all(isinstance(v, str) for v in values)):
            return "nominal"
        return "temporal" if values and is_time(values[0]) else "quantitative"

    def channel(self, axis: str, field: str | None = None) -> dict:
        """The x or y channel on `field` (the axis's name by default), with the axis's title, scale and ticks."""
        return {"field": field or axis, **self._shared[axis]}

    def _channel(self, axis: str) -> dict:
        plotly_axis, kind = self.plotly(axis), self.kinds[axis]
        title = lines(plotly_axis.title.text) if plotly_axis.title.text else []
        shown: dict[str, Any] | None = {"title": (title if len(title) > 1 else title[0]) if title else None}
        if plotly_axis.visible is False:
            shown = None
        elif axis == "x" and kind == "nominal":
            shown["labelAngle"] = 0
        if shown is not None:
            shown.update(self._ticks(axis))
        return {"type": kind, "axis": shown, "scale": self._scale(axis)}

    def _scale(self, axis: str) -> dict:
        plotly_axis, kind = self.plotly(axis), self.kinds[axis]
        if kind == "nominal":
            order = self.order(axis)
            return {"domain": order} if order else {}
        scale: dict[str, Any] = {"nice": plotly_axis.range is None}
        if plotly_axis.range is not None:
            scale["domain"] = [date_time(v) if kind == "temporal" else json_value(v) for v in plotly_axis.range]
        if kind == "temporal":
            scale["type"] = "utc"  # the data's own days, wherever the reader is
        else:
            # plotly starts an axis at 0 when asked to, and under bars
            scale["zero"] = plotly_axis.rangemode == "tozero" or (plotly_axis.range is None and self._bars_along(axis))
        return scale

    def _bars_along(self, axis: str) -> bool:
        return any(trace.type == "bar" for trace in self.data) and (axis == "x") == self.horizontal

    def order(self, axis: str) -> list:
        """Categories left to right (x) or top to bottom (y; plotly lists a y axis's from the bottom up), of
        those with data: plotly leaves out the rest (a band hidden by the minimum group size)."""
        plotly_axis = self.plotly(axis)
        present = list(dict.fromkeys(plain(v) for v in self._values[axis]))
        if plotly_axis.categoryarray is not None:
            present = [c for c in dict.fromkeys(plain(v) for v in plotly_axis.categoryarray) if c in present]
        return present[::-1] if axis == "y" and plotly_axis.autorange != "reversed" else present

    def _ticks(self, axis: str) -> dict:
        """plotly's tick values, tick texts and tick suffix as Vega's axis values and label expression."""
        plotly_axis, kind = self.plotly(axis), self.kinds[axis]
        ticks: dict[str, Any] = {}
        if plotly_axis.tickvals is not None and plotly_axis.ticktext is not None:
            keys = [plain(v) for v in plotly_axis.tickvals] if kind == "nominal" \
                else [js_number(json_value(v)) for v in plotly_axis.tickvals]
            labels = {key: lines(text) for key, text in zip(keys, plotly_axis.ticktext)}
            ticks["labelExpr"] = f"{literal(labels)}['' + datum.value] || datum.label"
        elif plotly_axis.ticksuffix:
            ticks["labelExpr"] = f"datum.label + {literal(plotly_axis.ticksuffix)}"
        if plotly_axis.tickvals is not None and kind != "nominal":
            ticks["values"] = [date_time(v) for v in plotly_axis.tickvals] if kind == "temporal" \
                else json_values(plotly_axis.tickvals)
        return ticks


class Legend:
    """The legend's entries (name → colour, in plotly's order, once per name) and each trace's colour."""

    def __init__(self, fig: go.Figure):
        self.layout, self.data = fig.layout, fig.data
        self.palette = (fig.layout.template.layout.colorway if fig.layout.template else None) or ("#1f77b4",)
        ranked = sorted((trace.legendrank if trace.legendrank is not None else 1000, index, plain(trace.name),
                         self.colour(trace, index))
                        for index, trace in enumerate(self.data) if self.listed(trace))
        self.entries: dict[str, str] = {}
        for _, _, name, colour in ranked:
            self.entries.setdefault(name, colour)

    @staticmethod
    def listed(trace) -> bool:
        return trace.name is not None and trace.showlegend is not False and trace.type != "heatmap"

    def colour(self, trace, index: int) -> str:
        """A trace's colour; a band's as it looks on white."""
        if getattr(trace, "fill", None) == "toself":
            return on_white(trace.fillcolor) or self.palette[index % len(self.palette)]
        marker_colour = trace.marker.color if isinstance(getattr(trace.marker, "color", None), str) else None
        line_colour = trace.line.color if "line" in trace else None
        colour = marker_colour or line_colour
        return solid(colour)[0] if colour else self.palette[index % len(self.palette)]

    def shown(self) -> bool:
        """plotly's rule: a legend when asked for, else when more than one trace is listed."""
        if self.layout.showlegend is not None:
            return bool(self.layout.showlegend) and bool(self.entries)
        return len(self.entries) > 1

    def channel(self, trace, index: int) -> dict:
        """A trace's colour channel: by its legend entry when it has one, else its own colour."""
        if self.listed(trace):
            return self.series(self.entries)
        return {"value": self.colour(trace, index)}

    def series(self, colours: dict[str, str]) -> dict:
        """Colour by the rows' series over `colours` (name → colour), the legend listing its entries alone."""
        legend = {"title": None, "values": list(self.entries)} if self.shown() else None
        return {"field": "series", "type": "nominal",
                "scale": {"domain": list(colours), "range": list(colours.values())}, "legend": legend}
