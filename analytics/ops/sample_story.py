"""What the sample data holds and the story it tells: its programs, people, surveys and comments, the
effects planted in it, and the improvement action and objectives the demo logs (the generator is sample.py)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

NEW_HIRE = "New-hire mentoring"
LEADERSHIP = "Leadership program"

DAY = np.timedelta64(1, "D")
NAT = np.datetime64("NaT", "D")
MONTH_DAYS = 30.4375

DIMENSIONS = ("industry_knowledge", "networking", "emotional_support", "skill_development",
              "job_satisfaction", "career_clarity", "relationship_quality", "overall_satisfaction")
# A baseline is answered before mentoring starts: it asks only about oneself.
BASELINE_DIMENSIONS = DIMENSIONS[:6]
WAVES = ("baseline", "midpoint", "exit", "pulse")
END_REASONS = ("completed", "withdrawn", "rematched", "left_organization", "other")

DEPARTMENTS = ("Engineering", "Sales", "Operations", "Finance", "Customer Success", "Legal")
# Legal stays tiny among participants so the demo shows a suppressed group.
PARTICIPANT_DEPT_WEIGHTS = (0.32, 0.22, 0.18, 0.13, 0.14, 0.01)
EMPLOYEE_DEPT_WEIGHTS = (0.30, 0.22, 0.20, 0.12, 0.13, 0.03)
LEVELS = ("Associate", "Professional", "Senior", "Manager", "Director")
LOCATIONS = ("London", "Berlin", "New York", "Remote")
FORMATS = ("in_person", "video", "phone", "chat")
TOPICS = ("Onboarding", "Career planning", "Feedback", "Leadership", "Networking",
          "Technical skills", "Work-life balance")
GOAL_CATEGORIES = ("Leadership", "Communication", "Technical skills", "Networking",
                   "Career planning", "Onboarding")
FIRST_NAMES = ("Anna", "Ben", "Chloe", "David", "Elif", "Farah", "George", "Hannah", "Ivan",
               "Julia", "Kwame", "Lena", "Mateo", "Nadia", "Oliver", "Priya", "Quinn", "Rosa",
               "Samir", "Tessa", "Umar", "Vera", "Wei", "Yara", "Zoe", "Lukas", "Maya", "Noah")
LAST_NAMES = ("Schmidt", "Okafor", "Garcia", "Nguyen", "Brown", "Kowalski", "Patel", "Rossi",
              "Jensen", "Haddad", "Silva", "Murphy", "Novak", "Tanaka", "Fischer", "Ahmed",
              "Dubois", "Larsen", "Costa", "Ibrahim", "Walsh", "Meyer", "Khan", "Evans")


@dataclass(frozen=True)
class Program:
    name: str
    months: int              # planned length of a pairing
    target: int              # meetings per month the program asks for
    mentee_levels: tuple[str, ...]
    share: float             # share of all mentees


PROGRAMS = (Program(NEW_HIRE, 6, 4, ("Associate", "Professional"), 0.6),
            Program(LEADERSHIP, 12, 2, ("Senior", "Manager"), 0.4))
COHORT_STARTS = (0, 6, 11)   # months after the data begins when each cohort is matched
SLIPPING_COHORT = (LEADERSHIP, 6)

IMPROVEMENT_START = date(2026, 2, 1)
IMPROVEMENT_LIFT = 1.3

# The planted effect: over the data's last 12 months, a participant at their start (the landmark) is
# this much likelier to stay than a colleague of the same level and tenure who was never mentored.
RETENTION_EFFECT = 0.08
# Chance of leaving within those 12 months without mentoring, by level and tenure band on the landmark:
# juniors and newcomers leave more, which is what makes the raw participant gap larger than the effect.
LEAVING_BY_LEVEL = {"Associate": 0.34, "Professional": 0.28, "Senior": 0.13, "Manager": 0.10, "Director": 0.09}
LEAVING_BY_TENURE = ((1, 0.04), (3, 0.02), (10, 0.0), (np.inf, -0.01))  # (below this many years, added)


@dataclass(frozen=True)
class Survey:
    """One survey the organisation ran: which tool, for whom, and how it exports."""
    name: str                # also the export's file name, without extension
    tool: str                # qualtrics / surveymonkey / google_forms / ms_forms
    wave: str
    program: str | None      # None: every program
    scale_points: int = 5    # of its agreement items
    numeric: bool = False    # Qualtrics "export values" instead of choice text


SURVEYS = (
    Survey("qualtrics_leadership_baseline", "qualtrics", "baseline", LEADERSHIP, 7),
    Survey("qualtrics_leadership_exit", "qualtrics", "exit", LEADERSHIP, 7, numeric=True),
    Survey("surveymonkey_midpoint", "surveymonkey", "midpoint", None),
    Survey("surveymonkey_leadership_pulse", "surveymonkey", "pulse", LEADERSHIP),
    Survey("google_forms_newhire_baseline", "google_forms", "baseline", NEW_HIRE),
    Survey("google_forms_newhire_pulse", "google_forms", "pulse", NEW_HIRE),
    Survey("msforms_newhire_exit", "ms_forms", "exit", NEW_HIRE),
)

NEGATIVE_COMMENTS = (  # time constraints, unclear expectations, fading engagement, poor match
    "Hard to find time for our meetings with the current workload.",
    "We kept rescheduling because of deadlines - time is the real constraint.",
    "It was never clear what we were supposed to cover in our sessions.",
    "Unclear expectations at the start; we did not know what success looked like.",
    "We met a lot at first but the meetings faded out after a few months.",
    "Engagement dropped off and we have not met for a while.",
    "My mentor works in a very different area, so the match did not fit my goals.",
    "Poor match - we have little in common professionally.",
)
POSITIVE_COMMENTS = (  # networking, skills, knowledge, support, career direction
    "My mentor introduced me to people across three departments - great for my network.",
    "I have improved my presentation and stakeholder management skills.",
    "Learned a lot about how our industry and the business really work.",
    "Having someone to talk to during a difficult project made a real difference.",
    "I now have a much clearer idea of where I want my career to go.\n"
    "The career planning sessions were the highlight.",
    "Great support and honest feedback every time we met.",
)


@dataclass(frozen=True)
class SampleData:
    participants: pd.DataFrame
    pairs: pd.DataFrame
    sessions: pd.DataFrame
    goals: pd.DataFrame
    employees: pd.DataFrame
    surveys: pd.DataFrame


def improvement_actions() -> list[dict]:
    """The improvement the demo's program lead logged, for the demo loader."""
    return [{
        "title": "Monthly check-in reminders",
        "description": "Pairs get a reminder at the start of each month to book their "
                       "next check-in, after cadence dropped in late 2025.",
        "owner": "New-hire program lead",
        "program": NEW_HIRE,
        "started_on": IMPROVEMENT_START,
        "metric": "sessions_per_active_pair_per_month",
    }]


def objectives() -> list[dict]:
    """The objectives the demo's program leads set, for the demo loader: on the demo's last quarter
    (2026Q3) two are on track, two at risk and one off track."""
    return [
        {"metric": "nps", "target": 20, "direction": "at_least"},
        {"metric": "active_pair_rate", "target": 0.8, "direction": "at_least"},
        {"metric": "retention_effect_12m", "target": 0.02, "direction": "at_least"},
        {"metric": "goal_attainment_rate", "target": 0.65, "direction": "at_least", "amber_band": 0.1,
         "program": LEADERSHIP},
        {"metric": "overall_satisfaction_mean", "target": 3.5, "direction": "at_least"},
    ]


BASE = {"industry_knowledge": 3.0, "networking": 2.7, "emotional_support": 3.2,
        "skill_development": 2.9, "job_satisfaction": 3.5, "career_clarity": 2.8}
GAIN = {"industry_knowledge": 0.6, "networking": 1.0, "emotional_support": 0.5,
        "skill_development": 1.0, "job_satisfaction": 0.3, "career_clarity": 1.0}
