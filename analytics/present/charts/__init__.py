"""Plotly figure builders: a tidy DataFrame in, a Figure out.

Every figure shares one template and the Okabe–Ito palette (distinguishable
with the common colour-vision deficiencies), has a title, axis titles with
units, hover details and the n behind it in the subtitle. An empty frame gives
an empty-state figure that says why, never an exception. Rows flagged
`suppressed` (group below the minimum size) are left out and counted in the
subtitle. No streamlit here: the report renders the same figures.

One module per family of charts; `common` holds what they share. Callers use the names below.
"""
from __future__ import annotations

from analytics.present.charts.common import CODED, PALETTE, SHIELDED_TEXT, hidden_text, label
from analytics.present.charts.impact import balance_dots, dose_response, raw_vs_adjusted
from analytics.present.charts.outcomes import dumbbell, participants_vs
from analytics.present.charts.retention import group_bars, km_curves
from analytics.present.charts.satisfaction import likert_diverging, mean_ci_dots, nps_split
from analytics.present.charts.trends import heatmap, nps_trend, trend

__all__ = [
    "CODED", "PALETTE", "SHIELDED_TEXT", "balance_dots", "dose_response", "dumbbell", "group_bars", "heatmap",
    "hidden_text", "km_curves", "label", "likert_diverging", "mean_ci_dots", "nps_split", "nps_trend",
    "participants_vs", "raw_vs_adjusted", "trend",
]
