"""Volunteer registration, moves between offices, logins, and reading a person's data."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import OPERATORS, VOLUNTEERS, require_read, require_scope
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.ages import (
    ADULT,
    ADULT_AGE,
    Attendee,
    age_on,
    birth_date_from_id,
    check_birth_date,
    check_guardian,
    registration_age_band,
)
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for, phone_claim_id_for
from timebank.domain.offices import SAVINGS_OFFICE, Office
from timebank.domain.pin_strength import refuse_weak_pin
from timebank.domain.values import (
    mask_name,
    new_passbook_no,
    normalise_mobile,
    normalise_name,
    normalise_resident_id,
    shanghai_date,
    utc_now,
    validate_pin,
)
from timebank.domain.volunteers import Passbook, PhoneClaim, Volunteer

PASSBOOK_NO_ATTEMPTS = 5


@dataclass(frozen=True)
class PersonalData:
    name: str
    phone: str
    id_number: str | None
    birth_date: date | None = None  # from the ID number, or as given; None: not known

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)

    def age_on(self, day: date) -> int | None:
        return age_on(self.birth_date, day) if self.birth_date else None


@dataclass(frozen=True)
class Guardian:
    """监护人: who consented to a minor's volunteering, their relation, and when."""

    name: str
    relation: str
    consented_on: date
    phone: str = ""


def _birth_date_of(id_number: str | None, birth_date: date | None, today: date) -> date | None:
    if id_number:
        from_id = birth_date_from_id(id_number)
        if birth_date is not None and birth_date != from_id:
            raise DomainError("invalid_input", "birth_date differs from the ID number's.",
                              field="birth_date")
        return from_id
    return check_birth_date(birth_date, today) if birth_date is not None else None


def _require_savings_office(office: Office) -> None:
    if office.kind != SAVINGS_OFFICE:
        raise DomainError(
            "invalid_input", "Volunteers belong to a savings office.", field="office_id"
        )


def _opened_birth_date(opened: dict[str, str | None]) -> date | None:
    """From the ID number when there is one, else as given; None when erased or unknown."""
    try:
        if opened["id_number"]:
            return birth_date_from_id(opened["id_number"])
        if opened["birth_date"]:
            return date.fromisoformat(opened["birth_date"])
    except ValueError:  # erased: the vault answers a placeholder
        return None
    return None


class VolunteerServices(BaseServices):
    def register_volunteer(
        self,
        actor: Actor,
        name: str,
        phone: str,
        id_number: str | None,
        office_id: UUID | str,
        pin: str,
        birth_date: date | None = None,
        guardian: Guardian | None = None,
    ) -> Volunteer:
        """The age comes from the ID number, else from `birth_date`: under 14 nobody
        registers on their own, and from 14 to 18 `guardian` (their consent) is required."""
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        _require_savings_office(office)
        self.ensure_open_path(office)
        clean_name = normalise_name(name)
        clean_phone = normalise_mobile(phone)
        clean_id = normalise_resident_id(id_number) if id_number else None
        validate_pin(pin)
        today = shanghai_date(utc_now())
        birth = _birth_date_of(clean_id, birth_date, today)
        refuse_weak_pin(pin, clean_phone, clean_id, birth)
        if guardian is not None:
            guardian_name, _relation = check_guardian(
                guardian.name, guardian.relation, guardian.consented_on, today)
            guardian_phone = normalise_mobile(guardian.phone) if guardian.phone else ""
        age_band = registration_age_band(birth, today, guardian is not None)
        phone_index = self.vault.blind_index(clean_phone)
        generation = self._free_claim_generation(phone_index)

        volunteer_id = uuid4()
        self.vault.create_key(volunteer_id)
        sealed = self.vault.seal(volunteer_id, {
            "name": clean_name, "phone": clean_phone, "id_number": clean_id,
            # Kept only when no ID number gives it.
            "birth_date": birth.isoformat() if birth and not clean_id else None,
            "guardian": json.dumps({"name": guardian_name, "phone": guardian_phone},
                                   ensure_ascii=False) if guardian is not None else None,
        })
        pin_hash = self.pins.hash(pin)
        for _attempt in range(PASSBOOK_NO_ATTEMPTS):
            passbook_no = new_passbook_no()
            volunteer = Volunteer(
                id=volunteer_id,
                office_id=office.id,
                bank_id=office.bank_id,
                passbook_no=passbook_no,
                name_sealed=sealed["name"],
                phone_sealed=sealed["phone"],
                id_number_sealed=sealed["id_number"],
                phone_index=phone_index,
                pin_hash=pin_hash,
                actor=actor.record(),
                age_band=age_band,
                birth_date_sealed=sealed["birth_date"],
            )
            if guardian is not None and age_band != ADULT:
                assert sealed["guardian"] is not None
                volunteer.record_guardian_consent(sealed["guardian"], guardian.relation,
                                                  guardian.consented_on, actor.record())
            claim = PhoneClaim(phone_index=phone_index, volunteer_id=volunteer_id,
                               generation=generation)
            passbook = Passbook(
                passbook_no=passbook_no, volunteer_id=volunteer_id, actor=actor.record()
            )
            try:
                self.save(volunteer, claim, passbook)
                return volunteer
            except RecordConflictError as exc:
                if self.exists(phone_claim_id_for(phone_index, generation)):
                    raise DomainError("phone_taken") from exc
                # A passbook number collided (one in ten billion): draw another.
        raise DomainError("conflict")

    def _phone_claims(self, phone_index: str) -> Iterator[tuple[int, PhoneClaim | None]]:
        """The phone's claims, generation by generation, ending with the first not made."""
        generation = 0
        while True:
            try:
                claim = self.repository.get(phone_claim_id_for(phone_index, generation))
            except AggregateNotFoundError:
                yield generation, None
                return
            assert isinstance(claim, PhoneClaim)
            yield generation, claim
            generation += 1

    def _free_claim_generation(self, phone_index: str) -> int:
        """The generation a new holder of this phone claims; phone_taken if it is held."""
        for generation, claim in self._phone_claims(phone_index):
            if claim is None:
                return generation
            if claim.volunteer_id is not None:
                raise DomainError("phone_taken")
        raise AssertionError("unreachable")  # pragma: no cover

    def phone_claim_of(self, volunteer: Volunteer) -> PhoneClaim | None:
        """The claim a volunteer holds (None once released by their erasure)."""
        for _generation, claim in self._phone_claims(volunteer.phone_index):
            if claim is None:
                return None
            if claim.volunteer_id == volunteer.id:
                return claim
        return None  # pragma: no cover

    def load_volunteer(self, volunteer_id: UUID | str) -> Volunteer:
        return self.load(Volunteer, volunteer_id, "volunteer")

    def authorize_volunteer_read(self, actor: Actor, volunteer: Volunteer) -> None:
        """The volunteer themself, or staff whose subtree holds the volunteer's office."""
        require_read(actor, VOLUNTEERS, self.load_office(volunteer.office_id), str(volunteer.id))

    def authorize_volunteer_write(self, actor: Actor, volunteer: Volunteer) -> None:
        """The volunteer themself, or operators of the volunteer's office (not read-only roles)."""
        if actor.kind == "volunteer":
            if actor.id != str(volunteer.id):
                raise DomainError("forbidden")
            return
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)

    def personal_data(self, volunteer: Volunteer) -> PersonalData:
        opened = self.vault.open(
            volunteer.id,
            {
                "name": volunteer.name_sealed,
                "phone": volunteer.phone_sealed,
                "id_number": volunteer.id_number_sealed,
                "birth_date": volunteer.birth_date_sealed,
            },
        )
        return PersonalData(
            name=opened["name"] or "", phone=opened["phone"] or "",
            id_number=opened["id_number"], birth_date=_opened_birth_date(opened))

    # -- ages, guardians, consents ------------------------------------------------------------
    def attendee(self, volunteer: Volunteer, day: date | None = None) -> Attendee:
        """What an activity's rules need of a volunteer. The sealed birth date is opened only
        when registration did not settle the age (a minor then, or registered before ages
        were kept); an age still unknown counts as an adult's."""
        day = day or shanghai_date(utc_now())
        if volunteer.age_band == ADULT or volunteer.age_needs_completing:
            # An adult, or nothing sealed could tell the age: no need to open the vault
            # (a scan stays within its round trips).
            minor = False
        else:
            age = self.personal_data(volunteer).age_on(day)
            minor = age is not None and age < ADULT_AGE
        return Attendee(is_minor=minor, guardian_consent=volunteer.guardian_consent is not None,
                        trainings=frozenset(volunteer.trainings.values()),
                        location_consent=volunteer.location_consent)

    def guardian_of(self, volunteer: Volunteer) -> dict[str, Any] | None:
        consent = volunteer.guardian_consent
        if consent is None:
            return None
        opened = self.vault.open(volunteer.id, {"guardian": consent["guardian_sealed"]})["guardian"]
        try:
            who = json.loads(opened or "{}")
        except ValueError:  # erased
            who = {"name": opened, "phone": ""}
        return {"name": who.get("name", ""), "phone": who.get("phone", ""),
                "relation": consent["relation"], "consented_on": consent["consented_on"]}

    @retry_on_conflict
    def record_guardian_consent(self, actor: Actor, volunteer_id: UUID | str,
                                guardian: Guardian) -> Volunteer:
        """Staff record a guardian's consent (a minor registered before, or a new consent)."""
        volunteer = self.load_volunteer(volunteer_id)
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)
        name, relation = check_guardian(guardian.name, guardian.relation,
                                        guardian.consented_on, shanghai_date(utc_now()))
        phone = normalise_mobile(guardian.phone) if guardian.phone else ""
        sealed = self.vault.seal(volunteer.id, {"guardian": json.dumps(
            {"name": name, "phone": phone}, ensure_ascii=False)})["guardian"]
        assert sealed is not None
        volunteer.record_guardian_consent(sealed, relation, guardian.consented_on,
                                          actor.record())
        self.save(volunteer)
        return volunteer

    @retry_on_conflict
    def record_birth_date(self, actor: Actor, volunteer_id: UUID | str,
                          birth_date: date) -> Volunteer:
        """Staff complete the age of a volunteer registered without an ID number or birth
        date. The same rules as at registration: under 14 is refused; a minor needs a
        guardian's consent recorded first."""
        volunteer = self.load_volunteer(volunteer_id)
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)
        today = shanghai_date(utc_now())
        birth = check_birth_date(birth_date, today)
        band = registration_age_band(birth, today, volunteer.guardian_consent is not None)
        sealed = self.vault.seal(volunteer.id, {"birth_date": birth.isoformat()})["birth_date"]
        assert sealed is not None
        volunteer.record_birth_date(sealed, band, actor.record())
        self.save(volunteer)
        return volunteer

    @retry_on_conflict
    def set_location_consent(self, actor: Actor, volunteer_id: UUID | str,
                             given: bool) -> Volunteer:
        """Only the volunteer gives or withdraws their consent to the use of location."""
        volunteer = self.load_volunteer(volunteer_id)
        if actor.kind != "volunteer" or actor.id != str(volunteer.id):
            raise DomainError("forbidden", "Only the volunteer decides this consent.")
        volunteer.set_location_consent(given, actor.record())
        self.save(volunteer)
        return volunteer

    @retry_on_conflict
    def record_national_number(self, actor: Actor, volunteer_id: UUID | str,
                               national_no: str) -> Volunteer:
        """志愿者统一编号 as the national volunteer system gave it (letters and digits)."""
        volunteer = self.load_volunteer(volunteer_id)
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)
        number = (national_no or "").strip().upper()
        if not number.isascii() or not number.isalnum() or not 4 <= len(number) <= 40:
            raise DomainError("invalid_input", "national_no: 4 to 40 letters and digits.",
                              field="national_no")
        sealed = self.vault.seal(volunteer.id, {"national_no": number})["national_no"]
        assert sealed is not None
        volunteer.record_national_number(sealed, actor.record())
        self.save(volunteer)
        return volunteer

    def national_number(self, volunteer: Volunteer) -> str | None:
        if volunteer.national_no_sealed is None:
            return None
        return self.vault.open(volunteer.id, {"n": volunteer.national_no_sealed})["n"]

    @retry_on_conflict
    def move_volunteer(
        self, actor: Actor, volunteer_id: UUID | str, office_id: UUID | str, reason: str
    ) -> Volunteer:
        volunteer = self.load_volunteer(volunteer_id)
        source = self.load_office(volunteer.office_id)
        target = self.load_office(office_id)
        require_scope(actor, source, OPERATORS)
        require_scope(actor, target, OPERATORS)
        _require_savings_office(target)
        self.ensure_open_path(target)
        if target.bank_id != volunteer.bank_id:
            raise DomainError("office_mismatch", "Moves stay within one bank.")
        volunteer.move_to(target.id, actor.record(), reason)
        self.save(volunteer)
        return volunteer

    def find_volunteer_by_phone(self, phone: str) -> Volunteer | None:
        try:
            clean_phone = normalise_mobile(phone)
        except DomainError:
            return None
        for _generation, claim in self._phone_claims(self.vault.blind_index(clean_phone)):
            if claim is None:
                return None
            if claim.volunteer_id is not None:
                return self.load_volunteer(claim.volunteer_id)
        return None  # pragma: no cover

    def authenticate_volunteer(self, phone: str, pin: str) -> Volunteer:
        """Phone + PIN for the volunteer's own pages. Guessing is limited per phone at the
        edge (the same answer for unknown phones); the kiosk lock-out is the passbook's own,
        so a stranger's guesses here cannot lock a volunteer out of the kiosks."""
        volunteer = self.find_volunteer_by_phone(phone)
        ok, upgrade = self.pins.verify(volunteer.pin_hash if volunteer else None, pin or "")
        if volunteer is None or not ok or not volunteer.active:
            raise DomainError("wrong_phone_or_pin")
        if upgrade:
            with contextlib.suppress(RecordConflictError):  # changed meanwhile: next time
                volunteer.rehash_pin(self.pins.hash(pin))
                self.save(volunteer)
        return volunteer

    def actor_for_volunteer(
        self, volunteer_id: UUID | str, request_id: str | None = None,
        generation: int | None = None, session: str | None = None,
    ) -> Actor | None:
        try:  # read only: the cached volunteer itself, no copy
            volunteer = self.view(Volunteer, volunteer_id, "volunteer")
        except DomainError:
            return None
        if not volunteer.active:
            return None
        if generation is not None and generation != volunteer.token_generation:
            return None  # a token from before a PIN change, an erasure or a logout
        if session is not None and session not in volunteer.sessions:
            return None  # that session was ended (logout, or from the sessions page)
        return Actor(
            kind="volunteer",
            id=str(volunteer.id),
            role=None,
            office_id=volunteer.office_id,
            request_id=request_id,
            bank_id=volunteer.bank_id,
            passbook_id=volunteer.passbook_id,
            volunteer=volunteer,
        )

    @retry_on_conflict
    def revoke_sessions(self, kind: str, subject_id: UUID | str, actor: Actor,
                        reason: str) -> None:
        """Every token of this account issued so far stops working (logout)."""
        from timebank.domain.users import User

        account = (self.load(User, subject_id) if kind == "user"
                   else self.load_volunteer(subject_id))
        account.revoke_sessions(actor.record(), reason)
        self.save(account)

    def load_passbook(self, passbook_no: str) -> Passbook:
        return self.load(Passbook, passbook_id_for(passbook_no), "passbook")
