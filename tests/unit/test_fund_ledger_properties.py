"""Property-based: random donations, voids, grants, tranches and expenses keep the books sound.

After every step: every entry balances, no cash class goes below zero, restricted money
was only paid to grants of its purpose, and the fund equals a replay of its own journal.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import uuid4

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from timebank.domain.errors import DomainError
from timebank.domain.funds import (
    CASH,
    GRANT_EXPENSE,
    UNRESTRICTED,
    Fund,
    Grant,
    restricted_class,
)
from timebank.domain.values import SHANGHAI

ACTOR = {"kind": "system", "id": "test", "role": "admin", "office_id": None, "request_id": None}
PURPOSES = st.sampled_from([None, "助老", "助学", "环保"])
AMOUNTS = st.integers(min_value=1, max_value=50_000)


class FundBooks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fund = Fund.open("基金", "foundation", None, uuid4(), uuid4(), ACTOR)
        self.events = list(self.fund.collect_events())
        self.grants: list[Grant] = []
        self.grant_events: dict = defaultdict(list)
        self.donation_ids: list = []
        self.received = 0

    def _commit(self, *aggregates) -> None:
        for aggregate in aggregates:
            for event in aggregate.collect_events():
                if aggregate is self.fund:
                    self.events.append(event)
                else:
                    self.grant_events[aggregate.id].append(event)

    @rule(amount=AMOUNTS, purpose=PURPOSES, donor=st.sampled_from(
        ["government", "enterprise", "individual", "resident", "bazaar"]))
    def donate(self, amount: int, purpose: str | None, donor: str) -> None:
        donation_id = uuid4()
        self.fund.receive_donation(donation_id, amount, donor, None, True, purpose,
                                   datetime.now(SHANGHAI), ACTOR)
        self.donation_ids.append(donation_id)
        self._commit(self.fund)

    @precondition(lambda self: self.donation_ids)
    @rule(index=st.integers(min_value=0, max_value=10_000))
    def void(self, index: int) -> None:
        donation_id = self.donation_ids[index % len(self.donation_ids)]
        try:
            self.fund.void_donation(donation_id, "录入错误", ACTOR)
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "invalid_state")
        self._commit(self.fund)

    @rule(amount=AMOUNTS, purpose=PURPOSES, passes=st.booleans())
    def propose_and_vote(self, amount: int, purpose: str | None, passes: bool) -> None:
        grant = Grant.propose(self.fund, "项目", amount, purpose, ACTOR)
        grant.record_vote(10, 1 if passes else 20, 0, "纪要",
                          self.fund.vote_passes(10, 1 if passes else 20, 0), ACTOR)
        self.grants.append(grant)
        self._commit(grant)

    @precondition(lambda self: self.grants)
    @rule(index=st.integers(min_value=0, max_value=10_000), amount=AMOUNTS)
    def disburse(self, index: int, amount: int) -> None:
        grant = self.grants[index % len(self.grants)]
        before = dict(self.fund.cash)
        disbursement_id = uuid4()
        try:
            grant.record_disbursement(disbursement_id, amount, ACTOR)
            self.fund.pay_grant(grant.id, disbursement_id, amount, grant.purpose, ACTOR)
        except DomainError as exc:
            assert exc.code in ("grant_not_approved", "exceeds_grant", "insufficient_funds",
                                "restricted_purpose_mismatch")
            # Refused: neither aggregate keeps anything of the attempt.
            grant.collect_events()
            self.fund.collect_events()
            self.grants[index % len(self.grants)] = _replay(self.grant_events[grant.id])
            self.fund = _replay_fund(self.events)
            assert self.fund.cash == before
            return
        self._commit(grant, self.fund)

    @rule(amount=AMOUNTS, kind=st.sampled_from(["charitable", "management", "fundraising"]))
    def expense(self, amount: int, kind: str) -> None:
        try:
            self.fund.pay_expense(uuid4(), [(kind, amount)], None, "",
                                  datetime.now(SHANGHAI).date(), ACTOR)
        except DomainError as exc:
            assert exc.code == "insufficient_funds"
        self._commit(self.fund)

    @rule(purpose=st.sampled_from(["助老", "助学", "环保"]), amount=AMOUNTS)
    def release_restriction(self, purpose: str, amount: int) -> None:
        try:
            self.fund.release_restriction(uuid4(), purpose, amount, "结余解除限定", ACTOR)
        except DomainError as exc:
            assert exc.code == "insufficient_funds"
        self._commit(self.fund)

    @rule(source=st.sampled_from(["助老", "助学", "环保"]),
          destination=st.sampled_from(["助老", "助学", "环保"]), amount=AMOUNTS,
          consented=st.booleans())
    def change_purpose(self, source: str, destination: str, amount: int,
                       consented: bool) -> None:
        consent = {"document": "同意函"} if consented else {}
        try:
            self.fund.change_purpose(uuid4(), source, destination, amount, consent, ACTOR,
                                     donation_ids=[str(d) for d in self.donation_ids])
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "consent_required", "invalid_input")
            assert exc.code != "invalid_input" or source == destination
            assert exc.code != "consent_required" or not consented or not self.donation_ids
        self._commit(self.fund)

    # -- invariants ----------------------------------------------------------------------------
    @invariant()
    def every_entry_balances(self) -> None:
        for event in self.events:
            postings = getattr(event, "postings", None)
            if postings:
                assert sum(p["debit_fen"] for p in postings) == sum(
                    p["credit_fen"] for p in postings)

    @invariant()
    def no_cash_class_below_zero(self) -> None:
        assert all(amount >= 0 for amount in self.fund.cash.values())

    @invariant()
    def the_lots_hold_exactly_the_money(self) -> None:
        held: dict[str, int] = defaultdict(int)
        for lot in self.fund.lots:
            if lot["account"] == CASH:
                held[lot["class"]] += lot["remaining"]
        assert {k: v for k, v in held.items() if v} == {
            k: v for k, v in self.fund.cash.items() if v}

    @invariant()
    def money_changes_class_only_by_recorded_entries(self) -> None:
        """Every move between classes is a release (with a reason) or a consented change."""
        for event in self.events:
            postings = getattr(event, "postings", None) or []
            classes = {p["class"] for p in postings if p["account"] == CASH}
            kind = type(event).__name__
            if kind in ("RestrictionReleased", "PurposeChanged"):
                assert len(classes) == 2
                assert kind != "PurposeChanged" or event.consent.get("document")
            elif kind != "GrantPaid":
                assert len(classes) <= 1, kind

    @invariant()
    def restricted_money_only_paid_to_its_purpose(self) -> None:
        purposes = {g.id: g.purpose for g in self.grants}
        for event in self.events:
            if type(event).__name__ != "GrantPaid":
                continue
            for line in event.postings:
                if line["account"] == GRANT_EXPENSE and line["class"] != UNRESTRICTED:
                    assert line["class"] == restricted_class(purposes[event.grant_id] or "")

    @invariant()
    def grants_never_pay_beyond_approval(self) -> None:
        for grant in self.grants:
            assert 0 <= grant.disbursed_fen <= grant.amount_fen
            assert grant.disbursed_fen == _replay(self.grant_events[grant.id]).disbursed_fen

    @invariant()
    def the_fund_equals_a_replay_of_its_journal(self) -> None:
        cash: dict[str, int] = defaultdict(int)
        for event in self.events:
            for line in getattr(event, "postings", None) or []:
                if line["account"] == CASH:
                    cash[line["class"]] += line["debit_fen"] - line["credit_fen"]
        assert {k: v for k, v in cash.items() if v} == {
            k: v for k, v in self.fund.cash.items() if v}
        assert _replay_fund(self.events).cash == self.fund.cash


def _replay(events: list):
    """What the store would give back: the committed events, applied from nothing."""
    aggregate = None
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


def _replay_fund(events: list) -> Fund:
    fund = _replay(events)
    assert isinstance(fund, Fund)
    return fund


FundBooks.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestFundBooks = FundBooks.TestCase
