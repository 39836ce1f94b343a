"""Group accounts (团体时间账户): a team's or a company's volunteers earn hours together, and
those hours can only be donated to the bank's public pool (rules.md, Nanjing). Staff of the
group's office open the account, record the hours its members served at an activity of a
time-bank category (minted, as for an activity's services), and donate them."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from timebank.application.authz import OPERATORS, VOLUNTEERS, require_read, require_scope
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.application.time_accounts import GiftServices
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.service import Activity
from timebank.domain.time_accounts import (
    DONATION,
    POOL_DONATION,
    SERVICE,
    TimeAccount,
    check_minutes,
)
from timebank.domain.values import shanghai_date, utc_now


def group_number(account_id: UUID) -> str:
    """A group account's number: G and eleven digits, never a passbook's (all digits)."""
    return f"G{account_id.int % 10**11:011d}"


class GroupAccountServices(GiftServices):
    def load_group_account(self, account_id: UUID | str) -> TimeAccount:
        account = self.load(TimeAccount, account_id, "group account")
        if not account.is_group:
            raise DomainError("not_found", "group account not found.")
        return account

    def read_group_account(self, actor: Actor, account_id: UUID | str) -> TimeAccount:
        account = self.load_group_account(account_id)
        require_read(actor, VOLUNTEERS, self.load_office(account.office_id))
        return account

    @retry_on_conflict
    def open_group_account(self, actor: Actor, office_id: UUID | str, name: str,
                           idem: Idempotency | None) -> TimeAccount:
        if (replayed := self.replay(idem)) is not None:
            return self.load_group_account(replayed["account_id"])
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        self.ensure_open_path(office)
        account_id = uuid4()
        account = TimeAccount.open_for_group(account_id, group_number(account_id), name,
                                             self.bank_of(office).id, office.id,
                                             actor.record())
        self.save_with(account, idem=idem, status=201, body={"account_id": str(account_id)})
        return account

    @retry_on_conflict
    def record_group_service(self, actor: Actor, account_id: UUID | str,
                             activity_id: UUID | str, minutes: int, note: str,
                             idem: Idempotency | None) -> TimeAccount:
        """The hours the group's members served together at an activity of the bank: a
        time-bank category's, minted."""
        if (replayed := self.replay(idem)) is not None:
            return self.load_group_account(replayed["account_id"])
        account = self.load_group_account(account_id)
        require_scope(actor, self.load_office(account.office_id), OPERATORS)
        activity = self.load(Activity, activity_id, "activity")
        activity_office = self.load_office(activity.office_id)
        if activity_office.bank_id != account.bank_id:
            raise DomainError("office_mismatch", "The activity is another bank's.")
        if self.time_rules_of(activity_office).payer_for(activity.category) is None:
            raise DomainError("not_time_bank_service", field="activity_id")
        if len(note or "") > 200:
            raise DomainError("invalid_input", "note is at most 200 characters.", field="note")
        account.credit(check_minutes(minutes), SERVICE, str(activity.id), actor.record(),
                       counterparty=(note or "").strip())
        self.save_with(account, idem=idem, status=201, body={"account_id": str(account.id)})
        return account

    @retry_on_conflict
    def donate_group_hours(self, actor: Actor, account_id: UUID | str, minutes: int,
                           note: str, idem: Idempotency | None) -> dict[str, Any]:
        """The only way a group's hours leave it: to the bank's pool."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        account = self.load_group_account(account_id)
        require_scope(actor, self.load_office(account.office_id), OPERATORS)
        if len(note or "") > 200:
            raise DomainError("invalid_input", "note is at most 200 characters.", field="note")
        pool = self.pool_of(account.bank_id, actor)
        donation_id = str(uuid4())
        account.debit(check_minutes(minutes), DONATION, donation_id, actor.record(),
                      counterparty=str(pool.id), year=shanghai_date(utc_now()).year)
        pool.credit(minutes, POOL_DONATION, str(account.id), actor.record(),
                    reason=note or "")
        body = {"account_id": str(account.id), "donation_id": donation_id}
        self.save_with(account, pool, idem=idem, status=201, body=body)
        return body
