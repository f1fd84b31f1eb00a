"""Erasure of one person's data, everywhere it is stored.

The person's participant and employee records and their survey responses with every answer and
comment are deleted, and so are rejected rows that mention their id, email or full name. Pairs
belong to two people, so a pair keeps its dates and outcome for the partner's sake but the erased
person's id in it is replaced by an anonymous token. Free text that mentions them (the audit log's
actors and details, upload file names, improvement notes, other people's comments, meeting topics,
question texts) keeps its words with the mention replaced by "[erased]". The audit log records that
an erasure happened, never whom it erased.

Deleted rows stay in the database file's freed blocks until the file is rewritten
(backup.rewrite), which the erase command and the Settings page do next. Backups made before the
erasure still hold the person: each erasure is recorded in the database's erasure ledger as salted
hashes of the id and email (never the values), and `restore` applies the ledger again to the
restored copy before it replaces the database.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
from datetime import datetime
from pathlib import Path

import duckdb

from analytics.errors import InputError
from analytics.ingest.load import WRITE_LOCK, email_token
from analytics.store import audit, scores
from analytics.store.queries import scalar, transaction

ERASED = "[erased]"
# Columns of free text that may mention a person whom no column of theirs identifies.
FREE_TEXT = {"audit_log": ("actor", "detail"), "uploads": ("file_name",),
             "improvements": ("title", "description", "owner"), "answers": ("value_text",),
             "sessions": ("topic",), "items": ("question_text",)}
# A mention stands alone: no letter, digit or id/address character just before or after it (a full
# stop may end it), so erasing 'e1' leaves 'e10' and erasing 'ana@x.org' leaves 'diana@x.org'.
_BEFORE, _AFTER = r"(^|[^\w@.+-])", r"(\.?(?:$|[^\w@.+-]))"
# Twice: back-to-back mentions share the separator the first replacement consumed.
_WITHOUT = "regexp_replace(regexp_replace({0}, $pattern, $erased, 'g'), $pattern, $erased, 'g')"
_MENTIONS = "regexp_matches({0}, $pattern)"


class ErasureError(InputError):
    """The person cannot be erased as asked; the message says why."""


def erase_participant(con: duckdb.DuckDBPyConnection, participant_id: str, actor: str | None = None
                      ) -> dict[str, int]:
    """Delete everything stored about `participant_id`, and record it in the erasure ledger; returns
    rows changed per table. The caller rewrites the file afterwards (backup.rewrite)."""
    participant_id = (participant_id or "").strip()
    if not participant_id:
        raise ErasureError("Give the participant id to erase.")
    with WRITE_LOCK, transaction(con):
        changed, identifiers = _erase(con, participant_id, actor)
        ledger = _ledger_of(con)
        if ledger is not None:  # inside the transaction: an erasure that is not in the ledger does not happen
            _record(ledger, identifiers)
    return changed


def ledger_path(db_path: Path) -> Path:
    """The erasure ledger of a database file, beside it."""
    db_path = Path(db_path)
    return db_path.with_name(db_path.stem + ".erasures.json")


def apply_ledger(con: duckdb.DuckDBPyConnection, ledger: Path) -> int:
    """Erase again, in the database `con` (a restored backup), everyone the ledger lists; returns how
    many people were found and erased."""
    if not ledger.is_file():
        return 0
    entries = json.loads(ledger.read_text(encoding="utf-8"))
    erased = {key for entry in entries["erased"] for key in entry["keys"]}
    found = con.execute("""
        SELECT participant_id, participant_id FROM participants UNION SELECT email, participant_id FROM participants
        UNION SELECT employee_id, employee_id FROM employees UNION SELECT respondent_id, respondent_id FROM responses
        UNION SELECT mentor_id, mentor_id FROM pairs UNION SELECT mentee_id, mentee_id FROM pairs""").fetchall()
    people = sorted({person for value, person in found
                     if value and person and _key(entries["salt"], value) in erased})
    with WRITE_LOCK, transaction(con):
        for person in people:
            _erase(con, person, "restore")
    return len(people)


def without_mentions(con: duckdb.DuckDBPyConnection, text: str, mentions: list[str]) -> str:
    """`text` with each whole mention replaced by [erased] (the rule FREE_TEXT columns are erased by)."""
    for mention in mentions:
        text = scalar(con, f"SELECT {_WITHOUT.format('$text')}", {"text": text, **_mention(mention)})
    return text


def _erase(con: duckdb.DuckDBPyConnection, participant_id: str, actor: str | None
           ) -> tuple[dict[str, int], list[str]]:
    """erase_participant's work, inside the caller's transaction: rows changed per table, and the
    identifiers the ledger keeps (hashed) to find the person again in a backup."""
    person = con.execute("SELECT email, name FROM participants WHERE participant_id = ?", [participant_id]).fetchone()
    email, name = person or (None, None)
    respondent_ids = [participant_id] + ([email_token(con, email)] if email else [])
    marks = ", ".join("?" for _ in respondent_ids)
    their_responses = f"SELECT response_id FROM responses WHERE respondent_id IN ({marks})"
    answers = _count(con, f"DELETE FROM answers WHERE response_id IN ({their_responses})", respondent_ids)
    scores.refresh(con, their_responses, respondent_ids)  # without answers: no scores left
    changed = {
        "answers": answers,
        "responses": _count(con, f"DELETE FROM responses WHERE respondent_id IN ({marks})", respondent_ids),
        "participants": _count(con, "DELETE FROM participants WHERE participant_id = ?", [participant_id]),
        "employees": _count(con, "DELETE FROM employees WHERE employee_id = ?", [participant_id]),
    }
    token = "erased-" + secrets.token_hex(6)
    changed["pairs"] = (_count(con, "UPDATE pairs SET mentor_id = ? WHERE mentor_id = ?", [token, participant_id])
                        + _count(con, "UPDATE pairs SET mentee_id = ? WHERE mentee_id = ?", [token, participant_id]))
    # A single word is too common to be this person's: a name is erased from text only in full.
    mentions = [participant_id, email, name if name and len(name.split()) > 1 else None]
    mentions = [m for m in mentions if m and m.strip()]
    changed["rejected_rows"] = sum(_count(con, f"DELETE FROM rejected_rows WHERE {_MENTIONS.format('raw')}",
                                          {"pattern": _mention(m)["pattern"]}) for m in mentions)
    if not any(changed.values()):
        raise ErasureError(f"No data is stored for participant '{participant_id}'. Check the id.")
    changed["mentions in text"] = sum(_count(con, f"UPDATE {table} SET {column} = {_WITHOUT.format(column)} "
                                          f"WHERE {_MENTIONS.format(column)}", _mention(m))
                              for table, columns in FREE_TEXT.items() for column in columns for m in mentions)
    audit.record(con, "erasure", "one participant's data erased", actor)
    return changed, respondent_ids + ([email] if email else [])


def _mention(value: str) -> dict[str, str]:
    return {"pattern": f"(?i){_BEFORE}{re.escape(value.strip())}{_AFTER}", "erased": rf"\1{ERASED}\2"}


def _ledger_of(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The ledger of the file `con` works on; None for an in-memory database."""
    path = scalar(con, "SELECT path FROM duckdb_databases() WHERE database_name = current_database()")
    return ledger_path(Path(path)) if path else None


def _key(salt: str, value: str) -> str:
    return hashlib.sha256(f"{salt}:{value.strip().lower()}".encode()).hexdigest()


def _record(ledger: Path, values: list[str]) -> None:
    """Add one erasure to the ledger (written aside and renamed over it, so it is never half-written)."""
    entries = (json.loads(ledger.read_text(encoding="utf-8")) if ledger.is_file()
               else {"salt": secrets.token_hex(16), "erased": []})
    entries["erased"].append({"at": datetime.now().isoformat(timespec="seconds"),
                              "keys": sorted({_key(entries["salt"], v) for v in values if v})})
    staged = ledger.with_name(ledger.name + ".new")
    staged.write_text(json.dumps(entries, indent=1), encoding="utf-8")
    os.replace(staged, ledger)


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list | dict) -> int:
    return int(con.execute(sql, params).fetchone()[0])
