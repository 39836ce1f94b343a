"""Stateful property test of the points and fund ledgers through the application.

Random interleavings of registrations, approvals, corrections, transfers, redemptions,
cancellations, donations, voids and disbursements, checked after every step against a
simple model: no point or fen created or lost, nothing below zero; at the end of each run,
rollups equal the sum of their children and the projections equal a fresh rebuild.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from sqlalchemy import select

from projections import fund_queries, queries
from projections.runner import ProjectionRunner
from projections.tables import metadata
from tests.conftest import make_sqlite_settings
from tests.helpers import District, forget_cached
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.runtime import build_runtime

EXPECTED_REFUSALS = {"insufficient_points", "out_of_stock", "already_cancelled",
                     "insufficient_funds", "exceeds_grant", "invalid_state", "not_pending"}


class Ledgers(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.runtime = build_runtime(make_sqlite_settings(Path(tempfile.mkdtemp())))
        self.app = self.runtime.app
        self.district = District.build(self.app)
        self.volunteers: list[Any] = []
        self.pending: list[Any] = []
        self.approved: list[Any] = []
        self.redemptions: list[str] = []
        self.donations: list[str] = []
        self.earned = 0  # the model: points in = earned; points out = redeemed
        self.redeemed = 0
        self.app.list_catalog_item(SYSTEM, self.district.office.id, "SOAP", "香皂", 3, 20)
        _kiosk, key = self.app.register_kiosk(SYSTEM, self.district.office.id, "1 号机")
        self.kiosk = self.app.authenticate_kiosk(key)
        self.fund = self.app.open_fund(SYSTEM, "基金", "foundation", None,
                                       self.district.branch.id)
        grant = self.app.propose_grant(SYSTEM, self.fund.id, "项目", 50_000, None)
        self.app.decide_grant(SYSTEM, grant.id, 10, 1, 0, "纪要")
        self.grant_id = grant.id
        self.received = self.paid = 0
        self.keys = 0

    def key(self) -> Any:
        self.keys += 1
        return self.app.idempotency(f"kiosk:{self.kiosk.id}", f"k{self.keys}", {})

    def refused(self, exc: DomainError) -> None:
        assert exc.code in EXPECTED_REFUSALS, exc.code

    @rule(office=st.sampled_from(["office", "other_office"]))
    def register(self, office: str) -> None:
        self.volunteers.append(
            self.district.volunteer(getattr(self.district, office), name="志愿者"))

    @precondition(lambda self: self.volunteers)
    @rule(index=st.integers(0, 99), minutes=st.integers(1, 300))
    def serve(self, index: int, minutes: int) -> None:
        volunteer = self.volunteers[index % len(self.volunteers)]
        self.pending.append(self.district.serve(volunteer, minutes))

    @precondition(lambda self: self.pending)
    @rule(index=st.integers(0, 99))
    def approve(self, index: int) -> None:
        record = self.pending.pop(index % len(self.pending))
        body = self.app.approve_service_record(SYSTEM, record.id)
        self.earned += body["points"]
        self.approved.append(record)

    @precondition(lambda self: self.approved)
    @rule(index=st.integers(0, 99), hours=st.sampled_from(["0", "0.5", "1", "2.25"]))
    def correct(self, index: int, hours: str) -> None:
        record = self.approved[index % len(self.approved)]
        try:
            body = self.app.correct_service_record(SYSTEM, record.id, hours, "更正")
            self.earned += body["points_delta"]
        except DomainError as exc:
            assert exc.code in (*EXPECTED_REFUSALS, "invalid_hours")

    @precondition(lambda self: len(self.volunteers) >= 2)
    @rule(a=st.integers(0, 99), b=st.integers(0, 99), points=st.integers(1, 40))
    def transfer(self, a: int, b: int, points: int) -> None:
        giver = self.volunteers[a % len(self.volunteers)]
        receiver = self.volunteers[b % len(self.volunteers)]
        if giver.id == receiver.id:
            return
        try:
            self.app.transfer_points(SYSTEM, giver.passbook_no, receiver.passbook_no, points,
                                     "", None)
        except DomainError as exc:
            self.refused(exc)

    @precondition(lambda self: self.volunteers)
    @rule(index=st.integers(0, 99), quantity=st.integers(1, 4))
    def redeem(self, index: int, quantity: int) -> None:
        volunteer = self.volunteers[index % len(self.volunteers)]
        try:
            body = self.app.redeem(self.kiosk, volunteer.passbook_no, "738294",
                                   [{"sku": "SOAP", "quantity": quantity}], self.key())
            self.redeemed += body["points_spent"]
            self.redemptions.append(body["redemption_id"])
        except DomainError as exc:
            self.refused(exc)

    @precondition(lambda self: self.redemptions)
    @rule(index=st.integers(0, 99))
    def cancel(self, index: int) -> None:
        redemption_id = self.redemptions[index % len(self.redemptions)]
        try:
            body = self.app.cancel_redemption(SYSTEM, redemption_id, "退货")
            self.redeemed -= body["points_returned"]
        except DomainError as exc:
            self.refused(exc)

    @rule(amount=st.integers(1, 20_000))
    def donate(self, amount: int) -> None:
        body = self.app.receive_donation(SYSTEM, self.fund.id, amount, None, "resident", None,
                                         True, None)
        self.donations.append(body["donation_id"])
        self.received += amount

    @precondition(lambda self: self.donations)
    @rule(index=st.integers(0, 99))
    def void(self, index: int) -> None:
        donation_id = self.donations[index % len(self.donations)]
        fund = self.app.load_fund(self.fund.id)
        amount = self.app.donation_of(fund, donation_id)[1]["postings"][0]["debit_fen"]
        try:
            self.app.void_donation(SYSTEM, self.fund.id, donation_id, "录入错误")
            self.received -= amount
        except DomainError as exc:
            self.refused(exc)

    @rule(amount=st.integers(1, 15_000))
    def disburse(self, amount: int) -> None:
        try:
            self.app.disburse_grant(SYSTEM, self.grant_id, amount, None)
            self.paid += amount
        except DomainError as exc:
            self.refused(exc)

    # -- checked after every step ----------------------------------------------------------------
    @invariant()
    def no_point_created_or_lost(self) -> None:
        forget_cached(self.app)
        balances = [self.app.load_passbook(v.passbook_no).balance for v in self.volunteers]
        assert all(b >= 0 for b in balances)
        assert sum(balances) == self.earned - self.redeemed

    @invariant()
    def no_fen_created_or_lost(self) -> None:
        fund = self.app.load_fund(self.fund.id)
        assert all(v >= 0 for v in fund.cash.values())
        assert fund.balance == self.received - self.paid
        assert 0 <= self.app.load_grant(self.grant_id).disbursed_fen == self.paid <= 50_000

    def teardown(self) -> None:
        try:
            runner = ProjectionRunner(self.app, self.runtime.engine)
            runner.catch_up()
            self._rollups_add_up(runner)
            statement = fund_queries.statement(runner.engine, str(self.fund.id), None)
            assert statement["balance_fen"] == self.received - self.paid
            live = self._dump(runner)
            runner.rebuild()
            assert self._dump(runner) == live
        finally:
            self.runtime.close()

    def _rollups_add_up(self, runner: ProjectionRunner) -> None:
        tree = queries.rollup(runner.engine, str(self.district.bank.id), None, None)

        def check(node: dict[str, Any]) -> None:
            if node["children"]:
                for key in ("volunteers", "points_earned", "points_redeemed", "points_balance"):
                    assert node["totals"][key] == sum(c["totals"][key] for c in node["children"])
            for child in node["children"]:
                check(child)

        check(tree)
        assert tree["totals"]["points_balance"] == self.earned - self.redeemed
        assert tree["totals"]["volunteers"] == len(self.volunteers)

    def _dump(self, runner: ProjectionRunner) -> dict[str, list[Any]]:
        with runner.engine.connect() as conn:
            return {t.name: sorted(map(tuple, conn.execute(select(t))), key=repr)
                    for t in metadata.sorted_tables
                    if t.name not in ("projection_positions", "audit_events")}


Ledgers.TestCase.settings = settings(max_examples=12, stateful_step_count=25, deadline=None,
                                     suppress_health_check=list(HealthCheck))
TestLedgers = Ledgers.TestCase
