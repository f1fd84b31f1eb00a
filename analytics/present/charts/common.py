"""What every chart shares: the palette and template, codes as words, the n and what is hidden in a
subtitle, and the empty-state figure."""
from __future__ import annotations

import re
import textwrap

import pandas as pd
import plotly.graph_objects as go

from analytics.measures.registry import REGISTRY
from analytics.measures.stats import SHIELDS
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


def _whole_scale(fig: go.Figure, shown: pd.DataFrame) -> None:
    """A mean-score axis from 1 to the top of the largest scale, when `shown` has `scale_points`: an
    axis from 0 would put the lowest answer a step above nothing."""
    if "scale_points" in shown.columns and shown["scale_points"].notna().any():
        top = int(shown["scale_points"].max())
        fig.update_xaxes(range=[0.9, top + 0.1], tickvals=list(range(1, top + 1)))
