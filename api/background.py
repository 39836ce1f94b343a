"""Periodic work of the serving process: closing forgotten check-outs, daily checkpoints."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from projections import audit_queries, queries
from projections.runner import ProjectionRunner
from timebank.application import TimebankApp
from timebank.domain.errors import DomainError
from timebank.domain.values import shanghai_date, utc_now

log = logging.getLogger(__name__)


def close_overdue_check_ins(
    app: TimebankApp, runner: ProjectionRunner, now: datetime | None = None
) -> int:
    """Find candidates in the read model; each closure is decided by its aggregates."""
    now = now or utc_now()
    runner.catch_up()
    grace = timedelta(minutes=app.settings.scan_grace_minutes)
    closed = 0
    for record_id in queries.overdue_check_ins(runner.engine, now - grace):
        try:
            if app.auto_close_attendance(record_id, now) is not None:
                closed += 1
        except DomainError:
            log.warning("could not auto-close service record %s", record_id)
    if closed:
        runner.catch_up()
    return closed


def record_daily_checkpoint(app: TimebankApp, runner: ProjectionRunner) -> bool:
    """Sign and record today's chain head (Shanghai day) unless it is already recorded."""
    runner.catch_up()
    head = audit_queries.chain_head(runner.engine)
    if head is None:
        return False
    day = shanghai_date(utc_now())
    created = app.record_checkpoint(day, *head) is not None
    if created:
        runner.catch_up()
    return created


class PeriodicCloser:
    def __init__(self, app: TimebankApp, runner: ProjectionRunner, interval: float = 60) -> None:
        self.app, self.runner, self.interval = app, runner, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="auto-close", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                close_overdue_check_ins(self.app, self.runner)
                record_daily_checkpoint(self.app, self.runner)
            except Exception:  # keep going; the next round tries again
                log.exception("periodic work failed")
