"""The audit trail and its hash chain, kept beside the event log.

Each stored event's hash covers what was stored (topic, aggregate, version, state bytes);
the chain hash covers that and the previous chain hash, so changing, removing or
inserting any stored event breaks every chain hash after it.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from sqlalchemy import Connection, select

from projections.base import Projection, write_rows
from projections.tables import audit_events

GENESIS = "0" * 64


def event_hash(notification: Any, originator_id: str | None = None) -> str:
    """`originator_id`: the notification's, as a string, when the caller has it already."""
    parts = (
        str(notification.id).encode(),
        notification.topic.encode(),
        (originator_id or str(notification.originator_id)).encode(),
        str(notification.originator_version).encode(),
    )
    # Each part length-prefixed, then the state.
    digest = hashlib.sha256(b"".join([len(part).to_bytes(4, "big") + part for part in parts]))
    digest.update(notification.state)
    return digest.hexdigest()


def chain_hash(previous: str, this_event: str) -> str:
    return hashlib.sha256(f"{previous}:{this_event}".encode()).hexdigest()


def _office_of(event: Any) -> str | None:
    for attribute in ("office_id", "to_office_id"):
        value = getattr(event, attribute, None)
        if value:
            return str(value)
    if type(event).__qualname__.startswith("Office."):
        return str(event.originator_id)
    actor = getattr(event, "actor", None) or {}
    return actor.get("office_id")


class AuditProjection(Projection):
    name = "audit"
    tables = (audit_events,)
    rebuild_by_default: ClassVar[bool] = False

    def __init__(self) -> None:
        self._previous = GENESIS
        self._rows: list[dict[str, Any]] = []

    def topics(self) -> frozenset[str] | None:
        return None  # every stored event is chained

    def begin_batch(self, conn: Connection) -> None:
        self._rows = []
        self._previous = conn.execute(
            select(audit_events.c.chain_hash).order_by(audit_events.c.position.desc()).limit(1)
        ).scalar_one_or_none() or GENESIS

    def apply(self, conn: Connection, event: Any, notification: Any = None) -> None:
        aggregate_id = str(notification.originator_id)
        this_hash = event_hash(notification, aggregate_id)
        chained = chain_hash(self._previous, this_hash)
        actor = getattr(event, "actor", None) or {}
        self._rows.append(dict(
            position=notification.id,
            at=event.timestamp,
            event_type=type(event).__qualname__,
            aggregate_id=aggregate_id,
            aggregate_version=event.originator_version,
            office_id=_office_of(event),
            actor_kind=actor.get("kind"),
            actor_id=actor.get("id"),
            actor_role=actor.get("role"),
            request_id=actor.get("request_id"),
            reason=getattr(event, "reason", None),
            event_hash=this_hash,
            chain_hash=chained,
        ))
        self._previous = chained

    def end_batch(self, conn: Connection) -> None:
        if self._rows:  # one multi-row insert per batch, not a round trip per event
            write_rows(conn, audit_events, self._rows)
        self._rows = []
