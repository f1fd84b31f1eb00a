"""Likert labels → numbers on their native scale; missing values; unknown labels."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analytics.ingest.mapping import DIMENSIONS, header_fingerprint, suggest_dimension
from analytics.ingest.scales import convert_column, infer_points, parse_answer

nan = math.nan


def convert(values, dimension="networking", label_map=None, scale_points=None):
    return convert_column(pd.Series(values, dtype="object"), "Q1", dimension=dimension,
                          label_map=label_map, scale_points=scale_points)


def same(left, right):
    return all((math.isnan(a) and math.isnan(b)) or a == b for a, b in zip(left, right, strict=True))


@pytest.mark.parametrize("values, expected, points", [
    # 5-point agreement, case / whitespace / NBSP ignored, missing values NaN
    (["Strongly agree", " agree ", "Neither agree nor disagree", "Disagree", "STRONGLY\xa0DISAGREE"],
     [5, 4, 3, 2, 1], 5),
    (["Agree strongly", "N/A", "", "Don't know", "Not applicable", "No basis for evaluation"],
     [5, nan, nan, nan, nan, nan], 5),
    # "Somewhat" makes it the 7-point scale: Agree is 6 of 7
    (["Somewhat agree", "Agree", "Strongly agree", "Somewhat disagree"], [5, 6, 7, 3], 7),
    (["Very dissatisfied", "Satisfied", "Very satisfied"], [1, 4, 5], 5),
    (["Poor", "Fair", "Good", "Very good", "Excellent"], [1, 2, 3, 4, 5], 5),
    (["Never", "Rarely", "Sometimes", "Often", "Always"], [1, 2, 3, 4, 5], 5),
    (["Very unlikely", "Likely", "Very likely"], [1, 4, 5], 5),
    # prefixed forms: the number is the value, the label names the scale
    (["(4): Agree", "(2): Disagree", "5 - Strongly agree"], [4, 2, 5], 5),
    (["6 - Agree", "(7): Strongly agree"], [6, 7], 7),
    # plain recodes; Qualtrics -1 / -99 are missing; max 4 reads as a 5-point scale
    (["3", "4", "-99", "-1", "2"], [3, 4, nan, nan, 2], 5),
    (["6", "7", "1"], [6, 7, 1], 7),
    (["1", "10"], [1, 10], 10),
    (["0", "5"], [0, 5], 11),  # a 0 means the 0–10 scale
])
def test_scored_columns(values, expected, points):
    result = convert(values)
    assert same(list(result.value_num), expected)
    assert result.scale_points == points
    assert result.unknown == []
    assert result.item_type == "likert"


@pytest.mark.parametrize("values, expected", [
    (["10 - Extremely likely", "9", "0 - Not at all likely", "6", "N/A"], [10, 9, 0, 6, nan]),
    (["7", "8"], [7, 8]),
])
def test_nps_is_always_the_0_to_10_scale(values, expected):
    result = convert(values, "nps")
    assert same(list(result.value_num), expected)
    assert (result.scale_points, result.unknown) == (11, [])


@pytest.mark.parametrize("values, dimension, unknown", [
    (["Kinda", "Meh", "Agree", "kinda"], "overall_satisfaction", ["Kinda", "Meh"]),
    (["Very likely", "9"], "nps", ["Very likely"]),  # a likelihood word is no NPS score
    (["11", "9"], "nps", ["11"]),
    (["3.5", "2"], "networking", ["3.5"]),
])
def test_labels_no_scale_explains_are_reported(values, dimension, unknown):
    assert convert(values, dimension).unknown == unknown


def test_label_map_explains_unknown_labels():
    result = convert(["Kinda", "Meh", "Agree"], "overall_satisfaction",
                     label_map={"KINDA": (3.0, 5), "meh": (2.0, 5)})
    assert same(list(result.value_num), [3, 2, 4])
    assert (result.scale_points, result.unknown) == (5, [])


def test_dimension_wide_scale_size_overrides_the_column_guess():
    result = convert(["3", "2"], scale_points=7)
    assert result.scale_points == 7


@pytest.mark.parametrize("values, dimension, item_type, value_num", [
    (["Yes", "No", "Yes"], None, "categorical", [nan, nan, nan]),
    (["Agree", "Disagree"], None, "likert", [4, 2]),
    (["12", "2", ""], None, "categorical", [12, 2, nan]),  # counts keep their numbers
    ([f"Answer number {i} with enough words to be prose" for i in range(3)], None, "text", [nan] * 3),
    (["Good"], "comment", "text", [nan]),  # a comment is never scored
])
def test_unscored_columns_keep_their_text(values, dimension, item_type, value_num):
    result = convert(values, dimension)
    assert result.item_type == item_type
    assert same(list(result.value_num), value_num)
    assert list(result.value_text.fillna("")) == [v.strip() for v in values]
    assert result.unknown == []


@pytest.mark.parametrize("text, value, points", [
    ("Strongly agree", None, None),  # a bare label needs its column's scale
    ("4", 4.0, None),
    ("(4): Agree", 4.0, 5),
    ("10 - Extremely likely", 10.0, 11),
    ("Prefer not to say", None, None),
])
def test_parse_answer_without_a_scale(text, value, points):
    answer = parse_answer(text)
    assert (answer and answer.value, answer and answer.scale_points) == (value, points) or (
        answer is None and value is None)


@pytest.mark.parametrize("numbers, dimension, points", [
    ([1, 2, 3], None, 5), ([1, 6], None, 7), ([2, 9], None, 10), ([0, 4], None, 11),
    ([3, 4], "nps", 11), ([12], None, None), ([], None, None),
])
def test_infer_points(numbers, dimension, points):
    assert infer_points(numbers, dimension) == points


@pytest.mark.parametrize("text, item_id, dimension", [
    ("", "networking_2", "networking"),
    ("", "NPS", "nps"),
    ("", "overall_satisfaction", "overall_satisfaction"),
    ("How likely are you to recommend the program to a colleague?", "Q1", "nps"),
    ("My mentor introduced me to useful contacts", "Q2", "networking"),
    ("I learned how my industry works", "Q3", "industry_knowledge"),
    ("My mentor encouraged me when things were hard", "Q4", "emotional_support"),
    ("I improved my leadership skills", "Q5", "skill_development"),
    ("How satisfied are you with your job?", "Q6", "job_satisfaction"),
    ("I have a clearer sense of career direction", "Q7", "career_clarity"),
    ("We set clear expectations", "Q8", "relationship_quality"),
    ("Overall, how satisfied are you with the program?", "Q9", "overall_satisfaction"),
    ("Any other comments?", "Q10", "comment"),
    ("Which department are you in?", "Q11", None),
])
def test_suggest_dimension(text, item_id, dimension):
    assert suggest_dimension(text, item_id) == dimension


def test_dimensions_are_the_metric_codes():
    assert set(DIMENSIONS) == {"industry_knowledge", "networking", "emotional_support", "skill_development",
                               "job_satisfaction", "career_clarity", "relationship_quality",
                               "overall_satisfaction", "nps", "comment"}


@pytest.mark.parametrize("left, right, same_survey", [
    ([("Q1", "Recommend?"), ("Q2", "Contacts")], [("Q2", "Contacts"), ("Q1", "Recommend?")], True),
    ([("Q1", "Recommend?")], [("q1", " recommend? ")], True),
    ([("Q1", "Recommend?")], [("Q1", "Recommend?"), ("Q2", "Contacts")], False),
])
def test_header_fingerprint_ignores_order_and_spelling(left, right, same_survey):
    assert (header_fingerprint(left) == header_fingerprint(right)) is same_survey
