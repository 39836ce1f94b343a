"""通存通兑, each bank's part (timebank/domain/interbank.py explains the three steps): the
sending bank requests and settles, the receiving bank decides. Each method is one save in
this application's own store; `timebank.interbank` drives the steps across stores."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError, RecordConflictError

from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.application.time_accounts import GiftServices
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.interbank import (
    BANK_CLOSED,
    DEADLINE_PASSED,
    NO_SUCH_PASSBOOK,
    NOT_A_BANK,
    PENDING,
    RECIPIENT_INACTIVE,
    InterbankCredit,
    InterbankTransfer,
    interbank_credit_id_for,
)
from timebank.domain.offices import BANK
from timebank.domain.time_accounts import INTERBANK_IN, check_minutes
from timebank.domain.values import hours_text, is_valid_passbook_no, utc_now
from timebank.domain.volunteers import Passbook, Volunteer

MAX_NOTE = 200
# How many times a decision is tried again when a concurrent save got in first.
DECIDE_ATTEMPTS = 5


def transfer_out(transfer: InterbankTransfer) -> dict[str, Any]:
    return {
        "transfer_id": str(transfer.id),
        "status": transfer.status,
        "from_bank_id": str(transfer.from_bank_id),
        "from_passbook": transfer.from_passbook_no,
        "to_bank_id": str(transfer.to_bank_id),
        "to_passbook": transfer.to_passbook_no,
        "hours": hours_text(transfer.minutes),
        "note": transfer.note,
        "requested_at": transfer.created_on,
        "deadline": transfer.deadline,
        "decided_at": transfer.decided_at,
        "reason": transfer.reason or None,
    }


class InterbankServices(GiftServices):
    # -- step 1, in the sending bank ---------------------------------------------------------
    @retry_on_conflict
    def request_interbank_transfer(
        self,
        actor: Actor,
        from_passbook: str,
        to_bank_id: UUID,
        to_passbook: str,
        minutes: int,
        note: str,
        idem: Idempotency | None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Reserve the hours and record the transfer, pending, in one save. The caller has
        checked that `to_bank_id` is another bank of the city (it lives elsewhere)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        check_minutes(minutes)
        if len(note or "") > MAX_NOTE:
            raise DomainError("invalid_input", f"note is at most {MAX_NOTE} characters.",
                              field="note")
        for number in (from_passbook, to_passbook):
            if not is_valid_passbook_no(number):
                raise DomainError("not_found", f"Passbook {number!r} not found.")
        passbook = self.load(Passbook, passbook_id_for(from_passbook), "passbook")
        owner = self.load(Volunteer, passbook.volunteer_id, "volunteer")
        # Like 转赠, only the owner moves their hours; staff cannot do it for them.
        if actor.kind != "system" and not (actor.kind == "volunteer" and actor.id == str(owner.id)):
            raise DomainError("forbidden", "Only the passbook's owner can transfer its hours.")
        if not owner.active:
            raise DomainError("volunteer_inactive")
        if UUID(str(to_bank_id)) == owner.bank_id:
            raise DomainError("same_bank")
        account = self.time_account_for(owner, actor)
        transfer_id = uuid4()
        now = now or utc_now()
        transfer = InterbankTransfer(
            id=transfer_id, from_bank_id=owner.bank_id, from_account_id=account.id,
            from_passbook_no=from_passbook, to_bank_id=UUID(str(to_bank_id)),
            to_passbook_no=to_passbook, minutes=minutes, note=note or "",
            deadline=now + timedelta(hours=self.settings.interbank_deadline_hours),
            actor=actor.record())
        account.reserve(str(transfer_id), minutes, actor.record())
        body = transfer_out(transfer)
        body = {**body, "requested_at": body["requested_at"].isoformat(),
                "deadline": body["deadline"].isoformat()}
        self.save_with(transfer, account, idem=idem, status=202, body=body)
        return body

    def load_interbank_transfer(self, transfer_id: UUID | str) -> InterbankTransfer:
        return self.load(InterbankTransfer, transfer_id, "transfer")

    def read_interbank_transfer(self, actor: Actor, transfer_id: UUID | str
                                ) -> InterbankTransfer:
        """The owner of the sending passbook, or staff who read that volunteer."""
        from timebank.application.authz import VOLUNTEERS, require_read

        transfer = self.load_interbank_transfer(transfer_id)
        passbook = self.load(Passbook, passbook_id_for(transfer.from_passbook_no), "passbook")
        owner = self.load(Volunteer, passbook.volunteer_id, "volunteer")
        try:
            require_read(actor, VOLUNTEERS, self.load_office(owner.office_id), str(owner.id))
        except DomainError as exc:
            raise DomainError("not_found", "transfer not found.") from exc
        return transfer

    # -- step 2, in the receiving bank -------------------------------------------------------
    def decide_interbank_credit(self, transfer: InterbankTransfer,
                                now: datetime | None = None) -> InterbankCredit:
        """The one decision on this transfer here: the existing one, or a new one saved with
        the recipient's credit. A second caller (a restarted driver) gets the first's."""
        credit_id = interbank_credit_id_for(transfer.id)
        for _attempt in range(DECIDE_ATTEMPTS):
            try:
                existing = self.repository.get(credit_id)
            except AggregateNotFoundError:
                pass
            else:
                assert isinstance(existing, InterbankCredit)
                return existing
            credit, touched = self._decide(transfer, now or utc_now())
            try:
                self.save(credit, *touched)
                return credit
            except (RecordConflictError, IntegrityError):
                continue  # decided concurrently, or the account moved: look again
        raise DomainError("conflict")

    def _decide(self, transfer: InterbankTransfer, now: datetime
                ) -> tuple[InterbankCredit, list[Any]]:
        refusal, account = self._refusal(transfer, now)

        def decision(to_account_id: UUID | None, why: str) -> InterbankCredit:
            return InterbankCredit.decide(
                transfer.id, transfer.from_bank_id, transfer.from_passbook_no,
                transfer.to_bank_id, transfer.to_passbook_no, transfer.minutes,
                to_account_id, why, SYSTEM.record())

        if refusal or account is None:
            return decision(None, refusal or NO_SUCH_PASSBOOK), []
        account.credit(transfer.minutes, INTERBANK_IN, str(transfer.id), SYSTEM.record(),
                       counterparty=f"{transfer.from_bank_id}:{transfer.from_passbook_no}")
        return decision(account.id, ""), [account]

    def _refusal(self, transfer: InterbankTransfer, now: datetime) -> tuple[str, Any]:
        try:
            bank = self.load_office(transfer.to_bank_id)
        except DomainError:
            return NOT_A_BANK, None
        if bank.kind != BANK:
            return NOT_A_BANK, None
        if bank.closed:
            return BANK_CLOSED, None
        if now > transfer.deadline:
            return DEADLINE_PASSED, None
        if not is_valid_passbook_no(transfer.to_passbook_no):
            return NO_SUCH_PASSBOOK, None
        try:
            passbook = self.load(Passbook, passbook_id_for(transfer.to_passbook_no))
            recipient = self.load(Volunteer, passbook.volunteer_id)
        except DomainError:
            return NO_SUCH_PASSBOOK, None
        if recipient.bank_id != bank.id:
            return NO_SUCH_PASSBOOK, None
        if not recipient.active:
            return RECIPIENT_INACTIVE, None
        return "", self.time_account_for(recipient, SYSTEM)

    # -- step 3, in the sending bank again -----------------------------------------------------
    @retry_on_conflict
    def settle_interbank_transfer(self, transfer_id: UUID | str, accepted: bool,
                                  reason: str, decided_at: datetime) -> InterbankTransfer:
        """Follow the receiving bank's decision: post or void, once."""
        transfer = self.load_interbank_transfer(transfer_id)
        if transfer.status != PENDING:
            return transfer  # settled before (a restarted driver): nothing to do
        account = self.load_time_account(transfer.from_account_id)
        actor = SYSTEM.record()
        if accepted:
            transfer.post(decided_at, actor)
            account.post_reservation(str(transfer.id), str(transfer.to_bank_id), actor)
        else:
            transfer.void(reason, decided_at, actor)
            account.release_reservation(str(transfer.id), reason, actor)
        self.save(transfer, account)
        return transfer
