"""Which tool wrote a file, and which kind of data it holds, from its first rows."""
from __future__ import annotations

from analytics.ingest import tools
from analytics.ingest.columns import KINDS, canonical, map_header, required_columns
from analytics.ingest.errors import FileRefused
from analytics.ingest.mapping import self_mapped
from analytics.ingest.read import RawTable
from analytics.ingest.scales import names_a_point
from analytics.ingest.survey_columns import generic_field

# A header of this many words is a question's text, not a column name.
QUESTION_WORDS = 5
# Columns only a survey has (a wave, questions) that make a file a survey: one stray column is no evidence.
SURVEY_EVIDENCE = 2


def detect_format(raw: RawTable) -> str:
    """The id of the tool that wrote the file (ingest.tools.TOOLS), 'generic' when none claims it."""
    return tools.detect(raw).id


def detect_kind(raw: RawTable, fmt: str) -> str:
    """Survey tools hold surveys. A generic file is the kind whose required
    columns its header has (the most specific such kind when several fit),
    unless it has several columns only a survey has (a wave, questions), more
    than the columns of its own that kind knows (the id, role, program and email
    a survey has too are neither's): then it is a survey even without its
    timestamp, and the survey's checks say what is missing, instead of a
    platform kind loading the columns both read and dropping the answers."""
    if tools.tool_named(fmt).surveys_only:
        return "survey"
    header = raw.rows[0] if raw.rows else []
    fits = []
    for kind in KINDS:
        mapped = map_header(header, kind)
        if not set(required_columns(kind)) <= set(mapped.values()):
            continue
        if kind == "survey" and len(mapped) == len([c for c in header if c]):
            continue  # a survey needs at least one question column
        fits.append((len(required_columns(kind)), len(mapped), kind))
    platform = max((fit for fit in fits if fit[2] != "survey"), default=None)
    platform_own = 0 if platform is None else sum(
        1 for index in map_header(header, platform[2]) if generic_field(header[index]) is None)
    survey_own = _survey_only_columns(raw)
    if survey_own >= SURVEY_EVIDENCE and survey_own > platform_own:
        return "survey"
    if fits:
        return max(fits)[2]
    found = ", ".join(f"'{c}'" for c in header if c) or "none"
    needs = "; ".join(f"{kind}: {', '.join(required_columns(kind))}" for kind in KINDS)
    raise FileRefused(
        f"Mentorscope cannot tell what this file holds. Its columns are {found}.",
        fix=f"Rename the columns so that one kind's required columns are present ({needs}; "
            "a survey also needs at least one question column), or choose the kind explicitly.")


def _survey_only_columns(raw: RawTable) -> int:
    """How many columns only a survey has: its wave, and questions (columns no kind knows
    that are named after a dimension code, are titled by a question's text, or hold
    answers on a survey scale in the rows read for detection)."""
    header, rows = raw.rows[0] if raw.rows else [], raw.rows[1:]
    count = 0
    for index, name in enumerate(header):
        field = generic_field(name)
        if field == "wave":
            count += 1
        elif name and field is None and canonical(name) is None and (
                self_mapped(name) or "?" in name or len(name.split()) >= QUESTION_WORDS
                or any(names_a_point(row[index]) for row in rows if index < len(row))):
            count += 1
    return count
