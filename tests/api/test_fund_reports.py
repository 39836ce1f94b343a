"""A fund's reports through HTTP, on SQLite and PostgreSQL: 业务活动表, 资产负债表, tracing,
indicators and the CSV/XLSX exports, checked against figures worked out by hand.

The books span three years, so the test sets the clock that stamps the events (and the
date the funds' services call today); every amount below follows from the story in
`books`.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from typing import Any

import eventsourcing.domain
import openpyxl
import pytest
from fastapi.testclient import TestClient

from projections.fund_reports import JOURNAL_COLUMNS
from tests.api.test_funds import API, FundWorld
from timebank.application import funds as fund_services
from timebank.domain.actors import SYSTEM
from timebank.domain.values import SHANGHAI

Y = datetime.now(SHANGHAI).year  # this year: the forecast counts unpaid grants only from now on
P, P2 = Y - 1, Y - 2
U = "unrestricted"
ELDERLY, STUDY, GREEN = "restricted:助老", "restricted:助学", "restricted:环保"


class Clock:
    """Stamps each event one second after the last, from the day set (10:00 Shanghai)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = datetime.now(UTC)
        monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", self.tick)
        monkeypatch.setattr(fund_services, "utc_now", lambda: self.now)

    def tick(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now

    def set(self, year: int, month: int, day: int) -> None:
        self.now = datetime(year, month, day, 10, tzinfo=SHANGHAI).astimezone(UTC)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


class Books(FundWorld):
    def get(self, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
        response = self.client.get(f"{API}/funds/{self.fund_id}{path}", params=params,
                                   headers=headers or self.auditor)
        assert response.status_code == 200, response.text
        return response

    def gift(self, amount: int, donor_type: str, purpose: str | None = None,
             **extra: Any) -> str:
        response = self.donate(amount, purpose, donor_type=donor_type, **extra)
        assert response.status_code == 201, response.text
        return response.json()["donation_id"]

    def pay(self, grant_id: str, amount: int) -> str:
        response = self.post(f"/grants/{grant_id}/disbursements", {"amount_fen": amount})
        assert response.status_code == 201, response.text
        return response.json()["disbursement_id"]

    def spend(self, amount: int, kind: str) -> str:
        response = self.post(f"/funds/{self.fund_id}/expenses",
                             {"amount_fen": amount, "kind": kind, "description": "支出"})
        assert response.status_code == 201, response.text
        return response.json()["expense_id"]

    def void(self, donation_id: str) -> None:
        response = self.post(f"/funds/{self.fund_id}/donations/{donation_id}/void",
                             {"reason": "重复录入"}, key=None)
        assert response.status_code == 200, response.text

    def receipts(self) -> dict[str, str]:
        listed = self.get("/donations", headers=self.treasurer).json()
        return {d["donation_id"]: d["receipt_no"] for d in listed}


def books(client: TestClient, clock: Clock) -> tuple[Books, dict[str, str]]:
    """Two years ago a foundation opened; last year it spent; this year it goes on.

    D1 60 000 enterprise, D2 50 000 government 助老 (year P2: income 110 000).
    D3 40 000 individual 助老, D4 30 000 resident, D5 20 000 bazaar 助学, D6 10 000
    individual voided; grant G1 助老 paid 70 000 + 40 000 then closed; expenses 8 000
    management, 2 000 fundraising, 5 000 charitable (year P: income 90 000).
    This year: D7 60 000 enterprise; G2 助学 50 000 paid 30 000; G3 40 000 paid 25 000;
    G4 proposed only; 7 000 management; D8 15 000 government 环保.
    """
    clock.set(P2, 3, 1)
    world = Books(client)
    ids: dict[str, str] = {}
    clock.set(P2, 3, 2)
    ids["D1"] = world.gift(60_000, "enterprise")
    clock.set(P2, 4, 1)
    ids["D2"] = world.gift(50_000, "government", "助老")
    clock.set(P, 1, 10)
    ids["D3"] = world.gift(40_000, "individual", "助老")
    clock.set(P, 2, 1)
    ids["D4"] = world.gift(30_000, "resident")
    clock.set(P, 2, 15)
    ids["D5"] = world.gift(20_000, "bazaar", "助学")
    clock.set(P, 3, 1)
    ids["D6"] = world.gift(10_000, "individual")
    clock.set(P, 3, 5)
    world.void(ids["D6"])
    clock.set(P, 3, 20)
    ids["G1"] = world.grant(120_000, "助老")
    clock.set(P, 4, 1)
    ids["T1"] = world.pay(ids["G1"], 70_000)
    clock.set(P, 5, 1)
    ids["E1"] = world.spend(8_000, "management")
    clock.set(P, 5, 2)
    ids["E2"] = world.spend(2_000, "fundraising")
    clock.set(P, 6, 1)
    ids["T2"] = world.pay(ids["G1"], 40_000)
    clock.set(P, 7, 1)
    ids["E3"] = world.spend(5_000, "charitable")
    clock.set(P, 12, 1)
    closed = world.post(f"/grants/{ids['G1']}/close", {"report": "扶手已装好"}, key=None)
    assert closed.status_code == 200, closed.text
    clock.set(Y, 1, 1)
    ids["D7"] = world.gift(60_000, "enterprise")
    ids["G2"] = world.grant(50_000, "助学")
    ids["T3"] = world.pay(ids["G2"], 30_000)
    ids["G3"] = world.grant(40_000)
    ids["T4"] = world.pay(ids["G3"], 25_000)
    ids["G4"] = world.grant(99_000, approve=False)
    ids["E4"] = world.spend(7_000, "management")
    ids["D8"] = world.gift(15_000, "government", "环保")
    return world, ids


def rows_by_key(report: dict[str, Any]) -> dict[str, tuple[int, ...]]:
    columns = ("unrestricted_fen", "restricted_fen", "total_fen")
    if "year_start_fen" in report["rows"][0]:
        columns = ("year_start_fen", "end_fen")
    return {row["key"]: tuple(row[c] for c in columns) for row in report["rows"]}


def test_statement_of_activities_and_balance_sheet_tie_out(
    client: TestClient, clock: Clock
) -> None:
    world, _ = books(client, clock)
    last_year = world.get("/reports/activities", **{"from": f"{P}-01-01", "to": f"{P}-12-31"})
    report = last_year.json()
    assert (report["from"], report["to"]) == (f"{P}-01-01", f"{P}-12-31")
    rows = rows_by_key(report)
    assert rows["donation_income"] == rows["income_total"] == (30_000, 60_000, 90_000)
    assert rows["donation_income:government"] == rows["donation_income:enterprise"] == (0, 0, 0)
    assert rows["donation_income:individual"] == (0, 40_000, 40_000)  # 10 000 given, voided
    assert rows["donation_income:resident"] == (30_000, 0, 30_000)
    assert rows["donation_income:bazaar"] == (0, 20_000, 20_000)
    assert rows["program_costs"] == (115_000, 0, 115_000)
    assert rows["program_costs:grants"] == (110_000, 0, 110_000)
    assert rows["program_costs:charitable"] == (5_000, 0, 5_000)
    assert rows["management_costs"] == (8_000, 0, 8_000)
    assert rows["fundraising_costs"] == (2_000, 0, 2_000)
    assert rows["other_costs"] == (0, 0, 0)
    assert rows["expense_total"] == (125_000, 0, 125_000)
    # 助老 money spent on 助老 grants (70 000 + 20 000) is released from its restriction.
    assert rows["net_assets_released"] == rows["net_assets_released:by_use"] == (
        90_000, -90_000, 0)
    assert rows["net_assets_released:reclassified"] == (0, 0, 0)
    assert rows["change_in_net_assets"] == (-5_000, -30_000, -35_000)
    assert report["net_assets_at_start"] == {
        "unrestricted_fen": 60_000, "restricted_fen": 50_000, "total_fen": 110_000}
    assert report["net_assets_at_end"] == {
        "unrestricted_fen": 55_000, "restricted_fen": 20_000, "total_fen": 75_000}
    assert report["ties"] is True
    labels = {row["key"]: row["label"] for row in report["rows"]}
    assert labels["program_costs"] == "业务活动成本"
    assert labels["net_assets_released"] == "限定性净资产转为非限定性净资产"

    this_year = rows_by_key(world.get("/reports/activities").json())  # year to date
    assert this_year["income_total"] == (60_000, 15_000, 75_000)
    # D8 is government money: 政府补助收入, shown on the government row, not a donation.
    assert this_year["donation_income:government"] == (0, 15_000, 15_000)
    # Approved grants are costs when approved (issue 13): G2 50 000 (20 000 of it 助学
    # money) and G3 40 000, though only 55 000 was paid.
    assert this_year["program_costs:grants"] == (90_000, 0, 90_000)
    assert this_year["management_costs"] == (7_000, 0, 7_000)
    assert this_year["net_assets_released"] == (20_000, -20_000, 0)
    # 60 000 − 97 000 + 20 000 = −17 000; 15 000 − 20 000 = −5 000.
    assert this_year["change_in_net_assets"] == (-17_000, -5_000, -22_000)

    end_of_p = world.get("/reports/balance-sheet", as_of=f"{P}-12-31").json()
    sheet = rows_by_key(end_of_p)
    assert end_of_p["balanced"] is True
    assert sheet == {
        "cash": (110_000, 75_000),
        "in_kind_assets": (0, 0),
        "custodial_assets": (0, 0),
        "assets_total": (110_000, 75_000),
        "grants_payable": (0, 0),  # G1 closed: what it did not pay is owed no more
        "custodial_liabilities": (0, 0),
        "liabilities_total": (0, 0),
        "unrestricted_net_assets": (60_000, 55_000),
        "restricted_net_assets": (50_000, 20_000),
        "restricted_net_assets:助学": (0, 20_000),
        "restricted_net_assets:助老": (50_000, 0),
        "net_assets_total": (110_000, 75_000),
        "liabilities_and_net_assets_total": (110_000, 75_000),
    }
    # The balance sheet's change over the year is the statement of activities' change.
    assert (sheet["net_assets_total"][1] - sheet["net_assets_total"][0]
            == rows["change_in_net_assets"][2])

    # The statement is cash by class; the balance sheet's net assets are cash less what is
    # owed to approved grants. On 1 May P, G1 owes 20 000 of 助老 money and 30 000
    # unrestricted; at the end of this year G2 owes 20 000 and G3 15 000.
    for as_of, cash, in_cash, owed, unrestricted, restricted in (
        (f"{P}-05-01", 122_000, (82_000, {"助学": 20_000, "助老": 20_000}), 50_000,
         52_000, {"助学": 20_000}),
        (f"{P}-12-31", 75_000, (55_000, {"助学": 20_000}), 0, 55_000, {"助学": 20_000}),
        (None, 88_000, (73_000, {"环保": 15_000}), 35_000, 38_000, {"环保": 15_000}),
    ):
        params = {"as_of": as_of} if as_of else {}
        balance = world.get("/reports/balance-sheet", **params).json()
        by_key = rows_by_key(balance)
        statement = world.statement(as_of)
        assert balance["balanced"] is True
        assert by_key["cash"][1] == statement["balance_fen"] == cash
        assert (statement["unrestricted_fen"], statement["restricted"]) == in_cash
        assert by_key["grants_payable"][1] == by_key["liabilities_total"][1] == owed
        assert by_key["unrestricted_net_assets"][1] == unrestricted
        assert {p["purpose"]: p["end_fen"] for p in balance["restricted_by_purpose"]
                if p["end_fen"]} == restricted

    refused = world.client.get(f"{API}/funds/{world.fund_id}/reports/activities",
                               params={"from": f"{Y}-02-01", "to": f"{Y}-01-01"},
                               headers=world.treasurer)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "invalid_input"
    for path in ("activities", "balance-sheet", "tracing", "indicators"):
        forbidden = world.client.get(f"{API}/funds/{world.fund_id}/reports/{path}",
                                     headers=world.coordinator)
        assert forbidden.status_code == 403, path


def test_tracing_takes_restricted_money_first_then_the_oldest(
    client: TestClient, clock: Clock
) -> None:
    world, ids = books(client, clock)
    receipts = world.receipts()

    def src(*parts: tuple[str, str, int]) -> list[dict[str, Any]]:
        return [{"donation_id": ids[d], "receipt_no": receipts[ids[d]], "fund_class": c,
                 "amount_fen": a} for d, c, a in parts]

    report = world.get("/reports/tracing").json()
    assert report["ties"] is True and report["unattributed_fen"] == 0
    assert "restricted money by purpose first, then oldest first" in report["rule"].lower()
    paid = {d["disbursement_id"]: d for d in report["disbursements"]}
    assert list(paid) == [ids["T1"], ids["T2"], ids["T3"], ids["T4"]]
    assert paid[ids["T1"]]["grant_id"] == ids["G1"] and paid[ids["T1"]]["purpose"] == "助老"
    assert paid[ids["T1"]]["sources"] == src(("D2", ELDERLY, 50_000), ("D3", ELDERLY, 20_000))
    # The rest of 助老 (newer D3) goes before the oldest unrestricted money (D1).
    assert paid[ids["T2"]]["sources"] == src(("D3", ELDERLY, 20_000), ("D1", U, 20_000))
    assert paid[ids["T3"]]["sources"] == src(("D5", STUDY, 20_000), ("D1", U, 10_000))
    # D1 runs out inside this payment; the next oldest unrestricted gift, D4, pays the rest
    # (D6, voided, holds nothing).
    assert paid[ids["T4"]]["sources"] == src(("D1", U, 15_000), ("D4", U, 10_000))
    assert paid[ids["T4"]]["grant_id"] == ids["G3"] and paid[ids["T4"]]["purpose"] is None
    spent = {e["expense_id"]: e["sources"] for e in report["expenses"]}
    assert spent == {ids["E1"]: src(("D1", U, 8_000)), ids["E2"]: src(("D1", U, 2_000)),
                     ids["E3"]: src(("D1", U, 5_000)), ids["E4"]: src(("D4", U, 7_000))}
    assert [(v["donation_id"], v["sources"]) for v in report["voids"]] == [
        (ids["D6"], src(("D6", U, 10_000)))]
    left = {d["donation_id"]: (d["amount_fen"], d["spent_fen"], d["refunded_fen"],
                               d["remaining_fen"]) for d in report["donations"]}
    assert left == {
        ids["D1"]: (60_000, 60_000, 0, 0), ids["D2"]: (50_000, 50_000, 0, 0),
        ids["D3"]: (40_000, 40_000, 0, 0), ids["D4"]: (30_000, 17_000, 0, 13_000),
        ids["D5"]: (20_000, 20_000, 0, 0), ids["D6"]: (10_000, 0, 10_000, 0),
        ids["D7"]: (60_000, 0, 0, 60_000), ids["D8"]: (15_000, 0, 0, 15_000),
    }
    d8 = next(d for d in report["donations"] if d["donation_id"] == ids["D8"])
    assert d8["remaining"] == [{"account": "cash", "fund_class": GREEN, "amount_fen": 15_000}]
    assert sum(d["remaining_fen"] for d in report["donations"]) == world.statement()[
        "balance_fen"]

    # As of an earlier day, only what had happened by then.
    early = world.get("/reports/tracing", as_of=f"{P}-05-01").json()
    assert [d["disbursement_id"] for d in early["disbursements"]] == [ids["T1"]]
    assert {d["donation_id"]: d["remaining_fen"] for d in early["donations"]} == {
        ids["D1"]: 52_000, ids["D2"]: 0, ids["D3"]: 20_000, ids["D4"]: 30_000,
        ids["D5"]: 20_000, ids["D6"]: 0}


def test_indicators_warn_when_limits_are_broken_and_forecast_the_approved_grants(
    client: TestClient, clock: Clock
) -> None:
    world, ids = books(client, clock)
    last = world.get("/reports/indicators", year=P).json()
    assert last["limits"] == {"min_charitable_ratio": "0.70", "max_management_ratio": "0.10",
                              "basis": "previous_year"}
    assert last["charitable"] == {
        "spent_fen": 115_000, "basis": "previous_year", "basis_years": [P2],
        "basis_fen": 110_000, "ratio": "1.0455", "limit": "0.70", "required_fen": 77_000,
        "warning": False, "forecast_fen": 115_000, "forecast_ratio": "1.0455",
        "forecast_warning": False}  # a past year is over: nothing left to forecast
    assert last["management"]["ratio"] == "0.0640" and last["management"]["warning"] is False

    now = world.get("/reports/indicators").json()
    assert now["year"] == Y
    assert now["income_by_year"] == [
        {"year": Y - 3, "income_fen": 0}, {"year": P2, "income_fen": 110_000},
        {"year": P, "income_fen": 90_000}, {"year": Y, "income_fen": 75_000}]
    # G2 (50 000) and G3 (40 000) are costs of this year since their approval (the 制度's
    # accrual basis): their unpaid 20 000 + 15 000 are liabilities, nothing is left to add.
    assert now["unpaid_approved_grants_fen"] == 0
    assert now["charitable"] == {
        "spent_fen": 90_000, "basis": "previous_year", "basis_years": [P],
        "basis_fen": 90_000, "ratio": "1.0000", "limit": "0.70", "required_fen": 63_000,
        "warning": False, "forecast_fen": 90_000, "forecast_ratio": "1.0000",
        "forecast_warning": False}
    assert now["management"] == {
        "management_fen": 7_000, "total_spending_fen": 97_000, "ratio": "0.0722",
        "limit": "0.10", "warning": False, "forecast_total_spending_fen": 97_000,
        "forecast_ratio": "0.0722", "forecast_warning": False}

    world.pay(ids["G2"], 20_000)  # the rest of G2: its unrestricted liability
    paid = world.get("/reports/indicators").json()
    assert paid["unpaid_approved_grants_fen"] == 0
    assert (paid["charitable"]["spent_fen"], paid["charitable"]["warning"]) == (90_000, False)
    assert (paid["management"]["ratio"], paid["management"]["warning"]) == ("0.0722", False)

    # Stricter limits, and the three-year basis (the fund was open two of those years).
    services = client.app.state.runtime.app  # type: ignore[attr-defined]
    services.set_indicator_limits(SYSTEM, world.fund_id, {
        "basis": "three_year_average", "min_charitable_ratio": "0.80",
        "max_management_ratio": "0.08"})
    strict = world.get("/reports/indicators").json()
    assert strict["charitable"] == {
        "spent_fen": 90_000, "basis": "three_year_average", "basis_years": [P2, P],
        "basis_fen": 100_000, "ratio": "0.9000", "limit": "0.80", "required_fen": 80_000,
        "warning": False, "forecast_fen": 90_000, "forecast_ratio": "0.9000",
        "forecast_warning": False}
    assert strict["management"]["warning"] is False  # 7 000 / 97 000 = 7.22% ≤ 8%
    assert strict["management"]["limit"] == "0.08"
    assert strict["management"]["forecast_ratio"] == "0.0722"
    assert strict["management"]["forecast_warning"] is False


def expected_journal(ids: dict[str, str]) -> list[tuple[str, str, str, str, int, int]]:
    def gift(d: str, cls: str, donor: str, amount: int) -> list[Any]:
        return [("donation", ids[d], "cash", cls, amount, 0),
                ("donation", ids[d], f"donation_income:{donor}", cls, 0, amount)]

    def government(d: str, cls: str, amount: int) -> list[Any]:
        return [("donation", ids[d], "cash", cls, amount, 0),
                ("donation", ids[d], "government_grant_income", cls, 0, amount)]

    def commit(g: str, *parts: tuple[str, int]) -> list[Any]:
        return [line for cls, amount in parts for line in (
            ("grant_commitment", ids[g], "grant_expense", cls, amount, 0),
            ("grant_commitment", ids[g], "grants_payable", cls, 0, amount))]

    def release(g: str, *parts: tuple[str, int]) -> list[Any]:
        return [line for cls, amount in parts for line in (
            ("commitment_release", ids[g], "grants_payable", cls, amount, 0),
            ("commitment_release", ids[g], "grant_expense", cls, 0, amount))]

    def pay(t: str, *parts: tuple[str, int]) -> list[Any]:
        return [line for cls, amount in parts for line in (
            ("disbursement", ids[t], "grants_payable", cls, amount, 0),
            ("disbursement", ids[t], "cash", cls, 0, amount))]

    def spend(e: str, kind: str, amount: int) -> list[Any]:
        return [("expense", ids[e], f"expense:{kind}", U, amount, 0),
                ("expense", ids[e], "cash", U, 0, amount)]

    # G1 (120 000, 助老) owed from approval: the 90 000 of 助老 money then held, the rest
    # unrestricted; tranches pay the restricted part first; closing it released 10 000.
    return [
        *gift("D1", U, "enterprise", 60_000), *government("D2", ELDERLY, 50_000),
        *gift("D3", ELDERLY, "individual", 40_000), *gift("D4", U, "resident", 30_000),
        *gift("D5", STUDY, "bazaar", 20_000), *gift("D6", U, "individual", 10_000),
        ("donation_void", ids["D6"], "cash", U, 0, 10_000),
        ("donation_void", ids["D6"], "donation_income:individual", U, 10_000, 0),
        *commit("G1", (ELDERLY, 90_000), (U, 30_000)),
        *pay("T1", (ELDERLY, 70_000)), *spend("E1", "management", 8_000),
        *spend("E2", "fundraising", 2_000), *pay("T2", (ELDERLY, 20_000), (U, 20_000)),
        *spend("E3", "charitable", 5_000), *release("G1", (U, 10_000)),
        *gift("D7", U, "enterprise", 60_000), *commit("G2", (STUDY, 20_000), (U, 30_000)),
        *pay("T3", (STUDY, 20_000), (U, 10_000)), *commit("G3", (U, 40_000)),
        *pay("T4", (U, 25_000)), *spend("E4", "management", 7_000),
        *government("D8", GREEN, 15_000),
    ]


def as_text(value: Any, key: str) -> str:
    """A workbook cell as the CSV writes it, to compare the two files."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if key.endswith("_yuan") and not isinstance(value, str):
        return f"{value:.2f}"  # a number cell: 600 reads back as 600, shown as 600.00
    return str(value)


def test_exports_parse_back_to_the_journal(client: TestClient, clock: Clock) -> None:
    world, ids = books(client, clock)
    receipts = world.receipts()
    response = world.get("/exports/journal.csv")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs for UTF-8
    header, *rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == [h for _, h in JOURNAL_COLUMNS]
    assert header[:2] == ["记账日期", "记录时间(UTC)"]
    col = {key: n for n, (key, _) in enumerate(JOURNAL_COLUMNS)}
    got = [(r[col["entry_kind"]], r[col["ref"]], r[col["account"]], r[col["fund_class"]],
            int(r[col["debit_fen"]]), int(r[col["credit_fen"]])) for r in rows]
    assert got == expected_journal(ids)
    for r in rows:
        assert r[col["debit_yuan"]] == f"{int(r[col['debit_fen']]) / 100:.2f}"
        assert r[col["credit_yuan"]] == f"{int(r[col['credit_fen']]) / 100:.2f}"
        if r[col["entry_kind"]].startswith("donation"):
            assert r[col["receipt_no"]] == receipts[r[col["ref"]]]
    assert rows[0][col["booked_on"]] == f"{P2}-03-02"
    assert rows[0][col["account_zh"]] == "货币资金"
    assert rows[1][col["account_zh"]] == "捐赠收入—企业"
    assert rows[2][col["fund_class_zh"]] == "限定性—助老"
    assert rows[-1][col["entry_kind_zh"]] == "捐赠"

    book = openpyxl.load_workbook(io.BytesIO(world.get("/exports/journal.xlsx").content))
    assert book.sheetnames == ["明细账"]
    sheet_rows = [[as_text(v, key) for v, (key, _) in zip(row, JOURNAL_COLUMNS, strict=True)]
                  for row in book["明细账"].iter_rows(values_only=True)]
    assert sheet_rows == [header, *rows]

    this_year = world.get("/exports/journal.csv", **{"from": f"{Y}-01-01"})
    assert len(list(csv.reader(io.StringIO(this_year.content.decode("utf-8-sig"))))) == 1 + 18

    statement = openpyxl.load_workbook(io.BytesIO(
        world.get("/exports/statement.xlsx", as_of=f"{P}-12-31").content))
    assert statement.sheetnames == ["资产负债表", "业务活动表", "明细账"]
    sheet = {r[1]: r for r in statement["资产负债表"].iter_rows(min_row=4, values_only=True)}
    balance = rows_by_key(world.get("/reports/balance-sheet", as_of=f"{P}-12-31").json())
    assert {k: (v[4], v[5]) for k, v in sheet.items()} == balance
    assert sheet["cash"][:4] == ("货币资金", "cash", 1100.0, 750.0)
    activity = {r[1]: r for r in statement["业务活动表"].iter_rows(min_row=4, values_only=True)}
    expected = rows_by_key(world.get("/reports/activities", **{
        "from": f"{P}-01-01", "to": f"{P}-12-31"}).json())
    assert {k: v[5:8] for k, v in activity.items()} == expected
    assert activity["change_in_net_assets"][2:5] == (-50.0, -300.0, -350.0)
    assert statement["明细账"].max_row == 1 + 32  # the lines booked by the end of last year


def test_transfers_and_gifts_in_kind_are_reported_and_traced(
    client: TestClient, clock: Clock
) -> None:
    """A purpose change and a release move lots with their age; goods are 实物资产."""
    clock.set(Y, 1, 1)
    world = Books(client)
    a = world.gift(30_000, "individual", "助老")
    b = world.gift(20_000, "enterprise", "助老")
    c = world.gift(10_000, "resident")
    k = world.gift(8_000, "enterprise", in_kind="大米 20 袋")
    changed = world.post(f"/funds/{world.fund_id}/purpose-changes", {
        "from_purpose": "助老", "to_purpose": "助残", "amount_fen": 25_000,
        "consent": {"document": "捐赠人同意函 2026-01", "donation_ids": [a]}})
    assert changed.status_code == 201, changed.text
    released = world.post(f"/funds/{world.fund_id}/reclassifications", {
        "purpose": "助老", "amount_fen": 10_000, "reason": "捐赠协议约定的限制期满",
        "consent": {"document": "捐赠协议第 3 条", "donation_ids": [a, b]}})
    assert released.status_code == 201, released.text
    expense = world.spend(12_000, "charitable")
    disbursement = world.pay(world.grant(30_000, "助残"), 30_000)

    report = world.get("/reports/tracing").json()
    receipts = world.receipts()

    def src(donation: str, cls: str, amount: int) -> dict[str, Any]:
        return {"donation_id": donation, "receipt_no": receipts[donation], "fund_class": cls,
                "amount_fen": amount}

    assert report["ties"] is True
    assert [(t["entry_kind"], [(m["donation_id"], m["from_class"], m["to_class"],
                                m["amount_fen"]) for m in t["moved"]])
            for t in report["transfers"]] == [
        ("purpose_change", [(a, ELDERLY, "restricted:助残", 25_000)]),
        ("reclassification", [(a, ELDERLY, U, 5_000), (b, ELDERLY, U, 5_000)]),
    ]
    # Released lots keep their age, so they are spent before the younger gift C.
    assert report["expenses"][0]["expense_id"] == expense
    assert report["expenses"][0]["sources"] == [src(a, U, 5_000), src(b, U, 5_000),
                                                src(c, U, 2_000)]
    assert report["disbursements"][0]["disbursement_id"] == disbursement
    assert report["disbursements"][0]["sources"] == [src(a, "restricted:助残", 25_000),
                                                     src(c, U, 5_000)]
    left = {d["donation_id"]: d["remaining"] for d in report["donations"]}
    assert left == {
        a: [], b: [{"account": "cash", "fund_class": ELDERLY, "amount_fen": 15_000}],
        c: [{"account": "cash", "fund_class": U, "amount_fen": 3_000}],
        k: [{"account": "in_kind_assets", "fund_class": U, "amount_fen": 8_000}]}

    rows = rows_by_key(world.get("/reports/activities").json())
    assert rows["donation_income:enterprise"] == (8_000, 20_000, 28_000)
    assert rows["income_total"] == (18_000, 50_000, 68_000)
    assert rows["program_costs"] == (42_000, 0, 42_000)
    assert rows["net_assets_released:by_use"] == (25_000, -25_000, 0)
    assert rows["net_assets_released:reclassified"] == (10_000, -10_000, 0)
    assert rows["change_in_net_assets"] == (11_000, 15_000, 26_000)
    balance = world.get("/reports/balance-sheet").json()
    sheet = rows_by_key(balance)
    assert balance["balanced"] is True
    assert sheet["cash"][1] == 18_000 and sheet["in_kind_assets"][1] == 8_000
    assert sheet["unrestricted_net_assets"][1] == 11_000
    assert sheet["restricted_net_assets:助老"][1] == 15_000
    assert "restricted_net_assets:助残" not in sheet  # moved in, then spent
    assert date.fromisoformat(balance["as_of"]).year == Y


def test_a_spent_gift_cannot_be_voided_and_tracing_keeps_its_story(
    client: TestClient, clock: Clock
) -> None:
    """A void may not take another donor's money: a spent gift stays in the books."""
    clock.set(Y, 1, 1)
    world = Books(client)
    a = world.gift(10_000, "individual")
    b = world.gift(10_000, "resident")
    expense = world.spend(10_000, "charitable")  # all of A, oldest first
    refused = world.post(f"/funds/{world.fund_id}/donations/{a}/void", {"reason": "退款"},
                         key=None)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "insufficient_funds"
    report = world.get("/reports/tracing").json()
    assert report["ties"] is True
    assert report["expenses"][0]["expense_id"] == expense
    assert [s["donation_id"] for s in report["expenses"][0]["sources"]] == [a]
    assert report["voids"] == []
    story = {d["donation_id"]: (d["voided"], d["spent_fen"], d["refunded_fen"],
                                d["remaining_fen"]) for d in report["donations"]}
    assert story == {a: (False, 10_000, 0, 0), b: (False, 0, 0, 10_000)}
