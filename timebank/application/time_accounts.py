"""Time accounts: the bank's time-bank rules, hours stored for service (with the storage
cap), and the bank's public pool. Loads, decides with the aggregates, saves once."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import Aggregate

from timebank.application.authz import BANK_ADMIN, VOLUNTEERS, require_read, require_scope
from timebank.application.base import BaseServices
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.offices import Office
from timebank.domain.service import ServiceRecord
from timebank.domain.time_accounts import (
    CORRECTION,
    DONATION,
    GIFT_IN,
    GIFT_OUT,
    OVER_CAP,
    POOL_DONATION,
    POOL_FUNDED,
    POOL_OVER_CAP,
    RELATIONS,
    SERVICE,
    HoursPool,
    TimeAccount,
    check_minutes,
    hours_pool_id_for,
    time_account_id_for,
)
from timebank.domain.time_rules import TimeBankRules
from timebank.domain.values import hours_text, is_valid_passbook_no, shanghai_date, utc_now
from timebank.domain.volunteers import Passbook, Volunteer


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
                     rules: TimeBankRules, actor: Actor,
                     pool: HoursPool | None = None) -> list[Aggregate]:
        """Credit stored hours; what goes above the bank's lifetime cap moves on to its pool
        in the same save (shown on the passbook as `over_cap`). Returns what to save.
        `pool`: the bank's pool when the command already holds it (one object per save)."""
        account.credit(minutes, kind, ref, actor.record())
        touched: list[Aggregate] = [account]
        cap = rules.storage_cap_minutes
        if cap is not None and account.stored > cap:
            excess = min(minutes, account.stored - cap)
            pool = pool or self.pool_of(account.bank_id, actor)
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



class GiftServices(TimeAccountServices):
    """Gifts of hours to family (赠与亲属), donations to the bank's pool, the pool's funding."""

    def _owned_account(self, actor: Actor, passbook_no: str) -> tuple[Volunteer, TimeAccount]:
        if not is_valid_passbook_no(passbook_no):
            raise DomainError("not_found", f"Passbook {passbook_no!r} not found.")
        passbook = self.load(Passbook, passbook_id_for(passbook_no), "passbook")
        owner = self.load(Volunteer, passbook.volunteer_id, "volunteer")
        # Only the owner gives their hours, as with points (转赠).
        if actor.kind != "system" and not (actor.kind == "volunteer" and actor.id == str(owner.id)):
            raise DomainError("forbidden", "Only the passbook's owner can give its hours.")
        if not owner.active:
            raise DomainError("volunteer_inactive")
        return owner, self.time_account_for(owner, actor)

    def _within_limit(self, account: TimeAccount, minutes: int, rules: TimeBankRules,
                      year: int) -> None:
        limit = rules.gift_limit_minutes
        if limit is not None and account.given_in(year) + minutes > limit:
            raise DomainError("gift_limit_reached",
                              f"Given {hours_text(account.given_in(year))} h in {year}; the "
                              f"bank allows {hours_text(limit)} h a year.")

    @retry_on_conflict
    def give_hours(self, actor: Actor, from_passbook: str, to_passbook: str, minutes: int,
                   relation: str, note: str, idem: Idempotency | None) -> dict[str, Any]:
        """赠与亲属: hours to a family member's passbook in the same bank (another bank's
        passbook: an inter-bank transfer). Counted against the bank's yearly limit."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        check_minutes(minutes)
        if relation not in RELATIONS:
            raise DomainError("invalid_input", f"relation is one of {', '.join(RELATIONS)}.",
                              field="relation")
        if len(note or "") > 200:
            raise DomainError("invalid_input", "note is at most 200 characters.", field="note")
        if from_passbook == to_passbook:
            raise DomainError("same_passbook")
        owner, source = self._owned_account(actor, from_passbook)
        if not is_valid_passbook_no(to_passbook):
            raise DomainError("not_found", f"Passbook {to_passbook!r} not found.")
        target = self.load(Passbook, passbook_id_for(to_passbook), "passbook")
        recipient = self.load(Volunteer, target.volunteer_id, "volunteer")
        if recipient.bank_id != owner.bank_id:
            raise DomainError("office_mismatch", "Another bank's passbook: send the hours "
                              "with an inter-bank transfer.")
        if not recipient.active:
            raise DomainError("volunteer_inactive")
        rules = self.time_rules_of(self.load_office(owner.office_id))
        year = shanghai_date(utc_now()).year
        self._within_limit(source, minutes, rules, year)
        gift_id = str(uuid4())
        destination = self.time_account_for(recipient, actor)
        source.debit(minutes, GIFT_OUT, gift_id, actor.record(),
                     counterparty=f"{to_passbook}:{relation}", year=year)
        destination.credit(minutes, GIFT_IN, gift_id, actor.record(),
                           counterparty=f"{from_passbook}:{relation}")
        body = {"gift_id": gift_id, "balance_hours": hours_text(source.balance),
                "given_this_year_hours": hours_text(source.given_in(year))}
        self.save_with(source, destination, idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def donate_hours(self, actor: Actor, passbook_no: str, minutes: int, note: str,
                     idem: Idempotency | None) -> dict[str, Any]:
        """捐赠公益池: hours to the bank's public pool (a group's hours may only go here)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        check_minutes(minutes)
        if len(note or "") > 200:
            raise DomainError("invalid_input", "note is at most 200 characters.", field="note")
        owner, source = self._owned_account(actor, passbook_no)
        rules = self.time_rules_of(self.load_office(owner.office_id))
        year = shanghai_date(utc_now()).year
        self._within_limit(source, minutes, rules, year)
        pool = self.pool_of(owner.bank_id, actor)
        donation_id = str(uuid4())
        source.debit(minutes, DONATION, donation_id, actor.record(),
                     counterparty=str(pool.id), year=year)
        pool.credit(minutes, POOL_DONATION, str(source.id), actor.record(), reason=note or "")
        body = {"donation_id": donation_id, "balance_hours": hours_text(source.balance),
                "given_this_year_hours": hours_text(source.given_in(year))}
        self.save_with(source, pool, idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def fund_pool(self, actor: Actor, bank_id: UUID | str, minutes: int, reason: str,
                  idem: Idempotency | None) -> HoursPool:
        """The bank puts hours into its pool (minted for it: a recorded decision)."""
        if (replayed := self.replay(idem)) is not None:
            return self.load(HoursPool, replayed["pool_id"], "pool")
        bank = self.load_office(bank_id)
        require_scope(actor, bank, (BANK_ADMIN,))
        if bank.kind != "bank":
            raise DomainError("office_not_bank")
        bank.ensure_open()
        reason = (reason or "").strip()
        if not 1 <= len(reason) <= 500:
            raise DomainError("invalid_input", "reason is 1 to 500 characters.", field="reason")
        check_minutes(minutes)
        pool = self.pool_of(bank.id, actor)
        pool.credit(minutes, POOL_FUNDED, str(bank.id), actor.record(), reason=reason)
        self.save_with(pool, idem=idem, status=201, body={"pool_id": str(pool.id)})
        return pool
