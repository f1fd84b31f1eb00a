"""parse_survey over every tool's export: items, responses, answers, refusals."""
from __future__ import annotations

import math
from contextlib import closing

import fixtures_formats as F
import pandas as pd
import pytest

from analytics.ingest.detect import detect_format
from analytics.ingest.errors import FileRefused, NeedsMapping
from analytics.ingest.staged import stage
from analytics.ingest.survey import parse_survey


def parse(data: bytes, name: str, **kw):
    with closing(stage(data, name)) as staged:
        return parse_survey(staged, detect_format(staged.head), name, **kw)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


SM_SUPPORT = "how_would_you_rate_your_mentors_support"
SM_NETWORK = "please_rate_your_agreement_my_mentor_helped_me_build_my_netw"
GOOGLE_NPS = "how_likely_are_you_to_recommend_the_program_to_a_colleague"
MS_OVERALL = "how_satisfied_are_you_with_the_program_overall"

# file, name, keyword args → response ids (None: hashed), submitted_at (UTC, naive), emails
RESPONSE_CASES = [
    # 08:15 MDT = 14:15 UTC; 23:30 MST = 06:30 UTC next day; the preview row is skipped
    (F.qualtrics_current_de(), "q.csv", {}, ["R_1aaa", "R_3ccc"],
     ["2026-04-03 14:15:00", "2026-01-11 06:30:00"], ["erika@example.org", None]),
    # no time zone in a 2016 export: taken as written
    (F.qualtrics_2016(), "q.csv", {}, ["R_1aaa", "R_3ccc"],
     ["2026-04-03 08:15:00", "2026-01-10 23:30:00"], ["erika@example.org", None]),
    (F.qualtrics_legacy(), "q.csv", {}, ["R_a1", "R_c3"],
     ["2015-03-02 10:05:00", "2015-03-04 12:09:00"], ["jane.doe@example.org", None]),
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", {}, ["11111", "11112"],
     ["2019-08-21 13:10:31", "2019-08-22 09:04:00"], ["amelie@example.org", None]),
    (F.surveymonkey("mac-roman", "\r"), "sm.csv", {}, ["11111", "11112"],
     ["2019-08-21 13:10:31", "2019-08-22 09:04:00"], ["amelie@example.org", None]),
    # day-first Brazilian dates (21/08 tells the order)
    (F.google_forms_csv(), "g.csv", {}, None,
     ["2019-08-21 13:10:31", "2019-09-03 08:05:00"], ["ana@example.org", None]),
    (F.google_forms_xlsx(), "g.xlsx", {}, None,
     ["2019-08-21 13:10:31", "2019-09-03 08:05:00"], ["ana@example.org", None]),
    # MS ids are per form, so they carry the survey id; 'anonymous' is no email
    (F.ms_forms_xlsx(), "ms.xlsx", {}, [":1", ":2"],
     ["2024-09-01 11:27:00", "2024-09-02 08:05:00"], [None, "kim.lee@example.org"]),
    (F.ms_forms_csv_cp1252(), "ms.csv", {"day_first": False}, [":1", ":2"],
     ["2024-09-01 11:27:00", "2024-09-02 08:05:00"], [None, None]),
    (F.generic_semicolon(), "s.csv", {}, None,
     ["2026-04-03 14:00:00", "2026-04-05 07:30:00"], [None, None]),
]


@pytest.mark.parametrize("data, name, kw, ids, submitted, emails", RESPONSE_CASES)
def test_responses_of_each_format(data, name, kw, ids, submitted, emails):
    batch = parse(data, name, **kw)
    responses = batch.responses
    assert list(responses["submitted_at"]) == [ts(s) for s in submitted]
    assert [None if pd.isna(e) else e for e in responses["email"]] == emails
    got = list(responses["response_id"])
    if ids is None:
        assert all(i.startswith(batch.survey_id + ":") for i in got) and len(set(got)) == len(got)
    elif ids[0].startswith(":"):
        assert got == [batch.survey_id + i for i in ids]
    else:
        assert got == ids


# file, name, kw → (item_id, dimension, item_type, scale_points) per item
ITEM_CASES = [
    (F.qualtrics_current_de(), "q.csv", {"mapping": {"Q1": "nps", "Q7_7_TEXT": "comment"}}, [
        ("Q1", "nps", "likert", 11), ("Q2_1", None, "likert", 5), ("Q2_2", None, "likert", 5),
        ("Q3", None, "categorical", None), ("Q7_7_TEXT", "comment", "text", None)]),
    (F.qualtrics_legacy(), "q.csv", {}, [
        ("Q1", None, "likert", 10), ("Q2", None, "likert", 5), ("Q3", None, "text", None)]),
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", {}, [
        (SM_SUPPORT, None, "likert", 5), (SM_NETWORK, None, "likert", 5),
        ("please_rate_your_agreement_i_have_a_clearer_sense_of_directi", None, "likert", 5),
        ("which_topics_did_you_discuss_career", None, "categorical", None),
        ("which_topics_did_you_discuss_skills", None, "categorical", None),
        ("any_comments", None, "text", None)]),
    (F.google_forms_csv(), "g.csv", {"mapping": {GOOGLE_NPS: "nps"}}, [
        (GOOGLE_NPS, "nps", "likert", 11), ("rate_your_mentor_availability", None, "likert", 5),
        ("rate_your_mentor_expertise", None, "likert", 5), ("which_topics_did_you_cover", None, "categorical", None),
        ("what_should_we_improve", None, "text", None)]),
    (F.ms_forms_xlsx(), "ms.xlsx", {}, [
        (MS_OVERALL, None, "likert", 5), ("which_sessions_helped", None, "categorical", None),
        ("comments", None, "text", None), ("comments2", None, "text", None)]),
    # columns named after a code map themselves; networking and networking_2 share a 5-point scale
    (F.generic_semicolon(), "s.csv", {}, [
        ("nps", "nps", "likert", 11), ("networking", "networking", "likert", 5),
        ("networking_2", "networking", "likert", 5), ("hours_with_mentor", None, "categorical", None),
        ("comment", "comment", "text", None)]),
    (F.generic_utf16(), "s.txt", {}, [
        ("overall_satisfaction", "overall_satisfaction", "likert", 5), ("comment", "comment", "text", None)]),
]


@pytest.mark.parametrize("data, name, kw, expected", ITEM_CASES)
def test_items_of_each_format(data, name, kw, expected):
    items = parse(data, name, **kw).items
    got = [(r.item_id, None if pd.isna(r.dimension) else r.dimension, r.item_type,
            None if pd.isna(r.scale_points) else int(r.scale_points)) for r in items.itertuples()]
    assert got == expected


@pytest.mark.parametrize("data, name, item_id, text", [
    # newline inside the quoted German question, read as one line
    (F.qualtrics_current_de(), "q.csv", "Q1",
     "Wie wahrscheinlich ist es, dass Sie das Programm einem Kollegen weiterempfehlen?"),
    # <br> stripped; the ’ survives both Excel code pages
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", SM_SUPPORT, "How would you rate your mentor’s support?"),
    (F.surveymonkey("mac-roman", "\r"), "sm.csv", SM_SUPPORT, "How would you rate your mentor’s support?"),
    # a matrix row under a blank continuation header gets its question's text
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", SM_NETWORK,
     "Please rate your agreement: — My mentor helped me build my network"),
    (F.surveymonkey("cp1252", "\r\n"), "sm.csv", "which_topics_did_you_discuss_skills",
     "Which topics did you discuss? — Skills"),
    (F.google_forms_csv(), "g.csv", "rate_your_mentor_expertise", "Rate your mentor [Expertise]"),
    (F.ms_forms_xlsx(), "ms.xlsx", MS_OVERALL, "How satisfied are you with the program overall?"),
])
def test_question_texts(data, name, item_id, text):
    items = parse(data, name).items.set_index("item_id")
    assert items.at[item_id, "question_text"] == text


@pytest.mark.parametrize("data, name, kw, expected", [
    (F.qualtrics_current_de(), "q.csv", {}, [
        ("R_1aaa", "Q1", 10.0, "10"), ("R_3ccc", "Q1", 6.0, "6"),
        ("R_1aaa", "Q2_1", 5.0, "Strongly agree"), ("R_3ccc", "Q2_1", math.nan, "-99"),
        ("R_1aaa", "Q2_2", 4.0, "Agree"), ("R_3ccc", "Q2_2", 3.0, "Neither agree nor disagree"),
        ("R_1aaa", "Q3", math.nan, "Very satisfied"), ("R_3ccc", "Q3", math.nan, "Kinda"),
        ("R_3ccc", "Q7_7_TEXT", math.nan, "mehr Treffen")]),
    (F.surveymonkey("mac-roman", "\r"), "sm.csv", {}, [
        ("11111", SM_SUPPORT, 5.0, "Excellent"), ("11112", SM_SUPPORT, 2.0, "Fair"),
        ("11111", SM_NETWORK, 4.0, "Agree"), ("11112", SM_NETWORK, 2.0, "Disagree"),
        ("11111", "please_rate_your_agreement_i_have_a_clearer_sense_of_directi", 5.0, "Strongly agree"),
        ("11112", "please_rate_your_agreement_i_have_a_clearer_sense_of_directi", 3.0,
         "Neither agree nor disagree"),
        ("11111", "which_topics_did_you_discuss_career", math.nan, "Career"),
        ("11112", "which_topics_did_you_discuss_skills", math.nan, "Skills"),
        ("11111", "any_comments", math.nan, "Très bien — merci")]),
    # ';'-joined multi-select keeps its choices, without the trailing separator
    (F.ms_forms_xlsx(), "ms.xlsx", {}, [
        (":1", MS_OVERALL, 5.0, "Very satisfied"), (":2", MS_OVERALL, 4.0, "Satisfied"),
        (":1", "which_sessions_helped", math.nan, "Goal setting;Networking"),
        (":2", "which_sessions_helped", math.nan, "Networking"),
        (":1", "comments", math.nan, "Good"), (":1", "comments2", math.nan, "More please")]),
    # decimal commas in an unmapped numeric column
    (F.generic_semicolon(), "s.csv", {}, [
        (":P1", "nps", 9.0, "9"), (":P1", "networking", 4.0, "4"), (":P2", "networking", 2.0, "2"),
        (":P1", "networking_2", 5.0, "5"), (":P2", "networking_2", 3.0, "3"),
        (":P1", "hours_with_mentor", 1.5, "1,5"), (":P2", "hours_with_mentor", 0.5, "0,5"),
        (":P1", "comment", math.nan, "Très utile")]),
])
def test_answers_long_form(data, name, kw, expected):
    batch = parse(data, name, **kw)
    respondent = dict(zip(batch.responses["response_id"], batch.responses["respondent_id"]))
    got = []
    for r in batch.answers.itertuples():
        rid = r.response_id
        if rid.startswith(batch.survey_id):
            rid = ":" + (respondent[rid] if isinstance(respondent[rid], str) else rid.split(":")[-1])
        got.append((rid, r.item_id, r.value_num, r.value_text))
    assert len(got) == len(expected)
    # answers come in no particular order
    for g, e in zip(sorted(got, key=lambda a: a[:2]), sorted(expected, key=lambda a: a[:2])):
        assert g[:2] == e[:2] and g[3] == e[3]
        assert (math.isnan(g[2]) and math.isnan(e[2])) or g[2] == e[2]


def test_metadata_is_never_stored():
    batch = parse(F.qualtrics_current_de(), "q.csv")
    stored = " ".join(map(str, batch.answers["value_text"])) + " ".join(batch.items["item_id"])
    for secret in ("203.0.113.7", "39.7392", "Muster", "Erika", "Q5_DO", "Q_RecaptchaScore", "1|2", "anonymous"):
        assert secret not in stored
    legacy = parse(F.qualtrics_legacy(), "q.csv")
    assert "Doe, Jane" not in " ".join(map(str, legacy.answers["value_text"]))


@pytest.mark.parametrize("data, name, skipped", [
    (F.qualtrics_current_de(), "q.csv", {"survey_preview": 1, "blank": 0}),
    (F.qualtrics_legacy(), "q.csv", {"survey_preview": 1, "blank": 0}),
    (F.generic_semicolon(), "s.csv", {"survey_preview": 0, "blank": 0}),
])
def test_skipped_rows_are_counted(data, name, skipped):
    assert parse(data, name).skipped == skipped


@pytest.mark.parametrize("data, name, said, in_history", [
    (F.qualtrics_legacy(), "q.csv", "1 survey-preview response (the survey tool's own test)", 1),
    (F.generic_semicolon(), "s.csv", None, 0),
])
def test_skipped_rows_are_said_before_loading_and_kept_in_the_history(data, name, said, in_history):
    from analytics.ingest.pipeline import analyse, load
    from analytics.ops import health
    from tests.builders import fresh
    con = fresh()
    plan = analyse(data, name, con)
    assert plan.skipped == said
    load(con, plan)
    history = health.upload_history(con).iloc[0]
    # read = loaded + duplicate + rejected + skipped
    assert history["rows_skipped"] == in_history
    assert history["rows_read"] == (history["rows_loaded"] + history["rows_duplicate"] + history["rows_rejected"]
                                    + in_history)


def test_rows_without_a_date_are_rejected_with_their_spreadsheet_row():
    batch = parse(F.generic_semicolon(), "s.csv", wave="midpoint", program="Leaders")
    assert batch.rejected == [{"row_number": 4, "column": "submitted_at", "reason": "submitted_at is empty",
                               "raw": ",P3,exit,7,3,3,2,"}]
    # the file's waves win (lower-cased); the program argument fills the blanks
    assert list(batch.responses["wave"]) == ["exit", "baseline"]
    assert list(batch.responses["program"]) == ["Leaders", "Leaders"]
    assert list(batch.responses["row_number"]) == [2, 3]


def test_wave_argument_fills_files_without_one():
    assert list(parse(F.generic_utf16(), "s.txt", wave="exit").responses["wave"]) == ["exit"]
    assert list(parse(F.generic_utf16(), "s.txt").responses["wave"]) == ["pulse"]


@pytest.mark.parametrize("data, name, suggestions", [
    (F.qualtrics_legacy(), "q.csv", {"Q1": "nps", "Q2": "networking", "Q3": "comment"}),
    (F.ms_forms_xlsx(), "ms.xlsx", {MS_OVERALL: "overall_satisfaction", "comments": "comment",
                                     "comments2": "comment"}),
    (F.generic_semicolon(), "s.csv", {}),  # self-mapped columns need no suggestion
])
def test_keyword_suggestions_are_offered_not_applied(data, name, suggestions):
    batch = parse(data, name)
    assert batch.suggestions == suggestions
    assert batch.items.set_index("item_id").loc[list(suggestions), "dimension"].isna().all()


def test_unknown_labels_in_a_scored_column_need_mapping():
    with pytest.raises(NeedsMapping) as caught:
        parse(F.qualtrics_current_de(), "survey.csv", mapping={"Q3": "overall_satisfaction"})
    assert caught.value.labels == {"Q3": ["Kinda"]}
    assert str(caught.value) == (
        "survey.csv: column 'Q3 Wie zufrieden sind Sie insgesamt?' has answers no known scale explains: "
        "'Kinda'. Map each label to a score on the Upload page (or pass a label map).")


def test_a_label_map_resolves_them():
    batch = parse(F.qualtrics_current_de(), "q.csv", mapping={"Q3": "overall_satisfaction"},
                  label_map={"Q3": {"Kinda": (3.0, 5)}})
    q3 = batch.answers[batch.answers["item_id"] == "Q3"]
    assert list(q3["value_num"]) == [5.0, 3.0]


def test_ambiguous_dates_ask_for_the_order():
    with pytest.raises(NeedsMapping) as caught:
        parse(F.ms_forms_csv_cp1252(), "ms.csv")
    assert caught.value.ambiguous_dates == ["Completion time"]
    assert str(caught.value).startswith("ms.csv")


@pytest.mark.parametrize("data, words", [
    (b"submitted_at,nps\n", "no data rows"),
    (b"nps,networking\n9,4\n", "submitted"),
    (b"submitted_at,respondent_id\n2026-01-01,P1\n", "no question columns"),
])
def test_unusable_files_are_refused(data, words):
    with closing(stage(data, "s.csv")) as staged, pytest.raises(FileRefused) as caught:
        parse_survey(staged, "generic", "s.csv")
    assert words in str(caught.value) and str(caught.value).startswith("s.csv")


def test_the_same_file_gives_the_same_ids_and_fingerprint():
    first, second = parse(F.google_forms_csv(), "g.csv"), parse(F.google_forms_csv(), "other name.csv")
    assert first.fingerprint == second.fingerprint and first.survey_id == second.survey_id
    assert list(first.responses["response_id"]) == list(second.responses["response_id"])
    # German and 2016 exports of one Qualtrics survey share their ImportIds, hence the fingerprint
    assert parse(F.qualtrics_current_de(), "a.csv").fingerprint == parse(F.qualtrics_2016(), "b.csv").fingerprint
