"""A community foundation's year, entered through the HTTP API as its treasurer would, on
SQLite and PostgreSQL (issue 13, "Done means").

东湖社区基金会 (F) hosts 助学专项基金 (S) and 3号楼自治金 (B): one legal person. The year
before (2024) and the year itself (2025) hold restricted and unrestricted gifts, goods given
and later given out, a void, government money, money passed on to a beneficiary the donor
named, a voted grant paid in tranches with a remainder unpaid at year end, management,
fundraising and shared costs, a restriction released with the donor's consent, a backdated
expense, a half-year close and two year-end closings. Every line of the entity's three
statements and the indicators is checked against figures worked out by hand below (fen),
at the middle of the year and at its end; debits equal credits and the trial balance ties to
the balance sheet at every date checked.

The story, in fen:
2024  F D1 enterprise 50 000 000 · S D2 individual 20 000 000 助学 · B D3 resident 3 000 000
      · F management 4 000 000 · S grant G1 助学 10 000 000 approved and paid.
      Income 73 000 000 (u 53 000 000, r 20 000 000); costs 14 000 000; 10 000 000 of 助学
      used → net assets at the end: u 49 000 000 + r 10 000 000 = 59 000 000 = cash
      (F 46 000 000, S 10 000 000, B 3 000 000). Closed on 5 January 2025.
2025  01-10 F D4 government 8 000 000 (政府补助收入; receipt 2025-GOV-000001)
      02-01 F D5 individual 5 000 000 助老 · 02-15 S D6 goods (书包 500 个) 2 500 000 助学
      03-01 F D7 individual 1 000 000, voided 03-03 (entered twice)
      03-10 F holds 600 000 for 困难家庭 A-01 (受托代理), passed on 03-20
      04-01 F grant G2 助老 6 000 000 approved: owed 5 000 000 of 助老 money + 1 000 000
            unrestricted; tranches 04-15 3 000 000 and 09-01 2 000 000; 1 000 000 unpaid
      05-10 S gives 300 书包 worth 1 500 000 to 阳光小学 · 05-20 F fundraising 500 000
      06-10 F shared cost 2 000 000: management 1 200 000, charitable 800 000 (按工时)
      07-01 B proposes G3 1 500 000 (awaiting the vote) · 07-05 books closed to 06-30
      08-01 B charitable 1 000 000 (residents' decision) · 09-15 S releases 2 000 000 of
            助学 with D2's donor's consent · 10-01 F management 3 000 000
      11-01 F fundraising 100 000 dated 07-10 (backdated; one dated 06-15 is refused)
      2026-01-08 the year closed.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.routers import fund_reports as report_routes
from tests.api.test_entity_reports import COLUMNS, Entity, lines
from tests.api.test_fund_reports import Clock
from tests.api.test_funds import API

P2, P = 2024, 2025


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock(monkeypatch)
    # The reports' "today" follows the story too (what is committed counts only this year).
    monkeypatch.setattr(report_routes, "utc_now", lambda: clock.now)
    return clock


class Foundation(Entity):
    def ok(self, response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.text
        return response.json()

    def gift_body(self, amount: int, donor_type: str, purpose: str | None = None,
                  **extra: Any) -> dict[str, Any]:
        return {"amount_fen": amount, "donor_name": "捐赠人", "donor_type": donor_type,
                "restricted_purpose": purpose, "anonymous": False, **extra}

    def give(self, fund: str, amount: int, donor_type: str, purpose: str | None = None,
             **extra: Any) -> dict[str, Any]:
        return self.ok(self.post(f"/funds/{fund}/donations",
                                 self.gift_body(amount, donor_type, purpose, **extra)))

    def checks(self, as_of: str) -> dict[str, Any]:
        """The books at a date: the trial balance balances and ties to the balance sheet."""
        sheet = self.read("balance-sheet", as_of=as_of)
        trial = self.read("trial-balance", as_of=as_of)
        assert sheet["balanced"] is True
        assert trial["total_debit_fen"] == trial["total_credit_fen"]
        assert trial["ties_to_balance_sheet"] is True
        amounts = lines(sheet, "end_fen")
        assert (trial["assets_fen"], trial["liabilities_fen"], trial["net_assets_fen"]) == (
            amounts["assets_total"][0], amounts["liabilities_total"][0],
            amounts["net_assets_total"][0])
        return {"sheet": sheet, "trial": trial}


def the_year_before(clock: Clock, client: TestClient) -> tuple[Foundation, dict[str, str]]:
    clock.set(P2, 2, 1)
    e = Foundation(client)
    ids: dict[str, str] = {}
    e.ok(client.put(f"{API}/funds/{e.f}/entity/organisation", headers=e.treasurer,
                    json={"organisation_type": "foundation", "public_fundraising_since": None}),
         200)
    clock.set(P2, 3, 1)
    e.give(e.f, 50_000_000, "enterprise")
    clock.set(P2, 4, 1)
    ids["D2"] = e.give(e.s, 20_000_000, "individual", "助学")["donation_id"]
    clock.set(P2, 5, 1)
    e.give(e.b, 3_000_000, "resident")
    clock.set(P2, 6, 1)
    e.spend(e.f, 4_000_000, "management")
    clock.set(P2, 9, 1)
    g1 = e.granted(e.s, 10_000_000, "助学")
    clock.set(P2, 10, 1)
    e.pay(g1, 10_000_000)
    clock.set(P, 1, 5)
    closed = e.ok(e.post(f"/funds/{e.f}/entity/year-end-closing", {"year": P2}, key=None), 200)
    assert {f["fund_id"]: f["closed_until"] for f in closed["funds"]} == {
        e.f: f"{P2}-12-31", e.s: f"{P2}-12-31", e.b: f"{P2}-12-31"}
    return e, ids


def first_half(clock: Clock, e: Foundation, ids: dict[str, str]) -> None:
    clock.set(P, 1, 10)
    government = e.give(e.f, 8_000_000, "government")
    assert (government["receipt_no"], government["receipt_kind"]) == (
        f"{P}-GOV-000001", "government_grant")
    clock.set(P, 2, 1)
    assert e.give(e.f, 5_000_000, "individual", "助老")["receipt_no"] == f"{P}-000001"
    clock.set(P, 2, 15)
    goods = e.give(e.s, 2_500_000, "enterprise", "助学", in_kind="书包 500 个")
    assert (goods["receipt_no"], goods["receipt_kind"]) == (f"{P}-000002", "donation")
    clock.set(P, 3, 1)
    twice = e.give(e.f, 1_000_000, "individual")["donation_id"]
    clock.set(P, 3, 3)
    e.ok(e.post(f"/funds/{e.f}/donations/{twice}/void", {"reason": "重复录入"}, key=None), 200)
    clock.set(P, 3, 10)
    held = e.ok(e.post(f"/funds/{e.f}/custodial-receipts", {
        "amount_fen": 600_000, "beneficiary": "困难家庭 A-01", "donor_name": "李先生",
        "donor_type": "individual"}))
    assert held["held_for_beneficiary_fen"] == 600_000
    clock.set(P, 3, 20)
    too_much = e.post(f"/funds/{e.f}/custodial-payments",
                      {"amount_fen": 600_001, "beneficiary": "困难家庭 A-01"})
    assert too_much.status_code == 409
    passed_on = e.ok(e.post(f"/funds/{e.f}/custodial-payments",
                            {"amount_fen": 600_000, "beneficiary": "困难家庭 A-01"}))
    assert passed_on["held_for_beneficiary_fen"] == 0
    clock.set(P, 4, 1)
    ids["G2"] = e.granted(e.f, 6_000_000, "助老")
    clock.set(P, 4, 15)
    e.pay(ids["G2"], 3_000_000)
    clock.set(P, 5, 10)
    e.ok(e.post(f"/funds/{e.s}/in-kind-distributions", {
        "amount_fen": 1_500_000, "description": "书包", "quantity": 300, "unit": "个",
        "recipient": "阳光小学", "purpose": "助学"}))
    clock.set(P, 5, 20)
    e.spend(e.f, 500_000, "fundraising")
    clock.set(P, 6, 10)
    e.ok(e.post(f"/funds/{e.f}/expenses", {
        "allocations": [{"kind": "management", "amount_fen": 1_200_000},
                        {"kind": "charitable", "amount_fen": 800_000}],
        "allocation_method": "按工时", "description": "办公室租金"}))
    clock.set(P, 7, 1)
    e.ok(e.post(f"/funds/{e.b}/grants", {"project": "楼道照明", "amount_fen": 1_500_000},
                key=None))
    clock.set(P, 7, 5)
    e.ok(e.post(f"/funds/{e.f}/periods/close", {"until": f"{P}-06-30", "reason": "半年结账"},
                key=None), 200)


def second_half(clock: Clock, e: Foundation, ids: dict[str, str]) -> None:
    clock.set(P, 8, 1)
    e.spend(e.b, 1_000_000, "charitable")
    clock.set(P, 9, 1)
    e.pay(ids["G2"], 2_000_000)
    clock.set(P, 9, 15)
    e.ok(e.post(f"/funds/{e.s}/reclassifications", {
        "purpose": "助学", "amount_fen": 2_000_000, "reason": "捐赠人同意用于学校日常运营",
        "consent": {"document": "捐赠人同意函 2025-07", "donation_ids": [ids["D2"]]}}))
    clock.set(P, 10, 1)
    e.spend(e.f, 3_000_000, "management")
    clock.set(P, 11, 1)
    closed = e.post(f"/funds/{e.f}/expenses", {"amount_fen": 100_000, "kind": "fundraising",
                                               "booked_on": f"{P}-06-15"})
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "period_closed"
    e.ok(e.post(f"/funds/{e.f}/expenses", {"amount_fen": 100_000, "kind": "fundraising",
                                           "booked_on": f"{P}-07-10"}))


def test_a_foundations_year_is_filed_right(client: TestClient, clock: Clock) -> None:
    e, ids = the_year_before(clock, client)
    first_half(clock, e, ids)

    # -- the middle of the year (30 June), read on 5 July ------------------------------------
    books = e.checks(f"{P}-06-30")
    half = lines(books["sheet"], "year_start_fen", "end_fen")
    # Cash on 30 June: F 46 000 000 + 8 000 000 + 5 000 000 (+ D7 − its void) − 3 000 000
    # − 500 000 − 2 000 000 = 53 500 000; S 10 000 000; B 3 000 000.
    assert half["cash"] == (59_000_000, 66_500_000)
    assert half["inventories"] == (0, 1_000_000)  # 书包 2 500 000 − 1 500 000 given out
    assert half["custodial_assets"] == half["custodial_liabilities"] == (0, 0)  # passed on
    assert half["current_assets_total"] == half["assets_total"] == (59_000_000, 67_500_000)
    assert half["payables"] == half["current_liabilities_total"] == (0, 3_000_000)  # G2
    assert half["liabilities_total"] == (0, 3_000_000)
    assert half["unrestricted_net_assets"] == (49_000_000, 53_500_000)
    assert half["restricted_net_assets"] == (10_000_000, 11_000_000)
    assert half["net_assets_total"] == (59_000_000, 64_500_000)
    assert half["liabilities_and_net_assets_total"] == (59_000_000, 67_500_000)
    assert all(v == (0, 0) for k, v in half.items() if k not in {
        "cash", "inventories", "current_assets_total", "assets_total", "payables",
        "current_liabilities_total", "liabilities_total", "unrestricted_net_assets",
        "restricted_net_assets", "net_assets_total", "liabilities_and_net_assets_total"})
    # 助老: D5's 5 000 000 is all owed to G2 (used for its purpose when G2 was approved).
    assert {x["purpose"]: x["end_fen"] for x in books["sheet"]["restricted_by_purpose"]} == {
        "助学": 11_000_000}

    h1 = e.read("activities", **{"from": f"{P}-01-01", "to": f"{P}-06-30"})
    rows = lines(h1, *COLUMNS)
    assert rows["donation_income"] == (0, 7_500_000, 7_500_000)  # D5 + 书包; D7 voided
    assert rows["government_grant_income"] == (8_000_000, 0, 8_000_000)
    assert rows["income_total"] == (8_000_000, 7_500_000, 15_500_000)
    # G2 6 000 000 (approved) + 书包 given 1 500 000 + the shared cost's 800 000.
    assert rows["program_costs"] == (8_300_000, 0, 8_300_000)
    assert (rows[f"program_costs:{e.f}"], rows[f"program_costs:{e.s}"],
            rows[f"program_costs:{e.b}"]) == (
        (6_800_000, 0, 6_800_000), (1_500_000, 0, 1_500_000), (0, 0, 0))
    assert rows["management_costs"] == (1_200_000, 0, 1_200_000)
    assert rows["fundraising_costs"] == (500_000, 0, 500_000)
    assert rows["other_costs"] == (0, 0, 0)
    assert rows["expense_total"] == (10_000_000, 0, 10_000_000)
    # Restricted money used for its purpose: G2's 5 000 000 of 助老 + 1 500 000 of 书包.
    assert rows["net_assets_released"] == (6_500_000, -6_500_000, 0)
    assert rows["change_in_net_assets"] == (4_500_000, 1_000_000, 5_500_000)
    assert all(rows[k] == (0, 0, 0) for k in (
        "membership_income", "service_income", "sales_income", "investment_income",
        "other_income"))
    assert h1["net_assets_at_start"]["total_fen"] == 59_000_000 and h1["ties"] is True

    flows = lines(e.read("cash-flows", **{"from": f"{P}-01-01", "to": f"{P}-06-30"}),
                  "amount_fen")
    assert flows == {
        "donations_received": (5_000_000,), "dues_received": (0,), "services_received": (0,),
        "sales_received": (0,), "government_grants_received": (8_000_000,),
        "other_operating_received": (0,), "operating_inflows": (13_000_000,),
        "grants_paid": (3_000_000,), "staff_paid": (0,),
        "goods_services_paid": (2_500_000,), "other_operating_paid": (0,),
        "operating_outflows": (5_500_000,), "operating_net": (7_500_000,),
        "investing_inflows": (0,), "investing_outflows": (0,), "investing_net": (0,),
        "financing_inflows": (0,), "financing_outflows": (0,), "financing_net": (0,),
        "exchange_rate_effect": (0,), "net_increase": (7_500_000,),
        "cash_at_start": (59_000_000,), "cash_at_end": (66_500_000,)}

    # The 2024 closing carried that year's income and costs into net assets: the trial
    # balance of 30 June holds only this year's, beside 净资产 59 000 000.
    accounts = {a["account"]: (a["debit_fen"], a["credit_fen"])
                for a in books["trial"]["accounts"]}
    assert accounts == {
        "cash": (66_500_000, 0), "in_kind_assets": (1_000_000, 0),
        "grants_payable": (0, 3_000_000), "net_assets": (0, 59_000_000),
        "government_grant_income": (0, 8_000_000),
        "donation_income:individual": (0, 5_000_000),
        "donation_income:enterprise": (0, 2_500_000),
        "grant_expense": (6_000_000, 0), "expense:charitable": (2_300_000, 0),
        "expense:management": (1_200_000, 0), "expense:fundraising": (500_000, 0)}
    assert books["trial"]["total_debit_fen"] == 77_500_000
    assert books["trial"]["open_income_and_costs_fen"] == 5_500_000

    # The indicators as they stand in July: 8% of the net assets at the end of 2024
    # (59 000 000 × 0.08 = 4 720 000), met; G3 awaits its vote (1 500 000 committed).
    mid = e.read("indicators", year=P)
    assert (mid["rule"]["row"], mid["rule"]["charitable_min_ratio"]) == (
        "foundation_under_4m", "0.08")
    assert mid["figures"]["prior_year_end_net_assets_fen"] == 59_000_000
    assert mid["charitable"] == {
        "base_fen": 59_000_000, "required_fen": 4_720_000, "spent_fen": 8_300_000,
        "gap_fen": 0, "ratio": "0.1407", "met": True, "committed_fen": 1_500_000,
        "forecast_fen": 9_800_000, "forecast_gap_fen": 0, "forecast_met": True}
    assert mid["management"] == {
        "management_fen": 1_200_000, "total_spending_fen": 10_000_000, "ratio": "0.1200",
        "max_ratio": "0.20", "exemption_below_fen": 20_000_000, "exempt": True,
        "within_limit": True, "forecast_total_spending_fen": 11_500_000,
        "forecast_within_limit": True}

    second_half(clock, e, ids)
    clock.set(P + 1, 1, 8)
    closing = e.ok(e.post(f"/funds/{e.s}/entity/year-end-closing", {"year": P}, key=None), 200)
    assert closing["entity_fund_id"] == e.f and len(closing["funds"]) == 3

    # -- the end of the year ------------------------------------------------------------------
    books = e.checks(f"{P}-12-31")
    end = lines(books["sheet"], "year_start_fen", "end_fen")
    # Cash: F 46 000 000 + 13 000 000 in − 3 000 000 − 500 000 − 2 000 000 − 2 000 000
    # − 3 000 000 − 100 000 = 48 400 000; S 10 000 000; B 2 000 000.
    assert end["cash"] == (59_000_000, 60_400_000)
    assert end["inventories"] == (0, 1_000_000)
    assert end["assets_total"] == (59_000_000, 61_400_000)
    assert end["payables"] == end["liabilities_total"] == (0, 1_000_000)  # G2's unpaid rest
    assert end["unrestricted_net_assets"] == (49_000_000, 51_400_000)
    assert end["restricted_net_assets"] == (10_000_000, 9_000_000)
    assert end["net_assets_total"] == (59_000_000, 60_400_000)
    assert end["liabilities_and_net_assets_total"] == (59_000_000, 61_400_000)
    # 助学: 10 000 000 + 2 500 000 − 1 500 000 − 2 000 000 released = 9 000 000.
    assert {x["purpose"]: x["end_fen"] for x in books["sheet"]["restricted_by_purpose"]} == {
        "助学": 9_000_000}
    assert {x["fund_id"]: (x["assets_fen"], x["liabilities_fen"])
            for x in books["sheet"]["projects"]} == {
        e.f: (48_400_000, 1_000_000), e.s: (11_000_000, 0), e.b: (2_000_000, 0)}

    year = e.read("activities", **{"from": f"{P}-01-01", "to": f"{P}-12-31"})
    rows = lines(year, *COLUMNS)
    assert rows["donation_income"] == (0, 7_500_000, 7_500_000)
    assert rows["government_grant_income"] == (8_000_000, 0, 8_000_000)
    assert rows["income_total"] == (8_000_000, 7_500_000, 15_500_000)
    # + B's 1 000 000 after June; money held as agent is neither income nor cost.
    assert rows["program_costs"] == (9_300_000, 0, 9_300_000)
    assert (rows[f"program_costs:{e.f}"], rows[f"program_costs:{e.s}"],
            rows[f"program_costs:{e.b}"]) == (
        (6_800_000, 0, 6_800_000), (1_500_000, 0, 1_500_000), (1_000_000, 0, 1_000_000))
    assert rows["management_costs"] == (4_200_000, 0, 4_200_000)  # 1 200 000 + 3 000 000
    assert rows["fundraising_costs"] == (600_000, 0, 600_000)  # 500 000 + 100 000 backdated
    assert rows["expense_total"] == (14_100_000, 0, 14_100_000)
    # Used: 6 500 000; released with consent: 2 000 000.
    assert year["released_by_use_fen"] == 6_500_000
    assert year["released_by_reclassification_fen"] == 2_000_000
    assert rows["net_assets_released"] == (8_500_000, -8_500_000, 0)
    # 8 000 000 − 14 100 000 + 8 500 000 = 2 400 000; 7 500 000 − 8 500 000 = −1 000 000.
    assert rows["change_in_net_assets"] == (2_400_000, -1_000_000, 1_400_000)
    assert year["net_assets_at_end"] == {"unrestricted_fen": 51_400_000,
                                         "restricted_fen": 9_000_000, "total_fen": 60_400_000}
    assert year["ties"] is True

    flows = lines(e.read("cash-flows", **{"from": f"{P}-01-01", "to": f"{P}-12-31"}),
                  "amount_fen")
    assert (flows["donations_received"], flows["government_grants_received"],
            flows["operating_inflows"]) == ((5_000_000,), (8_000_000,), (13_000_000,))
    # Grants 3 000 000 + 2 000 000; costs 500 000 + 2 000 000 + 1 000 000 + 3 000 000 + 100 000.
    assert (flows["grants_paid"], flows["goods_services_paid"], flows["operating_outflows"]
            ) == ((5_000_000,), (6_600_000,), (11_600_000,))
    assert (flows["net_increase"], flows["cash_at_start"], flows["cash_at_end"]) == (
        (1_400_000,), (59_000_000,), (60_400_000,))

    # After the closing the year's income and costs are in net assets: the trial balance
    # holds the balance-sheet accounts only, at the end of the year and into the next.
    for day in (f"{P}-12-31", f"{P + 1}-01-31"):
        trial = e.checks(day)["trial"]
        assert {a["account"]: (a["debit_fen"], a["credit_fen"]) for a in trial["accounts"]} == {
            "cash": (60_400_000, 0), "in_kind_assets": (1_000_000, 0),
            "grants_payable": (0, 1_000_000), "net_assets": (0, 60_400_000)}
        assert trial["open_income_and_costs_fen"] == 0
    # The contract's trial balance keeps its meaning: cumulative, before closing entries.
    contract = client.get(f"{API}/reports/trial-balance", params={"fund_id": e.f},
                          headers=e.treasurer).json()
    assert "net_assets" not in {a["account"] for a in contract["accounts"]}
    assert contract["total_debit_fen"] == contract["total_credit_fen"]

    # The indicators of 2025: 4 720 000 required, 9 300 000 spent. Management is 29.79% of
    # all spending (4 200 000 / 14 100 000), above the 20% cap — exempt below ¥200,000.
    final = e.read("indicators", year=P)
    assert final["charitable"] == {
        "base_fen": 59_000_000, "required_fen": 4_720_000, "spent_fen": 9_300_000,
        "gap_fen": 0, "ratio": "0.1576", "met": True, "committed_fen": 0,
        "forecast_fen": 9_300_000, "forecast_gap_fen": 0, "forecast_met": True}
    assert final["management"] == {
        "management_fen": 4_200_000, "total_spending_fen": 14_100_000, "ratio": "0.2979",
        "max_ratio": "0.20", "exemption_below_fen": 20_000_000, "exempt": True,
        "within_limit": True, "forecast_total_spending_fen": 14_100_000,
        "forecast_within_limit": True}
    assert final["figures"]["prior_year_income_fen"] == 73_000_000
    assert "上年末净资产 ¥590,000.00" in final["rule"]["why_zh"]

    # Receipts: one series for gifts, one for government money; the void keeps its number.
    register = e.read("receipts", headers=e.treasurer, year=P)
    assert [(r["receipt_no"], r["status"]) for r in register["receipts"]] == [
        (f"{P}-000001", "received"), (f"{P}-000002", "received"), (f"{P}-000003", "voided"),
        (f"{P}-GOV-000001", "received")]
    assert register["gaps"] == []
    # Vouchers: gap-free per month across the three funds.
    vouchers = e.read("vouchers", **{"from": f"{P}-01-01", "to": f"{P}-12-31"})["vouchers"]
    by_month: dict[str, list[int]] = {}
    for v in vouchers:
        by_month.setdefault(v["period"], []).append(v["number"])
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_month.values())
    assert len(by_month[f"{P}-12"]) == 3  # the closing entries of F, S and B
