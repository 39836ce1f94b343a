"""Periodic work of the serving process: closing forgotten check-outs, daily checkpoints."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from projections import audit_queries, queries
from projections.runner import ProjectionRunner
from timebank.application import TimebankApp
from timebank.domain.errors import DomainError
from timebank.domain.values import shanghai_date, utc_now
from timebank.infrastructure.periodic import PeriodicWorker

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
    contradicted = audit_queries.table_disagrees_with_checkpoints(runner.engine, app.mapper,
                                                                   app.recorder)
    if contradicted is not None:
        # Never sign a head over a chain that contradicts an earlier signed checkpoint:
        # that would bless a rewritten history. `timebank audit verify` says where.
        log.error("audit chain disagrees with the checkpoint at position %s: not signing",
                  contradicted)
        return False
    day = shanghai_date(utc_now())
    created = app.record_checkpoint(day, *head) is not None
    if created:
        runner.catch_up()
    return created


def periodic_work(app: TimebankApp, runner: ProjectionRunner,
                  interval: float = 60) -> PeriodicWorker:
    def job() -> None:
        close_overdue_check_ins(app, runner)
        record_daily_checkpoint(app, runner)

    return PeriodicWorker("auto-close-and-checkpoint", job, interval)
