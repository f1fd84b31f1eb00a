"""Pair survival curves, and bars comparing groups (also used for goals and comment themes)."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.present import escaping, formatting
from analytics.present.charts.common import (
    CODED,
    MIN_SIZE,
    PALETTE,
    SMALL_N_SUBTITLE,
    _figure,
    _n_text,
    _nothing_shown,
    _shielded,
    _total,
    _visible,
    label,
)


def km_curves(frame: pd.DataFrame, group: str | None = None, p_value: float | None = None,
              title: str = "Pairs still together (Kaplan–Meier)", *, min_size: int = MIN_SIZE) -> go.Figure:
    """Step curves with 95% CI bands from [group?, months, survival, ci_low, ci_high, at_risk?, n?]."""
    shown, hidden = _visible(frame, "survival")
    if shown.empty:
        return _nothing_shown(title, "No matched pairs up to the end of this period.", hidden, min_size,
                              people="pairs")
    groups = [(None, shown)] if not group or group not in shown.columns else list(shown.groupby(group, dropna=False))
    note = None if p_value is None or pd.isna(p_value) else f"log-rank {formatting.p_text(p_value)}"
    n = _total(shown.groupby(group, dropna=False)["n"].max().reset_index()) if group and "n" in shown.columns \
        else (int(shown["n"].max()) if "n" in shown.columns else None)
    fig = _figure(title, _n_text(n, hidden, note, min_size), "Months since matched",
                  "Share of pairs not ended early (%)")
    for i, (name, part) in enumerate(groups):
        part = part.sort_values("months")
        colour = PALETTE[i % len(PALETTE)]
        if "ci_low" in part.columns and part["ci_low"].notna().any():
            r, g, b = (int(colour[k:k + 2], 16) for k in (1, 3, 5))
            fig.add_scatter(x=list(part["months"]) + list(part["months"][::-1]),
                            y=list(part["ci_high"] * 100) + list(part["ci_low"][::-1] * 100),
                            fill="toself", fillcolor=f"rgba({r},{g},{b},0.15)", line=dict(width=0, shape="hv"),
                            mode="lines",
                            hoverinfo="skip", showlegend=False, legendgroup=escaping.plotly(name))
        at_risk = part["at_risk"] if "at_risk" in part.columns else pd.Series([None] * len(part))
        fig.add_scatter(x=part["months"], y=part["survival"] * 100, mode="lines", line=dict(shape="hv", color=colour,
                        width=2.5), name=escaping.plotly(name) if name is not None else "All pairs",
                        legendgroup=escaping.plotly(name),
                        showlegend=name is not None, customdata=list(at_risk),
                        hovertemplate=formatting.hover("x", "number") + " months: " + formatting.hover("y", "rate")
                                      + " still together<br>pairs still followed: %{customdata}"
                                      "<extra>%{fullData.name}</extra>")
    fig.update_yaxes(range=[0, 102], ticksuffix="%")
    fig.update_xaxes(rangemode="tozero")
    return fig


def group_bars(frame: pd.DataFrame, category: str, value: str, title: str, value_title: str, *,
               percent: bool = True, ci: tuple[str, str] | None = None, n_column: str = "n",
               horizontal: bool = False, colour_by: str | None = None, n_shared: bool = False,
               min_size: int = MIN_SIZE) -> go.Figure:
    """Bars per category with optional CI whiskers: goal attainment by category, theme
    frequencies, early-exit reasons, mentor load. `colour_by` colours bars by a column's values;
    `n_shared`: every row carries the same n (shares of one group), so n is not summed."""
    shown, hidden = _visible(frame, value)
    if shown.empty:
        return _nothing_shown(title, "Nothing to show for this period and these filters.", hidden, min_size,
                              shielded=_shielded(frame))
    scale = 100 if percent else 1
    names = shown[category].fillna("(none)").astype(str)
    names = (names.map(label) if category in CODED else names).map(escaping.plotly)
    values = shown[value] * scale
    n = shown[n_column] if n_column in shown.columns else pd.Series([None] * len(shown), index=shown.index)
    error = None
    if ci and ci[0] in shown.columns:
        error = dict(type="data", symmetric=False, array=(shown[ci[1]] * scale - values).clip(lower=0),
                     arrayminus=(values - shown[ci[0]] * scale).clip(lower=0), thickness=1.5, width=6)
    axis_title = category.replace("_", " ").capitalize()
    total = (int(n.max()) if n_shared else int(n.sum())) if n.notna().any() else None
    # A bar over a handful (67% of 3 pairs) is marked, so that it does not read like any other figure.
    marks = n.map(lambda count: f" {formatting.SMALL_N_MARK}" if formatting.small(count) else "")
    few = SMALL_N_SUBTITLE if (marks != "").any() else None
    fig = _figure(title, _n_text(total, hidden, few, min_size=min_size),
                  axis_title if not horizontal else value_title, value_title if not horizontal else None,
                  height=max(300, 110 + 30 * len(shown)) if horizontal else 380)
    fmt = ".1f" if percent else ",.1f"
    hover = "%{customdata[0]}<br>" + value_title + ": %{customdata[1]:" + fmt + "}<br>n = %{customdata[2]:,}" \
            "%{customdata[3]}<extra></extra>"
    groups = shown[colour_by].astype(str) if colour_by and colour_by in shown.columns \
        else pd.Series("", index=shown.index)
    for i, group in enumerate(dict.fromkeys(groups)):
        rows = groups == group
        bar = dict(marker_color=PALETTE[i % len(PALETTE)], name=escaping.plotly(group) if group else value_title,
                   customdata=list(zip(names[rows], values[rows], n[rows], marks[rows])), hovertemplate=hover,
                   texttemplate="%{customdata[1]:" + (".0f}%" if percent else ",.0f}") + "%{customdata[3]}",
                   textposition="outside",
                   cliponaxis=False)
        whiskers = None if error is None else {**error, "array": error["array"][rows],
                                               "arrayminus": error["arrayminus"][rows]}
        if horizontal:
            fig.add_bar(y=names[rows], x=values[rows], orientation="h", error_x=whiskers, **bar)
        else:
            fig.add_bar(x=names[rows], y=values[rows], error_y=whiskers, **bar)
    if horizontal:
        fig.update_yaxes(type="category", categoryorder="array", categoryarray=list(names), autorange="reversed")
        # Room right of the longest bar for its label ('67% †'), which plotly would otherwise cut at the edge.
        top = float((values + (error["array"] if error else 0)).max())
        fig.update_xaxes(ticksuffix="%" if percent else None, range=[0, top * BAR_LABEL_ROOM] if top > 0 else None,
                         rangemode="tozero")
    else:
        fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(names))
        fig.update_yaxes(ticksuffix="%" if percent else None, rangemode="tozero")
    fig.update_layout(showlegend=groups.nunique() > 1)
    return fig


BAR_LABEL_ROOM = 1.2  # the value axis of horizontal bars runs 20% past the longest, for its label
