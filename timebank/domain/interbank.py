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

Care withdrawn in another bank (purpose `care`) goes through the same steps with the service
between them: in A the hours of the whole time window are reserved with the need's details;
B's decision opens the service request there (accepted) or refuses it, and the decision stays
open until the request ends in B — confirmed, with the minutes paid, or ended without a
service (`care_settled`). A then posts what was paid and returns the rest, or voids it all.
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
CARE_NOT_OFFERED = "care_not_offered"  # B's rules do not let the beneficiary's hours pay
CARE_NOT_SERVED = "care_not_served"  # the care request ended in B without a service
REFUSALS = (NO_SUCH_PASSBOOK, RECIPIENT_INACTIVE, DEADLINE_PASSED, BANK_CLOSED, NOT_A_BANK,
            CARE_NOT_OFFERED, CARE_NOT_SERVED)

# What a transfer is for: hours given to a passbook of B, or care withdrawn in B.
TRANSFER, CARE = "transfer", "care"
PURPOSES = (TRANSFER, CARE)


def interbank_credit_id_for(transfer_id: UUID | str) -> UUID:
    """The receiving bank's decision on a transfer: one per transfer, by its id."""
    return uuid5(NAMESPACE, f"interbank-credit:{transfer_id}")


def care_request_id_for(transfer_id: UUID | str) -> UUID:
    """The service request that care paid from another bank opens: one per transfer."""
    return uuid5(NAMESPACE, f"interbank-care:{transfer_id}")


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
        purpose: str = TRANSFER
        # For care: the need as posted (category, relation, window, the place and notes
        # sealed under the payer's key in A), which B's request is opened with.
        care: dict[str, Any] | None = None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 moved hours between passbooks only.
            state.update(purpose=TRANSFER, care=None)

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
        purpose: str = TRANSFER,
        care: dict[str, Any] | None = None,
    ) -> None:
        self.from_bank_id = from_bank_id
        self.from_account_id = from_account_id
        self.from_passbook_no = from_passbook_no
        self.to_bank_id = to_bank_id
        self.to_passbook_no = to_passbook_no
        self.minutes = minutes
        self.note = note
        self.deadline = deadline
        self.purpose = purpose
        self.care = care
        self.requested_by = actor
        self.status = PENDING
        self.decided_at: datetime | None = None
        self.reason = ""
        self.returned_minutes = 0

    @property
    def posted_minutes(self) -> int:
        """What left A for B: all of a posted transfer, what care used of its hold."""
        return self.minutes - self.returned_minutes if self.status == POSTED else 0

    def post(self, credited_at: datetime, actor: dict[str, Any],
             credited_minutes: int | None = None) -> None:
        """B credited `credited_minutes` (all of it unless care used less of its hold)."""
        if self.status != PENDING:
            raise DomainError("invalid_state")
        credited = self.minutes if credited_minutes is None else credited_minutes
        if not 0 < credited <= self.minutes:
            raise ValueError(credited)
        self._posted(credited_at=credited_at, actor=actor,
                     returned_minutes=self.minutes - credited)

    class Posted(Aggregate.Event):
        credited_at: datetime  # when the receiving bank credited: both books date it so
        actor: dict[str, Any]
        returned_minutes: int = 0  # of a care hold, what the service did not use

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(returned_minutes=0)  # version 1 always posted the whole amount

    @event(Posted)
    def _posted(self, credited_at: datetime, actor: dict[str, Any],
                returned_minutes: int = 0) -> None:
        self.status = POSTED
        self.decided_at = credited_at
        self.returned_minutes = returned_minutes

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
        # For care, accepted means the service request was opened in B (with the id
        # `care_request_id_for(transfer_id)`); what it paid is settled when it ends.
        purpose: str = TRANSFER

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(purpose=TRANSFER)

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
        purpose: str = TRANSFER,
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
        self.purpose = purpose
        self.care_settled_at: datetime | None = None
        self.paid_minutes = 0

    @classmethod
    def decide(cls, transfer_id: UUID, from_bank_id: UUID, from_passbook_no: str,
               to_bank_id: UUID, to_passbook_no: str, minutes: int,
               to_account_id: UUID | None, refusal: str,
               actor: dict[str, Any], purpose: str = TRANSFER) -> InterbankCredit:
        if refusal and refusal not in REFUSALS:
            raise ValueError(refusal)
        if purpose not in PURPOSES:
            raise ValueError(purpose)
        return cls(id=interbank_credit_id_for(transfer_id), transfer_id=transfer_id,
                   from_bank_id=from_bank_id, from_passbook_no=from_passbook_no,
                   to_bank_id=to_bank_id, to_passbook_no=to_passbook_no,
                   to_account_id=None if refusal else to_account_id, minutes=minutes,
                   accepted=not refusal, reason=refusal, actor=actor, purpose=purpose)

    @property
    def decided_at(self) -> datetime:
        return self.created_on

    # -- care: the request opened in B has ended ----------------------------------------------
    @property
    def care_open(self) -> bool:
        """Care accepted in B whose request has not ended yet: A waits."""
        return self.purpose == CARE and self.accepted and self.care_settled_at is None

    def settle_care(self, paid_minutes: int, outcome: str, settled_at: datetime,
                    actor: dict[str, Any]) -> None:
        """The care request ended: `paid_minutes` (0 when no service was given) were
        credited to the volunteer in B, in the same save, and A owes them to B."""
        if not self.care_open:
            raise DomainError("invalid_state")
        if not 0 <= paid_minutes <= self.minutes:
            raise ValueError(paid_minutes)
        self._care_settled(paid_minutes=paid_minutes, outcome=outcome, settled_at=settled_at,
                           from_bank_id=self.from_bank_id, to_bank_id=self.to_bank_id,
                           actor=actor)

    class CareSettled(Aggregate.Event):
        from_bank_id: UUID  # the bank that owes what was paid (its books' counterparty)
        to_bank_id: UUID
        paid_minutes: int
        outcome: str  # the request's final status: confirmed, dismissed, cancelled, no_show
        settled_at: datetime  # both books date what was paid so
        actor: dict[str, Any]

    @event(CareSettled)
    def _care_settled(self, from_bank_id: UUID, to_bank_id: UUID, paid_minutes: int,
                      outcome: str, settled_at: datetime, actor: dict[str, Any]) -> None:
        self.paid_minutes = paid_minutes
        self.care_settled_at = settled_at
