"""Service certificates (志愿服务证明): what was certified, fixed by a content hash.

The certificate records exactly the content it was issued with; a verifier compares a
document's hash with the recorded one, so an altered paper does not verify.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import NAMESPACE

SERIAL_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone


def new_serial(year: int) -> str:
    return f"ZYFW-{year}-" + "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(10))


def certificate_id_for(serial: str) -> UUID:
    return uuid5(NAMESPACE, f"certificate:{serial}")


def content_hash(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class Certificate(Aggregate):
    @staticmethod
    def create_id(serial: str, **_: Any) -> UUID:
        return certificate_id_for(serial)

    class Issued(Aggregate.Created):
        """Version 2 names the issuing office: the office that recorded the services it
        certifies (a period recorded by several offices gives one certificate per office)."""

        class_version = 2
        serial: str
        volunteer_id: UUID
        content: dict[str, Any]
        content_hash: str
        actor: dict[str, Any]
        office_id: UUID | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 named its issuer only in words, in the content.
            state["office_id"] = None

    @event(Issued)
    def __init__(
        self,
        serial: str,
        volunteer_id: UUID,
        content: dict[str, Any],
        content_hash: str,
        actor: dict[str, Any],
        office_id: UUID | None = None,
    ) -> None:
        self.serial = serial
        self.volunteer_id = volunteer_id
        self.content = content
        self.content_hash = content_hash
        self.office_id = office_id
        self.revoked: dict[str, Any] | None = None

    def revoke(self, reason: str, actor: dict[str, Any]) -> None:
        """撤销: the certificate stays on the register, and verifies as revoked."""
        if self.revoked is not None:
            raise DomainError("invalid_state", "The certificate is already revoked.")
        reason = (reason or "").strip()
        if not 1 <= len(reason) <= 500:
            raise DomainError("invalid_input", "reason: 1 to 500 characters.", field="reason")
        self._revoked(reason=reason, actor=actor)

    class Revoked(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    @event(Revoked)
    def _revoked(self, reason: str, actor: dict[str, Any]) -> None:
        self.revoked = {"reason": reason}

    def matches(self, claimed_hash: str) -> bool:
        """Genuine and unchanged: the claim is the recorded hash of the recorded content."""
        return claimed_hash == self.content_hash == content_hash(self.content)
