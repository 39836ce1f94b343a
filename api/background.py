"""Periodic work of the serving process: closing forgotten check-outs, daily checkpoints."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from projections import audit_queries, queries, time_queries
from projections.interbank import InterbankProjection
from projections.runner import ProjectionRunner
from timebank.application import TimebankApp
from timebank.domain.errors import DomainError
from timebank.domain.values import shanghai_date, utc_now
from timebank.infrastructure.periodic import PeriodicWorker
from timebank.interbank import CityTransfers, PendingFinder
from timebank.partitions import Partition, Partitions

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


def periodic_work(app: TimebankApp, runner: ProjectionRunner,
                  interval: float = 60) -> PeriodicWorker:
    def job() -> None:
        close_overdue_check_ins(app, runner)
        record_daily_checkpoint(app, runner)

    return PeriodicWorker("auto-close-and-checkpoint", job, interval)


def pending_interbank_transfers(partitions: Partitions, limit: int = 1000) -> PendingFinder:
    """Where the inter-bank driver finds its work: each partition's `interbank_transfers`
    read model, brought up to date first by a runner of that projection alone; at most
    `limit` transfers of each partition per pass, oldest first."""
    runners = {p.key: ProjectionRunner(p.app, p.engine, [InterbankProjection()])
               for p in partitions.all()}

    def pending(partition: Partition) -> list[str]:
        runners[partition.key].catch_up()
        return time_queries.pending_transfer_ids(partition.engine, limit)

    return pending


def interbank_driver(partitions: Partitions, interval: float = 1.0) -> PeriodicWorker:
    """The serving process drives pending inter-bank transfers (as `timebank interbank run`
    does in a process of its own); any number of drivers may run at once."""
    city = CityTransfers(partitions)
    pending = pending_interbank_transfers(partitions)
    return PeriodicWorker("interbank-driver", lambda: city.drive(pending), interval)
