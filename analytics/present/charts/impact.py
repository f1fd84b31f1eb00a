"""Participants against comparable colleagues: raw against adjusted, balance, and dose-response."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.present import formatting
from analytics.present.charts.common import (
    GREY,
    MIN_SIZE,
    PALETTE,
    _figure,
    _n_text,
    _nothing_shown,
    _total,
    _visible,
    empty,
)


def raw_vs_adjusted(frame: pd.DataFrame, title: str = "Participants' difference: raw and adjusted", *,
                    min_size: int = MIN_SIZE) -> go.Figure:
    """Per outcome, the raw difference (against all non-participants) and the adjusted one (against
    comparable colleagues) in percentage points with 95% CIs, from impact_reading.raw_and_adjusted;
    the gap between the two dots is who joins, not what mentoring does."""
    shown, hidden = _visible(frame, "difference")
    if shown.empty:
        return _nothing_shown(title, "No participants to compare.", hidden, min_size, what="comparison",
                              people="people on one side")
    raw, adjusted = (frame[frame["comparison"].str.startswith(kind)] for kind in ("raw", "adjusted"))
    subtitle = _n_text(f"{int(raw['n_participants'].max()):,} participants, {int(raw['n_others'].max()):,} "
                       f"non-participants; adjusted: {int(adjusted['n_participants'].max()):,} matched "
                       f"participants, {int(adjusted['n_others'].max()):,} comparable colleagues", hidden,
                       min_size=min_size, what="comparison")
    fig = _figure(title, subtitle, "Difference, participants minus others (percentage points)", None,
                  height=320, legend=dict(orientation="h", y=-0.35))
    for i, (kind, group) in enumerate(shown.groupby("comparison", sort=False)):
        fig.add_scatter(
            x=group["difference"] * 100, y=group["outcome"], mode="markers", name=str(kind), orientation="h",
            offsetgroup=str(kind), marker=dict(size=11, color=PALETTE[i], symbol=["circle", "diamond"][i % 2]),
            error_x=dict(type="data", symmetric=False, array=(group["ci_high"] - group["difference"]) * 100,
                         arrayminus=(group["difference"] - group["ci_low"]) * 100, thickness=1.5, width=4),
            customdata=list(zip(group["ci_low"] * 100, group["ci_high"] * 100, group["n_participants"],
                                group["n_others"])),
            hovertemplate="%{y}, " + str(kind) + "<br>" + formatting.hover("x", "rate_difference") + " (95% CI "
                          + formatting.hover("customdata[0]", "rate_difference") + " to "
                          + formatting.hover("customdata[1]", "rate_difference") + ")<br>n = %{customdata[2]:,} "
                          "participants, %{customdata[3]:,} others<extra></extra>")
    fig.add_vline(x=0, line=dict(color=GREY, dash="dot"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(dict.fromkeys(frame["outcome"]))[::-1])
    fig.update_layout(scattermode="group", scattergap=0.4)
    return fig


def balance_dots(frame: pd.DataFrame, title: str = "Who is compared, group by group", *,
                 min_size: int = MIN_SIZE) -> go.Figure:
    """Dot plot of each covariate level's share among participants, all non-participants and the
    comparable colleagues weighted like the participants, from impact_reading.balance (head-counts,
    never suppressed: no outcome is shown)."""
    shown = frame.dropna(subset=["share"]) if frame is not None and not frame.empty else frame
    if shown is None or shown.empty:
        return empty(title, "No employees on the comparison's starting date.")
    rows = [f"{covariate.capitalize()}: {level}" for covariate, level in zip(shown["covariate"], shown["level"])]
    order = list(dict.fromkeys(rows))
    sizes = shown.drop_duplicates("group").set_index("group")["n"]
    counts = ", ".join(f"{int(n):,} {group}" for group, n in sizes.items())
    fig = _figure(title, f"n = {counts} · where the comparable colleagues' dots sit on the participants', "
                         "the groups are alike",
                  "Share of the group (%)", None, height=max(360, 110 + 28 * len(order)),
                  legend=dict(orientation="h", y=-0.08 - 6 / max(len(order), 1)))
    symbols = {"participants": "circle", "all non-participants": "x-thin-open",
               "comparable colleagues (weighted)": "diamond-open"}
    for i, (group, part) in enumerate(shown.assign(row=rows).groupby("group", sort=False)):
        fig.add_scatter(x=part["share"] * 100, y=part["row"], mode="markers", name=str(group),
                        marker=dict(size=10, color=PALETTE[i], symbol=symbols.get(group, "circle"),
                                    line=dict(width=2, color=PALETTE[i])),
                        hovertemplate="%{y}<br>" + str(group) + ": " + formatting.hover("x", "rate")
                                      + "<extra></extra>")
    # Every row named, also where plotly would skip labels on a phone.
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], tickmode="array", tickvals=order)
    fig.update_xaxes(ticksuffix="%", rangemode="tozero")
    return fig


def dose_response(frame: pd.DataFrame, title: str = "Retention and promotion by meetings held", *,
                  min_size: int = MIN_SIZE) -> go.Figure:
    """Participants' retention and promotion per band of held sessions in the year before the
    landmark, with 95% CIs (impact_reading.dose_response); an association, not an effect."""
    shown, hidden = _visible(frame, "retention_12m")
    if shown.empty:
        return _nothing_shown(title, "No participants with held meetings to compare.", hidden, min_size,
                              what="band", people="participants")
    fig = _figure(title, _n_text(_total(frame), hidden, "participants; an association, not an effect",
                                 min_size=min_size, what="band"),
                  "Meetings held in the year before", None, height=360,
                  legend=dict(orientation="h", y=-0.3))
    for i, (column, low, high, name) in enumerate((
            ("retention_12m", "retention_ci_low", "retention_ci_high", "Stayed 12 months"),
            ("promotion_rate_12m", "promotion_ci_low", "promotion_ci_high", "Promoted in 12 months"))):
        fig.add_scatter(x=shown["band"], y=shown[column] * 100, mode="markers+lines", name=name,
                        marker=dict(size=10, color=PALETTE[i]), line=dict(color=PALETTE[i], dash="dot"),
                        error_y=dict(type="data", symmetric=False, array=(shown[high] - shown[column]) * 100,
                                     arrayminus=(shown[column] - shown[low]) * 100, thickness=1.5, width=4),
                        customdata=list(zip(shown[low] * 100, shown[high] * 100, shown["n"])),
                        hovertemplate="%{x} meetings<br>" + name + ": " + formatting.hover("y", "rate") + " (95% CI "
                                      + formatting.hover("customdata[0]", "rate") + "–"
                                      + formatting.hover("customdata[1]", "rate") + ")<br>n = %{customdata[2]:,}"
                                      "<extra></extra>")
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=list(frame["band"]))
    fig.update_yaxes(range=[0, 105], ticksuffix="%")
    return fig
