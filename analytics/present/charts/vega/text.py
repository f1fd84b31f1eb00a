"""Plotly's values, text and colours as Vega-Lite reads them."""
from __future__ import annotations

import html
import json
import math
import re
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

PLACEHOLDER = re.compile(r"%\{([^}:]+)(?::([^}]*))?\}")
EXTRA = re.compile(r"<extra>(.*?)</extra>")
TAG = re.compile(r"</?(?:b|i|em|strong|sup|sub|span)[^>]*>")
MISSING = "–"


def lines(text: object) -> list[str]:
    """Plotly label text as the lines a reader sees: '<br>' breaks a line, tags go, and entities read as
    themselves (plotly's text is escaped HTML; Vega draws text as it is given, never as markup)."""
    if text is None:
        return []
    return [html.unescape(TAG.sub("", part)) for part in str(text).split("<br>")]


def plain(text: object) -> str:
    """Plotly label text on one line."""
    return " ".join(lines(text))


def is_time(value: Any) -> bool:
    return isinstance(value, (date, np.datetime64))


def json_value(value: Any) -> Any:
    """A value as Vega's JSON holds it: a time as epoch milliseconds (UTC: the data's own days, wherever the
    reader is), NaN as null, numpy scalars as numbers."""
    if value is None:
        return None
    if is_time(value):
        moment = pd.Timestamp(value)
        return round((moment.tz_convert(None) if moment.tzinfo else moment).value / 1e6)
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def json_values(values: Any) -> list:
    return [] if values is None else [json_value(v) for v in values]


def date_time(value: Any) -> dict:
    """A time as Vega-Lite's DateTime: a scale's domain and an axis's values read plain numbers as numbers."""
    moment = pd.Timestamp(value)
    return {"year": moment.year, "month": moment.month, "date": moment.day, "hours": moment.hour,
            "minutes": moment.minute, "utc": True}


def _formatted(value: Any, fmt: str | None) -> str:
    """A value by its d3 format, which Python's format reads alike for the ones the builders use (',', ',.1f',
    '+.0f'); a whole number without a format as a whole number."""
    value = json_value(value)
    if value is None:
        return MISSING
    if isinstance(value, float) and value.is_integer() and not re.search(r"[.a-z%]", fmt or ""):
        value = int(value)  # d3 writes 10.0 as '10' where no precision is asked for; Python writes '10.0'
    if fmt:
        try:
            return format(value, fmt)
        except (TypeError, ValueError):
            pass
    return str(value)


def hover(template: str, point: dict[str, Any]) -> list[str]:
    """A plotly hover (or bar label) template filled in for one point ({'x', 'y', 'z', 'customdata', 'text',
    'name'}), as the lines it reads; what plotly shows beside the box (<extra>) is the last line."""

    def fill(match: re.Match) -> str:
        field, fmt = match.group(1), match.group(2)
        if field == "fullData.name":
            return point.get("name") or ""
        indexed = re.fullmatch(r"(\w+)\[(\d+)\]", field)
        value = point.get(indexed.group(1) if indexed else field)
        if indexed and value is not None:
            value = value[int(indexed.group(2))]
        return _formatted(plain(value) if isinstance(value, str) else value, fmt)

    extra = EXTRA.search(template)
    shown = lines(PLACEHOLDER.sub(fill, EXTRA.sub("", template)))
    beside = plain(PLACEHOLDER.sub(fill, extra.group(1))) if extra else ""
    return shown + ([beside] if beside else [])


def tooltip(shown: list[str]) -> dict[str, str]:
    """Hover lines as Vega's tooltip object: the first line its title, each other line a row, split at its first
    ': ' into label and value (a line without one is a label alone)."""
    rows: dict[str, str] = {"title": shown[0]} if shown else {}
    for line in shown[1:]:
        key, _, rest = line.partition(": ")
        while key in rows:  # the same label twice keeps both rows
            key += "\u200b"
        rows[key] = rest
    return rows


def custom(value: Any) -> Any:
    """A point's customdata as plain values (a tuple or array of them, or one)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return json_value(value)


def at(values: Any, i: int) -> Any:
    """The `i`-th of a trace's values, if it has that many."""
    return values[i] if values is not None and i < len(values) else None


def solid(colour: str | None) -> tuple[str | None, float]:
    """A plotly colour as Vega's colour and opacity ('rgba(0,114,178,0.15)' → ('rgb(0,114,178)', 0.15))."""
    if not colour:
        return None, 1.0
    match = re.fullmatch(r"rgba\(([^,]+),([^,]+),([^,]+),([^)]+)\)", colour.replace(" ", ""))
    if match:
        return f"rgb({match.group(1)},{match.group(2)},{match.group(3)})", float(match.group(4))
    return colour, 1.0


def on_white(colour: str | None) -> str | None:
    """A translucent colour as it looks on the white page ('rgba(0,114,178,0.15)' → 'rgb(217,234,244)'): a
    band's colour in the legend."""
    rgb, opacity = solid(colour)
    match = re.fullmatch(r"rgb\((\d+),(\d+),(\d+)\)", rgb or "")
    if not match:
        return rgb
    red, green, blue = (round(255 - (255 - int(c)) * opacity) for c in match.groups())
    return f"rgb({red},{green},{blue})"


def js_number(value: float) -> str:
    """A number as JavaScript writes it ('' + 5.0 is '5'): the key a label expression looks a tick up by."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def literal(value: Any) -> str:
    """A value as a literal in a Vega expression (JSON is one; ASCII, so that no character ends it early)."""
    return json.dumps(value)
