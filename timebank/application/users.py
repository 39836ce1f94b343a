"""Staff accounts and logins."""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import require_may_grant
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import ADMIN_ROLE, SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import user_id_for
from timebank.domain.users import ROLES, User, normalise_username
from timebank.domain.values import utc_now
from timebank.security.passwords import hash_secret, verify_secret

MIN_PASSWORD_LENGTH = 8


def _check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD_LENGTH <= len(password) <= 256:
        raise DomainError("invalid_password")
    return password


class UserServices(BaseServices):
    # A bank partition claims the username in the directory first (timebank.partitions);
    # with one database the store's own check on the user's id is the whole story.
    def claim_username(self, username: str, actor: Actor) -> None:
        """Called after every check and before the save of a new staff account."""

    def create_user(
        self,
        actor: Actor,
        username: str,
        password: str,
        role: str,
        office_id: UUID | str | None,
    ) -> User:
        username = normalise_username(username)
        _check_password(password)
        if role not in ROLES:
            raise DomainError("invalid_role")
        office = self.load_office(office_id) if office_id else None
        if role != ADMIN_ROLE and office is None:
            raise DomainError(
                "invalid_input", "office_id is required for this role.", field="office_id"
            )
        require_may_grant(actor, role, office)
        if office is not None:
            self.ensure_open_path(office)
        if self.exists(user_id_for(username)):
            raise DomainError("username_taken")
        self.claim_username(username, actor)
        user = User(
            username=username,
            password_hash=hash_secret(password),
            role=role,
            office_id=office.id if office else None,
            actor=actor.record(),
        )
        try:
            self.save(user)
        except RecordConflictError as exc:
            raise DomainError("username_taken") from exc
        return user

    def ensure_admin(self, username: str, password: str) -> tuple[User, bool]:
        """`timebank users create-admin`: create once; running it again changes nothing."""
        username = normalise_username(username)
        existing = self.find_user(username)
        if existing is not None:
            if existing.role != ADMIN_ROLE or not existing.active:
                raise DomainError("username_taken", "That username belongs to another account.")
            return existing, False
        return self.create_user(SYSTEM, username, password, ADMIN_ROLE, None), True

    def find_user(self, username: str) -> User | None:
        try:
            user = self.repository.get(user_id_for(normalise_username(username)))
        except (AggregateNotFoundError, DomainError):
            return None
        return user if isinstance(user, User) else None

    def usernames(self, user_ids: set[str | None] | list[str | None]) -> dict[str, str]:
        """Staff accounts' user names by id, to say who was in charge of or recorded an
        entry (活动负责人, 记录人); ids of no staff account are left out."""
        found: dict[str, str] = {}
        for user_id in {i for i in user_ids if i}:
            try:
                user = self.repository.get(UUID(str(user_id)))
            except (AggregateNotFoundError, ValueError):
                continue
            if isinstance(user, User):
                found[str(user_id)] = user.username
        return found

    @retry_on_conflict
    def authenticate_user(self, username: str, password: str,
                          source: str | None = None) -> User:
        """`source`: where the attempt came from (the client's address). Wrong passwords
        are counted, and lock, per account and source: a stranger's guesses lock the
        stranger out, not the account's owner elsewhere. The events keep a keyed
        fingerprint of the address, never the address."""
        user = self.find_user(username) if username else None
        fingerprint = self.source_fingerprint(source)
        if user is not None:
            user.ensure_unlocked(utc_now(), fingerprint)
        # Verify even when there is no such user, so that timing does not reveal usernames.
        ok = verify_secret(user.password_hash if user else None, password or "")
        if user is None or not user.active:
            raise DomainError("invalid_credentials")
        if not ok:
            user.record_wrong_password(utc_now(), fingerprint)
            self.save(user)
            raise DomainError("invalid_credentials")
        if user.record_right_password(fingerprint):
            self.save(user)
        if user.must_change_password:
            # Reset by an administrator: the right temporary password earns no token, only
            # the change-password step (AccountServices.change_expired_password).
            raise DomainError("password_change_required")
        return user

    def source_fingerprint(self, source: str | None) -> str:
        """A keyed hash of an address: per-address counting without storing the address."""
        if not source:
            return "unknown"
        return hmac.new(self.fingerprint_key, f"source:{source}".encode(),
                        hashlib.sha256).hexdigest()[:16]

    def actor_for_user(self, user_id: UUID | str, request_id: str | None = None,
                       generation: int | None = None, session: str | None = None
                       ) -> Actor | None:
        """None (401) for an unknown or inactive account, a token of an earlier
        `generation`, or of a `session` no longer open — each one comparison on the account
        already loaded (and cached) for this request. Tokens from before sessions name
        none and live by the generation alone."""
        try:  # read only: the cached account itself, no copy
            user = self.view(User, user_id)
        except DomainError:
            return None
        if not user.active:
            return None
        if generation is not None and generation != user.token_generation:
            return None
        if session is not None and session not in user.sessions:
            return None
        return Actor(
            kind="user",
            id=str(user.id),
            role=user.role,
            office_id=user.office_id,
            request_id=request_id,
        )
