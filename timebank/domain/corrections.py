"""A volunteer's request to correct their record (《志愿服务记录与证明出具办法》: a volunteer may
report a wrong or missing entry; the recording organisation checks and fixes it promptly).

A request names the recording office, which must answer by its due date (the bank's
`correction_days` after the request, 15 by default); past it, the request is overdue and the
branch above sees it flagged. The office accepts — a correction of the entry, or a late entry
of a missing service, both as compensating events saved with the acceptance — or refuses
with a reason. Every step is an event with who and when.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError

WRONG, MISSING = "wrong", "missing"
KINDS = (WRONG, MISSING)
PENDING, ACCEPTED, REFUSED = "pending", "accepted", "refused"
CORRECTED, LATE_ENTRY = "corrected", "late_entry"


def _words(value: str, field: str, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError("invalid_input", f"{field}: 1 to {max_len} characters.", field=field)
    return text


def due_date(requested_on: date, days: int) -> date:
    return requested_on + timedelta(days=days)


def is_overdue(status: str, due_on: date, today: date) -> bool:
    """Unanswered after its due date (the office has the whole due day to answer)."""
    return status == PENDING and today > due_on


class CorrectionRequest(Aggregate):
    class Requested(Aggregate.Created):
        volunteer_id: UUID
        office_id: UUID  # the recording office, which must answer
        kind: str  # wrong | missing
        service_record_id: UUID | None  # the entry said to be wrong
        activity_id: UUID | None  # the activity of a missing entry
        claimed_hours: str | None  # what the volunteer says the hours were
        claimed_started_at: datetime | None  # a missing entry's times, as the volunteer says
        claimed_ended_at: datetime | None
        reason: str
        due_on: str  # YYYY-MM-DD: the office answers by this day
        actor: dict[str, Any]

    @event(Requested)
    def __init__(self, volunteer_id: UUID, office_id: UUID, kind: str,
                 service_record_id: UUID | None, activity_id: UUID | None,
                 claimed_hours: str | None, claimed_started_at: datetime | None,
                 claimed_ended_at: datetime | None, reason: str, due_on: str,
                 actor: dict[str, Any]) -> None:
        self.volunteer_id = volunteer_id
        self.office_id = office_id
        self.kind = kind
        self.service_record_id = service_record_id
        self.activity_id = activity_id
        self.claimed_hours = claimed_hours
        self.claimed_started_at = claimed_started_at
        self.claimed_ended_at = claimed_ended_at
        self.reason = reason
        self.due_on = due_on
        self.status = PENDING
        self.outcome: str | None = None

    @classmethod
    def ask(cls, volunteer_id: UUID, office_id: UUID, kind: str,
            service_record_id: UUID | None, activity_id: UUID | None,
            claimed_hours: str | None, claimed_started_at: datetime | None,
            claimed_ended_at: datetime | None, reason: str, due_on: date,
            actor: dict[str, Any]) -> CorrectionRequest:
        if kind not in KINDS:
            raise DomainError("invalid_input", f"kind: one of {KINDS}.", field="kind")
        if kind == WRONG and service_record_id is None:
            raise DomainError("invalid_input", "A wrong entry names its service record.",
                              field="service_record_id")
        if kind == MISSING and (activity_id is None or claimed_started_at is None
                                or claimed_ended_at is None):
            raise DomainError("invalid_input", "A missing entry names its activity and times.",
                              field="activity_id")
        if claimed_started_at and claimed_ended_at and claimed_ended_at <= claimed_started_at:
            raise DomainError("invalid_time_range", field="ended_at")
        return cls(volunteer_id=volunteer_id, office_id=office_id, kind=kind,
                   service_record_id=service_record_id, activity_id=activity_id,
                   claimed_hours=claimed_hours, claimed_started_at=claimed_started_at,
                   claimed_ended_at=claimed_ended_at, reason=_words(reason, "reason", 500),
                   due_on=due_on.isoformat(), actor=actor)

    def _ensure_pending(self) -> None:
        if self.status != PENDING:
            raise DomainError("invalid_state", "The request was already answered.")

    def accept(self, outcome: str, record_id: UUID, hours: str, note: str,
               actor: dict[str, Any]) -> None:
        """Accepted: `record_id` is the entry corrected, or the late entry made."""
        self._ensure_pending()
        expected = CORRECTED if self.kind == WRONG else LATE_ENTRY
        if outcome != expected:
            raise DomainError("invalid_input", f"A {self.kind} entry is answered by {expected}.")
        self._accepted(outcome=outcome, record_id=record_id, hours=hours,
                       note=_words(note, "note", 500, required=False), actor=actor)

    class Accepted(Aggregate.Event):
        outcome: str  # corrected | late_entry
        record_id: UUID
        hours: str
        note: str
        actor: dict[str, Any]

    @event(Accepted)
    def _accepted(self, outcome: str, record_id: UUID, hours: str, note: str,
                  actor: dict[str, Any]) -> None:
        self.status = ACCEPTED
        self.outcome = outcome

    def refuse(self, reason: str, actor: dict[str, Any]) -> None:
        self._ensure_pending()
        self._refused(reason=_words(reason, "reason", 500), actor=actor)

    class Refused(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    @event(Refused)
    def _refused(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = REFUSED
