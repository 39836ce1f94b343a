"""Follows the notification log and feeds the projections, exactly once.

For each projection, one transaction applies a batch of events and moves the
projection's recorded position. The transaction opens by writing that position row,
which makes concurrent runners (threads, API workers, a worker process) take turns:
a batch is applied once, or rolled back with its position.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from projections.activities import ActivitiesProjection
from projections.audit import AuditProjection
from projections.base import Projection
from projections.funds import FundsProjection
from projections.kiosks import KiosksProjection
from projections.offices import OfficesProjection
from projections.passbooks import PassbooksProjection
from projections.rollups import RollupsProjection
from projections.service_records import ServiceRecordsProjection
from projections.tables import projection_positions
from timebank.infrastructure.periodic import PeriodicWorker

log = logging.getLogger(__name__)

BATCH_SIZE = 500


def all_projections() -> list[Projection]:
    return [
        OfficesProjection(),
        PassbooksProjection(),
        ServiceRecordsProjection(),
        RollupsProjection(),
        KiosksProjection(),
        ActivitiesProjection(),
        FundsProjection(),
        AuditProjection(),
    ]


class ProjectionFailed(RuntimeError):
    def __init__(self, names: list[str]) -> None:
        super().__init__(f"projections failed: {', '.join(names)}")
        self.names = names


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head: int

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


class ProjectionRunner:
    def __init__(
        self, app: Any, engine: Engine, projections: Iterable[Projection] | None = None
    ) -> None:
        self.app = app
        self.engine = engine
        self.projections = list(projections) if projections is not None else all_projections()
        self._lock = threading.Lock()
        self._positions_ready = False

    # -- positions ---------------------------------------------------------------------------
    def _ensure_position_rows(self) -> None:
        if self._positions_ready:
            return
        with self.engine.begin() as conn:
            known = set(conn.execute(select(projection_positions.c.name)).scalars())
            for projection in self.projections:
                if projection.name not in known:
                    try:
                        with conn.begin_nested():
                            conn.execute(
                                insert(projection_positions).values(
                                    name=projection.name, position=0
                                )
                            )
                    except IntegrityError:
                        pass  # another runner made it first
        self._positions_ready = True

    def _lock_position(self, conn: Connection, name: str) -> int:
        # The no-op update takes the row's write lock (PostgreSQL) or the database's (SQLite).
        conn.execute(
            update(projection_positions)
            .where(projection_positions.c.name == name)
            .values(position=projection_positions.c.position)
        )
        return int(
            conn.execute(
                select(projection_positions.c.position).where(
                    projection_positions.c.name == name
                )
            ).scalar_one()
        )

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def status(self) -> list[ProjectionStatus]:
        self._ensure_position_rows()
        head = self.head()
        with self.engine.connect() as conn:
            rows = {name: pos for name, pos in conn.execute(select(projection_positions))}
        return [
            ProjectionStatus(p.name, int(rows.get(p.name, 0)), head) for p in self.projections
        ]

    # -- following the log -------------------------------------------------------------------
    def _apply_batch(self, projection: Projection) -> int:
        """Apply up to one batch; returns how many notifications were consumed."""
        with self.engine.begin() as conn:
            position = self._lock_position(conn, projection.name)
            notifications = self.app.recorder.select_notifications(
                start=position, limit=BATCH_SIZE, inclusive_of_start=False
            )
            if not notifications:
                return 0
            projection.begin_batch(conn)
            for notification in notifications:
                if projection.wants(notification.topic):
                    event = self.app.mapper.to_domain_event(notification)
                    projection.apply(conn, event, notification)
            projection.end_batch(conn)
            conn.execute(
                update(projection_positions)
                .where(projection_positions.c.name == projection.name)
                .values(position=notifications[-1].id)
            )
            return len(notifications)

    def catch_up(self) -> int:
        """Bring every projection up to the head of the log; returns events applied."""
        self._ensure_position_rows()
        # A lock-free look first: when every projection is at the head, a reader pays two
        # cheap queries and takes no write lock.
        head = self.head()
        with self.engine.connect() as conn:
            positions = {name: pos for name, pos in conn.execute(select(projection_positions))}
        behind = [p for p in self.projections if positions.get(p.name, 0) < head]
        if not behind:
            return 0
        applied = 0
        failures: list[str] = []
        with self._lock:
            for projection in behind:
                try:
                    applied += self._follow(projection)
                except Exception:
                    # One projection's poison must not stall the others; it stays behind,
                    # visible in `timebank projections status`, and is retried next time.
                    log.exception("projection %s failed; others carry on", projection.name)
                    failures.append(projection.name)
        if failures:
            raise ProjectionFailed(failures)
        return applied

    def _follow(self, projection: Projection) -> int:
        applied = 0
        while True:
            try:
                count = self._apply_batch(projection)
            except OperationalError as exc:
                # Another runner holds the batch (a lock wait, SQLite's busy snapshot):
                # it applies the batch; ours rolled back whole.
                log.info("projection %s batch deferred: %s", projection.name, exc)
                return applied
            applied += count
            if count < BATCH_SIZE:
                return applied

    def rebuild(self, names: Iterable[str] | None = None) -> None:
        """Drop the projections' rows and replay the whole log into them."""
        chosen = (
            set(names) if names else {p.name for p in self.projections if p.rebuild_by_default}
        )
        unknown = chosen - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"unknown projections: {', '.join(sorted(unknown))}")
        self._ensure_position_rows()
        with self._lock:
            for projection in self.projections:
                if projection.name not in chosen:
                    continue
                with self.engine.begin() as conn:
                    self._lock_position(conn, projection.name)
                    for table in reversed(projection.tables):
                        conn.execute(delete(table))
                    conn.execute(
                        update(projection_positions)
                        .where(projection_positions.c.name == projection.name)
                        .values(position=0)
                    )
        self.catch_up()


def background_follower(runner: ProjectionRunner, interval: float = 0.5) -> PeriodicWorker:
    """Keeps projections following the log inside the serving process."""
    return PeriodicWorker("projections", runner.catch_up, interval)
