"""What an attack run found still working after it should have stopped (issue 17, items 9
and 10): an erased volunteer's card at a kiosk, a closed office's printed code and its
coordinator's approvals; the full passbook number on the public certificate check; and an
erased person's phone claim shared with the phone's next holder."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.api.test_scans import ScanWorld
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.ids import phone_claim_id_for

API = "/api/v1"


def _kiosk(client: TestClient, d: HttpDistrict) -> str:
    key = client.post(f"{API}/kiosks", json={"office_id": d.office_id, "name": "超市"},
                      headers=d.admin).json()["api_key"]
    client.post(f"{API}/offices/{d.office_id}/catalog",
                json={"sku": "RICE", "name": "大米", "points": 5, "stock": 9}, headers=d.admin)
    return key


def test_an_erased_volunteers_card_redeems_nothing_whatever_the_pin(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    volunteer = d.volunteer()
    d.earn(volunteer["id"], 120)  # 20 points
    key = _kiosk(client, d)
    erased = client.post(f"{API}/volunteers/{volunteer['id']}/erase",
                         json={"reason": "本人申请"}, headers=d.admin)
    assert erased.status_code == 200
    before = client.app.state.runtime.app.recorder.max_notification_id()
    redeemed = client.post(f"{API}/kiosk/redemptions", json={
        "passbook_no": volunteer["passbook_no"], "pin": "738294",
        "items": [{"sku": "RICE", "quantity": 1}]},
        headers={"X-Kiosk-Key": key, "Idempotency-Key": "after-erasure"})
    assert redeemed.status_code == 409, redeemed.text
    assert redeemed.json()["error"]["code"] == "volunteer_inactive"
    assert client.app.state.runtime.app.recorder.max_notification_id() == before
    passbook = client.get(f"{API}/volunteers/{volunteer['id']}/passbook", headers=d.admin)
    assert passbook.json()["balance_points"] == 20  # the figures stay, unspendable


def test_a_closed_offices_code_checks_nobody_in_and_its_records_mint_nothing(
        client: TestClient) -> None:
    world = ScanWorld(client)
    d = world.d
    entered = d.service_record(world.volunteer["id"], 60)  # pending, at that office
    token = world.token("check_in")
    closed = client.post(f"{API}/offices/{d.office_id}/close", json={"reason": "撤并"},
                         headers=d.admin)
    assert closed.status_code == 200, closed.text

    scanned = world.scan(token)
    assert scanned.status_code == 409 and scanned.json()["error"]["code"] == "office_closed"
    approved = client.post(f"{API}/service-records/{entered}/approve", headers=d.admin)
    assert approved.status_code == 409 and approved.json()["error"]["code"] == "office_closed"
    passbook = client.get(f"{API}/volunteers/{world.volunteer['id']}/passbook",
                          headers=d.admin)
    assert passbook.json()["balance_points"] == 0


def test_the_public_certificate_check_shows_no_passbook_number(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    volunteer = d.volunteer(name="欧阳娜娜")
    d.earn(volunteer["id"], 60)
    issued = client.post(f"{API}/volunteers/{volunteer['id']}/certificates",
                         json={"from": "2026-01-01", "to": "2030-12-31"}, headers=d.admin)
    assert issued.status_code == 201, issued.text
    parts = urlsplit(issued.json()["verify_url"])
    number = volunteer["passbook_no"]
    checked = client.get(f"{API}/certificates/{issued.json()['serial']}/verify",
                         params=parse_qs(parts.query))
    assert checked.status_code == 200
    # Issue 14: the public check shows the masked name only, no passbook number at all.
    assert checked.json()["content"]["volunteer"] == {"name_masked": "欧**娜"}
    assert number not in checked.text
    page = client.get(parts.path, params=parse_qs(parts.query))
    assert page.status_code == 200 and number not in page.text


def test_an_erased_persons_phone_claim_is_not_the_next_holders(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    first = d.volunteer(phone=phone, name="张三")
    client.post(f"{API}/volunteers/{first['id']}/erase", json={"reason": "本人申请"},
                headers=d.admin)
    second = d.volunteer(phone=phone, name="李四")
    app = client.app.state.runtime.app
    index = app.vault.blind_index(phone)
    old_claim = app.repository.get(phone_claim_id_for(index))
    new_claim = app.repository.get(phone_claim_id_for(index, 1))
    assert old_claim.volunteer_id is None  # released for good
    assert new_claim.volunteer_id is not None and str(new_claim.volunteer_id) == second["id"]
    # Nothing stored under the new holder's claim names the erased person.
    stored = app.recorder.select_events(new_claim.id)
    assert all(first["id"] not in event.state.decode() for event in stored)
    # The audit trail shows the two holders on two different aggregates.
    trail = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=d.admin).json()
    claims_of = {e["aggregate_id"] for e in trail if e["type"].startswith("PhoneClaim")}
    assert {str(old_claim.id), str(new_claim.id)} <= claims_of
    login = client.post(f"{API}/auth/volunteer-token", json={"phone": phone, "pin": "738294"})
    assert login.status_code == 200  # the phone logs in its new holder
