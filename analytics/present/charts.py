"""Plotly figure builders: a tidy DataFrame in, a Figure out.

Every figure shares one template and the Okabe–Ito palette (distinguishable
with the common colour-vision deficiencies), has a title, axis titles with
units, hover details and the n behind it in the subtitle. An empty frame gives
an empty-state figure that says why, never an exception. Rows flagged
`suppressed` (group below the minimum size) are left out and counted in the
subtitle. No streamlit here: the report renders the same figures.
"""
from __future__ import annotations

import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from analytics.measures import nps
from analytics.measures.registry import REGISTRY
from analytics.measures.stats import SHIELDS, interval_and_test_disagree
from analytics.present import escaping, formatting
from analytics.store.settings import SETTINGS

# Okabe & Ito (2008), "Color Universal Design".
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#999999"
# Diverging Likert colours: vermillion/orange for disagreement, sky/blue for agreement.
NEGATIVE = ["#D55E00", "#E69F00", "#F5C869"]
POSITIVE = ["#9BD0EE", "#56B4E9", "#0072B2"]
NEUTRAL = "#C8C8C8"
# Builders take the `min_group_size` setting in use; this default only serves callers without a database.
MIN_SIZE = SETTINGS["min_group_size"].default

TEMPLATE = go.layout.Template(layout=go.Layout(
    font=dict(family="Source Sans Pro, Segoe UI, Helvetica, Arial, sans-serif", size=13, color="#262730"),
    colorway=PALETTE,
    paper_bgcolor="white",
    plot_bgcolor="white",
    # A row below the top edge: the chart toolbar sits there, over the title, when it shows (on phones, at
    # every touch).
    title=dict(x=0.01, xanchor="left", xref="container", y=1, yref="container", yanchor="top",
               pad=dict(t=30), font=dict(size=16), automargin=True),
    xaxis=dict(showgrid=False, linecolor="#8a8a8a", ticks="outside", automargin=True),
    yaxis=dict(gridcolor="#e6e6e6", zeroline=False, automargin=True),
    # Below the plot, so it never covers the title however many entries wrap.
    legend=dict(orientation="h", yref="container", yanchor="bottom", y=0.01, xanchor="left", x=0.01, title=None),
    margin=dict(l=64, r=20, t=90, b=70),  # room for the y-axis title beside the tick labels
    hoverlabel=dict(bgcolor="white", font_size=13),
    height=400,
))

DIMENSION_LABELS = {
    "industry_knowledge": "Industry knowledge", "networking": "Networking",
    "emotional_support": "Emotional support", "skill_development": "Skill development",
    "job_satisfaction": "Job satisfaction", "career_clarity": "Career clarity",
    "relationship_quality": "Relationship quality", "overall_satisfaction": "Overall satisfaction",
    "nps": REGISTRY["nps"].label, "comment": "Comments",
}


# Columns whose values are codes of Mentorscope's own, shown as words; other columns hold the
# organisation's values (cohorts, departments, goal categories), shown as they are.
CODED = {"dimension", "end_reason"}


def label(code: object) -> str:
    """A dimension code or snake_case value as a reader would say it; other text as it is."""
    text = str(code)
    if text in DIMENSION_LABELS:
        return DIMENSION_LABELS[text]
    return text.replace("_", " ").capitalize() if re.fullmatch(r"[a-z][a-z0-9_]*", text) else text


def _name(code: object) -> str:
    """A label as a chart shows it: in words (`label`), and drawn as typed, never as plotly's HTML or LaTeX
    (a cohort named '<a href=…>' is no link)."""
    return escaping.plotly(label(code))


def hidden_text(min_size: int) -> str:
    """How a figure hidden by the minimum group size reads: 'n < 5'."""
    return f"n < {min_size}"


# A chart's note when some of its figures stand on a small n (formatting.SMALL_N).
SMALL_N_SUBTITLE = f"{formatting.SMALL_N_MARK} small n (under {formatting.SMALL_N})"

# How a figure reads that is hidden although its group is large enough (stats.complementary).
SHIELDED_TEXT = "hidden with a smaller group"


def _n_text(n: int | str | None, suppressed: int = 0, note: str | None = None, min_size: int = MIN_SIZE,
            what: str = "group", shielded: int = 0) -> str:
    """'n = 120 · 2 groups hidden (n < 5) · note'; `shielded` of the `suppressed` are hidden with a smaller one."""
    parts = []
    if n is not None:
        parts.append(f"n = {n}" if isinstance(n, str) else f"n = {int(n):,}")
    if suppressed:
        why = hidden_text(min_size) + (f"; {shielded} of them so that a smaller one cannot be worked out"
                                       if shielded else "")
        parts.append(f"{suppressed} {what}{'s' if suppressed != 1 else ''} hidden ({why})")
    if note:
        parts.append(note)
    return " · ".join(parts)


def _wrap(text: str | None, width: int, lines: int | None = None) -> str | None:
    """`text` in lines of at most `width` characters, and at most `lines` of them (the last one cut
    short with '…'): plotly never wraps, and cuts off at the edge. 'n = 120', 'n < 5' and 'p = 0.03'
    stay on one line."""
    if not text:
        return text
    glued = re.sub(r" ([=<]) ", "\0\\1\0", text)
    return "<br>".join(textwrap.wrap(glued, width, break_on_hyphens=False, max_lines=lines,
                                     placeholder=" …")).replace("\0", " ")


def _figure(title: str, subtitle: str, x_title: str | None, y_title: str | None, **layout) -> go.Figure:
    """A figure whose subtitle and x-axis title fit a phone's 358 px (a horizontal chart's x title is
    centred over a plot narrowed by the bar labels)."""
    fig = go.Figure()
    fig.update_layout(template=TEMPLATE, title=dict(text=title, subtitle=dict(text=_wrap(subtitle, 60))), **layout)
    fig.update_xaxes(title_text=_wrap(x_title, 28))
    fig.update_yaxes(title_text=y_title)
    return fig


def empty(title: str, message: str = "No data for this period and these filters.",
          subtitle: str = "n = 0") -> go.Figure:
    """A titled figure with a message instead of data, no axes."""
    fig = _figure(title, subtitle, None, None, height=260)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=_wrap(message, 48), x=0.5, y=0.5, xref="paper", yref="paper",
                       showarrow=False,
                       font=dict(size=14, color="#555"))
    return fig


def _nothing_shown(title: str, message: str, hidden: int, min_size: int, what: str = "group",
                   people: str = "respondents", shielded: int = 0) -> go.Figure:
    """The empty state: `message` when there is no data; when every group with data is below the minimum
    size, that it is hidden and why (its n is not 0); when they are all `shielded`, hidden with a smaller one."""
    if not hidden:
        return empty(title, message)
    if shielded == hidden:
        return empty(title, "Hidden to protect anonymity: beside the figures shown for other filters, quarters or "
                            "months, these would give a smaller group's away.", SHIELDED_TEXT)
    return empty(title, f"Hidden to protect anonymity: every {what} with data here has fewer than {min_size} "
                        f"{people}, the minimum group size.", hidden_text(min_size))


def _visible(frame: pd.DataFrame | None, value: str) -> tuple[pd.DataFrame, int]:
    """Rows that can be drawn, and how many were hidden by suppression."""
    if frame is None or frame.empty or value not in frame.columns:
        return pd.DataFrame(columns=list(frame.columns) if frame is not None else []), 0
    hidden = frame["suppressed"].fillna(False).astype(bool) if "suppressed" in frame.columns \
        else pd.Series(False, index=frame.index)
    shown = frame[~hidden & frame[value].notna()]
    # A group with nobody in it is empty, not hidden.
    answered = frame["n"].fillna(0) > 0 if "n" in frame.columns else pd.Series(True, index=frame.index)
    return shown, int((hidden & answered).sum())


def _shielded(frame: pd.DataFrame | None) -> int:
    """Groups with data hidden only to protect a smaller one (`stats.SHIELDS`)."""
    if frame is None or SHIELDS not in frame.columns:
        return 0
    answered = frame["n"].fillna(0) > 0 if "n" in frame.columns else True
    return int((frame[SHIELDS].fillna(False).astype(bool) & answered).sum())


def _total(frame: pd.DataFrame, column: str = "n") -> int | None:
    return int(frame[column].fillna(0).sum()) if column in frame.columns else None


def _per_quarter(frame: pd.DataFrame) -> str | None:
    """A trend's n as its range over the quarters ("40–60 per quarter"): a sum would count a pair open
    in six quarters six times."""
    if "n" not in frame.columns:
        return None
    low, high = int(frame["n"].fillna(0).min()), int(frame["n"].fillna(0).max())
    return f"{low:,} per quarter" if low == high else f"{low:,}–{high:,} per quarter"


# ---- satisfaction ----------------------------------------------------------

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


def _whole_scale(fig: go.Figure, shown: pd.DataFrame) -> None:
    """A mean-score axis from 1 to the top of the largest scale, when `shown` has `scale_points`: an
    axis from 0 would put the lowest answer a step above nothing."""
    if "scale_points" in shown.columns and shown["scale_points"].notna().any():
        top = int(shown["scale_points"].max())
        fig.update_xaxes(range=[0.9, top + 0.1], tickvals=list(range(1, top + 1)))


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


# ---- trends ------------------------------------------------------------------

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


# ---- retention -----------------------------------------------------------------

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


# ---- outcomes -------------------------------------------------------------------

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


# ---- impact ------------------------------------------------------------------
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
