"""通存通兑 over HTTP between two banks in two partitions (two databases): a time-bank
service stores hours, the owner sends some to a passbook of the other bank (202 pending),
the driver posts it, a refused one is voided, each bank's books and the city's clearing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.background import pending_interbank_transfers
from tests.api._support import API, assert_error, shanghai_today
from tests.api.test_partitions import bank_district, runtime_of
from tests.helpers import admin_headers
from timebank.interbank import CityTransfers
from timebank.settings import Settings


@pytest.fixture
def city_client(partitioned_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(partitioned_settings, follow_projections=False)) as client:
        yield client


def drive(client: TestClient) -> None:
    partitions = runtime_of(client).partitions
    report = CityTransfers(partitions).drive(pending_interbank_transfers(partitions))
    assert not report.failed and not report.still_pending


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
