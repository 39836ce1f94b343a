"""Group commit: commands saving at the same moment share one transaction.

The event store serialises every insert behind a table lock (that keeps the notification
log free of gaps for its readers), so each save pays a whole round trip, the lock and a
WAL flush on its own, one after another. Here the first saver becomes the leader: it
takes every save queued while the previous transaction ran and inserts them all in one
transaction; the others wait for its answer. An uncontended save goes straight through
(no added wait), and under load one commit serves many commands.

Every guarantee of a single save holds: a command's events are stored all or none, and
each command gets its own answer. When a shared transaction fails (an optimistic
concurrency conflict in one of the commands, say), nothing of it was stored, and each
command of the group is inserted again on its own, so only the conflicting one sees the
conflict and retries as it always did.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import DataError, RecordConflictError, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder

from timebank.infrastructure.recorders import OneTripPostgresRecorder

Insert = Callable[[Sequence[StoredEvent]], Sequence[int] | None]

MAX_EVENTS_PER_COMMIT = 2000
# The last stored version of recently written aggregates, to refuse stale saves early.
WRITTEN_VERSIONS_KEPT = 100_000


class _Save:
    """One command's events waiting for a commit."""

    __slots__ = ("error", "events", "leads", "notification_ids", "settled", "wake")

    def __init__(self, events: Sequence[StoredEvent]) -> None:
        self.events = events
        self.wake = threading.Event()
        self.leads = False
        self.settled = False
        self.notification_ids: Sequence[int] | None = None
        self.error: BaseException | None = None

    def settle(self, ids: Sequence[int] | None, error: BaseException | None = None) -> None:
        self.notification_ids, self.error, self.settled = ids, error, True
        self.wake.set()

    def answer(self) -> Sequence[int] | None:
        if self.error is not None:
            raise self.error
        return self.notification_ids


class GroupCommit:
    """Leader/follower batching of `insert_events` calls from concurrent threads."""

    def __init__(self, insert: Insert, max_events: int = MAX_EVENTS_PER_COMMIT) -> None:
        self._insert = insert
        self._max_events = max_events
        self._lock = threading.Lock()
        self._queue: list[_Save] = []
        self._leader_active = False  # invariant: a non-empty queue has an active leader
        self._written: OrderedDict[Any, int] = OrderedDict()  # guarded by leadership
        self.commits = 0  # transactions run (for tests and metrics)
        self.saves = 0  # saves answered

    def insert_events(self, stored_events: Sequence[StoredEvent]) -> Sequence[int] | None:
        save = _Save(stored_events)
        with self._lock:
            self._queue.append(save)
            if not self._leader_active:
                self._leader_active = save.leads = True
        if not save.leads:
            save.wake.wait()
            if save.settled:
                return save.answer()
            # Woken without an answer: this save was handed the lead.
        self._lead()
        return save.answer()

    def _lead(self) -> None:
        group: list[_Save] = []
        try:
            with self._lock:
                group = self._take_group()
            self._commit(group)
        finally:
            for save in group:
                if not save.settled:  # only when the leader itself was interrupted
                    save.settle(None, RuntimeError("group commit interrupted"))
            with self._lock:
                if self._queue:
                    successor = self._queue[0]
                    successor.leads = True
                    successor.wake.set()
                else:
                    self._leader_active = False

    def _take_group(self) -> list[_Save]:
        # The leader's own save is first in the queue, so it is always in its group.
        count, events = 0, 0
        for save in self._queue:
            if count and events + len(save.events) > self._max_events:
                break
            count += 1
            events += len(save.events)
        group = self._queue[:count]
        del self._queue[:count]
        return group

    def _commit(self, group: list[_Save]) -> None:
        self.saves += len(group)
        self._commit_group(self._refuse_known_conflicts(group))

    def _commit_group(self, group: list[_Save]) -> None:
        if not group:
            return
        self.commits += 1
        combined = [event for save in group for event in save.events]
        try:
            ids = self._insert(combined)
        except (RecordConflictError, DataError) as error:
            # Nothing of the shared transaction was stored, and one (or more) of its
            # commands is at fault: halve the group until each fault stands alone.
            if len(group) == 1:
                group[0].settle(None, error)
                return
            middle = len(group) // 2
            self._commit_group(group[:middle])
            self._commit_group(group[middle:])
            return
        except Exception as error:
            # The database, not a command, failed (connection, lock timeout): every
            # command gets the error, and the application retries as it always does.
            for save in group:
                save.settle(None, error)
            return
        self._remember_written(combined)
        offset = 0
        for save in group:
            count = len(save.events)
            save.settle(None if ids is None else list(ids[offset : offset + count]))
            offset += count

    def _refuse_known_conflicts(self, group: list[_Save]) -> list[_Save]:
        """Refuse, without a round trip, the saves certain to conflict.

        A save is certain to conflict when it writes an aggregate version that this
        process has already stored, or that an earlier save of its group writes: its
        command decided on state that is no longer current. The database would refuse it
        too, after failing the shared transaction of the others. It gets the conflict
        the database would give, and its command reloads and decides again. Conflicts
        with other processes' writes are still found by the database."""
        claimed: set[tuple[Any, int]] = set()
        admitted = []
        for save in group:
            keys = {(event.originator_id, event.originator_version) for event in save.events}
            stale = any(
                version <= self._written.get(originator_id, -1)
                for originator_id, version in keys
            )
            if stale or keys & claimed:
                save.settle(None, RecordConflictError("the aggregate changed meanwhile"))
                continue
            claimed |= keys
            admitted.append(save)
        return admitted

    def _remember_written(self, events: Sequence[StoredEvent]) -> None:
        for event in events:
            self._written[event.originator_id] = event.originator_version
            self._written.move_to_end(event.originator_id)
        while len(self._written) > WRITTEN_VERSIONS_KEPT:
            self._written.popitem(last=False)


class _GroupCommitting:
    """Routes plain inserts through a GroupCommit; tracked inserts go straight through."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_commit = GroupCommit(super().insert_events)  # type: ignore[misc]

    def insert_events(
        self, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        # The event store always passes `tracking`; only plain saves (tracking None) group.
        if kwargs.get("tracking") is not None or set(kwargs) - {"tracking"}:
            return super().insert_events(stored_events, **kwargs)  # type: ignore[misc]
        return self.group_commit.insert_events(stored_events)


class GroupCommitPostgresRecorder(_GroupCommitting, OneTripPostgresRecorder):
    pass


class GroupCommitSQLiteRecorder(_GroupCommitting, SQLiteApplicationRecorder):
    pass
