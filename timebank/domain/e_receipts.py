"""A donation's financial e-receipt (财政电子票据): the number the finance authority's system
issued for it, recorded by the treasurer once issued (rules.md, "Donations": receipts are now
usually financial e-receipts). Its own small aggregate — one per donation — so recording it
touches neither the fund's journal nor the gift's record; a correction is a new event."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import e_receipt_id_for


def check_number(number: Any) -> str:
    text = str(number or "").strip()
    if not 1 <= len(text) <= 64 or not all(c.isalnum() or c in "-_/" for c in text):
        raise DomainError("invalid_input",
                          "e_receipt_no: 1 to 64 letters, digits, '-', '_' or '/'.",
                          field="e_receipt_no")
    return text


class EReceipt(Aggregate):
    class Recorded(Aggregate.Created):
        donation_id: UUID
        fund_id: UUID
        e_receipt_no: str
        actor: dict[str, Any]

    @staticmethod
    def create_id(donation_id: UUID, **_: Any) -> UUID:
        return e_receipt_id_for(donation_id)

    @event(Recorded)
    def __init__(self, donation_id: UUID, fund_id: UUID, e_receipt_no: str,
                 actor: dict[str, Any]) -> None:
        self.donation_id = donation_id
        self.fund_id = fund_id
        self.e_receipt_no = e_receipt_no

    class Corrected(Aggregate.Event):
        donation_id: UUID
        e_receipt_no: str
        actor: dict[str, Any]

    def correct(self, number: Any, actor: dict[str, Any]) -> None:
        number = check_number(number)
        if number == self.e_receipt_no:
            return
        self._corrected(donation_id=self.donation_id, e_receipt_no=number, actor=actor)

    @event(Corrected)
    def _corrected(self, donation_id: UUID, e_receipt_no: str, actor: dict[str, Any]) -> None:
        self.e_receipt_no = e_receipt_no
