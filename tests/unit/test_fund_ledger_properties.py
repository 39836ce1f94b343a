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

from timebank.domain import lots
from timebank.domain.donations import Donation
from timebank.domain.errors import DomainError
from timebank.domain.funds import (
    CASH,
    GRANT_EXPENSE,
    GRANTS_PAYABLE,
    UNRESTRICTED,
    Fund,
    Grant,
    restricted_class,
)
from timebank.domain.values import SHANGHAI

ACTOR = {"kind": "system", "id": "test", "role": "admin", "office_id": None, "request_id": None}
TREASURER = {"kind": "user", "id": "treasurer", "role": "treasurer", "office_id": None,
             "request_id": None}
PURPOSES = st.sampled_from([None, "助老", "助学", "环保"])
AMOUNTS = st.integers(min_value=1, max_value=50_000)


class ReferenceLots:
    """The tracing rule as version 1 of the fund kept it — one lot per gift in a list —
    against which the bounded queues must decide every void and change of purpose alike."""

    def __init__(self) -> None:
        self.lots: list[dict] = []

    def gift(self, donation_id: str, fund_class: str, amount: int) -> None:
        self.lots.append({"donation": donation_id, "class": fund_class, "remaining": amount,
                          "whole": True})

    def take(self, fund_class: str, amount: int, only: list[str] | None = None) -> list:
        taken = []
        for lot in self.lots:
            if amount == 0:
                break
            if lot["class"] != fund_class or (only is not None and lot["donation"] not in only):
                continue
            part = min(amount, lot["remaining"])
            if part:
                lot["remaining"] -= part
                lot["whole"] = False
                amount -= part
                taken.append((lot["donation"], part))
        return taken

    def move(self, taken: list, fund_class: str) -> None:
        self.lots += [{"donation": d, "class": fund_class, "remaining": a, "whole": False}
                      for d, a in taken]

    def whole(self, donation_id: str) -> bool:
        return any(lot["donation"] == donation_id and lot["whole"] and lot["remaining"]
                   for lot in self.lots)

    def held_by(self, donation_ids: list[str], fund_class: str) -> int:
        return sum(lot["remaining"] for lot in self.lots
                   if lot["donation"] in donation_ids and lot["class"] == fund_class)


class FundBooks(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.fund = Fund.open("基金", "foundation", None, uuid4(), uuid4(), ACTOR)
        self.events = list(self.fund.collect_events())
        self.grants: list[Grant] = []
        self.grant_events: dict = defaultdict(list)
        self.donation_ids: list = []
        self.donations: dict = {}  # id -> Donation: each gift's own record, as the store keeps
        self.reference = ReferenceLots()
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
        gift = self.fund.receive_donation(donation_id, amount, donor, None, True, purpose,
                                          datetime.now(SHANGHAI), ACTOR)
        self.donations[str(donation_id)] = Donation(
            id=donation_id, fund_id=self.fund.id, receipt_no=gift.receipt_no,
            postings=gift.postings, donor_sealed=None, lots=[gift.lot], actor=ACTOR)
        self.reference.gift(str(donation_id),
                            restricted_class(purpose) if purpose else UNRESTRICTED, amount)
        self.donation_ids.append(donation_id)
        self._commit(self.fund)

    @precondition(lambda self: self.donation_ids)
    @rule(index=st.integers(min_value=0, max_value=10_000))
    def void(self, index: int) -> None:
        donation_id = self.donation_ids[index % len(self.donation_ids)]
        donation = self.donations[str(donation_id)]
        may = self.reference.whole(str(donation_id)) and not donation.voided
        try:
            self.fund.void_donation(donation_id, "录入错误", ACTOR, donation.record())
            donation.void("录入错误", ACTOR)
        except DomainError as exc:
            assert exc.code in ("insufficient_funds", "invalid_state")
            assert not may, "refused a void the lots allow"
        else:
            assert may, "voided a gift that was spent or moved"
            fund_class = donation.lots[0]["class"]
            self.reference.take(fund_class, donation.postings[0]["debit_fen"],
                                only=[str(donation_id)])
        self._commit(self.fund)

    @rule(amount=AMOUNTS, purpose=PURPOSES, passes=st.booleans())
    def propose_and_vote(self, amount: int, purpose: str | None, passes: bool) -> None:
        grant = Grant.propose(self.fund, "项目", amount, purpose, ACTOR)
        passed = self.fund.vote_passes(10, 1 if passes else 20, 0)
        owed = (self.fund.commit_grant(grant.id, amount, purpose, datetime.now(SHANGHAI).date(),
                                       ACTOR) if passed else None)
        grant.record_vote(10, 1 if passes else 20, 0, "纪要", passed, ACTOR, owed=owed)
        self.grants.append(grant)
        self._commit(grant, self.fund)

    @precondition(lambda self: self.grants)
    @rule(index=st.integers(min_value=0, max_value=10_000), amount=AMOUNTS)
    def disburse(self, index: int, amount: int) -> None:
        grant = self.grants[index % len(self.grants)]
        before = dict(self.fund.cash)
        disbursement_id = uuid4()
        try:
            grant.disburse(amount)
            paid = self.fund.pay_grant(grant.id, disbursement_id, amount, grant.purpose, ACTOR,
                                       owed=grant.owed)
            grant.record_disbursement(disbursement_id, amount, ACTOR, paid=paid)
            for line in self.fund.pending_events[-1].postings:
                if line["account"] == CASH:
                    self.reference.take(line["class"], line["credit_fen"])
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
            self.reference.take(UNRESTRICTED, amount)
        except DomainError as exc:
            assert exc.code == "insufficient_funds"
        self._commit(self.fund)

    @rule(purpose=st.sampled_from(["助老", "助学", "环保"]), amount=AMOUNTS,
          approved=st.booleans())
    def release_restriction(self, purpose: str, amount: int, approved: bool) -> None:
        try:
            # Without the donors' consent a second person approves; alone it is refused.
            self.fund.release_restriction(uuid4(), purpose, amount, "结余解除限定", ACTOR,
                                          requested_by=TREASURER if approved else ACTOR)
            assert approved, "a release without consent went through with one person"
            self.reference.move(self.reference.take(restricted_class(purpose), amount),
                                UNRESTRICTED)
        except DomainError as exc:
            assert exc.code == ("insufficient_funds" if approved
                                else "second_approver_required") or (
                exc.code == "insufficient_funds" and not approved)
        self._commit(self.fund)

    @rule(source=st.sampled_from(["助老", "助学", "环保"]),
          destination=st.sampled_from(["助老", "助学", "环保"]), amount=AMOUNTS,
          consented=st.booleans())
    def change_purpose(self, source: str, destination: str, amount: int,
                       consented: bool) -> None:
        consent = {"document": "同意函"} if consented else {}
        named = [str(d) for d in self.donation_ids]
        enough = (self.reference.held_by(named, restricted_class(source)) >= amount
                  and amount <= self.fund.free(restricted_class(source)))
        try:
            entry_id = uuid4()
            after = self.fund.change_purpose(
                entry_id, source, destination, amount, consent, ACTOR,
                donation_ids=[str(d) for d in self.donation_ids],
                records={k: d.record() for k, d in self.donations.items()})
            for donation_id, donation_lots in after.items():
                self.donations[donation_id].repurpose(entry_id, donation_lots, ACTOR)
            assert enough, "moved more than the named gifts hold"
            self.reference.move(self.reference.take(restricted_class(source), amount,
                                                    only=named),
                                restricted_class(destination))
        except DomainError as exc:
            assert exc.code != "insufficient_funds" or not enough
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
        """Each class's queue holds its balance, and so do the lots the donations record —
        except money a release made unrestricted, whose donors no decision needs."""
        queued = {fund_class: lots.held(queue)
                  for fund_class, queue in self.fund.queues.get(CASH, {}).items()}
        held: dict[str, int] = defaultdict(int)
        for donation in self.donations.values():
            for lot in donation.lots:
                if lot["account"] == CASH:
                    held[lot["class"]] += lots.remaining(
                        self.fund.queue(CASH, lot["class"]), lot["start"], lot["end"])
        cash = {k: v for k, v in self.fund.cash.items() if v}
        assert {k: v for k, v in queued.items() if v} == cash
        restricted = {k: v for k, v in cash.items() if k != UNRESTRICTED}
        assert {k: v for k, v in held.items() if v and k != UNRESTRICTED} == restricted
        assert held.get(UNRESTRICTED, 0) <= cash.get(UNRESTRICTED, 0)

    @invariant()
    def the_fund_stays_small(self) -> None:
        """Bounded state: no per-gift record in the fund; only out-of-order takes ahead of
        the cursor (voids and purpose changes) are remembered."""
        assert self.fund.legacy_donations == {}
        holes = sum(len(q["holes"]) for by_class in self.fund.queues.values()
                    for q in by_class.values())
        assert holes <= len(self.donations)

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
        """A grant's cost (at approval) and its payments (of the liability) are restricted
        only to its own purpose."""
        purposes = {g.id: g.purpose for g in self.grants}
        for event in self.events:
            if type(event).__name__ not in ("GrantPaid", "GrantCommitted"):
                continue
            for line in event.postings:
                if (line["account"] in (GRANT_EXPENSE, GRANTS_PAYABLE)
                        and line["class"] != UNRESTRICTED):
                    assert line["class"] == restricted_class(purposes[event.grant_id] or "")

    @invariant()
    def what_is_owed_is_what_grants_have_left(self) -> None:
        owed: dict[str, int] = defaultdict(int)
        for grant in self.grants:
            for fund_class, amount in (grant.owed or {}).items():
                if grant.status == "approved":
                    owed[fund_class] += amount
        assert dict(owed) == {k: v for k, v in self.fund.payable.items() if v}

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
