"""Survey files through the whole pipeline: analyse → map → load → reuse the mapping."""
from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest.pipeline import Options, analyse, load
from tests import fixtures_formats as fx

GENERIC = fx.csv_text([
    ["submitted_at", "respondent_id", "wave", "overall_satisfaction", "How much did your network grow?", "nps"],
    ["2026-04-03", "E1", "exit", "Strongly agree", "Kinda", "9"],
    ["2026-04-04", "E2", "exit", "Agree", "Meh", "6"],
    ["2026-04-05", "E3", "exit", "N/A", "Kinda", "10"],
]).encode()


def stored(con) -> list[tuple]:
    return con.execute("""SELECT r.respondent_id, i.item_id, i.dimension, a.value_num, a.scale_points
                          FROM answers a JOIN responses r USING (response_id)
                          JOIN items i ON i.survey_id = a.survey_id AND i.item_id = a.item_id
                          ORDER BY ALL""").fetchall()


def test_unmapped_questions_are_kept_and_suggested(con):
    plan = analyse(GENERIC, "pulse.csv", con)
    assert plan.ok, plan.error
    items = plan.batch.items.set_index("item_id")["dimension"].to_dict()
    assert items["overall_satisfaction"] == "overall_satisfaction" and items["nps"] == "nps"
    unmapped = [k for k, v in items.items() if pd.isna(v)]
    assert len(unmapped) == 1
    assert plan.batch.suggestions[unmapped[0]] == "networking"


def test_mapping_a_question_with_unknown_labels_asks_for_the_labels_then_loads_and_is_remembered(con):
    item = analyse(GENERIC, "pulse.csv", con).batch.suggestions.popitem()[0]
    asked = analyse(GENERIC, "pulse.csv", con, Options(mapping={item: "networking"}))
    assert asked.needs_mapping is not None
    assert sorted(asked.needs_mapping.labels[item]) == ["Kinda", "Meh"]
    assert "pulse.csv" in asked.error.message and "Kinda" in asked.error.message

    answered = analyse(GENERIC, "pulse.csv", con, Options(mapping={item: "networking"},
                                                         label_map={item: {"Kinda": (3, 5), "Meh": (2, 5)}}))
    result = load(con, answered)
    assert (result.rows_loaded, result.rows_duplicate, result.rows_rejected) == (3, 0, 0)
    assert ("E2", item, "networking", 2.0, 5) in stored(con)
    assert ("E3", "overall_satisfaction", "overall_satisfaction", None, None) not in stored(con)  # N/A is missing

    # The next upload of the same survey reuses the confirmed mapping without asking.
    again = analyse(GENERIC, "pulse-again.csv", con)
    assert again.ok and again.batch.items.set_index("item_id").at[item, "dimension"] == "networking"
    assert load(con, again).rows_duplicate == 3


@pytest.mark.parametrize("name, content, fmt", [
    ("qualtrics.csv", fx.qualtrics_current_de(), "qualtrics"),
    ("qualtrics_legacy.csv", fx.qualtrics_legacy(), "qualtrics_legacy"),
    ("qualtrics_2016.csv", fx.qualtrics_2016(), "qualtrics_2016"),
    ("google.csv", fx.google_forms_csv(), "google_forms"),
    ("google.xlsx", fx.google_forms_xlsx(), "google_forms"),
    ("ms.xlsx", fx.ms_forms_xlsx(), "ms_forms"),
])
def test_each_tool_export_loads_idempotently_without_metadata(con, name, content, fmt):
    plan = analyse(content, name, con)
    assert plan.ok, plan.error and plan.error.message
    assert plan.format == fmt
    first = load(con, plan)
    assert first.rows_loaded == len(plan.batch.responses) > 0
    assert load(con, analyse(content, name, con)).rows_duplicate == first.rows_loaded
    texts = {r[0] for r in con.execute("SELECT value_text FROM answers WHERE value_text IS NOT NULL").fetchall()}
    assert not any("192.168." in t or "10.0." in t for t in texts)  # IP addresses are never stored


def test_emails_link_to_participants_and_are_not_stored(con):
    con.execute("INSERT INTO participants (participant_id, role, email) VALUES ('E7', 'mentee', 'ana@example.com')")
    content = fx.csv_text([["submitted_at", "email", "overall_satisfaction"],
                           ["2026-04-03", "Ana@Example.com", "4"], ["2026-04-03", "bo@example.com", "5"]]).encode()
    load(con, analyse(content, "s.csv", con))
    ids = [r[0] for r in con.execute("SELECT respondent_id FROM responses ORDER BY respondent_id").fetchall()]
    assert ids[0] == "E7" and ids[1].startswith("anon-")
    assert not any("@" in str(i) for i in ids)
    everything = str(con.execute("SELECT * FROM responses").fetchall() + con.execute("SELECT * FROM answers").fetchall())
    assert "example.com" not in everything
