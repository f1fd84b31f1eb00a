"""Chart builders: every figure has a title, axis titles, traces and its n; an empty
frame gives an empty-state figure instead of an exception."""
from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from analytics.measures.filters import Period
from analytics.present import charts

PERIODS = Period.parse("2026Q2").quarters_back(3)


def trend_frame(**columns) -> pd.DataFrame:
    frame = pd.DataFrame({"period": [p.label for p in PERIODS], "start": [p.start for p in PERIODS],
                          "end": [p.end for p in PERIODS], "n": [40, 50, 60]})
    return frame.assign(**columns)


LIKERT = pd.DataFrame({"dimension": ["networking"] * 5 + ["career_clarity"] * 5, "scale_points": [5] * 10,
                       "value": [1, 2, 3, 4, 5] * 2, "count": [1, 2, 3, 4, 10, 2, 2, 2, 2, 2],
                       "share": [.05, .1, .15, .2, .5, .2, .2, .2, .2, .2], "n": [20] * 5 + [10] * 5,
                       "suppressed": [False] * 10})
DIMENSIONS = pd.DataFrame({"dimension": ["networking", "career_clarity", "networking", "career_clarity"],
                           "program": ["A", "A", "B", "B"], "n": [12, 12, 3, 9], "mean": [3.9, 3.1, None, 3.5],
                           "ci_low": [3.5, 2.8, None, 3.0], "ci_high": [4.3, 3.4, None, 4.0],
                           "suppressed": [False, False, True, False]})
NPS = pd.DataFrame({"program": ["A", "B"], "n": [20, 10], "promoters": [10, 2], "passives": [5, 3],
                    "detractors": [5, 5], "suppressed": [False, False]})
HEAT = pd.DataFrame({"cohort": ["C1", "C1", "C2"], "month": [date(2026, 4, 1), date(2026, 5, 1), date(2026, 4, 1)],
                     "n": [10, 10, 8], "active_pairs": [8, 6, 2], "active_pair_rate": [.8, .6, .25],
                     "sessions_held": [12, 9, 2]})
KM = pd.DataFrame({"cohort": ["C1"] * 3 + ["C2"] * 3, "months": [0, 2.5, 6, 0, 1, 4],
                   "survival": [1, .9, .8, 1, .85, .7], "ci_low": [1, .8, .6, 1, .7, .5],
                   "ci_high": [1, .97, .9, 1, .95, .85], "at_risk": [10, 8, 5, 12, 9, 4], "n": [10] * 3 + [12] * 3})
EMPLOYEES = pd.DataFrame({"measure": ["retention_12m", "promotion_rate_12m"], "participants": [.9, .2],
                          "non_participants": [.8, .1], "difference": [.1, .1], "ci_low": [.02, .01],
                          "ci_high": [.18, .19], "p_value": [.02, .0004], "n_participants": [60, 60],
                          "n_non_participants": [200, 200], "n": [60, 60], "suppressed": [False, False]})
PRE_POST = pd.DataFrame({"dimension": ["networking", "skill_development"], "n_pairs": [14, 15],
                         "mean_baseline": [2.8, 3.0], "mean_exit": [3.6, 3.4], "mean_change": [.8, .4],
                         "cohens_dz": [.9, .4], "suppressed": [False, False]})
RAW_ADJUSTED = pd.DataFrame({
    "outcome": ["Retention", "Retention", "Promotion", "Promotion"],
    "comparison": ["raw: all non-participants", "adjusted: comparable colleagues"] * 2,
    "participants": [.85, .81, .17, .16], "others": [.76, .75, .09, .08], "difference": [.09, .06, .08, .08],
    "ci_low": [.02, -.03, .01, .01], "ci_high": [.16, .14, .14, .15], "n_participants": [133, 89, 133, 89],
    "n_others": [787, 260, 787, 260], "n": [133, 89, 133, 89], "suppressed": [False] * 4})
BALANCE = pd.DataFrame({"covariate": ["level"] * 3, "level": ["Senior"] * 3,
                        "group": ["participants", "all non-participants", "comparable colleagues (weighted)"],
                        "share": [.3, .2, .29], "n": [133, 787, 260]})
DOSE = pd.DataFrame({"band": ["0-2", "3-5", "6-11", "12+"], "n": [4, 16, 32, 81],
                     "retention_12m": [None, .94, .88, .83], "retention_ci_low": [None, .82, .76, .74],
                     "retention_ci_high": [None, 1, .99, .91], "promotion_rate_12m": [None, .13, .19, .17],
                     "promotion_ci_low": [None, 0, .05, .09], "promotion_ci_high": [None, .29, .32, .26],
                     "suppressed": [True, False, False, False]})
GOALS = pd.DataFrame({"category": ["Skills", "Career"], "n": [20, 10], "goal_attainment_rate": [.6, .4]})

CASES = {
    "likert": (charts.likert_diverging, LIKERT, {}),
    "mean_ci": (charts.mean_ci_dots, DIMENSIONS, {"by": "program"}),
    "nps_split": (charts.nps_split, NPS, {"by": "program"}),
    "nps_trend": (charts.nps_trend, trend_frame(value=[10.0, 20.0, 15.0], ci_low=[0.0, 8, 5], ci_high=[20.0, 32, 25]),
                  {}),
    "trend": (charts.trend, trend_frame(active_pair_rate=[.7, .8, .75], cadence_adherence=[.5, .6, .55]),
              {"series": {"active_pair_rate": "Active", "cadence_adherence": "Cadence"}, "title": "Activity",
               "y_title": "Pairs (%)", "percent": True}),
    "heatmap": (charts.heatmap, HEAT, {}),
    "km": (charts.km_curves, KM, {"group": "cohort", "p_value": 0.04}),
    "group_bars": (charts.group_bars, GOALS, {"category": "category", "value": "goal_attainment_rate",
                                              "title": "Goals", "value_title": "Achieved (%)"}),
    "participants_vs": (charts.participants_vs, EMPLOYEES, {}),
    "dumbbell": (charts.dumbbell, PRE_POST, {}),
    "raw_vs_adjusted": (charts.raw_vs_adjusted, RAW_ADJUSTED, {}),
    "balance": (charts.balance_dots, BALANCE, {}),
    "dose_response": (charts.dose_response, DOSE, {}),
}


def text_of(fig) -> str:
    """Title and subtitle as one line of text (long subtitles are wrapped)."""
    return f"{fig.layout.title.text} {fig.layout.title.subtitle.text}".replace("<br>", " ")


@pytest.mark.parametrize("name", CASES)
def test_figure_is_titled_labelled_and_shows_n(name):
    builder, frame, kwargs = CASES[name]
    fig = builder(frame, **kwargs)
    assert fig.layout.title.text
    assert "n = " in text_of(fig)
    assert fig.data, "a figure with data draws traces"
    assert fig.layout.xaxis.title.text or fig.layout.yaxis.title.text
    if name not in ("likert", "mean_ci", "nps_split", "dumbbell", "participants_vs", "group_bars",
                    "raw_vs_adjusted", "balance", "dose_response"):
        assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert any(getattr(trace, "hovertemplate", None) for trace in fig.data)
    assert fig.layout.template.layout.colorway == tuple(charts.PALETTE)


@pytest.mark.parametrize("name", CASES)
def test_empty_frame_gives_an_empty_state(name):
    builder, frame, kwargs = CASES[name]
    fig = builder(frame.iloc[0:0], **kwargs)
    assert fig.layout.title.text
    assert not fig.data
    assert fig.layout.annotations, "the empty state explains itself"


@pytest.mark.parametrize("name", CASES)
def test_all_suppressed_is_an_empty_state_not_zeros(name):
    builder, frame, kwargs = CASES[name]
    hidden = frame.assign(suppressed=True)
    fig = builder(hidden, **kwargs)
    if name in ("heatmap", "km", "group_bars", "trend", "nps_trend", "balance"):
        return  # counts and survival curves are never suppressed
    assert not fig.data
    assert fig.layout.annotations


def test_suppressed_groups_are_left_out_and_counted():
    fig = charts.mean_ci_dots(DIMENSIONS, by="program")
    assert "1 group hidden (n < 5)" in text_of(fig)
    plotted = sum(len(trace.x) for trace in fig.data)
    assert plotted == 3


@pytest.mark.parametrize("scales, axis, ticks", [
    ([5, 5, 5, 5], (0.9, 5.1), [1, 2, 3, 4, 5]),
    ([7, 7, 7, 7], (0.9, 7.1), [1, 2, 3, 4, 5, 6, 7]),
    (None, None, None),  # no scale known: the axis is left to fit the dots
])
def test_mean_axis_spans_the_scale_from_one(scales, axis, ticks):
    frame = ROLE_MEANS if scales is None else ROLE_MEANS.assign(scale_points=scales)
    xaxis = charts.mean_ci_dots(frame, by="role").layout.xaxis
    assert (xaxis.range, xaxis.tickvals) == (axis, None if ticks is None else tuple(ticks))


@pytest.mark.parametrize("scales, axis, ticks", [
    ([5, 5], (0.9, 5.1), [1, 2, 3, 4, 5]),
    ([7, 7], (0.9, 7.1), [1, 2, 3, 4, 5, 6, 7]),
    (None, None, None),
])
def test_baseline_to_exit_axis_spans_the_scale_from_one(scales, axis, ticks):
    frame = pd.DataFrame({"dimension": ["networking", "career_clarity"], "n_pairs": [8, 9],
                          "mean_baseline": [2.5, 3.0], "mean_exit": [3.5, 3.25], "mean_change": [1.0, 0.25],
                          "n": [8, 9], "suppressed": [False, False]})
    frame = frame if scales is None else frame.assign(scale_points=scales)
    xaxis = charts.dumbbell(frame).layout.xaxis
    assert (xaxis.range, xaxis.tickvals) == (axis, None if ticks is None else tuple(ticks))


@pytest.mark.parametrize("started_on, title, side, text", [
    (date(2025, 11, 1), "Monthly check-in reminders", "left", "Monthly check-in<br>reminders"),
    # late in the last quarter: the label reads leftwards, inside the axis, its title whole in the hover
    (date(2026, 6, 15), "Matching by skills and interests, not only by department", "right",
     "Matching by skills and<br>interests, not only …"),
])
def test_improvement_actions_are_marked_within_the_quarters_shown(started_on, title, side, text):
    """An action's label never widens the axis past the last quarter, nor is cut off at the edge."""
    actions = pd.DataFrame({"started_on": [started_on], "title": [title]})
    for fig in (charts.nps_trend(CASES["nps_trend"][1], actions=actions),
                charts.trend(CASES["trend"][1], actions=actions, **CASES["trend"][2])):
        assert [s.line.dash for s in fig.layout.shapes] == ["dash"]
        [note] = fig.layout.annotations
        assert (note.text, note.xanchor, note.hovertext) == (text, side, f"Improvement from {started_on}: {title}")
        assert [pd.Timestamp(x) for x in fig.layout.xaxis.range] == [pd.Timestamp(PERIODS[0].start),
                                                                     pd.Timestamp(PERIODS[-1].end)]


@pytest.mark.parametrize("periods, ticks", [
    (PERIODS, ["Q4<br>2025", "Q1<br>2026", "Q2"]),
    (Period.parse("2026Q3").quarters_back(6), ["Q2<br>2025", "Q3", "Q4", "Q1<br>2026", "Q2", "Q3"]),
    ([Period.parse("FY2027Q1", 7), Period.parse("FY2027Q2", 7)], ["Q1<br>FY2027", "Q2"]),
    ([Period.between(date(2026, 1, 1), date(2026, 5, 31), "Jan–May 2026")], ["Jan–May 2026"]),
])
def test_every_quarter_is_labelled_upright_on_trend_axes(periods, ticks):
    """Short upright labels fit a phone: rotated names ran past the edge and plotly hid the last one."""
    frame = pd.DataFrame({"period": [p.label for p in periods], "start": [p.start for p in periods],
                          "end": [p.end for p in periods], "n": 40, "value": 10.0})
    xaxis = charts.nps_trend(frame).layout.xaxis
    assert (list(xaxis.ticktext), len(xaxis.tickvals), xaxis.tickangle) == (ticks, len(periods), 0)


@pytest.mark.parametrize("code, expected", [
    ("overall_satisfaction", "Overall satisfaction"), ("left_organization", "Left organization"),
    ("2025 Autumn", "2025 Autumn"), ("E100853", "E100853")])
def test_labels_read_like_words_without_mangling_names(code, expected):
    assert charts.label(code) == expected




@pytest.mark.parametrize("started_on, drawn", [
    (PERIODS[0].start, True),   # the first day shown
    (PERIODS[-1].end, True),    # the last day shown
    (PERIODS[0].start - timedelta(days=1), False),
    (PERIODS[-1].end + timedelta(days=1), False),  # e.g. an action logged today, after the last quarter
])
def test_actions_outside_the_quarters_shown_are_left_out(started_on, drawn):
    actions = pd.DataFrame({"started_on": [started_on], "title": ["Buddy lunches"]})
    fig = charts.nps_trend(CASES["nps_trend"][1], actions=actions)
    assert ("Buddy lunches" in [a.text for a in fig.layout.annotations]) is drawn
    assert [pd.Timestamp(x) for x in fig.layout.xaxis.range] == [pd.Timestamp(PERIODS[0].start),
                                                                 pd.Timestamp(PERIODS[-1].end)]
    assert len(fig.layout.shapes) == int(drawn)


# A respondent answers every dimension: 10 respondents → 10 answers per dimension, not 10 × dimensions.
ROLE_MEANS = pd.DataFrame({"dimension": ["networking", "career_clarity", "networking", "career_clarity"],
                           "role": ["mentee", "mentee", "mentor", "mentor"], "n": [10, 9, 6, 6],
                           "mean": [3.9, 3.1, 4.0, 3.5], "ci_low": [3.5, 2.8, 3.4, 3.0],
                           "ci_high": [4.3, 3.4, 4.6, 4.0], "suppressed": [False] * 4})


@pytest.mark.parametrize("by, expected", [(None, "n = 10 "), ("role", "n = 16 ")])
def test_mean_chart_n_counts_responses_not_answers_summed_over_dimensions(by, expected):
    fig = charts.mean_ci_dots(ROLE_MEANS, by=by)
    assert expected in text_of(fig)


@pytest.mark.parametrize("name", ["likert", "mean_ci", "nps_split", "dumbbell", "participants_vs"])
@pytest.mark.parametrize("min_size", [5, 200])
def test_a_hidden_group_reads_n_below_the_minimum_size_in_use(name, min_size):
    builder, frame, kwargs = CASES[name]
    fig = builder(frame.assign(suppressed=True), **kwargs, min_size=min_size)
    text = f"{text_of(fig)} {' '.join(a.text for a in fig.layout.annotations)}"
    assert f"n < {min_size}" in text
    assert f"fewer than {min_size}" in text
    assert "n = 0" not in text


@pytest.mark.parametrize("min_size", [5, 200])
def test_a_partly_hidden_chart_counts_its_hidden_groups_with_the_minimum_size_in_use(min_size):
    assert f"1 group hidden (n < {min_size})" in text_of(charts.mean_ci_dots(DIMENSIONS, by="program",
                                                                              min_size=min_size))


@pytest.mark.parametrize("builder, frame, kwargs, names", [
    (charts.mean_ci_dots, DIMENSIONS.assign(program=["2025 Autumn", "2025 Autumn", "Customer Success",
                                                     "Customer Success"]), {"by": "program"},
     {"2025 Autumn", "Customer Success"}),
    (charts.mean_ci_dots, ROLE_MEANS, {"by": "role"}, {"mentee", "mentor"}),
    (charts.group_bars, GOALS.assign(team=["Customer Success", "sales"]),
     {"category": "category", "value": "goal_attainment_rate", "title": "Goals", "value_title": "Achieved (%)",
      "colour_by": "team"}, {"Customer Success", "sales"}),
])
def test_legends_show_data_values_as_they_are(builder, frame, kwargs, names):
    assert {trace.name for trace in builder(frame, **kwargs).data if trace.showlegend is not False} == names


@pytest.mark.parametrize("hidden, quarters, expected", [
    # n is 40, 50, 60 over the three quarters: its range among those shown, never their sum
    (0, 1, "n = 60 per quarter · 1 quarter"), (0, 3, "n = 40–60 per quarter · 3 quarters"),
    (1, 2, "n = 50–60 per quarter · 1 quarter hidden (n < 5) · 2 quarters"),
    (2, 1, "n = 60 per quarter · 2 quarters hidden (n < 5) · 1 quarter")])
def test_trend_counts_its_quarters_in_words(hidden, quarters, expected):
    frame = CASES["nps_trend"][1].tail(quarters + hidden)
    frame = frame.assign(suppressed=[True] * hidden + [False] * quarters)
    assert text_of(charts.nps_trend(frame)).endswith(expected)


@pytest.mark.parametrize("category, values, names", [
    ("end_reason", ["left_organization", "withdrawn"], ["Left organization", "Withdrawn"]),
    ("category", ["skills", "Customer Success"], ["skills", "Customer Success"]),
])
def test_bars_name_codes_in_words_and_data_values_as_they_are(category, values, names):
    frame = pd.DataFrame({category: values, "n": [10, 10], "share": [.6, .4]})
    fig = charts.group_bars(frame, category, "share", "Bars", "Share (%)")
    assert list(fig.data[0].x) == names


@pytest.mark.parametrize("n, marks, says_small", [
    ([3, 3], [" †", " †"], True),      # 67% and 33% of 3 pairs
    ([9, 40], [" †", ""], True),       # only the bar of 9 is marked
    ([10, 40], ["", ""], False),       # 10 is enough (formatting.SMALL_N)
])
def test_bars_over_a_small_n_are_marked(n, marks, says_small):
    frame = pd.DataFrame({"end_reason": ["withdrawn", "left_organization"], "n": n, "share": [2 / 3, 1 / 3]})
    fig = charts.group_bars(frame, "end_reason", "share", "Why pairs ended", "Share (%)")
    assert [point[3] for point in fig.data[0].customdata] == marks
    assert fig.data[0].texttemplate.endswith("%{customdata[3]}")
    assert ("† small n (under 10)" in fig.layout.title.subtitle.text) is says_small


@pytest.mark.parametrize("shares, top", [
    ([2 / 3, 1 / 3], 80.0),   # 67% × 1.2: room for '67% †' right of the longest bar
    ([0.25, 0.1], 30.0),
])
def test_horizontal_bars_leave_room_for_the_longest_bars_label(shares, top):
    frame = pd.DataFrame({"end_reason": ["withdrawn", "left_organization"], "n": [3, 3], "share": shares})
    fig = charts.group_bars(frame, "end_reason", "share", "Why pairs ended", "Share (%)", horizontal=True)
    assert tuple(fig.layout.xaxis.range) == pytest.approx((0, top))


@pytest.mark.parametrize("values, shown", [([1.0, 2.0, 3.0, 4.0, 5.0], ["1", "2", "3", "4", "5"]),
                                           ([1, 2, 3, 4, 5], ["1", "2", "3", "4", "5"])])
def test_likert_hover_names_the_answer_as_written(values, shown):
    """'answer 3 of 5', not plotly's six-digit '3.00000'."""
    fig = charts.likert_diverging(LIKERT.assign(value=values * 2))
    answers = {point[0] for trace in fig.data for point in trace.customdata}
    assert answers == set(shown)
    assert all("answer %{customdata[0]} of" in trace.hovertemplate for trace in fig.data)


@pytest.mark.parametrize("shields, says", [
    ([False, False, False, False], "1 group hidden (n < 5)"),
    # A's networking (n 12) is hidden only so that B's (n 3) cannot be worked out from the total
    ([True, False, False, False], "2 groups hidden (n < 5; 1 of them so that a smaller one cannot be worked out)"),
])
def test_a_group_hidden_for_a_smaller_ones_sake_is_not_called_small(shields, says):
    frame = DIMENSIONS.assign(**{"protects_smaller_group": shields})
    frame.loc[frame["protects_smaller_group"], ["mean", "ci_low", "ci_high"]] = None
    frame["suppressed"] = frame["mean"].isna()
    assert says in text_of(charts.mean_ci_dots(frame, by="program"))


def _legend(fig) -> list[str]:
    shown = [trace for trace in fig.data if trace.showlegend is not False]
    return [trace.name for trace in sorted(shown, key=lambda trace: trace.legendrank or 0)]


SEVEN = pd.DataFrame({"dimension": ["networking"] * 7, "scale_points": [7] * 7, "value": range(1, 8),
                      "count": [1] * 7, "share": [1 / 7] * 7, "n": [7] * 7})


@pytest.mark.parametrize("frame, left, right, legend, ticks", [
    # networking: 22.5% left of 0 and 77.5% right; career clarity 50% and 50%
    (LIKERT, ["3", "2", "1 (lowest)"], ["3", "4", "5 (highest)"], ["1 (lowest)", "2", "3", "4", "5 (highest)"],
     ((-50, -25, 0, 25, 50, 75, 100), ("50%", "25%", "0", "25%", "50%", "75%", "100%"))),
    (SEVEN, ["4", "3", "2", "1 (lowest)"], ["4", "5", "6", "7 (highest)"],
     ["1 (lowest)", "2", "3", "4", "5", "6", "7 (highest)"],
     ((-60, -40, -20, 0, 20, 40, 60), ("60%", "40%", "20%", "0", "20%", "40%", "60%"))),
])
def test_likert_stacks_outwards_from_the_middle_with_shares_either_side(frame, left, right, legend, ticks):
    """Relative bars stack in trace order: the middle half touches 0 on both sides, the extremes are outermost."""
    fig = charts.likert_diverging(frame)
    assert [trace.name for trace in fig.data if trace.x[0] < 0] == left
    assert [trace.name for trace in fig.data if trace.x[0] > 0] == right
    assert _legend(fig) == legend
    assert (fig.layout.xaxis.tickvals, fig.layout.xaxis.ticktext) == ticks


@pytest.mark.parametrize("p_values, last_lines", [
    ([.02, .0004], ["p = 0.020", "p < 0.001"]),
    ([None, None], ["95% CI +2.0 to +18.0 pts", "95% CI +1.0 to +19.0 pts"]),  # no test run: no p
    # both intervals exclude 0: a p of 0.2 says otherwise (as Fisher's test can in small groups), and that is said
    ([.2, .0004], ["interval and test disagree: go by p", "p < 0.001"]),
])
def test_participants_statistics_sit_under_each_measure_not_above_the_bars(p_values, last_lines):
    """Annotations above the pairs of bars overprint each other on a phone; a line each under the name does not."""
    fig = charts.participants_vs(EMPLOYEES.assign(p_value=p_values))
    assert not fig.layout.annotations
    assert fig.layout.xaxis.tickangle == 0
    labels = [text.split("<br>") for text in fig.layout.xaxis.ticktext]
    assert [lines[:2] for lines in labels] == [["<b>Stayed 12 months</b>", "difference +10.0 pts"],
                                               ["<b>Promoted in 12 months</b>", "difference +10.0 pts"]]
    assert [lines[-1] for lines in labels] == last_lines
    assert all(last in hover for trace in fig.data for hover, last in zip(trace.customdata, last_lines))


@pytest.mark.parametrize("builder, frame, kwargs, subtitle, x_title", [
    (charts.mean_ci_dots, ROLE_MEANS, {"by": "role", "title": "Mentors vs mentees: mean score with 95% CI"},
     ["n = 16 · responses to the most answered dimension per group;", "n per dot in the hover"],
     ["Mean score (1 = lowest)"]),
    (charts.group_bars, GOALS, {"category": "category", "value": "goal_attainment_rate", "title": "Themes",
                                "value_title": "Share of comments mentioning it (%)", "horizontal": True,
                                "n_shared": True},
     ["n = 20"], ["Share of comments mentioning", "it (%)"]),
    (charts.mean_ci_dots, DIMENSIONS.assign(protects_smaller_group=[True, False, False, False],
                                            mean=[None, 3.1, None, 3.5], suppressed=[True, False, True, False]),
     {"by": "program"},
     ["n = 21 · 2 groups hidden (n < 5; 1 of them so that a smaller", "one cannot be worked out) · responses to the most answered",
      "dimension per group; n per dot in the hover"], ["Mean score (1 = lowest)"]),
])
def test_long_subtitles_and_axis_titles_wrap_to_fit_a_phone(builder, frame, kwargs, subtitle, x_title):
    """Plotly never wraps: a long line ran past a phone's right edge ('…per group; n per do')."""
    fig = builder(frame, **kwargs)
    assert fig.layout.title.subtitle.text.split("<br>") == subtitle
    assert fig.layout.xaxis.title.text.split("<br>") == x_title


def test_dose_response_counts_its_hidden_band_and_draws_the_others():
    fig = charts.dose_response(DOSE)
    assert "n = 133 · 1 band hidden (n < 5)" in text_of(fig)
    assert [list(trace.x) for trace in fig.data] == [["3-5", "6-11", "12+"]] * 2


def test_raw_and_adjusted_differences_are_drawn_in_points_with_their_intervals():
    fig = charts.raw_vs_adjusted(RAW_ADJUSTED)
    raw, adjusted = fig.data
    assert (raw.name, list(raw.x)) == ("raw: all non-participants", [9.0, 8.0])
    assert list(adjusted.error_x.arrayminus) == pytest.approx([9.0, 7.0])  # 6 − (−3), 8 − 1 points
    assert "133 participants, 787 non-participants; adjusted: 89 matched participants, 260" in text_of(fig)
