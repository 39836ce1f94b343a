"""Corrections asked by volunteers (更正申请): the volunteer asks, the recording office answers
by its due date — a correction or a late entry saved with the acceptance, or a refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from timebank.application.authz import OPERATORS, VOLUNTEER_RECORDS, require_read, require_scope
from timebank.application.retry import retry_on_conflict
from timebank.application.service_records import ServiceRecordServices
from timebank.domain.actors import Actor
from timebank.domain.attendance import attendance_record_id_for
from timebank.domain.corrections import (
    CORRECTED,
    LATE_ENTRY,
    MISSING,
    WRONG,
    CorrectionRequest,
    due_date,
)
from timebank.domain.errors import DomainError
from timebank.domain.service import APPROVED, ServiceRecord
from timebank.domain.values import (
    hours_text,
    minutes_from_hours,
    require_aware,
    shanghai_date,
    utc_now,
)
from timebank.domain.volunteers import Volunteer


class CorrectionServices(ServiceRecordServices):
    def ask_correction(self, actor: Actor, kind: str, reason: str,
                       service_record_id: UUID | str | None = None,
                       activity_id: UUID | str | None = None, hours: str | None = None,
                       started_at: datetime | None = None,
                       ended_at: datetime | None = None) -> CorrectionRequest:
        """A volunteer reports a wrong entry of theirs (with the hours they say are right)
        or a missing one (an activity of their bank and the times they served)."""
        if actor.kind != "volunteer":
            raise DomainError("forbidden", "Volunteers ask for corrections of their record.")
        volunteer = self.load(Volunteer, actor.id, "volunteer")
        record_id = activity = None
        claimed = hours_text(minutes_from_hours(hours)) if hours not in (None, "") else None
        if kind == WRONG:
            record = self.load(ServiceRecord, service_record_id, "service record")
            if record.volunteer_id != volunteer.id:
                raise DomainError("not_found", "service record not found.")
            office_id, record_id = record.office_id, record.id
        elif kind == MISSING:
            activity = self.load_activity(activity_id) if activity_id else None
            if activity is None or activity.bank_id != volunteer.bank_id:
                raise DomainError("not_found", "activity not found.", field="activity_id")
            office_id = activity.office_id
            if self.exists(attendance_record_id_for(activity.id, volunteer.id)):
                raise DomainError("already_recorded", "Ask to correct that entry instead.")
            started_at = require_aware(started_at, "started_at") if started_at else None
            ended_at = require_aware(ended_at, "ended_at") if ended_at else None
            if started_at and ended_at and claimed is None:
                claimed = hours_text(int((ended_at - started_at).total_seconds() // 60))
        else:
            raise DomainError("invalid_input", "kind: wrong or missing.", field="kind")
        bank = self.bank_of(self.load_office(office_id))
        request = CorrectionRequest.ask(
            volunteer_id=volunteer.id, office_id=office_id, kind=kind,
            service_record_id=record_id, activity_id=activity.id if activity else None,
            claimed_hours=claimed, claimed_started_at=started_at, claimed_ended_at=ended_at,
            reason=reason, due_on=due_date(shanghai_date(utc_now()), bank.correction_days),
            actor=actor.record())
        self.save(request)
        return request

    def load_correction(self, request_id: UUID | str) -> CorrectionRequest:
        return self.load(CorrectionRequest, request_id, "correction request")

    def read_correction(self, actor: Actor, request_id: UUID | str) -> CorrectionRequest:
        request = self.load_correction(request_id)
        require_read(actor, VOLUNTEER_RECORDS, self.load_office(request.office_id),
                     str(request.volunteer_id))
        return request

    @retry_on_conflict
    def accept_correction(self, actor: Actor, request_id: UUID | str, note: str = "",
                          hours: str | None = None, started_at: datetime | None = None,
                          ended_at: datetime | None = None) -> CorrectionRequest:
        """The recording office accepts: a wrong entry is corrected to `hours` (the hours the
        volunteer claimed unless staff found others); a missing one is entered late, for the
        times found (the claimed ones by default), and approved. One save holds it all."""
        request = self.load_correction(request_id)
        office = self.load_office(request.office_id)
        require_scope(actor, office, OPERATORS)
        if request.kind == WRONG:
            record = self.load(ServiceRecord, request.service_record_id, "service record")
            found = hours if hours not in (None, "") else request.claimed_hours
            if found is None:
                raise DomainError("invalid_hours", field="hours")
            aggregates, body = self.corrected(
                actor, record, str(found), f"更正申请 {request.id}: {request.reason}"[:500])
            request.accept(CORRECTED, record.id, body["hours"], note, actor.record())
            self.save(request, *aggregates)
            return request
        activity = self.load_activity(request.activity_id)
        start = started_at or request.claimed_started_at
        end = ended_at or request.claimed_ended_at
        if start is None or end is None:
            raise DomainError("invalid_time_range", field="started_at")
        record = self.manual_entry(actor, request.volunteer_id, activity, start, end,
                                   f"补录：更正申请 {request.id}"[:500])
        paid = self.approve_into_passbook(record, office, actor)
        credited = paid if isinstance(paid, list) else [paid]  # the passbook (and time account)
        assert record.status == APPROVED
        request.accept(LATE_ENTRY, record.id, hours_text(record.minutes), note,
                       actor.record())
        self.save(request, record, *credited)
        return request

    @retry_on_conflict
    def refuse_correction(self, actor: Actor, request_id: UUID | str,
                          reason: str) -> CorrectionRequest:
        request = self.load_correction(request_id)
        require_scope(actor, self.load_office(request.office_id), OPERATORS)
        request.refuse(reason, actor.record())
        self.save(request)
        return request

    def correction_view(self, request: CorrectionRequest) -> dict[str, Any]:
        return {"id": str(request.id), "status": request.status, "due_on": request.due_on}
