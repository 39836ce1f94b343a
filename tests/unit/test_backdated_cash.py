"""Property-based: with entries dated in the past, no cash class of a fund — nor the legal
entity's cash — is ever negative on any past date (issue 13, item 7).

A foundation F and a special fund S it hosts take random gifts, expenses, grant approvals
and tranches, voids, releases, goods given and given out, money held as agent, closed and
reopened periods, each dated on a random day of the half year. After every step the
balances are recomputed from the journal by the day each entry is booked on: every holding
(cash of each class, goods of each class, money held as agent) of each fund, and the
entity's cash, is ≥ 0 at the end of every day. A refusal on an open day must be necessary:
the entry really would have taken some later day below zero.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from unittest import mock
from uuid import UUID, uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from timebank.domain.donations import Donation
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund, Grant

ACTOR = {"kind": "user", "id": "treasurer", "role": "treasurer", "office_id": None,
         "request_id": None}
APPROVER = {"kind": "user", "id": "bank-admin", "role": "bank_admin", "office_id": None,
            "request_id": None}
OPENED = datetime(2025, 12, 1, 2, tzinfo=UTC)
TODAY = date(2026, 6, 30)
DAYS = st.integers(min_value=0, max_value=180)  # 2026-01-01 + n days: up to TODAY
AMOUNTS = st.integers(min_value=1, max_value=30_000)
PURPOSES = st.sampled_from([None, "助老", "助学"])
WHICH = st.sampled_from(["F", "S"])


def day(offset: int) -> date:
    return date(2026, 1, 1) + timedelta(days=offset)


def at(when: date) -> datetime:
    return datetime(when.year, when.month, when.day, 10, tzinfo=UTC)


class BackdatedBooks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        with mock.patch("eventsourcing.domain.datetime_now_with_tzinfo", return_value=OPENED):
            self.funds = {"F": Fund.open("基金会", "foundation", None, uuid4(), uuid4(), ACTOR)}
            self.funds["S"] = Fund.open("专项基金", "special", self.funds["F"], uuid4(), uuid4(),
                                        ACTOR)
        self.events: dict[str, list] = {"F": [], "S": []}
        self.gifts: dict[str, list[tuple[str, Donation]]] = {"F": [], "S": []}
        self.grants: dict[str, list[Grant]] = {"F": [], "S": []}
        self._commit()

    def _commit(self) -> None:
        for name, fund in self.funds.items():
            self.events[name] += [e for e in fund.collect_events()
                                  if getattr(e, "postings", None)]

    def _rollback(self) -> None:
        for fund in self.funds.values():
            assert not fund.collect_events(), "a refused command changed the fund"

    def _host_closed(self, name: str) -> str | None:
        return self.funds["F"].closed_until if name == "S" else None

    # -- what the true books say, from the journal ------------------------------------------
    def daily(self, name: str) -> dict[str, dict[date, int]]:
        moves: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
        for event in self.events[name]:
            for line in event.postings:
                if line["account"] in ("cash", "in_kind_assets", "custodial_assets"):
                    moves[f"{line['account']}|{line['class']}"][
                        date.fromisoformat(event.booked_on)] += (
                        line["debit_fen"] - line["credit_fen"])
        return moves

    def true_lowest(self, name: str, holding: str, from_day: date) -> int:
        moves = self.daily(name).get(holding, {})
        running = sum(v for d, v in moves.items() if d <= from_day)
        low = running
        for d in sorted(d for d in moves if d > from_day):
            running += moves[d]
            low = min(low, running)
        return low

    def refused_rightly(self, name: str, holding: str, when: date, amount: int) -> None:
        """A refusal on an open day: the entry would really have taken a day below zero."""
        folded = self.funds[name].timeline["folded_until"]
        if folded is None or when.isoformat() > folded:
            assert self.true_lowest(name, holding, when) - amount < 0, (
                f"refused {amount} from {holding} on {when} though every later day holds it")

    # -- rules --------------------------------------------------------------------------------
    @rule(which=WHICH, amount=AMOUNTS, purpose=PURPOSES, offset=DAYS, goods=st.booleans())
    def donate(self, which: str, amount: int, purpose: str | None, offset: int,
               goods: bool) -> None:
        fund, donation_id = self.funds[which], uuid4()
        try:
            gift = fund.receive_donation(
                donation_id, amount, "individual", None, True, purpose, at(TODAY), ACTOR,
                in_kind_description="大米" if goods else None, booked_on=day(offset),
                host=self.funds["F"] if which == "S" else None)
        except DomainError as exc:
            assert exc.code == "period_closed"
            self._rollback()
            return
        self.gifts[which].append((str(donation_id), Donation(
            id=donation_id, fund_id=fund.id, receipt_no=gift.receipt_no,
            postings=gift.postings, donor_sealed=None, lots=[gift.lot], actor=ACTOR)))
        self._commit()

    @rule(which=WHICH, amount=AMOUNTS, offset=DAYS)
    def backdated_expense(self, which: str, amount: int, offset: int) -> None:
        try:
            self.funds[which].pay_expense(uuid4(), [("management", amount)], None, "支出",
                                          TODAY, ACTOR, booked_on=day(offset),
                                          host_closed_until=self._host_closed(which))
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "period_closed")
            self._rollback()
            if exc.code == "insufficient_funds":
                self.refused_rightly(which, "cash|unrestricted", day(offset), amount)
            return
        self._commit()

    @rule(which=WHICH, amount=AMOUNTS, purpose=PURPOSES, offset=DAYS)
    def give_goods_out(self, which: str, amount: int, purpose: str | None,
                       offset: int) -> None:
        try:
            self.funds[which].distribute_in_kind(
                uuid4(), amount, purpose, "大米", 1, "袋", "社区食堂", TODAY, ACTOR,
                booked_on=day(offset), host_closed_until=self._host_closed(which))
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "period_closed")
            self._rollback()
            return
        self._commit()

    @rule(which=WHICH, amount=AMOUNTS, offset=DAYS, pay=st.booleans())
    def held_as_agent(self, which: str, amount: int, offset: int, pay: bool) -> None:
        fund = self.funds[which]
        try:
            if pay:
                fund.pay_custodial(uuid4(), amount, "受助人A", TODAY, ACTOR,
                                   booked_on=day(offset),
                                   host_closed_until=self._host_closed(which))
            else:
                fund.receive_custodial(uuid4(), amount, "受助人A", "individual", None, TODAY,
                                       ACTOR, booked_on=day(offset),
                                       host_closed_until=self._host_closed(which))
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "period_closed")
            self._rollback()
            return
        self._commit()

    @rule(which=WHICH, amount=AMOUNTS, purpose=PURPOSES)
    def approve_grant(self, which: str, amount: int, purpose: str | None) -> None:
        fund = self.funds[which]
        grant = Grant.propose(fund, "项目", amount, purpose, ACTOR)
        owed = fund.commit_grant(grant.id, amount, purpose, TODAY, ACTOR)
        grant.record_vote(5, 1, 0, "纪要", True, ACTOR, owed=owed)
        grant.collect_events()
        self.grants[which].append(grant)
        self._commit()

    @precondition(lambda self: self.grants["F"] or self.grants["S"])
    @rule(which=WHICH, index=st.integers(0, 1_000), amount=AMOUNTS)
    def pay_tranche(self, which: str, index: int, amount: int) -> None:
        if not self.grants[which]:
            return
        grant = self.grants[which][index % len(self.grants[which])]
        try:
            grant.disburse(amount)
            paid = self.funds[which].pay_grant(grant.id, uuid4(), amount, grant.purpose, ACTOR,
                                               today=TODAY, owed=grant.owed)
        except DomainError as exc:
            assert exc.code in ("exceeds_grant", "insufficient_funds",
                                "restricted_purpose_mismatch")
            self._rollback()
            return
        grant.record_disbursement(uuid4(), amount, ACTOR, paid=paid)
        grant.collect_events()
        self._commit()

    @precondition(lambda self: self.gifts["F"] or self.gifts["S"])
    @rule(which=WHICH, index=st.integers(0, 1_000))
    def void(self, which: str, index: int) -> None:
        if not self.gifts[which]:
            return
        donation_id, donation = self.gifts[which][index % len(self.gifts[which])]
        try:
            self.funds[which].void_donation(UUID(donation_id), "录错", ACTOR, donation.record(),
                                            today=TODAY)
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "invalid_state")
            self._rollback()
            return
        donation.void("录错", ACTOR)
        self._commit()

    @rule(which=WHICH, purpose=st.sampled_from(["助老", "助学"]), amount=AMOUNTS)
    def release(self, which: str, purpose: str, amount: int) -> None:
        try:
            self.funds[which].release_restriction(uuid4(), purpose, amount, "项目结束", APPROVER,
                                                  today=TODAY, requested_by=ACTOR)
        except DomainError as exc:
            assert exc.code == "insufficient_funds"
            self._rollback()
            return
        self._commit()

    @rule(which=WHICH, offset=st.integers(min_value=0, max_value=179))
    def close_period(self, which: str, offset: int) -> None:
        try:
            self.funds[which].close_period(day(offset), TODAY, "月结", ACTOR)
        except DomainError:
            self._rollback()
            return
        self.funds[which].collect_events()

    @rule(which=WHICH, offset=DAYS)
    def reopen_period(self, which: str, offset: int) -> None:
        try:
            self.funds[which].reopen_period(day(offset), "补记漏账", APPROVER)
        except DomainError:
            self._rollback()
            return
        self.funds[which].collect_events()

    # -- invariants ---------------------------------------------------------------------------
    @invariant()
    def no_holding_is_negative_on_any_day(self) -> None:
        entity_cash: dict[date, int] = defaultdict(int)
        for name in self.funds:
            for holding, moves in self.daily(name).items():
                running = 0
                for when in sorted(moves):
                    running += moves[when]
                    assert running >= 0, f"{name} {holding} is {running} at the end of {when}"
                if holding.startswith("cash|"):
                    for when, delta in moves.items():
                        entity_cash[when] += delta
        running = 0
        for when in sorted(entity_cash):
            running += entity_cash[when]
            assert running >= 0, f"the entity's cash is {running} at the end of {when}"

    @invariant()
    def the_fund_agrees_with_its_journal(self) -> None:
        for name, fund in self.funds.items():
            totals: dict[str, int] = defaultdict(int)
            for holding, moves in self.daily(name).items():
                if holding.startswith("cash|"):
                    totals[holding.split("|", 1)[1]] += sum(moves.values())
            assert {k: v for k, v in totals.items() if v} == {
                k: v for k, v in fund.cash.items() if v}


BackdatedBooks.TestCase.settings = settings(max_examples=60, stateful_step_count=30,
                                            deadline=None)
TestBackdatedBooks = BackdatedBooks.TestCase
