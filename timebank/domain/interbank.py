"""通存通兑: hours moved from a time account in one bank to one in another, two-phase.

Each bank keeps its own books, possibly in its own database, and no command writes to two
databases. So a transfer is three steps, each one atomic save in one bank's store:

1. In the sending bank A: `InterbankTransfer` is requested (pending) in the same save as the
   hours are reserved in the sender's time account.
2. In the receiving bank B: `InterbankCredit`, whose id is derived from the transfer's, is
   decided once — accepted in the same save as the hours are credited to the recipient, or
   refused (an unknown passbook, a closed bank, the deadline passed). The derived id makes the
   store itself refuse a second decision, whoever tries.
3. In A again: the transfer follows B's decision — posted (the reservation leaves the account)
   or voided (the hours return) — in one save with the account; a settled transfer refuses a
   second settlement.

A process (timebank.interbank) drives pending transfers through steps 2 and 3, and may die
and start again at any point: each step is decided by the aggregates, never twice. A transfer
is voided only on B's recorded refusal, so the hours can never be both returned in A and
credited in B; B refuses any transfer whose deadline has passed, so none waits for ever once
B can be reached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import NAMESPACE

PENDING, POSTED, VOIDED = "pending", "posted", "voided"
STATUSES = (PENDING, POSTED, VOIDED)

# Why the receiving bank refused (machine-readable; shown with words on the pages).
NO_SUCH_PASSBOOK = "no_such_passbook"
RECIPIENT_INACTIVE = "recipient_inactive"
DEADLINE_PASSED = "deadline_passed"
BANK_CLOSED = "bank_closed"
NOT_A_BANK = "not_a_bank"
REFUSALS = (NO_SUCH_PASSBOOK, RECIPIENT_INACTIVE, DEADLINE_PASSED, BANK_CLOSED, NOT_A_BANK)


def interbank_credit_id_for(transfer_id: UUID | str) -> UUID:
    """The receiving bank's decision on a transfer: one per transfer, by its id."""
    return uuid5(NAMESPACE, f"interbank-credit:{transfer_id}")


class InterbankTransfer(Aggregate):
    """The sending bank's record of a transfer (A's books)."""

    class Requested(Aggregate.Created):
        from_bank_id: UUID
        from_account_id: UUID
        from_passbook_no: str
        to_bank_id: UUID
        to_passbook_no: str
        minutes: int
        note: str
        deadline: datetime
        actor: dict[str, Any]

    @event(Requested)
    def __init__(
        self,
        id: UUID,
        from_bank_id: UUID,
        from_account_id: UUID,
        from_passbook_no: str,
        to_bank_id: UUID,
        to_passbook_no: str,
        minutes: int,
        note: str,
        deadline: datetime,
        actor: dict[str, Any],
    ) -> None:
        self.from_bank_id = from_bank_id
        self.from_account_id = from_account_id
        self.from_passbook_no = from_passbook_no
        self.to_bank_id = to_bank_id
        self.to_passbook_no = to_passbook_no
        self.minutes = minutes
        self.note = note
        self.deadline = deadline
        self.status = PENDING
        self.decided_at: datetime | None = None
        self.reason = ""

    def post(self, credited_at: datetime, actor: dict[str, Any]) -> None:
        if self.status != PENDING:
            raise DomainError("invalid_state")
        self._posted(credited_at=credited_at, actor=actor)

    class Posted(Aggregate.Event):
        credited_at: datetime  # when the receiving bank credited: both books date it so
        actor: dict[str, Any]

    @event(Posted)
    def _posted(self, credited_at: datetime, actor: dict[str, Any]) -> None:
        self.status = POSTED
        self.decided_at = credited_at

    def void(self, reason: str, refused_at: datetime, actor: dict[str, Any]) -> None:
        if self.status != PENDING:
            raise DomainError("invalid_state")
        if reason not in REFUSALS:
            raise ValueError(reason)
        self._voided(reason=reason, refused_at=refused_at, actor=actor)

    class Voided(Aggregate.Event):
        reason: str  # one of REFUSALS: the receiving bank's recorded refusal
        refused_at: datetime
        actor: dict[str, Any]

    @event(Voided)
    def _voided(self, reason: str, refused_at: datetime, actor: dict[str, Any]) -> None:
        self.status = VOIDED
        self.decided_at = refused_at
        self.reason = reason


class InterbankCredit(Aggregate):
    """The receiving bank's one decision on a transfer (B's books): accepted or refused."""

    class Decided(Aggregate.Created):
        transfer_id: UUID
        from_bank_id: UUID
        from_passbook_no: str
        to_bank_id: UUID
        to_passbook_no: str
        to_account_id: UUID | None  # credited here when accepted
        minutes: int
        accepted: bool
        reason: str  # one of REFUSALS when refused, "" when accepted
        actor: dict[str, Any]

    @event(Decided)
    def __init__(
        self,
        id: UUID,
        transfer_id: UUID,
        from_bank_id: UUID,
        from_passbook_no: str,
        to_bank_id: UUID,
        to_passbook_no: str,
        to_account_id: UUID | None,
        minutes: int,
        accepted: bool,
        reason: str,
        actor: dict[str, Any],
    ) -> None:
        self.transfer_id = transfer_id
        self.from_bank_id = from_bank_id
        self.from_passbook_no = from_passbook_no
        self.to_bank_id = to_bank_id
        self.to_passbook_no = to_passbook_no
        self.to_account_id = to_account_id
        self.minutes = minutes
        self.accepted = accepted
        self.reason = reason

    @classmethod
    def decide(cls, transfer_id: UUID, from_bank_id: UUID, from_passbook_no: str,
               to_bank_id: UUID, to_passbook_no: str, minutes: int,
               to_account_id: UUID | None, refusal: str,
               actor: dict[str, Any]) -> InterbankCredit:
        if refusal and refusal not in REFUSALS:
            raise ValueError(refusal)
        return cls(id=interbank_credit_id_for(transfer_id), transfer_id=transfer_id,
                   from_bank_id=from_bank_id, from_passbook_no=from_passbook_no,
                   to_bank_id=to_bank_id, to_passbook_no=to_passbook_no,
                   to_account_id=None if refusal else to_account_id, minutes=minutes,
                   accepted=not refusal, reason=refusal, actor=actor)

    @property
    def decided_at(self) -> datetime:
        return self.created_on
