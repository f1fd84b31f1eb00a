"""Erasure of one person's data, everywhere it is stored.

The person's participant and employee records, their survey responses with
every answer and comment, and rejected rows that mention them are deleted.
Pairs belong to two people, so a pair keeps its dates and outcome for the
partner's sake but the erased person's id in it is replaced by an anonymous
token. The audit log records that an erasure happened, never whom it erased.
"""
from __future__ import annotations

import secrets

import duckdb

from analytics import audit, scores
from analytics.db import transaction
from analytics.ingest.load import WRITE_LOCK, email_token


class ErasureError(ValueError):
    """The person cannot be erased as asked; the message says why."""


def erase_participant(con: duckdb.DuckDBPyConnection, participant_id: str, actor: str | None = None
                      ) -> dict[str, int]:
    """Delete everything stored about `participant_id`; returns rows changed per table."""
    participant_id = (participant_id or "").strip()
    if not participant_id:
        raise ErasureError("Give the participant id to erase.")
    with WRITE_LOCK, transaction(con):
        email = con.execute("SELECT email FROM participants WHERE participant_id = ?", [participant_id]).fetchone()
        respondent_ids = [participant_id] + ([email_token(con, email[0])] if email and email[0] else [])
        marks = ", ".join("?" for _ in respondent_ids)
        their_responses = f"SELECT response_id FROM responses WHERE respondent_id IN ({marks})"
        answers = _count(con, f"DELETE FROM answers WHERE response_id IN ({their_responses})", respondent_ids)
        scores.refresh(con, their_responses, respondent_ids)  # without answers: no scores left
        changed = {
            "answers": answers,
            "responses": _count(con, f"DELETE FROM responses WHERE respondent_id IN ({marks})", respondent_ids),
            "participants": _count(con, "DELETE FROM participants WHERE participant_id = ?", [participant_id]),
            "employees": _count(con, "DELETE FROM employees WHERE employee_id = ?", [participant_id]),
            "rejected_rows": _count(con, "DELETE FROM rejected_rows WHERE contains(raw, ?)", [participant_id]),
        }
        token = "erased-" + secrets.token_hex(6)
        changed["pairs"] = (_count(con, "UPDATE pairs SET mentor_id = ? WHERE mentor_id = ?", [token, participant_id])
                            + _count(con, "UPDATE pairs SET mentee_id = ? WHERE mentee_id = ?", [token, participant_id]))
        if not any(changed.values()):
            raise ErasureError(f"No data is stored for participant '{participant_id}'. Check the id.")
        audit.record(con, "erasure", "one participant's data erased", actor)
    return changed


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> int:
    return int(con.execute(sql, params).fetchone()[0])
