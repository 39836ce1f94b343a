"""The shared machinery of the application services: typed loads, idempotent saves."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from sqlalchemy.exc import SQLAlchemyError

from timebank.application.idempotency import Idempotency
from timebank.application.ports import Vault
from timebank.application.repository import CachingRepository, unit_of_work
from timebank.domain.errors import DomainError
from timebank.domain.idempotency import IdempotencyRecord
from timebank.domain.ids import idempotency_id_for
from timebank.domain.offices import Office
from timebank.security.pins import PinHasher
from timebank.settings import Settings

A = TypeVar("A", bound=Aggregate)
log = logging.getLogger(__name__)


LOCK_STRIPES = 1024


def _stripe(locks: list[threading.Lock], aggregate_id: object) -> threading.Lock:
    return locks[hash(str(aggregate_id)) % len(locks)]


# Where a kept answer says which of its fields are sealed, and under whose key.
SEALED_ANSWER = "_sealed"


class BaseServices(Application[UUID]):
    settings: Settings
    vault: Vault
    fingerprint_key: bytes
    pins: PinHasher

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._hot_locks = [threading.Lock() for _ in range(LOCK_STRIPES)]
        super().__init__(*args, **kwargs)

    def construct_repository(self) -> CachingRepository:
        """The cache that is never changed in place, with units of work (repository.py): a
        cached aggregate is never copied while another thread brings it up to date,
        because bringing it up to date makes a new object."""
        maxsize = self.env.get(self.AGGREGATE_CACHE_MAXSIZE)
        return CachingRepository(
            event_store=self.events,
            snapshot_store=self.snapshots,
            cache_maxsize=int(maxsize) if maxsize else None,
        )

    @property
    def repository(self) -> CachingRepository:
        return self._repository  # type: ignore[return-value]

    @contextmanager
    def hot_aggregate(self, aggregate_id: UUID) -> Iterator[None]:
        """Commands of this process on one hot aggregate (a fund taking many donations) take
        turns instead of racing: racing threads all load the same version, one saves, the
        others conflict and retry, and under enough load some ran out of retries (409s
        after a storm of wasted work). Other processes still race, and the store's
        optimistic concurrency with `retry_on_conflict` settles that as before. Inside, a
        unit of work of its own: what the command read before its turn is read again."""
        with _stripe(self._hot_locks, aggregate_id), unit_of_work():
            yield

    def idempotency(self, scope: str, key: str, payload: Any) -> Idempotency:
        return Idempotency(
            scope=scope,
            key=key,
            fingerprint=Idempotency.fingerprint_of(payload, self.fingerprint_key),
        )

    def load(
        self, cls: type[A], aggregate_id: UUID | str | None, what: str = "", *, copy: bool = True
    ) -> A:
        """Load an aggregate of a known type, or answer 404 — never another type's aggregate.

        `copy=False` (or `view`) for an aggregate the command only reads: it is the cached
        object itself, which nobody may change."""
        try:
            uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        except (ValueError, TypeError) as exc:
            raise DomainError("not_found", f"{what or cls.__name__} not found.") from exc
        try:
            aggregate = self.repository.get(uid, deepcopy_from_cache=copy)
        except AggregateNotFoundError as exc:
            raise DomainError("not_found", f"{what or cls.__name__} not found.") from exc
        if not isinstance(aggregate, cls):
            raise DomainError("not_found", f"{what or cls.__name__} not found.")
        return aggregate

    def view(self, cls: type[A], aggregate_id: UUID | str | None, what: str = "") -> A:
        """A read-only load: no copy. Never change what it answers."""
        return self.load(cls, aggregate_id, what, copy=False)

    def load_office(self, office_id: UUID | str | None) -> Office:
        return self.load(Office, office_id, "office")

    def view_office(self, office_id: UUID | str | None) -> Office:
        return self.view(Office, office_id, "office")

    def bank_of(self, office: Office) -> Office:
        """The bank at the root of an office's tree (a bank is its own)."""
        return office if not office.ancestor_ids else self.view_office(office.bank_id)

    def ensure_open_path(self, office: Office) -> None:
        """Closing a branch closes what lies under it: nothing new opens beneath it."""
        office.ensure_open()
        for ancestor_id in office.ancestor_ids:
            self.view_office(ancestor_id).ensure_open()

    def destroy_personal_key(self, subject_id: UUID) -> None:
        """Destroy a person's (or a donation's) key, or answer 503 `erasure_incomplete`."""
        try:
            self.vault.destroy_key(subject_id)
        except (OSError, SQLAlchemyError) as exc:
            log.error("erasure of %s failed: the key could not be destroyed (%s)",
                      subject_id, type(exc).__name__)
            raise DomainError("erasure_incomplete") from exc

    def exists(self, aggregate_id: UUID) -> bool:
        return aggregate_id in self.repository

    # -- fewer round trips ---------------------------------------------------------------------
    def prefetch(self, *ids: UUID | None) -> None:
        """Read these aggregates in one round trip, for the loads of this unit of work that
        follow (inside a command's attempt; elsewhere it does nothing)."""
        self.repository.prefetch(ids)

    def peek(self, cls: type[A], aggregate_id: UUID | None) -> A | None:
        """The cached aggregate or None, without reading the store and possibly behind it:
        only for what never changes (ancestry, which passbook a record pays into)."""
        if aggregate_id is None:
            return None
        found = self.repository.peek(aggregate_id)
        return found if isinstance(found, cls) else None

    def office_chain(self, office_id: UUID | None) -> list[UUID]:
        """An office and its ancestors, as far as the cache knows them (to prefetch)."""
        office = self.peek(Office, office_id)
        if office_id is None:
            return []
        return [office_id, *(office.ancestor_ids if office is not None else ())]

    def replay(self, idem: Idempotency | None) -> dict[str, Any] | None:
        """The first answer to this key, if the request was already done."""
        if idem is None:
            return None
        record_id = idempotency_id_for(idem.scope, idem.key)
        try:
            record = self.repository.get(record_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None
        assert isinstance(record, IdempotencyRecord)
        _status, body = record.replay(idem.fingerprint)
        return self._opened_answer(body)

    def sealed_answer(self, body: dict[str, Any], subject_id: UUID,
                      fields: tuple[str, ...] = ("place", "notes")) -> dict[str, Any]:
        """An answer kept for retries (an idempotency record, in the event log) with its
        personal `fields` sealed under the person's key, as the aggregates keep them: the log
        never holds them in clear, and erasing the person erases them here too."""
        sealed = self.vault.seal(subject_id, {name: body.get(name) for name in fields})
        return {**body, **sealed, SEALED_ANSWER: {"subject_id": str(subject_id),
                                                  "fields": list(fields)}}

    def _opened_answer(self, body: dict[str, Any]) -> dict[str, Any]:
        kept = body.get(SEALED_ANSWER)
        if not isinstance(kept, dict):
            return body
        opened = self.vault.open(UUID(kept["subject_id"]),
                                 {name: body.get(name) for name in kept["fields"]})
        return {**{k: v for k, v in body.items() if k != SEALED_ANSWER}, **opened}

    def save_with(
        self,
        *aggregates: Aggregate,
        idem: Idempotency | None = None,
        status: int = 201,
        body: dict[str, Any] | None = None,
    ) -> None:
        """One atomic save of the command's aggregates and, if given, its idempotency record."""
        record = (
            IdempotencyRecord(
                scope=idem.scope,
                key=idem.key,
                fingerprint=idem.fingerprint,
                status=status,
                body=body or {},
            )
            if idem is not None
            else None
        )
        self.save(*aggregates, record)
