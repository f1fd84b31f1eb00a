"""The database's tables, as the ordered list of migrations that builds them.

The version a migration brings a database to is its position in the list (the first is version 1), and
each database records the versions it has applied in `schema_version`. So a change to the schema is a
new entry at the end; an entry already released is never edited, moved or removed (tests/test_db.py
holds a digest of each), since files made by an older Mentorscope replay only the steps they have not seen.
"""
from __future__ import annotations

MIGRATIONS: list[str] = [
    # The store of everything an upload brings in.
    """
    CREATE TABLE uploads (
        upload_id INTEGER PRIMARY KEY,
        file_name VARCHAR NOT NULL,
        sha256 VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        rows_read INTEGER NOT NULL,
        rows_loaded INTEGER NOT NULL,
        rows_rejected INTEGER NOT NULL,
        rows_duplicate INTEGER NOT NULL,
        first_date DATE,
        last_date DATE,
        loaded_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE rejected_rows (
        upload_id INTEGER NOT NULL,
        row_number INTEGER NOT NULL,
        column_name VARCHAR,
        reason VARCHAR NOT NULL,
        raw VARCHAR
    );
    CREATE TABLE participants (
        participant_id VARCHAR PRIMARY KEY,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        department VARCHAR,
        level VARCHAR,
        location VARCHAR,
        joined_on DATE,
        left_on DATE,
        name VARCHAR,
        email VARCHAR,
        is_stub BOOLEAN NOT NULL DEFAULT FALSE,
        upload_id INTEGER
    );
    CREATE TABLE pairs (
        pair_id VARCHAR PRIMARY KEY,
        mentor_id VARCHAR NOT NULL,
        mentee_id VARCHAR NOT NULL,
        matched_on DATE NOT NULL,
        ended_on DATE,
        end_reason VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        meetings_target_per_month DOUBLE,
        upload_id INTEGER
    );
    CREATE TABLE sessions (
        session_id VARCHAR PRIMARY KEY,
        pair_id VARCHAR NOT NULL,
        occurred_on DATE NOT NULL,
        duration_minutes DOUBLE,
        status VARCHAR NOT NULL DEFAULT 'held',
        format VARCHAR,
        topic VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE goals (
        goal_id VARCHAR PRIMARY KEY,
        pair_id VARCHAR NOT NULL,
        set_on DATE,
        due_on DATE,
        achieved_on DATE,
        status VARCHAR,
        category VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE employees (
        employee_id VARCHAR PRIMARY KEY,
        hired_on DATE NOT NULL,
        terminated_on DATE,
        last_promoted_on DATE,
        department VARCHAR,
        level VARCHAR,
        upload_id INTEGER
    );
    CREATE TABLE surveys (
        survey_id VARCHAR PRIMARY KEY,
        fingerprint VARCHAR NOT NULL,
        format VARCHAR NOT NULL,
        title VARCHAR
    );
    CREATE TABLE items (
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        question_text VARCHAR,
        dimension VARCHAR,
        item_type VARCHAR NOT NULL,
        scale_points INTEGER,
        PRIMARY KEY (survey_id, item_id)
    );
    CREATE TABLE responses (
        response_id VARCHAR PRIMARY KEY,
        survey_id VARCHAR NOT NULL,
        respondent_id VARCHAR,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        wave VARCHAR NOT NULL DEFAULT 'pulse',
        submitted_at TIMESTAMP NOT NULL,
        submitted_on DATE NOT NULL,
        upload_id INTEGER
    );
    CREATE TABLE answers (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        value_num DOUBLE,
        value_text VARCHAR,
        scale_points INTEGER,
        PRIMARY KEY (response_id, item_id)
    );
    CREATE TABLE column_mappings (
        fingerprint VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        dimension VARCHAR,
        PRIMARY KEY (fingerprint, item_id)
    );
    CREATE TABLE label_mappings (
        fingerprint VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        label VARCHAR NOT NULL,
        value DOUBLE,
        scale_points INTEGER,
        PRIMARY KEY (fingerprint, item_id, label)
    );
    """,
    # Settings, the improvement log and the audit trail.
    """
    CREATE TABLE settings (
        key VARCHAR PRIMARY KEY,
        value VARCHAR NOT NULL
    );
    CREATE TABLE improvements (
        action_id INTEGER PRIMARY KEY,
        program VARCHAR,
        title VARCHAR NOT NULL,
        description VARCHAR,
        owner VARCHAR,
        started_on DATE NOT NULL,
        metric VARCHAR NOT NULL,
        created_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    CREATE TABLE audit_log (
        occurred_at TIMESTAMP NOT NULL,
        actor VARCHAR,
        action VARCHAR NOT NULL,
        detail VARCHAR
    );
    """,
    # The bulk tables without primary-key indexes: a unique index over millions of VARCHAR
    # keys made loading 2M sessions four times slower than reading the file. The loader keeps
    # keys unique (a key twice in one file is rejected; a stored key is replaced), and
    # `response_scores` holds one score per (response, dimension), written at load time so
    # that survey figures need not re-derive it from every stored answer (analytics/store/scores.py).
    """
    CREATE TABLE participants_v3 (
        participant_id VARCHAR NOT NULL,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        department VARCHAR,
        level VARCHAR,
        location VARCHAR,
        joined_on DATE,
        left_on DATE,
        name VARCHAR,
        email VARCHAR,
        is_stub BOOLEAN NOT NULL DEFAULT FALSE,
        upload_id INTEGER
    );
    INSERT INTO participants_v3 SELECT * FROM participants;
    DROP TABLE participants;
    ALTER TABLE participants_v3 RENAME TO participants;
    CREATE TABLE pairs_v3 (
        pair_id VARCHAR NOT NULL,
        mentor_id VARCHAR NOT NULL,
        mentee_id VARCHAR NOT NULL,
        matched_on DATE NOT NULL,
        ended_on DATE,
        end_reason VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        meetings_target_per_month DOUBLE,
        upload_id INTEGER
    );
    INSERT INTO pairs_v3 SELECT * FROM pairs;
    DROP TABLE pairs;
    ALTER TABLE pairs_v3 RENAME TO pairs;
    CREATE TABLE sessions_v3 (
        session_id VARCHAR NOT NULL,
        pair_id VARCHAR NOT NULL,
        occurred_on DATE NOT NULL,
        duration_minutes DOUBLE,
        status VARCHAR NOT NULL DEFAULT 'held',
        format VARCHAR,
        topic VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO sessions_v3 SELECT * FROM sessions;
    DROP TABLE sessions;
    ALTER TABLE sessions_v3 RENAME TO sessions;
    CREATE TABLE goals_v3 (
        goal_id VARCHAR NOT NULL,
        pair_id VARCHAR NOT NULL,
        set_on DATE,
        due_on DATE,
        achieved_on DATE,
        status VARCHAR,
        category VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO goals_v3 SELECT * FROM goals;
    DROP TABLE goals;
    ALTER TABLE goals_v3 RENAME TO goals;
    CREATE TABLE employees_v3 (
        employee_id VARCHAR NOT NULL,
        hired_on DATE NOT NULL,
        terminated_on DATE,
        last_promoted_on DATE,
        department VARCHAR,
        level VARCHAR,
        upload_id INTEGER
    );
    INSERT INTO employees_v3 SELECT * FROM employees;
    DROP TABLE employees;
    ALTER TABLE employees_v3 RENAME TO employees;
    CREATE TABLE responses_v3 (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        respondent_id VARCHAR,
        role VARCHAR,
        program VARCHAR,
        cohort VARCHAR,
        wave VARCHAR NOT NULL DEFAULT 'pulse',
        submitted_at TIMESTAMP NOT NULL,
        submitted_on DATE NOT NULL,
        upload_id INTEGER
    );
    INSERT INTO responses_v3 SELECT * FROM responses;
    DROP TABLE responses;
    ALTER TABLE responses_v3 RENAME TO responses;
    CREATE TABLE answers_v3 (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        item_id VARCHAR NOT NULL,
        value_num DOUBLE,
        value_text VARCHAR,
        scale_points INTEGER
    );
    INSERT INTO answers_v3 SELECT * FROM answers;
    DROP TABLE answers;
    ALTER TABLE answers_v3 RENAME TO answers;
    CREATE TABLE response_scores (
        response_id VARCHAR NOT NULL,
        survey_id VARCHAR NOT NULL,
        submitted_on DATE NOT NULL,
        dimension VARCHAR NOT NULL,
        score DOUBLE NOT NULL,
        scale_points INTEGER
    );
    """,
    # A survey export without submission dates loads with the date the survey closed, given for
    # every response; the upload log says so, as its responses' dates are not the file's own.
    """
    ALTER TABLE uploads ADD COLUMN survey_closed_on DATE;
    """,
    # An improvement action may concern one cohort (null: every cohort), as it may one program.
    """
    ALTER TABLE improvements ADD COLUMN cohort VARCHAR;
    """,
    # Scheduled delivery: who receives the quarterly report (programs empty = all programs), and each
    # quarter's send per recipient, so that a rerun skips what was sent and retries what failed.
    """
    CREATE TABLE recipients (
        email VARCHAR PRIMARY KEY,
        display_name VARCHAR,
        programs VARCHAR[] NOT NULL,
        formats VARCHAR[] NOT NULL,
        added_at TIMESTAMP NOT NULL
    );
    CREATE TABLE deliveries (
        email VARCHAR NOT NULL,
        quarter VARCHAR NOT NULL,
        formats VARCHAR[] NOT NULL,
        status VARCHAR NOT NULL,
        attempts INTEGER NOT NULL,
        last_error VARCHAR,
        attempted_at TIMESTAMP NOT NULL,
        sent_at TIMESTAMP,
        PRIMARY KEY (email, quarter)
    );
    """,
    # Objectives: a target for one figure of one program (null: all programs), judged each quarter.
    """
    CREATE TABLE objectives (
        objective_id INTEGER PRIMARY KEY,
        metric VARCHAR NOT NULL,
        program VARCHAR,
        target DOUBLE NOT NULL,
        direction VARCHAR NOT NULL,
        amber_band DOUBLE,
        created_at TIMESTAMP NOT NULL,
        is_demo BOOLEAN NOT NULL DEFAULT FALSE
    );
    """,
]
SCHEMA_VERSION = len(MIGRATIONS)


def version_creating(table: str) -> int:
    """The version whose migration creates `table`."""
    return 1 + next(i for i, sql in enumerate(MIGRATIONS) if f"CREATE TABLE {table} (" in sql)


SCORES_SINCE = version_creating("response_scores")

# Tables that hold program data, in an order safe for deletion.
DATA_TABLES = (
    "response_scores", "answers", "responses", "items", "surveys", "goals", "sessions", "pairs",
    "participants", "employees", "rejected_rows", "uploads",
)
