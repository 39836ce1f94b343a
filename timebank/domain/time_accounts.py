"""Time accounts (时间账户, 时间币): hours stored by service and withdrawn later as care.

Beside the points of a passbook (one bank's currency, spent at its kiosks), each passbook
has a time account in hours: one hour of service stores one unit in every bank of the city
(rules.md, "Time banks"), so hours move between banks without any rate. Amounts are whole
minutes; hours are shown with two decimals (`hours_text`).

A bank's public pool (`HoursPool`) holds hours the bank funds, hours donated by volunteers
and hours above a person's storage cap, and grants them to priority elders or pays them to
volunteers for services the pool pays for. Neither an account nor the pool goes below zero.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import NAMESPACE

# What an entry is for, as shown in the time account's history.
SERVICE = "service"  # hours stored for a service the volunteer gave
CORRECTION = "correction"  # a corrected service record moves its stored hours
CARE_PAID = "care_paid"  # a beneficiary's hours paying the volunteer who served them
GIFT_IN, GIFT_OUT = "gift_in", "gift_out"  # to or from a family member (赠与亲属)
DONATION = "donation"  # given to the bank's public pool (捐赠公益池)
OVER_CAP = "over_cap"  # above the bank's lifetime storage cap: to the pool automatically
POOL_GRANT = "pool_grant"  # granted by the pool to a priority elder
INTERBANK_IN, INTERBANK_OUT = "interbank_in", "interbank_out"  # 通存通兑 between banks
CARE_WITHDRAWN = "care_withdrawn"  # withdrawn as care from a care provider (leaves the books)

CREDIT_KINDS = (SERVICE, CORRECTION, GIFT_IN, POOL_GRANT, INTERBANK_IN)
DEBIT_KINDS = (CORRECTION, CARE_PAID, GIFT_OUT, DONATION, OVER_CAP, CARE_WITHDRAWN)
# What counts towards the lifetime storage cap: hours the person stored by their own service.
STORED_KINDS = (SERVICE, CORRECTION)
# What counts towards the yearly limit on giving.
GIVEN_KINDS = (GIFT_OUT, DONATION)
# A group's hours (a team's, a company's volunteers') can only be donated.
GROUP_DEBIT_KINDS = (CORRECTION, DONATION, OVER_CAP)

PERSONAL, GROUP = "personal", "group"

# To whom a volunteer may give hours (赠与亲属): the relation is recorded with the gift.
RELATIONS = ("spouse", "parent", "parent_in_law", "grandparent", "child", "grandchild",
             "sibling", "other_relative")

# The pool's entries.
POOL_FUNDED = "funded"  # hours the bank puts in (minted for the pool)
POOL_DONATION = DONATION
POOL_OVER_CAP = OVER_CAP
POOL_GRANTED = "granted"  # to a priority elder's account
POOL_PAID = "paid"  # to a volunteer, for a service the pool pays for
POOL_CREDIT_KINDS = (POOL_FUNDED, POOL_DONATION, POOL_OVER_CAP)
POOL_DEBIT_KINDS = (POOL_GRANTED, POOL_PAID)

MAX_MINUTES = 10_000 * 60  # no single movement is larger than ten thousand hours


def time_account_id_for(passbook_no: str) -> UUID:
    """A passbook's time account: one per passbook, whoever opens it first."""
    return uuid5(NAMESPACE, f"time-account:{passbook_no}")


def hours_pool_id_for(bank_id: UUID | str) -> UUID:
    return uuid5(NAMESPACE, f"hours-pool:{bank_id}")


def check_minutes(minutes: object) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_MINUTES:
        raise DomainError("invalid_hours", "An amount of hours is more than 0.")
    return minutes


def minutes_of_hours(hours: object) -> int:
    """An amount of hours as sent ("2.50"; a number is taken too) in whole minutes, rounded
    half up: more than zero, at most ten thousand hours. `invalid_hours` otherwise."""
    from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

    if isinstance(hours, bool):
        raise DomainError("invalid_hours")
    try:
        value = Decimal(str(hours).strip())
    except (InvalidOperation, ValueError) as exc:
        raise DomainError("invalid_hours") from exc
    if not value.is_finite():
        raise DomainError("invalid_hours")
    minutes = int((value * 60).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if not 0 < minutes <= MAX_MINUTES:
        raise DomainError("invalid_hours", "An amount of hours is more than 0 and at most "
                          "10000.")
    return minutes


def insufficient(balance: int, needed: int) -> DomainError:
    from timebank.domain.values import hours_text

    return DomainError("insufficient_hours", f"Balance {hours_text(balance)} h, needed "
                       f"{hours_text(needed)} h.", balance_minutes=balance)


class TimeAccount(Aggregate):
    """One person's (or one group's) stored hours in one bank."""

    class Opened(Aggregate.Created):
        owner: str  # PERSONAL or GROUP
        passbook_no: str  # the passbook's number; a group's own number
        volunteer_id: UUID | None  # the person (None for a group)
        bank_id: UUID
        office_id: UUID
        name: str  # a group's name ("" for a person: their name is sealed elsewhere)
        actor: dict[str, Any]

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        owner: str,
        passbook_no: str,
        volunteer_id: UUID | None,
        bank_id: UUID,
        office_id: UUID,
        name: str,
        actor: dict[str, Any],
    ) -> None:
        self.owner = owner
        self.passbook_no = passbook_no
        self.volunteer_id = volunteer_id
        self.bank_id = bank_id
        self.office_id = office_id
        self.name = name
        self.balance = 0
        self.stored = 0  # lifetime minutes stored by own service (the cap's measure)
        self.given: dict[str, int] = {}  # minutes given (gifts, donations) per Shanghai year
        self.reserved: dict[str, int] = {}  # inter-bank transfer id -> minutes held

    @classmethod
    def open_for_passbook(cls, passbook_no: str, volunteer_id: UUID, bank_id: UUID,
                          office_id: UUID, actor: dict[str, Any]) -> TimeAccount:
        return cls(id=time_account_id_for(passbook_no), owner=PERSONAL,
                   passbook_no=passbook_no, volunteer_id=volunteer_id, bank_id=bank_id,
                   office_id=office_id, name="", actor=actor)

    @classmethod
    def open_for_group(cls, account_id: UUID, number: str, name: str, bank_id: UUID,
                       office_id: UUID, actor: dict[str, Any]) -> TimeAccount:
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        return cls(id=account_id, owner=GROUP, passbook_no=number, volunteer_id=None,
                   bank_id=bank_id, office_id=office_id, name=name, actor=actor)

    @property
    def is_group(self) -> bool:
        return self.owner == GROUP

    @property
    def reserved_total(self) -> int:
        return sum(self.reserved.values())

    def given_in(self, year: int) -> int:
        return self.given.get(str(year), 0)

    # -- movements -------------------------------------------------------------------------
    def credit(self, minutes: int, kind: str, ref: str, actor: dict[str, Any],
               counterparty: str = "") -> None:
        if kind not in CREDIT_KINDS:
            raise ValueError(kind)
        self._credited(minutes=check_minutes(minutes), kind=kind, ref=ref,
                       counterparty=counterparty, actor=actor)

    class HoursCredited(Aggregate.Event):
        minutes: int
        kind: str  # one of CREDIT_KINDS
        ref: str  # what for: a service record or request, a gift, a transfer, a grant
        counterparty: str  # the other account, passbook or bank, where there is one
        actor: dict[str, Any]

    @event(HoursCredited)
    def _credited(self, minutes: int, kind: str, ref: str, counterparty: str,
                  actor: dict[str, Any]) -> None:
        self.balance += minutes
        if kind in STORED_KINDS:
            self.stored += minutes

    def debit(self, minutes: int, kind: str, ref: str, actor: dict[str, Any],
              counterparty: str = "", year: int = 0) -> None:
        """Never below zero. `year` (Shanghai) counts gifts and donations against the
        bank's yearly limit."""
        if kind not in DEBIT_KINDS:
            raise ValueError(kind)
        check_minutes(minutes)
        if self.is_group and kind not in GROUP_DEBIT_KINDS:
            raise DomainError("group_hours_donate_only")
        if minutes > self.balance:
            raise insufficient(self.balance, minutes)
        if kind in GIVEN_KINDS and not year:
            raise ValueError("a gift or donation names its year")
        self._debited(minutes=minutes, kind=kind, ref=ref, counterparty=counterparty,
                      year=year if kind in GIVEN_KINDS else 0, actor=actor)

    class HoursDebited(Aggregate.Event):
        minutes: int
        kind: str  # one of DEBIT_KINDS
        ref: str
        counterparty: str
        year: int  # the Shanghai year a gift or donation counts in (0 otherwise)
        actor: dict[str, Any]

    @event(HoursDebited)
    def _debited(self, minutes: int, kind: str, ref: str, counterparty: str, year: int,
                 actor: dict[str, Any]) -> None:
        self.balance -= minutes
        if kind in STORED_KINDS:
            self.stored -= minutes
        if year:
            self.given[str(year)] = self.given.get(str(year), 0) + minutes

    # -- inter-bank transfers: hours held until the other bank decides ----------------------
    def reserve(self, transfer_id: str, minutes: int, actor: dict[str, Any]) -> None:
        check_minutes(minutes)
        if self.is_group:
            raise DomainError("group_hours_donate_only")
        if transfer_id in self.reserved:
            raise DomainError("invalid_state")
        if minutes > self.balance:
            raise insufficient(self.balance, minutes)
        self._reserved(transfer_id=transfer_id, minutes=minutes, actor=actor)

    class HoursReserved(Aggregate.Event):
        transfer_id: str
        minutes: int
        actor: dict[str, Any]

    @event(HoursReserved)
    def _reserved(self, transfer_id: str, minutes: int, actor: dict[str, Any]) -> None:
        self.balance -= minutes
        self.reserved[transfer_id] = minutes

    def post_reservation(self, transfer_id: str, to_bank_id: str, actor: dict[str, Any],
                         minutes: int | None = None) -> None:
        """The other bank credited the hours: the reservation (or `minutes` of it, what care
        used) leaves the account for good; the rest stays held until released."""
        if transfer_id not in self.reserved:
            raise DomainError("invalid_state")
        held = self.reserved[transfer_id]
        posted = held if minutes is None else minutes
        if not 0 < posted <= held:
            raise ValueError(posted)
        self._reservation_posted(transfer_id=transfer_id, minutes=posted,
                                 to_bank_id=to_bank_id, actor=actor)

    class ReservationPosted(Aggregate.Event):
        transfer_id: str
        minutes: int
        to_bank_id: str
        actor: dict[str, Any]

    @event(ReservationPosted)
    def _reservation_posted(self, transfer_id: str, minutes: int, to_bank_id: str,
                            actor: dict[str, Any]) -> None:
        self._unhold(transfer_id, minutes)

    def _unhold(self, transfer_id: str, minutes: int) -> None:
        left = self.reserved[transfer_id] - minutes
        if left:
            self.reserved[transfer_id] = left
        else:
            del self.reserved[transfer_id]

    def release_reservation(self, transfer_id: str, reason: str,
                            actor: dict[str, Any]) -> None:
        """The other bank refused (or the deadline passed there), or care used less than
        its hold: what is still held comes back."""
        if transfer_id not in self.reserved:
            raise DomainError("invalid_state")
        self._reservation_released(transfer_id=transfer_id,
                                   minutes=self.reserved[transfer_id], reason=reason,
                                   actor=actor)

    class ReservationReleased(Aggregate.Event):
        transfer_id: str
        minutes: int
        reason: str
        actor: dict[str, Any]

    @event(ReservationReleased)
    def _reservation_released(self, transfer_id: str, minutes: int, reason: str,
                              actor: dict[str, Any]) -> None:
        self.balance += minutes
        self._unhold(transfer_id, minutes)


class HoursPool(Aggregate):
    """A bank's public pool of hours (公益时间池)."""

    class Opened(Aggregate.Created):
        bank_id: UUID
        actor: dict[str, Any]

    @event(Opened)
    def __init__(self, id: UUID, bank_id: UUID, actor: dict[str, Any]) -> None:
        self.bank_id = bank_id
        self.balance = 0

    @classmethod
    def open(cls, bank_id: UUID, actor: dict[str, Any]) -> HoursPool:
        return cls(id=hours_pool_id_for(bank_id), bank_id=bank_id, actor=actor)

    def credit(self, minutes: int, kind: str, ref: str, actor: dict[str, Any],
               reason: str = "") -> None:
        if kind not in POOL_CREDIT_KINDS:
            raise ValueError(kind)
        self._credited(minutes=check_minutes(minutes), kind=kind, ref=ref, reason=reason,
                       actor=actor)

    class PoolCredited(Aggregate.Event):
        minutes: int
        kind: str  # one of POOL_CREDIT_KINDS
        ref: str  # the account that gave, or the bank's funding decision
        reason: str
        actor: dict[str, Any]

    @event(PoolCredited)
    def _credited(self, minutes: int, kind: str, ref: str, reason: str,
                  actor: dict[str, Any]) -> None:
        self.balance += minutes

    def debit(self, minutes: int, kind: str, ref: str, actor: dict[str, Any],
              reason: str = "") -> None:
        if kind not in POOL_DEBIT_KINDS:
            raise ValueError(kind)
        check_minutes(minutes)
        if minutes > self.balance:
            raise insufficient(self.balance, minutes)
        self._debited(minutes=minutes, kind=kind, ref=ref, reason=reason, actor=actor)

    class PoolDebited(Aggregate.Event):
        minutes: int
        kind: str  # one of POOL_DEBIT_KINDS
        ref: str
        reason: str
        actor: dict[str, Any]

    @event(PoolDebited)
    def _debited(self, minutes: int, kind: str, ref: str, reason: str,
                 actor: dict[str, Any]) -> None:
        self.balance -= minutes
