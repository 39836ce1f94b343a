"""Who did something: recorded on every event, so the audit trail can say who, as what, where."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from timebank.domain.vocabulary import ROLE

ADMIN_ROLE = "admin"
# Every role but the administrator's, in the vocabulary's order (which also labels them).
STAFF_ROLES = tuple(code for code in ROLE.codes if code != ADMIN_ROLE)


@dataclass(frozen=True)
class Actor:
    kind: str  # "user" | "volunteer" | "kiosk" | "system"
    id: str
    role: str | None = None
    office_id: UUID | None = None
    request_id: str | None = None
    # A volunteer's bank and passbook, which never change after registration: set by the
    # login that loaded the volunteer, so that a scan need not load it a second time. Never
    # recorded in events.
    bank_id: UUID | None = None
    passbook_id: UUID | None = None
    # The volunteer aggregate the login loaded, for this request's own use (what an
    # activity's rules need to know of them at a scan). Never recorded in events.
    volunteer: Any = field(default=None, compare=False, repr=False)

    @property
    def is_admin(self) -> bool:
        return self.kind == "user" and self.role == ADMIN_ROLE

    def record(self) -> dict[str, str | None]:
        """The plain form stored inside events."""
        return {
            "kind": self.kind,
            "id": self.id,
            "role": self.role,
            "office_id": str(self.office_id) if self.office_id else None,
            "request_id": self.request_id,
        }


SYSTEM = Actor(kind="system", id="system", role=ADMIN_ROLE)
