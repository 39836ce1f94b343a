"""Follows the notification log and feeds the projections, exactly once.

For each projection, one transaction applies a batch of events and moves the
projection's recorded position. The transaction opens by writing that position row,
which makes concurrent runners (threads, API workers, a worker process) take turns:
a batch is applied once, or rolled back with its position.

A runner reads each page of the log once, decodes each event at most once, and offers
the page to every projection it follows; each projection takes, under its own lock,
only the events after its own recorded position, so projections at different positions
(one rebuilt, one failing) still move independently. Far behind, pages are large; a
read's inline catch-up is bounded (a few small pages, a short lock wait) and leaves the
rest to the background follower or a `timebank projections run` worker.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from projections.activities import ActivitiesProjection
from projections.audit import AuditProjection
from projections.base import Projection
from projections.certificates import CertificatesProjection
from projections.funds import FundsProjection
from projections.interbank import InterbankProjection
from projections.kiosks import KiosksProjection
from projections.offices import OfficesProjection
from projections.passbooks import PassbooksProjection
from projections.records import RecordsProjection
from projections.replay_decoding import ReplayMapper
from projections.rollups import RollupsProjection
from projections.service_records import ServiceRecordsProjection
from projections.service_requests import ServiceRequestsProjection
from projections.staff_accounts import StaffAccountsProjection
from projections.stars import StarsProjection
from projections.tables import projection_positions
from projections.time_accounts import TimeAccountsProjection
from projections.vouchers import VouchersProjection
from timebank.infrastructure.periodic import PeriodicWorker

log = logging.getLogger(__name__)

# Notifications per page when following live, and the unit of a read's inline catch-up.
BATCH_SIZE = 500
# Per page when far behind (a rebuild, a worker starting late): fewer transactions.
CATCH_UP_BATCH_SIZE = 5000
# A read applies at most this many pages itself, and waits at most this long for a
# projection's lock; the rest is the follower's.
INLINE_BATCHES = 2
INLINE_LOCK_WAIT_MS = 250
# A read also waits this long for this process's follower (or another request) to finish the
# page it is applying: that page holds the reader's own write, so giving up after the short
# budget above showed a page without what its person had just saved, until a reload.
INLINE_THREAD_WAIT_MS = 2_000


def all_projections() -> list[Projection]:
    return [
        OfficesProjection(),
        PassbooksProjection(),
        ServiceRecordsProjection(),
        RollupsProjection(),
        KiosksProjection(),
        ActivitiesProjection(),
        FundsProjection(),
        RecordsProjection(),
        StarsProjection(),
        CertificatesProjection(),
        VouchersProjection(),
        TimeAccountsProjection(),
        InterbankProjection(),
        ServiceRequestsProjection(),
        StaffAccountsProjection(),
        AuditProjection(),
    ]


class _BatchFailed(Exception):
    """One projection's batch failed inside a transaction shared with others."""

    def __init__(self, name: str, error: Exception) -> None:
        super().__init__(name)
        self.name, self.error = name, error


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


class ChainContradicted(RuntimeError):
    """The log disagrees with a signed checkpoint: the audit chain is not rebuilt over it."""

    def __init__(self, problem: dict[str, Any]) -> None:
        super().__init__(
            f"the log disagrees with the checkpoint of {problem.get('checkpoint_day')} at "
            f"position {problem['first_bad_position']} ({problem['reason']}); the audit "
            "chain was not rebuilt")
        self.problem = problem


class ProjectionRunner:
    def __init__(
        self,
        app: Any,
        engine: Engine,
        projections: Iterable[Projection] | None = None,
        batch_size: int = CATCH_UP_BATCH_SIZE,
        parallel: int = 1,
        only_wanted: bool = False,
    ) -> None:
        self.app = app
        self.engine = engine
        self.projections = list(projections) if projections is not None else all_projections()
        self.batch_size = batch_size
        # Projections applied at once to a page (threads); 1: one after another.
        self.parallel = parallel
        # Read only the events these projections handle (a rebuild's replay): a page then
        # ends at the last such event, so positions stop short of the head when the log
        # ends with others — a final catch-up without it brings them there.
        self.only_wanted = only_wanted
        self._lock = threading.Lock()
        self._positions_ready = False
        self._decoder: Any = None

    @property
    def decoder(self) -> Any:
        """The application's mapper with the faster JSON parser of a rebuild's replay (the
        same events; projections/replay_decoding.py): parsing was a quarter of following
        the log live."""
        if self._decoder is None:
            mapper = self.app.mapper
            self._decoder = mapper if isinstance(mapper, ReplayMapper) else ReplayMapper(mapper)
        return self._decoder

    def split(self, groups: int) -> list[ProjectionRunner]:
        """Runners over disjoint groups of these projections, to follow in parallel."""
        count = max(1, min(groups, len(self.projections)))
        return [ProjectionRunner(self.app, self.engine, self.projections[i::count],
                                 self.batch_size) for i in range(count)]

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
        return int(
            conn.execute(
                update(projection_positions)
                .where(projection_positions.c.name == name)
                .values(position=projection_positions.c.position)
                .returning(projection_positions.c.position)
            ).scalar_one()
        )

    def _bound_lock_wait(self, conn: Connection, wait_ms: int) -> Callable[[], None]:
        """Wait at most `wait_ms` for a lock in this transaction; returns how to undo it."""
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{int(wait_ms)}ms'")
            return lambda: None  # ends with the transaction
        # SQLite: the busy timeout is the connection's, shared through the pool: restore it.
        previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar_one()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(wait_ms)}")
        return lambda: conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous)}")

    def head(self) -> int:
        return self.app.recorder.max_notification_id() or 0

    def _positions(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {name: int(pos) for name, pos in conn.execute(select(projection_positions))}

    def status(self) -> list[ProjectionStatus]:
        self._ensure_position_rows()
        head = self.head()
        rows = self._positions()
        return [
            ProjectionStatus(p.name, int(rows.get(p.name, 0)), head) for p in self.projections
        ]

    # -- following the log -------------------------------------------------------------------
    def _apply_page(
        self,
        projection: Projection,
        start: int,
        page: Sequence[Any],
        decoded: dict[int, Any],
        lock_wait_ms: int | None,
    ) -> tuple[int, int]:
        """Apply to one projection, in one transaction, the page's events after its
        position (read under its lock); returns (its position now, notifications consumed)."""
        try:
            outcome = self._apply_page_in_transaction(projection, start, page, decoded,
                                                      lock_wait_ms)
        except BaseException:
            projection.batch_failed()
            raise
        projection.batch_committed()
        return outcome

    def _apply_page_in_transaction(
        self,
        projection: Projection,
        start: int,
        page: Sequence[Any],
        decoded: dict[int, Any],
        lock_wait_ms: int | None,
    ) -> tuple[int, int]:
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # The batch's commit need not wait for its WAL flush: a database crash can
                # lose only whole recent batches, rows and position together, and the
                # projection then applies them again from its recorded position.
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            if lock_wait_ms is None:
                position = self._lock_position(conn, projection.name)
            else:
                restore = self._bound_lock_wait(conn, lock_wait_ms)
                try:
                    position = self._lock_position(conn, projection.name)
                finally:
                    restore()
            if position < start:
                # Moved back since we looked (a rebuild elsewhere): this page has a hole
                # before it for this projection, so it reads its own.
                notifications = self.app.recorder.select_notifications(
                    start=position, limit=max(len(page), BATCH_SIZE), inclusive_of_start=False
                )
            else:
                notifications = [n for n in page if n.id > position]
            if not notifications:
                return position, 0
            items = self._items(projection, notifications, decoded)
            if items:
                projection.apply_batch(conn, items)
            conn.execute(
                update(projection_positions)
                .where(projection_positions.c.name == projection.name)
                .values(position=notifications[-1].id)
            )
            return notifications[-1].id, len(notifications)

    def _items(self, projection: Projection, notifications: Sequence[Any],
               decoded: dict[int, Any]) -> list[tuple[Any, Any]]:
        """(event, notification) of the notifications this projection handles."""
        topics = projection.topics()
        items = []
        for notification in notifications:
            if topics is None or notification.topic in topics:
                event = decoded.get(notification.id)
                if event is None:  # decoded once, shared by every projection
                    event = self.decoder.to_domain_event(notification)
                    decoded[notification.id] = event
                items.append((event, notification))
        return items

    def _together(self) -> bool:
        """Whether a page goes to every projection in one transaction: when following the
        log on PostgreSQL. A rebuild's replay (`only_wanted`: pages of thousands of events,
        where a transaction's cost is small beside them) and projections applied in
        parallel threads keep a transaction per projection."""
        return (self.engine.dialect.name == "postgresql" and self.parallel <= 1
                and not self.only_wanted)

    def _apply_together(self, targets: list[Projection], start: int, page: Sequence[Any],
                        decoded: dict[int, Any]) -> dict[str, tuple[int, int] | Exception]:
        """PostgreSQL: apply the page to these projections in one transaction; returns the
        outcome of each one it settled (the others go the ordinary way, `_apply_page`).

        The same outcome as a transaction per projection, for the cost of one: the position
        rows whose locks are free are locked at once (`SKIP LOCKED`), each projection's
        batch is applied, and the positions are written with one statement before the one
        commit. A projection held by another runner, or moved back before the page since
        the look (a rebuild elsewhere), is not taken: `_apply_page` waits its turn or
        reads its own page. When one projection's batch fails, the whole transaction is
        rolled back: that projection's outcome is its error (it stays behind, as it would
        alone), and the others, none of them stored, go the ordinary way, each in its own
        transaction."""
        end = page[-1].id
        outcomes: dict[str, tuple[int, int] | Exception] = {}
        try:
            with self.engine.begin() as conn:
                # As each batch's commit: a crash loses whole batches with their positions.
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
                positions = self._lock_free_positions(conn, sorted(p.name for p in targets))
                moved = []
                for projection in targets:
                    position = positions.get(projection.name)
                    if position is None or position < start:
                        continue  # held elsewhere, or moved back: the ordinary way
                    if position >= end:
                        outcomes[projection.name] = (position, 0)
                        continue
                    notifications = [n for n in page if n.id > position]
                    items = self._items(projection, notifications, decoded)
                    if items:
                        try:
                            projection.apply_batch(conn, items)
                        except Exception as exc:
                            raise _BatchFailed(projection.name, exc) from exc
                    moved.append(projection.name)
                    outcomes[projection.name] = (end, len(notifications))
                if moved:
                    conn.execute(update(projection_positions)
                                 .where(projection_positions.c.name.in_(moved))
                                 .values(position=end))
        except _BatchFailed as failed:  # rolled back whole: only the failing one is settled
            return {failed.name: failed.error}
        except OperationalError:  # nothing stored: each goes the ordinary way
            return {}
        return outcomes

    def catch_up(self, max_batches: int | None = None, lock_wait_ms: int | None = None,
                 stop: threading.Event | None = None, thread_wait_ms: int | None = None) -> int:
        """Bring every projection up to the head of the log; returns notifications consumed.

        `max_batches` stops after that many pages (of BATCH_SIZE); `lock_wait_ms` gives up
        on a projection whose lock another runner holds for longer than that. Either way
        what is left stays for the next call: nothing is skipped or applied twice."""
        self._ensure_position_rows()
        # A lock-free look first: when every projection is at the head, a reader pays two
        # cheap queries and takes no write lock.
        head = self.head()
        positions = self._positions()
        active = [p for p in self.projections if positions.get(p.name, 0) < head]
        if not active:
            return 0
        known = {p.name: positions.get(p.name, 0) for p in active}
        page_size = self.batch_size if max_batches is None else BATCH_SIZE
        # `lock_wait_ms` is the whole call's budget for waiting on locks, not each lock's.
        deadline = None if lock_wait_ms is None else time.monotonic() + lock_wait_ms / 1000

        def wait_left_ms() -> int | None:
            return None if deadline is None else int((deadline - time.monotonic()) * 1000)

        # Waiting for this process's own lock may take longer (`thread_wait_ms`).
        thread_deadline = (None if thread_wait_ms is None or deadline is None
                           else time.monotonic() + thread_wait_ms / 1000)

        def thread_wait_left_ms() -> int | None:
            left = wait_left_ms()
            if thread_deadline is None or left is None:
                return left
            return max(left, int((thread_deadline - time.monotonic()) * 1000))

        applied = pages = 0
        failures: list[str] = []
        while active and (max_batches is None or pages < max_batches):
            if stop is not None and stop.is_set():
                break  # asked to stop (a worker's shutdown): between pages, nothing half done
            left = thread_wait_left_ms()
            if left is None:
                self._lock.acquire()
            elif left <= 0 or not self._lock.acquire(timeout=left / 1000):
                break  # another thread of this process is applying: it carries on
            try:
                start = min(known[p.name] for p in active)
                page = self.app.recorder.select_notifications(
                    start=start, limit=page_size, inclusive_of_start=False,
                    topics=self._wanted_topics(active),
                )
                if not page:
                    break
                decoded: dict[int, Any] = {}
                targets = [p for p in active if known[p.name] < page[-1].id]
                if self._together():
                    settled = self._apply_together(targets, start, page, decoded)
                else:
                    settled = self._settle_idle(targets, start, page, wait_left_ms())
                rest = [p for p in targets if p.name not in settled]
                outcomes = chain(((p, settled[p.name]) for p in targets if p.name in settled),
                                 self._offer(rest, start, page, decoded, wait_left_ms))
                for projection, outcome in outcomes:
                    if isinstance(outcome, OperationalError):
                        # Another runner holds the batch (a lock wait, SQLite's busy
                        # snapshot): it applies the batch; ours rolled back whole.
                        log.info("projection %s batch deferred: %s", projection.name, outcome)
                        active.remove(projection)
                        if self.engine.dialect.name == "sqlite":
                            active.clear()  # one lock for the whole file: the rest would wait too
                            break
                    elif isinstance(outcome, Exception):
                        # One projection's poison must not stall the others; it stays
                        # behind, visible in `timebank projections status`, and is retried
                        # next time.
                        log.error("projection %s failed; others carry on", projection.name,
                                  exc_info=outcome)
                        failures.append(projection.name)
                        active.remove(projection)
                    else:
                        known[projection.name], count = outcome
                        applied += count
            finally:
                self._lock.release()
            pages += 1
            if len(page) < page_size:
                active = [p for p in active if known[p.name] < page[-1].id]
        if failures:
            raise ProjectionFailed(failures)
        return applied

    def _lock_free_positions(self, conn: Connection, names: list[str]) -> dict[str, int]:
        """The positions of those of these projections whose locks are free, now locked.

        PostgreSQL: rows another runner holds are skipped, not waited for (that runner
        moves them, or `_apply_page` waits for them as it always did): one held projection
        does not hold back the others, and two runners cannot wait on each other. SQLite:
        a write takes the database's lock, as in `_lock_position`."""
        table = projection_positions
        if conn.dialect.name == "postgresql":
            rows = conn.execute(select(table.c.name, table.c.position)
                                .where(table.c.name.in_(names))
                                .with_for_update(skip_locked=True))
        else:
            rows = conn.execute(update(table).where(table.c.name.in_(names))
                                .values(position=table.c.position)
                                .returning(table.c.name, table.c.position))
        return {name: int(position) for name, position in rows}

    def _settle_idle(self, targets: list[Projection], start: int, page: Sequence[Any],
                     lock_wait_ms: int | None) -> dict[str, tuple[int, int] | Exception]:
        """The outcomes of moving the idle targets past the page together (those settled;
        each the lock error when their transaction gave way to another runner)."""
        idle = _idle(targets, page)
        if not idle:
            return {}
        try:
            return dict(self._advance_idle(idle, start, page, lock_wait_ms))
        except OperationalError as exc:  # another runner holds one: it moves them
            return {p.name: exc for p in idle}

    def _advance_idle(self, idle: list[Projection], start: int, page: Sequence[Any],
                      lock_wait_ms: int | None) -> dict[str, tuple[int, int]]:
        """Move past the page, in one transaction, the projections that handle none of its
        events; returns (position now, notifications consumed) of each one it settled.

        Applying the page to such a projection writes nothing but its new position, so
        this is the same outcome without a transaction per projection. A projection is
        moved only from a position inside the page (read under its lock); one moved back
        before the page (a rebuild meanwhile) or held by another runner is left to
        `_apply_page`, which reads what it misses or waits its turn; one already past the
        page keeps its position."""
        end = page[-1].id
        names = sorted(p.name for p in idle)
        with self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # As a batch's commit: a database crash can only lose the move, and the page
                # is then offered again (it holds nothing for these projections).
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            if lock_wait_ms is None:
                positions = self._lock_free_positions(conn, names)
            else:
                restore = self._bound_lock_wait(conn, max(lock_wait_ms, 1))
                try:
                    positions = self._lock_free_positions(conn, names)
                finally:
                    restore()
            movable = sorted(name for name, at in positions.items() if start <= at < end)
            if movable:
                conn.execute(update(projection_positions)
                             .where(projection_positions.c.name.in_(movable))
                             .values(position=end))
        settled = {}
        for name, position in positions.items():
            if start <= position < end:
                settled[name] = (end, sum(1 for n in page if n.id > position))
            elif position >= end:
                settled[name] = (position, 0)
        return settled

    def _wanted_topics(self, active: list[Projection]) -> list[str]:
        """The topics to read (none: every event)."""
        if not self.only_wanted:
            return []
        topics = [p.topics() for p in active]
        if any(t is None for t in topics):
            return []
        return sorted(frozenset().union(*topics))  # type: ignore[arg-type]

    def _offer(
        self,
        targets: list[Projection],
        start: int,
        page: Sequence[Any],
        decoded: dict[int, Any],
        wait_left_ms: Callable[[], int | None],
    ) -> Iterator[tuple[Projection, tuple[int, int] | Exception]]:
        """Each target's outcome for the page: (position, consumed) or the error it met.

        In parallel (PostgreSQL, `parallel` > 1) the projections' transactions run in
        threads: each still has its own lock, position and rows; what overlaps is the
        database's work for one with Python's for another. The page is decoded first,
        once, so the threads share it."""
        def attempt(projection: Projection) -> tuple[int, int] | Exception:
            left = wait_left_ms()
            if left is not None:
                # Budget spent: still try each free lock (1 ms; 0 would mean "for ever"),
                # so one held projection does not hold back the others.
                left = max(left, 1)
            try:
                return self._apply_page(projection, start, page, decoded, left)
            except Exception as exc:
                return exc

        if self.parallel > 1 and len(targets) > 1 and self.engine.dialect.name != "sqlite":
            wanted = [n for n in page if any(p.wants(n.topic) for p in targets)]
            for notification in wanted:
                decoded[notification.id] = self.decoder.to_domain_event(notification)
            with ThreadPoolExecutor(min(self.parallel, len(targets))) as pool:
                yield from zip(targets, pool.map(attempt, targets), strict=True)
            return
        for projection in targets:
            yield projection, attempt(projection)

    def catch_up_inline(self) -> int:
        """A read's catch-up: its own recent writes, but never a long wait or a long replay."""
        return self.catch_up(max_batches=INLINE_BATCHES, lock_wait_ms=INLINE_LOCK_WAIT_MS,
                             thread_wait_ms=INLINE_THREAD_WAIT_MS)

    def _refuse_to_bless_a_contradicted_log(self) -> None:
        """Rebuilding the audit chain hashes whatever the log holds now: first check that
        the log agrees with every checkpoint the server signed, or refuse (nothing is
        dropped)."""
        from projections.audit_queries import log_disagreement

        problem = log_disagreement(self.app.recorder, self.app.mapper,
                                   tuple(getattr(self.app, "trusted_checkpoint_keys", ())))
        if problem is not None:
            raise ChainContradicted(problem)

    def rebuild(self, names: Iterable[str] | None = None, processes: int = 1) -> None:
        """Replay the whole log into shadow tables of these projections and swap them in
        (projections/rebuild.py): the live tables keep serving until the swap. With
        `processes` > 1 the replay runs in that many processes, groups of projections each."""
        from projections.rebuild import rebuild

        chosen = (
            set(names) if names else {p.name for p in self.projections if p.rebuild_by_default}
        )
        unknown = chosen - {p.name for p in self.projections}
        if unknown:
            raise ValueError(f"unknown projections: {', '.join(sorted(unknown))}")
        if "audit" in chosen:
            self._refuse_to_bless_a_contradicted_log()
        self._ensure_position_rows()
        rebuild(self, [p for p in self.projections if p.name in chosen], processes)
        self.catch_up()


def _idle(targets: list[Projection], page: Sequence[Any]) -> list[Projection]:
    """The targets that handle none of the page's events (decided by topic alone)."""
    topics_here = {notification.topic for notification in page}
    idle = []
    for projection in targets:
        topics = projection.topics()
        if topics is not None and topics.isdisjoint(topics_here):
            idle.append(projection)
    return idle


def background_follower(runner: ProjectionRunner, interval: float = 0.5) -> PeriodicWorker:
    """Keeps projections following the log inside the serving process."""
    return PeriodicWorker("projections", runner.catch_up, interval)
