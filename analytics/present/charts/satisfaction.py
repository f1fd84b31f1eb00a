"""Survey charts: how respondents rated each dimension, mean scores with their intervals, and NPS."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.measures import nps
from analytics.present import escaping, formatting
from analytics.present.charts.common import (
    GREY,
    MIN_SIZE,
    NEGATIVE,
    NEUTRAL,
    PALETTE,
    POSITIVE,
    _figure,
    _n_text,
    _name,
    _nothing_shown,
    _shielded,
    _total,
    _visible,
    _whole_scale,
)


def likert_diverging(dist: pd.DataFrame, title: str = "How respondents rated each dimension", *,
                     min_size: int = MIN_SIZE) -> go.Figure:
    """Diverging stacked bars from [dimension, scale_points, value, share, count, n]:
    disagreement to the left of zero, agreement to the right, the neutral
    middle split across it. Shares in % of the dimension's answers."""
    shown, hidden = _visible(dist, "share")
    if shown.empty:
        return _nothing_shown(title, "No rated answers for this period and these filters.", hidden, min_size)
    # One scale per dimension: the most answered one.
    main = shown.groupby("dimension")["scale_points"].agg(lambda s: s.value_counts().idxmax())
    shown = shown[shown["scale_points"] == shown["dimension"].map(main)]
    rows = []
    for dimension, group in shown.groupby("dimension"):
        k = int(main[dimension])
        middle = (k + 1) / 2
        agree = group.loc[group["value"] >= k - 1, "share"].sum()
        for _, r in group.iterrows():
            rows.append({"dimension": dimension, "k": k, "value": r["value"], "share": r["share"] * 100,
                         "count": r["count"], "n": r["n"], "offset": r["value"] - middle, "agree": agree})
    frame = pd.DataFrame(rows)
    order = frame.groupby("dimension")["agree"].first().sort_values().index.tolist()
    n = int(shown.groupby("dimension")["n"].first().max())
    fig = _figure(title, _n_text(n, hidden, "low answers left of 0, high answers right", min_size),
                  "Share of answers (%)", None, barmode="relative", height=max(340, 140 + 36 * len(order)))
    offsets = sorted(frame["offset"].unique())
    one_scale = frame["k"].nunique() == 1
    # Relative bars stack outwards in the order they are added: the middle first, so that it touches 0 on
    # both sides and the extreme answers end up outermost; the legend keeps the scale's order.
    for offset in sorted(offsets, key=abs):
        part = frame[frame["offset"] == offset]
        steps = max(abs(o) for o in offsets) or 1
        strength = min(2, int(round(abs(offset) / steps * 3 + 0.49)) - 1) if offset else 0
        colour = NEUTRAL if offset == 0 else (POSITIVE[strength] if offset > 0 else NEGATIVE[2 - strength])
        if one_scale:
            value, k = part["value"].iloc[0], part["k"].iloc[0]
            name = f"{value:g}" + (" (lowest)" if value == 1 else " (highest)" if value == k else "")
        else:
            name = "Middle" if offset == 0 else f"{abs(offset):g} {'above' if offset > 0 else 'below'} the middle"
        halves = [part.assign(share=part["share"] / 2), part.assign(share=-part["share"] / 2)] if offset == 0 \
            else [part.assign(share=part["share"] * (1 if offset > 0 else -1))]
        for i, half in enumerate(halves):
            fig.add_bar(
                y=[_name(d) for d in half["dimension"]], x=half["share"], orientation="h", name=name,
                marker_color=colour, legendgroup=name, showlegend=i == 0, legendrank=offsets.index(offset),
                # The answer as Python writes it ("3"): plotly's own ":g" pads it to six digits ("3.00000").
                customdata=list(zip([f"{v:g}" for v in half["value"]], half["k"], half["count"], half["n"],
                                    half["share"].abs() * (2 if offset == 0 else 1))),
                hovertemplate="%{y}<br>answer %{customdata[0]} of %{customdata[1]}: "
                              + formatting.hover("customdata[4]", "rate") + " (%{customdata[2]:,} answers)<br>n = "
                              "%{customdata[3]:,} "
                              "responses<extra></extra>")
    fig.update_yaxes(categoryorder="array", categoryarray=[_name(d) for d in order])
    fig.update_xaxes(zeroline=True, zerolinecolor="#555", **_share_ticks(frame))
    return fig


def _share_ticks(frame: pd.DataFrame) -> dict:
    """Ticks on both sides of 0, labelled as shares without sign (left of 0 is a share too), at most
    about six over the width so that they fit on a phone."""
    # The middle answer is split across 0: half of it on each side.
    half = frame["share"].where(frame["offset"] != 0, frame["share"] / 2)
    left = half[frame["offset"] <= 0].groupby(frame["dimension"]).sum().max()
    right = half[frame["offset"] >= 0].groupby(frame["dimension"]).sum().max()
    step = next(s for s in (5, 10, 20, 25, 50) if (left + right) / s <= 6)
    values = [step * i for i in range(int(-left // step), int(-(-right // step)) + 1)]
    return dict(tickvals=values, ticktext=[f"{abs(v):g}%" if v else "0" for v in values])


def mean_ci_dots(frame: pd.DataFrame, by: str | None, title: str = "Mean score with 95% CI",
                 value_title: str = "Mean score (1 = lowest)", *, min_size: int = MIN_SIZE) -> go.Figure:
    """Dot per dimension (and segment) at its mean, whiskers for the 95% CI.
    [dimension, by?, n, mean, ci_low, ci_high, scale_points?]."""
    shown, hidden = _visible(frame, "mean")
    if shown.empty:
        return _nothing_shown(title, "No scored answers for this period and these filters.", hidden, min_size,
                              shielded=_shielded(frame))
    split = bool(by) and by in shown.columns
    groups = list(shown.groupby(by, dropna=False)) if split else [(None, shown)]
    dims = shown.groupby("dimension")["mean"].mean().sort_values().index.tolist()
    # A response scores several dimensions: n is each group's most answered dimension, never a sum over them.
    n = sum(int(group["n"].max()) for _, group in groups)
    fig = _figure(title, _n_text(n, hidden, "responses to the most answered dimension"
                                 + (" per group; n per dot in the hover" if split else ""), min_size,
                                 shielded=_shielded(frame)),
                  value_title, None, height=max(320, 80 + 34 * len(dims) * (1 if len(groups) < 4 else 1.4)))
    for i, (segment, group) in enumerate(groups):
        fig.add_scatter(
            x=group["mean"], y=[_name(d) for d in group["dimension"]], mode="markers",
            name=escaping.plotly(segment) if segment is not None else "All", showlegend=segment is not None,
            offsetgroup=escaping.plotly(segment), orientation="h",
            marker=dict(size=10, color=PALETTE[i % len(PALETTE)]),
            error_x=dict(type="data", symmetric=False, array=group["ci_high"] - group["mean"],
                         arrayminus=group["mean"] - group["ci_low"], thickness=1.5, width=4),
            customdata=list(zip(group["n"], group["ci_low"], group["ci_high"])),
            hovertemplate=f"%{{y}}<br>mean {formatting.hover('x', 'score')} (95% CI "
                          f"{formatting.hover('customdata[1]', 'score')}–"
                          f"{formatting.hover('customdata[2]', 'score')})"
                          "<br>n = %{customdata[0]:,}<extra>%{fullData.name}</extra>")
    fig.update_yaxes(categoryorder="array", categoryarray=[_name(d) for d in dims])
    _whole_scale(fig, shown)
    fig.update_layout(scattermode="group", scattergap=0.5)
    return fig


def nps_split(frame: pd.DataFrame, by: str | None, title: str = "Promoters, passives and detractors", *,
              min_size: int = MIN_SIZE) -> go.Figure:
    """Stacked 100% bars per segment (or one bar) from [by?, n, promoters, passives, detractors]."""
    shown, hidden = _visible(frame, "promoters")
    shown = shown[shown["n"] > 0] if not shown.empty else shown
    if shown.empty:
        return _nothing_shown(title, f"No {nps.SCALE} recommendation answers for this period and these filters.",
                              hidden,
                              min_size, shielded=_shielded(frame))
    names = [escaping.plotly(s) for s in shown[by]] if by and by in shown.columns else ["All respondents"]
    fig = _figure(title, _n_text(_total(shown), hidden, min_size=min_size, shielded=_shielded(frame)),
                  "Share of respondents (%)", None,
                  barmode="stack",
                  height=max(260, 120 + 40 * len(names)))
    for column, colour in (("detractors", PALETTE[3]), ("passives", GREY), ("promoters", PALETTE[0])):
        text = nps.GROUPS[column]
        share = shown[column] / shown["n"] * 100
        fig.add_bar(y=names, x=share, orientation="h", name=text, marker_color=colour,
                    customdata=list(zip(shown[column], shown["n"])),
                    hovertemplate="%{y}<br>" + text + ": " + formatting.hover("x", "rate")
                                  + " (%{customdata[0]:,} of %{customdata[1]:,})"
                                  "<extra></extra>")
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    return fig
