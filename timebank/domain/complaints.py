"""Complaints about a service (投诉记录, 《志愿服务记录办法》 2012): received → investigating →
resolved, each step an event with who and when; the outcome joins the volunteer's record.

Staff of the office that recorded the service receive a complaint; someone above that
office (a branch or bank administrator) investigates and decides it, so that nobody decides a
complaint about their own office's record alone.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError

RECEIVED, INVESTIGATING, RESOLVED = "received", "investigating", "resolved"
UPHELD, DISMISSED = "upheld", "dismissed"
OUTCOMES = (UPHELD, DISMISSED)
COMPLAINANT_KINDS = ("beneficiary", "family", "resident", "staff", "other")


def _words(value: str, field: str, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError("invalid_input", f"{field}: 1 to {max_len} characters.", field=field)
    return text


class Complaint(Aggregate):
    class Received(Aggregate.Created):
        service_record_id: UUID
        volunteer_id: UUID
        office_id: UUID  # the office that recorded the service
        complainant_kind: str
        complainant_sealed: str | None  # who complained: a third person's data, sealed
        summary: str
        received_on: str  # YYYY-MM-DD
        actor: dict[str, Any]

    @event(Received)
    def __init__(self, service_record_id: UUID, volunteer_id: UUID, office_id: UUID,
                 complainant_kind: str, complainant_sealed: str | None, summary: str,
                 received_on: str, actor: dict[str, Any], id: UUID | None = None) -> None:
        self.service_record_id = service_record_id
        self.volunteer_id = volunteer_id
        self.office_id = office_id
        self.complainant_kind = complainant_kind
        self.complainant_sealed = complainant_sealed
        self.summary = summary
        self.received_on = received_on
        self.status = RECEIVED
        self.outcome: str | None = None

    @classmethod
    def receive(cls, service_record_id: UUID, volunteer_id: UUID, office_id: UUID,
                complainant_kind: str, complainant_sealed: str | None, summary: str,
                received_on: str, actor: dict[str, Any], complaint_id: UUID) -> Complaint:
        if complainant_kind not in COMPLAINANT_KINDS:
            raise DomainError("invalid_input", f"complainant_kind: one of {COMPLAINANT_KINDS}.",
                              field="complainant_kind")
        return cls(id=complaint_id, service_record_id=service_record_id,
                   volunteer_id=volunteer_id, office_id=office_id,
                   complainant_kind=complainant_kind, complainant_sealed=complainant_sealed,
                   summary=_words(summary, "summary", 1000), received_on=received_on,
                   actor=actor)

    def investigate(self, note: str, actor: dict[str, Any]) -> None:
        if self.status != RECEIVED:
            raise DomainError("invalid_state", "The complaint is already being investigated.")
        self._investigation_started(note=_words(note, "note", 1000, required=False),
                                    actor=actor)

    class InvestigationStarted(Aggregate.Event):
        note: str
        actor: dict[str, Any]

    @event(InvestigationStarted)
    def _investigation_started(self, note: str, actor: dict[str, Any]) -> None:
        self.status = INVESTIGATING

    def resolve(self, outcome: str, finding: str, actor: dict[str, Any]) -> None:
        """Upheld or dismissed, with the finding (and what was done about it)."""
        if self.status == RESOLVED:
            raise DomainError("invalid_state", "The complaint is already resolved.")
        if outcome not in OUTCOMES:
            raise DomainError("invalid_input", f"outcome: one of {OUTCOMES}.", field="outcome")
        self._resolved(outcome=outcome, finding=_words(finding, "finding", 1000), actor=actor)

    class Resolved(Aggregate.Event):
        outcome: str
        finding: str
        actor: dict[str, Any]

    @event(Resolved)
    def _resolved(self, outcome: str, finding: str, actor: dict[str, Any]) -> None:
        self.status = RESOLVED
        self.outcome = outcome
