"""The return on investment on the dashboard: its costs saved under Settings, its figures or the reason
for none on the Impact page, and the slides among the Reports page's formats."""
from __future__ import annotations

import pytest

from analytics.measures import roi
from analytics.measures.filters import Filters, Period
from analytics.present import escaping, roi_reading
from analytics.store import connection, settings
from tests import test_pages
from tests.test_pages import PAGE_DIR, downloads_rerun, texts

# The dashboard and the demo database of the page tests, as fixtures of this module.
app, demo_db, entry = test_pages.app, test_pages.demo_db, test_pages.entry

Q2 = Period.parse("2026Q2", 1)  # a quarter in which the demo's participants stay significantly more often


def test_impact_says_to_set_the_program_cost(demo_db, app):
    at = app("11_impact")
    assert roi_reading.TITLE in [h.value for h in at.subheader]
    assert roi_reading.MESSAGES["cost_not_set"] in texts(at).replace("\\", "")


def test_costs_saved_in_settings_give_the_impact_page_its_return(demo_db, app):
    at = app("10_settings")
    at.number_input(key="setting_program_cost_annual").set_value(40_000.0)
    at.number_input(key="setting_average_salary").set_value(50_000.0)
    at.text_input(key="setting_currency").set_value("gbp")
    at.button(key="FormSubmitter:settings_roi-Save settings").click().run()
    assert not at.exception, [e.value for e in at.exception]
    con = at.session_state["cursor"]
    assert (settings.get(con, "program_cost_annual"), settings.get(con, "currency")) == (40_000, "GBP")
    at.switch_page(str(PAGE_DIR / "11_impact.py")).run()
    at.selectbox(key="quarter").set_value(Q2.label).run()
    assert not at.exception, [e.value for e in at.exception]
    expected = roi.block(con, Q2, Filters())
    assert expected["reason"] is None and expected["cost"] == 40_000
    assert roi_reading.verdict(expected) in texts(at).replace("\\", "")
    assert any("csv_impact_roi" in w.proto.id for w in at.get("download_button"))


# Each program's cost has its box (the demo's two programs, and any costed before); a box left empty is not set,
# and one set before keeps its value until changed.
@pytest.mark.parametrize("before, typed, saved", [
    ({}, {"Leadership program": 12_000.0}, {"Leadership program": 12_000.0}),
    ({"Leadership program": 5_000}, {"New-hire mentoring": 7_500.0},
     {"Leadership program": 5_000.0, "New-hire mentoring": 7_500.0}),
    ({"Leadership program": 5_000, "Gone program": 1_000}, {"Leadership program": 6_000.0},
     {"Leadership program": 6_000.0, "Gone program": 1_000.0}),  # a program no longer in the data keeps its box
])
def test_each_programs_cost_has_its_box(demo_db, app, before, typed, saved):
    con = connection.connect(demo_db)
    settings.set(con, "program_costs", before)
    con.close()
    at = app("10_settings")
    boxes = {box.label: box for box in at.number_input if box.key.startswith("setting_program_costs:")}
    assert sorted(boxes) == sorted(map(escaping.markdown, {"Leadership program", "New-hire mentoring", *before}))
    for program, cost in typed.items():
        boxes[escaping.markdown(program)].set_value(cost)
    at.button(key="FormSubmitter:settings_roi-Save settings").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert settings.get(at.session_state["cursor"], "program_costs") == saved


def test_the_reports_page_builds_the_slides(demo_db, app):
    at = app("9_reports")
    assert "PPTX, to present" in at.radio(key="report_format").options
    at.radio(key="report_format").set_value("pptx").run()
    at.button(key="build_report").click().run(timeout=180)
    assert not at.exception, [e.value for e in at.exception]
    fmt, *_, content = at.session_state["report_file"]
    assert fmt == "pptx" and content.startswith(b"PK")  # a zip, as an Office file is
    assert any("download_report" in w.proto.id for w in at.get("download_button")) and downloads_rerun(at) == []
