"""Write sample data as the files users upload: platform CSVs and survey-tool exports.

Each survey goes out in the real layout of the tool it was run in (see the
design notes on export formats): Qualtrics' three header rows, SurveyMonkey's
two, Google Forms' grid columns and CRLF records, Microsoft Forms' XLSX.
Every file carries its wave and program as plain columns, so none needs
`--wave`/`--program` flags when ingested.
"""
from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import xlsxwriter

from analytics.ops.sample_story import BASELINE_DIMENSIONS, SURVEYS, SampleData, Survey

PLATFORM_FILES = ("participants", "pairs", "sessions", "goals", "employees")

AGREE = {
    5: ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
    7: ("Strongly disagree", "Disagree", "Somewhat disagree", "Neither agree nor disagree",
        "Somewhat agree", "Agree", "Strongly agree"),
}
SATISFIED = ("Very dissatisfied", "Dissatisfied", "Neither satisfied nor dissatisfied",
             "Satisfied", "Very satisfied")
# Baseline and exit ask about oneself (so they compare); midpoint and pulse ask what mentoring did.
SELF_ITEMS = {
    "industry_knowledge": "I understand how our industry and organisation work",
    "networking": "I have a strong professional network across the organisation",
    "emotional_support": "I have someone to turn to for encouragement when work gets difficult",
    "skill_development": "I am confident in my leadership, communication and problem-solving skills",
    "job_satisfaction": "I am satisfied with my job",
    "career_clarity": "I have a clear sense of direction for my career",
}
FEEDBACK_ITEMS = {
    "industry_knowledge": "Mentoring gave me insight into our industry",
    "networking": "My mentoring relationship helped me expand my professional network",
    "emotional_support": "I received encouragement and support when things were difficult",
    "skill_development": "Mentoring helped me develop new skills",
    "job_satisfaction": "I am satisfied with my job",
    "career_clarity": "Mentoring gave me a clearer sense of direction for my career",
}
RELATIONSHIP_ITEM = "My mentoring partner and I agreed clear expectations and met regularly"
MATRIX_TEXT = "Thinking about the last few months,\nhow much do you agree with the following statements?"
OVERALL_TEXT = "Overall, how satisfied are you with the mentoring program?"
NPS_TEXT = "How likely are you to recommend the mentoring program to a colleague?"
COMMENT_TEXT = "Is there anything else you would like to tell us about your mentoring experience?"

QUALTRICS_TZ = "America/New_York"
QUALTRICS_META = (  # column id, question-text row, ImportId
    ("StartDate", "Start Date", "startDate"), ("EndDate", "End Date", "endDate"),
    ("Status", "Response Type", "status"), ("IPAddress", "IP Address", "ipAddress"),
    ("Progress", "Progress", "progress"), ("Duration (in seconds)", "Duration (in seconds)", "duration"),
    ("Finished", "Finished", "finished"), ("RecordedDate", "Recorded Date", "recordedDate"),
    ("ResponseId", "Response ID", "_recordId"),
    ("RecipientLastName", "Recipient Last Name", "recipientLastName"),
    ("RecipientFirstName", "Recipient First Name", "recipientFirstName"),
    ("RecipientEmail", "Recipient Email", "recipientEmail"),
    ("ExternalReference", "External Data Reference", "externalDataReference"),
    ("LocationLatitude", "Location Latitude", "locationLatitude"),
    ("LocationLongitude", "Location Longitude", "locationLongitude"),
    ("DistributionChannel", "Distribution Channel", "distributionChannel"),
    ("UserLanguage", "User Language", "userLanguage"),
)
QUALTRICS_DATES = {"startDate", "endDate", "recordedDate"}
CITY_COORDINATES = {"London": ("51.5072", "-0.1276"), "Berlin": ("52.5200", "13.4050"),
                    "New York": ("40.7128", "-74.0060")}
EMBEDDED = ("role", "program", "cohort", "wave")


@dataclass(frozen=True)
class Question:
    kind: str                                # matrix / single / open
    text: str
    rows: tuple[tuple[str, pd.Series], ...]  # (row label, answers); one row unless a matrix
    labels: tuple[str, ...] | None           # choice text of 1..k; None: answers are written as they are


@dataclass(frozen=True)
class ExportFile:
    name: str
    tool: str            # platform / qualtrics / surveymonkey / google_forms / ms_forms
    rows: int            # data rows in the file
    wave: str | None = None
    program: str | None = None


def describe_exports(data: SampleData) -> list[ExportFile]:
    """What `write_exports` writes: one entry per file, in order."""
    files = [ExportFile(f"{name}.csv", "platform", len(getattr(data, name))) for name in PLATFORM_FILES]
    counts = data.surveys["survey"].value_counts()
    for survey in SURVEYS:
        n = int(counts.get(survey.name, 0))
        preview = 1 if survey.tool == "qualtrics" and n else 0
        files.append(ExportFile(_file_name(survey), survey.tool, n + preview, survey.wave, survey.program))
    return files


def write_exports(data: SampleData, out_dir: Path) -> list[Path]:
    """Write every export into `out_dir` (created if missing); returns the paths in order."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in PLATFORM_FILES:
        path = out_dir / f"{name}.csv"
        getattr(data, name).to_csv(path, index=False, date_format="%Y-%m-%d", lineterminator="\n")
        paths.append(path)
    people = data.participants.set_index("participant_id")[["name", "email", "location"]]
    for survey in SURVEYS:
        responses = data.surveys[data.surveys["survey"] == survey.name].reset_index(drop=True)
        responses = responses.join(people, on="respondent_id")
        path = out_dir / _file_name(survey)
        WRITERS[survey.tool](path, survey, responses)
        paths.append(path)
    return paths


def _file_name(survey: Survey) -> str:
    return survey.name + (".xlsx" if survey.tool == "ms_forms" else ".csv")


def _questions(survey: Survey, r: pd.DataFrame) -> list[Question]:
    if survey.wave == "baseline":
        items = {d: SELF_ITEMS[d] for d in BASELINE_DIMENSIONS}
    else:
        items = dict(SELF_ITEMS if survey.wave == "exit" else FEEDBACK_ITEMS,
                     relationship_quality=RELATIONSHIP_ITEM)
    questions = [Question("matrix", MATRIX_TEXT, tuple((text, r[d]) for d, text in items.items()),
                          AGREE[survey.scale_points])]
    if survey.wave != "baseline":
        questions += [Question("single", OVERALL_TEXT, (("", r["overall_satisfaction"]),), SATISFIED),
                      Question("single", NPS_TEXT, (("", r["nps"]),), None),
                      Question("open", COMMENT_TEXT, (("", r["comment"]),), None)]
    return questions


def _cells(values: pd.Series, labels: tuple[str, ...] | None, numeric: bool = False) -> pd.Series:
    """Answers as the export shows them: choice text, or the number; blank when skipped."""
    if not pd.api.types.is_numeric_dtype(values):
        return values.fillna("")
    if labels is None or numeric:
        return values.map(lambda v: "" if pd.isna(v) else str(int(v)))
    text = np.asarray(("",) + labels, dtype=object)[values.fillna(0).astype(int).to_numpy()]
    return pd.Series(text, index=values.index)


def _split_name(r: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    parts = r["name"].str.split(" ", n=1, expand=True)
    return parts[0], parts[1]


def _ip(n: int) -> pd.Series:
    return "203.0.113." + pd.Series((np.arange(n) * 37) % 250 + 2).astype(str)


def _write_csv(path: Path, header_rows: list[list[str]], table: pd.DataFrame, *,
               encoding: str = "utf-8", newline: str = "\n") -> None:
    with open(path, "w", encoding=encoding, newline="") as handle:
        csv.writer(handle, lineterminator=newline).writerows(header_rows)
        table.to_csv(handle, header=False, index=False, lineterminator=newline)


def _write_qualtrics(path: Path, survey: Survey, r: pd.DataFrame) -> None:
    """Current exporter: column ids, question texts, ImportId JSON; dates in the named time zone."""
    local = {c: r[c].dt.tz_localize("UTC").dt.tz_convert(QUALTRICS_TZ).dt.strftime("%Y-%m-%d %H:%M:%S")
             for c in ("started_at", "submitted_at")}
    first, last = _split_name(r)
    coords = r["location"].map(CITY_COORDINATES)
    table = pd.DataFrame({
        "StartDate": local["started_at"], "EndDate": local["submitted_at"],
        "Status": "0" if survey.numeric else "IP Address", "IPAddress": _ip(len(r)), "Progress": "100",
        "Duration (in seconds)": ((r["submitted_at"] - r["started_at"]).dt.total_seconds()).astype(int).astype(str),
        "Finished": "1" if survey.numeric else "True", "RecordedDate": local["submitted_at"],
        "ResponseId": r["response_id"], "RecipientLastName": last, "RecipientFirstName": first,
        "RecipientEmail": r["email"], "ExternalReference": r["respondent_id"],
        "LocationLatitude": coords.str[0].fillna(""), "LocationLongitude": coords.str[1].fillna(""),
        "DistributionChannel": "email", "UserLanguage": "EN",
    })
    ids, texts, imports = ([m[i] for m in QUALTRICS_META] for i in range(3))
    for q_number, q in enumerate(_questions(survey, r), start=1):
        for row_number, (label, values) in enumerate(q.rows, start=1):
            column = f"Q{q_number}_{row_number}" if q.kind == "matrix" else f"Q{q_number}"
            ids.append(column)
            texts.append(f"{q.text} - {label}" if label else q.text)
            imports.append(f"QID{q_number}" + {"matrix": f"_{row_number}", "single": "", "open": "_TEXT"}[q.kind])
            table[column] = _cells(values, q.labels, survey.numeric)
    for field in EMBEDDED:
        ids.append(field), texts.append(field), imports.append(field)
        table[field] = r[field]
    if len(table):
        # Qualtrics keeps the survey author's test run; readers must skip it.
        preview = table.iloc[[0]].copy()
        preview[["Status", "ResponseId"]] = ["1" if survey.numeric else "Survey Preview", "R_preview0000000"]
        preview[["RecipientLastName", "RecipientFirstName", "RecipientEmail", "ExternalReference",
                 "IPAddress", "DistributionChannel"]] = ["", "", "", "", "", "preview"]
        table = pd.concat([preview, table], ignore_index=True)
    json_row = [json.dumps({"ImportId": i, "timeZone": QUALTRICS_TZ} if i in QUALTRICS_DATES
                           else {"ImportId": i}, separators=(",", ":")) for i in imports]
    _write_csv(path, [ids, texts, json_row], table, encoding="utf-8-sig")


def _write_surveymonkey(path: Path, survey: Survey, r: pd.DataFrame) -> None:
    """Question texts over their first column only, then row labels / Response / Open-Ended Response."""
    first, last = _split_name(r)
    stamp = {c: r[c].dt.strftime("%m/%d/%Y %I:%M:%S %p") for c in ("started_at", "submitted_at")}
    collector = 405211000 + SURVEYS.index(survey)
    table = pd.DataFrame({
        "Respondent ID": (11412000000 + np.arange(len(r)) * 7 + collector % 97).astype(str),
        "Collector ID": str(collector), "Start Date": stamp["started_at"], "End Date": stamp["submitted_at"],
        "IP Address": _ip(len(r)), "Email Address": r["email"], "First Name": first, "Last Name": last,
        "Custom Data 1": r["respondent_id"],
        **{field: r[field] for field in ("program", "cohort", "role", "wave")},
    })
    top, sub = list(table.columns), [""] * len(table.columns)
    for q_number, q in enumerate(_questions(survey, r)):
        for row_number, (label, values) in enumerate(q.rows):
            top.append(q.text.replace("\n", " ") if row_number == 0 else "")
            sub.append(label or ("Open-Ended Response" if q.kind == "open" else "Response"))
            cells = _cells(values, q.labels)
            # SurveyMonkey's matrices offer N/A; a skipped statement shows as that choice.
            table[f"{q_number}_{row_number}"] = cells.replace("", "N/A") if q.kind == "matrix" else cells
    _write_csv(path, [top, sub], table)


def _write_google_forms(path: Path, survey: Survey, r: pd.DataFrame) -> None:
    """One header row; grid questions as `Question [Row]`; CRLF between records."""
    t = r["submitted_at"]
    stamp = (t.dt.month.astype(str) + "/" + t.dt.day.astype(str) + "/" + t.dt.year.astype(str)
             + " " + t.dt.hour.astype(str) + t.dt.strftime(":%M:%S"))
    table = pd.DataFrame({"Timestamp": stamp, "Email Address": r["email"], "Employee ID": r["respondent_id"],
                          "Program": r["program"], "Role": r["role"], "Wave": r["wave"]})
    for q in _questions(survey, r):
        grid = q.text.replace("\n", " ")
        for label, values in q.rows:
            table[f"{grid} [{label}]" if label else grid] = _cells(values, q.labels)
    _write_csv(path, [list(table.columns)], table, newline="\r\n")


def _write_ms_forms(path: Path, survey: Survey, r: pd.DataFrame) -> None:
    """XLSX: ID, Start time, Completion time, Email, Name, Last modified time, then one column per item."""
    header = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
              "Program", "Role", "Wave"]
    columns = [pd.Series(np.arange(1, len(r) + 1)), r["started_at"], r["submitted_at"], r["email"],
               r["name"], pd.Series([None] * len(r)), r["program"], r["role"], r["wave"]]
    for q in _questions(survey, r):
        for label, values in q.rows:
            header.append(label or q.text)
            columns.append(values if q.labels is None else _cells(values, q.labels))
    # Fixed creation time and no formula/URL guessing: same data → identical bytes, text stays text.
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False,
                                          "strings_to_urls": False, "strings_to_numbers": False})
    workbook.set_properties({"created": _created(r)})
    sheet = workbook.add_worksheet("Sheet1")
    when = workbook.add_format({"num_format": "m/d/yyyy h:mm:ss"})
    sheet.write_row(0, 0, header)
    for i, row in enumerate(zip(*(c.tolist() for c in columns)), start=1):
        for j, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(i, j, value, when)
            elif value is not None and value == value and value != "":
                sheet.write(i, j, value)
    workbook.close()


def _created(r: pd.DataFrame) -> datetime:
    return r["submitted_at"].max().to_pydatetime() if len(r) else datetime(2000, 1, 1)


WRITERS = {"qualtrics": _write_qualtrics, "surveymonkey": _write_surveymonkey,
           "google_forms": _write_google_forms, "ms_forms": _write_ms_forms}
