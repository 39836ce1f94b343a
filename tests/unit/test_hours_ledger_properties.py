"""Property-based: random services (under a storage cap), gifts, donations, pool funding,
corrections, pool grants to elders, service requests paid each way (minted, the
beneficiary's hours, the pool), care for an elder of the other bank paid from hours stored
here, and inter-bank transfers whose steps interleave with everything else keep the hours
ledger sound.

After every step: hours are conserved — what was minted (service hours stored, net of
corrections) plus what the banks funded their pools with equals the accounts' balances plus
the pools plus the hours reserved by transfers the receiving bank has not credited yet and
the hours service requests hold until they are confirmed, cancelled or a no-show; no
account or pool is below zero; and every inter-bank transfer is either pending (nothing
credited, hours reserved), posted in both banks (reserved hours gone, credited once) or
voided in both (refused, hours back, credited nowhere); care from the other bank posts
exactly what its service paid there. The application runs on the
in-memory store; two banks share it, as two banks opened in one partition do.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from tests.helpers import District
from tests.memory import memory_app
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.interbank import (
    CARE,
    PENDING,
    POSTED,
    VOIDED,
    InterbankCredit,
    InterbankTransfer,
    care_request_id_for,
    interbank_credit_id_for,
)
from timebank.domain.service_requests import OPEN_STATES, ServiceRequest, hold_ref
from timebank.domain.time_accounts import (
    INTERBANK_IN,
    SERVICE,
    HoursPool,
    TimeAccount,
    hours_pool_id_for,
    time_account_id_for,
)
from timebank.domain.values import gb11643_check_digit
from timebank.interbank import CityTransfers
from timebank.partitions import DIRECTORY, Partition, Partitions

MINUTES = st.integers(min_value=1, max_value=300)
PEOPLE = 3  # the first of each bank is an elder of 86, who may withdraw care
START = datetime(2026, 12, 10, 1, 0, tzinfo=UTC)
REQUEST_CATEGORIES = ("meals", "cleaning", "bathing")  # minted, beneficiary, pool
STEPS = ("take", "done", "confirm", "cancel", "no_show", "give_back")


def elder_id_number(serial: int) -> str:
    body = f"31010419400101{serial:03d}"
    return body + gb11643_check_digit(body)


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
                "payers": {"elderly_care": "minted", "meals": "minted",
                           "cleaning": "beneficiary", "bathing": "pool"},
                "storage_cap_hours": 10, "gift_limit_hours_per_year": 8,
                "priority": [{"min_age": 80}]})
            elder = self.app.register_volunteer(SYSTEM, f"老人{i}", f"1390000{i:04d}",
                                                elder_id_number(100 + i), d.office.id, "738294")
            self.people.append([elder, *(d.volunteer(name=f"志愿者{i}{n}")
                                         for n in range(1, PEOPLE))])
        self.minted = 0
        self.funded = 0
        self.records: list[tuple[Any, int]] = []  # (service record, minutes) approved
        self.transfers: list[str] = []
        self.requests: list[tuple[int, str]] = []  # (bank, request id)
        self.care: list[tuple[int, str, str]] = []  # (serving bank, request, transfer)

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
        if transfer.status == PENDING and transfer.purpose == CARE:
            self.app.open_care_request(transfer, self.app.care_details(transfer))
        elif transfer.status == PENDING:
            self.app.decide_interbank_credit(transfer)

    @precondition(lambda self: self.transfers)
    @rule(pick=st.integers(0, 10_000))
    def driver_advances(self, pick: int) -> None:
        self.city.advance(self.home, self.transfers[pick % len(self.transfers)])

    @rule(bank=st.integers(0, 1), who=st.integers(1, PEOPLE - 1), minutes=MINUTES)
    def post_care_in_the_other_bank(self, bank: int, who: int, minutes: int) -> None:
        """A volunteer pays from their hours here for care of the other bank's elder."""
        payer, elder = self.people[bank][who], self.people[1 - bank][0]
        account = self.account(payer)
        if account is not None and account.balance:
            minutes = min(minutes, account.balance)  # mostly a window the payer can afford
        try:
            posted = self.city.post_care(
                self.home, self.actor(payer), str(self.banks[1 - bank].bank.id),
                elder.passbook_no, "cleaning", "parent", "家中", None, START,
                START + timedelta(minutes=minutes), None)
        except DomainError as exc:
            assert exc.code == "insufficient_hours"
            return
        self.transfers.append(posted["paid_from"]["transfer_id"])
        self.requests.append((1 - bank, posted["request_id"]))
        self.care.append((1 - bank, posted["request_id"], posted["paid_from"]["transfer_id"]))

    @rule(bank=st.integers(0, 1), minutes=MINUTES)
    def pool_grants_the_elder(self, bank: int, minutes: int) -> None:
        elder = self.people[bank][0]
        try:
            self.app.grant_pool_hours(SYSTEM, elder.passbook_no, minutes, "年度发放", None)
        except DomainError as exc:
            assert exc.code == "insufficient_hours"  # the pool short of hours

    @rule(bank=st.integers(0, 1), who=st.integers(0, PEOPLE - 1),
          category=st.sampled_from(REQUEST_CATEGORIES), minutes=MINUTES)
    def post_request(self, bank: int, who: int, category: str, minutes: int) -> None:
        person = self.people[bank][who]
        try:
            posted = self.app.post_request(self.actor(person), None, category, "家中", "",
                                           START, START + timedelta(minutes=minutes), "",
                                           None)
        except DomainError as exc:
            assert exc.code in ("insufficient_hours", "care_age_not_reached")
            return
        self.requests.append((bank, posted["request_id"]))

    @precondition(lambda self: self.requests)
    @rule(pick=st.integers(0, 10_000), step=st.sampled_from(STEPS),
          who=st.integers(0, PEOPLE - 1), minutes=MINUTES)
    def request_step(self, pick: int, step: str, who: int, minutes: int) -> None:
        bank, request_id = self.requests[pick % len(self.requests)]
        request = self.app.load(ServiceRequest, request_id)
        helper = self.actor(self.people[bank][who])
        requester = self.app.actor_for_volunteer(str(request.beneficiary_id), None)
        try:
            if step == "take":
                self.app.take_request(helper, request_id)
            elif step == "done":
                self.app.mark_request_done(SYSTEM, request_id,
                                           min(minutes, request.window_minutes), "")
            elif step == "confirm":
                self.app.confirm_request(requester, request_id, 5, "", None)
                confirmed = self.app.load(ServiceRequest, request_id)
                if confirmed.payer == "minted":
                    self.minted += confirmed.paid_minutes
            elif step == "cancel":
                self.app.cancel_request(requester, request_id, "")
            elif step == "no_show":
                self.app.report_no_show(requester, request_id, "")
            else:
                self.app.give_back_request(SYSTEM, request_id, "")
        except DomainError as exc:
            # Not at that step; taken already; one's own (or paid-for) request; the pool
            # short of hours at confirmation.
            assert exc.code in ("request_not_in_state", "request_taken", "invalid_input",
                                "insufficient_hours"), exc

    @precondition(lambda self: self.requests)
    @rule(pick=st.integers(0, 10_000), who=st.integers(1, PEOPLE - 1), minutes=MINUTES,
          end=st.sampled_from(("confirm", "no_show", "resolve", "dismiss")))
    def request_runs_its_course(self, pick: int, who: int, minutes: int, end: str) -> None:
        """A request taken, done and ended in one go (the steps above interleave alone)."""
        bank, request_id = self.requests[pick % len(self.requests)]
        self._run_course(bank, request_id, who, minutes, end)

    @precondition(lambda self: self.care)
    @rule(pick=st.integers(0, 10_000), who=st.integers(1, PEOPLE - 1), minutes=MINUTES,
          end=st.sampled_from(("confirm", "no_show", "resolve", "dismiss")))
    def care_runs_its_course_and_the_driver_settles(self, pick: int, who: int, minutes: int,
                                                   end: str) -> None:
        bank, request_id, transfer_id = self.care[pick % len(self.care)]
        if self.app.exists(care_request_id_for(transfer_id)):
            self._run_course(bank, request_id, who, minutes, end)
        self.city.advance(self.home, transfer_id)

    def _run_course(self, bank: int, request_id: str, who: int, minutes: int,
                    end: str) -> None:
        request = self.app.load(ServiceRequest, request_id)
        if request.status != "posted":
            return
        requester = self.app.actor_for_volunteer(str(request.beneficiary_id), None)
        try:
            self.app.take_request(self.actor(self.people[bank][who]), request_id)
        except DomainError as exc:
            assert exc.code == "invalid_input"  # the elder serving her own request
            return
        if end == "no_show":
            self.app.report_no_show(requester, request_id, "")
            return
        served = min(minutes, request.window_minutes)
        self.app.mark_request_done(SYSTEM, request_id, served, "")
        try:
            if end == "confirm":
                self.app.confirm_request(requester, request_id, 4, "", None)
            else:
                self.app.dispute_request(requester, request_id, "有异议")
                self.app.resolve_request(SYSTEM, request_id,
                                         served // 2 if end == "resolve" else 0, "核实", None)
        except DomainError as exc:
            assert exc.code == "insufficient_hours"  # the pool short of hours
            return
        ended = self.app.load(ServiceRequest, request_id)
        if ended.payer == "minted":
            self.minted += ended.paid_minutes

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
            decision = (self.app.load(InterbankCredit, interbank_credit_id_for(transfer_id))
                        if self.app.exists(interbank_credit_id_for(transfer_id)) else None)
            # What the receiving bank has credited already: all of a transfer it accepted,
            # what care's service paid once its request ended.
            credited = 0 if decision is None or not decision.accepted else (
                decision.paid_minutes if transfer.purpose == CARE else transfer.minutes)
            if transfer.status == PENDING:
                in_flight += transfer.minutes - credited
        pools = 0
        for d in self.banks:
            pool_id = hours_pool_id_for(d.bank.id)
            if self.app.exists(pool_id):
                pool = self.app.load(HoursPool, pool_id)
                assert pool.balance >= 0
                pools += pool.balance
        held_for_requests = 0
        for _bank, request_id in self.requests:
            request = self.app.load(ServiceRequest, request_id)
            if request.payer_account_id is None:
                continue
            account = self.app.load(TimeAccount, request.payer_account_id)
            holding = account.reserved.get(hold_ref(request_id), 0)
            # An open request paid from stored hours holds its whole window; an ended one
            # nothing.
            assert holding == (request.held_minutes if request.status in OPEN_STATES else 0)
            held_for_requests += holding
        assert self.minted + self.funded == held + pools + in_flight + held_for_requests

    @invariant()
    def every_transfer_is_posted_in_both_banks_or_voided_in_both(self) -> None:
        if not self.transfers:
            return
        credits: Counter[str] = Counter()
        served: Counter[str] = Counter()
        for notification in self.app.recorder.select_notifications(start=1, limit=100_000):
            event = self.app.mapper.to_domain_event(notification)
            if isinstance(event, TimeAccount.HoursCredited) and event.kind == INTERBANK_IN:
                credits[event.ref] += 1
            elif isinstance(event, TimeAccount.HoursCredited) and event.kind == SERVICE:
                served[event.ref] += event.minutes
        for transfer_id in self.transfers:
            transfer = self.app.load_interbank_transfer(transfer_id)
            sender = self.app.load(TimeAccount, transfer.from_account_id)
            decided = self.app.exists(interbank_credit_id_for(transfer_id))
            decision = (self.app.load(InterbankCredit, interbank_credit_id_for(transfer_id))
                        if decided else None)
            care = transfer.purpose == CARE
            paid = decision.paid_minutes if decision is not None else 0
            if care:
                # Care credits no transfer: the volunteer who served stores what was paid.
                assert credits[transfer_id] == 0
                request_ref = str(care_request_id_for(transfer_id))
                assert served[request_ref] == paid
            else:
                assert credits[transfer_id] == (1 if decision and decision.accepted else 0)
            if transfer.status == PENDING:
                assert sender.reserved[transfer_id] == transfer.minutes
            elif transfer.status == POSTED:
                assert decision is not None and decision.accepted
                assert transfer_id not in sender.reserved
                if care:
                    assert not decision.care_open and transfer.posted_minutes == paid > 0
            else:
                assert transfer.status == VOIDED
                assert decision is not None and transfer_id not in sender.reserved
                assert not decision.accepted or (not decision.care_open and paid == 0)
            assert isinstance(transfer, InterbankTransfer)


HoursLedger.TestCase.settings = settings(max_examples=50, stateful_step_count=30,
                                         deadline=None)
TestHoursLedger = HoursLedger.TestCase
