"""Canonical columns of each kind of export, and the synonyms users' files use.

Header names are matched case-insensitively, ignoring spaces, dashes and
underscores (`Mentee ID` == `mentee_id` == `MenteeId`), then through SYNONYMS.
"""
from __future__ import annotations

import re
import unicodedata

KINDS = ("participants", "pairs", "sessions", "survey", "goals", "employees")

# kind -> (required columns, optional columns), in the order users see them.
COLUMNS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "participants": (("participant_id", "role"),
                     ("program", "cohort", "department", "level", "location", "joined_on", "left_on",
                      "name", "email")),
    "pairs": (("pair_id", "mentor_id", "mentee_id", "matched_on"),
              ("ended_on", "end_reason", "program", "cohort", "meetings_target_per_month")),
    "sessions": (("pair_id", "occurred_on"),
                 ("session_id", "duration_minutes", "status", "format", "topic")),
    "survey": (("submitted_at",),
               ("respondent_id", "response_id", "role", "program", "cohort", "wave", "email")),
    "goals": (("goal_id", "pair_id"),
              ("set_on", "due_on", "achieved_on", "status", "category")),
    "employees": (("employee_id", "hired_on"),
                  ("terminated_on", "last_promoted_on", "department", "level")),
}

# Normalised synonym -> canonical name. Ambiguous everyday words ("date", "id")
# are resolved per kind in KIND_SYNONYMS below.
SYNONYMS: dict[str, str] = {
    # people
    "participant": "participant_id", "participantid": "participant_id", "personid": "participant_id",
    "employeeid": "employee_id", "employeenumber": "employee_id", "staffid": "employee_id",
    "empid": "employee_id", "workerid": "employee_id",
    "mentorid": "mentor_id", "mentor": "mentor_id", "mentoremail": "mentor_id",
    "menteeid": "mentee_id", "mentee": "mentee_id", "menteeemail": "mentee_id",
    "participantrole": "role", "type": "role",
    "programme": "program", "programname": "program", "cohortname": "cohort",
    "dept": "department", "team": "department", "businessunit": "department",
    "grade": "level", "jobgrade": "level", "joblevel": "level", "site": "location", "office": "location",
    "joined": "joined_on", "joindate": "joined_on", "startdate": "joined_on",
    "left": "left_on", "leftdate": "left_on", "enddate": "left_on",
    "fullname": "name", "emailaddress": "email", "workemail": "email",
    # pairs
    "pair": "pair_id", "pairid": "pair_id", "matchid": "pair_id", "relationshipid": "pair_id",
    "matched": "matched_on", "matchdate": "matched_on", "matchedon": "matched_on", "matchedat": "matched_on",
    "ended": "ended_on", "enddateofpair": "ended_on", "endedon": "ended_on", "endedat": "ended_on",
    "endreason": "end_reason", "reasonforending": "end_reason", "closurereason": "end_reason",
    "meetingtarget": "meetings_target_per_month", "targetmeetingspermonth": "meetings_target_per_month",
    "meetingspermonth": "meetings_target_per_month",
    # sessions
    "meetingid": "session_id", "sessionid": "session_id",
    "meetingdate": "occurred_on", "sessiondate": "occurred_on", "occurredon": "occurred_on",
    "occurredat": "occurred_on", "heldon": "occurred_on",
    "duration": "duration_minutes", "durationmin": "duration_minutes", "durationmins": "duration_minutes",
    "minutes": "duration_minutes", "lengthminutes": "duration_minutes",
    "meetingstatus": "status", "sessionstatus": "status", "meetingformat": "format", "mode": "format",
    "subject": "topic",
    # goals
    "goal": "goal_id", "goalid": "goal_id", "objectiveid": "goal_id",
    "seton": "set_on", "createdon": "set_on", "created": "set_on",
    "duedate": "due_on", "due": "due_on", "deadline": "due_on", "targetdate": "due_on",
    "achieved": "achieved_on", "achieveddate": "achieved_on", "completedon": "achieved_on",
    "goalstatus": "status", "goalcategory": "category",
    # employees
    "hired": "hired_on", "hiredate": "hired_on", "hireddate": "hired_on", "dateofhire": "hired_on",
    "terminated": "terminated_on", "terminationdate": "terminated_on", "leavingdate": "terminated_on",
    "lastpromoted": "last_promoted_on", "lastpromotiondate": "last_promoted_on",
    "promotiondate": "last_promoted_on",
    # surveys
    "submitted": "submitted_at", "submittedon": "submitted_at", "submissiondate": "submitted_at",
    "timestamp": "submitted_at", "completedat": "submitted_at", "responsedate": "submitted_at",
    "respondent": "respondent_id", "respondentid": "respondent_id",
    "responseid": "response_id", "surveywave": "wave",
}

# Everyday words whose meaning depends on the kind of file.
KIND_SYNONYMS: dict[str, dict[str, str]] = {
    "sessions": {"date": "occurred_on", "id": "session_id"},
    "goals": {"id": "goal_id"},
    "employees": {"id": "employee_id", "employee": "employee_id"},
    "participants": {"id": "participant_id", "employeeid": "participant_id", "employee": "participant_id"},
    "pairs": {"id": "pair_id", "startdate": "matched_on", "enddate": "ended_on"},
    "survey": {"date": "submitted_at", "id": "response_id"},
}


def normalise_name(name: str) -> str:
    """`Mentee ID` -> `menteeid`: lowercase, accents, spaces, dashes, underscores gone."""
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-./()#]+", "", text.lower())


def canonical(name: str, kind: str | None = None) -> str | None:
    """The canonical column a header means for `kind`, or None when unknown."""
    key = normalise_name(name)
    if kind and key in KIND_SYNONYMS.get(kind, {}):
        return KIND_SYNONYMS[kind][key]
    known = {normalise_name(c): c for c in all_columns(kind)}
    if key in known:
        return known[key]
    target = SYNONYMS.get(key)
    if target and (kind is None or target in all_columns(kind)):
        return target
    return None


def all_columns(kind: str | None = None) -> tuple[str, ...]:
    if kind is None:
        return tuple(dict.fromkeys(c for req, opt in COLUMNS.values() for c in req + opt))
    required, optional = COLUMNS[kind]
    return required + optional


def required_columns(kind: str) -> tuple[str, ...]:
    return COLUMNS[kind][0]


def map_header(header: list[str], kind: str) -> dict[int, str]:
    """Column index -> canonical name for the headers `kind` knows (first wins)."""
    mapped: dict[int, str] = {}
    taken: set[str] = set()
    for index, name in enumerate(header):
        target = canonical(name, kind)
        if target and target not in taken:
            mapped[index] = target
            taken.add(target)
    return mapped
