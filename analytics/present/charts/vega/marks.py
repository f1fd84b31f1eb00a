"""A figure's traces, lines and notes as Vega-Lite layers, each with its own rows."""
from __future__ import annotations

from typing import Any

import pandas as pd
import plotly.graph_objects as go

from analytics.present.charts.vega.axes import Axes, Legend
from analytics.present.charts.vega.text import (
    at,
    custom,
    hover,
    json_value,
    json_values,
    lines,
    literal,
    plain,
    solid,
    tooltip,
)

DASHES = {"dash": [6, 4], "dot": [2, 3], "dashdot": [6, 3, 2, 3]}
# plotly's marker symbols; an x as a path, which Vega has no name for
SHAPES = {"circle": "circle", "diamond": "diamond", "square": "square", "cross": "cross",
          "triangle-up": "triangle-up", "x": "M-1,-1L1,1M-1,1L1,-1"}
TIP = {"expr": "datum.tip"}  # a mark's hover: the tooltip object each row carries
SIDE_BY_SIDE = ("xOffset", "yOffset")
TRACES = ("scatter", "bar", "heatmap")  # the kinds of trace drawn here


class Unsupported(ValueError):
    """The figure uses a part of plotly that this translation does not draw."""


def _layer(rows: list[dict], mark: dict, encoding: dict) -> dict:
    return {"data": {"values": rows}, "mark": mark, "encoding": encoding}


# A line's hover points, at most: a few pixels apart across a page's chart, each wide enough to reach the next.
HOVER_POINTS = 120


def _untipped(rows: list[dict]) -> list[dict]:
    """A line's rows without their hovers, which its invisible points carry."""
    return [{k: v for k, v in row.items() if k != "tip"} for row in rows]


def _spaced(rows: list[dict]) -> list[dict]:
    """At most HOVER_POINTS of a line's rows, evenly spaced, its first and last kept: a long curve (a Kaplan–Meier
    step at each day a pair ended) keeps the browser drawing a hover point per row from slowing its first screen."""
    if len(rows) <= HOVER_POINTS:
        return rows
    step = (len(rows) - 1) / (HOVER_POINTS - 1)
    return [rows[round(i * step)] for i in range(HOVER_POINTS)]


class Marks:
    """The layers of one figure, drawn in plotly's order: bars first (one layer, so that they stack), then
    each trace, then lines across the plot and notes."""

    def __init__(self, fig: go.Figure, axes: Axes, legend: Legend):
        self.fig, self.axes, self.legend = fig, axes, legend
        self.layers: list[dict] = []

    def draw(self) -> list[dict]:
        bars = [index for index, trace in enumerate(self.fig.data) if trace.type == "bar"]
        if bars:
            self._bars(bars)
        for index, trace in enumerate(self.fig.data):
            if trace.type == "scatter":
                self._band(trace, index) if trace.fill == "toself" else self._scatter(trace, index)
            elif trace.type == "heatmap":
                self._heatmap(trace)
        self._zero_line()
        self._vertical_lines()
        self._notes()
        return self.layers

    def _points(self, trace, index: int) -> list[dict]:
        """A row per point: x, y, its series and trace, its hover as a tooltip object and its bar label."""
        # The trace's values read once, outside the loop: plotly's attributes are slow.
        raw_x, raw_y, extra = trace.x, trace.y, trace.customdata
        xs, ys = json_values(raw_x), json_values(raw_y)
        name = plain(trace.name) if trace.name is not None else ""
        texts = trace.text if isinstance(trace.text, (list, tuple)) else None
        template = trace.hovertemplate if trace.hoverinfo != "skip" else None
        label = getattr(trace, "texttemplate", None)
        categorical = [axis for axis in ("x", "y") if self.axes.categorical(axis)]
        rows = []
        for i in range(max(len(xs), len(ys))):
            row = {"x": at(xs, i), "y": at(ys, i), "series": name, "trace": index}
            for axis in categorical:
                if row[axis] is not None:
                    row[axis] = plain(row[axis])
            point = {"x": at(raw_x, i), "y": at(raw_y, i), "customdata": custom(at(extra, i)),
                     "text": at(texts, i), "name": name}
            if template:
                row["tip"] = tooltip(hover(template, point))
            if label:
                row["label"] = " ".join(hover(label, point))
            rows.append(row)
        return rows

    def _side_by_side(self, trace) -> dict:
        """Markers or bars of each series beside each other on a category axis (plotly's offset groups)."""
        if trace.offsetgroup is None and self.fig.layout.barmode != "group":
            return {}
        axis = "y" if self.axes.categorical("y") and (trace.type == "scatter" or trace.orientation == "h") \
            else "x" if self.axes.categorical("x") else None
        return {f"{axis}Offset": {"field": "series", "type": "nominal", "sort": list(self.legend.entries)}} \
            if axis else {}

    def _scatter(self, trace, index: int) -> None:
        if trace.fill not in (None, "none"):
            raise Unsupported(f"fill {trace.fill}")
        rows = self._points(trace, index)
        mode = trace.mode or "lines+markers"
        if not rows:
            return
        encoding = {"x": self.axes.channel("x"), "y": self.axes.channel("y"),
                    "color": self.legend.channel(trace, index), **self._side_by_side(trace)}
        hovered = bool(trace.hovertemplate) and trace.hoverinfo != "skip"
        self._whiskers(trace, rows, {k: v for k, v in encoding.items() if k in ("color", *SIDE_BY_SIDE)})
        if "lines" in mode:
            mark = {"type": "line", "strokeWidth": trace.line.width if trace.line.width is not None else 2,
                    "interpolate": "step-after" if trace.line.shape == "hv" else "linear"}
            if trace.line.dash in DASHES:
                mark["strokeDash"] = DASHES[trace.line.dash]
            if "markers" in mode:
                mark["point"] = {"filled": True, "size": _area(trace.marker.size, 8)}
            self.layers.append(_layer(rows if "markers" in mode else _untipped(rows), mark, encoding))
            if hovered:
                # Invisible points wider than the markers carry the hover, so that it needs no exact aim (plotly's
                # finds the nearest point), on a line without markers too.
                self.layers.append(_layer(_spaced(rows), {"type": "point", "opacity": 0, "size": 500,
                                                          "tooltip": TIP},
                                          {k: v for k, v in encoding.items() if k != "color"}))
        elif "markers" in mode:
            symbol = str(trace.marker.symbol or "circle")
            mark = {"type": "point", "shape": SHAPES.get(symbol.removesuffix("-open").removesuffix("-thin"), "circle"),
                    "filled": not symbol.endswith("-open"), "size": _area(trace.marker.size, 8), "opacity": 1,
                    "strokeWidth": 2}
            if hovered:
                mark["tooltip"] = TIP
            self.layers.append(_layer(rows, mark, encoding))
        else:
            raise Unsupported(f"mode {mode}")

    def _whiskers(self, trace, rows: list[dict], channels: dict) -> None:
        """plotly's error bars (error_x or error_y of type 'data') as a rule across each point's interval."""
        for axis, other in (("x", "y"), ("y", "x")):
            ups, downs = _errors(trace, axis)
            whiskers = [{**row, "low": row[axis] - down, "high": row[axis] + up}
                        for row, up, down in zip(rows, ups, downs)
                        if None not in (row[axis], up, down)]
            if whiskers:
                thickness = getattr(trace, f"error_{axis}").thickness
                self.layers.append(_layer(whiskers, {"type": "rule", "strokeWidth": thickness or 1.5},
                                          {axis: self.axes.channel(axis, "low"), f"{axis}2": {"field": "high"},
                                           other: self.axes.channel(other), **channels}))

    def _band(self, trace, index: int) -> None:
        """plotly's filled polygon (the upper edge forwards, then the lower one back) as an area from low to
        high; a band in the legend ('95% CI') is drawn in its legend colour, as it looks on white."""
        xs, ys = json_values(trace.x), json_values(trace.y)
        half = len(xs) // 2
        if not half or len(xs) != 2 * half:
            raise Unsupported("a filled shape that is not a band")
        rows = [{"x": x, "high": high, "low": low, "series": plain(trace.name) if trace.name else ""}
                for x, high, low in zip(xs[:half], ys[:half], ys[half:][::-1])]
        colour, opacity = solid(trace.fillcolor)
        listed = self.legend.listed(trace)
        mark = {"type": "area", "opacity": 1 if listed else opacity,
                "interpolate": "step-after" if trace.line.shape == "hv" else "linear"}
        if not listed:
            mark["color"] = colour or self.legend.colour(trace, index)
        encoding = {"x": self.axes.channel("x"), "y": self.axes.channel("y", "high"), "y2": {"field": "low"}}
        if listed:
            encoding["color"] = self.legend.channel(trace, index)
        self.layers.append(_layer(rows, mark, encoding))

    def _bars(self, indexes: list[int]) -> None:
        """Every bar trace in one layer, so that stacked bars stack (Vega stacks within a layer), then their
        whiskers and labels."""
        traces = [self.fig.data[index] for index in indexes]
        per_trace = {index: self._points(trace, index) for index, trace in zip(indexes, traces)}
        rows = [dict(row, order=index) for index, points in per_trace.items() for row in points]
        if not rows:
            return
        value, category = ("x", "y") if self.axes.horizontal else ("y", "x")
        # Halves of a bar that share a name share its colour (the middle answer of a Likert scale).
        colours = dict(self.legend.entries)
        for index, trace in zip(indexes, traces):
            if trace.name is not None:
                colours.setdefault(plain(trace.name), self.legend.colour(trace, index))
        stacked = self.fig.layout.barmode in ("stack", "relative")
        side = self._side_by_side(traces[0]) if self.fig.layout.barmode == "group" else {}
        self.layers.append(_layer(rows, {"type": "bar", "tooltip": TIP}, {
            value: {**self.axes.channel(value), "stack": "zero" if stacked else None},
            category: self.axes.channel(category), "order": {"field": "order", "type": "quantitative"},
            "color": self.legend.series(colours), **side}))
        for index, trace in zip(indexes, traces):
            self._whiskers(trace, per_trace[index], side)
        labelled = []
        for index, points in per_trace.items():
            # A bar's label past its end and its whisker, as plotly's 'outside' places it.
            ups = _errors(self.fig.data[index], value)[0]
            labelled += [{**row, "label_at": (row[value] or 0) + (at(ups, i) or 0)}
                         for i, row in enumerate(points) if row.get("label")]
        if labelled:
            mark = {"type": "text", "fontSize": 12, "color": "#262730"}
            mark.update({"align": "left", "dx": 4} if self.axes.horizontal else {"baseline": "bottom", "dy": -3})
            self.layers.append(_layer(labelled, mark, {value: self.axes.channel(value, "label_at"),
                                                      category: self.axes.channel(category),
                                                      "text": {"field": "label"}, **side}))

    def _heatmap(self, trace) -> None:
        """Cells coloured on the figure's scale (the builders' one heat map uses Cividis), each with its text."""
        xs, ys = [plain(v) for v in trace.x], [plain(v) for v in trace.y]
        rows = []
        for i, y in enumerate(ys):
            for j, x in enumerate(xs):
                z = json_value(trace.z[i][j])
                if z is None:
                    continue
                point = {"x": x, "y": y, "z": z, "customdata": custom(trace.customdata[i][j])
                         if trace.customdata is not None else None,
                         "text": trace.text[i][j] if trace.text is not None else None}
                rows.append({"x": x, "y": y, "z": z, "tip": tooltip(hover(trace.hovertemplate or "", point)),
                             "label": " ".join(hover(trace.texttemplate, point)) if point["text"] else ""})
        low, high = trace.zmin, trace.zmax
        if low is None or high is None:
            raise Unsupported("a heat map without a fixed scale")
        bar, middle = trace.colorbar, (low + high) / 2
        cells = {"x": self.axes.channel("x"), "y": self.axes.channel("y")}
        self.layers.append(_layer(rows, {"type": "rect", "tooltip": TIP}, {**cells, "color": {
            "field": "z", "type": "quantitative", "scale": {"scheme": "cividis", "domain": [low, high]},
            "legend": {"title": lines(bar.title.text) or None, "values": [low, middle, high], "format": ".0f",
                       "labelExpr": f"datum.label + {literal(bar.ticksuffix or '')}"}}}))
        # White text on the dark end of the scale, black on the light end.
        self.layers.append(_layer(rows, {"type": "text", "fontSize": 11}, {
            **cells, "text": {"field": "label"},
            "color": {"condition": {"test": f"datum.z < {middle}", "value": "white"}, "value": "black"}}))

    def _zero_line(self) -> None:
        axis = self.fig.layout.xaxis
        if axis.zeroline and self.axes.kinds["x"] == "quantitative":
            self.layers.append(_layer([{"x": 0}], {"type": "rule", "color": axis.zerolinecolor or "#555"},
                                      {"x": self.axes.channel("x")}))

    def _vertical_lines(self) -> None:
        """plotly's line shapes from bottom to top at one x (an improvement's start, zero difference)."""
        for shape in self.fig.layout.shapes or ():
            if shape.type != "line" or shape.x0 != shape.x1:
                raise Unsupported("a shape other than a vertical line")
            line = shape.line
            mark = {"type": "rule", "color": solid(line.color)[0] or "#999",
                    "strokeWidth": line.width if line.width is not None else 1}
            if line.dash in DASHES:
                mark["strokeDash"] = DASHES[line.dash]
            self.layers.append(_layer([{"x": self._x(shape.x0)}], mark, {"x": self.axes.channel("x")}))

    def _x(self, value: Any) -> Any:
        """An x given by a shape or note: a time on a time axis, even when plotly keeps it as text."""
        return json_value(pd.Timestamp(value)) if self.axes.kinds["x"] == "temporal" else json_value(value)

    def _notes(self) -> None:
        """plotly's annotations: a message in the middle of an empty chart, or a label at an x near the top."""
        for note in self.fig.layout.annotations or ():
            font = note.font
            mark = {"type": "text", "fontSize": font.size or 12, "color": font.color or "#262730", "lineBreak": "\n",
                    "y": {"expr": f"height * {1 - note.y}"}}
            row: dict[str, Any] = {"text": "\n".join(lines(note.text))}
            encoding: dict[str, Any] = {"text": {"field": "text"}}
            if note.hovertext:
                row["tip"] = {"title": plain(note.hovertext)}
                mark["tooltip"] = TIP
            if note.xref == "paper":
                mark.update(x={"expr": f"width * {note.x}"}, align="center", baseline="middle")
            else:
                row["x"] = self._x(note.x)
                encoding["x"] = self.axes.channel("x")
                side = note.xanchor if note.xanchor in ("left", "right") else "center"
                mark.update(align=side, baseline="top", dx={"left": 4, "right": -4}.get(side, 0))
            self.layers.append(_layer([row], mark, encoding))


def _errors(trace, axis: str) -> tuple[list, list]:
    """A trace's error bars along `axis` (plotly's error_x or error_y of type 'data'): how far each point's
    interval reaches up and down; empty lists when it has none."""
    error = getattr(trace, f"error_{axis}", None)
    if error is None or error.array is None:
        return [], []
    ups = json_values(error.array)
    return ups, json_values(error.arrayminus) if error.arrayminus is not None else ups


def _area(diameter: Any, default: float) -> float:
    """A plotly marker's diameter (px) as Vega's symbol area (px²)."""
    size = diameter if isinstance(diameter, (int, float)) else default
    return size * size * 1.2
