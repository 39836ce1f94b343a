"""Account lifecycle (issue 17, item 1): sessions, passwords, PINs, disabling staff.

Each change is an event on the account, so the audit trail shows who did what to whom and
why. Every change of a secret, a reset, a deactivation and "sign out everywhere" raise the
account's token generation: tokens issued before answer 401 at once. A login opens a
session the owner can see and end on its own.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any
from uuid import UUID

from timebank.application.authz import (
    OPERATORS,
    grantable_roles,
    require_may_manage,
    require_scope,
)
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.application.users import _check_password
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.pin_strength import refuse_weak_pin
from timebank.domain.sessions import coarse_address, short_agent, still_open
from timebank.domain.users import ROLES, User
from timebank.domain.values import normalise_resident_id, utc_now, validate_pin
from timebank.domain.vocabulary import IDENTITY_DOCUMENT
from timebank.domain.volunteers import Volunteer
from timebank.security.passwords import hash_secret, verify_secret

Account = User | Volunteer


class AccountServices(BaseServices):
    # find_user, source_fingerprint (UserServices) and personal_data (VolunteerServices)
    # are the same application object's.
    def _account(self, kind: str, account_id: UUID | str) -> Account:
        if kind == "user":
            return self.load(User, account_id, "account")
        return self.load(Volunteer, account_id, "account")

    # -- sessions -----------------------------------------------------------------------------
    @retry_on_conflict
    def open_session(self, kind: str, account_id: UUID | str, address: str | None,
                     agent: str | None) -> tuple[str, int]:
        """After a successful login: a new session on the account. Answers its id (for the
        token) and the account's token generation."""
        account = self._account(kind, account_id)
        now = utc_now()
        session_id = secrets.token_hex(8)
        account.open_session(session_id, now, now + timedelta(
            seconds=self.settings.token_ttl_seconds), coarse_address(address), short_agent(agent))
        self.save(account)
        return session_id, account.token_generation

    def open_sessions(self, actor: Actor) -> list[dict[str, Any]]:
        """The actor's own open sessions, newest first."""
        account = self._account(actor.kind, actor.id)
        return still_open(account.sessions, utc_now())

    @retry_on_conflict
    def close_session(self, actor: Actor, session_id: str, reason: str = "logout") -> None:
        """One of the actor's own sessions ends (logout, or revoked on the sessions page)."""
        account = self._account(actor.kind, actor.id)
        account.close_session(session_id, actor.record(), reason)
        self.save(account)

    # -- staff: passwords ---------------------------------------------------------------------
    @retry_on_conflict
    def change_own_password(self, actor: Actor, old_password: str, new_password: str,
                            source: str | None = None) -> User:
        """The owner's change, the old password required. A wrong one counts like a wrong
        login from the same address (a stolen token does not buy unlimited guesses)."""
        if actor.kind != "user":
            raise DomainError("forbidden")
        user = self.load(User, actor.id)
        return self._change_password(user, old_password, new_password, actor.record(), source,
                                     wrong="wrong_password")

    @retry_on_conflict
    def change_expired_password(self, username: str, old_password: str, new_password: str,
                                source: str | None = None) -> User:
        """The one step open to an account whose password was reset: the temporary password
        and a new one, no token needed (none is issued until this is done)."""
        user = self.find_user(username) if username else None  # type: ignore[attr-defined]
        if user is None:
            verify_secret(None, old_password or "")  # the same time as a known username
            raise DomainError("invalid_credentials")
        owner = Actor(kind="user", id=str(user.id), role=user.role, office_id=user.office_id)
        return self._change_password(user, old_password, new_password, owner.record(), source,
                                     wrong="invalid_credentials")

    def _change_password(self, user: User, old_password: str, new_password: str,
                         actor: dict[str, Any], source: str | None, wrong: str) -> User:
        fingerprint = self.source_fingerprint(source)  # type: ignore[attr-defined]
        user.ensure_unlocked(utc_now(), fingerprint)
        if not user.active:
            raise DomainError("invalid_credentials")
        if not verify_secret(user.password_hash, old_password or ""):
            user.record_wrong_password(utc_now(), fingerprint)
            self.save(user)
            raise DomainError(wrong)
        _check_password(new_password)
        if new_password == old_password:
            raise DomainError("invalid_password", "The new password must differ from the old.")
        user.record_right_password(fingerprint)
        user.change_password(hash_secret(new_password), actor)
        self.save(user)
        return user

    # -- staff: administration ----------------------------------------------------------------
    def _managed_user(self, actor: Actor, user_id: UUID | str) -> User:
        user = self.load(User, user_id, "account")
        office = self.load_office(user.office_id) if user.office_id else None
        require_may_manage(actor, user.id, user.role, office)
        return user

    @retry_on_conflict
    def reset_password(self, actor: Actor, user_id: UUID | str, temporary_password: str,
                       reason: str) -> User:
        """An administrator of the account's part of the tree sets a temporary password; the
        owner changes it at the next login before getting a token."""
        user = self._managed_user(actor, user_id)
        _check_password(temporary_password)
        user.reset_password(hash_secret(temporary_password), actor.record(), reason)
        self.save(user)
        return user

    @retry_on_conflict
    def deactivate_user(self, actor: Actor, user_id: UUID | str, reason: str) -> User:
        user = self._managed_user(actor, user_id)
        user.deactivate(actor.record(), reason)
        self.save(user)
        return user

    @retry_on_conflict
    def reactivate_user(self, actor: Actor, user_id: UUID | str, reason: str) -> User:
        user = self._managed_user(actor, user_id)
        if user.office_id is not None:
            self.ensure_open_path(self.load_office(user.office_id))
        user.reactivate(actor.record(), reason)
        self.save(user)
        return user

    @retry_on_conflict
    def change_user_role(self, actor: Actor, user_id: UUID | str, role: str,
                         office_id: UUID | str | None, reason: str) -> User:
        """Whoever may manage the account as it is and may grant the new role where it goes."""
        user = self._managed_user(actor, user_id)
        if role not in ROLES:
            raise DomainError("invalid_role")
        office = self.load_office(office_id) if office_id else None
        require_may_manage(actor, user.id, role, office)
        if office is not None:
            self.ensure_open_path(office)
        user.change_role(role, office.id if office else None, actor.record(), reason)
        self.save(user)
        return user

    def manageable_roles(self, actor: Actor) -> tuple[str, ...]:
        """The roles whose accounts the actor manages (in their subtree): the staff list's
        actions are offered for these."""
        return grantable_roles(actor)

    def user_sessions(self, actor: Actor, user_id: UUID | str) -> list[dict[str, Any]]:
        """An administrator looks at a staff account's open sessions (to end them, disable)."""
        return still_open(self._managed_user(actor, user_id).sessions, utc_now())

    @retry_on_conflict
    def revoke_user_sessions(self, actor: Actor, user_id: UUID | str, reason: str) -> User:
        user = self._managed_user(actor, user_id)
        user.revoke_sessions(actor.record(), reason)
        self.save(user)
        return user

    # -- volunteers: PINs ---------------------------------------------------------------------
    def _refuse_weak(self, volunteer: Volunteer, pin: str, field: str) -> None:
        try:
            validate_pin(pin)
        except DomainError as exc:
            raise DomainError("invalid_pin", field=field) from exc
        person = self.personal_data(volunteer)  # type: ignore[attr-defined]
        refuse_weak_pin(pin, person.phone, person.id_number, person.birth_date, field=field)

    @retry_on_conflict
    def change_own_pin(self, actor: Actor, old_pin: str, new_pin: str) -> Volunteer:
        """The volunteer's change, the old PIN required (403 `wrong_pin` otherwise)."""
        if actor.kind != "volunteer":
            raise DomainError("forbidden")
        volunteer = self.load(Volunteer, actor.id)
        right, _upgrade = self.pins.verify(volunteer.pin_hash, old_pin or "")
        if not right:
            raise DomainError("wrong_pin")
        self._refuse_weak(volunteer, new_pin, "new_pin")
        if new_pin == old_pin:
            raise DomainError("invalid_input", "The new PIN must differ from the old.",
                              field="new_pin")
        volunteer.change_pin(self.pins.hash(new_pin), actor.record())
        self.save(volunteer)
        return volunteer

    @retry_on_conflict
    def reset_pin(self, actor: Actor, volunteer_id: UUID | str, new_pin: str, document: str,
                  document_number: str | None, reason: str) -> Volunteer:
        """At the savings office: staff who run the volunteer's office check an identity
        document and set a new PIN. The event records the document's kind, who checked it
        and, when its number was typed in, that it matched the one on record (never the
        number)."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)
        if not volunteer.active:  # erased: nothing to open, no PIN to give
            raise DomainError("volunteer_inactive")
        if document not in IDENTITY_DOCUMENT:
            raise DomainError("invalid_input", "Name the identity document checked.",
                              field="document")
        matched: bool | None = None
        if document_number:
            on_record = self.personal_data(volunteer).id_number  # type: ignore[attr-defined]
            if document != "resident_id" or on_record is None:
                raise DomainError("invalid_input", "Only a resident ID number is on record.",
                                  field="document_number")
            try:
                matched = normalise_resident_id(document_number) == on_record
            except DomainError:
                matched = False
            if not matched:
                raise DomainError("identity_mismatch", field="document_number")
        self._refuse_weak(volunteer, new_pin, "new_pin")
        volunteer.reset_pin(self.pins.hash(new_pin), actor.record(),
                            {"document": document, "checked_by": actor.id,
                             "number_matched": matched}, reason)
        self.save(volunteer)
        return volunteer
