"""Scheduled delivery by the running dashboard.

DuckDB lets one process hold the database file, so while the dashboard runs, `deliver` started by cron cannot
open it. Instead a thread of the dashboard's own process checks every few minutes whether a report is due and,
when it is, sends it as `deliver` would, on a cursor of the dashboard's shared connection (DuckDB keeps each
cursor's reads consistent while it writes). Due: the schedule is on (the `delivery_day` setting, days after a
quarter ends, is not 0), that day's `delivery_hour` has come for the last complete quarter, and some recipient
does not have that quarter's report. The `deliveries` table makes a rerun send nobody twice, so a recipient
added later gets the report at the next check, and so does one whose send failed: after RETRY_AFTER, so that a
mail server that is down fills the audit log with one failure per recipient an hour, not one every few minutes.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Callable

import duckdb

from analytics.errors import MentorscopeError
from analytics.measures.filters import Period, last_complete_quarter
from analytics.ops import delivery
from analytics.store import settings

ACTOR = "schedule"  # who the audit log names for a scheduled send
CHECK_EVERY_S = 300.0
RETRY_AFTER = timedelta(hours=1)
THREAD_NAME = "mentorscope-delivery"
_log = logging.getLogger(__name__)


def due_at(period: Period, delivery_day: int, delivery_hour: int) -> datetime:
    """When `period`'s report is due: `delivery_day` days after its last day, at `delivery_hour`."""
    return datetime.combine(period.end + timedelta(days=delivery_day), time(delivery_hour))


def due_quarter(now: datetime, delivery_day: int, delivery_hour: int, fiscal_start: int) -> Period | None:
    """The last complete quarter once its report is due at `now`; None before then and while the schedule is
    off (day 0)."""
    if not delivery_day:
        return None
    period = last_complete_quarter(now.date(), fiscal_start)
    return period if now >= due_at(period, delivery_day, delivery_hour) else None


def next_due(now: datetime, delivery_day: int, delivery_hour: int,
             fiscal_start: int) -> tuple[Period, datetime] | None:
    """The next quarter whose report falls due after `now`, and when; None while the schedule is off."""
    if not delivery_day:
        return None
    last = last_complete_quarter(now.date(), fiscal_start)
    return next((period, when) for period in (last, last.shifted(1))
                if (when := due_at(period, delivery_day, delivery_hour)) > now)


@dataclass(frozen=True)
class Run:
    """One scheduled delivery: when, for which quarter, and each recipient's outcome, or why it stopped."""
    at: datetime
    quarter: str
    outcomes: tuple[delivery.Outcome, ...] = ()
    error: str | None = None  # the check itself failed (the database could not be used, a bug)

    @property
    def failed(self) -> bool:
        return self.error is not None or any(o.status == "failed" for o in self.outcomes)

    def lines(self) -> list[str]:
        return [self.error] if self.error else [o.line() for o in self.outcomes]


class Scheduler:
    """The checks, every `interval_s` seconds on a thread of their own once `start`ed. `cursor` gives a new
    cursor for each check (an erasure closes every cursor while it rewrites the file); `clock` the local time."""

    def __init__(self, cursor: Callable[[], duckdb.DuckDBPyConnection], *,
                 clock: Callable[[], datetime] = datetime.now, interval_s: float = CHECK_EVERY_S,
                 retry_after: timedelta = RETRY_AFTER):
        self._cursor, self._clock = cursor, clock
        self.interval_s, self.retry_after = interval_s, retry_after
        self.last_run: Run | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._starting = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> bool:
        """Start the thread unless it runs already (every page view asks); True when this call started it."""
        with self._starting:
            if self.running:
                return False
            self._stopping.clear()
            self._thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
            self._thread.start()
            return True

    def stop(self, wait: bool = True) -> None:
        """End the thread after the check under way, if any (waiting for that unless told not to)."""
        self._stopping.set()
        if wait and self._thread is not None:
            self._thread.join()

    def _loop(self) -> None:
        while not self._stopping.is_set():
            self.tick()
            self._stopping.wait(self.interval_s)

    def tick(self) -> Run | None:
        """One check: the delivery it ran, or None when none was due."""
        now = self._clock()
        if self.last_run and self.last_run.failed and now < self.last_run.at + self.retry_after:
            return None
        try:
            run = self._deliver_due(now)
        except delivery.DeliveryBusy:  # Send now is sending: this check's recipients are its recipients
            return None
        except Exception as exc:  # noqa: BLE001 - the thread must outlive any one check; the page shows why
            known = isinstance(exc, MentorscopeError)  # a busy or broken database: said in words, as to anyone
            _log.warning("Scheduled delivery failed: %s", exc, exc_info=not known)
            said = str(exc) if known else f"{type(exc).__name__}: {exc}"
            run = Run(now, "", error=f"The scheduled check failed ({said}); it is tried again later.")
        if run is not None:
            self.last_run = run
        return run

    def _deliver_due(self, now: datetime) -> Run | None:
        cursor = self._cursor()
        try:
            values = settings.all_settings(cursor)
            period = due_quarter(now, values["delivery_day"], values["delivery_hour"],
                                 values["fiscal_year_start_month"])
            if period is None or not delivery.waiting(cursor, period):
                return None
            return Run(now, period.label, tuple(delivery.deliver(cursor, period, actor=ACTOR)))
        finally:
            cursor.close()
