"""How every figure reads, wherever it is shown: tiles, tables, chart hovers, the report and the command
line's table. One rule per unit (the registry's units, plus p-values, effect sizes and sentiment):

    count       1,234                 change  +12
    rate        92.6%  (one decimal)  change  +3.2 pts
    rate_difference  +3.2 pts  (a difference of two rates, in percentage points)
    score       3.87   (mean on the survey scale)        change  +0.12
    difference  +0.12  (a change in mean score)          change  +0.05
    nps         +12    (whole points, −100 to +100)      change  +5
    per_month, hours, days, number   1.4                 change  +0.3
    effect      0.45   (Cohen's d for paired answers)
    sentiment   +0.25  (−1 to +1)
    p           < 0.001, else three decimals (0.034)

A change that rounds to nothing reads '±0', never '-0'. Missing figures read '–'. The metrics JSON stays
unrounded; only what people read is formatted here.
"""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd

# Below this many people (or pairs, or goals) behind it, a figure is shown marked as small n: it can swing
# a long way with one more answer. Groups below the minimum group size (Settings) are hidden instead.
SMALL_N = 10
SMALL_N_MARK = "†"
SMALL_N_NOTE = f"† small n: fewer than {SMALL_N} behind the figure, so one more answer can move it a lot."

MISSING = "–"


def _signed(value: float, digits: int, suffix: str = "") -> str:
    """'+3', '-2', and '±0' for a change that rounds to nothing (never '-0')."""
    rounded = round(value, digits)
    return f"±0{suffix}" if rounded == 0 else f"{rounded:+,.{digits}f}{suffix}"


# unit → (the figure, a change of it)
_RULES: dict[str, tuple[Callable[[float], str], Callable[[float], str]]] = {
    "count": (lambda v: f"{v:,.0f}", lambda d: _signed(d, 0)),
    "rate": (lambda v: f"{v * 100:.1f}%", lambda d: _signed(d * 100, 1, " pts")),
    "rate_difference": (lambda v: _signed(v * 100, 1, " pts"), lambda d: _signed(d * 100, 1, " pts")),
    "score": (lambda v: f"{v:.2f}", lambda d: _signed(d, 2)),
    "difference": (lambda v: _signed(v, 2), lambda d: _signed(d, 2)),
    "nps": (lambda v: _signed(v, 0), lambda d: _signed(d, 0)),
    "number": (lambda v: f"{v:,.1f}", lambda d: _signed(d, 1)),
    "effect": (lambda v: f"{v:.2f}", lambda d: _signed(d, 2)),
    "sentiment": (lambda v: _signed(v, 2), lambda d: _signed(d, 2)),
    "p": (lambda v: p_value(v), lambda d: _signed(d, 3)),
}
_RULES.update({unit: _RULES["number"] for unit in ("per_month", "hours", "days")})
UNITS = tuple(_RULES)

# Excel number formats of the same rules, for the XLSX report. Points have no Excel format of their own: a cell
# read in points (EXCEL_TIMES_100) is written ×100.
_POINTS = '+0.0" pts";-0.0" pts";0.0" pts"'
_EXCEL_SHOW = {"count": "#,##0", "rate": "0.0%", "rate_difference": _POINTS, "score": "0.00",
               "difference": "+0.00;-0.00;0.00", "nps": "+0;-0;0", "number": "#,##0.0", "effect": "0.00",
               "sentiment": "+0.00;-0.00;0.00", "p": '[<0.001]"< 0.001";0.000'}
_EXCEL_CHANGE = {"count": "+#,##0;-#,##0;0", "rate": _POINTS, "rate_difference": _POINTS, "score": "+0.00;-0.00;0.00",
                 "difference": "+0.00;-0.00;0.00", "nps": "+0;-0;0", "number": "+#,##0.0;-#,##0.0;0.0",
                 "effect": "+0.00;-0.00;0.00", "sentiment": "+0.00;-0.00;0.00", "p": "+0.000;-0.000;0.000"}
for _unit in ("per_month", "hours", "days"):
    _EXCEL_SHOW[_unit], _EXCEL_CHANGE[_unit] = _EXCEL_SHOW["number"], _EXCEL_CHANGE["number"]
# By report cell kind: '<unit>' and '<unit>_change'.
EXCEL = {**_EXCEL_SHOW, **{f"{unit}_change": code for unit, code in _EXCEL_CHANGE.items()}}
EXCEL_TIMES_100 = ("rate_change", "rate_difference", "rate_difference_change")

# Plotly hover formats of the same rules (a rate's value already in percent, a rate difference's in points).
D3 = {"count": ",.0f", "rate": ".1f", "rate_difference": "+.1f", "score": ".2f", "difference": "+.2f", "nps": "+.0f",
      "number": ",.1f", "effect": ".2f", "sentiment": "+.2f", "per_month": ",.1f", "hours": ",.1f", "days": ",.1f"}


def hover(field: str, unit: str) -> str:
    """A plotly hover placeholder reading `field` by `unit`'s rule (a rate's value already in percent, a rate
    difference's in points): hover('x', 'rate') → '%{x:.1f}%'."""
    return "%{" + f"{field}:{D3[unit]}" + "}" + {"rate": "%", "rate_difference": " pts"}.get(unit, "")


def missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _rule(unit: str) -> tuple[Callable[[float], str], Callable[[float], str]]:
    if unit not in _RULES:
        raise ValueError(f"Unknown unit {unit!r}; choose one of {', '.join(UNITS)}.")
    return _RULES[unit]


def show(value: Any, unit: str) -> str:
    """A figure as people read it: show(0.9262, 'rate') → '92.6%'."""
    return MISSING if missing(value) else _rule(unit)[0](float(value))


def change(value: Any, unit: str) -> str:
    """A change of a figure: change(0.032, 'rate') → '+3.2 pts'; '±0' when it rounds to nothing."""
    return MISSING if missing(value) else _rule(unit)[1](float(value))


def cell(value: Any, kind: str) -> str:
    """A table cell of a kind: a unit, '<unit>_change' for a change of it, or 'p'; any other kind reads as
    a plain number."""
    if kind.endswith("_change"):
        return change(value, kind.removesuffix("_change"))
    return show(value, kind if kind in _RULES else "number")


def mean_of(unit: str) -> str:
    """The unit of a mean of figures in `unit`: a mean of counts is no count (3.5 sessions a quarter)."""
    return "number" if unit == "count" else unit


def p_value(p: float) -> str:
    """'< 0.001' for the tiny ones, else three decimals: '0.034'."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def p_text(p: float) -> str:
    """'p = 0.034', or 'p < 0.001'."""
    shown = p_value(p)
    return f"p {shown}" if shown.startswith("<") else f"p = {shown}"


def small(n: Any) -> bool:
    """Is `n` a small n (at least one, fewer than SMALL_N)?"""
    return not missing(n) and 0 < n < SMALL_N


def marked(text: str, n: Any) -> str:
    """`text` with the small-n mark when `n` is small: '67.0% †'."""
    return f"{text} {SMALL_N_MARK}" if small(n) else text


# Column headings in words, for tables and the CSV's readers alike.
HEADINGS = {
    "n": "n", "n_pairs": "matched respondents", "n_excluded": "excluded (one survey only)",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "t_p_value": "p (paired t-test)",
    "wilcoxon_p_value": "p (Wilcoxon)", "p_value": "p", "cohens_dz": "effect size (Cohen's d, paired)",
    "mean_baseline": "baseline mean", "mean_exit": "exit mean", "mean_change": "change in mean",
    "scale_points": "scale (points)", "top2box": "top-2-box share", "at_risk": "pairs still followed",
    "nps": "NPS", "first_date": "first date", "last_date": "last date",
}


def heading(column: str) -> str:
    """A column's heading in words: 'ci_low' → '95% CI low', 'open_pairs' → 'open pairs'."""
    return HEADINGS.get(column, column.replace("_", " "))
