"""The first response to an idempotent request, saved in the same transaction as its effects."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.ids import idempotency_id_for


class IdempotencyRecord(Aggregate):
    @staticmethod
    def create_id(scope: str, key: str, **_: Any) -> UUID:
        return idempotency_id_for(scope, key)

    @event("Recorded")
    def __init__(
        self, scope: str, key: str, fingerprint: str, status: int, body: dict[str, Any]
    ) -> None:
        self.scope = scope
        self.key = key
        self.fingerprint = fingerprint
        self.status = status
        self.body = body

    def replay(self, fingerprint: str) -> tuple[int, dict[str, Any]]:
        """The stored answer, if the request is the same one; otherwise the key was reused."""
        if fingerprint != self.fingerprint:
            raise DomainError("idempotency_key_reused")
        return self.status, self.body
