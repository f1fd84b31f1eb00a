from datetime import date

import pytest

from analytics.errors import InputError
from analytics.measures import filters as filters_module
from analytics.measures.filters import Filters, Period, known_values, validate_filters
from tests.builders import fresh, insert


@pytest.mark.parametrize("text, start_month, label, start, end", [
    ("2026Q2", 1, "2026Q2", date(2026, 4, 1), date(2026, 6, 30)),
    ("2026q1", 1, "2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    (" 2025-Q4 ", 1, "2025Q4", date(2025, 10, 1), date(2025, 12, 31)),
    ("FY2026Q1", 1, "FY2026Q1", date(2026, 1, 1), date(2026, 3, 31)),
    # Fiscal year named by the calendar year in which it ends: FY2026 = Jul 2025 … Jun 2026.
    ("FY2026Q1", 7, "FY2026Q1", date(2025, 7, 1), date(2025, 9, 30)),
    ("FY2026Q4", 7, "FY2026Q4", date(2026, 4, 1), date(2026, 6, 30)),
    ("FY2026Q3", 10, "FY2026Q3", date(2026, 4, 1), date(2026, 6, 30)),
    ("FY2027Q2", 11, "FY2027Q2", date(2027, 2, 1), date(2027, 4, 30)),
    ("2026Q2", 7, "2026Q2", date(2026, 4, 1), date(2026, 6, 30)),  # calendar quarters ignore the fiscal start
])
def test_parse(text, start_month, label, start, end):
    period = Period.parse(text, start_month)
    assert (period.label, period.start, period.end, period.as_of, period.months) == (label, start, end, end, 3)


@pytest.mark.parametrize("text", ["2026", "Q2 2026", "2026Q5", "2026Q0", "FY26Q1", "", "2026-04"])
def test_unknown_formats_show_the_accepted_forms(text):
    with pytest.raises(InputError, match="2026Q2.*FY2026Q1"):
        Period.parse(text)


def test_bad_fiscal_start_month():
    with pytest.raises(ValueError, match="1..12"):
        Period.parse("FY2026Q1", 13)


@pytest.mark.parametrize("text, start_month, previous", [
    ("2026Q2", 1, ("2026Q1", date(2026, 1, 1))),
    ("2026Q1", 1, ("2025Q4", date(2025, 10, 1))),
    ("FY2026Q1", 7, ("FY2025Q4", date(2025, 4, 1))),
    ("FY2026Q3", 7, ("FY2026Q2", date(2025, 10, 1))),
])
def test_previous(text, start_month, previous):
    period = Period.parse(text, start_month).previous()
    assert (period.label, period.start) == previous


@pytest.mark.parametrize("quarter, today, note", [
    ("2026Q3", date(2026, 11, 26), None),  # over: nothing to say
    ("2026Q3", date(2026, 10, 1), None),  # over since the day before
    ("2026Q4", date(2026, 11, 26), "Q4 2026 is not over (it ends 31 Dec 2026): its figures count what is loaded so "
                                   "far, and at-risk pairs and cadence are judged as of its last day."),
    ("2026Q4", date(2026, 12, 31), "Q4 2026 is not over (it ends 31 Dec 2026)"),  # its last day is still in it
    ("2030Q1", date(2026, 11, 26), "Q1 2030 is not over"),
])
def test_a_quarter_not_over_says_so(quarter, today, note):
    got = Period.parse(quarter).progress_note(today)
    assert got == note if note is None else got.startswith(note)


def test_quarters_back_oldest_first():
    labels = [p.label for p in Period.parse("2026Q2").quarters_back(4)]
    assert labels == ["2025Q3", "2025Q4", "2026Q1", "2026Q2"]


@pytest.mark.parametrize("start, end, months, previous", [
    (date(2026, 1, 1), date(2026, 12, 31), 12.0, (date(2025, 1, 1), date(2025, 12, 31))),
    (date(2026, 4, 1), date(2026, 4, 30), 1.0, (date(2026, 3, 2), date(2026, 3, 31))),
    # Not month-aligned: 61 days / 30.4375 months.
    (date(2026, 4, 15), date(2026, 6, 14), 61 / 30.4375, (date(2026, 2, 13), date(2026, 4, 14))),
])
def test_between(start, end, months, previous):
    period = Period.between(start, end)
    assert period.months == pytest.approx(months)
    assert (period.previous().start, period.previous().end) == previous


def test_between_refuses_reversed_range():
    with pytest.raises(ValueError, match="before it starts"):
        Period.between(date(2026, 2, 1), date(2026, 1, 1))


@pytest.mark.parametrize("filters, grain, sql, params", [
    (Filters(), "pair", "TRUE", []),
    (Filters(program="Leadership", department="Eng"), "pair", "p.program = ? AND mentee.department = ?",
     ["Leadership", "Eng"]),
    (Filters(role="mentee"), "pair", "TRUE", []),  # every pair has both roles
    (Filters(cohort="C1", role="mentor"), "survey",
     "coalesce(r.cohort, who.cohort) = ? AND coalesce(r.role, who.role) = ?", ["C1", "mentor"]),
    (Filters(program="L", department="Eng"), "employee", "e.department = ?", ["Eng"]),
])
def test_where_fragments(filters, grain, sql, params):
    assert filters.where(grain) == (sql, params)


@pytest.mark.parametrize("filters, grain, narrows", [
    (Filters(), "pair", False),
    (Filters(role="mentee"), "pair", False),  # role selects every pair
    (Filters(role="mentee"), "survey", True),
    (Filters(program="L"), "employee", False),  # program decides participation, not the population
    (Filters(department="Eng"), "employee", True),
    (Filters(cohort="C1", role="mentor"), "pair", True),
])
def test_narrows(filters, grain, narrows):
    assert filters.narrows(grain) is narrows


def test_values_are_bound_never_spliced():
    hostile = "x' OR 1=1 --"
    sql, params = Filters(program=hostile).where("pair")
    assert hostile not in sql and params == [hostile]


def test_unknown_grain():
    with pytest.raises(ValueError, match="grain"):
        Filters().where("sessions; DROP TABLE pairs")


@pytest.mark.parametrize("filters, period, grain, sentence", [
    # Pages mixing grains only name the department and role: each kind of figure reads them its own way.
    (Filters(program="Leadership", department="Engineering"), Period.parse("2026Q2"), None,
     "Q2 2026 · Leadership program · Engineering department"),
    (Filters(), Period.parse("FY2026Q1", 7), None, "Q1 FY2026"),
    (Filters(cohort="2026-spring", role="mentor"), None, None, "cohort 2026-spring · mentor role"),
    (Filters(program="Women in Tech Program"), None, None, "Women in Tech Program"),
    (Filters(), None, None, "All programs"),
    # Pair figures: a pair's department is its mentee's, and the role filter selects every pair.
    (Filters(department="Legal"), Period.parse("2026Q3"), "pair", "Q3 2026 · pairs with a mentee in Legal"),
    (Filters(role="mentor"), Period.parse("2026Q3"), "pair", "Q3 2026"),
    (Filters(department="Legal", role="mentor"), None, "survey", "respondents in Legal · answers from mentors"),
    (Filters(department="Legal", role="mentee"), None, "employee",
     "employees in Legal · participants who were mentees"),
])
def test_sentence(filters, period, grain, sentence):
    assert filters.sentence(period, grain) == sentence


@pytest.mark.parametrize("filters, notes", [
    (Filters(program="Leadership", cohort="C1"), []),
    (Filters(department="Legal"), ["Department Legal: in pair and meeting figures, pairs with a mentee in Legal; "
                                   "in survey figures, respondents in Legal; in HR figures, employees in Legal."]),
    (Filters(role="mentor"), ["Role mentor: in pair and meeting figures, every pair, as each has one mentor and "
                              "one mentee; in survey figures, answers from mentors; in HR figures, participants "
                              "who were mentors."]),
])
def test_notes_say_whom_each_filter_selects(filters, notes):
    assert filters.notes() == notes


@pytest.mark.parametrize("filters, grain, ignored", [
    (Filters(role="mentor"), "pair", ["The role filter (mentor) does not narrow these figures: they count every "
                                      "pair, as each has one mentor and one mentee."]),
    (Filters(role="mentor", department="Legal"), "survey", []),
    (Filters(program="L", department="Legal"), "pair", []),
])
def test_ignored_filters_are_named(filters, grain, ignored):
    assert filters.ignored(grain) == ignored


@pytest.mark.parametrize("field", ["department", "role"])
@pytest.mark.parametrize("grain", ["pair", "survey", "employee"])
def test_the_words_follow_the_sql(field, grain):
    """A filter the sentence says narrows a grain narrows its SQL (employees: role through memberships)."""
    sql_grain = "membership" if (grain, field) == ("employee", "role") else grain
    assert (filters_module._SELECTS[field][grain] is not None) == Filters(**{field: "x"}).narrows(sql_grain)


def test_response_program_falls_back_to_participant_record():
    con = fresh()
    insert(con, "participants", """
        participant_id | role   | program | cohort | department
        a              | mentee | L       | C1     | Eng
        b              | mentor | X       | C2     | Sales
    """)
    insert(con, "responses", """
        response_id | survey_id | respondent_id | role   | program | cohort | submitted_at | submitted_on
        r1          | s1        | a             |        |         |        | 2026-04-01   | 2026-04-01
        r2          | s1        | b             | mentee | L       |        | 2026-04-01   | 2026-04-01
        r3          | s1        | zz            |        |         |        | 2026-04-01   | 2026-04-01
    """)

    def ids(filters):
        sql, params = filters.responses_sql()
        return sorted(row[0] for row in con.execute(f"SELECT response_id FROM ({sql})", params).fetchall())

    assert ids(Filters(program="L")) == ["r1", "r2"]
    assert ids(Filters(role="mentee")) == ["r1", "r2"]
    assert ids(Filters(cohort="C2")) == ["r2"]
    assert ids(Filters(department="Eng")) == ["r1"]


def test_validate_filters_lists_known_values():
    con = fresh()
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program    | cohort
        p1      | m1        | e1        | 2026-01-01 | Leadership | C1
        p2      | m1        | e2        | 2026-01-01 | Allyship   | C1
    """)
    assert known_values(con, "program") == ["Allyship", "Leadership"]
    validate_filters(con, Filters(program="Leadership", cohort="C1"))
    with pytest.raises(InputError, match="Unknown program 'Sales'; known programs: Allyship, Leadership"):
        validate_filters(con, Filters(program="Sales"))
    with pytest.raises(InputError, match="known departments: none loaded"):
        validate_filters(con, Filters(department="Eng"))
