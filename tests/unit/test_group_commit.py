"""Group commit, with a stand-in for the database: who shares a transaction, who gets what."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import pytest
from eventsourcing.persistence import (
    IntegrityError,
    OperationalError,
    RecordConflictError,
    StoredEvent,
)

from timebank.infrastructure.group_commit import GroupCommit

WAIT = 10  # seconds; only ever reached when the code under test hangs


def event(originator: uuid.UUID, version: int, topic: str = "ok") -> StoredEvent:
    return StoredEvent(originator_id=originator, originator_version=version, topic=topic,
                       state=b"{}")


class FakeStore:
    """Stores events all-or-none per call, refusing duplicates and 'poison' like a database.

    The first insert can be held until enough other saves have queued behind it, so that
    the grouping the tests assert happens for certain, not by timing luck."""

    def __init__(self, hold_first_until_queued: int = 0) -> None:
        self.rows: dict[tuple[uuid.UUID, int], int] = {}
        self.calls: list[int] = []  # events per transaction
        self.hold_until = hold_first_until_queued
        self.committer: GroupCommit | None = None
        self.fail_with: Exception | None = None
        self._lock = threading.Lock()

    def insert(self, events: Sequence[StoredEvent]) -> list[int]:
        if self.hold_until and not self.calls:
            self._wait_for_queue()
        with self._lock:
            self.calls.append(len(events))
            if self.fail_with is not None:
                raise self.fail_with
            keys = [(e.originator_id, e.originator_version) for e in events]
            if any(k in self.rows for k in keys) or len(set(keys)) < len(keys):
                raise IntegrityError("duplicate key")
            if any(e.topic == "poison" for e in events):
                raise IntegrityError("poison")
            ids = []
            for key in keys:
                self.rows[key] = len(self.rows) + 1
                ids.append(self.rows[key])
            return ids

    def _wait_for_queue(self) -> None:
        assert self.committer is not None
        ready = threading.Event()
        for _ in range(WAIT * 1000):
            with self.committer._lock:
                if len(self.committer._queue) >= self.hold_until:
                    ready.set()
            if ready.wait(0.001):
                return
        raise AssertionError("the other saves never queued")


def save_concurrently(committer: GroupCommit, saves: list[list[StoredEvent]]):
    """Runs every save in its own thread; returns each one's ids or exception, in order."""

    def run(events: list[StoredEvent]):
        try:
            return committer.insert_events(events)
        except Exception as exc:
            return exc

    with ThreadPoolExecutor(len(saves)) as pool:
        return list(pool.map(run, saves))


def grouped(store: FakeStore, queued: int) -> GroupCommit:
    committer = GroupCommit(store.insert)
    store.committer, store.hold_until = committer, queued
    return committer


def test_an_uncontended_save_is_its_own_transaction() -> None:
    store = FakeStore()
    committer = GroupCommit(store.insert)
    a = uuid.uuid4()
    assert committer.insert_events([event(a, 1), event(a, 2)]) == [1, 2]
    assert committer.insert_events([event(a, 3)]) == [3]
    assert store.calls == [2, 1]
    assert (committer.commits, committer.saves) == (2, 2)


def test_saves_queued_behind_a_commit_share_the_next_one_and_each_gets_its_own_ids() -> None:
    store = FakeStore()
    committer = grouped(store, queued=8)  # the first save, then 8 queue behind it
    first = [event(uuid.uuid4(), 1)]
    others = [[event(uuid.uuid4(), 1), event(uuid.uuid4(), 1)] for _ in range(8)]
    answers = save_concurrently(committer, [first, *others])

    assert len(store.calls) == 2 and sum(store.calls) == 17, store.calls  # 9 saves, 2 commits
    assert committer.commits == 2 and committer.saves == 9
    # Every save got exactly the notification ids of its own events.
    for events, ids in zip([first, *others], answers, strict=True):
        assert ids == [store.rows[(e.originator_id, e.originator_version)] for e in events]
    all_ids = [i for ids in answers for i in ids]
    assert sorted(all_ids) == list(range(1, 18))


def test_two_saves_of_one_group_writing_the_same_version_one_wins_one_conflicts() -> None:
    store = FakeStore()
    committer = grouped(store, queued=3)
    passbook = uuid.uuid4()
    opener = [event(uuid.uuid4(), 1)]
    rival_a, rival_b = [event(passbook, 1)], [event(passbook, 1, "other")]
    bystander = [event(uuid.uuid4(), 1)]
    answers = save_concurrently(committer, [opener, rival_a, rival_b, bystander])

    conflicts = [a for a in answers if isinstance(a, Exception)]
    assert len(conflicts) == 1 and isinstance(conflicts[0], RecordConflictError)
    assert "changed meanwhile" in str(conflicts[0])
    assert (passbook, 1) in store.rows and len(store.rows) == 3
    # The conflict was refused before the database: no failed shared transaction.
    assert len(store.calls) == 2


def test_a_save_of_a_version_already_stored_here_is_refused_without_a_round_trip() -> None:
    store = FakeStore()
    committer = GroupCommit(store.insert)
    passbook = uuid.uuid4()
    committer.insert_events([event(passbook, 1), event(passbook, 2)])
    with pytest.raises(RecordConflictError, match="changed meanwhile"):
        committer.insert_events([event(passbook, 2, "stale decision")])
    assert store.calls == [2]
    assert committer.insert_events([event(passbook, 3)]) == [3]


def test_a_conflict_with_a_write_from_elsewhere_fails_only_its_own_save() -> None:
    store = FakeStore()
    committer = grouped(store, queued=6)
    written_elsewhere = uuid.uuid4()
    store.rows[(written_elsewhere, 1)] = 100  # another process stored it
    saves = [[event(uuid.uuid4(), 1)] for _ in range(7)]
    saves[4] = [event(uuid.uuid4(), 1), event(written_elsewhere, 1)]
    saves[5] = [event(uuid.uuid4(), 1, "poison")]
    answers = save_concurrently(committer, saves)

    failed = [i for i, a in enumerate(answers) if isinstance(a, Exception)]
    assert failed == [4, 5]
    assert all(isinstance(answers[i], IntegrityError) for i in failed)
    for events, ids in zip(saves, answers, strict=True):
        if not isinstance(ids, Exception):
            assert ids == [store.rows[(e.originator_id, e.originator_version)] for e in events]
    # All or none per save: nothing of the failed saves was stored.
    assert (saves[4][0].originator_id, 1) not in store.rows
    assert store.rows[(written_elsewhere, 1)] == 100


def test_a_database_failure_reaches_every_save_of_the_group_and_nothing_is_stored() -> None:
    store = FakeStore()
    committer = grouped(store, queued=4)
    store.fail_with = OperationalError("lock timeout")
    answers = save_concurrently(committer, [[event(uuid.uuid4(), 1)] for _ in range(5)])
    assert all(isinstance(a, OperationalError) for a in answers)
    assert store.rows == {}
    # The committer is not wedged: the next save goes through.
    store.fail_with = None
    assert committer.insert_events([event(uuid.uuid4(), 1)]) == [1]


def test_a_group_is_bounded_in_events() -> None:
    store = FakeStore()
    committer = GroupCommit(store.insert, max_events=4)
    store.committer, store.hold_until = committer, 5
    saves = [[event(uuid.uuid4(), 1), event(uuid.uuid4(), 1)] for _ in range(6)]
    answers = save_concurrently(committer, saves)
    assert not any(isinstance(a, Exception) for a in answers)
    assert max(store.calls) <= 4 and sum(store.calls) == 12
