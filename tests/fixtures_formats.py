"""Small exports, written byte by byte, that reproduce each tool's traps.

Every builder returns `bytes` exactly as the tool (or Excel re-saving it)
would write them; the tests know the expected values by construction.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime

import openpyxl


def csv_text(rows: list[list[str]], *, delimiter: str = ",", newline: str = "\r\n",
             trailing: str = "") -> str:
    """Rows as CSV text: cells quoted when needed, `trailing` after each record."""
    def cell(value: str) -> str:
        if any(ch in value for ch in (delimiter, '"', "\n", "\r")):
            return '"' + value.replace('"', '""') + '"'
        return value
    return "".join(delimiter.join(map(cell, row)) + trailing + newline for row in rows)


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- Qualtrics -------------------------------------------------------------

QUALTRICS_META = ["StartDate", "EndDate", "Status", "IPAddress", "Progress", "Duration (in seconds)",
                  "Finished", "RecordedDate", "ResponseId", "RecipientLastName", "RecipientFirstName",
                  "RecipientEmail", "ExternalReference", "LocationLatitude", "LocationLongitude",
                  "DistributionChannel", "UserLanguage"]
QUALTRICS_META_DE = ["Anfangsdatum", "Enddatum", "Antworttyp", "IP-Adresse", "Fortschritt",
                     "Dauer (in Sekunden)", "Fertig", "Aufzeichnungsdatum", "Antwort-ID",
                     "Nachname des Empfängers", "Vorname des Empfängers", "E-Mail-Adresse des Empfängers",
                     "Externe Referenz", "Breitengrad des Standorts", "Längengrad des Standorts",
                     "Verteilungskanal", "Benutzersprache"]
QUALTRICS_QUESTIONS = ["Q1", "Q2_1", "Q2_2", "Q3", "Q5_DO", "Q_RecaptchaScore", "Q7_7_TEXT"]
QUALTRICS_TEXTS_DE = [
    "Wie wahrscheinlich ist es, dass Sie das Programm\neinem Kollegen weiterempfehlen?",
    "Mein Mentor... - hat mich mit Kontakten bekannt gemacht",
    "Mein Mentor... - hat mich ermutigt",
    "Wie zufrieden sind Sie insgesamt?",
    "Q5 - Anzeigereihenfolge",
    "Q_RecaptchaScore",
    "Sonstiges - Text",
]


def _qualtrics_import_row(dict_style: bool, tz: str | None) -> list[str]:
    ids = ["startDate", "endDate", "status", "ipAddress", "progress", "duration", "finished",
           "recordedDate", "_recordId", "recipientLastName", "recipientFirstName", "recipientEmail",
           "externalDataReference", "locationLatitude", "locationLongitude", "distributionChannel",
           "userLanguage", "QID1", "QID2_1", "QID2_2", "QID3", "QID5_DO", "Q_RecaptchaScore", "QID7_7_TEXT"]
    cells = []
    for import_id in ids:
        entry = {"ImportId": import_id}
        if tz and import_id in ("startDate", "endDate", "recordedDate"):
            entry["timeZone"] = tz
        cells.append(repr(entry) if dict_style else json.dumps(entry, separators=(",", ":")))
    return cells


def _qualtrics_row(start, end, status, finished, recorded, rid, email, ext, answers):
    return [start, end, status, "203.0.113.7", "100", "300", finished, recorded, rid, "Muster", "Erika",
            email, ext, "39.7392", "-104.9903", "anonymous", "DE", *answers]


QUALTRICS_DATA = [
    # MDT (UTC-6) in April: 08:15 Denver is 14:15 UTC.
    _qualtrics_row("2026-04-03 08:10:00", "2026-04-03 08:15:00", "IP Address", "True",
                   "2026-04-03 08:15:00", "R_1aaa", "Erika@Example.org", "E100",
                   ["10", "Strongly agree", "Agree", "Very satisfied", "1|2", "0.9", ""]),
    _qualtrics_row("2026-04-04 09:00:00", "2026-04-04 09:01:00", "Survey Preview", "True",
                   "2026-04-04 09:01:00", "R_2bbb", "", "", ["0", "Disagree", "Disagree", "Dissatisfied", "", "", ""]),
    # MST (UTC-7) in January: 23:30 Denver is 06:30 UTC the next day; unfinished, still kept.
    _qualtrics_row("2026-01-10 23:20:00", "2026-01-10 23:30:00", "IP Address", "False",
                   "2026-01-10 23:30:00", "R_3ccc", "", "E200",
                   ["6", "-99", "Neither agree nor disagree", "Kinda", "", "", "mehr Treffen"]),
]


def qualtrics_current_de() -> bytes:
    """Current exporter, German UI: row 2 localised, a newline inside a quoted
    question, JSON row 3 naming America/Denver, a survey-preview row."""
    rows = [QUALTRICS_META + QUALTRICS_QUESTIONS, QUALTRICS_META_DE + QUALTRICS_TEXTS_DE,
            _qualtrics_import_row(False, "America/Denver"), *QUALTRICS_DATA]
    return csv_text(rows).encode("utf-8-sig")


def qualtrics_2016() -> bytes:
    """2016 variant: three header rows, row 3 a Python dict; no time zone."""
    rows = [QUALTRICS_META + QUALTRICS_QUESTIONS, QUALTRICS_META_DE + QUALTRICS_TEXTS_DE,
            _qualtrics_import_row(True, None), *QUALTRICS_DATA]
    return csv_text(rows).encode("utf-8")


def qualtrics_legacy() -> bytes:
    """Legacy exporter: V1..V10 then question ids, a BOM, a trailing comma on every line."""
    rows = [
        ["V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9", "V10", "Q1", "Q2", "Q3"],
        ["ResponseID", "ResponseSet", "Name", "ExternalDataReference", "EmailAddress", "IPAddress",
         "Status", "StartDate", "EndDate", "Finished",
         "How likely are you to recommend the program to a colleague?",
         "My mentor introduced me to useful contacts", "Any other comments?"],
        ["R_a1", "Default Response Set", "Doe, Jane", "E100", "jane.doe@example.org", "192.0.2.1", "0",
         "2015-03-02 10:00:00", "2015-03-02 10:05:00", "1", "9", "Agree",
         "My mentor was generous with her time, thanks"],
        ["R_b2", "Default Response Set", "Preview", "", "", "192.0.2.2", "1",
         "2015-03-03 11:00:00", "2015-03-03 11:02:00", "1", "3", "Disagree", ""],
        ["R_c3", "Default Response Set", "Roe, Rick", "E300", "", "192.0.2.3", "0",
         "2015-03-04 12:00:00", "2015-03-04 12:09:00", "1", "7", "Strongly agree", ""],
    ]
    return b"\xef\xbb\xbf" + csv_text(rows, trailing=",").encode("utf-8")


# ---- SurveyMonkey ----------------------------------------------------------

SURVEYMONKEY_ROWS = [
    ["Respondent ID", "Collector ID", "Start Date", "End Date", "IP Address", "Email Address", "First Name",
     "Last Name", "Custom Data 1", "How would you rate<br>your mentor’s support?",
     "Please rate your agreement:", "", "Which topics did you discuss?", "", "Any comments?"],
    ["", "", "", "", "", "", "", "", "", "Response", "My mentor helped me build my network",
     "I have a clearer sense of direction", "Career", "Skills", "Open-Ended Response"],
    ["11111", "222", "08/21/2019 01:05:00 PM", "08/21/2019 01:10:31 PM", "198.51.100.1", "amelie@example.org",
     "Amélie", "Durand", "E1", "Excellent", "Agree", "Strongly agree", "Career", "", "Très bien — merci"],
    ["11112", "222", "08/22/2019 09:00:00 AM", "08/22/2019 09:04:00 AM", "198.51.100.2", "", "", "", "",
     "Fair", "Disagree", "Neither agree nor disagree", "", "Skills", ""],
]


def surveymonkey(encoding: str, newline: str) -> bytes:
    """Re-saved through Excel: cp1252 (Windows) or mac-roman with bare CR (Mac)."""
    return csv_text(SURVEYMONKEY_ROWS, newline=newline).encode(encoding)


# ---- Google Forms ----------------------------------------------------------

GOOGLE_HEADER = ["Carimbo de data/hora", "Endereço de e-mail",
                 "How likely are you to recommend the program to a colleague?",
                 "Rate your mentor [Availability]", "Rate your mentor [Expertise]",
                 "Which topics did you cover?", "What should we improve?"]


def google_forms_csv() -> bytes:
    """Brazilian Sheets: localised timestamp header, day-first dates, CRLF
    records with bare LF inside an answer, grid columns, ", "-joined checkboxes."""
    rows = [GOOGLE_HEADER,
            ["21/08/2019 13:10:31", "ana@example.org", "9", "Excellent", "Good", "Career, Networking",
             "More structure\nand more meetings"],
            ["3/09/2019 8:05:00", "", "6", "Fair", "Very good", "Career", ""]]
    return csv_text(rows, newline="\r\n").encode("utf-8")


def google_forms_xlsx() -> bytes:
    """The XLSX download: 'Form Responses 1' with real datetimes (another sheet first)."""
    header = ["Timestamp", "Email Address", *GOOGLE_HEADER[2:]]
    return xlsx({
        "Notes": [["not the responses"]],
        "Form Responses 1": [header,
                             [datetime(2019, 8, 21, 13, 10, 31), "ana@example.org", 9, "Excellent", "Good",
                              "Career, Networking", "More structure\nand more meetings"],
                             [datetime(2019, 9, 3, 8, 5), None, 6.0, "Fair", "Very good", "Career", None]],
    })


# ---- Microsoft Forms -------------------------------------------------------

MS_HEADER = ["ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
             "How satisfied are you\xa0with the program overall?", "Which sessions helped?",
             "Comments", "Comments2"]


def ms_forms_xlsx(header: list[str] = MS_HEADER) -> bytes:
    """NBSP in a header, a repeated title with a digit appended, ';'-joined
    multi-select, 'anonymous' email, real datetimes."""
    return xlsx({"Sheet1": [
        header,
        [1, datetime(2024, 9, 1, 11, 20), datetime(2024, 9, 1, 11, 27), "anonymous", None, None,
         "Very satisfied", "Goal setting;Networking;", "Good", "More please"],
        [2, datetime(2024, 9, 2, 8, 0), datetime(2024, 9, 2, 8, 5), "Kim.Lee@example.org", "Kim Lee", None,
         "Satisfied", "Networking;", None, None],
    ]})


def ms_forms_csv_cp1252() -> bytes:
    """Re-saved by Excel: cp1252, M/D/YYYY H:MM dates that never exceed 12."""
    rows = [MS_HEADER[:6] + ["How satisfied are you with the program’s pace?", "Which sessions helped?"],
            ["1", "9/1/2024 11:20", "9/1/2024 11:27", "anonymous", "", "", "Very satisfied", "Goal setting;"],
            ["2", "9/2/2024 8:01", "9/2/2024 8:05", "anonymous", "", "", "Dissatisfied", ""]]
    return csv_text(rows).encode("cp1252")


# ---- generic ---------------------------------------------------------------

def generic_semicolon() -> bytes:
    """European Excel: ';' delimiter, decimal commas, a trailing empty column, blank trailing rows."""
    rows = [["submitted_at", "respondent_id", "wave", "nps", "networking", "networking_2",
             "hours_with_mentor", "comment", ""],
            ["2026-04-03T14:00:00Z", "P1", "exit", "9", "4", "5", "1,5", "Très utile", ""],
            ["2026-04-05T09:30:00+02:00", "P2", "Baseline", "", "2", "3", "0,5", "", ""],
            ["", "P3", "exit", "7", "3", "3", "2", "", ""],
            ["", "", "", "", "", "", "", "", ""]]
    return csv_text(rows, delimiter=";").encode("utf-8")


def generic_utf16() -> bytes:
    """Excel "Unicode text": UTF-16 with a BOM, tab-delimited."""
    rows = [["submitted_at", "overall_satisfaction", "comment"],
            ["2026-05-01", "Satisfied", "Naïve question, good answers"]]
    return csv_text(rows, delimiter="\t").encode("utf-16")


# ---- files that are not tables ---------------------------------------------

def zipped(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb() -> bytes:
    """60 MB of zeros (far over 100:1) dressed as a workbook."""
    return zipped({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(60 * 1024 * 1024)})


def workbook_of_repeated_cells(rows: int, columns: int, *, dimension: bool = True) -> bytes:
    """A real one-sheet workbook whose sheet repeats the same row of numbers: it compresses to
    almost nothing however large it unpacks (about 16 bytes per cell). `dimension` says whether
    the sheet declares its size in a <dimension ref> tag, as Excel and Google Sheets do."""
    with zipfile.ZipFile(io.BytesIO(xlsx({"Sheet1": [["x"]]}))) as small:
        parts = {name: small.read(name) for name in small.namelist()}
    last_column = openpyxl.utils.get_column_letter(columns)
    declared = f'<dimension ref="A1:{last_column}{rows}"/>'.encode() if dimension else b""
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    parts["xl/worksheets/sheet1.xml"] = (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + declared + b"<sheetData>" + row * rows + b"</sheetData></worksheet>")
    return zipped(parts)
