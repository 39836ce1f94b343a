"""Staff accounts. The id derives from the username, so usernames are unique by construction."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.actors import ADMIN_ROLE, STAFF_ROLES
from timebank.domain.errors import DomainError
from timebank.domain.ids import user_id_for

ROLES = (*STAFF_ROLES, ADMIN_ROLE)
ATTEMPTS_BEFORE_LOCK = 10
LOCK_DURATION = timedelta(minutes=15)


def normalise_username(raw: str) -> str:
    username = (raw or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9][a-z0-9._-]{2,63}", username):
        raise DomainError(
            "invalid_input",
            "username: 3 to 64 letters, digits, dots, dashes or underscores.",
            field="username",
        )
    return username


class User(Aggregate):
    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return user_id_for(username)

    @event("Created")
    def __init__(
        self,
        username: str,
        password_hash: str,
        role: str,
        office_id: UUID | None,
        actor: dict[str, Any],
    ) -> None:
        if role not in ROLES:
            raise DomainError("invalid_role")
        self.username = username
        self.password_hash = password_hash
        self.role = role
        self.office_id = office_id
        self.active = True
        self.wrong_passwords = 0
        self.locked_until: datetime | None = None

    # -- lock-out: ten wrong passwords in a row lock the account for a quarter of an hour --
    def ensure_unlocked(self, now: datetime) -> None:
        if self.locked_until is not None and now < self.locked_until:
            raise DomainError("account_locked", f"Locked until {self.locked_until.isoformat()}.")

    def record_wrong_password(self, now: datetime) -> None:
        consecutive = self.wrong_passwords + 1
        locked_until = (now + LOCK_DURATION) if consecutive >= ATTEMPTS_BEFORE_LOCK else None
        self._password_rejected(consecutive=0 if locked_until else consecutive,
                                locked_until=locked_until)

    @event("PasswordRejected")
    def _password_rejected(self, consecutive: int, locked_until: datetime | None) -> None:
        self.wrong_passwords = consecutive
        self.locked_until = locked_until

    def record_right_password(self) -> bool:
        if not (self.wrong_passwords or self.locked_until):
            return False
        self._password_accepted()
        return True

    @event("PasswordAccepted")
    def _password_accepted(self) -> None:
        self.wrong_passwords = 0
        self.locked_until = None

    def change_password(self, password_hash: str, actor: dict[str, Any]) -> None:
        self._password_changed(password_hash=password_hash, actor=actor)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: dict[str, Any]) -> None:
        self.password_hash = password_hash

    def deactivate(self, actor: dict[str, Any], reason: str) -> None:
        if not self.active:
            raise DomainError("invalid_state", "The account is already deactivated.")
        self._deactivated(actor=actor, reason=reason)

    @event("Deactivated")
    def _deactivated(self, actor: dict[str, Any], reason: str) -> None:
        self.active = False
