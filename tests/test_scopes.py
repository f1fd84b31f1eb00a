"""Program scopes: a lead or viewer limited to some programs sees, downloads and reports only those.
The engine's SQL per grain, the sidebar's choices, where scopes come from in secrets.toml, every page
and report as a scoped lead (no other program's name anywhere), an admin's full view, a scope naming
no loaded program, and the anonymity rules inside a scope."""
from __future__ import annotations

import io
import subprocess
import time
import zipfile
from datetime import date

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from analytics.errors import InputError
from analytics.measures import objectives, retention, satisfaction
from analytics.measures.filters import Filters, Period, known_values, validate_filters
from analytics.ops import auth, sso
from analytics.report import build_report
from analytics.store import settings
from pages import _registry
from tests.builders import every_row_shown, shown_tables
from tests.test_injection import strings
from tests.test_pages import PAGES, ROOT, drawn
from tests.test_roles import database, db_copy, entry  # noqa: F401 (fixtures)

MINE, OTHER = "Leadership", "New hire"  # the two programs of small_exports
Q2 = Period.parse("2026Q2")
PASSWORD = "scoped lead password"

pytestmark = pytest.mark.usefixtures("figures_shared_by_the_module")


@pytest.mark.parametrize("grain, where, params", [
    ("pair", "p.program IN (?, ?)", ["A", "B"]),
    ("survey", "coalesce(r.program, who.program) IN (?, ?)", ["A", "B"]),
    ("membership", "m.program IN (?, ?)", ["A", "B"]),
    ("employee", "TRUE", []),  # HR records name no program: who is a participant is the membership grain's
])
def test_a_scope_narrows_every_grain_with_a_program(grain, where, params):
    assert Filters(scope=("A", "B")).where(grain) == (where, params)
    cohort, cohort_params = Filters(cohort="C1", scope=("A", "B")).where(grain)
    assert cohort.endswith(where) and cohort_params[-len(params) or len(cohort_params):] == params


@pytest.mark.parametrize("filters, sentence", [
    (Filters(scope=("Leadership program",)), "Leadership program"),
    (Filters(scope=("A", "B")), "A program and B program"),
    (Filters(program="A", scope=("A", "B")), "A program"),
    (Filters(), "All programs"),
])
def test_the_sentence_names_the_scope_not_all_programs(filters, sentence):
    assert filters.sentence() == sentence
    assert filters.to_dict() == {"program": filters.program, "cohort": None, "department": None, "role": None}


@pytest.fixture(scope="module")
def con(database):  # noqa: F811 (fixture imported above)
    connection = duckdb.connect(str(database), read_only=True)
    yield connection
    connection.close()


@pytest.mark.parametrize("field, scope, expected", [
    ("program", (MINE,), [MINE]),
    ("program", (MINE, "Nowhere"), [MINE]),
    ("program", ("Nowhere",), []),
    ("cohort", (MINE,), ["C1", "C2"]),
    ("cohort", (OTHER,), ["C3"]),
    ("cohort", None, ["C1", "C2", "C3"]),
    ("role", ("Nowhere",), []),
])
def test_the_sidebar_offers_only_values_inside_the_scope(con, field, scope, expected):
    assert known_values(con, field, scope) == expected


@pytest.mark.parametrize("filters, refused", [
    (Filters(program=OTHER, scope=(MINE,)), f"Unknown program '{OTHER}'; known programs: {MINE}."),
    (Filters(cohort="C3", scope=(MINE,)), "Unknown cohort 'C3'; known cohorts: C1, C2."),
    (Filters(program=MINE, scope=(MINE,)), None),
])
def test_a_filter_outside_the_scope_is_refused_like_an_unknown_value(con, filters, refused):
    if refused is None:
        validate_filters(con, filters)
        return
    with pytest.raises(InputError) as raised:
        validate_filters(con, filters)
    assert str(raised.value) == refused


@pytest.mark.parametrize("by", [None, "department", "cohort", "role"])
def test_anonymity_holds_inside_a_scope_as_under_its_program_filter(con, by):
    """A one-program scope is that program's view: the same figures, hidden where its groups are small."""
    scoped = satisfaction.dimensions(con, Q2, Filters(scope=(MINE,)), by=by)
    filtered = satisfaction.dimensions(con, Q2, Filters(program=MINE), by=by)
    assert scoped.equals(filtered)


@pytest.mark.parametrize("min_size, by, hidden", [
    (15, "cohort", True),    # C1 and C2 have 10 respondents each: fewer than 15
    (15, None, True),        # 20 are enough, but the whole less them is New hire's 10: shielded
    (5, "cohort", False),
    (5, None, False),
])
def test_a_group_of_the_scope_under_the_minimum_size_stays_hidden(db_copy, min_size, by, hidden):  # noqa: F811
    with duckdb.connect(str(db_copy)) as writable:
        settings.set(writable, "min_group_size", min_size)
        frame = satisfaction.dimensions(writable, Q2, Filters(scope=(MINE,)), by=by)
    assert not frame.empty
    assert frame["suppressed"].all() == hidden and frame["mean"].isna().all() == hidden


@pytest.mark.parametrize("filters, listed", [
    (Filters(scope=(MINE,)), [MINE]),
    (Filters(scope=("Nowhere",)), []),
    (Filters(), [None, MINE, OTHER]),
])
def test_a_scope_lists_only_its_programs_objectives(db_copy, filters, listed):  # noqa: F811 (fixture)
    with duckdb.connect(str(db_copy)) as writable:
        for program in (None, MINE, OTHER):
            objectives.add_objective(writable, metric="active_pair_rate", program=program, direction="at_least",
                                     target=0.8)
        card = objectives.scorecard(writable, Q2, filters)
    assert sorted(card["program"], key=str) == sorted(listed, key=str)


@pytest.mark.parametrize("filters, counted", [(Filters(scope=(MINE,)), False), (Filters(program=MINE), True)])
def test_the_employees_of_neither_group_are_not_counted_for_a_scope(con, filters, counted):
    """Neither group takes in other programs' members: its count would tell of them."""
    found = retention.employee_outcomes(con, Q2, filters)["n_neither"]
    assert found.notna().all() == counted and found.isna().all() != counted


@pytest.mark.parametrize("entry_programs, role, scope", [
    ([MINE], "lead", (MINE,)),
    ([f" {MINE} ", MINE], "viewer", (MINE,)),
    ([], "lead", None),
    ([MINE], "admin", None),  # an admin sees all, whatever secrets.toml says
])
def test_a_password_user_signs_in_with_their_scope(entry_programs, role, scope):
    users = auth.configured_users({"auth": {"users": {"lena": {"role": role, "programs": entry_programs,
                                                               "password_hash": auth.hash_password(PASSWORD)}}}})
    user = auth.sign_in(users, "lena", PASSWORD, auth.RateLimiter(), now=1.0)
    assert user.scope == scope


@pytest.mark.parametrize("programs", ["Leadership", [1, 2]])
def test_a_malformed_scope_stops_with_the_fix(programs):
    with pytest.raises(auth.AuthError, match="write a list of program names"):
        auth.configured_users({"auth": {"users": {"lena": {"role": "lead", "programs": programs,
                                                           "password_hash": "x"}}}})
    with pytest.raises(auth.AuthError, match=r"\[auth.roles.programs\]"):
        sso.role_rules({"leads": ["ben@example.org"], "programs": {"ben@example.org": programs}})


RULES = sso.role_rules({"leads": ["ben@example.org"], "admins": ["ana@example.org"], "group_claim": "groups",
                        "groups": {"new-hire-leads": "lead", "viewers": "viewer"},
                        "programs": {"Ben@Example.org": [MINE], "new-hire-leads": [OTHER]}})


@pytest.mark.parametrize("claims, role, scope", [
    ({"email": "ben@example.org"}, "lead", (MINE,)),
    ({"email": "ben@example.org", "groups": ["new-hire-leads"]}, "lead", (MINE, OTHER)),
    ({"email": "cy@example.org", "groups": ["viewers"]}, "viewer", None),
    ({"email": "ana@example.org", "groups": ["new-hire-leads"]}, "admin", None),
])
def test_a_scope_comes_from_the_e_mail_or_a_group(claims, role, scope):
    user = sso.user_from_claims(claims, RULES, now=1.0)
    assert (user.role, user.scope) == (role, scope)


# ---- the dashboard as a scoped lead ----------------------------------------------



@pytest.fixture
def scoped(entry, db_copy):  # noqa: F811 (fixtures imported above)
    def start(programs: tuple[str, ...], page: str, role: str = "lead") -> AppTest:
        at = AppTest.from_file(str(entry), default_timeout=90)
        at.secrets["auth"] = {"users": {"lena": {"role": role, "programs": list(programs), "password_hash": "x"}}}
        at.session_state["user"] = auth.User("lena", role, time.time(), programs)
        at.session_state["quarter"] = "2026Q2"  # the sidebar's quarter, chosen before the first run
        at.switch_page(str(ROOT / "pages" / f"{page}.py")).run()
        assert not at.exception, [e.value for e in at.exception]
        return at
    return start


def everything_shown(at: AppTest, downloads: dict[str, bytes]) -> str:
    """Every text the page shows or offers: elements, tiles, tables, choices, charts and downloads."""
    # The menu's section names are the dashboard's own words ("Leadership"), whatever a program is called.
    parts = [str(e.value) for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning",
                                       "error", "success") for e in getattr(at, kind)
             if str(e.value) not in _registry.SECTIONS]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [table.to_csv() for table in shown_tables(at)]
    parts += [block.value for block in at.code]
    parts += [str(option) for box in at.selectbox for option in box.options]
    parts += [text for spec in drawn(at) for text in strings(spec)]
    parts += [data.decode("utf-8", "replace") if isinstance(data, bytes) else str(data) for data in downloads.values()]
    return "\n".join(parts)


@pytest.mark.parametrize("page", PAGES)
def test_a_scoped_lead_sees_no_other_program_on_any_page(scoped, downloads, page):
    at = scoped((MINE,), page)
    if page == "9_reports":  # every figure as JSON and the command line, offered on demand
        at.toggle(key="show_metrics_json").set_value(True)
        at.toggle(key="show_command_line").set_value(True).run()
        assert "mentorscope-2026Q2.json" in downloads and at.code
    shown = everything_shown(every_row_shown(at), downloads)
    assert OTHER not in shown
    if page == "2_upload":  # it covers every program: refused
        assert any("limited to some programs" in w.value for w in at.warning)
    else:
        assert at.sidebar.selectbox(key="filter_program").options == ["All", MINE]


def report_text(data: bytes, fmt: str) -> str:
    if fmt == "xlsx":  # the sheets' XML, shared strings included
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            return "".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))
    if fmt == "pdf":
        return subprocess.run(["pdftotext", "-", "-"], input=data, check=True, capture_output=True).stdout.decode()
    return data.decode("utf-8")


@pytest.mark.parametrize("fmt", ["html", "xlsx", "pdf"])
def test_a_scoped_report_names_no_other_program(con, fmt):
    for filters, absent, present in ((Filters(scope=(MINE,)), OTHER, MINE), (Filters(), None, OTHER)):
        text = report_text(build_report(con, Q2, filters, fmt, date(2026, 7, 1)), fmt)
        assert present in text
        assert absent is None or absent not in text


def test_the_reports_page_builds_the_scoped_report(scoped):
    at = scoped((MINE,), "9_reports")
    at.radio(key="report_format").set_value("html").run()
    at.button(key="build_report").click().run()
    built = at.session_state["report_file"]
    assert built[2].scope == (MINE,)
    assert OTHER not in built[3].decode("utf-8") and MINE in built[3].decode("utf-8")


def test_an_admin_still_sees_every_program(scoped):
    at = scoped((MINE,), "1_overview", role="admin")
    assert at.sidebar.selectbox(key="filter_program").options == ["All", MINE, OTHER]


@pytest.mark.parametrize("page", PAGES)
def test_a_scope_naming_no_loaded_program_shows_empty_states(scoped, downloads, page):
    at = scoped(("Nowhere",), page)
    shown = everything_shown(at, downloads)
    assert MINE not in shown and OTHER not in shown
    assert at.sidebar.selectbox(key="filter_program").options == ["All"]
