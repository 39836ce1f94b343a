"""通存通兑 across the city: requests checked against the receiving bank, and the process
that drives pending inter-bank transfers through their steps (timebank/domain/interbank.py).

The process may be killed at any moment and started again, several may run at once, and
any bank's database may be down for a while: every step is one save in one store, decided
by its aggregates (the receiving bank's decision has an id derived from the transfer's, a
settled transfer refuses a second settlement), so running a step again changes nothing.
Which transfers are pending is read from each partition's `interbank_transfers` read model
(the outbox: a transfer is written to it, exactly once, from the sending bank's log); the
read model only says where to look, the aggregates decide.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from timebank.application.idempotency import Idempotency
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.interbank import (
    CARE,
    CARE_NOT_SERVED,
    PENDING,
    InterbankTransfer,
    care_request_id_for,
)
from timebank.domain.offices import BANK, Office
from timebank.domain.time_rules import BENEFICIARY
from timebank.domain.values import hours_text
from timebank.domain.volunteers import Volunteer
from timebank.partitions import Partition, Partitions

log = logging.getLogger(__name__)

PendingFinder = Callable[[Partition], Iterable[str]]


@dataclass
class DriveReport:
    posted: int = 0
    voided: int = 0
    still_pending: int = 0
    failed: list[str] = field(default_factory=list)  # partitions or transfers that failed

    @property
    def idle(self) -> bool:
        """Nothing was pending anywhere (and every partition could be asked)."""
        return not self.failed and not (self.settled or self.still_pending)

    @property
    def settled(self) -> int:
        return self.posted + self.voided


class CityTransfers:
    def __init__(self, partitions: Partitions, care_recheck_seconds: float = 30.0) -> None:
        self.partitions = partitions
        # Care stays pending while its service is open in the other bank (days, perhaps):
        # a driver that found it open looks again only after this long, not at every pass.
        self.care_recheck_seconds = care_recheck_seconds
        self._open_care: dict[str, float] = {}  # transfer id -> when it was found open

    def _open_bank(self, bank_id: str | UUID, field_name: str) -> tuple[Partition, Office]:
        """Another bank of the city, open (reading only)."""
        try:
            bank_uuid = UUID(str(bank_id))
        except ValueError as exc:
            raise DomainError("not_found", "bank not found.") from exc
        partition = self.partitions.locate(bank_uuid)
        bank = partition.app.load_office(bank_uuid)
        if bank.kind != BANK:
            raise DomainError("invalid_input", f"{field_name} names a bank.", field=field_name)
        bank.ensure_open()
        return partition, bank

    def request(self, home: Partition, actor: Actor, from_passbook: str, to_bank_id: str,
                to_passbook: str, minutes: int, note: str,
                idem: Idempotency | None) -> dict[str, Any]:
        """Step 1, after checking (reading only) that the receiving bank is another open
        bank of the city."""
        if (replayed := home.app.replay(idem)) is not None:
            return replayed
        _partition, bank = self._open_bank(to_bank_id, "to_bank_id")
        return home.app.request_interbank_transfer(actor, from_passbook, bank.id, to_passbook,
                                                   minutes, note, idem)

    def post_need(self, home: Partition, actor: Actor, beneficiary_bank_id: str | None,
                  beneficiary_passbook: str | None, category: str, relation: str, place: str,
                  notes: str | None, starts_at: datetime, ends_at: datetime,
                  idem: Idempotency | None) -> dict[str, Any]:
        """需求发布, wherever the beneficiary is: in the caller's own bank as ever, or care in
        another bank of the city paid from the caller's hours here (`post_care`)."""
        if beneficiary_bank_id and not home.app.in_own_bank(actor, beneficiary_bank_id):
            return self.post_care(home, actor, beneficiary_bank_id, beneficiary_passbook or "",
                                  category, relation, place, notes, starts_at, ends_at, idem)
        return home.app.post_request(actor, beneficiary_passbook or None, category, place,
                                     notes or "", starts_at, ends_at, relation, idem)

    def post_care(self, home: Partition, actor: Actor, beneficiary_bank_id: str,
                  beneficiary_passbook: str, category: str, relation: str, place: str,
                  notes: str | None, starts_at: datetime, ends_at: datetime,
                  idem: Idempotency | None) -> dict[str, Any]:
        """Care for a family member in another bank, paid from the caller's hours here: the
        other bank is asked first (reading only) whether it would open the need; then the
        window's hours are held here (step 1) and the request is opened there at once
        (step 2). If the other bank cannot be reached now, the driver opens it later; the
        answer is the request as it will be there."""
        if (replayed := home.app.replay(idem)) is not None:
            return replayed
        receiver, bank = self._open_bank(beneficiary_bank_id, "beneficiary_bank_id")
        if actor.kind == "volunteer" and \
                home.app.load(Volunteer, actor.id, "volunteer").bank_id == bank.id:
            raise DomainError("same_bank", "The beneficiary is in your own bank: post the "
                              "need without naming a bank.")
        beneficiary = receiver.app.check_care_beneficiary(bank.id, beneficiary_passbook,
                                                          category)

        def answer(transfer: InterbankTransfer) -> dict[str, Any]:
            return care_request_preview(transfer, beneficiary, place, notes)

        body = home.app.request_care_hold(actor, bank.id, beneficiary_passbook, category,
                                          relation, place, notes, starts_at, ends_at, idem,
                                          answer)
        try:
            self.advance(home, body["paid_from"]["transfer_id"])
        except Exception:
            log.exception("care transfer %s: not opened yet; the driver goes on",
                          body["paid_from"]["transfer_id"])
        return body

    def advance(self, home: Partition, transfer_id: str | UUID) -> str:
        """Steps 2 and 3 for one transfer of `home` (the sending bank's partition); its
        status afterwards. Care stays pending while its request is open in the other bank."""
        transfer = home.app.load_interbank_transfer(transfer_id)
        if transfer.status != PENDING:
            return transfer.status
        receiver = self.partitions.locate(transfer.to_bank_id)
        if transfer.purpose == CARE:
            return self._advance_care(home, receiver, transfer)
        credit = receiver.app.decide_interbank_credit(transfer)
        settled = home.app.settle_interbank_transfer(
            transfer.id, credit.accepted, credit.reason, credit.decided_at)
        return settled.status

    def _advance_care(self, home: Partition, receiver: Partition,
                      transfer: InterbankTransfer) -> str:
        credit = receiver.app.interbank_credit(transfer.id)
        if credit is None:
            credit = receiver.app.open_care_request(transfer, home.app.care_details(transfer))
        if credit.care_open:
            return PENDING
        if credit.accepted and credit.paid_minutes:
            assert credit.care_settled_at is not None
            settled = home.app.settle_interbank_transfer(
                transfer.id, True, "", credit.care_settled_at, credit.paid_minutes)
        else:
            settled = home.app.settle_interbank_transfer(
                transfer.id, False, credit.reason or CARE_NOT_SERVED,
                credit.care_settled_at or credit.decided_at)
        return settled.status

    def drive(self, pending: PendingFinder) -> DriveReport:
        """One pass over every partition's pending transfers. A failure (a database down)
        is logged and left for the next pass; the others go on."""
        report = DriveReport()
        listed: set[str] = set()
        for home in self.partitions.all():
            try:
                transfer_ids = list(pending(home))
            except Exception:
                log.exception("inter-bank: cannot list pending transfers of %s", home.key)
                report.failed.append(home.key)
                continue
            listed.update(str(transfer_id) for transfer_id in transfer_ids)
            for transfer_id in transfer_ids:
                found_open = self._open_care.get(str(transfer_id))
                if found_open is not None and \
                        time.monotonic() - found_open < self.care_recheck_seconds:
                    report.still_pending += 1
                    continue
                try:
                    status = self.advance(home, transfer_id)
                except Exception:
                    log.exception("inter-bank transfer %s: step failed; retried later",
                                  transfer_id)
                    report.failed.append(str(transfer_id))
                    continue
                if status == PENDING:  # only care is left pending by a step that worked
                    self._open_care[str(transfer_id)] = time.monotonic()
                else:
                    self._open_care.pop(str(transfer_id), None)
                if status == PENDING:
                    report.still_pending += 1
                elif status == "posted":
                    report.posted += 1
                else:
                    report.voided += 1
        if not report.failed:  # settled by another driver meanwhile: forget them
            for transfer_id in set(self._open_care) - listed:
                del self._open_care[transfer_id]
        return report


def care_request_preview(transfer: InterbankTransfer, beneficiary: Volunteer, place: str,
                         notes: str | None) -> dict[str, Any]:
    """The request that a care transfer opens in the other bank, as the API shows it to the
    family member who posted it (kept with the hold, so a retry answers the same)."""
    care = transfer.care or {}
    requested_at = transfer.created_on.isoformat()
    return {
        "request_id": str(care_request_id_for(transfer.id)),
        "status": "posted",
        "bank_id": str(beneficiary.bank_id),
        "office_id": str(beneficiary.office_id),
        "beneficiary_id": str(beneficiary.id),
        "posted_by": "family",
        "relation": care["relation"],
        "category": care["category"],
        "place": (place or "").strip(),
        "notes": (notes or "").strip() or None,
        "starts_at": care["starts_at"],
        "ends_at": care["ends_at"],
        "payer": BENEFICIARY,
        "held_hours": hours_text(transfer.minutes),
        "volunteer_id": None,
        "dispatched": False,
        "served_hours": hours_text(0),
        "paid_hours": hours_text(0),
        "rating": None,
        "paid_from": {"bank_id": str(transfer.from_bank_id),
                      "passbook": transfer.from_passbook_no,
                      "transfer_id": str(transfer.id)},
        "posted_at": requested_at,
        "updated_at": requested_at,
    }
