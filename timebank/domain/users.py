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
from timebank.domain.values import SHANGHAI

ROLES = (*STAFF_ROLES, ADMIN_ROLE)
ATTEMPTS_BEFORE_LOCK = 10
LOCK_DURATION = timedelta(minutes=15)
MAX_SOURCES_TRACKED = 200  # bounded state: a flood from many addresses forgets the oldest


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
        self.wrong_passwords = 0  # version 1's count, for the whole account
        self.locked_until: datetime | None = None
        # source -> {"wrong": n, "locked_until": ISO time or None}, the newest last
        self.source_locks: dict[str, dict[str, Any]] = {}
        # Tokens carry it; a password change, a deactivation or a logout raises it, and
        # tokens of an earlier generation answer 401 (derived from the events, so logs
        # written before it count the same changes).
        self.token_generation = 0

    # -- lock-out: ten wrong passwords in a row from one address lock that address out of the
    # account for a quarter of an hour; the real user, from another address, still gets in --
    def ensure_unlocked(self, now: datetime, source: str | None = None) -> None:
        until = self.locked_until  # a lock recorded before locks were per address
        mine = self.source_locks.get(source or "", {}).get("locked_until")
        for locked in (until, datetime.fromisoformat(mine) if mine else None):
            if locked is not None and now < locked:
                # Said as the person reads a clock: Beijing time, to the minute.
                shown = locked.astimezone(SHANGHAI).strftime("%H:%M")
                raise DomainError(
                    "account_locked", f"Try again after {shown} Beijing time.",
                    zh=f"密码连续输错 {ATTEMPTS_BEFORE_LOCK} 次，本机登录已锁定，"
                       f"北京时间 {shown} 后可再试。", locked_until=locked)

    def record_wrong_password(self, now: datetime, source: str | None = None) -> None:
        key = source or ""
        consecutive = self.source_locks.get(key, {}).get("wrong", 0) + 1
        locked_until = (now + LOCK_DURATION) if consecutive >= ATTEMPTS_BEFORE_LOCK else None
        self._password_rejected(consecutive=0 if locked_until else consecutive,
                                locked_until=locked_until, source=key)

    class PasswordRejected(Aggregate.Event):
        """Version 2 names the source (a keyed fingerprint of the address): the count and
        the lock are that source's. Version 1 counted and locked for every address."""

        class_version = 2
        consecutive: int
        locked_until: datetime | None
        source: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = None

    @event(PasswordRejected)
    def _password_rejected(self, consecutive: int, locked_until: datetime | None,
                           source: str | None = None) -> None:
        if source is None:  # version 1: one count and one lock for the whole account
            self.wrong_passwords = consecutive
            self.locked_until = locked_until
            return
        locks = self.source_locks
        locks.pop(source, None)
        locks[source] = {"wrong": consecutive,
                         "locked_until": locked_until.isoformat() if locked_until else None}
        while len(locks) > MAX_SOURCES_TRACKED:  # the oldest sources are forgotten
            locks.pop(next(iter(locks)))

    def record_right_password(self, source: str | None = None) -> bool:
        if not (self.wrong_passwords or self.locked_until
                or (source or "") in self.source_locks):
            return False
        self._password_accepted(source=source or "")
        return True

    class PasswordAccepted(Aggregate.Event):
        class_version = 2
        source: str | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["source"] = None

    @event(PasswordAccepted)
    def _password_accepted(self, source: str | None = None) -> None:
        self.wrong_passwords = 0
        self.locked_until = None
        if source is not None:
            self.source_locks.pop(source, None)

    def change_password(self, password_hash: str, actor: dict[str, Any]) -> None:
        self._password_changed(password_hash=password_hash, actor=actor)

    @event("PasswordChanged")
    def _password_changed(self, password_hash: str, actor: dict[str, Any]) -> None:
        self.password_hash = password_hash
        self.token_generation += 1

    def revoke_sessions(self, actor: dict[str, Any], reason: str) -> None:
        """Every token issued so far stops working (a logout, a suspected theft)."""
        self._sessions_revoked(actor=actor, reason=reason)

    @event("SessionsRevoked")
    def _sessions_revoked(self, actor: dict[str, Any], reason: str) -> None:
        self.token_generation += 1

    def deactivate(self, actor: dict[str, Any], reason: str) -> None:
        if not self.active:
            raise DomainError("invalid_state", "The account is already deactivated.")
        self._deactivated(actor=actor, reason=reason)

    @event("Deactivated")
    def _deactivated(self, actor: dict[str, Any], reason: str) -> None:
        self.active = False
        self.token_generation += 1
