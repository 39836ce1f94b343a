"""A volunteer's record beyond their services: training attended, awards and commendations,
and complaints about a service (received, investigated, decided)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from timebank.application.authz import (
    AWARD_RECORDERS,
    BANK_ADMIN,
    COMPLAINT_DECIDERS,
    OFFICE_FIGURES,
    OPERATORS,
    TRAINING_RECORDERS,
    VOLUNTEER_RECORDS,
    require_read,
    require_scope,
)
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.complaints import Complaint
from timebank.domain.errors import DomainError
from timebank.domain.offices import BANK, Office
from timebank.domain.reading import ReadScope
from timebank.domain.service import ServiceRecord
from timebank.domain.values import minutes_from_hours, shanghai_date, utc_now
from timebank.domain.volunteers import Volunteer


def _not_future(day: date, field: str) -> date:
    if day > shanghai_date(utc_now()):
        raise DomainError("invalid_input", f"{field} cannot be in the future.", field=field)
    return day


class RecordServices(BaseServices):
    @retry_on_conflict
    def set_record_rules(self, actor: Actor, bank_id: UUID | str,
                         star_thresholds_hours: list[int], correction_days: int) -> Office:
        """A bank's rules of records: star thresholds and the days to answer a correction.
        Bank administrators, from now on (never retroactive)."""
        bank = self.load_office(bank_id)
        require_scope(actor, bank, (BANK_ADMIN,))
        bank.change_record_rules(star_thresholds_hours, correction_days, actor.record())
        self.save(bank)
        return bank

    def record_rules(self, actor: Actor, bank_id: UUID | str) -> Office:
        bank = self.load_office(bank_id)
        require_read(actor, OFFICE_FIGURES, bank)
        if bank.kind != BANK:
            raise DomainError("office_not_bank")
        return bank

    def missing_entry_scope(self, actor: Actor) -> ReadScope:
        """The activities a volunteer may say they served at without an entry: their own
        savings office's (the page offers them to choose from)."""
        if actor.kind != "volunteer":
            raise DomainError("forbidden")
        volunteer = self.load(Volunteer, actor.id, "volunteer")
        return ReadScope.subtree(self.load_office(volunteer.office_id))

    def read_volunteer_records(self, actor: Actor, volunteer_id: UUID | str) -> Volunteer:
        """The volunteer themself, or readers whose subtree holds the volunteer's office."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        require_read(actor, VOLUNTEER_RECORDS, self.load_office(volunteer.office_id),
                     str(volunteer.id))
        return volunteer

    @retry_on_conflict
    def record_training(self, actor: Actor, volunteer_id: UUID | str, name: str,
                        held_on: date, hours: str, provider: str = "") -> dict[str, Any]:
        """培训记录: operators of the volunteer's office record a training attended."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        office = self.load_office(volunteer.office_id)
        require_scope(actor, office, TRAINING_RECORDERS)
        training_id = str(uuid4())
        volunteer.record_training(training_id, name, _not_future(held_on, "held_on"),
                                  minutes_from_hours(hours), provider,
                                  office.id, actor.record())
        self.save(volunteer)
        return {"id": training_id, "volunteer_id": str(volunteer.id)}

    @retry_on_conflict
    def record_award(self, actor: Actor, volunteer_id: UUID | str, title: str,
                     awarded_by: str, awarded_on: date) -> dict[str, Any]:
        """表彰奖励: recorded by a branch or bank administrator over the volunteer's office."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        office = self.load_office(volunteer.office_id)
        require_scope(actor, office, AWARD_RECORDERS)
        award_id = str(uuid4())
        volunteer.record_award(award_id, title, awarded_by,
                               _not_future(awarded_on, "awarded_on"),
                               office.id, actor.record())
        self.save(volunteer)
        return {"id": award_id, "volunteer_id": str(volunteer.id)}

    # -- complaints ------------------------------------------------------------------------
    def receive_complaint(self, actor: Actor, service_record_id: UUID | str,
                          complainant_kind: str, complainant: str, summary: str,
                          received_on: date) -> Complaint:
        """Operators of the office that recorded the service receive a complaint about it.
        Who complained is a third person's data: sealed under the complaint's own key."""
        record = self.load(ServiceRecord, service_record_id, "service record")
        require_scope(actor, self.load_office(record.office_id), OPERATORS)
        complaint_id = uuid4()
        complainant = (complainant or "").strip()
        if len(complainant) > 100:
            raise DomainError("invalid_input", "complainant: at most 100 characters.",
                              field="complainant")
        sealed = None
        if complainant:
            self.vault.create_key(complaint_id)
            sealed = self.vault.seal(complaint_id, {"who": complainant})["who"]
        complaint = Complaint.receive(
            service_record_id=record.id, volunteer_id=record.volunteer_id,
            office_id=record.office_id, complainant_kind=complainant_kind,
            complainant_sealed=sealed, summary=summary,
            received_on=_not_future(received_on, "received_on").isoformat(),
            actor=actor.record(), complaint_id=complaint_id)
        self.save(complaint)
        return complaint

    def load_complaint(self, complaint_id: UUID | str) -> Complaint:
        return self.load(Complaint, complaint_id, "complaint")

    def read_complaint(self, actor: Actor, complaint_id: UUID | str) -> Complaint:
        complaint = self.load_complaint(complaint_id)
        require_read(actor, VOLUNTEER_RECORDS, self.load_office(complaint.office_id),
                     str(complaint.volunteer_id))
        return complaint

    def complainant_of(self, actor: Actor, complaint: Complaint) -> str | None:
        """Staff see who complained; the volunteer complained about does not."""
        if actor.kind == "volunteer" or complaint.complainant_sealed is None:
            return None
        return self.vault.open(complaint.id, {"who": complaint.complainant_sealed})["who"]

    @retry_on_conflict
    def investigate_complaint(self, actor: Actor, complaint_id: UUID | str,
                              note: str) -> Complaint:
        complaint = self.load_complaint(complaint_id)
        require_scope(actor, self.load_office(complaint.office_id), COMPLAINT_DECIDERS)
        complaint.investigate(note, actor.record())
        self.save(complaint)
        return complaint

    @retry_on_conflict
    def resolve_complaint(self, actor: Actor, complaint_id: UUID | str, outcome: str,
                          finding: str) -> Complaint:
        complaint = self.load_complaint(complaint_id)
        require_scope(actor, self.load_office(complaint.office_id), COMPLAINT_DECIDERS)
        complaint.resolve(outcome, finding, actor.record())
        self.save(complaint)
        return complaint
