"""How every page shows figures: tables, tiles, charts with their captions, n and CSV downloads, hidden
(suppressed) values, empty states, and user text escaped. Pages stay layout only; what they show comes from
`analytics` through pages/_session.py.
"""
from __future__ import annotations

import csv
from functools import partial
from typing import Any, Callable

import numpy as np
import pandas as pd
import streamlit as st

from analytics.measures import registry, stats
from analytics.present import charts, escaping, formatting, wording
from analytics.present import insights as insights_module
from analytics.present.charts import vega
from pages._session import filters, period, require, setting, standard

SUPPRESSED_HELP = ("Hidden to protect anonymity: fewer respondents than the minimum group size "
                   "(Settings) answered in this group. The count stays visible; the figure does not.")
SHIELDED_HELP = ("Hidden with a smaller group, to protect anonymity: this group is large enough, but beside the "
                 "figures shown for other filters, quarters or months it would give a smaller group's away "
                 "(docs/privacy.md). The count stays visible; the figure does not.")


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


def _draw(spec: dict | None, fig, name: str) -> None:
    """Drawn with Vega-Lite, whose script a new session loads in tenths of a second where plotly.js takes over
    one (benchmarks/RESULTS.md); with plotly when the figure holds a part the translation does not draw."""
    if spec is None:
        st.plotly_chart(fig, theme=None, key=f"chart_{name}", config={"displaylogo": False})
    else:
        st.vega_lite_chart(spec, theme=None, key=f"chart_{name}", width="stretch")


@st.cache_data(max_entries=1000, show_spinner=False)
def _drawn(builder: str, data: pd.DataFrame, options: tuple, _build: Callable[..., Any]) -> tuple:
    """A builder's chart of `data` as the page draws it: its Vega-Lite spec, and the figure itself only when
    there is no spec. Kept by the data's content, so that every session showing the same figures skips
    building them (plotly's figures are slow to build); a builder's output depends on its inputs alone."""
    fig = _build(data, **dict(options))
    spec = vega.spec(fig)
    return spec, (fig if spec is None else None)


def readable(frame: pd.DataFrame, column_config: dict | None = None) -> pd.DataFrame:
    """`frame` as a reader sees it: codes as words (charts.label), blanks empty, and, where a row is
    suppressed, each figure hidden in it read as charts do ('n < K', or hidden with a smaller group)
    with no flag columns. Figures hidden somewhere become text, formatted as `column_config` says."""
    out = frame.copy()
    for column in charts.CODED & set(out.columns):
        out[column] = out[column].map(lambda v: v if missing(v) else charts.label(v))
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
            out[column] = out[column].map(lambda v: "" if missing(v) else text(v)).where(~hidden, why)
        out = out.drop(columns=["suppressed", stats.SHIELDS], errors="ignore")
    # p-values read '< 0.001' or with three decimals (a number format would print 8.81e-06).
    for column in [c for c in out.columns if c.endswith("p_value") and pd.api.types.is_float_dtype(out[c])]:
        out[column] = out[column].map(lambda v: "" if missing(v) else formatting.p_value(v))
    for column in out.columns:
        if pd.api.types.infer_dtype(out[column], skipna=True) in ("string", "empty"):  # dates stay dates
            out[column] = out[column].map(lambda v: "" if missing(v) else v)
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
    """A table (user text never read as markup: see `readable` and `static_cells`) with its caption (else its
    metric's definition) and its data, as computed, as CSV. `kinds` reads columns as formatting.cell does, by
    one kind or a kind per row (a column of figures in different units). A short table is static; a longer
    one is a grid whose columns fit `fit` pixels."""
    if frame is None or frame.empty:
        return
    shown = readable(frame, config.get("column_config"))
    for column, kind in (kinds or {}).items():
        per_row = kind if isinstance(kind, pd.Series) else pd.Series(kind, index=shown.index)
        # Hidden figures ('n < 5') and blanks stay as readable wrote them.
        shown[column] = [formatting.cell(v, k) if isinstance(v, (int, float)) and not missing(v) else v
                         for v, k in zip(shown[column], per_row)]
    marks = small_n_marks(frame)
    if marks is not None:  # a figure over few people reads like any other unless its row says so
        shown.insert(0, formatting.SMALL_N_MARK, marks.to_numpy())
        if "column_order" in config:
            config["column_order"] = [formatting.SMALL_N_MARK, *config["column_order"]]
    if len(shown) <= STATIC_ROWS:
        st.table(static_cells(shown, config.get("column_config"), config.get("column_order")), hide_index=True)
    else:
        _grid(shown, name, fit, config)
    text = " ".join(filter(None, [caption or (definition(metric) if metric else None),
                                  formatting.SMALL_N_NOTE if marks is not None else None]))
    if text:
        st.caption(text)
    download(frame, name)


# A table this short is drawn static (st.table): the sortable grid (st.dataframe) costs a new session's first
# screen about half a second more in the browser, worth it only for a list to scroll, sort and search.
STATIC_ROWS = 20


def static_cells(shown: pd.DataFrame, column_config: dict | None = None,
                 column_order: list[str] | None = None) -> pd.DataFrame:
    """`shown` as a static table's text: headings in words, figures as `column_config` formats them (else by
    formatting's rules), dates as days, and every text escaped, since st.table reads each cell as Markdown."""
    cells = {}
    for column in column_order or shown.columns:
        form = ((column_config or {}).get(column) or {}).get("type_config", {}).get("format")
        cells[escape(formatting.heading(column))] = [escape(_static_cell(v, form)) for v in shown[column]]
    return pd.DataFrame(cells)


def _static_cell(value: Any, form: str | None) -> str:
    if isinstance(value, str):
        return value
    if missing(value):
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
    for column, kept in list(config.get("column_config", {}).items()):
        if (kept or {}).get("type_config", {}).get("format") == "percent" and column in shown \
                and pd.api.types.is_numeric_dtype(shown[column]):
            shown[column] = shown[column] * 100
            config["column_config"][column] = st.column_config.NumberColumn(formatting.heading(column),
                                                                             format="%.1f%%")
    widths = fitted_widths(shown, fit)
    headers = {c: st.column_config.Column(formatting.heading(c), width=widths[c], help=formatting.heading(c))
               for c in shown.columns}
    dates = {c: st.column_config.DateColumn(formatting.heading(c), format="YYYY-MM-DD", width=widths[c])
             for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])}
    given = {c: {**kept, "width": widths[c]} for c, kept in config.get("column_config", {}).items()
             if c in shown.columns and pd.api.types.is_numeric_dtype(shown[c])}
    config["column_config"] = {**headers, **dates, **given}
    st.dataframe(shown, hide_index=True, key=f"table_{name}", **config)


SMALL_N_COLUMNS = ("n", "n_pairs")  # the count a row's figures are computed over, where a table has one


def small_n_marks(frame: pd.DataFrame) -> pd.Series | None:
    """'†' for each row whose figures rest on a small n (formatting.small), '' for the others; None when no
    row's does, or the table counts nothing."""
    counted = next((c for c in SMALL_N_COLUMNS if c in frame.columns), None)
    if counted is None or not frame[counted].map(formatting.small).any():
        return None
    return frame[counted].map(lambda n: formatting.SMALL_N_MARK if formatting.small(n) else "")


missing = formatting.missing


def tile(label: str, value: Any, *, kind: str = "rate", previous: Any = None, change: Any = None,
         significant: bool | None = None, suppressed: bool = False, n: Any = None, metric: str | None = None,
         shielded: bool = False) -> None:
    """A KPI tile: the value (formatting's rule for its unit `kind`), its change on the previous quarter
    (✱ when p < 0.05), 'n < K' (K the minimum group size) when suppressed ('hidden' when `shielded`, hidden
    with a smaller group), the definition and n in the tooltip, and the small-n mark when n is small."""
    count = "" if missing(n) else f" n = {int(n):,}."
    if suppressed and not (missing(n) or n == 0):
        # A tile has room for a word: the tooltip says with what it is hidden.
        text, why = ("hidden", SHIELDED_HELP) if shielded else \
            (charts.hidden_text(setting("min_group_size")), SUPPRESSED_HELP)
        st.metric(label, text, help=why + count, border=True)
        return
    about = (definition(metric) or "") if metric else ""
    if missing(value) or suppressed:
        st.metric(label, formatting.MISSING, help=f"{about} No data for this period and these filters.{count}",
                  border=True)
        return
    if missing(change) and not missing(previous):
        change = value - previous
    delta, moved = None, False
    if not missing(change):
        mark = " ✱" if significant else ""
        delta = f"{formatting.change(change, kind)} vs previous quarter{mark}"
        moved = not delta.startswith("±0")  # no arrow for a change that rounds to nothing
    untested = "" if significant is not None or delta is None else " The change is not tested for significance."
    few = f" {formatting.SMALL_N_NOTE}" if formatting.small(n) else ""
    st.metric(label, formatting.marked(formatting.show(value, kind), n), delta=delta,
              help=f"{about}{count}{untested}{few}".strip() or None, border=True,
              delta_color="normal" if significant else "off", delta_arrow="auto" if moved else "off")


def empty_state(*needs: str) -> None:
    """Say what is missing: the file to upload next, or that these filters and quarter exclude the data."""
    message, upload = standard(wording.nothing_here, needs=needs)
    st.info(message, icon=":material/upload_file:" if upload else ":material/filter_alt_off:")


def tiles(items: list[tuple[str, Any, int, str]], per_row: int = 3) -> None:
    """KPI tiles without a comparison: (metric, value, n, what n counts or why there is no value), three to a
    row, each labelled and read as the registry declares its metric, the last under each tile as on Overview."""
    for start in range(0, len(items), per_row):
        for column, (metric, value, n, note) in zip(st.columns(per_row), items[start:start + per_row]):
            declared = registry.REGISTRY[metric]
            with column:
                tile(declared.label, value, kind=declared.unit, metric=metric, n=n)
                st.caption(small_note(note, n))


def labels(*metrics: str) -> dict[str, str]:
    """{metric: its registry label}: the series names of a chart of registered figures."""
    return {metric: registry.REGISTRY[metric].label for metric in metrics}


def split_picker(key: str, options: tuple[str, ...], default: str | None = None) -> str | None:
    """'Compare by' selector; None means one group."""
    choices = ["nothing", *options]
    picked = st.selectbox("Compare by", choices, index=choices.index(default or "nothing"), key=key,
                          help="Split the charts below into groups.")
    return None if picked == "nothing" else picked


def percent_columns(*names: str) -> dict:
    """Rate columns: `table` shows them as percent with one decimal (formatting's rule for rates)."""
    return {n: st.column_config.NumberColumn(formatting.heading(n), format="percent") for n in names}


def number_columns(**formats: str) -> dict:
    return {n: st.column_config.NumberColumn(formatting.heading(n), format=f)
            for n, f in formats.items()}


def has_rows(data: pd.DataFrame | None) -> bool:
    """Something to show: rows, and (where counted) a non-zero n."""
    if data is None or data.empty:
        return False
    return "n" not in data.columns or bool(data["n"].fillna(0).sum() > 0)


def chart(builder: Callable[..., Any], data: pd.DataFrame, name: str, *, metric: str | None = None,
          needs: tuple[str, ...] = (), caption: str | None = None, **kwargs) -> bool:
    """A figure from `data` (its builder, a module's function, draws the empty state itself) with, under it,
    its caption (else its metric's definition) and its data as CSV, plus what to upload next when there is
    nothing. False when there was nothing to show."""
    options = tuple(sorted({"min_size": setting("min_group_size"), **kwargs}.items()))
    _draw(*_drawn(f"{builder.__module__}.{builder.__qualname__}", data, options, builder), name)
    text = caption or (definition(metric) if metric else None)
    if text:
        st.caption(text)
    download(data, name)
    if not has_rows(data) and needs:
        empty_state(*needs)
    return has_rows(data)


def tile_caption(headline: dict) -> str:
    """What a headline tile counts, under it: 'n = 191 responses · 1–5 scale'."""
    scale = headline.get("scale_points")
    on_scale = f" · 1–{int(scale)} scale" if headline["kind"] == "score" and not missing(scale) else ""
    return small_note(f"{headline['n_text']}{on_scale}", headline["n"])


def small_note(text: str, n: Any) -> str:
    """A tile's caption, saying what its † means when its n is small."""
    return f"{text} · {formatting.SMALL_N_MARK} small n" if formatting.small(n) else text


def versus_caption(headline: dict) -> None:
    """'Non-participants: 78% · difference +13 pts (95% CI …), p = …' under the retention tile."""
    if headline["suppressed"] or missing(headline.get("other")):
        return
    low, high = (formatting.change(headline[bound], "rate") for bound in ("ci_low", "ci_high"))
    low = low.removesuffix(" pts")  # '+2.0 to +18.0 pts'

    text = (f"Non-participants: {formatting.show(headline['other'], 'rate')} · difference "
            f"{formatting.change(headline['difference'], 'rate')} (95% CI {low} to {high})")
    if not missing(headline.get("p_value")):
        # No ✱: that marks a significant change on the previous quarter, and this p compares groups.
        text += f", {formatting.p_text(headline['p_value'])}"
        if stats.interval_and_test_disagree(headline["ci_low"], headline["ci_high"], headline["p_value"]):
            text += f" · {stats.DISAGREE_NOTE}"
    st.caption(text)
    adjusted = headline.get("adjusted")
    if not missing(adjusted):  # a raw gap is never read without its like-for-like reading
        st.caption(f"{adjusted[:1].upper()}{adjusted[1:]}. Details on the Impact page.")


def insights() -> None:
    """The top findings in plain language."""
    found = standard(insights_module.findings)
    if found.empty:
        st.write(standard(insights_module.nothing_found))
        return
    for message in found["message"].head(6):
        st.markdown(f"- {escape(message)}")


def confirmed(action: str, label: str, icon: str, right: str) -> bool:
    """Cancel and confirm buttons under the question a page has just asked about `action`, which waits in
    st.session_state[f"{action}_pending"]: Cancel forgets it and runs the page again; confirming checks `right`
    (the buttons' being shown is not the check), forgets it and returns True."""
    confirm, cancel = st.columns(2)
    if cancel.button("Cancel", key=f"{action}_cancel"):
        st.session_state.pop(f"{action}_pending")
        st.rerun()
    if not confirm.button(label, type="primary", key=f"{action}_confirm", icon=icon):
        return False
    require(right)
    st.session_state.pop(f"{action}_pending")
    return True


def escape(text: object) -> str:
    """User text (survey answers, titles, filter values) made safe for st.markdown/st.caption."""
    return escaping.markdown(text)


def showing(grain: str | None = None) -> str:
    """The period and filters as a caption says them, the names in them escaped."""
    return filters().sentence(period(), grain, shown=escape)
