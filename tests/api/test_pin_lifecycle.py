"""A volunteer's PIN after registration (issue 17, items 1 and 5): the volunteer changes it
with the old one; at the savings office, staff reset it after checking an identity document,
and the event says which document and who checked. A weak PIN is refused both ways; the
tokens from before answer 401, and the old PIN no longer logs in."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_error, assert_invalid_input
from tests.helpers import next_phone, valid_id_number

OLD, NEW = "738294", "905817"


def volunteer_login(client: TestClient, phone: str, pin: str) -> Any:
    return client.post(f"{API}/auth/volunteer-token", json={"phone": phone, "pin": pin})


def passbook_works(client: TestClient, volunteer_id: str, headers: dict[str, str]) -> bool:
    answer = client.get(f"{API}/volunteers/{volunteer_id}/passbook", headers=headers)
    assert answer.status_code in (200, 401), answer.text
    return answer.status_code == 200


def trail(client: TestClient, b: Bank, volunteer_id: str) -> list[dict[str, Any]]:
    return client.get(f"{API}/audit/events", headers=b.admin, params={
        "aggregate_id": volunteer_id, "limit": 1000}).json()


def test_a_volunteer_changes_their_pin_with_the_old_one(client: TestClient) -> None:
    b = Bank(client)
    v = b.volunteer()
    change = f"{API}/volunteers/me/pin"
    assert_error(client.post(change, headers=v["headers"],
                             json={"old_pin": "111000", "new_pin": NEW}), 403, "wrong_pin")
    for weak in ("000000", "123456", "456789", v["phone"][-6:]):
        refused = client.post(change, headers=v["headers"], json={"old_pin": OLD, "new_pin": weak})
        error = assert_invalid_input(refused, "new_pin")
        assert error["fields"] == [{"field": "new_pin", "problem": "weak_pin"}]
    assert_invalid_input(client.post(change, headers=v["headers"],
                                     json={"old_pin": OLD, "new_pin": "12345"}), "new_pin")
    # A staff token has no PIN to change.
    assert_error(client.post(change, headers=b.admin, json={"old_pin": OLD, "new_pin": NEW}),
                 403, "forbidden")
    assert passbook_works(client, v["id"], v["headers"])  # nothing changed so far

    changed = client.post(change, headers=v["headers"], json={"old_pin": OLD, "new_pin": NEW})
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert not passbook_works(client, v["id"], v["headers"])
    assert passbook_works(client, v["id"], fresh)
    assert volunteer_login(client, v["phone"], OLD).status_code == 401
    assert volunteer_login(client, v["phone"], NEW).status_code == 200
    assert "Volunteer.PinChanged" in [e["type"] for e in trail(client, b, v["id"])]


def test_staff_reset_a_pin_at_the_office_after_checking_an_identity_document(
        client: TestClient) -> None:
    b = Bank(client)
    id_number = valid_id_number(11)
    phone = next_phone()
    registered = client.post(f"{API}/volunteers", headers=b.admin, json={
        "name": "李四", "phone": phone, "id_number": id_number, "office_id": b.d.office_id,
        "pin": OLD})
    assert registered.status_code == 201, registered.text
    volunteer_id = registered.json()["id"]
    old_login = volunteer_login(client, phone, OLD).json()
    old_token = {"Authorization": f"Bearer {old_login['access_token']}"}
    coordinator = b.staff("coord-pin", "coordinator", b.d.office_id)
    outsider = b.staff("coord-far", "coordinator", b.d.other_office_id)
    reset = f"{API}/volunteers/{volunteer_id}/pin-reset"
    body = {"new_pin": NEW, "document": "resident_id", "reason": "忘记密码"}

    assert_error(client.post(reset, headers=outsider, json=body), 403, "forbidden")
    assert_error(client.post(reset, headers=old_token, json=body), 403, "forbidden")
    assert_invalid_input(client.post(reset, headers=coordinator, json={
        **body, "document": "library_card"}), "document")
    mismatch = client.post(reset, headers=coordinator, json={
        **body, "document_number": valid_id_number(12)})
    assert assert_invalid_input(mismatch, "document_number")["fields"][0]["problem"] == \
        "identity_mismatch"
    birthday = id_number[8:14]  # YYMMDD
    weak = client.post(reset, headers=coordinator, json={**body, "new_pin": birthday})
    assert assert_invalid_input(weak, "new_pin")["fields"][0]["problem"] == "weak_pin"
    assert passbook_works(client, volunteer_id, old_token)  # nothing changed so far

    done = client.post(reset, headers=coordinator, json={**body, "document_number": id_number})
    assert done.status_code == 200, done.text
    me = client.get(f"{API}/users/me", headers=coordinator).json()["id"]
    assert done.json() == {"id": volunteer_id, "document": "resident_id", "checked_by": me,
                           "number_matched": True}
    assert not passbook_works(client, volunteer_id, old_token)
    assert volunteer_login(client, phone, OLD).status_code == 401
    assert volunteer_login(client, phone, NEW).status_code == 200

    events = [e for e in trail(client, b, volunteer_id) if e["type"] == "Volunteer.PinReset"]
    assert len(events) == 1 and events[0]["actor"]["id"] == me
    assert events[0]["reason"] == "忘记密码"
    assert id_number not in str(events) and NEW not in str(events)
    stored = [e for e in client.app.state.runtime.app.events.get(UUID(volunteer_id))
              if type(e).__name__ == "PinReset"]
    assert stored[0].identity_check == {"document": "resident_id", "checked_by": me,
                                        "number_matched": True}
