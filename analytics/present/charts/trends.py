"""Figures over quarters and months, with the improvement actions marked where they started."""
from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go

from analytics.measures.registry import REGISTRY
from analytics.present import escaping, formatting
from analytics.present.charts.common import (
    MIN_SIZE,
    PALETTE,
    _figure,
    _n_text,
    _nothing_shown,
    _per_quarter,
    _shielded,
    _visible,
    _wrap,
)


def _period_axis(fig: go.Figure, frame: pd.DataFrame) -> None:
    """Quarters placed at their midpoints and labelled short enough to stand upright on a phone: rotated
    names ran past the right edge there, and plotly hid the last quarter's, the one selected."""
    mids = _midpoints(frame)
    fig.update_xaxes(tickvals=list(mids), ticktext=_quarter_ticks(frame["period"].astype(str)), tickangle=0,
                     title_text="Quarter")


def _quarter_ticks(periods: pd.Series) -> list[str]:
    """'Q3' under each quarter, with its year ('2025', 'FY2026') on a second line at the first quarter and
    wherever the year changes; other period names as they are."""
    ticks, year = [], None
    for period in periods:
        match = re.fullmatch(r"((?:FY)?\d{4})(Q[1-4])", period)
        if not match:
            ticks.append(period)
            continue
        ticks.append(match.group(2) + (f"<br>{match.group(1)}" if match.group(1) != year else ""))
        year = match.group(1)
    return ticks


def _midpoints(frame: pd.DataFrame) -> pd.Series:
    start, end = pd.to_datetime(frame["start"]), pd.to_datetime(frame["end"])
    return start + (end - start) / 2


def annotate_actions(fig: go.Figure, actions: pd.DataFrame | None, span: tuple[pd.Timestamp, pd.Timestamp]
                     ) -> go.Figure:
    """Dashed vertical line and label for each improvement action [started_on, title] on an x axis
    spanning `span`. Each label reads towards the middle of the axis, in lines that fit a phone,
    with the whole title in its hover."""
    if actions is None or actions.empty:
        return fig
    middle = span[0] + (span[1] - span[0]) / 2
    for i, row in enumerate(actions.sort_values("started_on").itertuples()):
        day = pd.Timestamp(row.started_on)
        fig.add_shape(type="line", x0=day, x1=day, y0=0, y1=1, yref="paper",
                      line=dict(color=PALETTE[4], dash="dash", width=1.5))
        text, side = str(row.title), "left" if day < middle else "right"
        # Wrapped as typed, then each line escaped: an escape such as '&lt;' is never cut in two.
        lines = (_wrap(text, 22, lines=2) or "").split("<br>")
        fig.add_annotation(x=day, y=1 - 0.12 * (i % 3), yref="paper", showarrow=False,
                           xanchor=side, align=side, text="<br>".join(map(escaping.plotly, lines)),
                           font=dict(size=11, color=PALETTE[4]), bgcolor="rgba(255,255,255,0.8)",
                           hovertext=f"Improvement from {day.date()}: {escaping.plotly(text)}")
    return fig


def trend(frame: pd.DataFrame, series: dict[str, str], title: str, y_title: str, *, percent: bool = False,
          actions: pd.DataFrame | None = None, ci: tuple[str, str] | None = None,
          y_range: tuple[float, float] | None = None, unit: str = "number",
          min_size: int = MIN_SIZE) -> go.Figure:
    """Lines over quarters from a trend frame [period, start, end, n, <series columns>].
    `series` maps column → legend name; its hover reads `unit` (formatting), a rate when `percent`; `ci`
    names (low, high) columns drawn as a band around the first series; `actions` adds improvement lines."""
    first = next(iter(series))
    shown, hidden = _visible(frame, first)
    if shown.empty:
        return _nothing_shown(title, "No data in these quarters for these filters.", hidden, min_size,
                              what="quarter", shielded=_shielded(frame))
    scale = 100 if percent else 1
    shown = shown.sort_values("start")
    x = _midpoints(shown)
    periods = shown["period"].astype(str)
    quarters = f"{len(shown)} quarter{'s' if len(shown) != 1 else ''}"
    fig = _figure(title, _n_text(_per_quarter(shown), hidden, quarters, min_size, what="quarter",
                                 shielded=_shielded(frame)), "Quarter", y_title)
    if ci and ci[0] in shown.columns:
        fig.add_scatter(x=list(x) + list(x[::-1]), y=list(shown[ci[1]] * scale) + list(shown[ci[0]][::-1] * scale),
                        fill="toself", fillcolor="rgba(0,114,178,0.15)", line=dict(width=0), hoverinfo="skip",
                        mode="lines",
                        name="95% CI")
    fmt = formatting.D3["rate" if percent else unit]
    suffix = "%" if percent else ""
    for i, (column, name) in enumerate(series.items()):
        if column not in shown.columns:
            continue
        fig.add_scatter(x=x, y=shown[column] * scale, mode="lines+markers", name=name,
                        line=dict(color=PALETTE[i % len(PALETTE)], width=2.5),
                        customdata=list(zip(periods, shown["n"] if "n" in shown.columns else [None] * len(shown))),
                        hovertemplate="%{customdata[0]}<br>" + name + ": %{y:" + fmt + "}" + suffix
                                      + "<br>n = %{customdata[1]:,}<extra></extra>")
    span = (pd.to_datetime(shown["start"]).min(), pd.to_datetime(shown["end"]).max())
    _period_axis(fig, shown)
    # The quarters shown and no more: autorange would widen the axis for an action's label.
    fig.update_xaxes(range=list(span))
    fig.update_yaxes(ticksuffix="%" if percent else None, rangemode="tozero" if percent or ci is None else "normal")
    if y_range:
        fig.update_yaxes(range=list(y_range))
    fig.update_layout(showlegend=len(series) > 1 or bool(ci))
    if actions is not None and not actions.empty:
        # An action outside the quarters shown would stretch the axis over an empty stretch.
        actions = actions[pd.to_datetime(actions["started_on"]).between(*span)]
    return annotate_actions(fig, actions, span)


def nps_trend(frame: pd.DataFrame, actions: pd.DataFrame | None = None, *, min_size: int = MIN_SIZE) -> go.Figure:
    """NPS per quarter with its 95% CI band, from satisfaction.nps_trend."""
    return trend(frame, {"value": "NPS"}, f"{REGISTRY['nps'].label} by quarter", "NPS (−100 to +100)",
                 ci=("ci_low", "ci_high"), actions=actions, unit="nps", min_size=min_size)


def heatmap(frame: pd.DataFrame, title: str = "Active pair rate by cohort and month", *,
            min_size: int = MIN_SIZE) -> go.Figure:
    """Cohort × month heat map from [cohort, month, n, active_pair_rate, sessions_held]."""
    shown, hidden = _visible(frame, "active_pair_rate")
    if shown.empty:
        return _nothing_shown(title, "No open pairs in this period for these filters.", hidden, min_size,
                              people="pairs")
    shown = shown.assign(cohort=shown["cohort"].fillna("(no cohort)").map(escaping.plotly),
                         month=pd.to_datetime(shown["month"]).dt.strftime("%b %Y"))
    z = shown.pivot_table(index="cohort", columns="month", values="active_pair_rate", sort=False) * 100
    n = shown.pivot_table(index="cohort", columns="month", values="n", sort=False).reindex_like(z)
    pairs = int(shown.groupby("cohort")["n"].max().sum())
    fig = _figure(title, _n_text(pairs, hidden, "pairs open per cell in the hover", min_size),
                  "Month", "Cohort", height=max(260, 110 + 34 * len(z)))
    fig.add_heatmap(z=z.values, x=list(z.columns), y=list(z.index), colorscale="Cividis", zmin=0, zmax=100,
                    customdata=n.values, colorbar=dict(title="Active %", ticksuffix="%"),
                    text=z.round(0).astype("Int64").astype(str).replace("<NA>", "").values, texttemplate="%{text}%",
                    hovertemplate="Cohort %{y}, %{x}<br>active pairs: %{z:" + formatting.D3["rate"]
                                  + "}%<br>pairs open: %{customdata:,}"
                                  "<extra></extra>")
    fig.update_yaxes(type="category", autorange="reversed")
    return fig
