"""Issuing and verifying service certificates."""

from __future__ import annotations

from datetime import date
from typing import Any

from eventsourcing.persistence import RecordConflictError

from timebank.application.base import BaseServices
from timebank.domain.actors import Actor
from timebank.domain.certificates import (
    Certificate,
    certificate_id_for,
    content_hash,
    new_serial,
)
from timebank.domain.errors import DomainError
from timebank.domain.values import (
    hours_text,
    mask_name,
    mask_passbook_no,
    shanghai_date,
    utc_now,
)
from timebank.domain.volunteers import Volunteer

SERIAL_ATTEMPTS = 5


def mask_id_number(id_number: str | None) -> str | None:
    if not id_number or len(id_number) < 8:
        return None
    return id_number[:3] + "*" * (len(id_number) - 5) + id_number[-2:]


class CertificateServices(BaseServices):
    def issue_certificate(
        self,
        actor: Actor,
        volunteer: Volunteer,
        services: list[dict[str, Any]],
        period_from: date,
        period_to: date,
        issuer: str,
    ) -> Certificate:
        """`services`: approved service lines of the period, from the read model."""
        if period_to < period_from:
            raise DomainError("invalid_time_range", field="to")
        opened = self.vault.open(
            volunteer.id, {"name": volunteer.name_sealed, "id_number": volunteer.id_number_sealed}
        )
        total_minutes = sum(line["minutes"] for line in services)
        # Even masked, the identity on a certificate is the person's: sealed under their key,
        # so an erasure reaches certificates too. The hash covers the sealed form.
        identity = self.vault.seal(volunteer.id, {
            "name_masked": mask_name(opened["name"] or ""),
            "id_masked": mask_id_number(opened["id_number"]),
            "passbook_no": volunteer.passbook_no,
        })
        for _attempt in range(SERIAL_ATTEMPTS):
            serial = new_serial(shanghai_date(utc_now()).year)
            content = {
                "serial": serial,
                "title": "志愿服务证明",
                "volunteer": {"sealed": identity},
                "period": {"from": period_from.isoformat(), "to": period_to.isoformat()},
                "issuer": issuer,
                "issued_on": shanghai_date(utc_now()).isoformat(),
                "services": [
                    {
                        "date": line["date"],
                        "activity": line["activity"],
                        "place": line["place"],
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
            )
            try:
                self.save(certificate)
                return certificate
            except RecordConflictError:
                continue  # the serial was drawn before: draw another
        raise DomainError("conflict")

    def load_certificate(self, serial: str) -> Certificate:
        try:
            return self.load(Certificate, certificate_id_for(serial), "certificate")
        except DomainError as exc:
            raise DomainError("invalid_certificate") from exc

    def verify_certificate(self, serial: str, claimed_hash: str) -> Certificate:
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
        return content

    def certificate_volunteer(self, certificate: Certificate) -> Volunteer:
        return self.load(Volunteer, certificate.volunteer_id, "volunteer")
