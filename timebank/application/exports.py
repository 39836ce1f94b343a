"""Exports of volunteers' records (记录导出): who may take one, the personal data it carries,
and the event that says it was taken.

A volunteer takes a copy of their own record (PIPL: access and copy); the operators of an
office take their volunteers' records, and an office subtree's records of a period, to enter
them into the national system. The export carries the person's full data — the national
system matches people by ID number — so read-only roles (treasurers, auditors) take none.
Every export is recorded (`RecordExport.Made`) and so is in the audit trail."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from timebank.application.authz import RECORD_EXPORTS, read_scope, require_read
from timebank.application.base import BaseServices
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.export_format import EXPORT_ID_TYPE, VERSION, sex_from_id
from timebank.domain.exports import OFFICE_SCOPE, VOLUNTEER_SCOPE, RecordExport
from timebank.domain.offices import Office
from timebank.domain.reading import ReadScope
from timebank.domain.vocabulary import RESIDENT_ID
from timebank.domain.volunteers import Volunteer


class ExportServices(BaseServices):
    def volunteer_export_scope(self, actor: Actor,
                               volunteer_id: UUID | str) -> tuple[Volunteer, ReadScope]:
        """The volunteer themself, or operators over the volunteer's office: everything of
        the volunteer's, whoever recorded it."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        require_read(actor, RECORD_EXPORTS, self.load_office(volunteer.office_id),
                     str(volunteer.id))
        return volunteer, ReadScope.own(str(volunteer.id))

    def office_export_scope(self, actor: Actor, office_id: UUID | str
                            ) -> tuple[Office, ReadScope]:
        """Operators over the office: what its subtree recorded. Volunteers: forbidden."""
        if actor.kind == "volunteer":
            raise DomainError("forbidden")
        office = self.load_office(office_id)
        return office, read_scope(actor, RECORD_EXPORTS, office)

    def complete_export(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Adds, in place, what the read models do not hold: each volunteer's own data
        (opened under their key), their numbers on every row that names them, and the names
        of the staff in charge and recording."""
        numbers: dict[str, tuple[str | None, str | None]] = {}
        for row in rows["volunteers"]:
            row.update(self._person(row["volunteer_id"]))
            numbers[row["volunteer_id"]] = (row["volunteer_no"], row["national_no"])
        for kind in ("service_records", "trainings", "awards", "certificates"):
            for row in rows[kind]:
                volunteer_no, national_no = numbers.get(row["volunteer_id"], (None, None))
                row.update(volunteer_no=volunteer_no, national_no=national_no)
        names = self.usernames([row[f"{key}_id"] for row in rows["service_records"]
                                for key in ("person_in_charge", "recorder")])
        for row in rows["service_records"]:
            for key in ("person_in_charge", "recorder"):
                row[key] = names.get(row[f"{key}_id"] or "")

    def _person(self, volunteer_id: str) -> dict[str, Any]:
        volunteer = self.load(Volunteer, volunteer_id, "volunteer", copy=False)
        person = self.personal_data(volunteer)
        if volunteer.erased:
            # 个人信息删除: nothing of the person is readable any more, here neither.
            return {"name": None, "sex": None, "birth_date": None, "id_type": None,
                    "id_number": None, "phone": None, "national_no": None, "erased": True,
                    "active": False, "age_band": volunteer.age_band,
                    "guardian_relation": None, "guardian_consented_on": None,
                    "location_consent": volunteer.location_consent}
        consent = volunteer.guardian_consent or {}
        return {
            "name": person.name, "sex": sex_from_id(person.id_number),
            "birth_date": person.birth_date,
            "id_type": EXPORT_ID_TYPE[RESIDENT_ID] if person.id_number else None,
            "id_number": person.id_number, "phone": person.phone,
            "national_no": self.national_number(volunteer), "erased": False,
            "active": volunteer.active, "age_band": volunteer.age_band,
            "guardian_relation": consent.get("relation"),
            "guardian_consented_on": consent.get("consented_on"),
            "location_consent": volunteer.location_consent}

    def record_export(self, actor: Actor, office: Office, volunteer: Volunteer | None,
                      period: tuple[date | None, date | None],
                      counts: dict[str, int]) -> RecordExport:
        """The export as an event: who, whose (a volunteer, or an office's subtree), which
        period, how many rows of each kind."""
        export = RecordExport(
            scope=VOLUNTEER_SCOPE if volunteer is not None else OFFICE_SCOPE,
            office_id=office.id, volunteer_id=volunteer.id if volunteer else None,
            period_from=period[0].isoformat() if period[0] else None,
            period_to=period[1].isoformat() if period[1] else None,
            format_version=VERSION, rows=dict(counts),
            actor=actor.record())
        self.save(export)
        return export

