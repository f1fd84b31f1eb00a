"""Scheduled delivery by the running dashboard: when a quarter's report is due, one check against a local SMTP
server (aiosmtpd) sending each recipient the report once, a failed send tried again later and audited, one thread
however often it is started, and the `deliver` command's word when the dashboard holds the database.

The clock and the interval are the scheduler's arguments: no test waits for a check."""
from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta

import pytest
from aiosmtpd.controller import Controller

from analytics.measures.filters import Period
from analytics.ops import delivery, schedule
from analytics.store import connection, errors, settings
from tests.builders import run_cli as run
from tests.test_delivery import OURS, Inbox, add, database, port, secrets, smtp  # noqa: F401 (fixtures)

QUARTER = "2026Q2"  # the quarter of the test data (tests/test_delivery.py)
DUE = datetime(2026, 7, 2, 7)  # 2026Q2's report at the schedule below: 2 days after 30 June, from 07:00


@pytest.mark.parametrize("now, day, hour, fiscal_start, expected", [
    (datetime(2026, 7, 2, 7), 2, 7, 1, "2026Q2"),          # the day and the hour
    (datetime(2026, 7, 2, 6, 59), 2, 7, 1, None),          # a minute early
    (datetime(2026, 7, 1, 23), 2, 7, 1, None),             # the day before
    (datetime(2026, 9, 30, 23), 2, 7, 1, "2026Q2"),        # still due (a recipient added late gets it)
    (datetime(2026, 4, 2, 7), 2, 7, 1, "2026Q1"),
    (datetime(2026, 7, 1, 0), 1, 0, 1, "2026Q2"),          # the first day after the quarter, at midnight
    (datetime(2026, 8, 28, 12), 60, 7, 1, None),           # 60 days after 30 June is 29 August
    (datetime(2026, 8, 29, 7), 60, 7, 1, "2026Q2"),
    (datetime(2026, 7, 7, 7), 7, 7, 7, "FY2026Q4"),        # FY2026 runs Jul 2025 - Jun 2026; 7 days: 7 July
    (datetime(2026, 7, 7, 6), 7, 7, 7, None),
    (datetime(2026, 7, 3, 8), 2, 8, 4, "FY2027Q1"),        # FY2027 runs Apr 2026 - Mar 2027
    (datetime(2026, 7, 2, 7), 0, 7, 1, None),              # day 0: the schedule is off
])
def test_the_quarter_due(now, day, hour, fiscal_start, expected):
    period = schedule.due_quarter(now, day, hour, fiscal_start)
    assert (period.label if period else None) == expected


@pytest.mark.parametrize("now, day, hour, fiscal_start, expected", [
    (datetime(2026, 7, 2, 6), 2, 7, 1, ("2026Q2", datetime(2026, 7, 2, 7))),
    (datetime(2026, 7, 2, 7), 2, 7, 1, ("2026Q3", datetime(2026, 10, 2, 7))),  # due now: the next one is next
    (datetime(2026, 12, 31, 23), 1, 0, 1, ("2026Q4", datetime(2027, 1, 1, 0))),
    (datetime(2026, 7, 20), 14, 9, 7, ("FY2027Q1", datetime(2026, 10, 14, 9))),
    (datetime(2026, 7, 2, 6), 0, 7, 1, None),
])
def test_the_next_delivery(now, day, hour, fiscal_start, expected):
    upcoming = schedule.next_due(now, day, hour, fiscal_start)
    assert (upcoming and (upcoming[0].label, upcoming[1])) == expected


class Clock:
    """The scheduler's clock, moved by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def shared(database):  # noqa: F811 (fixtures imported above)
    """The database open as the dashboard holds it: one connection, a cursor per check."""
    con = connection.connect(database)
    yield con
    con.close()


def scheduled(con, clock: Clock, day: int = 2, hour: int = 7) -> schedule.Scheduler:
    settings.set(con, "delivery_day", day)
    settings.set(con, "delivery_hour", hour)
    return schedule.Scheduler(con.cursor, clock=clock)


def sent(con) -> list[tuple]:
    return con.execute("SELECT email, quarter, status, attempts FROM deliveries ORDER BY email").fetchall()


def test_a_check_sends_each_recipient_once_and_the_next_sends_nothing(
        database, shared, smtp, secrets, capsys):  # noqa: F811 (fixtures imported above)
    add(capsys, database, "ana@example.org", "--program", OURS, "--format", "xlsx")
    add(capsys, database, "lead@example.org", "--format", "xlsx")
    clock = Clock(DUE)
    scheduler = scheduled(shared, clock)
    run = scheduler.tick()
    assert (run.quarter, [(o.email, o.status) for o in run.outcomes], run.failed) == (
        QUARTER, [("ana@example.org", "sent"), ("lead@example.org", "sent")], False)
    assert sorted(m["To"] for m in smtp.messages) == ["ana@example.org", "lead@example.org"]

    clock.now = DUE + timedelta(minutes=5)
    assert scheduler.tick() is None
    assert len(smtp.messages) == 2
    assert scheduler.last_run == run
    assert sent(shared) == [("ana@example.org", QUARTER, "sent", 1), ("lead@example.org", QUARTER, "sent", 1)]
    assert shared.execute("SELECT DISTINCT actor FROM audit_log WHERE action = 'delivery'").fetchall() == [
        (schedule.ACTOR,)]


def test_a_refused_send_is_audited_and_sent_at_a_check_an_hour_later(
        database, shared, port, secrets, capsys):  # noqa: F811 (fixtures imported above)
    add(capsys, database, "ana@example.org", "--format", "xlsx")
    clock = Clock(DUE)
    scheduler = scheduled(shared, clock)
    run = scheduler.tick()
    refused = f"SMTP server refused the connection at 127.0.0.1:{port} (Connection refused)"
    assert (run.failed, run.lines()) == (True, [f"ana@example.org: {refused}; {delivery.RETRY}"])
    assert [row[0] for row in shared.execute("SELECT detail FROM audit_log WHERE action = 'delivery'").fetchall()] == [
        f"{QUARTER} to ana@example.org: failed: {refused}"]

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        clock.now = DUE + timedelta(minutes=5)
        assert scheduler.tick() is None, "a failed send waits an hour"
        clock.now = DUE + schedule.RETRY_AFTER
        assert [(o.email, o.status) for o in scheduler.tick().outcomes] == [("ana@example.org", "sent")]
        clock.now += timedelta(minutes=5)
        assert scheduler.tick() is None
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    assert sent(shared) == [("ana@example.org", QUARTER, "sent", 2)]


@pytest.mark.parametrize("day, now", [
    (0, DUE + timedelta(days=30)),              # off
    (2, DUE - timedelta(seconds=1)),            # a second early
])
def test_nothing_is_sent_while_off_or_before_the_day(
        database, shared, smtp, secrets, capsys, day, now):  # noqa: F811 (fixtures imported above)
    add(capsys, database, "ana@example.org", "--format", "xlsx")
    assert scheduled(shared, Clock(now), day=day).tick() is None
    assert smtp.messages == []


def test_a_check_while_send_now_is_sending_leaves_it_to_send_now(
        database, shared, smtp, secrets, capsys, monkeypatch):  # noqa: F811 (fixtures imported above)
    add(capsys, database, "ana@example.org", "--format", "xlsx")
    scheduler = scheduled(shared, Clock(DUE))
    send = delivery.send
    during = []

    def sending(config, mail):  # Send now's send, during which the schedule checks
        during.append(scheduler.tick())
        send(config, mail)

    monkeypatch.setattr(delivery, "send", sending)
    outcomes = delivery.deliver(shared.cursor(), Period.parse(QUARTER), actor="admin")
    assert ([o.status for o in outcomes], during, len(smtp.messages)) == (["sent"], [None], 1)
    assert scheduler.tick() is None, "and then nobody lacks it"


def test_a_check_that_cannot_open_the_database_is_shown_and_the_next_one_runs():
    def busy():
        raise errors.DatabaseBusy("The database d is in use by another program.")

    scheduler = schedule.Scheduler(busy, clock=Clock(DUE))
    run = scheduler.tick()
    assert (run.failed, run.lines()) == (True, ["The scheduled check failed (The database d is in use by another "
                                                "program.); it is tried again later."])
    assert scheduler.last_run == run


def test_starting_twice_runs_one_thread_until_stopped(shared):
    checked = threading.Event()

    def cursor():
        checked.set()  # the thread's first check, at once
        return shared.cursor()

    scheduler = schedule.Scheduler(cursor, interval_s=3600)
    assert (scheduler.start(), scheduler.start()) == (True, False)
    assert checked.wait(30)
    assert [t.name for t in threading.enumerate()].count(schedule.THREAD_NAME) == 1
    scheduler.stop()
    assert not scheduler.running
    assert schedule.THREAD_NAME not in [t.name for t in threading.enumerate()]


def test_deliver_with_the_dashboard_holding_the_database_says_the_dashboard_delivers(
        database, capsys):  # noqa: F811 (fixtures imported above)
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(database)!r}); "
                               "print('open', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        code, out, err = run(capsys, "deliver", "--db", str(database))
    finally:
        holder.kill()
        holder.wait()
    assert (code, out) == (1, "")
    assert "is in use by another program" in err
    assert "it e-mails the reports itself on its schedule, which an admin turns on under Settings, Report " \
           "delivery" in err
