import pytest

from analytics.store import memo, settings
from tests.builders import fresh


def test_defaults():
    assert settings.all_settings(fresh()) == {"min_group_size": 5, "min_comment_group_size": 10, "at_risk_days": 45,
                                              "fiscal_year_start_month": 1, "default_meeting_target": 1,
                                              "max_upload_mb": 200, "max_unpacked_mb": 30,
                                              "max_workbook_cells": 1_000_000, "max_analysis_seconds": 120,
                                              "max_analysis_mb": 2048, "smallest_effect_of_interest": 0.05,
                                              "program_cost_annual": 0, "program_costs": {}, "departure_cost": 0,
                                              "average_salary": 0, "departure_cost_salary_share": 0.5,
                                              "currency": "EUR", "roi_attribution": 1, "delivery_day": 0,
                                              "delivery_hour": 7}


@pytest.mark.parametrize("key, value, stored", [
    ("min_group_size", "3", 3),
    ("fiscal_year_start_month", 7, 7),
    ("default_meeting_target", "0.5", 0.5),
    ("at_risk_days", 60.0, 60),
])
def test_set_and_get(key, value, stored):
    con = fresh()
    assert settings.set(con, key, value) == stored
    assert settings.get(con, key) == stored
    assert settings.all_settings(con) == {**settings.all_settings(fresh()), key: stored}
    settings.set(con, key, value)  # setting again replaces the value
    assert con.execute("SELECT count(*) FROM settings WHERE key = ?", [key]).fetchone()[0] == 1


# A page run or a report reads a setting once (memo scope); a change made in the same run is read afresh.
@pytest.mark.parametrize("key, first, then", [
    ("min_group_size", 7, 3),
    ("program_costs", {"Leadership program": 1000}, {"Leadership program": 2500}),
])
def test_a_setting_changed_inside_a_page_run_is_read_afresh(key, first, then):
    con = fresh()
    settings.set(con, key, first)
    with memo.scope():
        assert settings.get(con, key) == first
        settings.set(con, key, then)
        assert settings.get(con, key) == then


def test_a_remembered_mapping_setting_cannot_be_changed_through_what_get_gave():
    con = fresh()
    settings.set(con, "program_costs", {"Leadership program": 1000})
    with memo.scope():
        settings.get(con, "program_costs")["Leadership program"] = 1
        assert settings.get(con, "program_costs") == {"Leadership program": 1000}


@pytest.mark.parametrize("key, value, message", [
    ("min_group_size", 0, "at least 1"),
    ("min_group_size", 2.5, "whole number"),
    ("fiscal_year_start_month", 13, "between 1 and 12"),
    ("at_risk_days", "soon", "not 'soon'"),
    ("default_meeting_target", "nan", "a number"),
    ("delivery_day", 61, "between 0 and 60"),      # well inside the next quarter (90 days at the shortest)
    ("delivery_hour", 24, "between 0 and 23"),
    ("colour", 1, "Unknown setting 'colour'"),
])
def test_refused(key, value, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.set(fresh(), key, value)
