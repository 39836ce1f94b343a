"""Property-based: random services (under a storage cap), gifts, donations, pool funding,
corrections and inter-bank transfers whose steps interleave with everything else keep the
hours ledger sound.

After every step: hours are conserved — what was minted (service hours stored, net of
corrections) plus what the banks funded their pools with equals the accounts' balances plus
the pools plus the hours reserved by transfers the receiving bank has not credited yet; no
account or pool is below zero; and every inter-bank transfer is either pending (nothing
credited, hours reserved), posted in both banks (reserved hours gone, credited once) or
voided in both (refused, hours back, credited nowhere). The application runs on the
in-memory store; two banks share it, as two banks opened in one partition do.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.helpers import District
from tests.memory import memory_app
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.interbank import (
    PENDING,
    POSTED,
    VOIDED,
    InterbankCredit,
    InterbankTransfer,
    interbank_credit_id_for,
)
from timebank.domain.time_accounts import (
    INTERBANK_IN,
    HoursPool,
    TimeAccount,
    hours_pool_id_for,
    time_account_id_for,
)
from timebank.interbank import CityTransfers
from timebank.partitions import DIRECTORY, Partition, Partitions

MINUTES = st.integers(min_value=1, max_value=300)
PEOPLE = 3


class HoursLedger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = memory_app()
        directory = Partition(DIRECTORY, self.app.settings, None,  # type: ignore[arg-type]
                              self.app.vault, self.app)
        self.city = CityTransfers(Partitions(directory, {}))
        self.home = directory
        self.banks = [District.build(self.app), District.build(self.app)]
        self.people: list[list[Any]] = []
        for i, d in enumerate(self.banks):
            # A small cap, so that services run into it; a yearly giving limit too.
            self.app.change_time_bank_rules(SYSTEM, d.bank.id, {
                "payers": {"elderly_care": "minted"}, "storage_cap_hours": 10,
                "gift_limit_hours_per_year": 8})
            self.people.append([d.volunteer(name=f"志愿者{i}{n}") for n in range(PEOPLE)])
        self.minted = 0
        self.funded = 0
        self.records: list[tuple[Any, int]] = []  # (service record, minutes) approved
        self.transfers: list[str] = []

    def actor(self, volunteer: Any) -> Any:
        return self.app.actor_for_volunteer(str(volunteer.id), None)

    def account(self, volunteer: Any) -> TimeAccount | None:
        account_id = time_account_id_for(volunteer.passbook_no)
        return self.app.load(TimeAccount, account_id) if self.app.exists(account_id) else None

    # -- what people and banks do ------------------------------------------------------------
    @rule(bank=st.integers(0, 1), who=st.integers(0, PEOPLE - 1), minutes=MINUTES)
    def serve(self, bank: int, who: int, minutes: int) -> None:
        d = self.banks[bank]
        record = d.serve(self.people[bank][who], minutes)
        self.app.approve_service_record(SYSTEM, record.id)
        self.minted += minutes
        self.records.append((record, minutes))

    @precondition(lambda self: self.records)
    @rule(pick=st.integers(0, 10_000), minutes=st.integers(0, 300))
    def correct(self, pick: int, minutes: int) -> None:
        record, before = self.records[pick % len(self.records)]
        hours = f"{minutes / 60:.2f}"
        minutes = round(float(hours) * 60)
        try:
            self.app.correct_service_record(SYSTEM, record.id, hours, "更正")
        except DomainError as exc:
            assert exc.code in ("insufficient_hours", "invalid_hours")
            return
        self.minted += minutes - before
        self.records[pick % len(self.records)] = (record, minutes)

    @rule(bank=st.integers(0, 1), giver=st.integers(0, PEOPLE - 1),
          taker=st.integers(0, PEOPLE - 1), minutes=MINUTES)
    def give(self, bank: int, giver: int, taker: int, minutes: int) -> None:
        source, target = self.people[bank][giver], self.people[bank][taker]
        try:
            self.app.give_hours(self.actor(source), source.passbook_no, target.passbook_no,
                                minutes, "parent", "", None)
        except DomainError as exc:
            assert exc.code in ("insufficient_hours", "gift_limit_reached", "same_passbook")

    @rule(bank=st.integers(0, 1), who=st.integers(0, PEOPLE - 1), minutes=MINUTES)
    def donate(self, bank: int, who: int, minutes: int) -> None:
        person = self.people[bank][who]
        try:
            self.app.donate_hours(self.actor(person), person.passbook_no, minutes, "", None)
        except DomainError as exc:
            assert exc.code in ("insufficient_hours", "gift_limit_reached")

    @rule(bank=st.integers(0, 1), minutes=MINUTES)
    def fund(self, bank: int, minutes: int) -> None:
        self.app.fund_pool(SYSTEM, self.banks[bank].bank.id, minutes, "注资", None)
        self.funded += minutes

    @rule(bank=st.integers(0, 1), who=st.integers(0, PEOPLE - 1),
          to=st.integers(0, PEOPLE - 1), minutes=MINUTES, wrong=st.booleans())
    def request_transfer(self, bank: int, who: int, to: int, minutes: int,
                         wrong: bool) -> None:
        sender = self.people[bank][who]
        # A wrong one names a passbook of the sending bank: the receiving bank refuses it.
        target = self.people[bank][to] if wrong else self.people[1 - bank][to]
        try:
            answer = self.city.request(self.home, self.actor(sender), sender.passbook_no,
                                       str(self.banks[1 - bank].bank.id), target.passbook_no,
                                       minutes, "", None)
        except DomainError as exc:
            assert exc.code == "insufficient_hours"
            return
        self.transfers.append(answer["transfer_id"])

    @precondition(lambda self: self.transfers)
    @rule(pick=st.integers(0, 10_000))
    def receiving_bank_decides(self, pick: int) -> None:
        """Step 2 alone: a driver that dies before step 3 leaves exactly this."""
        transfer = self.app.load_interbank_transfer(self.transfers[pick % len(self.transfers)])
        if transfer.status == PENDING:
            self.app.decide_interbank_credit(transfer)

    @precondition(lambda self: self.transfers)
    @rule(pick=st.integers(0, 10_000))
    def driver_advances(self, pick: int) -> None:
        self.city.advance(self.home, self.transfers[pick % len(self.transfers)])

    # -- what must hold after every step -------------------------------------------------------
    @invariant()
    def hours_are_conserved_and_never_negative(self) -> None:
        held = 0
        for people in self.people:
            for person in people:
                account = self.account(person)
                if account is None:
                    continue
                assert account.balance >= 0
                held += account.balance
        in_flight = 0
        for transfer_id in self.transfers:
            transfer = self.app.load_interbank_transfer(transfer_id)
            credited = self.app.exists(interbank_credit_id_for(transfer_id)) and self.app.load(
                InterbankCredit, interbank_credit_id_for(transfer_id)).accepted
            if transfer.status == PENDING and not credited:
                in_flight += transfer.minutes
        pools = 0
        for d in self.banks:
            pool_id = hours_pool_id_for(d.bank.id)
            if self.app.exists(pool_id):
                pool = self.app.load(HoursPool, pool_id)
                assert pool.balance >= 0
                pools += pool.balance
        assert self.minted + self.funded == held + pools + in_flight

    @invariant()
    def every_transfer_is_posted_in_both_banks_or_voided_in_both(self) -> None:
        if not self.transfers:
            return
        credits = Counter()
        for notification in self.app.recorder.select_notifications(start=1, limit=100_000):
            event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, TimeAccount.HoursCredited) and event.kind == INTERBANK_IN:
                credits[event.ref] += 1
        for transfer_id in self.transfers:
            transfer = self.app.load_interbank_transfer(transfer_id)
            sender = self.app.load(TimeAccount, transfer.from_account_id)
            decided = self.app.exists(interbank_credit_id_for(transfer_id))
            decision = (self.app.load(InterbankCredit, interbank_credit_id_for(transfer_id))
                        if decided else None)
            assert credits[transfer_id] == (1 if decision and decision.accepted else 0)
            if transfer.status == PENDING:
                assert sender.reserved[transfer_id] == transfer.minutes
            elif transfer.status == POSTED:
                assert decision is not None and decision.accepted
                assert transfer_id not in sender.reserved
            else:
                assert transfer.status == VOIDED
                assert decision is not None and not decision.accepted
                assert transfer_id not in sender.reserved
            assert isinstance(transfer, InterbankTransfer)


HoursLedger.TestCase.settings = settings(max_examples=25, stateful_step_count=30,
                                         deadline=None)
TestHoursLedger = HoursLedger.TestCase
