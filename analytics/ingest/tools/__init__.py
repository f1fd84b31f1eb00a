"""The survey tools Mentorscope reads, one module each. Adding a tool is a module defining a
`SurveyTool` (tools.base) and its place in TOOLS; detection, parsing and the tool list users read
follow from it."""
from __future__ import annotations

from analytics.ingest.read import RawTable
from analytics.ingest.tools.base import SurveyTool
from analytics.ingest.tools.generic import GENERIC
from analytics.ingest.tools.google_forms import GOOGLE_FORMS
from analytics.ingest.tools.ms_forms import MS_FORMS
from analytics.ingest.tools.qualtrics import QUALTRICS, QUALTRICS_2016, QUALTRICS_LEGACY
from analytics.ingest.tools.surveymonkey import SURVEYMONKEY

# In detection order: the first tool that recognises a file wrote it. GENERIC recognises every file: last.
TOOLS: tuple[SurveyTool, ...] = (QUALTRICS_LEGACY, QUALTRICS_2016, QUALTRICS, SURVEYMONKEY, GOOGLE_FORMS,
                                 MS_FORMS, GENERIC)


def detect(head: RawTable) -> SurveyTool:
    """The tool whose export the first rows are."""
    return next(tool for tool in TOOLS if tool.recognises(head))


def tool_named(tool_id: str) -> SurveyTool:
    """The tool of a stored format id ('ms_forms')."""
    found = next((tool for tool in TOOLS if tool.id == tool_id), None)
    if found is None:
        raise ValueError(f"no survey tool '{tool_id}': one of {', '.join(tool.id for tool in TOOLS)}")
    return found


def tool_names() -> str:
    """The tools as users read them, in TOOLS order, each once: 'Qualtrics, SurveyMonkey, …, plain CSV or
    XLSX' (the generic name, last, carries the 'or')."""
    return ", ".join(dict.fromkeys(tool.name for tool in TOOLS))
