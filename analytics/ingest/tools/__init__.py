"""The survey tools Mentorscope reads, one module each. Adding a tool is one module in this package that
defines a `SurveyTool` (tools.base) with its place in the detection order: detection, parsing and the tool
list users read follow from it."""
from __future__ import annotations

import importlib
import pkgutil

from analytics.ingest.read import RawTable
from analytics.ingest.tools.base import SurveyTool


def _discovered() -> tuple[SurveyTool, ...]:
    """Every SurveyTool defined in a module of this package, in detection order (`order`, then id)."""
    found: dict[str, SurveyTool] = {}
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            loaded = importlib.import_module(f"{__name__}.{module.name}")
            found.update({tool.id: tool for tool in vars(loaded).values() if isinstance(tool, SurveyTool)})
    return tuple(sorted(found.values(), key=lambda tool: (tool.order, tool.id)))


# The first tool that recognises a file wrote it. The generic reader recognises every file: last.
TOOLS: tuple[SurveyTool, ...] = _discovered()


def detect(head: RawTable) -> SurveyTool:
    """The tool whose export the first rows are."""
    return next(tool for tool in TOOLS if tool.recognises(head))


def tool_named(tool_id: str) -> SurveyTool:
    """The tool of a stored format id ('ms_forms')."""
    found = next((tool for tool in TOOLS if tool.id == tool_id), None)
    if found is None:
        raise ValueError(f"no survey tool '{tool_id}': one of {', '.join(tool.id for tool in TOOLS)}")
    return found


def tool_name(tool_id: str | None) -> str | None:
    """A stored format id as users read it ('ms_forms' → 'Microsoft Forms'); an unknown id as it is."""
    return next((tool.name for tool in TOOLS if tool.id == tool_id), tool_id)


def tool_names() -> str:
    """The tools as users read them, in TOOLS order, each once: 'Qualtrics, SurveyMonkey, …, plain CSV or
    XLSX' (the generic name, last, carries the 'or')."""
    return ", ".join(dict.fromkeys(tool.name for tool in TOOLS))
