"""Volunteer registration, moves between offices, logins, and reading a person's data."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import OPERATORS, VOLUNTEERS, require_read, require_scope
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for, phone_claim_id_for
from timebank.domain.offices import SAVINGS_OFFICE, Office
from timebank.domain.values import (
    mask_name,
    new_passbook_no,
    normalise_mobile,
    normalise_name,
    normalise_resident_id,
    validate_pin,
)
from timebank.domain.volunteers import Passbook, PhoneClaim, Volunteer

PASSBOOK_NO_ATTEMPTS = 5


@dataclass(frozen=True)
class PersonalData:
    name: str
    phone: str
    id_number: str | None

    @property
    def name_masked(self) -> str:
        return mask_name(self.name)


def _require_savings_office(office: Office) -> None:
    if office.kind != SAVINGS_OFFICE:
        raise DomainError(
            "invalid_input", "Volunteers belong to a savings office.", field="office_id"
        )


class VolunteerServices(BaseServices):
    def register_volunteer(
        self,
        actor: Actor,
        name: str,
        phone: str,
        id_number: str | None,
        office_id: UUID | str,
        pin: str,
    ) -> Volunteer:
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        _require_savings_office(office)
        self.ensure_open_path(office)
        clean_name = normalise_name(name)
        clean_phone = normalise_mobile(phone)
        clean_id = normalise_resident_id(id_number) if id_number else None
        validate_pin(pin)
        phone_index = self.vault.blind_index(clean_phone)
        generation = self._free_claim_generation(phone_index)

        volunteer_id = uuid4()
        self.vault.create_key(volunteer_id)
        sealed = self.vault.seal(
            volunteer_id, {"name": clean_name, "phone": clean_phone, "id_number": clean_id}
        )
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
            )
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
            },
        )
        return PersonalData(
            name=opened["name"] or "", phone=opened["phone"] or "", id_number=opened["id_number"]
        )

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
        generation: int | None = None,
    ) -> Actor | None:
        try:  # read only: the cached volunteer itself, no copy
            volunteer = self.view(Volunteer, volunteer_id, "volunteer")
        except DomainError:
            return None
        if not volunteer.active:
            return None
        if generation is not None and generation != volunteer.token_generation:
            return None  # a token from before a PIN change, an erasure or a logout
        return Actor(
            kind="volunteer",
            id=str(volunteer.id),
            role=None,
            office_id=volunteer.office_id,
            request_id=request_id,
            bank_id=volunteer.bank_id,
            passbook_id=volunteer.passbook_id,
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
