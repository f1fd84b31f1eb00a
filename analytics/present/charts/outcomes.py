"""Baseline against exit, and participants against non-participants."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from analytics.measures.stats import interval_and_test_disagree
from analytics.present import formatting
from analytics.present.charts.common import (
    GREY,
    MIN_SIZE,
    PALETTE,
    _figure,
    _n_text,
    _name,
    _nothing_shown,
    _visible,
    _whole_scale,
)


def dumbbell(frame: pd.DataFrame, title: str = "Before and after mentoring, per dimension", *,
             min_size: int = MIN_SIZE) -> go.Figure:
    """Baseline and exit means joined by a line, from
    [dimension, n_pairs, mean_baseline, mean_exit, mean_change, cohens_dz?, scale_points?]."""
    shown, hidden = _visible(frame, "mean_exit")
    if shown.empty:
        return _nothing_shown(title, "No respondents with both a baseline and an exit survey.", hidden, min_size,
                              people="matched respondents")
    shown = shown.sort_values("mean_change")
    names = [_name(d) for d in shown["dimension"]]
    dz = shown["cohens_dz"] if "cohens_dz" in shown.columns else pd.Series([float("nan")] * len(shown))
    fig = _figure(title, _n_text(int(shown["n_pairs"].max()), hidden, "largest dimension's matched respondents",
                                 min_size),
                  "Mean score (1 = lowest)", None, height=max(300, 100 + 40 * len(shown)))
    for b, e, name in zip(shown["mean_baseline"], shown["mean_exit"], names):
        fig.add_scatter(x=[b, e], y=[name, name], mode="lines", line=dict(color=GREY, width=3),
                        showlegend=False, hoverinfo="skip")
    custom = list(zip(shown["n_pairs"], shown["mean_change"], dz))
    hover = (f"%{{y}}<br>%{{fullData.name}}: {formatting.hover('x', 'score')}<br>change "
             f"{formatting.hover('customdata[1]', 'difference')}, effect size "
             f"{formatting.hover('customdata[2]', 'effect')}"
             "<br>n = %{customdata[0]:,} matched respondents<extra></extra>")
    fig.add_scatter(x=shown["mean_baseline"], y=names, mode="markers", name="Baseline",
                    marker=dict(size=12, color=PALETTE[1]), customdata=custom, hovertemplate=hover)
    fig.add_scatter(x=shown["mean_exit"], y=names, mode="markers", name="Exit",
                    marker=dict(size=12, color=PALETTE[0]), customdata=custom, hovertemplate=hover)
    _whole_scale(fig, shown)
    return fig


def participants_vs(frame: pd.DataFrame, title: str = "Participants vs non-participants, last 12 months", *,
                    min_size: int = MIN_SIZE) -> go.Figure:
    """Grouped bars per measure from retention.employee_outcomes, with the difference,
    its 95% CI and p-value under each measure's name (a line each: annotations above the bars
    overprint each other on a phone) and in the hover."""
    shown, hidden = _visible(frame, "participants")
    if shown.empty:
        return _nothing_shown(title, "No employees in the 12-month window.", hidden, min_size, people="employees")
    names = [{"retention_12m": "Stayed 12 months", "promotion_rate_12m": "Promoted in 12 months"}.get(m, _name(m))
             for m in shown["measure"]]
    stats = [[f"difference {formatting.change(row.difference, 'rate')}",
              f"95% CI {formatting.change(row.ci_low, 'rate').removesuffix(' pts')} to "
              f"{formatting.change(row.ci_high, 'rate')}"]
             + ([] if pd.isna(row.p_value) else [formatting.p_text(row.p_value)])
             # small groups: the Wald interval and the exact test can disagree about zero (stats.DISAGREE_NOTE)
             + (["interval and test disagree: go by p"]
                if interval_and_test_disagree(row.ci_low, row.ci_high, row.p_value) else [])
             for row in shown.itertuples()]
    n1, n2 = int(shown["n_participants"].iloc[0]), int(shown["n_non_participants"].iloc[0])
    fig = _figure(title, f"n = {n1:,} participants, {n2:,} non-participants", None, "Share of employees (%)",
                  barmode="group")
    for column, colour, text, n in (("participants", PALETTE[0], "Participants", n1),
                                    ("non_participants", PALETTE[1], "Non-participants", n2)):
        fig.add_bar(x=names, y=shown[column] * 100, name=text, marker_color=colour,
                    texttemplate="%{y:.0f}%", textposition="outside", cliponaxis=False,
                    customdata=[", ".join(lines) for lines in stats],
                    hovertemplate="%{x}<br>" + text + ": " + formatting.hover("y", "rate") + "<br>n = " + f"{n:,}"
                                  + "<br>%{customdata}<extra></extra>")
    fig.update_xaxes(tickvals=names, tickangle=0,
                     ticktext=[f"<b>{name}</b><br>" + "<br>".join(lines) for name, lines in zip(names, stats)])
    fig.update_yaxes(range=[0, 110], ticksuffix="%")
    return fig
