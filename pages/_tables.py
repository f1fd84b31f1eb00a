"""How every page shows a table: codes as words, hidden figures as such, a short table static, a long list's
first rows until its reader asks for all of them as a grid, and the data behind it as a CSV download whose text
cannot run as a spreadsheet formula. User text is never read as markup."""
from __future__ import annotations

import csv
import html
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from analytics.measures import registry, stats
from analytics.present import charts, escaping, formatting
from pages._session import setting


def definition(metric: str) -> str | None:
    """The registry's one-line definition of a metric (with the settings it names as set), or None."""
    found = registry.REGISTRY.get(metric)
    return found.described(setting) if found else None


def safe_csv(frame: pd.DataFrame) -> bytes:
    """CSV whose text cells cannot run as spreadsheet formulas: a leading
    = + - @ tab or CR gets a ' prefix (OWASP's CSV-injection advice)."""
    out = frame.copy()
    for column in out.columns:
        # Every column that may hold text, mixed ones too: only its text cells are changed.
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: escaping.spreadsheet(v) if isinstance(v, str) else v)
    # Quote every text cell: a bare CR inside one would otherwise split the row.
    return out.to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")


def download(frame: pd.DataFrame | None, name: str, label: str = "Download data (CSV)") -> None:
    """A button that downloads `frame` as CSV, written when it is clicked: a page offers many and most are
    never taken, so a run does not write them. A click reruns nothing (`on_click="ignore"`): the rerun would
    redraw the page for no reason, and would revoke the file's callable while the browser still asks for it."""
    if frame is None or frame.empty:
        return
    st.download_button(label, partial(safe_csv, frame), file_name=f"{name}.csv", mime="text/csv",
                       key=f"csv_{name}", icon=":material/download:", on_click="ignore")


def readable(frame: pd.DataFrame, column_config: dict | None = None) -> pd.DataFrame:
    """`frame` as a reader sees it: codes as words (charts.label), blanks empty, and, where a row is
    suppressed, each figure hidden in it read as charts do ('n < K', or hidden with a smaller group)
    with no flag columns. Figures hidden somewhere become text, formatted as `column_config` says."""
    out = frame.copy()
    for column in charts.CODED & set(out.columns):
        out[column] = out[column].map(lambda v: v if formatting.missing(v) else charts.label(v))
    if "suppressed" in out.columns:
        hidden = out["suppressed"].astype("boolean").fillna(False).astype(bool)
        shielded = (out[stats.SHIELDS].astype("boolean").fillna(False).astype(bool) if stats.SHIELDS in out
                    else hidden & False)
        why = pd.Series(charts.hidden_text(setting("min_group_size")), index=out.index).where(
            ~shielded, charts.SHIELDED_TEXT)
        for column in [c for c in out.columns if hidden.any() and pd.api.types.is_float_dtype(out[c])
                       and out.loc[hidden, c].isna().all()]:
            form = ((column_config or {}).get(column) or {}).get("type_config", {}).get("format") or "%g"
            text = formatting.p_value if column.endswith("p_value") else (lambda v, form=form: _by_form(v, form))
            out[column] = out[column].map(lambda v: "" if formatting.missing(v) else text(v)).where(~hidden, why)
        out = out.drop(columns=["suppressed", stats.SHIELDS], errors="ignore")
    # p-values read '< 0.001' or with three decimals (a number format would print 8.81e-06).
    for column in [c for c in out.columns if c.endswith("p_value") and pd.api.types.is_float_dtype(out[c])]:
        out[column] = out[column].map(lambda v: "" if formatting.missing(v) else formatting.p_value(v))
    for column in out.columns:
        if pd.api.types.infer_dtype(out[column], skipna=True) in ("string", "empty"):  # dates stay dates
            out[column] = out[column].map(lambda v: "" if formatting.missing(v) else v)
        # The table's own CSV download writes the cells as shown: text must not run as a formula there.
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(lambda v: escaping.spreadsheet(v) if isinstance(v, str) else v)
    return out


# Pixels a table may take: the main column of the wide layout at 1400 px is 938 px wide.
TABLE_WIDTH = 930
# Source Sans at the grid's 14 px: about 6.5 px a character, 16 px of padding a cell.
CHAR_PX, PAD_PX, MIN_COLUMN_PX = 6.5, 16, 56


def fitted_widths(shown: pd.DataFrame, budget: int = TABLE_WIDTH) -> dict[str, int]:
    """A width per column so that all of them fit `budget` pixels: each as wide as its heading and
    content need, and when they do not fit, the widest cut down to one cap (long text and headings end
    in '…'; the cell and the heading's tooltip keep it whole)."""
    need = {}
    for column in shown.columns:
        values = shown[column].dropna()
        if pd.api.types.is_bool_dtype(values):
            chars = 2
        elif pd.api.types.is_float_dtype(values):
            chars = 8
        elif pd.api.types.is_datetime64_any_dtype(values):
            chars = 10
        else:
            chars = int(values.astype(str).str.len().max()) if len(values) else 0
        need[column] = max(MIN_COLUMN_PX, int(PAD_PX + CHAR_PX * max(chars, len(formatting.heading(column)))))
    cap = max(need.values(), default=0)
    while cap > MIN_COLUMN_PX and sum(min(w, cap) for w in need.values()) > budget:
        cap -= 4
    return {column: min(width, cap) for column, width in need.items()}


def table(frame: pd.DataFrame | None, name: str, metric: str | None = None, caption: str | None = None,
          kinds: dict[str, str | pd.Series] | None = None, fit: int = TABLE_WIDTH, **config) -> None:
    """A table (user text never read as markup: see `readable` and `static_html`) with its caption (else its
    metric's definition) and its data, as computed, as CSV. `kinds` reads columns as formatting.cell does, by
    one kind or a kind per row (a column of figures in different units). A short table is static; a longer
    one shows its first rows static, and the whole list as a grid whose columns fit `fit` pixels on demand."""
    if frame is None or frame.empty:
        return
    shown = readable(frame, config.get("column_config"))
    for column, kind in (kinds or {}).items():
        per_row = kind if isinstance(kind, pd.Series) else pd.Series(kind, index=shown.index)
        # Hidden figures ('n < 5') and blanks stay as readable wrote them.
        shown[column] = [formatting.cell(v, k) if isinstance(v, (int, float)) and not formatting.missing(v) else v
                         for v, k in zip(shown[column], per_row)]
    marks = small_n_marks(frame)
    if marks is not None:  # a figure over few people reads like any other unless its row says so
        shown.insert(0, formatting.SMALL_N_MARK, marks.to_numpy())
        if "column_order" in config:
            config["column_order"] = [formatting.SMALL_N_MARK, *config["column_order"]]
    if len(shown) <= STATIC_ROWS:
        _static(shown, config)
    else:
        _long(shown, name, fit, config)
    text = " ".join(filter(None, [caption or (definition(metric) if metric else None),
                                  formatting.SMALL_N_NOTE if marks is not None else None]))
    if text:
        st.caption(text)
    download(frame, name)


# A table this short is drawn static, as HTML: the sortable grid (st.dataframe) costs a new session's first screen
# about half a second more in the browser, worth it only for a list to scroll, sort and search, and st.table,
# which reads every cell as Markdown, about 0.15 s for 20 rows of 10 columns, where HTML costs 0.01 s. A longer
# list shows its FIRST_ROWS (each page orders its list, most pressing first) until asked for all.
STATIC_ROWS, FIRST_ROWS = 30, 20
# st.table's look: thin rules, headings in grey, figures to the right.
STATIC_STYLE = """<style>
.static-table {border-collapse: collapse; width: 100%; font-size: 0.875rem; margin-bottom: 0.5rem}
.static-table th, .static-table td {border: 1px solid rgba(49, 51, 63, 0.1); padding: 0.25rem 0.375rem;
  text-align: left; vertical-align: top}
.static-table th {color: rgba(49, 51, 63, 0.6); font-weight: 400}
.static-table td.figure {text-align: right; font-variant-numeric: tabular-nums}
</style>"""


def _static(shown: pd.DataFrame, config: dict) -> None:
    st.html(static_html(shown, config.get("column_config"), config.get("column_order")))


def static_html(shown: pd.DataFrame, column_config: dict | None = None,
                column_order: list[str] | None = None) -> str:
    """`shown` as a static HTML table of `static_cells`, every text escaped: nothing in a cell is read as markup."""
    columns = list(column_order or shown.columns)
    cells = static_cells(shown, column_config, columns)
    head = "".join(f"<th>{html.escape(heading)}</th>" for heading in cells.columns)
    rows = "".join("<tr>" + "".join(map(_html_cell, texts, values)) + "</tr>"
                   for texts, values in zip(cells.itertuples(index=False), shown[columns].itertuples(index=False)))
    return f'{STATIC_STYLE}<table class="static-table"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def _html_cell(text: str, value: Any) -> str:
    """A cell's text, escaped; a figure's aligned right."""
    figure = isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))
    return f'<td class="figure">{html.escape(text)}</td>' if figure else f"<td>{html.escape(text)}</td>"


def all_rows_key(name: str) -> str:
    return f"all_rows_{name}"


@st.fragment
def _long(shown: pd.DataFrame, name: str, fit: int, config: dict) -> None:
    """A long list's first rows, static, and on demand the whole list as the grid. A fragment: showing the
    grid reruns this table alone, not the page's figures."""
    if st.toggle(f"Show all {len(shown):,} rows", key=all_rows_key(name),
                 help="As a grid: sort by any column, search, and scroll the whole list."):
        _grid(shown, name, fit, config)
    else:
        _static(shown.head(FIRST_ROWS), config)
        st.caption(f"The first {FIRST_ROWS} of {len(shown):,} rows.")


def static_cells(shown: pd.DataFrame, column_config: dict | None = None,
                 column_order: list[str] | None = None) -> pd.DataFrame:
    """`shown` as a static table's text: headings in words, figures as `column_config` formats them (else by
    formatting's rules), dates as days."""
    cells = {}
    for column in column_order or shown.columns:
        form = ((column_config or {}).get(column) or {}).get("type_config", {}).get("format")
        cells[formatting.heading(column)] = [_static_cell(v, form) for v in shown[column]]
    return pd.DataFrame(cells)


def _static_cell(value: Any, form: str | None) -> str:
    if isinstance(value, str):
        return value
    if formatting.missing(value):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d")
    if form:
        return _by_form(value, form)
    return formatting.show(value, "count" if float(value).is_integer() else "number")


def _by_form(value: Any, form: str) -> str:
    """A figure as its column's format shows it: 'percent' by formatting's rule for rates, else a printf form."""
    return formatting.show(value, "rate") if form == "percent" else form % value


def _grid(shown: pd.DataFrame, name: str, fit: int, config: dict) -> None:
    """A longer table as Streamlit's grid, which sorts and scrolls: columns fitted to `fit` pixels, rates as
    percent (kept as numbers, so that they sort) and dates as days."""
    shown, given = shown.copy(), dict(config.get("column_config", {}))  # the caller's, kept for a rerun
    for column, kept in list(given.items()):
        if (kept or {}).get("type_config", {}).get("format") == "percent" and column in shown \
                and pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column] * 100
            given[column] = st.column_config.NumberColumn(formatting.heading(column), format="%.1f%%")
    widths = fitted_widths(shown, fit)
    headers = {c: st.column_config.Column(formatting.heading(c), width=widths[c], help=formatting.heading(c))
               for c in shown.columns}
    dates = {c: st.column_config.DateColumn(formatting.heading(c), format="YYYY-MM-DD", width=widths[c])
             for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])}
    numbers = {c: {**kept, "width": widths[c]} for c, kept in given.items()
               if c in shown.columns and pd.api.types.is_numeric_dtype(shown[c])}
    st.dataframe(shown, hide_index=True, key=f"table_{name}",
                 **{**config, "column_config": {**headers, **dates, **numbers}})


SMALL_N_COLUMNS = ("n", "n_pairs")  # the count a row's figures are computed over, where a table has one


def small_n_marks(frame: pd.DataFrame) -> pd.Series | None:
    """'†' for each row whose figures rest on a small n (formatting.small), '' for the others; None when no
    row's does, or the table counts nothing."""
    counted = next((c for c in SMALL_N_COLUMNS if c in frame.columns), None)
    if counted is None or not frame[counted].map(formatting.small).any():
        return None
    return frame[counted].map(lambda n: formatting.SMALL_N_MARK if formatting.small(n) else "")




def percent_columns(*names: str) -> dict:
    """Rate columns: `table` shows them as percent with one decimal (formatting's rule for rates)."""
    return {n: st.column_config.NumberColumn(formatting.heading(n), format="percent") for n in names}


def number_columns(**formats: str) -> dict:
    return {n: st.column_config.NumberColumn(formatting.heading(n), format=f)
            for n, f in formats.items()}
