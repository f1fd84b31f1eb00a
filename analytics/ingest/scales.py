"""Survey answers → numbers on their native scale.

A column is converted as a whole, because a label's number depends on the
scale the column uses ("Agree" is 4 of 5, or 6 of 7 where the column also has
"Somewhat agree"). The scale chosen is the smallest known scale that explains
every label of the column.

Plain numbers (recodes) take their scale size from, in order: the size the
caller passes (the size inferred over all columns of the same dimension), a
label scale in the same column, else `infer_points`: an `nps` column, or any
column whose numbers start at 0, is the 0–10 scale (11 points); otherwise the
5-, 7- or 10-point scale, the smallest that holds the largest number seen. A
4-point scale cannot be told from a 5-point one nobody ticked 5 on, so it
comes only from labels or the user's label map. Numbers outside 0–10, or not
whole, fit no scale and are reported as unknown.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import pandas as pd

NUMERIC_POINTS = (5, 7, 10)
NPS_POINTS = 11  # 0..10
TEXT_DIMENSIONS = frozenset({"comment"})

MISSING = frozenset({
    "", "n/a", "na", "n.a.", "not applicable", "does not apply", "no basis for evaluation",
    "don't know", "dont know", "do not know", "not sure", "prefer not to say",
    "prefer not to answer", "-1", "-99",
})


def _scale(*labels: str | tuple[str, ...]) -> dict[str, int]:
    """Labels in order from 1 upwards; a tuple lists synonyms of one point."""
    out = {}
    for value, entry in enumerate(labels, start=1):
        for label in (entry,) if isinstance(entry, str) else entry:
            out[label] = value
    return out


_NEITHER_AGREE = ("neither agree nor disagree", "neither agree or disagree", "neutral")
_NEITHER_SATISFIED = ("neither satisfied nor dissatisfied", "neither satisfied or dissatisfied", "neutral")
_NEITHER_LIKELY = ("neither likely nor unlikely", "neither likely or unlikely", "neutral")

# Smallest first: a column is read with the first scale that explains all its labels.
SCALES: tuple[tuple[str, dict[str, int]], ...] = (
    ("agreement_5", _scale(("strongly disagree", "disagree strongly"), "disagree", _NEITHER_AGREE,
                           "agree", ("strongly agree", "agree strongly"))),
    ("satisfaction_5", _scale("very dissatisfied", "dissatisfied", _NEITHER_SATISFIED,
                              "satisfied", "very satisfied")),
    ("quality_5", _scale("poor", "fair", "good", "very good", "excellent")),
    ("frequency_5", _scale("never", "rarely", "sometimes", ("often", "very often"), "always")),
    ("likelihood_5", _scale(("very unlikely", "extremely unlikely"), "unlikely", _NEITHER_LIKELY,
                            "likely", ("very likely", "extremely likely"))),
    ("agreement_7", _scale(("strongly disagree", "disagree strongly"), "disagree",
                           ("somewhat disagree", "slightly disagree"), _NEITHER_AGREE,
                           ("somewhat agree", "slightly agree"), "agree",
                           ("strongly agree", "agree strongly"))),
    ("satisfaction_7", _scale(("very dissatisfied", "extremely dissatisfied"), "dissatisfied",
                              ("somewhat dissatisfied", "slightly dissatisfied"), _NEITHER_SATISFIED,
                              ("somewhat satisfied", "slightly satisfied"), "satisfied",
                              ("very satisfied", "extremely satisfied"))),
)
# Anchor texts of the 0–10 recommend scale ("10 - Extremely likely").
NPS_ANCHORS = {"not at all likely": 0, "extremely likely": 10}

# "(4): Agree", "4 - Agree", "4 = Agree", "4. Agree", "10 – Extremely likely"
_PREFIXED = re.compile(r"^\(?(-?\d+)\)?\s*(?:[:=–—-]|\.\s)\s*(.*)$")


@dataclass(frozen=True)
class Answer:
    value: float
    scale_points: int | None  # None: a number whose scale the column decides


@dataclass
class ConvertedColumn:
    value_num: pd.Series
    scale_points: int | None
    value_text: pd.Series
    unknown: list[str] = field(default_factory=list)
    item_type: str = "likert"  # 'likert' | 'categorical' | 'text'


def normalise_label(text: object) -> str:
    """Case, spacing (NBSP included), curly apostrophes and a final full stop ignored."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return ""
    clean = unicodedata.normalize("NFKC", str(text)).replace("’", "'").replace("‘", "'")
    return re.sub(r"\s+", " ", clean).strip().rstrip(".").strip().lower()


def names_a_point(text: object) -> bool:
    """Whether an answer is a point a survey scale names ("Agree", "Very satisfied",
    "4 - Agree", "10 - Extremely likely"); a plain number is not one."""
    label = normalise_label(text)
    prefixed = _PREFIXED.match(label)
    anchor = prefixed.group(2) if prefixed else label
    return anchor in NPS_ANCHORS or any(anchor in scale for _, scale in SCALES)


def parse_number(label: str) -> float | None:
    try:
        value = float(label.replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_answer(text: object, scale: dict[str, int] | None = None,
                 points: int | None = None) -> Answer | None:
    """One answer on `scale` (a SCALES entry, with `points` its size), or None
    when it is missing or nothing explains it. Numbers keep scale_points None
    unless a prefix label names the scale."""
    label = normalise_label(text)
    if label in MISSING:
        return None
    number = parse_number(label)
    if number is not None:
        return Answer(number, None)
    prefixed = _PREFIXED.match(label)
    if prefixed:
        value, anchor = float(prefixed.group(1)), prefixed.group(2)
        if anchor in NPS_ANCHORS or value == 0:
            return Answer(value, NPS_POINTS)
        size = next((len(set(s.values())) for _, s in SCALES if s.get(anchor) == value), None)
        return Answer(value, size)
    if scale is not None and label in scale:
        return Answer(float(scale[label]), points)
    return None


def choose_scale(labels: list[str]) -> tuple[dict[str, int] | None, list[str]]:
    """The smallest known scale explaining all `labels` (normalised, non-numeric),
    else the one explaining most; and the labels it leaves unexplained."""
    if not labels:
        return None, []
    best, best_left = None, labels
    for _, scale in SCALES:
        left = [label for label in labels if label not in scale]
        if len(left) < len(best_left):
            best, best_left = scale, left
        if not left:
            break
    return best, best_left


def on_a_scale(number: float) -> bool:
    return number == int(number) and 0 <= number <= 10


def infer_points(numbers: list[float], dimension: str | None) -> int | None:
    """Scale size for plain numeric recodes (see the module docstring)."""
    numbers = [n for n in numbers if on_a_scale(n)]
    if not numbers:
        return None
    if dimension == "nps" or min(numbers) == 0:
        return NPS_POINTS
    return next(points for points in NUMERIC_POINTS if points >= max(numbers))


def dimension_points(columns: list[pd.Series], dimension: str | None) -> int | None:
    """Scale size of the plain numbers across all columns mapped to one dimension."""
    labels = {normalise_label(v) for column in columns for v in column.unique()} - MISSING
    return infer_points([n for n in map(parse_number, labels) if n is not None], dimension)


def convert_column(values: pd.Series, item_id: str, *, dimension: str | None,
                   label_map: dict[str, tuple[float, int]] | None,
                   scale_points: int | None = None, counts: list[int] | None = None) -> ConvertedColumn:
    """Convert one question column.

    In a column mapped to a scored dimension, labels nothing explains are
    returned in `unknown` (the caller asks the user to map them). An unmapped
    column that is not wholly numeric/Likert keeps only its text.
    `scale_points` forces the size of plain numeric answers. `counts`, when
    given, says how often each of `values` occurs (the caller passes each
    distinct answer once, in the order they first appear): values convert one
    by one, only the text/categorical call weighs them.
    """
    text = values.map(lambda v: "" if v is None or (isinstance(v, float) and math.isnan(v))
                      else unicodedata.normalize("NFKC", str(v)).strip())
    answered = text.ne("")
    if dimension in TEXT_DIMENSIONS:
        return ConvertedColumn(pd.Series(math.nan, index=values.index), None, text.where(answered),
                               [], "text")
    user_map = {normalise_label(k): v for k, v in (label_map or {}).items()}
    labels = sorted({normalise_label(v) for v in text[answered]} - MISSING)
    numbers, answers, unknown, numeric_points = _read_labels(labels, user_map, dimension, scale_points)

    def score(label: str) -> tuple[float, int | None]:
        if label in user_map:
            return user_map[label]
        answer = answers.get(label)
        if answer is None or label in unknown:
            return math.nan, None
        return answer.value, answer.scale_points or numeric_points

    scored = {label: score(label) for label in labels}
    column_points = max((p for _, p in scored.values() if p), default=None)
    originals = [normalise_label(v) for v in text[answered]]
    value_num = pd.Series(math.nan, index=values.index)
    if dimension is None and (unknown or column_points is None):
        # Unmapped and not a scale: counts and the like keep their numbers.
        if labels and all(numbers[label] is not None for label in labels):
            value_num[answered] = [numbers.get(label, math.nan) for label in originals]
        weights = [n for n, a in zip(counts, answered) if a] if counts is not None else [1] * int(answered.sum())
        return ConvertedColumn(value_num.astype(float), None, text.where(answered), [],
                               _unscored_type(list(text[answered]), weights))
    value_num[answered] = [scored.get(label, (math.nan, None))[0] for label in originals]
    # report unknown labels as the file wrote them, once each
    shown = {}
    for raw, label in zip(text[answered], originals):
        if label in unknown:
            shown.setdefault(label, raw)
    return ConvertedColumn(value_num.astype(float), column_points, text.where(answered),
                           list(shown.values()), "likert")


def _read_labels(labels: list[str], user_map: dict[str, tuple[float, int]], dimension: str | None,
                 scale_points: int | None) -> tuple[dict, dict, list[str], int | None]:
    """A column's distinct labels read: each one's plain number and its answer, the labels nothing explains
    (`unknown`), and the scale size of the column's plain numbers."""
    numbers = {label: parse_number(label) for label in labels}
    words = [label for label in labels if numbers[label] is None and label not in user_map
             and not _PREFIXED.match(label)]
    scale, unknown = choose_scale(words)
    size = len(set(scale.values())) if scale else None
    answers = {label: parse_answer(label, scale, size) for label in labels}
    plain = [a.value for label, a in answers.items() if a is not None and a.scale_points is None
             and label not in user_map]
    sizes = {a.scale_points for a in answers.values() if a is not None and a.scale_points}
    numeric_points = scale_points or (max(sizes) if sizes else infer_points(plain, dimension))
    unknown += [label for label in labels if numbers[label] is not None and label not in user_map
                and not on_a_scale(numbers[label])]
    if dimension == "nps":  # only 0–10 counts; likelihood words are not NPS answers
        unknown = [label for label in labels if label not in user_map
                   and not (answers[label] and 0 <= answers[label].value <= 10
                            and answers[label].scale_points in (None, NPS_POINTS))]
        numeric_points = NPS_POINTS
    return numbers, answers, unknown, numeric_points


def _unscored_type(answers: list[str], counts: list[int]) -> str:
    """Free text when most answers are distinct and sentence-long; else categories.
    `counts[i]` is how often `answers[i]` was given."""
    total = sum(counts)
    if not total:
        return "text"
    distinct = len(set(answers)) / total
    mean_length = sum(len(a) * n for a, n in zip(answers, counts)) / total
    return "text" if mean_length >= 30 or (distinct > 0.5 and len(set(answers)) > 10) else "categorical"
