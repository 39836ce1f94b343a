"""通存通兑, each bank's part (timebank/domain/interbank.py explains the three steps): the
sending bank requests and settles, the receiving bank decides. Each method is one save in
this application's own store; `timebank.interbank` drives the steps across stores."""

from __future__ import annotations

from collections.abc import Callable
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
    CARE,
    DEADLINE_PASSED,
    NO_SUCH_PASSBOOK,
    NOT_A_BANK,
    PENDING,
    RECIPIENT_INACTIVE,
    InterbankCredit,
    InterbankTransfer,
    care_request_id_for,
    interbank_credit_id_for,
)
from timebank.domain.offices import BANK, Office
from timebank.domain.service_requests import CATEGORIES, check_window
from timebank.domain.time_accounts import INTERBANK_IN, RELATIONS, TimeAccount, check_minutes
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
        "purpose": transfer.purpose,
        "request_id": str(care_request_id_for(transfer.id)) if transfer.purpose == CARE
        else None,
        "returned_hours": hours_text(transfer.returned_minutes),
    }


def _owner_only(actor: Actor, owner: Volunteer) -> None:
    # Like 转赠, only the owner moves their hours; staff cannot do it for them.
    if actor.kind != "system" and not (actor.kind == "volunteer" and actor.id == str(owner.id)):
        raise DomainError("forbidden", "Only the passbook's owner can transfer its hours.")


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
        account = self._paying_account(actor, owner, to_bank_id)
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

    @retry_on_conflict
    def request_care_hold(
        self,
        actor: Actor,
        to_bank_id: UUID,
        beneficiary_passbook: str,
        category: str,
        relation: str,
        place: str,
        notes: str | None,
        starts_at: datetime,
        ends_at: datetime,
        idem: Idempotency | None,
        answer: Callable[[InterbankTransfer], dict[str, Any]],
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Care for a family member whose passbook is in another bank, paid from the caller's
        stored hours here: the whole window is reserved, and the transfer (purpose care)
        carries the need to that bank, in one save. `answer` makes the reply kept for
        retries (the request as it will be opened there)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        if actor.kind != "volunteer":
            raise DomainError("forbidden", "Care paid from another bank's hours is posted by "
                              "the family member who pays.")
        window = check_window(starts_at, ends_at)
        if category not in CATEGORIES:
            raise DomainError("invalid_input", f"category is one of {', '.join(CATEGORIES)}.",
                              field="category")
        if relation not in RELATIONS:
            raise DomainError("invalid_input", f"relation is one of {', '.join(RELATIONS)}.",
                              field="relation")
        place = (place or "").strip()
        if not 1 <= len(place) <= 200:
            raise DomainError("invalid_input", "place must be 1 to 200 characters.",
                              field="place")
        notes = (notes or "").strip() or None
        if notes is not None and len(notes) > 500:
            raise DomainError("invalid_input", "notes is at most 500 characters.",
                              field="notes")
        if not is_valid_passbook_no(beneficiary_passbook):
            raise DomainError("not_found", f"Passbook {beneficiary_passbook!r} not found.")
        owner = self.load(Volunteer, actor.id, "volunteer")
        account = self._paying_account(actor, owner, to_bank_id)
        transfer_id = uuid4()
        now = now or utc_now()
        sealed = self.vault.seal(owner.id, {"place": place, "notes": notes})
        care = {"category": category, "relation": relation,
                "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(),
                "place_sealed": sealed["place"], "notes_sealed": sealed["notes"],
                "poster_id": str(owner.id)}
        transfer = InterbankTransfer(
            id=transfer_id, from_bank_id=owner.bank_id, from_account_id=account.id,
            from_passbook_no=owner.passbook_no, to_bank_id=UUID(str(to_bank_id)),
            to_passbook_no=beneficiary_passbook, minutes=window, note="",
            deadline=now + timedelta(hours=self.settings.interbank_deadline_hours),
            actor=actor.record(), purpose=CARE, care=care)
        account.reserve(str(transfer_id), window, actor.record())
        body = answer(transfer)
        self.save_with(transfer, account, idem=idem, status=201,
                       body=self.sealed_answer(body, owner.id))
        return body

    def care_details(self, transfer: InterbankTransfer) -> dict[str, Any]:
        """The need a care transfer carries, opened for the bank that will serve it (the
        place and notes are sealed here under the payer's key)."""
        care = transfer.care or {}
        opened = self.vault.open(UUID(care["poster_id"]), {
            "place": care.get("place_sealed"), "notes": care.get("notes_sealed")})
        return {"category": care["category"], "relation": care["relation"],
                "starts_at": datetime.fromisoformat(care["starts_at"]),
                "ends_at": datetime.fromisoformat(care["ends_at"]),
                "place": opened["place"] or "", "notes": opened["notes"]}

    def _paying_account(self, actor: Actor, owner: Volunteer, to_bank_id: UUID | str
                        ) -> TimeAccount:
        """The owner's time account, which pays into another bank: theirs to move, active."""
        _owner_only(actor, owner)
        if not owner.active:
            raise DomainError("volunteer_inactive")
        if UUID(str(to_bank_id)) == owner.bank_id:
            raise DomainError("same_bank")
        return self.time_account_for(owner, actor)

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
    def interbank_credit(self, transfer_id: UUID | str) -> InterbankCredit | None:
        """This bank's one decision on a transfer (or a care hold), if it made one."""
        try:
            credit = self.repository.get(interbank_credit_id_for(transfer_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(credit, InterbankCredit)
        return credit

    def decide_interbank_credit(self, transfer: InterbankTransfer,
                                now: datetime | None = None) -> InterbankCredit:
        """The one decision on this transfer here: the existing one, or a new one saved with
        the recipient's credit. A second caller (a restarted driver) gets the first's."""
        if transfer.purpose == CARE:
            raise ValueError("care is decided by opening its request (open_care_request)")
        for _attempt in range(DECIDE_ATTEMPTS):
            if (existing := self.interbank_credit(transfer.id)) is not None:
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

    def receiving_bank_refusal(self, transfer: InterbankTransfer, now: datetime
                               ) -> tuple[str, Office | None]:
        """Why this bank refuses any transfer to it (not a bank, closed, too late), or ""
        with the bank."""
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
        return "", bank

    def _refusal(self, transfer: InterbankTransfer, now: datetime) -> tuple[str, Any]:
        refusal, bank = self.receiving_bank_refusal(transfer, now)
        if bank is None:
            return refusal, None
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
                                  reason: str, decided_at: datetime,
                                  credited_minutes: int | None = None) -> InterbankTransfer:
        """Follow the receiving bank's decision: post (`credited_minutes` of a care hold,
        the rest returning) or void, once."""
        transfer = self.load_interbank_transfer(transfer_id)
        if transfer.status != PENDING:
            return transfer  # settled before (a restarted driver): nothing to do
        account = self.load_time_account(transfer.from_account_id)
        actor = SYSTEM.record()
        if accepted:
            transfer.post(decided_at, actor, credited_minutes)
            account.post_reservation(str(transfer.id), str(transfer.to_bank_id), actor,
                                     minutes=transfer.minutes - transfer.returned_minutes)
            if transfer.returned_minutes:
                account.release_reservation(str(transfer.id), "care_unused", actor)
        else:
            transfer.void(reason, decided_at, actor)
            account.release_reservation(str(transfer.id), reason, actor)
        self.save(transfer, account)
        return transfer
