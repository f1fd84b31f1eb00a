"""The sample generator: determinism, sizes, the demo's story, and the tools' real layouts."""
from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from analytics.cli import main
from analytics.ingest.mapping import suggest_dimension
from analytics.ops.sample import generate
from analytics.ops.sample_story import DIMENSIONS, LEADERSHIP, NEW_HIRE, SURVEYS, improvement_actions
from analytics.ops.sample_writers import (
    COMMENT_TEXT,
    FEEDBACK_ITEMS,
    MATRIX_TEXT,
    NPS_TEXT,
    OVERALL_TEXT,
    QUALTRICS_META,
    RELATIONSHIP_ITEM,
    SELF_ITEMS,
    describe_exports,
    write_exports,
)

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "sample_surveys"
AS_OF = pd.Timestamp("2026-09-30")


@pytest.fixture(scope="module")
def data():
    return generate()


@pytest.fixture(scope="module")
def big():
    return generate(scale=100)


@pytest.fixture(scope="module")
def written(tmp_path_factory, data):
    out = tmp_path_factory.mktemp("sample")
    write_exports(data, out)
    return out


def _quarter(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    period = pd.Period(label, "Q")
    return period.start_time.normalize(), period.end_time.normalize()


def _open_pairs(pairs, start, end):
    return pairs[(pairs.matched_on <= end) & (pairs.ended_on.isna() | (pairs.ended_on >= start))]


def _held(sessions, start, end):
    return sessions[(sessions.status == "held") & sessions.occurred_on.between(start, end)]


# --- determinism and sizes ---------------------------------------------------------------

def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != "README.md"}


def test_same_seed_writes_identical_bytes_and_another_seed_does_not(tmp_path, written):
    write_exports(generate(seed=7), tmp_path / "again")
    write_exports(generate(seed=8), tmp_path / "other")
    assert _files(tmp_path / "again") == _files(written)
    other = _files(tmp_path / "other")
    assert all(other[name] != content for name, content in _files(written).items())


@pytest.mark.parametrize("table, low, high", [
    ("participants", 380, 440),
    ("pairs", 195, 230),
    ("sessions", 4000, 6000),
    ("goals", 300, 800),
    ("employees", 1500, 1500),
    ("surveys", 1500, 3000),
])
def test_default_sizes(data, table, low, high):
    assert low <= len(getattr(data, table)) <= high


@pytest.mark.slow
@pytest.mark.parametrize("table, target", [
    ("participants", 40_000), ("pairs", 20_000), ("sessions", 2_000_000),
    ("surveys", 400_000), ("employees", 150_000),
])
def test_scale_100_lands_near_the_benchmark_sizes(big, table, target):
    assert 0.85 * target <= len(getattr(big, table)) <= 1.15 * target


@pytest.mark.parametrize("scale", [0.05, 0.5, 3])
def test_scale_multiplies_people_and_pairs(data, scale):
    scaled = generate(scale=scale)
    for table in ("participants", "pairs", "employees"):
        ratio = len(getattr(scaled, table)) / len(getattr(data, table))
        assert ratio == pytest.approx(scale, rel=0.25), table


# --- the canonical tables hang together --------------------------------------------------

@pytest.mark.parametrize("table, column, values", [
    ("participants", "role", {"mentor", "mentee"}),
    ("participants", "program", {NEW_HIRE, LEADERSHIP}),
    ("pairs", "end_reason", {"completed", "withdrawn", "rematched", "left_organization", "other"}),
    ("sessions", "status", {"held", "cancelled", "no_show"}),
    ("sessions", "format", {"in_person", "video", "phone", "chat"}),
    ("goals", "status", {"open", "achieved", "dropped"}),
    ("surveys", "wave", {"baseline", "midpoint", "exit", "pulse"}),
    ("pairs", "cohort", {"2025 Spring", "2025 Autumn", "2026 Spring"}),
])
def test_enumerations_are_complete_and_canonical(data, table, column, values):
    assert set(getattr(data, table)[column].dropna().astype(str)) == values


def test_references_hold(data):
    ids = set(data.participants.participant_id)
    assert ids <= set(data.employees.employee_id)
    assert set(data.pairs.mentor_id) | set(data.pairs.mentee_id) <= ids
    assert set(data.sessions.pair_id.astype(str)) <= set(data.pairs.pair_id)
    assert set(data.goals.pair_id) <= set(data.pairs.pair_id)
    assert set(data.surveys.respondent_id) <= ids
    assert data.participants.email.is_unique and data.surveys.response_id.is_unique


def test_dates_stay_in_the_18_months_and_after_matching(data):
    s = data.sessions.merge(data.pairs, on="pair_id")
    assert s.occurred_on.between(pd.Timestamp("2025-04-01"), AS_OF).all()
    assert (s.occurred_on >= s.matched_on).all()
    assert (s.ended_on.isna() | (s.occurred_on <= s.ended_on)).all()
    assert data.surveys.submitted_at.max() <= AS_OF + pd.Timedelta(days=1)
    assert (data.pairs.ended_on.isna() | (data.pairs.ended_on > data.pairs.matched_on)).all()


def test_employment_dates_frame_each_participation(data):
    e = data.employees.merge(data.participants, left_on="employee_id", right_on="participant_id")
    assert (e.hired_on < e.joined_on).all()
    assert (e.terminated_on.isna() | (e.terminated_on >= e.left_on)).all()
    promoted = data.employees.dropna(subset=["last_promoted_on"])
    assert (promoted.last_promoted_on >= promoted.hired_on).all()


@pytest.mark.parametrize("column", DIMENSIONS)
def test_likert_answers_are_whole_points_on_their_scale(data, column):
    r = data.surveys.dropna(subset=[column])
    assert len(r) > 100
    assert r[column].between(1, r.scale_points).all() and (r[column] % 1 == 0).all()


def test_nps_answers_are_whole_points_from_0_to_10(data):
    nps = data.surveys.nps.dropna()
    assert nps.between(0, 10).all() and (nps % 1 == 0).all() and nps.nunique() > 5


# --- the story ---------------------------------------------------------------------------

def _retention_groups(data, window_start, window_end):
    e, p = data.employees, _open_pairs(data.pairs, window_start, window_end)
    population = e[(e.hired_on < window_start) & (e.terminated_on.isna() | (e.terminated_on >= window_start))]
    participant = population.employee_id.isin(set(p.mentor_id) | set(p.mentee_id))
    return population, participant


@pytest.mark.parametrize("measure", ["retention", "promotion"])
def test_participants_stay_longer_and_are_promoted_more(data, measure):
    start, end = pd.Timestamp("2025-10-01"), AS_OF
    population, participant = _retention_groups(data, start, end)
    hit = (population.terminated_on.isna() | (population.terminated_on > end) if measure == "retention"
           else population.last_promoted_on.between(start, end))
    assert participant.sum() >= 50 and (~participant).sum() >= 50
    assert hit[participant].mean() > hit[~participant].mean() + 0.05


def _active_share(data, cohort_mask, quarter):
    start, end = _quarter(quarter)
    pairs = _open_pairs(data.pairs[cohort_mask(data.pairs)], start, end)
    return pairs.pair_id.isin(set(_held(data.sessions, start, end).pair_id.astype(str))).mean()


def _slipping(p):
    return (p.program == LEADERSHIP) & (p.cohort == "2025 Autumn")


def test_the_slipping_cohort_is_less_active_in_the_last_quarter(data):
    assert _active_share(data, _slipping, "2026Q3") < _active_share(data, lambda p: ~_slipping(p), "2026Q3") - 0.2


def test_the_slipping_cohorts_cancellations_rise(data):
    s = data.sessions.merge(data.pairs[_slipping(data.pairs)], on="pair_id")
    cancelled = (s.status != "held").groupby(s.occurred_on.dt.to_period("Q")).mean()
    assert cancelled.iloc[-1] > cancelled.iloc[0] + 0.15


def test_quiet_pairs_are_at_risk_on_the_last_as_of_date(data):
    p = data.pairs
    open_then = p[(p.matched_on <= AS_OF - pd.Timedelta(days=45)) & p.ended_on.isna()]
    recent = set(_held(data.sessions, AS_OF - pd.Timedelta(days=44), AS_OF).pair_id.astype(str))
    at_risk = open_then[~open_then.pair_id.isin(recent)]
    assert len(at_risk) >= 5 and _slipping(at_risk).mean() > 0.7


def _held_per_open_pair_month(data, program, start, end):
    """Held sessions per month of open pair time: not skewed by pairs matched mid-quarter."""
    pairs = _open_pairs(data.pairs[data.pairs.program == program], start, end)
    first = pairs.matched_on.clip(lower=start)
    last = pairs.ended_on.fillna(end).clip(upper=end)
    months = ((last - first).dt.days + 1).sum() / 30.4375
    held = _held(data.sessions, start, end)
    return held.pair_id.astype(str).isin(set(pairs.pair_id)).sum() / months


def test_the_improvement_lifts_cadence_after_it_started(data):
    (action,) = improvement_actions()
    assert action["started_on"].isoformat() == "2026-02-01"
    assert action["metric"] == "sessions_per_active_pair_per_month"
    started = pd.Timestamp(action["started_on"])
    before = _held_per_open_pair_month(data, action["program"], started - pd.DateOffset(months=3),
                                       started - pd.Timedelta(days=1))
    after = _held_per_open_pair_month(data, action["program"], started, started + pd.DateOffset(months=3))
    assert after > 1.15 * before


@pytest.mark.parametrize("dimension", ["skill_development", "career_clarity", "networking"])
def test_exit_beats_baseline_for_the_same_respondents(data, dimension):
    r = data.surveys
    baseline = r[r.wave == "baseline"].groupby("respondent_id")[dimension].first()
    exit_ = r[r.wave == "exit"].groupby("respondent_id")[dimension].last()
    both = pd.concat([baseline, exit_], axis=1, keys=["baseline", "exit"], join="inner").dropna()
    assert len(both) >= 30
    assert (both["exit"] - both["baseline"]).mean() > 0.4


@pytest.mark.parametrize("dimension", ["overall_satisfaction", "networking", "nps"])
def test_engaged_pairs_report_more_benefit(data, dimension):
    held = data.sessions[data.sessions.status == "held"].groupby("pair_id", observed=True).size()
    r = data.surveys[(data.surveys.wave != "baseline") & (data.surveys.scale_points == 5)]
    r = r.merge(data.pairs[["pair_id", "mentee_id"]], left_on="respondent_id", right_on="mentee_id")
    engaged = r.pair_id.map(held).fillna(0) > r.pair_id.map(held).fillna(0).median()
    assert r[engaged][dimension].mean() > r[~engaged][dimension].mean() + 0.3


def test_default_groups_have_enough_respondents_but_one_department_is_suppressed(data):
    r = data.surveys[data.surveys.wave != "baseline"].merge(
        data.participants[["participant_id", "department"]], left_on="respondent_id", right_on="participant_id")
    quarter = r.submitted_at.dt.to_period("Q")
    assert r.groupby([quarter, "program"]).size().min() >= 5
    by_department = r.groupby([quarter, "department"]).size().unstack(fill_value=0)
    assert (by_department.drop(columns="Legal").min() >= 5).all()
    assert (by_department["Legal"] < 5).all()


@pytest.mark.parametrize("pattern", [
    r"[\w.]+@example\.com",                    # an email address
    r"\+44 20 7946 \d{4}",                     # a phone number
    r"time|rescheduling",                      # time constraints
    r"clear what|expectations",                # unclear expectations
    r"faded|dropped off",                      # fading engagement
    r"match",                                  # poor match
    r"network", r"skills", r"industry", r"support|someone to talk to", r"career",
])
def test_comments_carry_the_themes(data, pattern):
    assert data.surveys.comment.dropna().str.contains(pattern).any()


QUESTIONS = (list(SELF_ITEMS.items()) + list(FEEDBACK_ITEMS.items())
             + [("relationship_quality", RELATIONSHIP_ITEM), ("overall_satisfaction", OVERALL_TEXT),
                ("nps", NPS_TEXT), ("comment", COMMENT_TEXT)])


@pytest.mark.parametrize("dimension, text", QUESTIONS)
def test_the_ingest_suggests_the_dimension_each_question_was_written_for(dimension, text):
    # The demo accepts the suggested mappings, so each question must suggest its own dimension.
    assert suggest_dimension(f"{MATRIX_TEXT} - {text}", "Q1_1") == dimension
    assert suggest_dimension(text, "Q1") == dimension


# --- the files ---------------------------------------------------------------------------

def test_committed_sample_surveys_are_what_the_generator_writes(written):
    assert _files(SAMPLE_DIR) == _files(written)


def test_every_response_lands_in_exactly_one_survey_file(data):
    assert data.surveys.survey.isin([s.name for s in SURVEYS]).all()
    counted = {e.name.rsplit(".", 1)[0]: e.rows for e in describe_exports(data) if e.tool != "platform"}
    previews = sum(e.tool == "qualtrics" for e in describe_exports(data))
    assert sum(counted.values()) == len(data.surveys) + previews


def test_readme_lists_every_file_with_its_rows(data):
    readme = (SAMPLE_DIR / "README.md").read_text()
    for export in describe_exports(data):
        assert re.search(rf"`{re.escape(export.name)}`.*\|\s*{export.rows:,}\s*\|", readme), export.name


def _csv_rows(path: Path, encoding="utf-8") -> list[list[str]]:
    with open(path, encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


@pytest.mark.parametrize("name", ["participants", "pairs", "sessions", "goals", "employees"])
def test_platform_csvs_use_the_canonical_headers_and_iso_dates(data, written, name):
    rows = _csv_rows(written / f"{name}.csv")
    assert rows[0] == list(getattr(data, name).columns)
    assert len(rows) - 1 == len(getattr(data, name))
    dates = [c for c in rows[0] if c.endswith("_on")]
    for column in dates:
        values = {r[rows[0].index(column)] for r in rows[1:]} - {""}
        assert values and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in values), column


@pytest.mark.parametrize("name, numeric", [("qualtrics_leadership_baseline", False),
                                           ("qualtrics_leadership_exit", True)])
def test_qualtrics_has_three_header_rows_and_a_preview(data, written, name, numeric):
    path = written / f"{name}.csv"
    assert path.read_bytes().startswith(b"\xef\xbb\xbfStartDate,EndDate,Status,")
    ids, texts, imports, preview, *answers = _csv_rows(path, "utf-8-sig")
    assert ids[:17] == [m[0] for m in QUALTRICS_META] and ids[17] == "Q1_1"
    assert ids[-4:] == ["role", "program", "cohort", "wave"]
    assert any("\n" in t for t in texts) and texts[0] == "Start Date"
    meta = [json.loads(cell) for cell in imports]
    assert meta[0] == {"ImportId": "startDate", "timeZone": "America/New_York"}
    assert meta[ids.index("Q1_1")] == {"ImportId": "QID1_1"}
    assert preview[ids.index("Status")] == ("1" if numeric else "Survey Preview")
    assert len(answers) == (data.surveys.survey == name).sum()
    first = answers[0][ids.index("Q1_1")]
    assert first.isdigit() == numeric
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", answers[0][0])
    assert {a[ids.index("ExternalReference")] for a in answers} <= set(data.participants.participant_id)


def test_qualtrics_dates_are_local_to_the_named_time_zone(data, written):
    ids, _, _, _, first, *_ = _csv_rows(written / "qualtrics_leadership_exit.csv", "utf-8-sig")
    response = data.surveys.set_index("response_id").loc[first[ids.index("ResponseId")]]
    local = pd.Timestamp(first[ids.index("EndDate")]).tz_localize("America/New_York").tz_convert("UTC")
    assert local.tz_localize(None) == response.submitted_at


@pytest.mark.parametrize("name", ["surveymonkey_midpoint", "surveymonkey_leadership_pulse"])
def test_surveymonkey_has_two_header_rows_with_blank_continuations(data, written, name):
    top, sub, *answers = _csv_rows(written / f"{name}.csv")
    assert top[:9] == ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address",
                       "Email Address", "First Name", "Last Name", "Custom Data 1"]
    matrix = next(i for i, t in enumerate(top) if t.startswith("Thinking about"))
    assert top[matrix + 1: matrix + 7] == [""] * 6 and sub[matrix] == "Mentoring gave me insight into our industry"
    assert sub[-3:] == ["Response", "Response", "Open-Ended Response"] and sub[:9] == [""] * 9
    assert len(answers) == (data.surveys.survey == name).sum()
    assert {a[8] for a in answers} <= set(data.participants.participant_id)
    assert re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d [AP]M", answers[0][2])
    assert {a[matrix] for a in answers} <= {"Strongly disagree", "Disagree", "Neither agree nor disagree",
                                            "Agree", "Strongly agree", "N/A"}


@pytest.mark.parametrize("name", ["google_forms_newhire_baseline", "google_forms_newhire_pulse"])
def test_google_forms_has_unpadded_timestamps_grid_columns_and_crlf(data, written, name):
    raw = (written / f"{name}.csv").read_bytes()
    assert raw.count(b"\r\n") == (data.surveys.survey == name).sum() + 1
    header, *answers = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert header[:3] == ["Timestamp", "Email Address", "Employee ID"]
    assert all(re.fullmatch(r".+ \[.+\]", h) for h in header[6:12])
    assert all(re.fullmatch(r"[1-9]\d?/[1-9]\d?/\d{4} [12]?\d:\d\d:\d\d", a[0]) for a in answers)
    assert any(a[0].startswith(("1/", "2/", "3/", "4/", "5/", "6/", "7/", "8/", "9/")) for a in answers)
    assert set(a[1] for a in answers) <= set(data.participants.email)


def test_google_forms_keeps_bare_newlines_inside_answers(written):
    raw = (written / "google_forms_newhire_pulse.csv").read_bytes()
    assert re.search(rb"[^\r]\n", raw)


def test_microsoft_forms_is_an_xlsx_with_its_leading_columns(data, written):
    sheet = openpyxl.load_workbook(written / "msforms_newhire_exit.xlsx").active
    header, *answers = sheet.iter_rows(values_only=True)
    assert header[:6] == ("ID", "Start time", "Completion time", "Email", "Name", "Last modified time")
    assert len(answers) == (data.surveys.survey == "msforms_newhire_exit").sum()
    assert all(isinstance(a[1], datetime) and isinstance(a[2], datetime) for a in answers)
    assert {a[3] for a in answers} <= set(data.participants.email)
    nps = header.index("How likely are you to recommend the mentoring program to a colleague?")
    assert {type(a[nps]) for a in answers} <= {int, float, type(None)}


@pytest.mark.parametrize("name", [s.name for s in SURVEYS])
def test_every_survey_file_names_its_wave_and_program(data, written, name):
    survey = next(s for s in SURVEYS if s.name == name)
    expected = data.surveys[data.surveys.survey == name]
    assert set(expected.wave) == {survey.wave}
    if survey.tool == "ms_forms":
        frame = pd.read_excel(written / f"{name}.xlsx")
    else:
        skip = {"qualtrics": [1, 2, 3], "surveymonkey": [1], "google_forms": []}[survey.tool]
        frame = pd.read_csv(written / f"{name}.csv", skiprows=skip, encoding="utf-8-sig")
    frame.columns = [c.lower() for c in frame.columns]
    assert set(frame["wave"]) == {survey.wave}
    assert set(frame["program"]) == set(expected.program)


# --- the command -------------------------------------------------------------------------

def test_sample_command_writes_and_lists_the_files(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path / "out"), "--scale", "0.1"]) == 0
    printed = capsys.readouterr().out
    for export in describe_exports(generate(scale=0.1)):
        assert (tmp_path / "out" / export.name).exists()
        assert re.search(rf"{re.escape(export.name)}\s+{export.rows:,} rows", printed)


def test_sample_command_refuses_a_folder_it_cannot_write(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["sample", "--out", str(blocker / "out"), "--scale", "0.1"]) == 1
    assert "cannot write" in capsys.readouterr().err
