"""The rules a foundation's books keep: in-kind gifts, releases, consents, building-fund
decisions, shared costs, closed periods, hosted special funds and printable receipts."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from uuid import UUID

import pypdf
import pytest
from fastapi.testclient import TestClient

from tests.api.test_funds import API, FundWorld
from timebank.domain.values import SHANGHAI


@pytest.fixture
def world(client: TestClient) -> FundWorld:
    return FundWorld(client)


def test_in_kind_gifts_are_valued_assets_not_cash(world: FundWorld) -> None:
    made = world.donate(30_000, in_kind="大米 100 袋")
    assert made.status_code == 201, made.text
    statement = world.statement()
    assert statement["in_kind_fen"] == 30_000 and statement["balance_fen"] == 0
    assert statement["donations_fen"] == 30_000
    listed = world.client.get(f"{API}/funds/{world.fund_id}/donations",
                              headers=world.treasurer).json()
    assert listed[0]["in_kind"] == "大米 100 袋"
    tb = world.client.get(f"{API}/reports/trial-balance", params={"fund_id": world.fund_id},
                          headers=world.treasurer).json()
    assert {a["account"]: a["debit_fen"] for a in tb["accounts"]}["in_kind_assets"] == 30_000
    assert tb["total_debit_fen"] == tb["total_credit_fen"]


def test_releasing_and_repurposing_restricted_money(world: FundWorld) -> None:
    gift = world.donate(40_000, purpose="助老").json()["donation_id"]
    # A treasurer alone cannot release a restriction (issue 13, item 8): the donor's
    # consent is on record, or a second person approves.
    alone = world.post(f"/funds/{world.fund_id}/reclassifications",
                       {"purpose": "助老", "amount_fen": 10_000, "reason": "项目结余"})
    assert alone.status_code == 403, alone.text
    assert alone.json()["error"]["code"] == "second_approver_required"
    released = world.post(f"/funds/{world.fund_id}/reclassifications",
                          {"purpose": "助老", "amount_fen": 10_000,
                           "reason": "项目结余，经捐赠人同意解除限定",
                           "consent": {"document": "捐赠人同意函 2026-009",
                                       "donation_ids": [gift]}})
    assert released.status_code == 201, released.text
    no_consent = world.post(f"/funds/{world.fund_id}/purpose-changes",
                            {"from_purpose": "助老", "to_purpose": "助学",
                             "amount_fen": 5_000})
    assert no_consent.status_code == 422
    assert no_consent.json()["error"]["code"] == "consent_required"
    changed = world.post(f"/funds/{world.fund_id}/purpose-changes",
                         {"from_purpose": "助老", "to_purpose": "助学", "amount_fen": 5_000,
                          "consent": {"document": "捐赠人书面同意函 2026-017",
                                      "donation_ids": [gift]}})
    assert changed.status_code == 201, changed.text
    too_much = world.post(f"/funds/{world.fund_id}/reclassifications",
                          {"purpose": "助老", "amount_fen": 25_001, "reason": "x",
                           "consent": {"document": "同意函", "donation_ids": [gift]}})
    assert too_much.status_code == 409
    statement = world.statement()
    assert statement["unrestricted_fen"] == 10_000
    assert statement["restricted"] == {"助老": 25_000, "助学": 5_000}
    assert statement["balance_fen"] == 40_000 and statement["donations_fen"] == 40_000


def test_a_release_without_consent_needs_a_second_person(world: FundWorld) -> None:
    world.donate(40_000, purpose="助老")
    bank_admin = world.d.user("bank-admin-1", "bank_admin", world.d.bank_id)
    other_bank = world.client.post(f"{API}/offices", json={
        "name": "另一区总行", "kind": "bank", "parent_id": None}, headers=world.d.admin).json()
    stranger = world.d.user("bank-admin-2", "bank_admin", other_bank["id"])
    asked = world.post(f"/funds/{world.fund_id}/release-requests",
                       {"purpose": "助老", "amount_fen": 3_000, "reason": "助老项目已结束"},
                       key=None)
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert request["status"] == "requested" and request["entry_id"] is None
    approve = f"{API}/release-requests/{request['request_id']}/approve"
    # The treasurer is not an approver; nor is a bank admin of another bank.
    for headers in (world.treasurer, stranger):
        refused = world.client.post(approve, headers=headers)
        assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert world.statement()["unrestricted_fen"] == 0
    done = world.client.post(approve, headers=bank_admin)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "approved" and done.json()["entry_id"]
    statement = world.statement()
    assert statement["unrestricted_fen"] == 3_000 and statement["restricted"] == {"助老": 37_000}
    again = world.client.post(approve, headers=bank_admin)
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    # Both people are on the fund's entry.
    events = world.client.app.state.runtime.app.events.get(UUID(world.fund_id))
    (entry,) = [e for e in events if type(e).__name__ == "RestrictionReleased"]
    assert entry.requested_by["role"] == "treasurer" and entry.approved_by["role"] == "bank_admin"
    assert entry.requested_by["id"] != entry.approved_by["id"] and entry.consent is None
    # An administrator who asked cannot approve their own request either.
    mine = world.client.post(f"{API}/funds/{world.fund_id}/release-requests", json={
        "purpose": "助老", "amount_fen": 1_000, "reason": "x"}, headers=world.d.admin).json()
    own = world.client.post(f"{API}/release-requests/{mine['request_id']}/approve",
                            headers=world.d.admin)
    assert own.status_code == 403 and own.json()["error"]["code"] == "second_approver_required"
    declined = world.client.post(f"{API}/release-requests/{mine['request_id']}/decline",
                                 json={"reason": "不同意"}, headers=bank_admin)
    assert declined.status_code == 200 and declined.json()["status"] == "declined"


def test_building_fund_spends_only_on_a_passing_residents_decision(world: FundWorld) -> None:
    building = world.open_fund("3 号楼楼组自治金", "building", office_id=world.d.office_id)
    world.fund_id = building
    world.donate(20_000, donor_type="resident")
    without = world.post(f"/funds/{building}/expenses",
                         {"amount_fen": 5_000, "kind": "charitable", "description": "楼道灯"})
    assert without.status_code == 409
    assert without.json()["error"]["code"] == "decision_required"
    failed = world.post(f"/funds/{building}/expenses", {
        "amount_fen": 5_000, "kind": "charitable", "description": "楼道灯",
        "decision": {"votes_for": 3, "votes_against": 9, "minutes": "楼组会议纪要"}})
    assert failed.status_code == 409
    passed = world.post(f"/funds/{building}/expenses", {
        "amount_fen": 5_000, "kind": "charitable", "description": "楼道灯",
        "decision": {"votes_for": 11, "votes_against": 2, "minutes": "楼组会议纪要"}})
    assert passed.status_code == 201, passed.text
    assert world.statement()["balance_fen"] == 15_000


def test_shared_costs_are_split_by_a_recorded_method(world: FundWorld) -> None:
    world.donate(50_000)
    unnamed = world.post(f"/funds/{world.fund_id}/expenses", {"allocations": [
        {"kind": "charitable", "amount_fen": 6_000},
        {"kind": "management", "amount_fen": 4_000}]})
    assert unnamed.status_code == 422
    shared = world.post(f"/funds/{world.fund_id}/expenses", {
        "allocations": [{"kind": "charitable", "amount_fen": 6_000},
                        {"kind": "management", "amount_fen": 4_000}],
        "allocation_method": "按工时比例 6:4", "description": "社工工资"})
    assert shared.status_code == 201, shared.text
    assert shared.json()["amount_fen"] == 10_000 and shared.json()["kind"] == "shared"
    tb = world.client.get(f"{API}/reports/trial-balance", params={"fund_id": world.fund_id},
                          headers=world.treasurer).json()
    lines = {a["account"]: a["debit_fen"] for a in tb["accounts"]}
    assert lines["expense:charitable"] == 6_000 and lines["expense:management"] == 4_000


def test_closed_periods_refuse_entries_until_reopened(
    world: FundWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import eventsourcing.domain

    today = datetime.now(SHANGHAI).date()
    last_week = (today - timedelta(days=7)).isoformat()
    opened_then = datetime.now(SHANGHAI) - timedelta(days=30)
    with monkeypatch.context() as m:  # a fund opened a month ago
        m.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: opened_then)
        world.fund_id = world.open_fund("老基金", "foundation")
    before_opening = (today - timedelta(days=40)).isoformat()
    assert world.donate(500, booked_on=before_opening).status_code == 422
    assert world.donate(1_000, booked_on=last_week).status_code == 201
    closed = world.client.post(f"{API}/funds/{world.fund_id}/periods/close",
                               json={"until": (today - timedelta(days=1)).isoformat(),
                                     "reason": "月结"}, headers=world.treasurer)
    assert closed.status_code == 200 and closed.json()["closed_until"]
    refused = world.donate(2_000, booked_on=last_week)
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "period_closed"
    future = world.donate(2_000, booked_on=(today + timedelta(days=1)).isoformat())
    assert future.status_code == 422
    assert world.donate(3_000).status_code == 201  # today is open
    body = {"from": last_week, "reason": "补录漏记捐赠"}
    not_theirs = world.client.post(f"{API}/funds/{world.fund_id}/periods/reopen", json=body,
                                   headers=world.treasurer)
    assert not_theirs.status_code == 403  # treasurers do not reopen their own books
    bank_admin = world.d.user("bank-admin-r", "bank_admin", world.d.bank_id)
    reopened = world.client.post(f"{API}/funds/{world.fund_id}/periods/reopen", json=body,
                                 headers=bank_admin)
    assert reopened.status_code == 200
    assert world.donate(2_000, booked_on=last_week).status_code == 201
    as_of_last_week = world.statement(as_of=last_week)
    assert as_of_last_week["donations_fen"] == 3_000


def test_hosted_funds_share_the_hosts_receipts_and_closed_periods(world: FundWorld) -> None:
    """Found in review: a special fund numbered its own receipts and ignored the host's
    closed periods; and anyone could host a fund under someone else's foundation."""
    year = datetime.now(SHANGHAI).year
    special = world.open_fund("助老专项基金", "special", host=world.fund_id)
    assert world.donate(1_000).json()["receipt_no"] == f"{year}-000001"
    host_id, world.fund_id = world.fund_id, special
    assert world.donate(2_000).json()["receipt_no"] == f"{year}-000002"
    world.fund_id = host_id
    assert world.donate(3_000).json()["receipt_no"] == f"{year}-000003"

    stranger = world.d.user("treasurer-x", "treasurer", world.d.other_office_id)
    response = world.client.post(f"{API}/funds", json={
        "name": "借名专项", "kind": "special", "host_fund_id": host_id,
        "office_id": world.d.other_office_id}, headers=stranger)
    assert response.status_code == 403


def test_special_funds_are_sub_ledgers_inside_the_host(world: FundWorld) -> None:
    special = world.open_fund("助老专项基金", "special", host=world.fund_id)
    world.donate(10_000)
    host_fund = world.fund_id
    world.fund_id = special
    world.donate(7_000, donor_type="enterprise")
    world.fund_id = host_fund
    statement = world.statement()
    assert statement["balance_fen"] == 10_000
    assert statement["special_funds"] == [{"fund_id": special, "balance_fen": 7_000,
                                           "donations_fen": 7_000, "disbursed_fen": 0}]
    tb = world.client.get(f"{API}/reports/trial-balance", params={"fund_id": host_fund},
                          headers=world.treasurer).json()
    assert tb["total_debit_fen"] == tb["total_credit_fen"] == 17_000


def test_receipts_print_and_a_voided_one_says_so(world: FundWorld) -> None:
    donation = world.donate(12_345, donor_name="王先生").json()
    url = f"{API}/funds/{world.fund_id}/donations/{donation['donation_id']}/receipt.pdf"
    pdf = world.client.get(url, headers=world.treasurer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert donation["receipt_no"] in text and "123.45" in text and "已作废" not in text
    world.post(f"/funds/{world.fund_id}/donations/{donation['donation_id']}/void",
               {"reason": "金额有误"}, key=None)
    voided = pypdf.PdfReader(io.BytesIO(world.client.get(url, headers=world.treasurer).content))
    assert "已作废" in voided.pages[0].extract_text()
    assert world.client.get(url, headers=world.coordinator).status_code == 403


def test_indicator_limits_are_set_per_fund(world: FundWorld) -> None:
    response = world.client.put(f"{API}/funds/{world.fund_id}/indicator-limits",
                                json={"max_management_ratio": "0.15",
                                      "basis": "three_year_average"},
                                headers=world.treasurer)
    assert response.status_code == 200, response.text
    assert response.json()["limits"] == {"min_charitable_ratio": "0.70",
                                         "max_management_ratio": "0.15",
                                         "basis": "three_year_average"}
    bad = world.client.put(f"{API}/funds/{world.fund_id}/indicator-limits",
                           json={"max_management_ratio": "1.5"}, headers=world.treasurer)
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    assert world.client.put(f"{API}/funds/{world.fund_id}/indicator-limits",
                            json={"basis": "previous_year"},
                            headers=world.auditor).status_code == 403


def test_a_vote_with_nobody_for_it_never_passes(world: FundWorld) -> None:
    """Found in review: two-thirds of nothing passed."""
    world.client.put(f"{API}/funds/{world.fund_id}/vote-rule",
                     json={"min_turnout": 0, "two_thirds": True}, headers=world.treasurer)
    grant = world.grant(1_000, approve=False)
    empty = world.post(f"/grants/{grant}/approve",
                       {"votes_for": 0, "votes_against": 0, "minutes": "无人到会"}, key=None)
    assert empty.json()["status"] == "rejected"


def test_a_void_never_takes_another_donors_money(world: FundWorld) -> None:
    """Found in review: voiding a released gift drained a later gift's restriction."""
    first = world.donate(10_000, purpose="助老").json()["donation_id"]
    released = world.post(f"/funds/{world.fund_id}/reclassifications",
                          {"purpose": "助老", "amount_fen": 10_000, "reason": "解除限定",
                           "consent": {"document": "同意函", "donation_ids": [first]}})
    assert released.status_code == 201, released.text
    world.donate(10_000, purpose="助老")
    refused = world.post(f"/funds/{world.fund_id}/donations/{first}/void",
                         {"reason": "录入错误"}, key=None)
    assert refused.status_code == 409
    assert world.statement()["restricted"] == {"助老": 10_000}
    other = world.donate(5_000, purpose="助学", donor_name="另一位捐赠人").json()["donation_id"]
    foreign = world.post(f"/funds/{world.fund_id}/purpose-changes", {
        "from_purpose": "助老", "to_purpose": "助学", "amount_fen": 1_000,
        "consent": {"document": "同意函", "donation_ids": [other]}})
    assert foreign.status_code == 409  # that donor has no 助老 money to move


def test_a_donors_data_can_be_erased_and_the_books_stay(world: FundWorld) -> None:
    from timebank.security.personal_data import ERASED

    gift = world.donate(8_800, donor_name="赵女士", donor_type="individual").json()
    path = f"{API}/funds/{world.fund_id}/donations/{gift['donation_id']}/erase-donor"
    assert world.client.post(path, json={"reason": "捐赠人申请"},
                             headers=world.treasurer).status_code == 403
    assert world.client.post(path, json={"reason": "捐赠人申请"},
                             headers=world.d.admin).status_code == 204
    listed = world.client.get(f"{API}/funds/{world.fund_id}/donations",
                              headers=world.auditor).json()
    assert listed[0]["donor_name"] == ERASED and listed[0]["amount_fen"] == 8_800
    assert listed[0]["receipt_no"] == gift["receipt_no"]
    assert world.statement()["donations_fen"] == 8_800
