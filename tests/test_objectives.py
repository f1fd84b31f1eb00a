"""Objectives: the status rule as a table, setting and changing objectives (validated, audited), and each
objective's figure, CI, n and status for a quarter."""
import json
import math

import pytest

from analytics import cli
from analytics.measures import objectives
from analytics.measures.filters import Filters, Period
from analytics.measures.objectives import AT_RISK, NOT_MEASURABLE, OFF_TRACK, ON_TRACK, ObjectiveError
from analytics.store import audit, connection, settings
from tests.builders import insert, responses
from tests.test_roles import app, audit_rows, database, db_copy, entry, secrets  # noqa: F401 (fixtures)

Q2 = Period.parse("2026Q2")


@pytest.mark.parametrize("direction, value, ci, band, suppressed, expected", [
    # at least 10 --------------------------------------------------------------------------
    ("at_least", 12, (9, 15), None, False, ON_TRACK),     # estimate above, CI straddles
    ("at_least", 12, (11, 13), None, False, ON_TRACK),    # estimate above, CI wholly above
    ("at_least", 12, None, None, False, ON_TRACK),        # estimate above, no CI
    ("at_least", 10, (8, 12), None, False, ON_TRACK),     # estimate exactly on target meets it
    ("at_least", 8, (6, 11), None, False, AT_RISK),       # estimate below, CI straddles
    ("at_least", 8, (6, 10), None, False, AT_RISK),       # CI touching the target is not wholly below
    ("at_least", 8, (6, 9), None, False, OFF_TRACK),      # estimate below, CI wholly below
    ("at_least", 8, None, None, False, OFF_TRACK),        # estimate below, no CI, no band
    ("at_least", 8, None, 3, False, AT_RISK),             # no CI, within the band below target
    ("at_least", 7, None, 3, False, AT_RISK),             # no CI, on the band's edge
    ("at_least", 6, None, 3, False, OFF_TRACK),           # no CI, beyond the band
    ("at_least", 8, (6, 9), 2, False, AT_RISK),           # CI wholly below target but reaching target − band
    ("at_least", 6, (4, 7), 2, False, OFF_TRACK),         # CI wholly below target − band
    ("at_least", 8, (None, 9), None, False, OFF_TRACK),   # half a CI counts as none
    ("at_least", None, None, None, False, NOT_MEASURABLE),
    ("at_least", math.nan, None, 3, False, NOT_MEASURABLE),
    ("at_least", 12, (9, 15), None, True, NOT_MEASURABLE),  # suppressed
    # at most 10 ---------------------------------------------------------------------------
    ("at_most", 8, (5, 11), None, False, ON_TRACK),       # estimate below, CI straddles
    ("at_most", 8, (6, 9), None, False, ON_TRACK),        # estimate below, CI wholly below
    ("at_most", 8, None, None, False, ON_TRACK),          # estimate below, no CI
    ("at_most", 10, None, None, False, ON_TRACK),         # exactly on target
    ("at_most", 12, (9, 15), None, False, AT_RISK),       # estimate above, CI straddles
    ("at_most", 12, (10, 15), None, False, AT_RISK),      # CI touching the target
    ("at_most", 12, (11, 13), None, False, OFF_TRACK),    # estimate above, CI wholly above
    ("at_most", 12, None, None, False, OFF_TRACK),        # estimate above, no CI, no band
    ("at_most", 12, None, 3, False, AT_RISK),             # no CI, within the band above target
    ("at_most", 14, None, 3, False, OFF_TRACK),           # no CI, beyond the band
    ("at_most", 12, (11, 13), 2, False, AT_RISK),         # CI wholly above target but reaching target + band
    ("at_most", 14, (13, 15), 2, False, OFF_TRACK),       # CI wholly above target + band
    ("at_most", None, (1, 2), None, False, NOT_MEASURABLE),
    ("at_most", 8, (6, 9), None, True, NOT_MEASURABLE),   # suppressed
])
def test_status_rule(direction, value, ci, band, suppressed, expected):
    low, high = ci or (None, None)
    assert objectives.status(value, 10, direction, low, high, band, suppressed) == expected


@pytest.mark.parametrize("fields, message", [
    ({"metric": "no_such_metric"}, "Unknown metric 'no_such_metric'"),
    ({"direction": "above"}, "direction must be one of at_least, at_most"),
    ({"target": "high"}, "target must be a number"),
    ({"target": math.inf}, "target must be a number"),
    ({"amber_band": -1}, "cannot be negative"),
    ({"amber_band": "x"}, "amber_band must be a number"),
])
def test_invalid_objectives_are_refused_and_nothing_is_stored(con, fields, message):
    given = {"metric": "nps", "target": 20, "direction": "at_least", **fields}
    with pytest.raises(ObjectiveError, match=message):
        objectives.add_objective(con, **given)
    assert objectives.list_objectives(con).empty and audit.entries(con).empty


def test_add_edit_delete_are_audited_and_a_second_objective_for_the_same_figure_is_refused(con):
    first = objectives.add_objective(con, metric="nps", target=20, direction="at_least", program=" ",
                                     actor="lee")
    second = objectives.add_objective(con, metric="active_pair_rate", target=0.8, direction="at_least",
                                      program="Leadership", amber_band=0.05, actor="lee")
    with pytest.raises(ObjectiveError, match=f"objective {first}"):
        objectives.add_objective(con, metric="nps", target=30, direction="at_least")
    with pytest.raises(ObjectiveError, match=f"objective {first}"):
        objectives.edit_objective(con, second, metric="nps", program=None, amber_band=None)
    objectives.edit_objective(con, first, target=25, amber_band=5, actor="ann")
    listed = objectives.list_objectives(con)
    assert listed[["objective_id", "metric", "program", "target", "direction", "amber_band"]].values.tolist() == [
        [first, "nps", None, 25.0, "at_least", 5.0],
        [second, "active_pair_rate", "Leadership", 0.8, "at_least", 0.05]]
    objectives.delete_objective(con, second, actor="ann")
    with pytest.raises(ObjectiveError, match=f"no objective {second}"):
        objectives.delete_objective(con, second)
    assert audit.entries(con)[["actor", "action", "detail"]].values.tolist()[::-1] == [
        ["lee", "objective", "objective 1 added: Net Promoter Score ≥ +20, All programs"],
        ["lee", "objective", "objective 2 added: Active pair rate ≥ 80% (amber band 5 pts), Leadership"],
        ["ann", "objective", "objective 1 edited: Net Promoter Score ≥ +25 (amber band 5), All programs"],
        ["ann", "objective", "objective 2 deleted: Active pair rate ≥ 80% (amber band 5 pts), Leadership"]]


@pytest.fixture
def program_l(con):
    """Program L in 2026Q2: five exit answers 6, 7, 8, 9, 10 to the recommend question (2 promoters,
    1 detractor); two open pairs, one of which met."""
    rows = "\n".join(f"x{i} | p{i} | exit | 2026-05-{10 + i} | L | {6 + i}" for i in range(5))
    responses(con, "response_id | respondent_id | wave | submitted_on | program | nps\n" + rows)
    insert(con, "pairs", """
        pair_id | mentor_id | mentee_id | matched_on | program
        a1      | m1        | e1        | 2025-10-01 | L
        a2      | m2        | e2        | 2025-10-01 | L
    """)
    insert(con, "sessions", """
        session_id | pair_id | occurred_on | duration_minutes | status
        s1         | a1      | 2026-06-01  | 60               | held
    """)
    return con


# NPS 100 × (2 − 1) / 5 = 20; its variance 100² [(p + d) − (p − d)²] / n with p = 0.4, d = 0.2 is
# 10,000 × 0.56 / 5 = 1,120, so the 95% CI (±1.96 standard errors, docs/metrics.md) is
# 20 ± 1.96 × √1120 = 20 ± 65.6 (−45.6 to 85.6).
NPS_HALF = 1.96 * math.sqrt(100 ** 2 * (0.6 - 0.2 ** 2) / 5)


@pytest.mark.parametrize("metric, target, direction, band, expected", [
    ("nps", 20, "at_least", None, ON_TRACK),             # 20 meets 20
    ("nps", 50, "at_least", None, AT_RISK),              # misses, but the CI reaches 85.6
    ("nps", 90, "at_least", None, OFF_TRACK),            # the CI ends at 85.6 < 90
    ("nps", 10, "at_most", None, AT_RISK),               # 20 > 10, the CI starts at −45.6
    ("active_pair_rate", 0.8, "at_least", None, OFF_TRACK),   # 1 of 2 open pairs met: 0.5, no CI
    ("active_pair_rate", 0.8, "at_least", 0.3, AT_RISK),      # 0.5 is on the band's edge 0.8 − 0.3
])
def test_scorecard_judges_each_objective_on_its_figure(program_l, metric, target, direction, band, expected):
    objectives.add_objective(program_l, metric=metric, target=target, direction=direction, amber_band=band,
                             program="L")
    [row] = objectives.scorecard(program_l, Q2, Filters()).to_dict("records")
    assert row["status"] == expected and row["reason"] is None
    if metric == "nps":
        assert (row["value"], row["ci_low"], row["ci_high"], row["n"]) == (
            pytest.approx(20), pytest.approx(20 - NPS_HALF), pytest.approx(20 + NPS_HALF), 5)
    else:
        assert (row["value"], row["ci_low"], row["ci_high"], row["n"]) == (0.5, None, None, 2)


def test_scorecard_says_why_a_figure_is_not_measurable(program_l):
    settings.set(program_l, "min_group_size", 6)
    for metric in ("nps", "goal_attainment_rate", "retention_effect_12m"):
        objectives.add_objective(program_l, metric=metric, target=0.5, direction="at_least", program="L")
    objectives.add_objective(program_l, metric="nps", target=0, direction="at_least", program="M")
    card = objectives.scorecard(program_l, Q2, Filters())
    assert card[["metric", "program", "value", "status"]].values.tolist() == [
        ["nps", "L", None, NOT_MEASURABLE], ["goal_attainment_rate", "L", None, NOT_MEASURABLE],
        ["retention_effect_12m", "L", None, NOT_MEASURABLE], ["nps", "M", None, NOT_MEASURABLE]]
    reasons = card["reason"].tolist()
    assert reasons[0] == "hidden: n = 5 is under the minimum group size (6)"
    assert reasons[1] == reasons[3] == "no data in 2026Q2"
    assert reasons[2].startswith("No employee file is loaded")


def test_an_effect_objective_before_any_pair_is_a_year_old_says_when_it_can_be_judged(program_l):
    insert(program_l, "employees", """
        employee_id | hired_on   | department | level
        e1          | 2020-01-01 | Eng        | Senior
        x1          | 2020-01-01 | Eng        | Senior
    """)
    objectives.add_objective(program_l, metric="promotion_effect_12m", target=0, direction="at_least")
    [row] = objectives.scorecard(program_l, Q2, Filters()).to_dict("records")
    # The landmark of 2026Q2 is 2025-07-01; the first pair was matched on 2025-10-01, a year before 2026-10-01.
    assert (row["status"], row["reason"]) == (NOT_MEASURABLE, "too early: no pair had been matched 12 months before "
                                                              "the quarter's end; the first comparison is as of "
                                                              "2026-10-01")


def test_under_a_program_filter_other_programs_objectives_are_left_out(program_l):
    for program in ("L", None, "M"):
        objectives.add_objective(program_l, metric="nps", target=0, direction="at_least", program=program)
    card = objectives.scorecard(program_l, Q2, Filters(program="L"))
    assert card["program"].tolist() == ["L", None]
    # The all-programs objective is measured on all programs: here, only L has answers.
    assert card["value"].tolist() == [pytest.approx(20), pytest.approx(20)]


def test_a_file_without_the_objectives_table_has_none(con):
    con.execute("DROP TABLE objectives")  # as a file of schema 5 opened read-only
    assert objectives.list_objectives(con).empty and objectives.scorecard(con, Q2, Filters()).empty


def test_a_lead_adds_and_deletes_an_objective_in_settings(app):
    at = app("lead", "10_settings")
    at.selectbox(key="objective_metric").set_value("active_pair_rate")
    at.number_input(key="objective_target").set_value(80)  # a share is typed in percent
    at.number_input(key="objective_band").set_value(5)
    next(b for b in at.button if b.label == "Add objective").click().run()
    assert not at.exception, [e.value for e in at.exception]
    cursor = at.session_state["cursor"]
    [(objective_id, target, band)] = cursor.execute(
        "SELECT objective_id, target, amber_band FROM objectives").fetchall()
    assert (target, band) == (0.8, 0.05)
    # Markdown-escaped, as all user text the page echoes
    assert any("Added: Active pair rate ≥ 80% (amber band 5 pts), All programs" in s.value.replace("\\", "")
               for s in at.success)
    assert any(w.proto.id.endswith("csv_objectives") for w in at.get("download_button"))  # the status table
    at.selectbox(key="edit_objective_id").set_value(objective_id).run()
    at.checkbox(key=f"edit_objective_{objective_id}_delete_sure").check().run()
    at.button(key="edit_objective_delete").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert cursor.execute("SELECT count(*) FROM objectives").fetchone() == (0,)
    assert audit_rows(at, "objective") == [
        ("lena", "objective 1 added: Active pair rate ≥ 80% (amber band 5 pts), All programs"),
        ("lena", "objective 1 deleted: Active pair rate ≥ 80% (amber band 5 pts), All programs")]


def test_the_command_line_lists_objectives_with_a_quarters_status(tmp_path, capsys):
    path = tmp_path / "cli.duckdb"
    con = connection.connect(path)
    responses(con, "response_id | respondent_id | wave | submitted_on | program | nps\n"
              + "\n".join(f"x{i} | p{i} | exit | 2026-05-{10 + i} | L | {6 + i}" for i in range(5)))
    objectives.add_objective(con, metric="nps", target=50, direction="at_least")
    con.close()
    assert cli.main(["objectives", "list", "--db", str(path)]) == 0
    assert capsys.readouterr().out == "   1  Net Promoter Score ≥ +50, All programs\n"
    assert cli.main(["objectives", "list", "--db", str(path), "--quarter", "2026Q2"]) == 0
    # NPS 20 with the CI of test_scorecard_judges_each_objective_on_its_figure: −45.6 to +85.6
    assert capsys.readouterr().out == (
        "   1  Net Promoter Score ≥ +50, All programs  At risk: +20, 95% CI -46 to +86, n = 5\n")
    assert cli.main(["objectives", "list", "--db", str(path), "--quarter", "2026Q2", "--json"]) == 0
    [listed] = json.loads(capsys.readouterr().out)
    assert (listed["id"], listed["status"], listed["n"]) == (1, "at_risk", 5)
    assert cli.main(["objectives", "list", "--db", str(path), "--quarter", "2024Q1"]) == 1
    assert "has no held meetings or survey responses: the data covers 2026Q2." in capsys.readouterr().err
