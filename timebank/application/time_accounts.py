"""Time accounts: the bank's time-bank rules, hours stored for service (with the storage
cap), and the bank's public pool. Loads, decides with the aggregates, saves once."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from timebank.application.authz import BANK_ADMIN, VOLUNTEERS, require_read, require_scope
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.offices import Office
from timebank.domain.service import ServiceRecord
from timebank.domain.time_accounts import (
    CORRECTION,
    OVER_CAP,
    POOL_OVER_CAP,
    SERVICE,
    HoursPool,
    TimeAccount,
    hours_pool_id_for,
    time_account_id_for,
)
from timebank.domain.time_rules import TimeBankRules
from timebank.domain.volunteers import Volunteer


class TimeAccountServices(BaseServices):
    # -- the bank's rules ------------------------------------------------------------------
    @retry_on_conflict
    def change_time_bank_rules(
        self, actor: Actor, bank_id: UUID | str, raw: dict[str, Any]
    ) -> Office:
        bank = self.load_office(bank_id)
        require_scope(actor, bank, (BANK_ADMIN,))
        bank.change_time_bank_rules(TimeBankRules.parse(raw), actor.record())
        self.save(bank)
        return bank

    def time_rules_of(self, office: Office) -> TimeBankRules:
        return self.bank_of(office).time_rules()

    # -- accounts and the pool, opened when first used --------------------------------------
    def time_account_for(self, volunteer: Volunteer, actor: Actor) -> TimeAccount:
        """The volunteer's time account; a new one (saved with the command) if none yet."""
        try:
            account = self.repository.get(time_account_id_for(volunteer.passbook_no))
        except AggregateNotFoundError:
            return TimeAccount.open_for_passbook(
                volunteer.passbook_no, volunteer.id, volunteer.bank_id, volunteer.office_id,
                actor.record())
        assert isinstance(account, TimeAccount)
        return account

    def load_time_account(self, account_id: UUID | str) -> TimeAccount:
        return self.load(TimeAccount, account_id, "time account")

    def pool_of(self, bank_id: UUID, actor: Actor) -> HoursPool:
        try:
            pool = self.repository.get(hours_pool_id_for(bank_id))
        except AggregateNotFoundError:
            return HoursPool.open(bank_id, actor.record())
        assert isinstance(pool, HoursPool)
        return pool

    def read_time_account(self, actor: Actor, volunteer_id: UUID | str) -> Volunteer:
        """The volunteer whose time account the actor may read (themselves, or staff of
        their office's subtree)."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        require_read(actor, VOLUNTEERS, self.load_office(volunteer.office_id),
                     str(volunteer.id))
        return volunteer

    # -- storing hours -----------------------------------------------------------------------
    def store_capped(self, account: TimeAccount, minutes: int, kind: str, ref: str,
                     rules: TimeBankRules, actor: Actor) -> list[Aggregate]:
        """Credit stored hours; what goes above the bank's lifetime cap moves on to its pool
        in the same save (shown on the passbook as `over_cap`). Returns what to save."""
        account.credit(minutes, kind, ref, actor.record())
        touched: list[Aggregate] = [account]
        cap = rules.storage_cap_minutes
        if cap is not None and account.stored > cap:
            excess = min(minutes, account.stored - cap)
            pool = self.pool_of(account.bank_id, actor)
            account.debit(excess, OVER_CAP, ref, actor.record(), counterparty=str(pool.id))
            pool.credit(excess, POOL_OVER_CAP, str(account.id), actor.record())
            touched.append(pool)
        return touched

    def store_service_hours(self, record: ServiceRecord, bank: Office,
                            actor: Actor) -> list[Aggregate]:
        """At approval of an activity's service: a time-bank category stores its hours in
        the volunteer's time account. An activity serves many people (or none), so its
        hours are always minted, whatever payer the bank names for requests."""
        rules = bank.time_rules()
        if rules.payer_for(record.category) is None or record.minutes == 0:
            return []
        volunteer = self.load(Volunteer, record.volunteer_id, "volunteer")
        account = self.time_account_for(volunteer, actor)
        record.store_hours(account.id, actor.record())
        return self.store_capped(account, record.minutes, SERVICE, str(record.id), rules, actor)

    def correct_stored_hours(self, record: ServiceRecord, minutes_delta: int,
                             actor: Actor) -> list[Aggregate]:
        """A correction moves the hours stored for the record, like its points; hours
        already given away cannot be taken back (`insufficient_hours`)."""
        if record.time_account_id is None or minutes_delta == 0:
            return []
        account = self.load_time_account(record.time_account_id)
        if minutes_delta < 0:
            account.debit(-minutes_delta, CORRECTION, str(record.id), actor.record())
            return [account]
        rules = self.bank_of(self.load_office(account.office_id)).time_rules()
        return self.store_capped(account, minutes_delta, CORRECTION, str(record.id), rules,
                                 actor)

