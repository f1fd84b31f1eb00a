"""Survey questions → dimension codes, and the fingerprint a saved mapping hangs on."""
from __future__ import annotations

import hashlib
import re
from typing import Iterable

from analytics.ingest.columns import normalise_name

# The dimension codes of the metric definitions, with their scale type.
DIMENSIONS: dict[str, str] = {
    "industry_knowledge": "likert",
    "networking": "likert",
    "emotional_support": "likert",
    "skill_development": "likert",
    "job_satisfaction": "likert",
    "career_clarity": "likert",
    "relationship_quality": "likert",
    "overall_satisfaction": "likert",
    "nps": "0-10",
    "comment": "text",
}

# First match wins, so the specific phrases come before the words they contain
# ("overall … satisfied" before "satisf…"; "recommend" before "career").
KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("nps", ("recommend",)),
    ("overall_satisfaction", (r"overall\b.*\bsatisf", r"satisf.*\boverall")),
    ("job_satisfaction", ("job satisfaction", r"satisf.*\b(?:your|my) (?:current )?job\b")),
    ("comment", ("comment", "feedback", "anything else", "suggestion")),
    ("networking", ("network", "contacts", "introduc")),
    ("industry_knowledge", ("industry", r"\bfield\b")),
    ("emotional_support", ("encourag", "emotional", "support")),
    ("skill_development", ("skill", "leadership", "communication")),
    ("career_clarity", ("career", "direction", "goals")),
    ("relationship_quality", ("expectations", "respect", "relationship", "regular contact")),
)

# A grid question's column text: its question, then its own statement after Qualtrics' ' - ',
# SurveyMonkey's ' — ' or inside Google Forms' '[…]'.
_STATEMENT = re.compile(r"^(?P<stem>.+)(?: - | — | \[)(?P<statement>[^\[]+?)\]?$")

# `networking_2`, `nps (1)`: a code with a running number still names the code.
_NUMBERED = re.compile(r"^(?P<code>[a-z_]+?)(?:[_\s-]*\(?\d+\)?)?$")


def self_mapped(item_id: str) -> str | None:
    """The dimension a column named after its code maps to (`networking_2`)."""
    match = _NUMBERED.match(item_id.strip().lower())
    if not match:
        return None
    key = normalise_name(match.group("code"))
    return next((code for code in DIMENSIONS if normalise_name(code) == key), None)


def suggest_dimension(question_text: str, item_id: str) -> str | None:
    """A column named after a code maps itself; else a keyword suggestion from
    the question text (for the user to confirm), or None."""
    own = self_mapped(item_id) or self_mapped(question_text or "")
    if own:
        return own
    text = re.sub(r"\s+", " ", (question_text or "").lower())
    for code, patterns in KEYWORDS:
        if any(re.search(pattern, text) for pattern in patterns):
            return code
    return None


def header_fingerprint(question_keys_and_texts: Iterable[tuple[str, str]]) -> str:
    """sha256 over the normalised question headers, sorted, so neither the
    metadata columns (the caller leaves them out) nor the column order matter."""
    keys = sorted({f"{normalise_name(key)}\x1f{normalise_name(text)}"
                   for key, text in question_keys_and_texts})
    return hashlib.sha256("\x1e".join(keys).encode("utf-8")).hexdigest()


def statement_parts(text: str) -> tuple[str, str] | None:
    """A grid column's (question, statement), or None for a question of its own."""
    match = _STATEMENT.match(text or "")
    return (match["stem"], match["statement"]) if match else None


def question_groups(questions: Iterable[tuple[str, str]]) -> list[tuple[str, list[tuple[str, str]]]]:
    """(item id, text) in order -> [(the question they share, [(item id, what each adds)])], so that a
    grid's long question is said once: neighbours with the same question are grouped under it. A
    question of its own, or a grid statement alone, is a group of one under '', in full."""
    groups: list[tuple[str, list[tuple[str, str, str]]]] = []
    for item_id, text in questions:
        stem, statement = statement_parts(text) or ("", text)
        if groups and stem and groups[-1][0] == stem:
            groups[-1][1].append((item_id, statement, text))
        else:
            groups.append((stem, [(item_id, statement, text)]))
    return [(stem, [(item_id, statement) for item_id, statement, _ in items]) if len(items) > 1
            else ("", [(items[0][0], items[0][2])]) for stem, items in groups]
