"""A volunteer's record beyond their services, for lists, pages and exports: training
attended, awards and commendations, complaints and their decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import awards, complaints, correction_requests, trainings
from timebank.domain.complaints import INVESTIGATING, RECEIVED, RESOLVED, Complaint
from timebank.domain.corrections import ACCEPTED, PENDING, REFUSED, CorrectionRequest
from timebank.domain.service import staff_id
from timebank.domain.volunteers import Volunteer


class RecordsProjection(Projection):
    name = "records"
    tables = (trainings, awards, complaints, correction_requests)

    def __init__(self) -> None:
        self._trainings = Rows(trainings)
        self._awards = Rows(awards)
        self._complaints = Rows(complaints)
        self._corrections = Rows(correction_requests)

    def _all(self) -> tuple[Rows, ...]:
        return (self._trainings, self._awards, self._complaints, self._corrections)

    def begin_batch(self, conn: Connection) -> None:
        for rows in self._all():
            rows.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        received = {str(e.originator_id) for e in events if isinstance(e, Complaint.Received)}
        changed = {str(e.originator_id) for e in events
                   if isinstance(e, Complaint.InvestigationStarted | Complaint.Resolved)}
        self._complaints.load(conn, changed, created=received)
        asked = {str(e.originator_id) for e in events
                 if isinstance(e, CorrectionRequest.Requested)}
        answered = {str(e.originator_id) for e in events
                    if isinstance(e, CorrectionRequest.Accepted | CorrectionRequest.Refused)}
        self._corrections.load(conn, answered, created=asked)

    def end_batch(self, conn: Connection) -> None:
        for rows in self._all():
            rows.flush(conn)

    @handles(Volunteer.TrainingRecorded)
    def training(self, conn: Connection, event: Volunteer.TrainingRecorded) -> None:
        self._trainings.add({
            "training_id": event.training_id, "volunteer_id": str(event.originator_id),
            "office_id": str(event.office_id), "name": event.name,
            "held_on": date.fromisoformat(event.held_on), "minutes": event.minutes,
            "provider": event.provider, "recorded_at": event.timestamp,
            "recorded_by": staff_id(event.actor)})

    @handles(Volunteer.AwardRecorded)
    def award(self, conn: Connection, event: Volunteer.AwardRecorded) -> None:
        self._awards.add({
            "award_id": event.award_id, "volunteer_id": str(event.originator_id),
            "office_id": str(event.office_id), "title": event.title,
            "awarded_by": event.awarded_by, "awarded_on": date.fromisoformat(event.awarded_on),
            "recorded_at": event.timestamp, "recorded_by": staff_id(event.actor)})

    @handles(Complaint.Received)
    def received(self, conn: Connection, event: Complaint.Received) -> None:
        self._complaints.add({
            "complaint_id": str(event.originator_id),
            "service_record_id": str(event.service_record_id),
            "volunteer_id": str(event.volunteer_id), "office_id": str(event.office_id),
            "complainant_kind": event.complainant_kind, "summary": event.summary,
            "received_on": date.fromisoformat(event.received_on),
            "received_at": event.timestamp, "status": RECEIVED, "investigation_note": None,
            "outcome": None, "finding": None, "resolved_at": None, "resolved_by": None})

    @handles(Complaint.InvestigationStarted)
    def investigating(self, conn: Connection, event: Complaint.InvestigationStarted) -> None:
        self._complaints.change(conn, str(event.originator_id), status=INVESTIGATING,
                                investigation_note=event.note)

    @handles(Complaint.Resolved)
    def resolved(self, conn: Connection, event: Complaint.Resolved) -> None:
        self._complaints.change(conn, str(event.originator_id), status=RESOLVED,
                                outcome=event.outcome, finding=event.finding,
                                resolved_at=event.timestamp,
                                resolved_by=event.actor.get("id"))

    @handles(CorrectionRequest.Requested)
    def correction_asked(self, conn: Connection, event: CorrectionRequest.Requested) -> None:
        self._corrections.add({
            "request_id": str(event.originator_id), "volunteer_id": str(event.volunteer_id),
            "office_id": str(event.office_id), "kind": event.kind,
            "service_record_id": _text(event.service_record_id),
            "activity_id": _text(event.activity_id), "claimed_hours": event.claimed_hours,
            "claimed_started_at": event.claimed_started_at,
            "claimed_ended_at": event.claimed_ended_at, "reason": event.reason,
            "requested_at": event.timestamp, "due_on": date.fromisoformat(event.due_on),
            "status": PENDING, "outcome": None, "result_record_id": None,
            "result_hours": None, "answer": None, "answered_at": None, "answered_by": None})

    @handles(CorrectionRequest.Accepted)
    def correction_accepted(self, conn: Connection,
                            event: CorrectionRequest.Accepted) -> None:
        self._corrections.change(
            conn, str(event.originator_id), status=ACCEPTED, outcome=event.outcome,
            result_record_id=str(event.record_id), result_hours=event.hours,
            answer=event.note, answered_at=event.timestamp, answered_by=event.actor.get("id"))

    @handles(CorrectionRequest.Refused)
    def correction_refused(self, conn: Connection, event: CorrectionRequest.Refused) -> None:
        self._corrections.change(
            conn, str(event.originator_id), status=REFUSED, answer=event.reason,
            answered_at=event.timestamp, answered_by=event.actor.get("id"))


def _text(value: object) -> str | None:
    return str(value) if value is not None else None
