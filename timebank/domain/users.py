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
from timebank.domain.sessions import with_opened
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

    class Created(Aggregate.Created):
        username: str
        password_hash: str
        role: str
        office_id: UUID | None
        actor: dict[str, Any]

    @event(Created)
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
        # After an administrator's reset: no token until the owner chooses a new password.
        self.must_change_password = False
        # The open sessions (timebank/domain/sessions.py): session id -> when, from where.
        self.sessions: dict[str, dict[str, Any]] = {}

    def _end_every_session(self) -> None:
        self.token_generation += 1
        self.sessions = {}

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
        """The owner's new password (the old one checked by the caller): every session ends."""
        self._password_changed(password_hash=password_hash, actor=actor)

    class PasswordChanged(Aggregate.Event):
        password_hash: str
        actor: dict[str, Any]

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str, actor: dict[str, Any]) -> None:
        self.password_hash = password_hash
        self.must_change_password = False
        self._end_every_session()

    def reset_password(self, password_hash: str, actor: dict[str, Any], reason: str) -> None:
        """An administrator sets a temporary password; the owner must change it at the next
        login, before any token is issued."""
        if not self.active:
            raise DomainError("invalid_state", "The account is deactivated.")
        self._password_reset(password_hash=password_hash, actor=actor, reason=reason)

    class PasswordReset(Aggregate.Event):
        password_hash: str
        actor: dict[str, Any]
        reason: str

    @event(PasswordReset)
    def _password_reset(self, password_hash: str, actor: dict[str, Any], reason: str) -> None:
        self.password_hash = password_hash
        self.must_change_password = True
        self._end_every_session()

    def open_session(self, session_id: str, opened_at: datetime, expires_at: datetime,
                     network: str | None, agent: str | None) -> None:
        """A login: the token names `session_id`, which works while it stays open."""
        self._session_opened(session_id=session_id, opened_at=opened_at,
                             expires_at=expires_at, network=network, agent=agent)

    @event("SessionOpened")
    def _session_opened(self, session_id: str, opened_at: datetime, expires_at: datetime,
                        network: str | None, agent: str | None) -> None:
        self.sessions = with_opened(self.sessions, session_id, opened_at, expires_at,
                                    network, agent)

    def close_session(self, session_id: str, actor: dict[str, Any], reason: str) -> None:
        """One session ends (a logout, or revoked from the sessions page)."""
        if session_id not in self.sessions:
            raise DomainError("not_found", "No such open session.")
        self._session_closed(session_id=session_id, actor=actor, reason=reason)

    @event("SessionClosed")
    def _session_closed(self, session_id: str, actor: dict[str, Any], reason: str) -> None:
        self.sessions = {k: v for k, v in self.sessions.items() if k != session_id}

    def revoke_sessions(self, actor: dict[str, Any], reason: str) -> None:
        """Every token issued so far stops working (sign out everywhere, a suspected theft)."""
        self._sessions_revoked(actor=actor, reason=reason)

    @event("SessionsRevoked")
    def _sessions_revoked(self, actor: dict[str, Any], reason: str) -> None:
        self._end_every_session()

    def deactivate(self, actor: dict[str, Any], reason: str) -> None:
        if not self.active:
            raise DomainError("invalid_state", "The account is already deactivated.")
        self._deactivated(actor=actor, reason=reason)

    class Deactivated(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Deactivated)
    def _deactivated(self, actor: dict[str, Any], reason: str) -> None:
        self.active = False
        self._end_every_session()

    def reactivate(self, actor: dict[str, Any], reason: str) -> None:
        if self.active:
            raise DomainError("invalid_state", "The account is already active.")
        self._reactivated(actor=actor, reason=reason)

    class Reactivated(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Reactivated)
    def _reactivated(self, actor: dict[str, Any], reason: str) -> None:
        self.active = True

    def change_role(self, role: str, office_id: UUID | None, actor: dict[str, Any],
                    reason: str) -> None:
        if role not in ROLES:
            raise DomainError("invalid_role")
        if (role, office_id) == (self.role, self.office_id):
            raise DomainError("invalid_state", "The account already has that role there.")
        self._role_changed(role=role, office_id=office_id, actor=actor, reason=reason)

    class RoleChanged(Aggregate.Event):
        role: str
        office_id: UUID | None
        actor: dict[str, Any]
        reason: str

    @event(RoleChanged)
    def _role_changed(self, role: str, office_id: UUID | None, actor: dict[str, Any],
                      reason: str) -> None:
        # Tokens name the account, not its role: the next request acts with the new one.
        self.role = role
        self.office_id = office_id
