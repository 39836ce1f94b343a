"""Volunteers (志愿者) and their passbooks (爱心存折).

A `Volunteer` holds who the person is (encrypted; see timebank.security.personal_data)
and where they belong. A `Passbook` is the points account: small events, many of them,
over decades — so it is snapshotted and kept separate from the person.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for, phone_claim_id_for

# Passbook entry kinds, as shown in the passbook history.
SERVICE = "service"
CORRECTION = "correction"
TRANSFER_IN = "transfer_in"
TRANSFER_OUT = "transfer_out"
REDEMPTION = "redemption"
REDEMPTION_CANCELLED = "redemption_cancelled"

CREDIT_KINDS = (SERVICE, CORRECTION, TRANSFER_IN, REDEMPTION_CANCELLED)
DEBIT_KINDS = (CORRECTION, TRANSFER_OUT, REDEMPTION)

# Five wrong PINs in a row lock the passbook for a quarter of an hour.
PIN_ATTEMPTS_BEFORE_LOCK = 5
PIN_LOCK_DURATION = timedelta(minutes=15)


def _check_points(points: object) -> None:
    # Zero is allowed: a one-minute record approved at a low rate earns nothing.
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise DomainError("invalid_points")


class Volunteer(Aggregate):
    class Registered(Aggregate.Created):
        office_id: UUID
        bank_id: UUID
        passbook_no: str
        name_sealed: str
        phone_sealed: str
        id_number_sealed: str | None
        phone_index: str
        pin_hash: str
        actor: dict[str, Any]

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # chosen by the caller: the person's data key is made before the event
        office_id: UUID,
        bank_id: UUID,
        passbook_no: str,
        name_sealed: str,
        phone_sealed: str,
        id_number_sealed: str | None,
        phone_index: str,
        pin_hash: str,
        actor: dict[str, Any],
    ) -> None:
        self.office_id = office_id
        self.bank_id = bank_id
        self.passbook_no = passbook_no
        self.name_sealed = name_sealed
        self.phone_sealed = phone_sealed
        self.id_number_sealed = id_number_sealed
        self.phone_index = phone_index
        self.pin_hash = pin_hash
        self.active = True
        self.erased = False
        # Tokens carry it; a PIN change, an erasure or a logout raises it (see User).
        self.token_generation = 0

    @property
    def passbook_id(self) -> UUID:
        return passbook_id_for(self.passbook_no)

    @property
    def phone_claim_id(self) -> UUID:
        return phone_claim_id_for(self.phone_index)

    def erase(self, actor: dict[str, Any], reason: str) -> None:
        """The key is destroyed beside this event; the sealed data stays unreadable."""
        self._erased(actor=actor, reason=reason)

    class Erased(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Erased)
    def _erased(self, actor: dict[str, Any], reason: str) -> None:
        self.erased = True
        self.active = False
        self.token_generation += 1

    def revoke_sessions(self, actor: dict[str, Any], reason: str) -> None:
        """Every token issued so far stops working (a logout)."""
        self._sessions_revoked(actor=actor, reason=reason)

    class SessionsRevoked(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(SessionsRevoked)
    def _sessions_revoked(self, actor: dict[str, Any], reason: str) -> None:
        self.token_generation += 1

    def move_to(self, office_id: UUID, actor: dict[str, Any], reason: str) -> None:
        if office_id == self.office_id:
            raise DomainError(
                "invalid_input", "The volunteer already belongs to that office.", field="office_id"
            )
        self._moved(
            from_office_id=self.office_id, to_office_id=office_id, actor=actor, reason=reason
        )

    class Moved(Aggregate.Event):
        from_office_id: UUID
        to_office_id: UUID
        actor: dict[str, Any]
        reason: str

    @event(Moved)
    def _moved(
        self, from_office_id: UUID, to_office_id: UUID, actor: dict[str, Any], reason: str
    ) -> None:
        self.office_id = to_office_id

    def change_pin(self, pin_hash: str, actor: dict[str, Any]) -> None:
        self._pin_changed(pin_hash=pin_hash, actor=actor)

    class PinChanged(Aggregate.Event):
        pin_hash: str
        actor: dict[str, Any]

    @event(PinChanged)
    def _pin_changed(self, pin_hash: str, actor: dict[str, Any]) -> None:
        self.pin_hash = pin_hash
        self.token_generation += 1

    def rehash_pin(self, pin_hash: str) -> None:
        """The same PIN, stored under the current scheme after a successful check (not a
        change of PIN: nothing else about the account changes)."""
        self._pin_rehashed(pin_hash=pin_hash)

    class PinRehashed(Aggregate.Event):
        pin_hash: str

    @event(PinRehashed)
    def _pin_rehashed(self, pin_hash: str) -> None:
        self.pin_hash = pin_hash


class PhoneClaim(Aggregate):
    """One volunteer per phone: the claim's id is derived from the phone's blind index and a
    generation. When a holder is erased the claim is released for good; the phone's next
    holder claims the next generation — a new aggregate — so the log never shows the erased
    person and the next holder on one claim (version 1 reclaimed the same one)."""

    @staticmethod
    def create_id(phone_index: str, generation: int = 0, **_: Any) -> UUID:
        return phone_claim_id_for(phone_index, generation)

    class Claimed(Aggregate.Created):
        class_version = 2
        phone_index: str
        volunteer_id: UUID
        generation: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["generation"] = 0

    @event(Claimed)
    def __init__(self, phone_index: str, volunteer_id: UUID, generation: int = 0) -> None:
        self.phone_index = phone_index
        self.volunteer_id: UUID | None = volunteer_id
        self.generation = generation

    def release(self, volunteer_id: UUID) -> None:
        if self.volunteer_id == volunteer_id:
            self._released(volunteer_id=volunteer_id)

    @event("Released")
    def _released(self, volunteer_id: UUID) -> None:
        self.volunteer_id = None

    def reclaim(self, volunteer_id: UUID) -> None:
        """Version 1's way of registering a released phone again (kept for its events; new
        holders claim the next generation)."""
        if self.volunteer_id is not None:
            raise DomainError("phone_taken")
        self._reclaimed(volunteer_id=volunteer_id)

    @event("Reclaimed")
    def _reclaimed(self, volunteer_id: UUID) -> None:
        self.volunteer_id = volunteer_id


class Passbook(Aggregate):
    @staticmethod
    def create_id(passbook_no: str, **_: Any) -> UUID:
        return passbook_id_for(passbook_no)

    class Opened(Aggregate.Created):
        passbook_no: str
        volunteer_id: UUID
        actor: dict[str, Any]

    @event(Opened)
    def __init__(self, passbook_no: str, volunteer_id: UUID, actor: dict[str, Any]) -> None:
        self.passbook_no = passbook_no
        self.volunteer_id = volunteer_id
        self.balance = 0
        self.wrong_pins = 0
        self.locked_until: datetime | None = None

    # -- PIN attempts: recorded, because a lock-out must hold across servers and restarts --
    def ensure_unlocked(self, now: datetime) -> None:
        if self.locked_until is not None and now < self.locked_until:
            raise DomainError(
                "passbook_locked",
                f"Locked until {self.locked_until.isoformat()}.",
                locked_until=self.locked_until,
            )

    def record_wrong_pin(self, now: datetime, actor: dict[str, Any]) -> None:
        consecutive = self.wrong_pins + 1
        locked_until = now + PIN_LOCK_DURATION if consecutive >= PIN_ATTEMPTS_BEFORE_LOCK else None
        self._pin_rejected(
            consecutive=0 if locked_until else consecutive, locked_until=locked_until, actor=actor
        )

    class PinRejected(Aggregate.Event):
        consecutive: int
        locked_until: datetime | None
        actor: dict[str, Any]

    @event(PinRejected)
    def _pin_rejected(
        self, consecutive: int, locked_until: datetime | None, actor: dict[str, Any]
    ) -> None:
        self.wrong_pins = consecutive
        self.locked_until = locked_until

    def record_right_pin(self, actor: dict[str, Any]) -> None:
        if self.wrong_pins or self.locked_until:
            self._pin_accepted(actor=actor)

    class PinAccepted(Aggregate.Event):
        actor: dict[str, Any]

    @event(PinAccepted)
    def _pin_accepted(self, actor: dict[str, Any]) -> None:
        self.wrong_pins = 0
        self.locked_until = None

    def credit(
        self, points: int, kind: str, ref: str, actor: dict[str, Any], minutes: int = 0
    ) -> None:
        if kind not in CREDIT_KINDS:
            raise ValueError(kind)
        _check_points(points)
        self._credited(points=points, kind=kind, ref=ref, minutes=minutes, actor=actor)

    class PointsCredited(Aggregate.Event):
        points: int
        kind: str  # one of CREDIT_KINDS
        ref: str  # what the points are for: a service record, transfer or redemption
        minutes: int  # service minutes the entry adds (service and corrections)
        actor: dict[str, Any]

    @event(PointsCredited)
    def _credited(
        self, points: int, kind: str, ref: str, minutes: int, actor: dict[str, Any]
    ) -> None:
        self.balance += points

    def debit(
        self, points: int, kind: str, ref: str, actor: dict[str, Any], minutes: int = 0
    ) -> None:
        """Never below zero: this is the invariant concurrent spenders race for."""
        if kind not in DEBIT_KINDS:
            raise ValueError(kind)
        _check_points(points)
        if points > self.balance:
            raise DomainError(
                "insufficient_points",
                f"Balance {self.balance}, needed {points}.",
                balance=self.balance,
            )
        self._debited(points=points, kind=kind, ref=ref, minutes=minutes, actor=actor)

    class PointsDebited(Aggregate.Event):
        points: int
        kind: str  # one of DEBIT_KINDS
        ref: str
        minutes: int  # service minutes the entry takes back (corrections)
        actor: dict[str, Any]

    @event(PointsDebited)
    def _debited(
        self, points: int, kind: str, ref: str, minutes: int, actor: dict[str, Any]
    ) -> None:
        self.balance -= points
