"""Staff accounts for their administrators' list: who, which role where, enabled or not,
waiting for a password change. Rebuilt from the accounts' events like every read model."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import staff_accounts
from timebank.domain.users import User

CHANGES = (User.Deactivated, User.Reactivated, User.PasswordReset, User.PasswordChanged,
           User.RoleChanged)


class StaffAccountsProjection(Projection):
    name = "staff_accounts"
    tables = (staff_accounts,)

    def __init__(self) -> None:
        self._accounts = Rows(staff_accounts)

    def begin_batch(self, conn: Connection) -> None:
        self._accounts.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        self._accounts.load(
            conn, {str(e.originator_id) for e in events if isinstance(e, CHANGES)},
            created={str(e.originator_id) for e in events if isinstance(e, User.Created)})

    def end_batch(self, conn: Connection) -> None:
        self._accounts.flush(conn)

    def _change(self, conn: Connection, event: AnyEvent, **values: Any) -> None:
        self._accounts.change(conn, str(event.originator_id), changed_at=event.timestamp,
                              **values)

    @handles(User.Created)
    def created(self, conn: Connection, event: User.Created) -> None:
        self._accounts.add(dict(
            user_id=str(event.originator_id), username=event.username, role=event.role,
            office_id=str(event.office_id) if event.office_id else None, active=True,
            must_change_password=False, created_at=event.timestamp, changed_at=event.timestamp,
        ))

    @handles(User.Deactivated)
    def deactivated(self, conn: Connection, event: User.Deactivated) -> None:
        self._change(conn, event, active=False)

    @handles(User.Reactivated)
    def reactivated(self, conn: Connection, event: User.Reactivated) -> None:
        self._change(conn, event, active=True)

    @handles(User.PasswordReset)
    def password_reset(self, conn: Connection, event: User.PasswordReset) -> None:
        self._change(conn, event, must_change_password=True)

    @handles(User.PasswordChanged)
    def password_changed(self, conn: Connection, event: User.PasswordChanged) -> None:
        self._change(conn, event, must_change_password=False)

    @handles(User.RoleChanged)
    def role_changed(self, conn: Connection, event: User.RoleChanged) -> None:
        self._change(conn, event, role=event.role,
                     office_id=str(event.office_id) if event.office_id else None)
