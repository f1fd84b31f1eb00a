"""Scheduled delivery: the quarterly report e-mailed to each recipient, for the programs they may see.

Recipients and every send live in the database (tables `recipients` and `deliveries`), so a backup
carries them and a rerun for the same quarter skips whoever already has the report and retries whoever
did not get it. A recipient scoped to programs gets one report per program (the report takes one
program filter, and one report per program keeps each file to one program's names and figures); an
unscoped recipient gets the whole organisation's report. The SMTP server is configured in the
`[smtp]` section of `.streamlit/secrets.toml` ($MENTORSCOPE_SECRETS names another file).
"""
from __future__ import annotations

import os
import re
import smtplib
import socket
import ssl
import threading
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Iterator

import duckdb
import pandas as pd

from analytics.errors import BusyError, ConfigError, InputError, MentorscopeError
from analytics.measures.filters import Filters, Period, check_reportable, known_values
from analytics.report import FORMATS, MEDIA_TYPES, build_report, file_name
from analytics.store import audit, memo, settings
from analytics.store.queries import transaction

DEFAULT_SECRETS = Path(".streamlit") / "secrets.toml"
DEFAULT_FORMATS = ("pdf",)
TIMEOUT_SECONDS = 30
RETRY = "will retry on the next run"
_EMAIL = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
# One delivery at a time in this process: the schedule and Send now (in any browser) would otherwise both find a
# recipient without the report and both send it.
_SENDING = threading.Lock()


class DeliveryError(InputError):
    """A recipient cannot be added or removed as asked, or a report cannot be delivered; the message says why."""


class SmtpError(ConfigError, DeliveryError):
    """The [smtp] settings are missing or wrong, or the server they name cannot be used."""


class DeliveryBusy(BusyError, DeliveryError):
    """Another delivery is under way in this process."""


@dataclass(frozen=True)
class Recipient:
    email: str
    display_name: str | None
    programs: tuple[str, ...]  # empty: all programs
    formats: tuple[str, ...]

    def scope(self) -> str:
        return ", ".join(self.programs) or "All programs"


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    starttls: bool
    user: str | None
    password: str | None = None
    sender: str = ""

    def where(self) -> str:
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Outcome:
    email: str
    status: str  # sent | already_sent | failed | pending (dry run)
    reason: str = ""
    attachments: tuple[str, ...] = ()

    def line(self) -> str:
        if self.status == "failed":
            return f"{self.email}: {self.reason.rstrip('.')}; {RETRY}"
        said = {"sent": "sent", "already_sent": "already sent", "pending": "would be sent"}[self.status]
        files = f" ({', '.join(self.attachments)})" if self.attachments else ""
        return f"{self.email}: {said}{files}"


# --- recipients -------------------------------------------------------------------------------------------

def recipients(con: duckdb.DuckDBPyConnection) -> list[Recipient]:
    rows = con.execute("SELECT email, display_name, programs, formats FROM recipients ORDER BY email").fetchall()
    return [Recipient(email, name, tuple(programs), tuple(formats)) for email, name, programs, formats in rows]


def add_recipient(con: duckdb.DuckDBPyConnection, email: str, display_name: str | None = None,
                  programs: list[str] | tuple[str, ...] = (), formats: list[str] | tuple[str, ...] = DEFAULT_FORMATS,
                  actor: str | None = None) -> Recipient:
    """Add a recipient, or replace the one with this address; DeliveryError names a bad value and the fix."""
    email = (email or "").strip()
    if not _EMAIL.match(email):
        raise DeliveryError(f"{email!r} is not an e-mail address: write it as name@example.org.")
    programs = tuple(dict.fromkeys(p.strip() for p in programs if p and p.strip()))
    known = known_values(con, "program")
    if unknown := [p for p in programs if p not in known]:
        raise DeliveryError(f"Unknown program {unknown[0]!r}; known programs: {', '.join(known) or 'none loaded'}. "
                            "Leave the programs empty for a report on all programs.")
    formats = tuple(dict.fromkeys(f.strip().lower() for f in formats if f and f.strip())) or DEFAULT_FORMATS
    if unknown := [f for f in formats if f not in FORMATS]:
        raise DeliveryError(f"Unknown report format {unknown[0]!r}; choose from {', '.join(FORMATS)}.")
    recipient = Recipient(email, (display_name or "").strip() or None, programs, formats)
    with transaction(con):
        con.execute("INSERT OR REPLACE INTO recipients VALUES (?, ?, ?, ?, ?)",
                    [recipient.email, recipient.display_name, list(programs), list(formats), datetime.now()])
        audit.record(con, "recipient", f"{email} added: {recipient.scope()}, {', '.join(formats)}", actor)
    return recipient


def remove_recipient(con: duckdb.DuckDBPyConnection, email: str, actor: str | None = None) -> None:
    """Remove a recipient (their delivery history stays, so re-adding them sends no quarter twice)."""
    if not con.execute("SELECT count(*) FROM recipients WHERE email = ?", [email]).fetchone()[0]:
        raise DeliveryError(f"{email} is not a recipient; `python -m analytics recipients list` shows who is.")
    with transaction(con):
        con.execute("DELETE FROM recipients WHERE email = ?", [email])
        audit.record(con, "recipient", f"{email} removed", actor)


def last_deliveries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each recipient with their latest delivery on record → [email, display_name, programs, formats, quarter,
    status, attempts, last_error, sent_at] (programs and formats as text; no delivery yet: 'nothing sent yet')."""
    return con.execute(
        "SELECT r.email, r.display_name, coalesce(nullif(array_to_string(r.programs, ', '), ''), 'All programs') "
        "AS programs, array_to_string(r.formats, ', ') AS formats, d.quarter, "
        "coalesce(d.status, 'nothing sent yet') AS status, d.attempts, d.last_error, d.sent_at FROM recipients r "
        "LEFT JOIN deliveries d ON d.email = r.email "
        "QUALIFY row_number() OVER (PARTITION BY r.email ORDER BY d.attempted_at DESC NULLS LAST) = 1 "
        "ORDER BY r.email").df()


# --- SMTP settings ----------------------------------------------------------------------------------------

def secrets_path() -> Path:
    return Path(os.environ.get("MENTORSCOPE_SECRETS") or DEFAULT_SECRETS)


def load_smtp(path: Path | None = None) -> SmtpConfig:
    """The [smtp] section: host, port, starttls, user, password, from."""
    path = Path(path or secrets_path())
    if not path.is_file():
        raise SmtpError(f"No secrets file at {path}: add an [smtp] section with host, port, starttls, user, "
                        "password and from (README, Delivery).")
    try:
        section = tomllib.loads(path.read_text(encoding="utf-8")).get("smtp")
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SmtpError(f"{path} is not valid TOML ({exc}); fix it as the README's Delivery section "
                        "shows.") from exc
    if not isinstance(section, dict):
        raise SmtpError(f"{path} has no [smtp] section: add one with host, port, starttls, user, password and "
                        "from (README, Delivery).")
    missing = [key for key in ("host", "from") if not str(section.get(key) or "").strip()]
    if missing:
        raise SmtpError(f"[smtp] in {path} needs {' and '.join(missing)}.")
    port, starttls = section.get("port", 587), section.get("starttls", True)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        raise SmtpError(f"[smtp] port in {path} must be a whole number from 1 to 65535, not {port!r}.")
    if not isinstance(starttls, bool):
        raise SmtpError(f"[smtp] starttls in {path} must be true or false, not {starttls!r}.")
    return SmtpConfig(str(section["host"]).strip(), port, starttls, section.get("user") or None,
                      section.get("password") or None, str(section["from"]).strip())


# --- sending ----------------------------------------------------------------------------------------------

def attachments(con: duckdb.DuckDBPyConnection, recipient: Recipient, period: Period) -> list[tuple[str, str, bytes]]:
    """(file name, format, bytes) per program in the recipient's scope and per format; a program's formats
    share its figures, each computed once."""
    with memo.scope():
        return [(file_name(period, filters, fmt), fmt, build_report(con, period, filters, fmt))
                for filters, fmt in _reports(recipient)]


def _reports(recipient: Recipient) -> list[tuple[Filters, str]]:
    scopes = [Filters(program=p) for p in recipient.programs] or [Filters()]
    return [(filters, fmt) for filters in scopes for fmt in recipient.formats]


def message(config: SmtpConfig, recipient: Recipient, period: Period,
            files: list[tuple[str, str, bytes]]) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = formataddr((recipient.display_name or "", recipient.email))
    mail["Subject"] = f"Mentorscope quarterly report, {period.sentence()}: {recipient.scope()}"
    mail.set_content(f"The Mentorscope quarterly report for {period.sentence()} ({period.start:%d %b %Y} to "
                     f"{period.end:%d %b %Y}) is attached.\n\nIt covers: {recipient.scope()}.\n")
    for name, fmt, content in files:
        maintype, subtype = MEDIA_TYPES[fmt].split("/")
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return mail


def send(config: SmtpConfig, mail: EmailMessage) -> None:
    """Send one message; SmtpError with the reason in words (never the password)."""
    with _server(config) as server:
        server.send_message(mail)


def check_server(config: SmtpConfig) -> None:
    """Connect, secure and sign in as a send would, sending nothing: SmtpError when that fails, so that a
    run against an unusable server builds no report."""
    with _server(config):
        pass


@contextmanager
def _server(config: SmtpConfig) -> Iterator[smtplib.SMTP]:
    """A connection ready to send, SMTP and network failures (its use included) turned into SmtpError."""
    where = config.where()
    try:
        with smtplib.SMTP(config.host, config.port, timeout=TIMEOUT_SECONDS) as server:
            if config.starttls:
                server.ehlo()
                if not server.has_extn("starttls"):
                    raise SmtpError(f"SMTP server at {where} does not offer STARTTLS; set starttls = false in "
                                    "[smtp] only for a server on a trusted network")
                server.starttls(context=ssl.create_default_context())
            if config.user:
                server.login(config.user, config.password or "")
            yield server
    except ConnectionRefusedError as exc:
        raise SmtpError(f"SMTP server refused the connection at {where} ({exc.strerror})") from exc
    except socket.gaierror as exc:
        raise SmtpError(f"SMTP server {config.host} was not found ({exc.strerror})") from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise SmtpError(f"SMTP server at {where} refused the sign-in of user {config.user} "
                        f"({_said(exc.smtp_error)})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        reasons = "; ".join(_said(error) for _code, error in exc.recipients.values())
        raise SmtpError(f"SMTP server at {where} refused the address ({reasons})") from exc
    except smtplib.SMTPResponseException as exc:
        raise SmtpError(f"SMTP server at {where} answered {exc.smtp_code} ({_said(exc.smtp_error)})") from exc
    except (smtplib.SMTPException, ssl.SSLError) as exc:
        raise SmtpError(f"SMTP server at {where} failed: {exc}") from exc
    except (TimeoutError, OSError) as exc:
        raise SmtpError(f"SMTP server at {where} is unreachable ({exc.strerror or exc})") from exc


def _said(error: bytes | str) -> str:
    return error.decode(errors="replace") if isinstance(error, bytes) else str(error)


def waiting(con: duckdb.DuckDBPyConnection, period: Period) -> list[str]:
    """The recipients who do not have `period`'s report yet (never sent, or the last try failed)."""
    return [email for (email,) in con.execute(
        "SELECT email FROM recipients WHERE email NOT IN (SELECT email FROM deliveries WHERE quarter = ? AND "
        "status = 'sent') ORDER BY email", [period.label]).fetchall()]


def _sent(con: duckdb.DuckDBPyConnection, email: str, period: Period) -> bool:
    return bool(con.execute("SELECT count(*) FROM deliveries WHERE email = ? AND quarter = ? AND status = 'sent'",
                            [email, period.label]).fetchone()[0])


def _record(con: duckdb.DuckDBPyConnection, recipient: Recipient, period: Period, error: str | None,
            actor: str | None) -> None:
    now = datetime.now()
    with transaction(con):
        con.execute(
            "INSERT INTO deliveries VALUES (?, ?, ?, ?, 1, ?, ?, ?) ON CONFLICT (email, quarter) DO UPDATE SET "
            "formats = excluded.formats, status = excluded.status, attempts = deliveries.attempts + 1, "
            "last_error = excluded.last_error, attempted_at = excluded.attempted_at, sent_at = excluded.sent_at",
            [recipient.email, period.label, list(recipient.formats), "failed" if error else "sent", error, now,
             None if error else now])
        audit.record(con, "delivery", f"{period.label} to {recipient.email}: "
                     + (f"failed: {error}" if error else "sent"), actor)


def deliver(con: duckdb.DuckDBPyConnection, period: Period, config: SmtpConfig | None = None, dry_run: bool = False,
            actor: str | None = None) -> list[Outcome]:
    """Send `period`'s report to every recipient who does not have it yet; each send is recorded as it
    happens, so a run that stops half-way sends nobody twice when run again. Without `config` the [smtp]
    section is read when someone is due (a run with nothing to send needs none). A dry run sends, builds
    and records nothing. DeliveryBusy while another delivery of this process is under way."""
    if dry_run:
        return _deliver(con, period, config, dry_run, actor)
    if not _SENDING.acquire(blocking=False):
        raise DeliveryBusy("Another delivery is under way in this dashboard (the schedule's, or Send now in another "
                           "browser); recipients it serves are skipped when you try again in a minute.")
    try:
        return _deliver(con, period, config, dry_run, actor)
    finally:
        _SENDING.release()


def _deliver(con: duckdb.DuckDBPyConnection, period: Period, config: SmtpConfig | None, dry_run: bool,
             actor: str | None) -> list[Outcome]:
    outcomes = []
    problem = None  # why nobody can have the report this run: a quarter without data, an unusable server
    checked = False
    for recipient in recipients(con):
        if _sent(con, recipient.email, period):
            outcomes.append(Outcome(recipient.email, "already_sent"))
            continue
        if dry_run:
            names = tuple(file_name(period, filters, fmt) for filters, fmt in _reports(recipient))
            outcomes.append(Outcome(recipient.email, "pending", attachments=names))
            continue
        if not checked:
            checked = True
            config, problem = _ready(con, config, period)
        try:
            if problem:
                raise DeliveryError(problem)
            files = attachments(con, recipient, period)
            send(config, message(config, recipient, period, files))
        except Exception as exc:  # noqa: BLE001 - a renderer's crash too is recorded and stops no one else
            reason = str(exc) if isinstance(exc, MentorscopeError) else (
                f"the report could not be built ({type(exc).__name__}: {exc})")
            _record(con, recipient, period, reason, actor)
            outcomes.append(Outcome(recipient.email, "failed", reason))
            continue
        _record(con, recipient, period, None, actor)
        outcomes.append(Outcome(recipient.email, "sent", attachments=tuple(name for name, _fmt, _b in files)))
    return outcomes


def _ready(con: duckdb.DuckDBPyConnection, config: SmtpConfig | None,
           period: Period) -> tuple[SmtpConfig | None, str | None]:
    """(the SMTP settings, None), or why nobody can have the report this run."""
    try:
        check_reportable(con, period, settings.get(con, "fiscal_year_start_month"))
        config = config or load_smtp()
        check_server(config)
    except MentorscopeError as exc:  # a quarter without data, unusable SMTP settings or server
        return config, str(exc)
    return config, None
