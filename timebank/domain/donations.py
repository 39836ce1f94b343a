"""A donation's own record (捐赠): what a void, an erasure or a change of purpose needs.

The fund's journal records every gift (`Fund.DonationReceived`, what the books and reports
read); this aggregate keeps, per gift, what the fund used to keep for all of them — its
postings, receipt number, sealed donor and lots — so that a fund's state stays bounded
however many gifts it takes. Its id is the donation's id; it is saved in the same
transaction as the fund's entry, and read only when that one gift is acted on.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class Donation(Aggregate):
    class Recorded(Aggregate.Created):
        fund_id: UUID
        receipt_no: str
        postings: list[dict[str, Any]]
        donor_sealed: str | None
        lots: list[dict[str, Any]]
        actor: dict[str, Any]

    @event(Recorded)
    def __init__(
        self,
        id: UUID,  # the donation's id, chosen first: the fund's entry names it
        fund_id: UUID,
        receipt_no: str,
        postings: list[dict[str, Any]],
        donor_sealed: str | None,
        lots: list[dict[str, Any]],
        actor: dict[str, Any],
    ) -> None:
        self.fund_id = fund_id
        self.receipt_no = receipt_no
        self.postings = postings
        self.donor_sealed = donor_sealed
        self.lots = [dict(lot) for lot in lots]
        self.voided = False
        self.donor_erased = False

    def record(self) -> dict[str, Any]:
        """The shape the fund's decisions read (the same as a version-1 gift's record)."""
        return {"postings": self.postings, "voided": self.voided,
                "receipt_no": self.receipt_no, "donor_sealed": self.donor_sealed,
                "donor_erased": self.donor_erased, "lots": [dict(lot) for lot in self.lots]}

    class Voided(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    def void(self, reason: str, actor: dict[str, Any]) -> None:
        """Called after the fund accepted the void (its entry is the reversal)."""
        self._voided(reason=reason, actor=actor)

    @event(Voided)
    def _voided(self, reason: str, actor: dict[str, Any]) -> None:
        self.voided = True

    class DonorErased(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    def erase_donor(self, reason: str, actor: dict[str, Any]) -> None:
        self._donor_erased(reason=reason, actor=actor)

    @event(DonorErased)
    def _donor_erased(self, reason: str, actor: dict[str, Any]) -> None:
        self.donor_erased = True

    class Repurposed(Aggregate.Event):
        entry_id: UUID
        lots: list[dict[str, Any]]
        actor: dict[str, Any]

    def repurpose(self, entry_id: UUID, lots: list[dict[str, Any]],
                  actor: dict[str, Any]) -> None:
        """A consented change of purpose moved some of this gift's money (`lots`: after)."""
        self._repurposed(entry_id=entry_id, lots=lots, actor=actor)

    @event(Repurposed)
    def _repurposed(self, entry_id: UUID, lots: list[dict[str, Any]],
                    actor: dict[str, Any]) -> None:
        self.lots = [dict(lot) for lot in lots]
