"""Scheduled delivery: recipients, the `deliver` command against a local SMTP server (aiosmtpd), the message,
its attachments and the scope of their content, idempotency and the retry of a failed send.

Reports are built from a few hand-made pairs in two programs; the delivery logic is tested with XLSX
attachments (quick to build), the PDF once.
"""
from __future__ import annotations

import email
import email.policy
import io
import json
import socket
import subprocess
import threading
from datetime import date
from email.message import EmailMessage

import openpyxl
import pytest
from aiosmtpd.controller import Controller

from analytics.cli import main
from analytics.measures.filters import last_complete_quarter
from analytics.ops import backup, delivery
from analytics.store import connection
from tests.builders import run_cli as run

QUARTER = "2026Q2"
OURS, OTHER = "Aurora circle", "Borealis track"
PASSWORD = "s3cret-pass"


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def smtp(port):
    """A local SMTP server without STARTTLS or AUTH, on a free loopback port."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox
    controller.stop()


def write_secrets(tmp_path, monkeypatch, port: int, starttls: bool = False, user: str | None = None) -> None:
    login = f'user = "{user}"\npassword = "{PASSWORD}"\n' if user else ""
    path = tmp_path / "secrets.toml"
    path.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nstarttls = {str(starttls).lower()}\n{login}'
                    'from = "Mentorscope <reports@example.org>"\n')
    monkeypatch.setenv("MENTORSCOPE_SECRETS", str(path))


@pytest.fixture
def secrets(tmp_path, monkeypatch, port):
    write_secrets(tmp_path, monkeypatch, port)


@pytest.fixture
def database(db_path, tmp_path, capsys):
    """Two programs with meetings in 2026Q2, loaded from exports whose file names name them."""
    exports = {
        "pairs_aurora.csv": f"pair_id,mentor_id,mentee_id,matched_on,program\n"
                            f"a1,m1,e1,2026-01-05,{OURS}\na2,m2,e2,2026-01-05,{OURS}\n",
        "pairs_borealis.csv": f"pair_id,mentor_id,mentee_id,matched_on,program\nb1,m3,e3,2026-01-05,{OTHER}\n",
        "sessions.csv": "pair_id,occurred_on,duration_minutes\na1,2026-04-10,60\na2,2026-05-10,60\n"
                        "b1,2026-05-11,60\n",
    }
    for name, text in exports.items():
        (tmp_path / name).write_text(text)
        assert main(["ingest", str(tmp_path / name), "--db", str(db_path)]) == 0
    capsys.readouterr()
    return db_path


def add(capsys, database, address: str, *options: str) -> None:
    assert run(capsys, "recipients", "add", address, *options, "--db", str(database))[0] == 0


def deliveries(database) -> list[tuple]:
    with connection.connect(database, read_only=True) as con:
        return con.execute("SELECT email, quarter, status, attempts, last_error IS NULL FROM deliveries "
                           "ORDER BY email").fetchall()


def audited(database, action: str) -> list[str]:
    with connection.connect(database, read_only=True) as con:
        return [row[0] for row in con.execute("SELECT detail FROM audit_log WHERE action = ? ORDER BY occurred_at",
                                              [action]).fetchall()]


def xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
                     for cell in row if cell is not None)


def test_each_recipient_gets_their_scope_once_and_a_rerun_sends_nothing(database, smtp, secrets, capsys):
    add(capsys, database, "ana@example.org", "--name", "Ana Lima", "--program", OURS, "--format", "xlsx")
    add(capsys, database, "lead@example.org", "--format", "xlsx")  # all programs
    code, out, err = run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))
    assert (code, err) == (0, "")
    assert out.splitlines() == ["ana@example.org: sent (mentorscope-report-2026q2-aurora-circle.xlsx)",
                                "lead@example.org: sent (mentorscope-report-2026q2.xlsx)"]
    by_address = {message["To"].addresses[0].addr_spec: message for message in smtp.messages}
    assert sorted(by_address) == ["ana@example.org", "lead@example.org"]
    ana = by_address["ana@example.org"]
    assert (str(ana["From"]), str(ana["To"]), str(ana["Subject"])) == (
        "Mentorscope <reports@example.org>", "Ana Lima <ana@example.org>",
        f"Mentorscope quarterly report, Q2 2026: {OURS}")
    assert f"It covers: {OURS}." in ana.get_body(("plain",)).get_content()
    texts = {}
    for address, message in by_address.items():
        [attachment] = list(message.iter_attachments())
        assert attachment.get_content_type() == delivery.MEDIA_TYPES["xlsx"]
        texts[address] = xlsx_text(attachment.get_content())
    assert attachment.get_filename() == "mentorscope-report-2026q2.xlsx"
    # The whole organisation's report names both programs; the scoped one only its own.
    assert (OURS in texts["lead@example.org"], OTHER in texts["lead@example.org"]) == (True, True)
    assert (OURS in texts["ana@example.org"], OTHER in texts["ana@example.org"]) == (True, False)

    code, out, err = run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database), "--json")
    assert (code, err) == (0, "")
    assert [(d["email"], d["status"]) for d in json.loads(out)["deliveries"]] == [
        ("ana@example.org", "already_sent"), ("lead@example.org", "already_sent")]
    assert len(smtp.messages) == 2
    assert deliveries(database) == [("ana@example.org", QUARTER, "sent", 1, True),
                                    ("lead@example.org", QUARTER, "sent", 1, True)]


def test_a_refused_send_exits_1_is_audited_and_the_next_run_sends_it_once(database, port, secrets, capsys):
    add(capsys, database, "ana@example.org", "--program", OURS, "--format", "xlsx")
    code, out, err = run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))
    assert code == 1
    assert err == (f"error: ana@example.org: SMTP server refused the connection at 127.0.0.1:{port} "
                   "(Connection refused); will retry on the next run\n")
    assert deliveries(database) == [("ana@example.org", QUARTER, "failed", 1, False)]
    assert audited(database, "delivery") == [
        f"{QUARTER} to ana@example.org: failed: SMTP server refused the connection at 127.0.0.1:{port} "
        "(Connection refused)"]

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))[:3:2] == (0, "")
        assert run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))[0] == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert deliveries(database) == [("ana@example.org", QUARTER, "sent", 2, True)]
    assert audited(database, "delivery")[1:] == [f"{QUARTER} to ana@example.org: sent"]


def test_starttls_against_a_server_without_it_says_so_and_never_shows_the_password(
        database, smtp, port, tmp_path, monkeypatch, capsys):
    write_secrets(tmp_path, monkeypatch, port, starttls=True, user="mailer")
    add(capsys, database, "ana@example.org", "--format", "xlsx")
    code, out, err = run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))
    assert code == 1
    assert err == (f"error: ana@example.org: SMTP server at 127.0.0.1:{port} does not offer STARTTLS; set starttls "
                   "= false in [smtp] only for a server on a trusted network; will retry on the next run\n")
    assert PASSWORD not in out + err + "".join(audited(database, "delivery"))
    assert smtp.messages == []


def test_a_report_that_cannot_be_built_is_recorded_and_stops_no_one_else(database, smtp, secrets, capsys,
                                                                         monkeypatch):
    build = delivery.build_report

    def crashing(con, period, filters, fmt):  # a renderer failing for one program's report
        if filters.program == OURS:
            raise RuntimeError("renderer crashed")
        return build(con, period, filters, fmt)

    monkeypatch.setattr(delivery, "build_report", crashing)
    add(capsys, database, "ana@example.org", "--program", OURS, "--format", "xlsx")
    add(capsys, database, "lead@example.org", "--format", "xlsx")
    code, out, err = run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))
    assert (code, out) == (1, "lead@example.org: sent (mentorscope-report-2026q2.xlsx)\n")
    assert err == ("error: ana@example.org: the report could not be built (RuntimeError: renderer crashed); will "
                   "retry on the next run\n")
    assert [m["To"] for m in smtp.messages] == ["lead@example.org"]
    assert deliveries(database) == [("ana@example.org", QUARTER, "failed", 1, False),
                                    ("lead@example.org", QUARTER, "sent", 1, True)]


def test_a_server_that_hangs_up_is_named_with_the_reason():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        config = delivery.SmtpConfig("127.0.0.1", port, False, None)
        thread = threading.Thread(target=lambda: listener.accept()[0].close())
        thread.start()
        with pytest.raises(delivery.DeliveryError) as refused:
            delivery.send(config, EmailMessage())
        thread.join()
    assert str(refused.value) == f"SMTP server at 127.0.0.1:{port} failed: Connection unexpectedly closed"


def test_a_quarter_without_data_is_sent_to_nobody_and_said(database, smtp, secrets, capsys):
    add(capsys, database, "ana@example.org", "--format", "xlsx")
    code, out, err = run(capsys, "deliver", "--quarter", "2025Q1", "--db", str(database))
    assert (code, out) == (1, "")
    assert err == ("error: ana@example.org: 2025Q1 (2025-01-01 to 2025-03-31) has no held meetings or survey "
                   "responses: the data covers 2026Q2. Choose a quarter in that range, or load exports that cover "
                   "this one first; will retry on the next run\n")
    assert (smtp.messages, deliveries(database)) == ([], [("ana@example.org", "2025Q1", "failed", 1, False)])


@pytest.mark.parametrize("recipients, code, out, err", [
    ([], 0, "No recipients: python -m analytics recipients add EMAIL adds one.\n", ""),
    (["ana@example.org"], 1, "", "error: ana@example.org: No secrets file at {secrets}: add an [smtp] section with "
                                 "host, port, starttls, user, password and from (README, Delivery); will retry on "
                                 "the next run\n"),
])
def test_the_smtp_settings_are_needed_only_when_someone_is_due(database, tmp_path, monkeypatch, capsys,
                                                                recipients, code, out, err):
    secrets = tmp_path / "absent.toml"
    monkeypatch.setenv("MENTORSCOPE_SECRETS", str(secrets))
    for address in recipients:
        add(capsys, database, address, "--format", "xlsx")
    assert run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database)) == (code, out,
                                                                                    err.format(secrets=secrets))


@pytest.mark.parametrize("quarter", ["2026Q5", "next quarter"])
def test_a_quarter_written_wrongly_is_a_usage_error(database, secrets, capsys, quarter):
    code, out, err = run(capsys, "deliver", "--quarter", quarter, "--db", str(database))
    assert (code, out) == (2, "")
    assert err.startswith(f"error: Unknown period '{quarter}': write a quarter as '2026Q2'")


def test_the_pdf_of_a_scoped_recipient_names_no_other_program(database, smtp, secrets, capsys):
    add(capsys, database, "ana@example.org", "--program", OURS)  # pdf by default
    assert run(capsys, "deliver", "--quarter", QUARTER, "--db", str(database))[0] == 0
    [attachment] = list(smtp.messages[0].iter_attachments())
    assert (attachment.get_content_type(), attachment.get_filename()) == (
        "application/pdf", "mentorscope-report-2026q2-aurora-circle.pdf")
    text = subprocess.run(["pdftotext", "-", "-"], input=attachment.get_content(), capture_output=True,
                          check=True).stdout.decode()
    # Neither the other program's name nor its export's file name (pairs_borealis.csv, under Data sources).
    assert (OURS in text, "pairs_aurora.csv" in text, "borealis" in text.lower()) == (True, True, False)


def test_dry_run_sends_builds_and_records_nothing(database, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("MENTORSCOPE_SECRETS", str(tmp_path / "absent.toml"))  # not needed for a dry run
    add(capsys, database, "ana@example.org", "--program", OURS, "--format", "pdf", "--format", "xlsx")
    code, out, _ = run(capsys, "deliver", "--quarter", QUARTER, "--dry-run", "--db", str(database))
    assert (code, out) == (0, "ana@example.org: would be sent (mentorscope-report-2026q2-aurora-circle.pdf, "
                              "mentorscope-report-2026q2-aurora-circle.xlsx)\n")
    assert deliveries(database) == []


def test_recipients_and_their_deliveries_are_in_a_backup(database, tmp_path, capsys):
    add(capsys, database, "ana@example.org", "--program", OURS)
    with connection.connect(database) as con:
        con.execute("INSERT INTO deliveries VALUES ('ana@example.org', '2026Q1', ['pdf'], 'sent', 1, NULL, "
                    "TIMESTAMP '2026-04-02 07:00', TIMESTAMP '2026-04-02 07:00')")
    copy = backup.backup(database, tmp_path / "backups")
    with connection.connect(copy, read_only=True) as con:
        assert delivery.recipients(con) == [delivery.Recipient("ana@example.org", None, (OURS,), ("pdf",))]
        assert con.execute("SELECT email, quarter, status FROM deliveries").fetchall() == [
            ("ana@example.org", "2026Q1", "sent")]


@pytest.mark.parametrize("argv, message", [
    (["add", "not-an-address"], "'not-an-address' is not an e-mail address: write it as name@example.org."),
    (["add", "ana@example.org", "--program", "Nope"],
     f"Unknown program 'Nope'; known programs: {OURS}, {OTHER}. Leave the programs empty for a report on all "
     "programs."),
    (["remove", "bob@example.org"], "bob@example.org is not a recipient; `python -m analytics recipients list` "
                                    "shows who is."),
])
def test_a_bad_recipient_is_refused_in_words_and_changes_nothing(database, capsys, argv, message):
    code, out, err = run(capsys, "recipients", *argv, "--db", str(database))
    assert (code, out, err) == (1, "", f"error: {message}\n")
    assert run(capsys, "recipients", "list", "--json", "--db", str(database))[1] == '{\n  "recipients": []\n}\n'


def test_a_format_the_report_cannot_build_is_a_usage_error(database, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["recipients", "add", "ana@example.org", "--format", "docx", "--db", str(database)])
    assert exit_.value.code == 2
    assert "invalid choice: 'docx'" in capsys.readouterr().err


def test_recipients_are_listed_with_their_last_delivery_and_audited(database, capsys):
    add(capsys, database, "ana@example.org", "--name", "Ana", "--program", OURS, "--format", "xlsx")
    add(capsys, database, "lead@example.org")
    with connection.connect(database) as con:
        con.execute("INSERT INTO deliveries VALUES ('ana@example.org', '2026Q1', ['xlsx'], 'sent', 1, NULL, "
                    "TIMESTAMP '2026-04-02 07:00', TIMESTAMP '2026-04-02 07:00')")
    code, out, _ = run(capsys, "recipients", "list", "--db", str(database))
    assert out.splitlines() == [f"ana@example.org (Ana): {OURS}; xlsx; 2026Q1 sent",
                                "lead@example.org: All programs; pdf; nothing sent yet"]
    listed = json.loads(run(capsys, "recipients", "list", "--json", "--db", str(database))[1])["recipients"]
    assert [(r["email"], r["display_name"], r["programs"], r["formats"], r["quarter"], r["status"])
            for r in listed] == [("ana@example.org", "Ana", OURS, "xlsx", "2026Q1", "sent"),
                                 ("lead@example.org", None, "All programs", "pdf", None, "nothing sent yet")]
    assert run(capsys, "recipients", "remove", "lead@example.org", "--db", str(database))[0] == 0
    assert audited(database, "recipient") == [f"ana@example.org added: {OURS}, xlsx",
                                              "lead@example.org added: All programs, pdf",
                                              "lead@example.org removed"]


@pytest.mark.parametrize("text, message", [
    ("", "has no [smtp] section"),
    ("[smtp]\nport = 25\n", "needs host and from"),
    ('[smtp]\nhost = "h"\nfrom = "f@x.org"\nport = "25"\n', "port in"),
    ('[smtp]\nhost = "h"\nfrom = "f@x.org"\nstarttls = "yes"\n', "starttls in"),
    ("[smtp\n", "is not valid TOML"),
])
def test_a_broken_smtp_section_is_explained(tmp_path, text, message):
    path = tmp_path / "secrets.toml"
    path.write_text(text)
    with pytest.raises(delivery.DeliveryError, match=message.replace("[", r"\[")):
        delivery.load_smtp(path)


def test_the_smtp_section_defaults_to_port_587_with_starttls(tmp_path):
    path = tmp_path / "secrets.toml"
    path.write_text('[smtp]\nhost = "smtp.example.org"\nfrom = "r@example.org"\nuser = "u"\npassword = "p"\n')
    assert delivery.load_smtp(path) == delivery.SmtpConfig("smtp.example.org", 587, True, "u", "p", "r@example.org")


@pytest.mark.parametrize("today, fiscal_start, expected", [
    (date(2026, 7, 2), 1, "2026Q2"),     # Apr–Jun 2026 ended on 30 Jun
    (date(2026, 6, 30), 1, "2026Q1"),    # Q2 is not over on its last day
    (date(2026, 1, 2), 1, "2025Q4"),
    (date(2026, 7, 2), 7, "FY2026Q4"),   # FY2026 runs Jul 2025 – Jun 2026
    (date(2026, 10, 1), 7, "FY2027Q1"),  # Jul–Sep 2026
    (date(2026, 5, 15), 4, "FY2026Q4"),  # FY2026 runs Apr 2025 – Mar 2026
])
def test_the_last_complete_quarter(today, fiscal_start, expected):
    assert last_complete_quarter(today, fiscal_start).label == expected
