"""Reading the audit trail, and verifying the hash chain against the event log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from projections.audit import GENESIS, chain_hash, event_hash
from projections.scoping import scope_filter
from projections.tables import audit_events, projection_positions
from timebank.domain.reading import ReadScope
from timebank.security.signing import checkpoint_message, verify_signature

PAGE = 1000


CHECKPOINT_TOPIC_SUFFIX = "Checkpoint.Recorded"


def verify_chain(
    recorder: Any, engine: Engine, mapper: Any = None, trusted_keys: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Recompute every chain hash from the stored events; name the first that differs.

    Covers the events the audit projection has chained (the caller catches it up first):
    an event changed, removed or slipped in among them breaks the chain there. With a
    mapper, each recorded daily checkpoint is checked too: its signature, and that the
    recomputed chain passes through the head it published.
    """
    recomputed: dict[int, str] = {}
    checkpoints: list[Any] = []
    head = recorder.max_notification_id() or 0
    with engine.connect() as conn:
        chained_to = conn.execute(
            select(projection_positions.c.position)
            .where(projection_positions.c.name == "audit")
        ).scalar_one_or_none() or 0
    if chained_to < head:
        # Events the chain has not covered are events nobody can vouch for yet.
        return {"ok": False, "first_bad_position": chained_to + 1, "events_checked": 0}
    with engine.connect() as conn:
        beyond = conn.execute(
            select(audit_events.c.position).where(audit_events.c.position > chained_to).limit(1)
        ).scalar_one_or_none()
    if beyond is not None:
        return {"ok": False, "first_bad_position": beyond, "events_checked": 0}
    previous = GENESIS
    checked = 0
    after = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_events.c.position, audit_events.c.chain_hash)
                .where(audit_events.c.position > after)
                .where(audit_events.c.position <= chained_to)
                .order_by(audit_events.c.position)
                .limit(PAGE)
            ).all()
        notifications = list(recorder.select_notifications(
            start=after, limit=PAGE, stop=chained_to, inclusive_of_start=False))
        if not rows and not notifications:
            return _with_checkpoints(checked, recomputed, checkpoints, trusted_keys)
        for index in range(max(len(rows), len(notifications))):
            row = rows[index] if index < len(rows) else None
            note = notifications[index] if index < len(notifications) else None
            if row is None or note is None or row.position != note.id:
                positions = [p for p in (row and row.position, note and note.id) if p]
                return {"ok": False, "first_bad_position": min(positions),
                        "events_checked": checked}
            previous = chain_hash(previous, event_hash(note))
            if previous != row.chain_hash:
                return {"ok": False, "first_bad_position": note.id, "events_checked": checked}
            checked += 1
            if mapper is not None:
                if note.topic.endswith(CHECKPOINT_TOPIC_SUFFIX):
                    checkpoints.append(mapper.to_domain_event(note))
                recomputed[note.id] = previous
        after = rows[-1].position if len(rows) >= len(notifications) else notifications[-1].id
        if len(rows) < PAGE and len(notifications) < PAGE:
            return _with_checkpoints(checked, recomputed, checkpoints, trusted_keys)


def _with_checkpoints(checked: int, recomputed: dict[int, str], checkpoints: list[Any],
                      trusted_keys: tuple[str, ...]) -> dict[str, Any]:
    for checkpoint in checkpoints:
        message = checkpoint_message(checkpoint.day, checkpoint.position, checkpoint.chain_hash)
        # Only the server's own keys count: a key stored beside the signature proves nothing.
        genuine = checkpoint.public_key in trusted_keys and verify_signature(
            checkpoint.public_key, message, checkpoint.signature)
        if not genuine or recomputed.get(checkpoint.position) != checkpoint.chain_hash:
            return {"ok": False, "first_bad_position": checkpoint.position,
                    "events_checked": checked}
    return {"ok": True, "events_checked": checked, "checkpoints_checked": len(checkpoints)}


def audit_trail(
    engine: Engine,
    scope: ReadScope,
    after: int = 0,
    limit: int = 100,
    since: datetime | None = None,
    until: datetime | None = None,
    aggregate_id: str | None = None,
    actor_id: str | None = None,
    event_type: str | None = None,
) -> list[dict[str, Any]]:
    t = audit_events
    query = select(t).where(t.c.position > after, scope_filter(scope, t.c.office_id))
    if since:
        query = query.where(t.c.at >= since)
    if until:
        query = query.where(t.c.at < until)
    if aggregate_id:
        query = query.where(t.c.aggregate_id == aggregate_id)
    if actor_id:
        query = query.where(t.c.actor_id == actor_id)
    if event_type:
        query = query.where(t.c.event_type == event_type)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.position).limit(limit)).all()
    return [
        {
            "position": r.position,
            "at": r.at,
            "type": r.event_type,
            "aggregate_id": r.aggregate_id,
            "actor": {"kind": r.actor_kind, "id": r.actor_id, "role": r.actor_role,
                      "request_id": r.request_id} if r.actor_kind else None,
            "office_id": r.office_id,
            "reason": r.reason,
            "hash": r.chain_hash,
        }
        for r in rows
    ]


def chain_head(engine: Engine) -> tuple[int, str] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(audit_events.c.position, audit_events.c.chain_hash)
            .order_by(audit_events.c.position.desc()).limit(1)
        ).one_or_none()
    return (row.position, row.chain_hash) if row else None


def latest_checkpoint_id(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(audit_events.c.aggregate_id)
            .where(audit_events.c.event_type == "Checkpoint.Recorded")
            .order_by(audit_events.c.position.desc()).limit(1)
        ).scalar_one_or_none()
