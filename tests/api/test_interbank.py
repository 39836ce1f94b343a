"""通存通兑 over HTTP between two banks in two partitions (two databases): a time-bank
service stores hours, the owner sends some to a passbook of the other bank (202 pending),
the driver posts it, a refused one is voided, each bank's books and the city's clearing."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.background import pending_interbank_transfers
from tests.api._pages import csrf_of, visible_text, volunteer_login
from tests.api._support import API, assert_error, shanghai_today
from tests.api.test_partitions import bank_district, runtime_of
from tests.helpers import admin_headers, next_phone
from timebank.interbank import CityTransfers
from timebank.settings import Settings


@pytest.fixture
def city_client(partitioned_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(partitioned_settings, follow_projections=False)) as client:
        yield client


def drive(client: TestClient, still_pending: int = 0) -> None:
    partitions = runtime_of(client).partitions
    report = CityTransfers(partitions).drive(pending_interbank_transfers(partitions))
    assert not report.failed and report.still_pending == still_pending


def test_hours_move_between_banks_in_two_databases(city_client: TestClient) -> None:
    client = city_client
    admin = admin_headers(client)
    east, sender = bank_district(client, admin, "east", "东区")
    west, receiver = bank_district(client, admin, "west", "西区")
    rules = client.put(f"{API}/offices/{east.bank_id}/time-bank-rules", headers=east.admin,
                       json={"payers": {"elderly_care": "minted"}, "storage_cap_hours": 1500})
    assert rules.status_code == 200, rules.text
    assert rules.json()["payers"] == {"elderly_care": "minted"}
    assert rules.json()["care_from_age"] == 60
    east.earn(sender["id"], 240)
    account = client.get(f"{API}/volunteers/{sender['id']}/time-account",
                         headers=sender["headers"])
    assert account.status_code == 200, account.text
    assert account.json()["balance_hours"] == "4.00"
    assert [e["kind"] for e in account.json()["entries"]] == ["service"]

    body = {"from_passbook": sender["passbook_no"], "to_bank_id": west.bank_id,
            "to_passbook": receiver["passbook_no"], "hours": "2.50", "note": "给母亲"}
    key = {"Idempotency-Key": "move-1"}
    sent = client.post(f"{API}/interbank-transfers", json=body,
                       headers={**sender["headers"], **key})
    assert sent.status_code == 202, sent.text
    assert sent.json()["status"] == "pending" and sent.json()["hours"] == "2.50"
    again = client.post(f"{API}/interbank-transfers", json=body,
                        headers={**sender["headers"], **key})
    assert again.status_code == 202 and again.json() == sent.json()
    transfer_id = sent.json()["transfer_id"]
    held = client.get(f"{API}/volunteers/{sender['id']}/time-account",
                      headers=sender["headers"]).json()
    assert (held["balance_hours"], held["reserved_hours"]) == ("1.50", "2.50")

    drive(client)
    done = client.get(f"{API}/interbank-transfers/{transfer_id}", headers=sender["headers"])
    assert done.status_code == 200 and done.json()["status"] == "posted"
    received = client.get(f"{API}/volunteers/{receiver['id']}/time-account",
                          headers=receiver["headers"]).json()
    assert received["balance_hours"] == "2.50"
    assert received["entries"][-1]["kind"] == "interbank_in"
    after = client.get(f"{API}/volunteers/{sender['id']}/time-account",
                       headers=sender["headers"]).json()
    assert (after["balance_hours"], after["reserved_hours"]) == ("1.50", "0.00")

    # A passbook that is not the west bank's: the west bank refuses, the hours come back.
    refused = client.post(f"{API}/interbank-transfers", headers={
        **sender["headers"], "Idempotency-Key": "move-2"}, json={
        **body, "to_passbook": sender["passbook_no"], "hours": "1.00"})
    assert refused.status_code == 202, refused.text
    drive(client)
    voided = client.get(f"{API}/interbank-transfers/{refused.json()['transfer_id']}",
                        headers=east.admin).json()
    assert (voided["status"], voided["reason"]) == ("voided", "no_such_passbook")
    assert client.get(f"{API}/volunteers/{sender['id']}/time-account",
                      headers=sender["headers"]).json()["balance_hours"] == "1.50"

    # Each bank's books with the other, and the city's clearing, which balances.
    today = shanghai_today().isoformat()  # the clearing's days are Shanghai's
    east_books = client.get(f"{API}/offices/{east.bank_id}/interbank-books",
                            headers=east.admin).json()
    assert east_books["lines"] == [{
        "counterparty_bank_id": west.bank_id, "sent_hours": "2.50", "received_hours": "0.00",
        "sent_transfers": 1, "received_transfers": 0, "owes_hours": "2.50"}]
    west_books = client.get(f"{API}/offices/{west.bank_id}/interbank-books",
                            headers=west.admin).json()
    assert west_books["lines"][0]["owes_hours"] == "-2.50"
    clearing = client.get(f"{API}/interbank/clearing", params={"from": today, "to": today},
                          headers=admin)
    assert clearing.status_code == 200, clearing.text
    report = clearing.json()
    assert report["balanced"] and report["pending_transfers"] == 0
    (pair,) = report["pairs"]
    assert {pair["bank_id"], pair["counterparty_bank_id"]} == {east.bank_id, west.bank_id}
    assert pair["debtor_bank_id"] == east.bank_id and pair["net_hours"] == "2.50"
    assert_error(client.get(f"{API}/interbank/clearing", headers=east.admin), 403,
                 "forbidden")

    # The other bank's staff and volunteers do not see the sending bank's transfer.
    assert_error(client.get(f"{API}/interbank-transfers/{transfer_id}",
                            headers=receiver["headers"]), 404, "not_found")
    assert_error(client.post(f"{API}/interbank-transfers", json={**body, "hours": "99"},
                             headers={**sender["headers"], "Idempotency-Key": "move-3"}),
                 409, "insufficient_hours")

    # Hours received from another bank are the recipient's: donated to the west bank's pool.
    donated = client.post(f"{API}/time-donations", json={
        "passbook": receiver["passbook_no"], "hours": "0.50", "note": "捐给公益池"},
        headers={**receiver["headers"], "Idempotency-Key": "donate-1"})
    assert donated.status_code == 201, donated.text
    assert donated.json()["balance_hours"] == "2.00"
    funded = client.post(f"{API}/offices/{west.bank_id}/hours-pool/fundings",
                         json={"hours": "100", "reason": "区财政注资"}, headers=west.admin)
    assert funded.status_code == 201, funded.text
    assert (funded.json()["balance_hours"], funded.json()["donated_hours"],
            funded.json()["funded_hours"]) == ("100.50", "0.50", "100.00")
    gift = client.post(f"{API}/time-gifts", json={
        "from_passbook": receiver["passbook_no"], "to_passbook": sender["passbook_no"],
        "hours": "1.00", "relation": "child"},
        headers={**receiver["headers"], "Idempotency-Key": "gift-1"})
    assert_error(gift, 404, "not_found")  # the east passbook does not exist in the west bank


def care_family(client: TestClient, admin: dict[str, str]) -> tuple[Any, ...]:
    """The east bank stores the daughter's 4 hours; the west bank (cleaning paid from the
    beneficiary's hours, meals minted) serves her mother of 78 and has a volunteer."""
    east, daughter = bank_district(client, admin, "east", "东区")
    west, helper = bank_district(client, admin, "west", "西区")
    for d, payers in ((east, {"elderly_care": "minted"}),
                      (west, {"elderly_care": "minted", "cleaning": "beneficiary",
                              "meals": "minted"})):
        rules = client.put(f"{API}/offices/{d.bank_id}/time-bank-rules", headers=d.admin,
                           json={"payers": payers})
        assert rules.status_code == 200, rules.text
    east.earn(daughter["id"], 240)
    mother_phone = next_phone()
    mother = client.post(f"{API}/volunteers", headers=west.admin, json={
        "name": "王奶奶", "phone": mother_phone, "office_id": west.office_id, "pin": "738294",
        "id_number": "310104194803051234"})
    assert mother.status_code == 201, mother.text
    return (east, daughter, west, helper, {**mother.json(), "phone": mother_phone},
            west.volunteer_headers(mother_phone))


def test_care_for_a_parent_in_another_bank_paid_from_hours_here(
    city_client: TestClient,
) -> None:
    """A daughter whose hours are stored in the east bank posts care for her mother, who
    lives in the west bank's district: the window is held in the east, the west opens the
    request; a west volunteer serves 1.5 h of the 2 h, the mother confirms, the driver posts
    1.5 h and returns 0.5 h, and both banks' books and the clearing show 1.5 h."""
    client = city_client
    admin = admin_headers(client)
    east, daughter, west, helper, mother, mother_headers = care_family(client, admin)

    starts = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    need = {"beneficiary_passbook": mother["passbook_no"], "relation": "parent",
            "category": "cleaning", "place": "松林小区5栋102", "notes": "腿脚不便",
            "starts_at": starts.isoformat(), "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "beneficiary_bank_id": west.bank_id}
    key = {"Idempotency-Key": "care-mother-1"}
    posted = client.post(f"{API}/service-requests", json=need,
                         headers={**daughter["headers"], **key})
    assert posted.status_code == 201, posted.text
    body = posted.json()
    assert (body["status"], body["payer"], body["held_hours"], body["bank_id"]) == (
        "posted", "beneficiary", "2.00", west.bank_id)
    assert body["paid_from"]["bank_id"] == east.bank_id
    assert body["paid_from"]["passbook"] == daughter["passbook_no"]
    again = client.post(f"{API}/service-requests", json=need,
                        headers={**daughter["headers"], **key})
    assert again.status_code == 201 and again.json() == body
    transfer_id = body["paid_from"]["transfer_id"]
    hold = client.get(f"{API}/interbank-transfers/{transfer_id}", headers=daughter["headers"])
    assert hold.status_code == 200, hold.text
    assert (hold.json()["status"], hold.json()["purpose"], hold.json()["request_id"],
            hold.json()["hours"]) == ("pending", "care", body["request_id"], "2.00")
    held = client.get(f"{API}/volunteers/{daughter['id']}/time-account",
                      headers=daughter["headers"]).json()
    assert (held["balance_hours"], held["reserved_hours"]) == ("2.00", "2.00")

    # The west bank has the request: its volunteer takes it, serves 1.5 h; the mother confirms.
    rid = body["request_id"]
    seen = client.get(f"{API}/service-requests/{rid}", headers=mother_headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["place"] == "松林小区5栋102"
    assert seen.json()["paid_from"] == body["paid_from"]
    drive(client, still_pending=1)  # nothing to settle while the service is open
    assert client.get(f"{API}/interbank-transfers/{transfer_id}",
                      headers=daughter["headers"]).json()["status"] == "pending"
    taken = client.post(f"{API}/service-requests/{rid}/take", headers=helper["headers"])
    assert taken.status_code == 200, taken.text
    done = client.post(f"{API}/service-requests/{rid}/done", headers=helper["headers"],
                       json={"hours": "1.50", "note": "打扫完毕"})
    assert done.status_code == 200, done.text
    confirmed = client.post(f"{API}/service-requests/{rid}/confirm", json={
        "rating": 5, "comment": "很细心"}, headers={**mother_headers,
                                                 "Idempotency-Key": "confirm-1"})
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["paid_hours"] == "1.50"
    drive(client)
    settled = client.get(f"{API}/interbank-transfers/{transfer_id}",
                         headers=daughter["headers"]).json()
    assert (settled["status"], settled["returned_hours"]) == ("posted", "0.50")
    after = client.get(f"{API}/volunteers/{daughter['id']}/time-account",
                       headers=daughter["headers"]).json()
    assert (after["balance_hours"], after["reserved_hours"]) == ("2.50", "0.00")
    earned = client.get(f"{API}/volunteers/{helper['id']}/time-account",
                        headers=helper["headers"]).json()
    assert earned["balance_hours"] == "1.50"

    east_books = client.get(f"{API}/offices/{east.bank_id}/interbank-books",
                            headers=east.admin).json()
    assert [(line["sent_hours"], line["received_hours"]) for line in east_books["lines"]] == [
        ("1.50", "0.00")]
    west_books = client.get(f"{API}/offices/{west.bank_id}/interbank-books",
                            headers=west.admin).json()
    assert [(line["received_hours"], line["owes_hours"]) for line in west_books["lines"]] == [
        ("1.50", "-1.50")]
    today = shanghai_today().isoformat()
    report = client.get(f"{API}/interbank/clearing", params={"from": today, "to": today},
                        headers=admin).json()
    assert report["balanced"] and report["pending_transfers"] == 0
    assert [pair["net_hours"] for pair in report["pairs"]] == ["1.50"]

    # The west bank does not pay cleaning... for meals: refused before anything is held.
    assert_error(client.post(f"{API}/service-requests", json={**need, "category": "meals"},
                             headers={**daughter["headers"], "Idempotency-Key": "care-2"}),
                 422, "care_not_offered")
    assert_error(client.post(f"{API}/service-requests", json={
        **need, "beneficiary_passbook": daughter["passbook_no"]},
        headers={**daughter["headers"], "Idempotency-Key": "care-3"}), 404, "not_found")
    unchanged = client.get(f"{API}/volunteers/{daughter['id']}/time-account",
                           headers=daughter["headers"]).json()
    assert (unchanged["balance_hours"], unchanged["reserved_hours"]) == ("2.50", "0.00")


def test_the_family_page_posts_care_in_another_bank_and_shows_the_hold(
    city_client: TestClient,
) -> None:
    """On /me/requests a daughter of the east bank chooses her mother's bank (the west) and
    posts care there; the page then shows what is held here, and once the west bank's
    volunteer served and the mother confirmed, what was paid and what came back."""
    client = city_client
    admin = admin_headers(client)
    east, daughter, west, helper, mother, mother_headers = care_family(client, admin)

    volunteer_login(client, daughter["phone"])
    page = client.get("/me/requests")
    assert page.status_code == 200
    banks = re.search(r'<select id="beneficiary_bank_id".*?</select>', page.text, re.S)
    assert banks and f'value="{west.bank_id}">西区' in banks.group(0)
    assert east.bank_id not in banks.group(0)  # her own bank is "本行", not a choice
    posted = client.post("/me/requests", data={
        "csrf": csrf_of(page.text), "form_key": "care-page-1", "category": "cleaning",
        "place": "松林小区5栋102", "notes": "", "starts_at": "2026-12-20T09:00",
        "ends_at": "2026-12-20T11:00", "beneficiary_passbook": mother["passbook_no"],
        "relation": "parent", "beneficiary_bank_id": west.bank_id}, follow_redirects=True)
    assert "需求已发布" in posted.text, visible_text(posted.text)
    text = visible_text(posted.text)
    assert "我在其他银行支付的照护" in text and "服务进行中，时间已冻结" in text
    assert "冻结 2.00 小时" in text

    (line,) = client.get(f"{API}/service-requests", headers=mother_headers,
                         params={"view": "mine"}).json()
    rid = line["request_id"]
    assert line["paid_from_bank_id"] == east.bank_id
    # The west bank's pages say who pays: her daughter, from another bank.
    volunteer_login(client, mother["phone"])
    assert "家人在其他银行用存储时间支付" in visible_text(client.get("/me/requests").text)
    assert client.post(f"{API}/service-requests/{rid}/take",
                       headers=helper["headers"]).status_code == 200
    assert client.post(f"{API}/service-requests/{rid}/done", headers=helper["headers"],
                       json={"hours": "1.00", "note": ""}).status_code == 200
    assert client.post(f"{API}/service-requests/{rid}/confirm", json={"rating": 4},
                       headers={**mother_headers, "Idempotency-Key": "c1"}).status_code == 200
    drive(client)
    volunteer_login(client, daughter["phone"])
    after = visible_text(client.get("/me/requests?lang=en").text)
    assert "Care I pay for in other banks" in after
    assert "Settled" in after and "Paid 1.00 h · Returned 1.00 h" in after

    # A bank that does not pay this care from stored hours: words (in the language she
    # chose), nothing held.
    page = client.get("/me/requests")
    refused = client.post("/me/requests", data={
        "csrf": csrf_of(page.text), "form_key": "care-page-2", "category": "meals",
        "place": "松林小区5栋102", "starts_at": "2026-12-21T09:00",
        "ends_at": "2026-12-21T10:00", "beneficiary_passbook": mother["passbook_no"],
        "relation": "parent", "beneficiary_bank_id": west.bank_id}, follow_redirects=True)
    assert "this care is not paid from stored hours" in visible_text(refused.text), \
        visible_text(refused.text)
    account = client.get(f"{API}/volunteers/{daughter['id']}/time-account",
                         headers=daughter["headers"]).json()
    assert (account["balance_hours"], account["reserved_hours"]) == ("3.00", "0.00")
