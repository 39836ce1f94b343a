"""Issuing, revoking and verifying service certificates (志愿服务记录证明).

What a certificate shows follows the 2015 guidance (民发〔2015〕149号) and the 2020 rules: the
volunteer (full name, ID type and number, volunteer number, national number), the service
(hours, content, period), the issuer (the office that recorded the service, never another;
its person in charge, handling officer and contact), a number and an issue date, the seal.
The public check shows only masked data."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import (
    BANK_ADMIN,
    BRANCH_ADMIN,
    OPERATORS,
    VOLUNTEERS,
    require_read,
    require_scope,
)
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.certificates import (
    Certificate,
    certificate_id_for,
    content_hash,
    new_serial,
)
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.seals import Seal, seal_id_for
from timebank.domain.values import (
    hours_text,
    mask_name,
    mask_passbook_no,
    shanghai_date,
    utc_now,
)
from timebank.domain.vocabulary import RESIDENT_ID
from timebank.domain.volunteers import Volunteer
from timebank.security.personal_data import ERASED

SERIAL_ATTEMPTS = 5


def mask_id_number(id_number: str | None) -> str | None:
    if not id_number or len(id_number) < 8:
        return None
    return id_number[:3] + "*" * (len(id_number) - 5) + id_number[-2:]


class CertificateServices(BaseServices):
    # -- the issuer: its profile and its seal --------------------------------------------
    @retry_on_conflict
    def set_issuer_profile(self, actor: Actor, office_id: UUID | str, person_in_charge: str,
                           handling_officer: str, contact: str) -> Office:
        office = self.load_office(office_id)
        require_scope(actor, office, (BRANCH_ADMIN, BANK_ADMIN))
        office.set_issuer_profile(person_in_charge, handling_officer, contact, actor.record())
        self.save(office)
        return office

    @retry_on_conflict
    def upload_seal(self, actor: Actor, office_id: UUID | str, png: bytes) -> Seal:
        """A bank administrator uploads the office's seal (公章) image."""
        office = self.load_office(office_id)
        require_scope(actor, office, (BANK_ADMIN,))
        seal = self.seal_of(office.id) or Seal(office_id=office.id)
        seal.upload(png, actor.record())
        self.save(seal)
        return seal

    def seal_of(self, office_id: UUID) -> Seal | None:
        try:
            seal = self.repository.get(seal_id_for(office_id))
        except AggregateNotFoundError:
            return None
        assert isinstance(seal, Seal)
        return seal

    def issuer_profile(self, office: Office) -> dict[str, str] | None:
        """The office's own profile, else the nearest office above it that has one."""
        if office.issuer_profile is not None:
            return office.issuer_profile
        for ancestor_id in reversed(office.ancestor_ids):
            profile = self.load_office(ancestor_id).issuer_profile
            if profile is not None:
                return profile
        return None

    # -- issuing -------------------------------------------------------------------------
    def issue_certificate(
        self,
        actor: Actor,
        volunteer: Volunteer,
        services: list[dict[str, Any]],
        period_from: date,
        period_to: date,
        issuer: str,
        issuer_office: Office | None = None,
        star_level: int = 0,
    ) -> Certificate:
        """`services`: the approved service lines of the period recorded by `issuer_office`
        (from the read model); `issuer`: its name as printed."""
        if period_to < period_from:
            raise DomainError("invalid_time_range", field="to")
        opened = self.vault.open(
            volunteer.id, {"name": volunteer.name_sealed, "id_number": volunteer.id_number_sealed,
                           "national_no": volunteer.national_no_sealed})
        total_minutes = sum(line["minutes"] for line in services)
        # The identity is the person's: sealed under their key, so an erasure reaches
        # certificates too. The hash covers the sealed form.
        identity = self.vault.seal(volunteer.id, {
            "name": opened["name"] or "",
            "id_type": RESIDENT_ID if opened["id_number"] else None,
            "id_masked": mask_id_number(opened["id_number"]),
            "passbook_no": volunteer.passbook_no,
            "national_no": opened["national_no"],
        })
        profile = self.issuer_profile(issuer_office) if issuer_office else None
        for _attempt in range(SERIAL_ATTEMPTS):
            serial = new_serial(shanghai_date(utc_now()).year)
            content = {
                "version": 2,
                "serial": serial,
                "title": "志愿服务记录证明",
                "volunteer": {"sealed": identity},
                "star_level": star_level,
                "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
                "issuer": issuer,
                "issuer_office_id": str(issuer_office.id) if issuer_office else None,
                "issuer_profile": profile,
                "issued_on": shanghai_date(utc_now()).isoformat(),
                "services": [
                    {
                        "date": line["date"],
                        "activity": line["activity"],
                        "place": line["place"],
                        "content": line.get("content") or "",
                        "hours": hours_text(line["minutes"]),
                    }
                    for line in services
                ],
                "total_hours": hours_text(total_minutes),
                "total_services": len(services),
            }
            certificate = Certificate(
                serial=serial,
                volunteer_id=volunteer.id,
                content=content,
                content_hash=content_hash(content),
                actor=actor.record(),
                office_id=issuer_office.id if issuer_office else None,
            )
            try:
                self.save(certificate)
                return certificate
            except RecordConflictError:
                continue  # the serial was drawn before: draw another
        raise DomainError("conflict")

    # -- the register: revocation ----------------------------------------------------------
    @retry_on_conflict
    def revoke_certificate(self, actor: Actor, serial: str, reason: str) -> Certificate:
        """Staff of the issuing office (or above) revoke; the register keeps it."""
        certificate = self.load_certificate(serial)
        office_id = certificate.office_id or self.certificate_volunteer(certificate).office_id
        require_scope(actor, self.load_office(office_id), OPERATORS)
        certificate.revoke(reason, actor.record())
        self.save(certificate)
        return certificate

    def read_certificate(self, actor: Actor, serial: str) -> Certificate:
        """The holder, or readers over the issuing office (the holder's for old ones)."""
        certificate = self.load_certificate(serial)
        office_id = certificate.office_id or self.certificate_volunteer(certificate).office_id
        require_read(actor, VOLUNTEERS, self.load_office(office_id),
                     str(certificate.volunteer_id))
        return certificate

    # -- verifying -------------------------------------------------------------------------
    def load_certificate(self, serial: str) -> Certificate:
        try:
            return self.load(Certificate, certificate_id_for(serial), "certificate")
        except DomainError as exc:
            raise DomainError("invalid_certificate") from exc

    def verify_certificate(self, serial: str, claimed_hash: str) -> Certificate:
        """Genuine and unchanged (revoked or not: the answer says which)."""
        certificate = self.load_certificate(serial)
        if not certificate.matches(claimed_hash):
            raise DomainError("invalid_certificate")
        return certificate

    def certificate_view(self, certificate: Certificate, public: bool = False
                         ) -> dict[str, Any]:
        """The certified content with the identity opened (or shown as erased). `public`
        (the verification anyone may open) shows the passbook number masked: the full
        number names the passbook a kiosk looks up and a 转赠 goes to."""
        content = dict(certificate.content)
        sealed = content.get("volunteer", {}).get("sealed")
        if sealed is not None:
            content["volunteer"] = self.vault.open(certificate.volunteer_id, sealed)
        if public and content.get("volunteer", {}).get("passbook_no"):
            content["volunteer"] = {**content["volunteer"], "passbook_no": mask_passbook_no(
                content["volunteer"]["passbook_no"])}
        if content.get("version", 1) >= 2:
            seal = self.seal_of(certificate.office_id) if certificate.office_id else None
            content["seal_png"] = seal.png if seal is not None else None
        return content

    def public_view(self, certificate: Certificate) -> dict[str, Any]:
        """What anyone holding the code sees: masked name only — no passbook number, no ID
        number — the period, hours, issuer and whether it still stands."""
        content = self.certificate_view(certificate)
        volunteer = content.get("volunteer") or {}
        name = volunteer.get("name")
        name_masked = volunteer.get("name_masked") or (
            name if name == ERASED else mask_name(name or ""))
        return {
            "serial": certificate.serial,
            "title": content.get("title"),
            "volunteer": {"name_masked": name_masked},
            "period": content.get("period"),
            "issuer": content.get("issuer"),
            "issued_on": content.get("issued_on"),
            "total_hours": content.get("total_hours"),
            "total_services": content.get("total_services"),
            "status": "revoked" if certificate.revoked else "valid",
            "revocation_reason": (certificate.revoked or {}).get("reason"),
        }

    def certificate_volunteer(self, certificate: Certificate) -> Volunteer:
        return self.load(Volunteer, certificate.volunteer_id, "volunteer")
