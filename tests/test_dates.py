"""Dates and durations a file may hold: one impossible or implausible value costs its row, never the
column or the file, and a stored date of any year leaves every page standing."""
from __future__ import annotations

import json
from datetime import date, timedelta

import duckdb
import pandas as pd
import pytest

from analytics.cli import main
from analytics.errors import DataError, InputError
from analytics.ingest.errors import DATE_FIX, FileRefused
from analytics.ingest.platform import parse_platform
from analytics.ingest.survey import parse_survey
from analytics.measures import filters
from analytics.ops import health
from analytics.store import connection, migrations
from analytics.store.plausible import EARLIEST, latest_plausible
from tests.builders import insert
from tests.builders import staged_csv as table

NOT_A_DATE = "'{}' in occurred_on is not a date" + DATE_FIX
OUT_OF_RANGE = "'{}' in occurred_on is outside the plausible range"


def sessions(*dates: str):
    return parse_platform(table(["pair_id", "occurred_on"], *[["P1", d] for d in dates]), "sessions", "s.csv")


@pytest.mark.parametrize("dates, loaded, bad", [
    # Day-first: 25/03 decides; 31/02 is no date in either order and decides nothing.
    (["03/04/2026", "25/03/2026", "31/02/2026"], ["2026-04-03", "2026-03-25"], "31/02/2026"),
    # Month-first: 03/25 decides; 31/02 used to make the column "both orders" and stall it.
    (["03/04/2026", "03/25/2026", "31/02/2026"], ["2026-03-04", "2026-03-25"], "31/02/2026"),
    # Day-first with a date impossible both ways whose second part is above 12.
    (["03/04/2026", "25/03/2026", "02/30/2026"], ["2026-04-03", "2026-03-25"], "02/30/2026"),
    # 29 February of a year that has none decides nothing either.
    (["03/04/2026", "03/25/2026", "29/02/2025"], ["2026-03-04", "2026-03-25"], "29/02/2025"),
])
def test_an_impossible_date_costs_its_row_not_the_column(dates, loaded, bad):
    batch = sessions(*dates)
    assert batch.frame["occurred_on"].dt.strftime("%Y-%m-%d").tolist() == loaded
    assert [(r["row_number"], r["column"], r["reason"]) for r in batch.rejected] == [
        (len(dates) + 1, "occurred_on", NOT_A_DATE.format(bad))]


def test_an_impossible_date_costs_its_response_not_the_survey():
    header = ["submitted_at", "role", "How satisfied are you overall?"]
    batch = parse_survey(table(header, ["03/04/2026", "mentee", "4"], ["03/25/2026", "mentee", "5"],
                               ["31/02/2026", "mentor", "3"]), "generic", "survey.csv")
    assert [str(d.date()) for d in batch.responses["submitted_at"]] == ["2026-03-04", "2026-03-25"]
    assert [(r["row_number"], r["reason"]) for r in batch.rejected] == [(4, "'31/02/2026' is not a date" + DATE_FIX)]


TOO_LATE = (date.today() + timedelta(days=367)).isoformat()


@pytest.mark.parametrize("value, rejected", [
    ("9999-12-31", True), ("0001-01-01", True), ("1949-12-31", True), ("31/12/1949", True),
    (TOO_LATE, True), ("1950-01-01", False), ("2026-03-04", False),
])
def test_dates_outside_the_plausible_range_are_rejected_with_their_row(value, rejected):
    batch = sessions("2026-01-05", value)
    assert [r["row_number"] for r in batch.rejected] == ([3] if rejected else [])
    if rejected:
        reason = batch.rejected[0]["reason"]
        assert reason.startswith(OUT_OF_RANGE.format(value)), reason
        assert f"{EARLIEST} to {latest_plausible()}" in reason and reason.endswith(DATE_FIX)


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1900-01-01"])
def test_a_survey_response_dated_outside_the_plausible_range_is_rejected(value):
    header = ["submitted_at", "role", "How satisfied are you overall?"]
    batch = parse_survey(table(header, ["2026-03-04", "mentee", "4"], [value, "mentee", "5"]), "generic", "s.csv")
    assert batch.responses["response_id"].size == 1
    assert [r["row_number"] for r in batch.rejected] == [3]
    assert batch.rejected[0]["reason"].startswith(f"'{value}' is outside the plausible range")


@pytest.mark.parametrize("minutes, rejected", [
    ("1e308", True), ("1441", True), ("100000", True), ("1440", False), ("0", False), ("45", False),
])
def test_a_session_longer_than_a_day_is_rejected_with_its_row(minutes, rejected):
    batch = parse_platform(table(["pair_id", "occurred_on", "duration_minutes"], ["P1", "2026-01-05", "60"],
                                 ["P1", "2026-01-06", minutes]), "sessions", "s.csv")
    reasons = [(r["row_number"], r["column"], r["reason"]) for r in batch.rejected]
    assert reasons == ([(3, "duration_minutes", f"duration_minutes is over 1440 (24 hours): {minutes}")]
                       if rejected else [])


@pytest.mark.parametrize("fiscal_start", [1, 7])
def test_quarters_ignore_stored_dates_outside_the_plausible_range(con, fiscal_start):
    # Rows a database holds from before these dates were refused at ingest.
    insert(con, "sessions", """
        session_id | pair_id | occurred_on | status
        s1         | p1      | 9999-12-31  | held
        s2         | p1      | 0001-01-01  | held
        s3         | p1      | 2026-02-10  | held
    """)
    con.execute("INSERT INTO responses VALUES ('r1', 's1', NULL, NULL, NULL, NULL, 'pulse', "
                "'9999-12-31 10:00', '9999-12-31', NULL)")
    found = filters.available_quarters(con, fiscal_start)
    assert [p.label for p in found] == ["2026Q1" if fiscal_start == 1 else "FY2026Q3"]


# ---- surveys without submission dates ----------------------------------------

DATELESS = ["respondent_id", "role", "How satisfied are you overall?"]


def test_a_survey_without_dates_is_refused_naming_the_option_and_the_field():
    with pytest.raises(FileRefused) as refused:
        parse_survey(table(DATELESS, ["E1", "mentee", "4"]), "generic", "paper.csv")
    assert refused.value.needs_date
    assert "--submitted-on" in refused.value.message and "'Survey closed on'" in refused.value.message


@pytest.mark.parametrize("header, given, dated, closed_on", [
    (DATELESS, date(2026, 5, 29), ["2026-05-29", "2026-05-29"], date(2026, 5, 29)),
    # A file with its own dates keeps them: the date the survey closed is for files without any.
    (["submitted_at", *DATELESS], date(2026, 5, 29), ["2026-03-04", "2026-03-05"], None),
])
def test_the_date_the_survey_closed_dates_every_response_of_a_file_without_dates(header, given, dated, closed_on):
    rows = [["E1", "mentee", "4"], ["E2", "mentor", "5"]]
    if header[0] == "submitted_at":
        rows = [["2026-03-04", *rows[0]], ["2026-03-05", *rows[1]]]
    batch = parse_survey(table(header, *rows), "generic", "paper.csv", submitted_on=given)
    assert [str(d.date()) for d in batch.responses["submitted_at"]] == dated
    assert batch.survey_closed_on == closed_on


@pytest.mark.parametrize("given", [date(1900, 1, 1), date(9999, 12, 31)])
def test_a_closing_date_outside_the_plausible_range_is_refused(given):
    with pytest.raises(FileRefused, match=f"--submitted-on {given} is outside the plausible range"):
        parse_survey(table(DATELESS, ["E1", "mentee", "4"]), "generic", "paper.csv", submitted_on=given)


def test_ingest_submitted_on_loads_a_dateless_survey_and_records_it(tmp_path, db_path, capsys):
    path = tmp_path / "paper.csv"
    path.write_text("respondent_id,role,How satisfied are you overall?,Would you recommend it?\n"
                    "E1,mentee,4,9\nE2,mentor,5,10\n")
    assert main(["check", str(path), "--db", str(db_path)]) == 1
    assert "--submitted-on" in capsys.readouterr().err
    assert main(["check", str(path), "--db", str(db_path), "--submitted-on", "2026-05-29"]) == 0
    assert "every response dated 2026-05-29, the day the survey closed" in capsys.readouterr().out
    assert main(["ingest", str(path), "--db", str(db_path), "--submitted-on", "2026-05-29", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["survey_closed_on"] == "2026-05-29"
    with connection.connect(db_path, read_only=True) as con:
        assert con.execute("SELECT DISTINCT submitted_on FROM responses").fetchall() == [(date(2026, 5, 29),)]
        assert health.upload_history(con)["survey_closed_on"].tolist() == [pd.Timestamp("2026-05-29")]
    assert main(["uploads", "list", "--db", str(db_path)]) == 0
    assert "every response dated 2026-05-29, the day the survey closed" in capsys.readouterr().out


def test_a_database_from_before_gains_the_survey_closed_on_column(db_path):
    old = duckdb.connect(str(db_path))
    migrations.migrate(old, target=3)
    old.execute("INSERT INTO uploads VALUES (1, 'a.csv', '', 'survey', 'generic', 1, 1, 0, 0, NULL, NULL, "
                "now()::TIMESTAMP, FALSE)")
    old.close()
    with connection.connect(db_path) as con:
        assert health.upload_history(con)["survey_closed_on"].isna().tolist() == [True]


def test_a_quarter_of_implausible_dates_is_not_reportable(con):
    # Asked for on the command line (metrics, report): its figures would reach back to year 0.
    insert(con, "sessions", """
        session_id | pair_id | occurred_on | status
        s1         | p1      | 0001-01-01  | held
        s2         | p1      | 2026-02-10  | held
    """)
    with pytest.raises(DataError, match=r"\(0001-01-01 to 0001-03-31\) has no held meetings or survey responses: "
                                        "the data covers 2026Q1"):
        filters.check_reportable(con, filters.Period.parse("0001Q1"))
    with pytest.raises(InputError, match=r"Unknown period '9999Q4': it runs past the last date there is"):
        filters.Period.parse("9999Q4")
