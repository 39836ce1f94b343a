"""Reading the audit trail, and verifying the hash chain against the event log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, select

from projections.audit import GENESIS, chain_hash, event_hash
from projections.scoping import scope_filter
from projections.tables import audit_events, projection_positions
from timebank.domain.reading import ReadScope
from timebank.domain.values import shanghai_date, utc_now
from timebank.security.signing import checkpoint_message, verify_signature

PAGE = 1000


CHECKPOINT_TOPIC_SUFFIX = "Checkpoint.Recorded"


def verify_chain(
    recorder: Any, engine: Engine, mapper: Any = None, trusted_keys: tuple[str, ...] = (),
    anchor: list[dict[str, Any]] | None = None, today: date | None = None,
) -> dict[str, Any]:
    """Recompute every chain hash from the stored events; name the first that differs.

    Covers the events the audit projection has chained (the caller catches it up first):
    an event changed, removed or slipped in among them breaks the chain there, and so does
    a gap in the log's positions (an event deleted, the chain rebuilt over the rest). With
    a mapper, the signed daily checkpoints are checked too — those in the log and, with an
    `anchor` (checkpoints exported where a database writer cannot reach them), those: each
    signature must be the server's, the recomputed chain must pass through each head, and
    every Shanghai day from the first checkpoint's day to yesterday on which the log grew
    must have its checkpoint in the log (a rewrite that deletes the checkpoints it
    contradicts leaves such a day without one).
    """
    recomputed: dict[int, str] = {}
    checkpoints: list[dict[str, Any]] = []
    first_position_of_day: dict[date, int] = {}
    head = recorder.max_notification_id() or 0
    with engine.connect() as conn:
        chained_to = conn.execute(
            select(projection_positions.c.position)
            .where(projection_positions.c.name == "audit")
        ).scalar_one_or_none() or 0
    if chained_to < head:
        # Events the chain has not covered are events nobody can vouch for yet.
        return {"ok": False, "first_bad_position": chained_to + 1, "events_checked": 0,
                "reason": "not_chained"}
    with engine.connect() as conn:
        beyond = conn.execute(
            select(audit_events.c.position).where(audit_events.c.position > chained_to).limit(1)
        ).scalar_one_or_none()
    if beyond is not None:
        return {"ok": False, "first_bad_position": beyond, "events_checked": 0,
                "reason": "chain_mismatch"}
    previous = GENESIS
    checked = 0
    after = 0
    while True:
        with engine.connect() as conn:
            rows = conn.execute(
                select(audit_events.c.position, audit_events.c.chain_hash, audit_events.c.at)
                .where(audit_events.c.position > after)
                .where(audit_events.c.position <= chained_to)
                .order_by(audit_events.c.position)
                .limit(PAGE)
            ).all()
        notifications = list(recorder.select_notifications(
            start=after, limit=PAGE, stop=chained_to, inclusive_of_start=False))
        if not rows and not notifications:
            break
        for index in range(max(len(rows), len(notifications))):
            row = rows[index] if index < len(rows) else None
            note = notifications[index] if index < len(notifications) else None
            if row is None or note is None or row.position != note.id:
                positions = [p for p in (row and row.position, note and note.id) if p]
                return {"ok": False, "first_bad_position": min(positions),
                        "events_checked": checked, "reason": "chain_mismatch"}
            if note.id != checked + 1:
                # Positions are gap-free; a missing one is an event taken out of the log.
                return {"ok": False, "first_bad_position": checked + 1,
                        "events_checked": checked, "reason": "gap"}
            previous = chain_hash(previous, event_hash(note))
            if previous != row.chain_hash:
                return {"ok": False, "first_bad_position": note.id, "events_checked": checked,
                        "reason": "chain_mismatch"}
            checked += 1
            if mapper is not None:
                if note.topic.endswith(CHECKPOINT_TOPIC_SUFFIX):
                    checkpoints.append(checkpoint_fields(mapper.to_domain_event(note)))
                else:
                    first_position_of_day.setdefault(shanghai_date(row.at), note.id)
                recomputed[note.id] = previous
        after = rows[-1].position if len(rows) >= len(notifications) else notifications[-1].id
        if len(rows) < PAGE and len(notifications) < PAGE:
            break
    if mapper is None:
        return {"ok": True, "events_checked": checked}
    return _with_checkpoints(checked, recomputed, checkpoints, trusted_keys, anchor or [],
                             first_position_of_day, today or shanghai_date(utc_now()))


def checkpoint_fields(checkpoint: Any) -> dict[str, Any]:
    """A checkpoint as it is exported and published: what its signature covers, and it."""
    return {"day": checkpoint.day, "position": checkpoint.position,
            "chain_hash": checkpoint.chain_hash, "signature": checkpoint.signature,
            "public_key": checkpoint.public_key}


def _with_checkpoints(
    checked: int, recomputed: dict[int, str], in_log: list[dict[str, Any]],
    trusted_keys: tuple[str, ...], anchor: list[dict[str, Any]],
    first_position_of_day: dict[date, int], today: date,
) -> dict[str, Any]:
    failures: list[dict[str, Any]] = []
    for source, checkpoints in (("log", in_log), ("anchor", anchor)):
        for checkpoint in checkpoints:
            message = checkpoint_message(checkpoint["day"], checkpoint["position"],
                                         checkpoint["chain_hash"])
            # Only the server's own keys count: a key stored beside the signature proves
            # nothing.
            genuine = checkpoint["public_key"] in trusted_keys and verify_signature(
                checkpoint["public_key"], message, checkpoint["signature"])
            if not genuine or recomputed.get(checkpoint["position"]) != checkpoint["chain_hash"]:
                failures.append({"first_bad_position": checkpoint["position"],
                                 "checkpoint_day": checkpoint["day"],
                                 "reason": ("checkpoint_disagrees" if genuine
                                            else "checkpoint_not_genuine"),
                                 "source": source})
    logged_days = {date.fromisoformat(c["day"]) for c in in_log}
    all_days = logged_days | {date.fromisoformat(c["day"]) for c in anchor}
    if all_days:
        # A day of the anchor the log has lost, or a day the log grew without its checkpoint.
        required = {d for d in first_position_of_day if min(all_days) <= d < today}
        required |= {d for d in all_days if d < today}
        for day in sorted(required - logged_days):
            failures.append({"first_bad_position": first_position_of_day.get(day),
                             "missing_checkpoint_day": day.isoformat(),
                             "reason": "missing_checkpoint"})
    if failures:
        # A signed head the chain departs from names where; then a day left unsigned.
        first = min(failures, key=lambda f: (
            "missing_checkpoint_day" in f, f["first_bad_position"] or 10**18,
            f.get("checkpoint_day") or f.get("missing_checkpoint_day") or ""))
        return {"ok": False, "events_checked": checked, **first}
    return {"ok": True, "events_checked": checked, "checkpoints_checked": len(in_log),
            "anchor_checked": len(anchor)}


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


def log_disagreement(recorder: Any, mapper: Any, trusted_keys: tuple[str, ...],
                     anchor: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """The chain recomputed from the log alone (not from the audit table) against every
    signed checkpoint in it and in `anchor`: None when they agree, else the first problem.
    What a rebuild of the audit chain checks first, so that it never blesses a log that
    contradicts what the server signed."""
    recomputed: dict[int, str] = {}
    signed: list[dict[str, Any]] = list(anchor or [])
    previous, after, expected = GENESIS, 0, 1
    while True:
        notes = list(recorder.select_notifications(start=after, limit=PAGE,
                                                   inclusive_of_start=False))
        for note in notes:
            if note.id != expected:
                return {"first_bad_position": expected, "reason": "gap"}
            previous = chain_hash(previous, event_hash(note))
            recomputed[note.id] = previous
            expected += 1
            if note.topic.endswith(CHECKPOINT_TOPIC_SUFFIX):
                signed.append(checkpoint_fields(mapper.to_domain_event(note)))
        if len(notes) < PAGE:
            break
        after = notes[-1].id
    for checkpoint in sorted(signed, key=lambda c: c["position"]):
        message = checkpoint_message(checkpoint["day"], checkpoint["position"],
                                     checkpoint["chain_hash"])
        if not (checkpoint["public_key"] in trusted_keys and verify_signature(
                checkpoint["public_key"], message, checkpoint["signature"])):
            continue  # not the server's: it vouches for nothing, and refutes nothing
        if recomputed.get(checkpoint["position"]) != checkpoint["chain_hash"]:
            return {"first_bad_position": checkpoint["position"],
                    "checkpoint_day": checkpoint["day"], "reason": "checkpoint_disagrees"}
    return None


def table_disagrees_with_checkpoints(engine: Engine, mapper: Any, recorder: Any) -> int | None:
    """Cheap, before signing a new head: the audit table's hash at each checkpoint recorded
    in it equals what that checkpoint signed. The position of the first that does not."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_events.c.position)
            .where(audit_events.c.event_type == "Checkpoint.Recorded")
            .order_by(audit_events.c.position)).all()
        for row in rows:
            (note,) = recorder.select_notifications(start=row.position, limit=1)
            checkpoint = mapper.to_domain_event(note)
            at = conn.execute(select(audit_events.c.chain_hash).where(
                audit_events.c.position == checkpoint.position)).scalar_one_or_none()
            if at != checkpoint.chain_hash:
                return int(checkpoint.position)
    return None


def exported_checkpoints(engine: Engine, app: Any) -> list[dict[str, Any]]:
    """Every checkpoint recorded in the log, oldest first, as the anchor file and the public
    page carry them."""
    with engine.connect() as conn:
        ids = conn.execute(
            select(audit_events.c.aggregate_id)
            .where(audit_events.c.event_type == "Checkpoint.Recorded")
            .order_by(audit_events.c.position)).scalars().all()
    from timebank.domain.checkpoints import Checkpoint

    return [checkpoint_fields(app.load(Checkpoint, checkpoint_id)) for checkpoint_id in ids]
