"""Releasing a restriction with a second person (限定性净资产转为非限定性净资产, 双人审批).

A restriction is the donor's: changing what the money may be used for needs the donor's
consent (《慈善法》 Art. 55), which purpose changes already record. A release without the
donor's recorded consent (a restriction that lapsed, a purpose that can no longer be served)
is requested by a treasurer and approved by someone else — a bank admin of the fund's bank
or a system administrator — and both people are recorded on the fund's entry. The request
is its own aggregate, so that waiting for approval holds nothing in the fund.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.funds import check_fen, check_purpose

REQUESTED, APPROVED, DECLINED = "requested", "approved", "declined"


class ReleaseRequest(Aggregate):
    class Requested(Aggregate.Created):
        fund_id: UUID
        purpose: str
        amount_fen: int
        reason: str
        actor: dict[str, Any]

    @event(Requested)
    def __init__(self, fund_id: UUID, purpose: str, amount_fen: int, reason: str,
                 actor: dict[str, Any]) -> None:
        self.fund_id = fund_id
        self.purpose = purpose
        self.amount_fen = amount_fen
        self.reason = reason
        self.requested_by = dict(actor)
        self.status = REQUESTED
        self.entry_id: UUID | None = None

    @classmethod
    def request(cls, fund_id: UUID, purpose: Any, amount_fen: Any, reason: Any,
                actor: dict[str, Any]) -> ReleaseRequest:
        purpose = check_purpose(purpose)
        if not purpose:
            raise DomainError("invalid_input", "purpose: the restriction to release.",
                              field="purpose")
        text = str(reason or "").strip()
        if not text:
            raise DomainError("invalid_input", "A release names its reason.", field="reason")
        return cls(fund_id=fund_id, purpose=purpose, amount_fen=check_fen(amount_fen),
                   reason=text[:2000], actor=actor)

    def check_approver(self, actor: dict[str, Any]) -> None:
        if self.status != REQUESTED:
            raise DomainError("invalid_state", f"The request is {self.status}.")
        if actor.get("id") == self.requested_by.get("id"):
            raise DomainError("second_approver_required")

    class Approved(Aggregate.Event):
        entry_id: UUID
        actor: dict[str, Any]

    def approve(self, entry_id: UUID, actor: dict[str, Any]) -> None:
        """Called once the fund's entry is made, in the same save."""
        self.check_approver(actor)
        self._approved(entry_id=entry_id, actor=actor)

    @event(Approved)
    def _approved(self, entry_id: UUID, actor: dict[str, Any]) -> None:
        self.status = APPROVED
        self.entry_id = entry_id

    class Declined(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    def decline(self, reason: Any, actor: dict[str, Any]) -> None:
        if self.status != REQUESTED:
            raise DomainError("invalid_state", f"The request is {self.status}.")
        text = str(reason or "").strip()
        if not text:
            raise DomainError("invalid_input", "A refusal names its reason.", field="reason")
        self._declined(reason=text[:2000], actor=actor)

    @event(Declined)
    def _declined(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = DECLINED
