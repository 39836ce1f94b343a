"""The register of certificates issued (证明出具登记): the issuer numbers and files every
certificate it issues; search, export and revocation work from here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import certificate_register
from timebank.domain.certificates import Certificate


class CertificatesProjection(Projection):
    name = "certificates"
    tables = (certificate_register,)

    def __init__(self) -> None:
        self._register = Rows(certificate_register)

    def begin_batch(self, conn: Connection) -> None:
        self._register.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        issued = {str(e.originator_id) for e in events if isinstance(e, Certificate.Issued)}
        self._register.load(conn, {str(e.originator_id) for e in events
                                   if isinstance(e, Certificate.Revoked)}, created=issued)

    def end_batch(self, conn: Connection) -> None:
        self._register.flush(conn)

    @handles(Certificate.Issued)
    def issued(self, conn: Connection, event: Certificate.Issued) -> None:
        content = event.content
        self._register.add({
            "certificate_id": str(event.originator_id), "serial": event.serial,
            "volunteer_id": str(event.volunteer_id),
            "office_id": str(event.office_id) if event.office_id else None,
            "issuer": str(content.get("issuer") or "")[:300],
            "issued_at": event.timestamp,
            "issued_on": date.fromisoformat(content["issued_on"]),
            "period_from": date.fromisoformat(content["period"]["from"]),
            "period_to": date.fromisoformat(content["period"]["to"]),
            "total_hours": content["total_hours"],
            "total_services": content["total_services"],
            "issued_by_kind": event.actor.get("kind"), "issued_by": event.actor.get("id"),
            "status": "valid", "revoked_at": None, "revoked_by": None,
            "revocation_reason": None})

    @handles(Certificate.Revoked)
    def revoked(self, conn: Connection, event: Certificate.Revoked) -> None:
        self._register.change(conn, str(event.originator_id), status="revoked",
                              revoked_at=event.timestamp, revoked_by=event.actor.get("id"),
                              revocation_reason=event.reason)
