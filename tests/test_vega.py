"""The pages' Vega-Lite drawing of each chart's plotly figure: the same title, n, points, intervals, order,
legend and hovers, and text drawn as typed."""
from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from analytics.present import charts
from analytics.present.charts import vega
from analytics.present.charts.vega.text import hover, lines, on_white, tooltip
from tests.test_charts import CASES, DIMENSIONS, KM, LIKERT, NPS, trend_frame


def spec_of(name: str, **changes) -> dict:
    builder, frame, kwargs = CASES[name]
    return vega.spec(builder(frame, **{**kwargs, **changes}))


def layers(spec: dict, mark: str) -> list[dict]:
    return [layer for layer in spec["layer"] if layer["mark"]["type"] == mark]


def rows(spec: dict, mark: str) -> list[dict]:
    return [row for layer in layers(spec, mark) for row in layer["data"]["values"]]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("empty", [False, True])
def test_every_chart_is_drawn_with_its_title_and_n(name, empty):
    builder, frame, kwargs = CASES[name]
    fig = builder(frame.iloc[0:0] if empty else frame, **kwargs)
    spec = vega.spec(fig)
    assert spec is not None, "drawn with Vega-Lite, not handed back to plotly"
    assert spec["title"]["text"] == lines(fig.layout.title.text)
    assert spec["title"]["subtitle"] == lines(fig.layout.title.subtitle.text)
    assert "n " in " ".join(spec["title"]["subtitle"])
    json.dumps(spec)  # what Streamlit sends: plain JSON, no numpy or pandas values


@pytest.mark.parametrize("name", [name for name in CASES if name != "heatmap"])
def test_every_point_plotly_hovers_has_a_hover(name):
    builder, frame, kwargs = CASES[name]
    fig = builder(frame, **kwargs)
    hovered = sum(len(trace.x) for trace in fig.data if trace.hovertemplate and trace.hoverinfo != "skip")
    spec = vega.spec(fig)
    tips = [row["tip"] for layer in spec["layer"] if layer["mark"].get("tooltip")
            and layer["mark"]["type"] != "text" for row in layer["data"]["values"]]
    assert len(tips) >= hovered > 0
    assert all(tip["title"] for tip in tips)


@pytest.mark.parametrize("template, point, expected", [
    ("%{y}<br>NPS: %{y:+.0f}<extra></extra>", {"y": 12.4}, ["12.4", "NPS: +12"]),
    ("n = %{customdata[1]:,}<extra>%{fullData.name}</extra>", {"customdata": [1, 1234], "name": "A"},
     ["n = 1,234", "A"]),
    ("%{x:.1f}% (%{customdata[0]:,} of %{customdata[1]:,})", {"x": 66.66, "customdata": [2, 3]},
     ["66.7% (2 of 3)"]),
    ("mean %{x:.2f} (95% CI %{customdata[0]:.2f}–%{customdata[1]:.2f})", {"x": 3.5, "customdata": [None, 4.0]},
     ["mean 3.50 (95% CI ––4.00)"]),
    ("%{y}", {"y": "&lt;a href=&quot;x&quot;&gt;"}, ['<a href="x">']),  # plotly's escaped text, drawn as typed
    ("%{customdata}", {"customdata": 7.0}, ["7"]),
    ("%{customdata:,}", {"customdata": 1234.0}, ["1,234"]),  # d3.format(",")(1234.0)
    ("%{customdata:,}", {"customdata": 1234.5}, ["1,234.5"]),
])
def test_a_hover_template_is_filled_in_per_point(template, point, expected):
    assert hover(template, point) == expected


@pytest.mark.parametrize("shown, expected", [
    (["2026Q1", "NPS: +20", "n = 50"], {"title": "2026Q1", "NPS": "+20", "n = 50": ""}),
    (["Skills", "answer 1 of 5: 5.0% (1 answers)", "answer 1 of 5: 6.0%"],
     {"title": "Skills", "answer 1 of 5": "5.0% (1 answers)", "answer 1 of 5\u200b": "6.0%"}),
    ([], {}),
])
def test_hover_lines_become_a_titled_tooltip(shown, expected):
    assert tooltip(shown) == expected


@pytest.mark.parametrize("text, expected", [
    ("<b>Stayed 12 months</b><br>difference +10.0 pts", ["Stayed 12 months", "difference +10.0 pts"]),
    ("&lt;a href&gt; &amp; &#36;x&#36;", ["<a href> & $x$"]),
    (None, []),
])
def test_plotly_text_reads_as_typed_lines(text, expected):
    assert lines(text) == expected


@pytest.mark.parametrize("ticks, keys", [
    ([0.0, 12.5, 25.0], ["0", "12.5", "25"]),  # JavaScript's '' + 25.0 is '25'
    ([-10, 0, 10], ["-10", "0", "10"]),
])
def test_tick_labels_are_looked_up_as_javascript_writes_the_tick(ticks, keys):
    fig = go.Figure(go.Scatter(x=ticks, y=[1, 2, 3], hovertemplate="%{x}"))
    fig.update_xaxes(tickvals=ticks, ticktext=["a", "b", "c"])
    expression = layers(vega.spec(fig), "line")[0]["encoding"]["x"]["axis"]["labelExpr"]
    assert json.loads(expression.split("['' + datum.value]")[0]) == dict(zip(keys, [["a"], ["b"], ["c"]]))


def test_a_figure_with_a_part_it_cannot_draw_is_left_to_plotly():
    assert vega.spec(go.Figure(go.Pie(values=[1, 2]))) is None
    assert vega.spec(go.Figure(go.Scatter(x=[1, 2], y=[1, 2], fill="tozeroy"))) is None


def test_the_page_draws_a_figure_it_cannot_translate_with_plotly():
    def page():
        import plotly.graph_objects as go

        from analytics.present.charts import vega
        from pages import _show
        for name, fig in {"pie": go.Figure(go.Pie(values=[1, 2])),
                          "bar": go.Figure(go.Bar(x=["a"], y=[1], hovertemplate="%{y}"))}.items():
            _show._draw(vega.spec(fig), fig, name)

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert (len(at.get("plotly_chart")), len(at.get("vega_lite_chart"))) == (1, 1)


def test_a_trend_is_drawn_on_a_time_axis_labelled_by_quarter():
    spec = spec_of("nps_trend")
    line = layers(spec, "line")[0]
    x = line["encoding"]["x"]
    assert (x["type"], x["scale"]["type"]) == ("temporal", "utc")
    assert [tick["month"] for tick in x["axis"]["values"]] == [11, 2, 5]  # the quarters' midpoints
    assert '["Q4", "2025"]' in x["axis"]["labelExpr"]
    assert [row["y"] for row in line["data"]["values"]] == [10.0, 20.0, 15.0]
    band = layers(spec, "area")[0]["data"]["values"]
    assert [(row["low"], row["high"]) for row in band] == [(0.0, 20.0), (8.0, 32.0), (5.0, 25.0)]


def test_whiskers_span_each_dots_interval_and_hidden_groups_are_not_drawn():
    spec = spec_of("mean_ci")
    shown = DIMENSIONS[~DIMENSIONS["suppressed"]]
    assert sorted((row["low"], row["high"]) for row in rows(spec, "rule")) == \
        sorted(zip(shown["ci_low"], shown["ci_high"]))
    assert len(rows(spec, "point")) == len(shown)
    assert layers(spec, "point")[0]["encoding"]["yOffset"]["field"] == "series"  # groups side by side


@pytest.mark.parametrize("name, order", [
    ("likert", ["Networking", "Career clarity"]),  # most agreement on top, as plotly draws it
    ("dose_response", ["3-5", "6-11", "12+"]),  # the hidden band leaves no empty slot
])
def test_categories_keep_plotlys_order(name, order):
    spec = spec_of(name)
    main = next(layer for layer in spec["layer"] if layer["mark"]["type"] in ("bar", "line"))
    axis = "y" if name == "likert" else "x"
    assert main["encoding"][axis]["scale"]["domain"] == order


def test_likert_bars_stack_in_one_layer_both_sides_of_zero():
    spec = spec_of("likert")
    bar = layers(spec, "bar")[0]
    assert bar["encoding"]["x"]["stack"] == "zero"
    networking = [row for row in bar["data"]["values"] if row["y"] == "Networking"]
    assert sum(row["x"] for row in networking if row["x"] > 0) == pytest.approx(
        100 * (LIKERT.query("dimension == 'networking' and value > 3")["share"].sum()
               + LIKERT.query("dimension == 'networking' and value == 3")["share"].sum() / 2))
    assert len(layers(spec, "rule")) == 1, "the zero line"


def test_grouped_bars_sit_side_by_side_with_their_labels():
    spec = spec_of("participants_vs")
    bar = layers(spec, "bar")[0]
    assert bar["encoding"]["x"]["type"] == "nominal" and bar["encoding"]["xOffset"]["field"] == "series"
    assert [row["label"] for row in rows(spec, "text")] == ["90%", "20%", "80%", "10%"]
    assert bar["encoding"]["color"]["scale"]["domain"] == ["Participants", "Non-participants"]


def test_a_band_in_the_legend_is_drawn_as_it_looks_on_white():
    # 255 − (255 − c) × 0.15 for c = 0, 114, 178: 216.75, 233.85, 243.45
    assert on_white("rgba(0,114,178,0.15)") == "rgb(217,234,243)"
    legend = layers(spec_of("nps_trend"), "line")[0]["encoding"]["color"]["scale"]
    assert dict(zip(legend["domain"], legend["range"])) == {"95% CI": "rgb(217,234,243)", "NPS": charts.PALETTE[0]}


def test_survival_curves_step_and_their_bands_stay_out_of_the_legend():
    spec = spec_of("km")
    curves = layers(spec, "line")
    assert {layer["mark"]["interpolate"] for layer in curves} == {"step-after"}
    assert [layer["encoding"]["color"]["scale"]["domain"] for layer in curves] == [["C1", "C2"]] * 2
    assert all("color" in layer["mark"] for layer in layers(spec, "area"))  # a colour of their own
    assert len(rows(spec, "line")) == len(KM)


def test_nps_shares_stack_to_a_hundred():
    bar = layers(spec_of("nps_split"), "bar")[0]
    total = {}
    for row in bar["data"]["values"]:
        total[row["y"]] = total.get(row["y"], 0) + row["x"]
    assert total == pytest.approx({program: 100.0 for program in NPS["program"]})


def test_heat_map_cells_carry_their_value_text_and_hover():
    spec = spec_of("heatmap")
    cells = rows(spec, "rect")
    assert [(row["x"], row["y"], row["label"]) for row in cells] == [
        ("Apr 2026", "C1", "80%"), ("May 2026", "C1", "60%"), ("Apr 2026", "C2", "25%")]
    assert cells[0]["tip"] == {"title": "Cohort C1, Apr 2026", "active pairs": "80.0%", "pairs open": "10"}


def test_improvement_actions_are_lines_with_their_labels():
    frame = trend_frame(value=[10.0, 20.0, 15.0], ci_low=[0.0, 8, 5], ci_high=[20.0, 32, 25])
    actions = pd.DataFrame({"started_on": ["2026-02-01"], "title": ["<b>Kick-off</b> & more"]})
    spec = vega.spec(charts.nps_trend(frame, actions))
    rule = rows(spec, "rule")[0]
    note = next(row for row in rows(spec, "text") if "Kick-off" in row["text"])
    assert rule["x"] == note["x"] == 1769904000000  # 2026-02-01 in epoch milliseconds (UTC)
    assert note["text"] == "<b>Kick-off</b> & more"  # as typed: Vega draws no markup


# A line's hover points: every point up to HOVER_POINTS (120), else 120 evenly spaced with the first and last; the
# line itself carries no hovers, its invisible points do.
@pytest.mark.parametrize("points, hovers, between", [
    (10, list(range(10)), None),
    (120, list(range(120)), None),
    (1000, None, 8.4),  # 999 / 119 = 8.39 rows apart, rounded
])
def test_a_long_lines_hover_points_are_spaced_across_it(points, hovers, between):
    fig = go.Figure(go.Scatter(x=list(range(points)), y=[i % 7 for i in range(points)], mode="lines",
                               hovertemplate="%{x}: %{y}<extra></extra>"))
    spec = vega.spec(fig)
    line, = layers(spec, "line")
    hover, = [layer for layer in spec["layer"] if layer["mark"].get("opacity") == 0]
    assert len(line["data"]["values"]) == points and not [row for row in line["data"]["values"] if "tip" in row]
    xs = [row["x"] for row in hover["data"]["values"]]
    assert all("tip" in row for row in hover["data"]["values"])
    if hovers is not None:
        assert xs == hovers
    else:
        gaps = [b - a for a, b in zip(xs, xs[1:])]
        assert len(xs) == 120 and (xs[0], xs[-1]) == (0, points - 1) and set(gaps) == {8, 9}
        assert (xs[-1] - xs[0]) / len(gaps) == pytest.approx(between, abs=0.01)
