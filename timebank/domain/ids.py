"""Deterministic aggregate ids for things that must be unique by a natural key.

Creating an aggregate whose id is derived from a natural key (a username, a phone's
blind index, a passbook number, an idempotency key) makes the event store's own
optimistic-concurrency check enforce uniqueness atomically with the rest of a save.
"""

from __future__ import annotations

from uuid import UUID, uuid5

NAMESPACE = UUID("6f1c1a52-4f55-4c63-9a8e-5b0a51d6c1e2")


def user_id_for(username: str) -> UUID:
    return uuid5(NAMESPACE, f"user:{username.strip().lower()}")


def passbook_id_for(passbook_no: str) -> UUID:
    return uuid5(NAMESPACE, f"passbook:{passbook_no}")


def phone_claim_id_for(phone_index: str, generation: int = 0) -> UUID:
    """A phone's claim; after its holder is erased the phone's next holder takes the next
    generation's claim, a different aggregate, so nothing in the log ties the two."""
    if generation == 0:
        return uuid5(NAMESPACE, f"phone:{phone_index}")
    return uuid5(NAMESPACE, f"phone:{phone_index}#{generation}")


def idempotency_id_for(scope: str, key: str) -> UUID:
    return uuid5(NAMESPACE, f"idempotency:{scope}:{key}")


def organisation_id_for(entity_fund_id: UUID) -> UUID:
    """The legal person whose books a foundation (with what it hosts) keeps: one per entity."""
    return uuid5(NAMESPACE, f"organisation:{entity_fund_id}")


def e_receipt_id_for(donation_id: UUID) -> UUID:
    """A donation's financial e-receipt record: one per donation."""
    return uuid5(NAMESPACE, f"e-receipt:{donation_id}")
