"""A small populated database: generic platform CSVs and one survey for 30 pairs, written as files
and loaded through the pipeline as an upload would load them (pages, roles and privacy tests read it)."""
from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

from analytics.ingest import pipeline
from analytics.measures import improvements
from analytics.store import connection

SURVEY_MAPPING = {"how_satisfied_are_you_with_the_program_overall": "overall_satisfaction",
                  "any_other_comments": "comment"}


def small_exports(folder: Path) -> list[Path]:
    """Generic platform CSVs and one survey for 30 pairs in three cohorts of two
    programs, July 2025 to June 2026; cohort C2 stops meeting in March 2026."""
    rng = random.Random(7)
    start, end = date(2025, 7, 1), date(2026, 6, 30)
    programs = {"C1": "Leadership", "C2": "Leadership", "C3": "New hire"}
    departments = ["Engineering", "Sales", "Finance"]
    people, pairs, sessions, goals, employees, survey = [], [], [], [], [], []
    for i in range(1, 31):
        cohort = f"C{i % 3 + 1}"
        matched = start + timedelta(days=rng.randint(0, 200))
        ended = matched + timedelta(days=rng.randint(60, 200)) if i % 5 == 0 else None
        reason = ("withdrawn" if i % 10 else "completed") if ended else ""
        pairs.append(f"p{i},m{i % 12},e{i},{matched},{ended or ''},{reason},{programs[cohort]},{cohort},1")
        people.append(f"e{i},mentee,{programs[cohort]},{cohort},{departments[i % 3]}")
        last = min(ended or end, date(2026, 3, 1) if cohort == "C2" else end)
        when, k = matched + timedelta(days=rng.randint(5, 20)), 0
        while when <= last:
            k += 1
            status = "held" if rng.random() > 0.15 else "cancelled"
            sessions.append(f"s{i}-{k},p{i},{when},{rng.choice([30, 45, 60])},{status}")
            when += timedelta(days=rng.randint(20, 40))
        achieved = matched + timedelta(days=120) if i % 3 else ""
        goals.append(f"g{i},p{i},{matched},{matched + timedelta(days=150)},{achieved},"
                     f"{rng.choice(['Skills', 'Career', 'Network'])}")
    people += [f"m{j},mentor,,,{departments[j % 3]}" for j in range(12)]
    for i in range(1, 61):
        who = f"e{i}" if i <= 30 else f"x{i}"
        left = rng.random() < (0.1 if i <= 30 else 0.3)
        terminated = start + timedelta(days=rng.randint(60, 360)) if left else ""
        employees.append(f"{who},2023-0{1 + i % 9}-01,{terminated},,{departments[i % 3]}")
    for i in range(1, 31):
        for wave, submitted in (("baseline", "2025-07-15"), ("pulse", "2026-01-20"), ("pulse", "2026-04-20"),
                                ("exit", "2026-05-20")):
            low = 1 if wave == "baseline" else 0
            score = lambda: max(1, rng.randint(3, 5) - low)  # noqa: E731 - a scoring die
            survey.append(f"{submitted},e{i},{wave},{score()},{score()},"
                          f"{rng.choice(['Agree', 'Strongly agree', 'Neutral'])},{rng.randint(5, 10)},{score()},"
                          f"\"{rng.choice(['Great mentor', 'Not enough time to meet', '=1+1'])}\"")
    files = {
        "participants.csv": ["participant_id,role,program,cohort,department", *people],
        "employees.csv": ["employee_id,hired_on,terminated_on,last_promoted_on,department", *employees],
        "pairs.csv": ["pair_id,mentor_id,mentee_id,matched_on,ended_on,end_reason,program,cohort,"
                      "meetings_target_per_month", *pairs],
        "sessions.csv": ["session_id,pair_id,occurred_on,duration_minutes,status", *sessions],
        "goals.csv": ["goal_id,pair_id,set_on,due_on,achieved_on,category", *goals],
        "survey.csv": ["submitted_at,respondent_id,wave,networking,skill_development,relationship_quality,nps,"
                       "How satisfied are you with the program overall?,Any other comments?", *survey],
    }
    paths = []
    for name, lines in files.items():
        paths.append(folder / name)
        paths[-1].write_text("\n".join(lines) + "\n", encoding="utf-8")
    return paths


def small_database(folder: Path) -> Path:
    """A database holding small_exports (the survey mapped) and one improvement action."""
    path = folder / "small.duckdb"
    con = connection.connect(path)
    for file in small_exports(folder):
        options = pipeline.Options(mapping=SURVEY_MAPPING if file.name == "survey.csv" else None)
        plan = pipeline.analyse(file.read_bytes(), file.name, con, options)
        assert plan.ok, plan.error and plan.error.message
        pipeline.load(con, plan)
    improvements.add_action(con, title="Monthly check-in reminders", metric="active_pair_rate",
                            started_on=date(2026, 2, 1))
    con.close()
    return path
