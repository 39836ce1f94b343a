"""The contract's Community funds section through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict
from timebank.domain.values import SHANGHAI

API = "/api/v1"


class FundWorld:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.d = HttpDistrict.build(client)
        self.treasurer = self.d.user("treasurer-1", "treasurer", self.d.branch_id)
        self.auditor = self.d.user("auditor-1", "auditor", self.d.bank_id)
        self.coordinator = self.d.user("coord-1", "coordinator", self.d.office_id)
        self.fund_id = self.open_fund("东湖社区基金会", "foundation")
        self.keys = 0

    def open_fund(self, name: str, kind: str, host: str | None = None,
                  office_id: str | None = None) -> str:
        response = self.client.post(f"{API}/funds", json={
            "name": name, "kind": kind, "host_fund_id": host,
            "office_id": office_id or self.d.branch_id}, headers=self.treasurer)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def post(self, path: str, body: dict[str, Any], key: str | None = "auto",
             headers: dict[str, str] | None = None) -> Any:
        headers = dict(headers or self.treasurer)
        if key == "auto":
            self.keys += 1
            key = f"k-{self.keys}"
        if key:
            headers["Idempotency-Key"] = key
        return self.client.post(f"{API}{path}", json=body, headers=headers)

    def donate(self, amount: int, purpose: str | None = None, **extra: Any) -> Any:
        body = {"amount_fen": amount, "donor_name": "爱心企业甲", "donor_type": "enterprise",
                "restricted_purpose": purpose, "anonymous": False}
        body.update(extra)
        return self.post(f"/funds/{self.fund_id}/donations", body)

    def grant(self, amount: int, purpose: str | None = None, approve: bool = True) -> str:
        response = self.post(f"/funds/{self.fund_id}/grants",
                             {"project": "楼道加装扶手", "amount_fen": amount,
                              "purpose": purpose}, key=None)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "proposed"
        grant_id = response.json()["grant_id"]
        if approve:
            voted = self.post(f"/grants/{grant_id}/approve",
                              {"votes_for": 31, "votes_against": 4, "minutes": "居民议事会纪要"},
                              key=None)
            assert voted.json()["status"] == "approved", voted.text
        return grant_id

    def statement(self, as_of: str | None = None) -> dict[str, Any]:
        params = {"as_of": as_of} if as_of else {}
        response = self.client.get(f"{API}/funds/{self.fund_id}/statement", params=params,
                                   headers=self.treasurer)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def world(client: TestClient) -> FundWorld:
    return FundWorld(client)


def test_donations_get_gap_free_receipts_and_are_idempotent(world: FundWorld) -> None:
    year = datetime.now(SHANGHAI).year
    first = world.donate(100_000)
    assert first.status_code == 201, first.text
    assert first.json()["receipt_no"] == f"{year}-000001"
    body = {"amount_fen": 5_000, "donor_name": "居民乙", "donor_type": "resident",
            "anonymous": False}
    second = world.post(f"/funds/{world.fund_id}/donations", body, key="same")
    replay = world.post(f"/funds/{world.fund_id}/donations", body, key="same")
    assert second.status_code == replay.status_code == 201
    assert replay.json() == second.json() and second.json()["receipt_no"] == f"{year}-000002"
    reused = world.post(f"/funds/{world.fund_id}/donations", {**body, "amount_fen": 6_000},
                        key="same")
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    missing = world.post(f"/funds/{world.fund_id}/donations", body, key=None)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"
    bad = world.donate(0)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    float_amount = world.donate(12.5)  # type: ignore[arg-type]
    assert float_amount.status_code == 422
    assert world.statement()["donations_fen"] == 105_000


def test_grant_lifecycle_and_its_refusals(world: FundWorld) -> None:
    world.donate(50_000)                       # unrestricted
    world.donate(30_000, purpose="助老")       # restricted to elderly care
    elderly = world.grant(60_000, purpose="助老")
    first = world.post(f"/grants/{elderly}/disbursements", {"amount_fen": 40_000})
    assert first.status_code == 201, first.text
    assert first.json()["remaining_fen"] == 20_000
    # Restricted money went first: 30 000 from 助老, 10 000 from unrestricted.
    statement = world.statement()
    assert statement["restricted"] == {} and statement["unrestricted_fen"] == 40_000
    assert statement["balance_fen"] == 40_000 and statement["disbursed_fen"] == 40_000

    too_much = world.post(f"/grants/{elderly}/disbursements", {"amount_fen": 20_001})
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "exceeds_grant"

    pending = world.grant(10_000, approve=False)
    early = world.post(f"/grants/{pending}/disbursements", {"amount_fen": 1_000})
    assert early.status_code == 409 and early.json()["error"]["code"] == "grant_not_approved"

    big = world.grant(100_000)
    short = world.post(f"/grants/{big}/disbursements", {"amount_fen": 50_000})
    assert short.status_code == 409 and short.json()["error"]["code"] == "insufficient_funds"

    world.donate(30_000, purpose="环保")
    other = world.grant(60_000, purpose="助老")
    mismatch = world.post(f"/grants/{other}/disbursements", {"amount_fen": 50_000})
    assert mismatch.status_code == 409
    assert mismatch.json()["error"]["code"] == "restricted_purpose_mismatch"
    assert world.statement()["balance_fen"] == 70_000  # refusals changed nothing

    closed = world.post(f"/grants/{elderly}/close", {"report": "扶手已装好，验收通过"},
                        key=None)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    after_close = world.post(f"/grants/{elderly}/disbursements", {"amount_fen": 1})
    assert after_close.status_code == 409
    cancelled = world.post(f"/grants/{big}/cancel", {"reason": "项目取消"}, key=None)
    assert cancelled.json()["status"] == "cancelled"


def test_votes_and_the_funds_stricter_rule(world: FundWorld) -> None:
    response = world.post(f"/funds/{world.fund_id}/grants",
                          {"project": "儿童之家", "amount_fen": 1_000}, key=None)
    grant_id = response.json()["grant_id"]
    rejected = world.post(f"/grants/{grant_id}/approve",
                          {"votes_for": 10, "votes_against": 10, "minutes": "纪要"}, key=None)
    assert rejected.json()["status"] == "rejected"
    again = world.post(f"/grants/{grant_id}/approve",
                       {"votes_for": 20, "votes_against": 1, "minutes": "纪要"}, key=None)
    assert again.status_code == 409 and again.json()["error"]["code"] == "grant_not_proposed"

    rule = world.client.put(f"{API}/funds/{world.fund_id}/vote-rule",
                            json={"min_turnout": 30, "two_thirds": True},
                            headers=world.treasurer)
    assert rule.status_code == 200
    second = world.grant(1_000, approve=False)
    low_turnout = world.post(f"/grants/{second}/approve",
                             {"votes_for": 20, "votes_against": 0, "minutes": "纪要"}, key=None)
    assert low_turnout.json()["status"] == "rejected"
    third = world.grant(1_000, approve=False)
    passed = world.post(f"/grants/{third}/approve",
                        {"votes_for": 20, "votes_against": 9, "votes_abstain": 1,
                         "minutes": "纪要"}, key=None)
    assert passed.json()["status"] == "approved"


def test_void_is_a_reversal_and_the_receipt_is_never_reused(world: FundWorld) -> None:
    year = datetime.now(SHANGHAI).year
    first = world.donate(10_000).json()
    voided = world.post(f"/funds/{world.fund_id}/donations/{first['donation_id']}/void",
                        {"reason": "重复录入"}, key=None)
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    assert voided.json()["receipt_no"] == f"{year}-000001"
    assert world.donate(20_000).json()["receipt_no"] == f"{year}-000002"
    statement = world.statement()
    assert statement["donations_fen"] == 20_000 and statement["balance_fen"] == 20_000
    twice = world.post(f"/funds/{world.fund_id}/donations/{first['donation_id']}/void",
                       {"reason": "again"}, key=None)
    assert twice.status_code == 409
    listed = world.client.get(f"{API}/funds/{world.fund_id}/donations",
                              headers=world.auditor).json()
    assert [(d["receipt_no"], d["status"], d["donor_name"]) for d in listed] == [
        (f"{year}-000002", "received", "爱心企业甲"), (f"{year}-000001", "voided", "爱心企业甲")]

    spent = world.donate(5_000).json()
    world.post(f"/grants/{world.grant(25_000)}/disbursements", {"amount_fen": 25_000})
    refused = world.post(f"/funds/{world.fund_id}/donations/{spent['donation_id']}/void",
                         {"reason": "退款"}, key=None)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "insufficient_funds"


def test_trial_balance_balances_and_statements_as_of_a_past_date(world: FundWorld) -> None:
    world.donate(80_000)
    world.donate(20_000, purpose="助学", donor_type="government")
    world.post(f"/grants/{world.grant(30_000, purpose='助学')}/disbursements",
               {"amount_fen": 25_000})
    expense = world.post(f"/funds/{world.fund_id}/expenses",
                         {"amount_fen": 3_000, "kind": "management", "description": "打印"})
    assert expense.status_code == 201, expense.text
    tb = world.client.get(f"{API}/reports/trial-balance", headers=world.treasurer).json()
    assert tb["total_debit_fen"] == tb["total_credit_fen"] == 105_000
    lines = {a["account"]: (a["debit_fen"], a["credit_fen"]) for a in tb["accounts"]}
    # Government money is 政府补助收入, not a donation; the approved grant is a cost when it
    # is approved (30 000) and a liability until paid (5 000 still owed) — issue 13.
    assert lines == {
        "cash": (72_000, 0),
        "donation_income:enterprise": (0, 80_000),
        "government_grant_income": (0, 20_000),
        "expense:management": (3_000, 0),
        "grant_expense": (30_000, 0),
        "grants_payable": (0, 5_000),
    }
    yesterday = (datetime.now(UTC).astimezone() - timedelta(days=2)).date().isoformat()
    past = world.statement(as_of=yesterday)
    assert past["balance_fen"] == 0 and past["donations_fen"] == 0
    old_tb = world.client.get(f"{API}/reports/trial-balance", params={"as_of": yesterday},
                              headers=world.treasurer).json()
    assert old_tb["accounts"] == [] and old_tb["total_debit_fen"] == 0


def test_special_funds_are_hosted_by_one_foundation(world: FundWorld) -> None:
    special = world.open_fund("助老专项基金", "special", host=world.fund_id)
    assert special
    for kind, host in (("special", None), ("special", special), ("building", special)):
        response = world.client.post(f"{API}/funds", json={
            "name": "x", "kind": kind, "host_fund_id": host, "office_id": world.d.branch_id},
            headers=world.treasurer)
        assert response.status_code == 422, (kind, host)
        assert response.json()["error"]["code"] == "invalid_fund_host"


def test_only_treasurers_write_and_only_readers_read(world: FundWorld) -> None:
    refused = world.post(f"/funds/{world.fund_id}/donations",
                         {"amount_fen": 100, "donor_type": "individual", "anonymous": True},
                         headers=world.coordinator)
    assert refused.status_code == 403
    auditor_write = world.post(f"/funds/{world.fund_id}/donations",
                               {"amount_fen": 100, "donor_type": "individual",
                                "anonymous": True}, headers=world.auditor)
    assert auditor_write.status_code == 403
    assert world.client.get(f"{API}/funds/{world.fund_id}/statement",
                            headers=world.auditor).status_code == 200
    assert world.client.get(f"{API}/funds/{world.fund_id}/donations",
                            headers=world.coordinator).status_code == 403
    assert world.statement()["donations_fen"] == 0
