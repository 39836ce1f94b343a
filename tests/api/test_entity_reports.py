"""The legal entity's books through HTTP, on SQLite and PostgreSQL: a foundation hosting a
special fund and a building fund is one legal person, so its 资产负债表, 业务活动表, 现金流量表 and
trial balance include all three, and the charity-law indicators are measured for it by the
rule row its type, status and size select. Every figure is worked out by hand in `story`.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal
from typing import Any

import openpyxl
import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.api._pages import staff_login
from tests.api._support import assert_error
from tests.api.test_fund_reports import Clock
from tests.api.test_funds import API, FundWorld
from timebank.domain.values import SHANGHAI

Y = datetime.now(SHANGHAI).year
P, P2 = Y - 1, Y - 2


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


class Entity(FundWorld):
    """The foundation F hosts S (助学专项基金) and B (3号楼自治金)."""

    def __init__(self, client: TestClient) -> None:
        super().__init__(client)
        self.f = self.fund_id
        self.s = self.open_fund("助学专项基金", "special", host=self.f)
        self.b = self.open_fund("3号楼自治金", "building", host=self.f)

    def gift(self, fund: str, amount: int, donor_type: str, purpose: str | None = None,
             **extra: Any) -> str:
        body = {"amount_fen": amount, "donor_name": "捐赠人", "donor_type": donor_type,
                "restricted_purpose": purpose, "anonymous": False, **extra}
        response = self.post(f"/funds/{fund}/donations", body)
        assert response.status_code == 201, response.text
        return response.json()["donation_id"]

    def granted(self, fund: str, amount: int, purpose: str | None = None) -> str:
        response = self.post(f"/funds/{fund}/grants", {"project": "社区项目", "amount_fen": amount,
                                                       "purpose": purpose}, key=None)
        assert response.status_code == 201, response.text
        grant_id = response.json()["grant_id"]
        voted = self.post(f"/grants/{grant_id}/approve",
                          {"votes_for": 9, "votes_against": 1, "minutes": "议事会纪要"}, key=None)
        assert voted.json()["status"] == "approved", voted.text
        return grant_id

    def pay(self, grant_id: str, amount: int) -> None:
        response = self.post(f"/grants/{grant_id}/disbursements", {"amount_fen": amount})
        assert response.status_code == 201, response.text

    def spend(self, fund: str, amount: int, kind: str) -> None:
        body: dict[str, Any] = {"amount_fen": amount, "kind": kind, "description": "支出"}
        if fund == self.b:
            body["decision"] = {"votes_for": 8, "votes_against": 1, "minutes": "楼组会议纪要"}
        response = self.post(f"/funds/{fund}/expenses", body)
        assert response.status_code == 201, response.text

    def read(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        response = self.client.get(f"{API}/funds/{self.f}/entity/{path}", params=params,
                                   headers=headers or self.auditor)
        assert response.status_code == 200, response.text
        return response.json()


def story(client: TestClient, clock: Clock) -> Entity:
    """Year P2 (fen): D1 30 000 000 enterprise → F; D2 10 000 000 government → F (政府补助收入);
    D3 5 000 000 individual 助学 → S; D4 2 000 000 resident → B; F management 800 000;
    G1 (F) 4 000 000 approved (a cost and a liability from then on), paid 3 000 000; G2 (S,
    助学) 3 000 000 owed from 助学 money and paid;
    B charitable 500 000; goods worth 1 000 000 given to S (enterprise); F fundraising
    200 000; D5 1 000 000 individual → F, voided the next day.
    Year P: D6 8 000 000 enterprise 助老 → F; G3 (F, 助老) 6 000 000 approved, 4 000 000 paid;
    G1's last 1 000 000 paid (its liability, no new cost); D7 2 000 000 government 助学 → S;
    F management 1 500 000; B charitable 300 000."""
    clock.set(P2, 2, 1)
    e = Entity(client)
    clock.set(P2, 3, 1)
    e.gift(e.f, 30_000_000, "enterprise")
    clock.set(P2, 4, 1)
    e.gift(e.f, 10_000_000, "government")
    clock.set(P2, 5, 1)
    e.gift(e.s, 5_000_000, "individual", "助学")
    clock.set(P2, 5, 2)
    e.gift(e.b, 2_000_000, "resident")
    clock.set(P2, 6, 1)
    e.spend(e.f, 800_000, "management")
    g1 = e.granted(e.f, 4_000_000)
    clock.set(P2, 7, 1)
    e.pay(g1, 3_000_000)
    g2 = e.granted(e.s, 3_000_000, "助学")
    clock.set(P2, 8, 1)
    e.pay(g2, 3_000_000)
    clock.set(P2, 9, 1)
    e.spend(e.b, 500_000, "charitable")
    clock.set(P2, 10, 1)
    e.gift(e.s, 1_000_000, "enterprise", in_kind="书包 200 个")
    clock.set(P2, 11, 1)
    e.spend(e.f, 200_000, "fundraising")
    clock.set(P2, 12, 1)
    d5 = e.gift(e.f, 1_000_000, "individual")
    clock.set(P2, 12, 2)
    voided = e.post(f"/funds/{e.f}/donations/{d5}/void", {"reason": "重复录入"}, key=None)
    assert voided.status_code == 200, voided.text

    clock.set(P, 2, 1)
    e.gift(e.f, 8_000_000, "enterprise", "助老")
    g3 = e.granted(e.f, 6_000_000, "助老")
    clock.set(P, 3, 1)
    e.pay(g3, 4_000_000)
    clock.set(P, 3, 15)
    e.pay(g1, 1_000_000)
    clock.set(P, 4, 1)
    e.gift(e.s, 2_000_000, "government", "助学")
    clock.set(P, 5, 1)
    e.spend(e.f, 1_500_000, "management")
    clock.set(P, 6, 1)
    e.spend(e.b, 300_000, "charitable")
    return e


def lines(report: dict[str, Any], *columns: str) -> dict[str, tuple[int, ...]]:
    return {r["key"]: tuple(r[c] for c in columns) for r in report["rows"]}


COLUMNS = ("unrestricted_fen", "restricted_fen", "total_fen")


def test_the_entity_statements_include_the_hosted_funds_and_tie(
    client: TestClient, clock: Clock
) -> None:
    e = story(client, clock)
    # -- 业务活动表, year P2 ----------------------------------------------------------------
    p2 = e.read("activities", **{"from": f"{P2}-01-01", "to": f"{P2}-12-31"})
    rows = lines(p2, *COLUMNS)
    # Donations: D1 30 000 000 + D4 2 000 000 + goods 1 000 000 (+ D5 − its void) unrestricted;
    # D3 5 000 000 restricted. Government money is not a donation: 政府补助收入 10 000 000.
    assert rows["donation_income"] == (33_000_000, 5_000_000, 38_000_000)
    assert rows["government_grant_income"] == (10_000_000, 0, 10_000_000)
    assert rows["income_total"] == (43_000_000, 5_000_000, 48_000_000)
    # 业务活动成本: grants are costs when approved (制度, 权责发生制) — G1 4 000 000 (3 000 000
    # of it paid) + G2 3 000 000 — and B's 500 000; every cost in the unrestricted column.
    assert rows["program_costs"] == (7_500_000, 0, 7_500_000)
    assert rows[f"program_costs:{e.f}"] == (4_000_000, 0, 4_000_000)
    assert rows[f"program_costs:{e.s}"] == (3_000_000, 0, 3_000_000)
    assert rows[f"program_costs:{e.b}"] == (500_000, 0, 500_000)
    assert rows["management_costs"] == (800_000, 0, 800_000)
    assert rows["fundraising_costs"] == (200_000, 0, 200_000)
    assert rows["expense_total"] == (8_500_000, 0, 8_500_000)
    # G2 used 3 000 000 of 助学 money on 助学: released from its restriction.
    assert rows["net_assets_released"] == (3_000_000, -3_000_000, 0)
    # 43 000 000 − 8 500 000 + 3 000 000 = 37 500 000; 5 000 000 − 3 000 000 = 2 000 000.
    assert rows["change_in_net_assets"] == (37_500_000, 2_000_000, 39_500_000)
    assert p2["net_assets_at_start"]["total_fen"] == 0
    assert p2["net_assets_at_end"] == {"unrestricted_fen": 37_500_000,
                                       "restricted_fen": 2_000_000, "total_fen": 39_500_000}
    assert p2["ties"] is True
    labels = {r["key"]: (r["line"], r["label_zh"], r["label_en"]) for r in p2["rows"]}
    assert labels["government_grant_income"] == (5, "政府补助收入", "Government grants")
    assert labels["net_assets_released"][0] == 40

    # -- 业务活动表, year P --------------------------------------------------------------------
    p = e.read("activities", **{"from": f"{P}-01-01", "to": f"{P}-12-31"})
    rows = lines(p, *COLUMNS)
    assert rows["donation_income"] == (0, 8_000_000, 8_000_000)
    assert rows["government_grant_income"] == (0, 2_000_000, 2_000_000)
    # G3 6 000 000 (approved in P, 助老 money) + B 300 000; G1's last tranche paid what was
    # owed since P2 and is no cost of P.
    assert rows["program_costs"] == (6_300_000, 0, 6_300_000)
    assert rows["expense_total"] == (7_800_000, 0, 7_800_000)
    assert rows["net_assets_released"] == (6_000_000, -6_000_000, 0)
    # 0 − 7 800 000 + 6 000 000 = −1 800 000; 10 000 000 − 6 000 000 = 4 000 000.
    assert rows["change_in_net_assets"] == (-1_800_000, 4_000_000, 2_200_000)
    assert p["net_assets_at_end"] == {"unrestricted_fen": 35_700_000,
                                      "restricted_fen": 6_000_000, "total_fen": 41_700_000}
    projects = {x["fund_id"]: (x["income_fen"], x["expense_fen"], x["program_costs_fen"])
                for x in p["projects"]}
    assert projects == {e.f: (8_000_000, 7_500_000, 6_000_000), e.s: (2_000_000, 0, 0),
                        e.b: (0, 300_000, 300_000)}

    # -- 资产负债表 at the end of P and in the middle of it --------------------------------------
    sheet = e.read("balance-sheet", as_of=f"{P}-12-31")
    amounts = lines(sheet, "year_start_fen", "end_fen")
    # Cash at the end of P2: F 36 000 000, S 2 000 000, B 1 500 000; of P: F 37 500 000,
    # S 4 000 000, B 1 200 000.
    assert amounts["cash"] == (39_500_000, 42_700_000)
    assert amounts["inventories"] == (1_000_000, 1_000_000)
    assert amounts["current_assets_total"] == (40_500_000, 43_700_000)
    assert amounts["assets_total"] == (40_500_000, 43_700_000)
    # 应付款项: G1's unpaid 1 000 000 at the end of P2; G3's 2 000 000 at the end of P.
    assert amounts["payables"] == amounts["liabilities_total"] == (1_000_000, 2_000_000)
    assert amounts["unrestricted_net_assets"] == (37_500_000, 35_700_000)
    assert amounts["restricted_net_assets"] == (2_000_000, 6_000_000)
    assert amounts["liabilities_and_net_assets_total"] == (40_500_000, 43_700_000)
    assert amounts["short_term_investments"] == (0, 0)  # the form's every line is there
    assert sheet["balanced"] is True
    assert {x["purpose"]: (x["year_start_fen"], x["end_fen"])
            for x in sheet["restricted_by_purpose"]} == {
        "助学": (2_000_000, 4_000_000), "助老": (0, 2_000_000)}
    assert {x["fund_id"]: x["assets_fen"] for x in sheet["projects"]} == {
        e.f: 37_500_000, e.s: 5_000_000, e.b: 1_200_000}
    rows_by_line = {r["line"]: r["label_zh"] for r in sheet["rows"]}
    assert (rows_by_line[1], rows_by_line[51], rows_by_line[62], rows_by_line[120]) == (
        "货币资金", "受托代理资产", "应付款项", "负债和净资产总计")

    mid = lines(e.read("balance-sheet", as_of=f"{P}-03-31"), "year_start_fen", "end_fen")
    # By 31 March P: + D6 8 000 000 − G3's 4 000 000 − G1's 1 000 000 in cash; G3 cost
    # 6 000 000 of 助老 money; paying G1 only settled what was owed.
    assert mid["cash"] == (39_500_000, 42_500_000)
    assert mid["payables"] == (1_000_000, 2_000_000)
    assert mid["unrestricted_net_assets"] == (37_500_000, 37_500_000)
    assert mid["restricted_net_assets"] == (2_000_000, 4_000_000)

    # -- 现金流量表 -------------------------------------------------------------------------
    flows = lines(e.read("cash-flows", **{"from": f"{P2}-01-01", "to": f"{P2}-12-31"}),
                  "amount_fen")
    # Donations in cash: 30 000 000 + 5 000 000 + 2 000 000 + D5 1 000 000 − its void; the
    # goods are not cash. Paid: grants 6 000 000; costs 800 000 + 500 000 + 200 000.
    assert flows["donations_received"] == (37_000_000,)
    assert flows["government_grants_received"] == (10_000_000,)
    assert flows["operating_inflows"] == (47_000_000,)
    assert flows["grants_paid"] == (6_000_000,)
    assert flows["goods_services_paid"] == (1_500_000,)
    assert flows["operating_outflows"] == (7_500_000,)
    assert flows["net_increase"] == (39_500_000,)
    assert (flows["cash_at_start"], flows["cash_at_end"]) == ((0,), (39_500_000,))
    year_p = e.read("cash-flows", **{"from": f"{P}-01-01", "to": f"{P}-12-31"})
    flows = lines(year_p, "amount_fen")
    assert (flows["donations_received"], flows["government_grants_received"],
            flows["grants_paid"], flows["goods_services_paid"]) == (
        (8_000_000,), (2_000_000,), (5_000_000,), (1_800_000,))
    assert (flows["cash_at_start"], flows["net_increase"], flows["cash_at_end"]) == (
        (39_500_000,), (3_200_000,), (42_700_000,))
    assert year_p["ties"] is True

    # -- the entity's trial balance ties to its balance sheet ---------------------------------
    trial = e.read("trial-balance", as_of=f"{P}-12-31")
    accounts = {a["account"]: (a["debit_fen"], a["credit_fen"]) for a in trial["accounts"]}
    assert accounts["cash"] == (42_700_000, 0)
    assert accounts["in_kind_assets"] == (1_000_000, 0)
    assert accounts["grant_expense"] == (13_000_000, 0)  # approved: G1 4 + G2 3 + G3 6 m
    assert accounts["grants_payable"] == (0, 2_000_000)
    assert accounts["government_grant_income"] == (0, 12_000_000)
    assert accounts["expense:management"] == (2_300_000, 0)
    assert accounts["expense:charitable"] == (800_000, 0)
    assert accounts["expense:fundraising"] == (200_000, 0)
    assert accounts["donation_income:enterprise"] == (0, 39_000_000)  # 30 + 1 (goods) + 8
    assert accounts["donation_income:individual"] == (0, 5_000_000)  # D5 and its void net 0
    assert accounts["donation_income:resident"] == (0, 2_000_000)
    assert trial["total_debit_fen"] == trial["total_credit_fen"] == 60_000_000
    assert (trial["assets_fen"], trial["liabilities_fen"], trial["net_assets_fen"]) == (
        43_700_000, 2_000_000, 41_700_000)
    assert trial["ties_to_balance_sheet"] is True

    # A hosted fund's id reads the same entity; its own statements stay its own (drill-down).
    via_special = client.get(f"{API}/funds/{e.s}/entity/balance-sheet",
                             params={"as_of": f"{P}-12-31"}, headers=e.auditor).json()
    assert via_special["entity_fund_id"] == e.f and via_special["rows"] == sheet["rows"]
    own = client.get(f"{API}/funds/{e.s}/reports/balance-sheet", params={"as_of": f"{P}-12-31"},
                     headers=e.auditor).json()
    assert {r["key"]: r["end_fen"] for r in own["rows"]}["assets_total"] == 5_000_000
    # The contract's statement of the foundation keeps its meaning: its own cash.
    statement = client.get(f"{API}/funds/{e.f}/statement", params={"as_of": f"{P}-12-31"},
                           headers=e.treasurer).json()
    assert statement["balance_fen"] == 37_500_000

    assert_error(client.get(f"{API}/funds/{e.f}/entity/balance-sheet", headers=e.coordinator),
                 403, "forbidden")

    # The three statements as a filer copies them: yuan, 行次, the entity as 编制单位.
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"{API}/funds/{e.b}/entity/statements.xlsx", params={"as_of": f"{P}-12-31"},
        headers=e.auditor).content))
    assert book.sheetnames == ["资产负债表", "业务活动表", "现金流量表"]
    balance = {r[0]: r[1:] for r in book["资产负债表"].iter_rows(min_row=4, values_only=True)}
    assert balance["货币资金"] == (1, Decimal("395000.00"), Decimal("427000.00"))
    assert "编制单位：东湖社区基金会" in book["资产负债表"]["A2"].value
    activity = {r[0]: r[1:] for r in book["业务活动表"].iter_rows(min_row=4, values_only=True)}
    assert activity["政府补助收入"] == (5, Decimal("0.00"), Decimal("20000.00"),
                                   Decimal("20000.00"))
    flows = {r[0]: r[1:] for r in book["现金流量表"].iter_rows(min_row=4, values_only=True)}
    assert flows["现金及现金等价物净增加额"][:2] == (61, Decimal("32000.00"))
    pdf = client.get(f"{API}/funds/{e.f}/entity/statements.pdf",
                     params={"as_of": f"{P}-12-31"}, headers=e.auditor)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and pdf.content.count(b"/Type /Page") >= 3


def test_the_indicators_follow_the_rule_row_of_the_entity(client: TestClient,
                                                          clock: Clock) -> None:
    e = story(client, clock)
    recorded = e.read("organisation")
    assert (recorded["recorded"], recorded["organisation_type"],
            recorded["public_fundraising_since"]) == (False, "foundation", None)

    # Without public-fundraising status (the default): 8% of the net assets at the end of P2,
    # 39 500 000 × 0.08 = 3 160 000; spent in P 6 300 000 (G3 and B's costs).
    year_p = e.read("indicators", year=P)
    assert year_p["rule"]["row"] == "foundation_under_4m"
    assert year_p["figures"]["prior_year_end_net_assets_fen"] == 39_500_000
    assert year_p["figures"]["prior_year_income_fen"] == 48_000_000
    assert (year_p["charitable"]["required_fen"], year_p["charitable"]["spent_fen"],
            year_p["charitable"]["gap_fen"], year_p["charitable"]["met"]) == (
        3_160_000, 6_300_000, 0, True)
    # Management 1 500 000 of 7 800 000 is 19.23%; under ¥200,000 it is exempt anyway.
    assert year_p["management"]["ratio"] == "0.1923"
    assert (year_p["management"]["exempt"], year_p["management"]["within_limit"]) == (True, True)
    # This year: 8% of 41 700 000 = 3 336 000; nothing spent yet. G3's unpaid 2 000 000 was
    # a cost of P (approved then): nothing more is committed.
    this_year = e.read("indicators", year=Y)
    assert this_year["charitable"]["required_fen"] == 3_336_000
    assert (this_year["charitable"]["committed_fen"], this_year["charitable"]["forecast_gap_fen"]
            ) == (0, 3_336_000)

    # With public-fundraising status since June of P2, year P follows the 70% row:
    # 70% of P2's income 48 000 000 = 33 600 000.
    answer = client.put(f"{API}/funds/{e.f}/entity/organisation", headers=e.treasurer, json={
        "organisation_type": "foundation", "public_fundraising_since": f"{P2}-06-01"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["recorded"] is True
    year_p = e.read("indicators", year=P)
    assert (year_p["rule"]["row"], year_p["rule"]["charitable_base"]) == (
        "foundation_public", "prior_year_income")
    assert (year_p["charitable"]["required_fen"], year_p["charitable"]["gap_fen"]) == (
        33_600_000, 27_300_000)
    assert year_p["management"]["max_ratio"] == "0.10"
    # P2 itself: the status was obtained during P2, so P2 is measured without it.
    assert e.read("indicators", year=P2)["rule"]["row"] == "foundation_under_4m"
    # The three-year average (Art. 10) of this year: the entity existed in P2 and P only,
    # (48 000 000 + 10 000 000) / 2 = 29 000 000; 70% = 20 300 000.
    client.put(f"{API}/funds/{e.s}/entity/organisation", headers=e.treasurer, json={
        "organisation_type": "foundation", "public_fundraising_since": f"{P2}-06-01",
        "indicator_basis": "three_year_average"})
    this_year = e.read("indicators", year=Y)
    assert this_year["rule"]["basis_years"] == [P2, P]
    assert (this_year["charitable"]["base_fen"], this_year["charitable"]["required_fen"]) == (
        29_000_000, 20_300_000)
    assert this_year["organisation"]["indicator_basis"] == "three_year_average"

    # The annual report pack of P: statements at its end, notes, indicators, grants.
    pack = e.read("annual-report", year=P)
    assert pack["balance_sheet"]["as_of"] == f"{P}-12-31" and pack["cash_flows"]["ties"]
    assert {n["purpose"]: (n["start_fen"], n["received_fen"], n["used_fen"], n["end_fen"])
            for n in pack["restricted_notes"]} == {
        "助学": (2_000_000, 2_000_000, 0, 4_000_000),  # D7, government money for 助学
        "助老": (0, 8_000_000, 6_000_000, 2_000_000)}  # D6; G3 approved from it
    assert [(g["amount_fen"], g["paid_in_year_fen"], g["unpaid_at_year_end_fen"])
            for g in pack["grants"]] == [(4_000_000, 1_000_000, 0),  # G1: decided in P2
                                         (6_000_000, 4_000_000, 2_000_000)]  # G3
    assert pack["indicators"]["rule"]["row"] == "foundation_public"
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"{API}/funds/{e.f}/entity/annual-report.xlsx", params={"year": P},
        headers=e.auditor).content))
    assert book.sheetnames == ["资产负债表", "业务活动表", "现金流量表", "限定性净资产明细",
                               "年度支出和管理费用", "资助项目", "信息公开提醒"]
    notes = {r[0]: r[1:] for r in book["限定性净资产明细"].iter_rows(min_row=3, values_only=True)}
    assert notes["助老"] == (0, 80_000, 60_000, 0, 20_000)
    # Reminders: G3 has run over six months (quarterly reports); once it ends with
    # 2 000 000 unpaid, that money is disclosed within three months.
    reminders = e.read("disclosures")["reminders"]
    assert "quarterly_report" in {r["kind"] for r in reminders}
    g3 = pack["grants"][1]["grant_id"]
    clock.set(Y, 1, 2)
    closed = e.post(f"/grants/{g3}/close", {"report": "项目结束"}, key=None)
    assert closed.status_code == 200, closed.text
    left = [r for r in e.read("disclosures")["reminders"] if r["kind"] == "remaining_money"]
    assert [(r["grant_id"], r["amount_fen"], r["due_on"]) for r in left] == [
        (g3, 2_000_000, f"{Y}-04-02")]

    # The public page shows the legal entity by year, not lifetime sums.
    page = client.get(f"/transparency/funds/{e.s}", params={"year": P2}).text
    assert "东湖社区基金会 · 信息公开" in page and "¥480,000.00" in page  # P2's income total
    assert "¥395,000.00" in page  # net assets at the end of P2
    page = client.get(f"/transparency/funds/{e.f}", params={"year": P}).text
    assert "¥100,000.00" in page and "¥480,000.00" not in page  # P's income total only
    assert "政府补助" in page and "捐赠人" not in page

    refused = client.put(f"{API}/funds/{e.f}/entity/organisation", headers=e.auditor,
                         json={"organisation_type": "foundation"})
    assert_error(refused, 403, "forbidden")
    bad = client.put(f"{API}/funds/{e.f}/entity/organisation", headers=e.treasurer,
                     json={"organisation_type": "company"})
    assert_error(bad, 422, "invalid_input")


def test_vouchers_are_consecutive_per_entity_and_month_in_the_order_recorded(
    client: TestClient, clock: Clock
) -> None:
    clock.set(P, 3, 1)
    e = Entity(client)
    clock.set(P, 3, 10)
    e.gift(e.f, 100_000, "enterprise")  # 03-0001
    e.gift(e.s, 50_000, "individual", "助学")  # 03-0002: the hosted fund shares the sequence
    gone = e.gift(e.b, 20_000, "resident")  # 03-0003
    clock.set(P, 4, 2)
    e.gift(e.f, 30_000, "enterprise")  # 04-0001
    e.gift(e.s, 10_000, "individual", booked_on=f"{P}-03-20")  # backdated: 03-0004
    e.post(f"/funds/{e.b}/donations/{gone}/void", {"reason": "录错"}, key=None)  # 04-0002
    e.spend(e.f, 5_000, "management")  # 04-0003
    march = e.read("vouchers", **{"from": f"{P}-03-01", "to": f"{P}-04-30"})["vouchers"]
    assert [(v["voucher_no"], v["fund_id"], v["entry_kind"]) for v in march] == [
        (f"{P}-03-0001", e.f, "donation"),
        (f"{P}-03-0002", e.s, "donation"),
        (f"{P}-03-0003", e.b, "donation"),
        (f"{P}-03-0004", e.s, "donation"),
        (f"{P}-04-0001", e.f, "donation"),
        (f"{P}-04-0002", e.b, "donation_void"),
        (f"{P}-04-0003", e.f, "expense"),
    ]
    assert march[3]["booked_on"] == f"{P}-03-20"
    assert all(sum(line["debit_fen"] for line in v["lines"])
               == sum(line["credit_fen"] for line in v["lines"]) > 0 for v in march)
    # The fund's own journal export names each line's voucher.
    text = client.get(f"{API}/funds/{e.s}/exports/journal.csv", headers=e.auditor)
    assert f"{P}-03-0004" in text.content.decode("utf-8-sig")


def test_the_receipt_register_lists_every_number_of_the_entity_voids_included(
    client: TestClient, clock: Clock
) -> None:
    clock.set(P, 3, 1)
    e = Entity(client)
    e.gift(e.f, 1_234_500, "enterprise")  # P-000001
    gone = e.gift(e.s, 50_000, "individual", "助学")  # P-000002: the host's series
    e.gift(e.b, 20_000, "resident", anonymous=True)  # P-000003
    e.post(f"/funds/{e.s}/donations/{gone}/void", {"reason": "录错"}, key=None)
    register = e.read("receipts", headers=e.treasurer, year=P)
    assert [(r["receipt_no"], r["project"], r["status"]) for r in register["receipts"]] == [
        (f"{P}-000001", "东湖社区基金会", "received"),
        (f"{P}-000002", "助学专项基金", "voided"),
        (f"{P}-000003", "3号楼自治金", "received"),
    ]
    first = register["receipts"][0]
    assert first["amount_in_words"] == "人民币壹万贰仟叁佰肆拾伍元整"
    assert first["donor_name"] == "捐赠人" and register["receipts"][2]["donor_name"] is None
    assert register["gaps"] == [] and register["name"] == "东湖社区基金会"
    csv_text = client.get(f"{API}/funds/{e.f}/entity/receipts.csv", params={"year": P},
                          headers=e.auditor).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("票据编号,状态,收款时间")
    assert f"{P}-000002,voided" in csv_text and "录错" in csv_text
    book = openpyxl.load_workbook(io.BytesIO(client.get(
        f"{API}/funds/{e.f}/entity/receipts.xlsx", params={"year": P},
        headers=e.auditor).content))
    assert [c.value for c in book["票据登记簿"]["A"]][1:] == [
        f"{P}-000001", f"{P}-000002", f"{P}-000003"]

    # A receipt as a filer needs it: the legal person received the gift, the hosted fund is
    # the project; the amount in capital numerals; who handled it.
    kept = e.gift(e.b, 1_000_005, "individual")
    pdf = client.get(f"{API}/funds/{e.b}/donations/{kept}/receipt.pdf", headers=e.treasurer)
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text().split("\n")
    fields = dict(zip(text[1::2], text[2::2], strict=False))
    assert (fields["受赠单位"], fields["项目"], fields["金额（大写）"], fields["经办人"],
            fields["财政电子票据号"]) == (
        "东湖社区基金会", "3号楼自治金", "人民币壹万元零伍分", "treasurer-1", "（尚未开具）")
    # Once the finance authority issued the e-receipt, its number is recorded (and corrected).
    url = f"{API}/funds/{e.b}/donations/{kept}/e-receipt"
    for number in ("E-3301-0001", "E-3301-0002"):
        put = client.put(url, json={"e_receipt_no": number}, headers=e.treasurer)
        assert put.status_code == 200, put.text
    assert_error(client.put(url, json={"e_receipt_no": "x y"}, headers=e.treasurer), 422,
                 "invalid_input")
    assert_error(client.put(f"{API}/funds/{e.f}/donations/{kept}/e-receipt",
                            json={"e_receipt_no": "E-1"}, headers=e.treasurer), 404, "not_found")
    assert_error(client.put(url, json={"e_receipt_no": "E-1"}, headers=e.auditor), 403,
                 "forbidden")
    listed = e.read("receipts", year=P)["receipts"]
    assert [r["e_receipt_no"] for r in listed] == [None, None, None, "E-3301-0002"]
    pdf = client.get(f"{API}/funds/{e.b}/donations/{kept}/receipt.pdf", headers=e.treasurer)
    assert "E-3301-0002" in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_the_treasurers_entity_page_shows_the_statements_and_the_rule_row(
    client: TestClient, clock: Clock
) -> None:
    e = story(client, clock)
    staff_login(client, "treasurer-1", "correct-horse-1")
    dashboard = client.get(f"/staff/funds/{e.s}")
    assert f'href="/staff/funds/{e.s}/entity"' in dashboard.text
    page = client.get(f"/staff/funds/{e.s}/entity", params={"as_of": f"{P}-12-31"}).text
    assert "东湖社区基金会 · 法人财务报表" in page
    # The figures of the hand-worked story: cash 427 000 yuan; government money 20 000 yuan;
    # 8% of 395 000 = 31 600 required of P; management exempt.
    assert "¥427,000.00" in page and "政府补助收入" in page and "¥31,600.00" in page
    assert "不具有公开募捐资格的基金会，上年末净资产低于400万元" in page
    assert "第八条第（四）项" in page and 'id="management-exempt"' in page
    assert "资产 = 负债 + 净资产 ✓" in page and "试算平衡表与资产负债表相符 ✓" in page
    english = client.get(f"/staff/funds/{e.f}/entity",
                         params={"as_of": f"{P}-12-31", "lang": "en"}).text
    assert "政府补助收入 <span class=\"hint\">Government grants</span>" in english
    assert "Foundation without public-fundraising status, net assets under ¥4m" in english
    download = client.get(f"/staff/funds/{e.f}/entity/statements.xlsx",
                          params={"as_of": f"{P}-12-31"})
    assert download.status_code == 200 and download.content.startswith(b"PK")
    client.cookies.clear()
    staff_login(client, "coord-1", "correct-horse-1")
    assert client.get(f"/staff/funds/{e.f}/entity").status_code == 403
