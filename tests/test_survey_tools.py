"""Survey tools are plugins: a tool registered in TOOLS is detected, parsed and loaded with no other change,
and the tool list users read follows TOOLS."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import tools
from analytics.ingest.columns import normalise_name
from analytics.ingest.pipeline import analyse, load
from analytics.ingest.read import RawTable
from analytics.ingest.survey_columns import meta_field, plain_columns
from analytics.ingest.tools import SurveyTool
from analytics.ingest.tools.generic import GENERIC
from tests import fixtures_formats as fx

# A made-up tool: a title row above the header, per-file reference numbers, and answers written as
# "code - label" (the label is what the scales read).
POLLSTER_FILE = fx.csv_text([
    ["Pollster export", "", "", "", ""],
    ["Ref", "Submitted", "Email", "overall_satisfaction", "Anything else?"],
    ["1", "2026-04-03 09:15", "Ana@Example.org", "5 - Strongly agree", "Great match"],
    ["2", "2026-04-04 17:40", "bo@example.org", "2 - Disagree", ""],
    ["3", "2026-04-05 08:05", "cy@example.org", "4 - Agree", "More sessions please"],
]).encode()
POLLSTER_FIELDS = {"ref": "response_id", "submitted": "submitted_at"}


def _pollster_field(text: str) -> str | None:
    return POLLSTER_FIELDS.get(normalise_name(text)) or meta_field(text)


POLLSTER = SurveyTool(
    id="pollster", name="Pollster",
    recognises=lambda head: bool(head.rows) and head.rows[0][:1] == ["Pollster export"],
    columns=lambda head: plain_columns(head.rows[1], _pollster_field),
    header_rows=2, per_file_ids=True,
    answer_text=lambda answers: answers.str.replace(r"^\d+ - ", "", regex=True),
)


@pytest.fixture
def pollster(monkeypatch):
    """POLLSTER registered ahead of the generic fallback, as a new module would be."""
    monkeypatch.setattr(tools, "TOOLS", (*tools.TOOLS[:-1], POLLSTER, GENERIC))


def test_a_registered_tool_is_detected_parsed_and_loaded(con, pollster):
    plan = analyse(POLLSTER_FILE, "april.csv", con)
    assert plan.ok, plan.error
    assert (plan.format, plan.kind, plan.batch.survey_id[:9]) == ("pollster", "survey", "pollster-")
    responses = plan.batch.responses
    survey = plan.batch.survey_id
    assert responses[["response_id", "email", "row_number"]].values.tolist() == [
        [f"{survey}:1", "ana@example.org", 3], [f"{survey}:2", "bo@example.org", 4],
        [f"{survey}:3", "cy@example.org", 5]]
    assert responses["submitted_at"].tolist() == [pd.Timestamp("2026-04-03 09:15"), pd.Timestamp("2026-04-04 17:40"),
                                                  pd.Timestamp("2026-04-05 08:05")]
    answers = plan.batch.answers.sort_values(["item_id", "response_id"])
    scored = answers["value_num"].notna()
    # The tool's coding undone: "5 - Strongly agree" is read as the agreement label it carries.
    assert answers[scored][["item_id", "value_text", "value_num"]].values.tolist() == [
        ["overall_satisfaction", "Strongly agree", 5.0], ["overall_satisfaction", "Disagree", 2.0],
        ["overall_satisfaction", "Agree", 4.0]]
    assert answers[~scored][["item_id", "value_text"]].values.tolist() == [
        ["anything_else", "Great match"], ["anything_else", "More sessions please"]]
    assert load(con, plan).rows_loaded == 3
    assert con.execute("SELECT format FROM uploads").fetchall() == [("pollster",)]


def test_the_same_file_is_no_tool_of_ours_until_the_tool_is_registered(con):
    plan = analyse(POLLSTER_FILE, "april.csv", con)
    assert (plan.format, plan.kind) == ("generic", None)
    assert "cannot tell what this file holds" in plan.error.message


@pytest.mark.parametrize("registered, listed", [
    ((), "Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms, plain CSV or XLSX"),
    ((POLLSTER,), "Qualtrics, SurveyMonkey, Google Forms, Microsoft Forms, Pollster, plain CSV or XLSX"),
])
def test_the_tool_list_users_read_follows_tools(monkeypatch, registered, listed):
    monkeypatch.setattr(tools, "TOOLS", (*tools.TOOLS[:-1], *registered, GENERIC))
    assert tools.tool_names() == listed


@pytest.mark.parametrize("tool_id, name", [
    ("ms_forms", "Microsoft Forms"), ("google_forms", "Google Forms"), ("generic", "plain CSV or XLSX"),
    ("retired_tool", "retired_tool"),  # stored by an older version: shown as stored
    (None, None),
])
def test_a_format_id_reads_as_its_tools_name(tool_id, name):
    assert tools.tool_name(tool_id) == name


def test_every_tool_has_its_own_id_and_the_fallback_is_last():
    ids = [tool.id for tool in tools.TOOLS]
    assert len(ids) == len(set(ids))
    assert tools.TOOLS[-1] is GENERIC and GENERIC.recognises(RawTable([], "utf-8", ",", "csv"))


def test_each_module_of_the_package_is_found_and_tools_are_tried_in_their_order():
    # A tool is its module alone: nothing lists it, the package finds it (tools._discovered).
    assert [tool.id for tool in tools.TOOLS] == ["qualtrics_legacy", "qualtrics_2016", "qualtrics", "surveymonkey",
                                                 "google_forms", "ms_forms", "generic"]
    assert [tool.order for tool in tools.TOOLS] == sorted(tool.order for tool in tools.TOOLS)
