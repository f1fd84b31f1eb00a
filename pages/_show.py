"""How every page shows figures: tiles, charts with their captions, n and CSV downloads, hidden (suppressed)
values, empty states, and user text escaped (tables: pages/_tables.py). Pages stay layout only; what they show
comes from `analytics` through pages/_session.py.
"""
from __future__ import annotations

from typing import Any, Callable

import pandas as pd
import streamlit as st

from analytics.measures import registry, stats
from analytics.present import charts, escaping, formatting, wording
from analytics.present import insights as insights_module
from analytics.present.charts import vega
from pages._session import filters, period, require, setting, standard
from pages._tables import definition, download

SUPPRESSED_HELP = ("Hidden to protect anonymity: fewer respondents than the minimum group size "
                   "(Settings) answered in this group. The count stays visible; the figure does not.")
SHIELDED_HELP = ("Hidden with a smaller group, to protect anonymity: this group is large enough, but beside the "
                 "figures shown for other filters, quarters or months it would give a smaller group's away "
                 "(docs/privacy.md). The count stays visible; the figure does not.")


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
