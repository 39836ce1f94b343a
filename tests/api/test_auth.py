"""Contract "Auth": staff tokens (OAuth2 password form), volunteer tokens (phone + PIN), expiry."""

from __future__ import annotations

import time
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api._support import API, Bank, assert_error, assert_invalid_input, assert_wrong_login
from tests.conftest import make_sqlite_settings
from tests.helpers import ADMIN, bearer


def test_staff_token_has_the_contract_shape_and_opens_the_api(client: TestClient) -> None:
    b = Bank(client)
    b.staff("coord-a", "coordinator", b.d.office_id)
    response = client.post(f"{API}/auth/token",
                           data={"username": "coord-a", "password": "correct-horse-1"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == client.app.state.runtime.settings.token_ttl_seconds  # type: ignore[attr-defined]
    assert isinstance(body["access_token"], str) and body["access_token"]
    rollup = client.get(f"{API}/offices/{b.d.office_id}/rollup",
                        headers=bearer(body["access_token"]))
    assert rollup.status_code == 200, rollup.text
    assert rollup.json()["office_id"] == b.d.office_id


def test_usernames_are_case_insensitive_at_login(client: TestClient) -> None:
    b = Bank(client)
    b.staff("Coord-B", "coordinator", b.d.office_id)
    response = client.post(f"{API}/auth/token",
                           data={"username": "COORD-b", "password": "correct-horse-1"})
    assert response.status_code == 200, response.text


def test_wrong_password_and_unknown_user_are_401_and_indistinguishable(
    client: TestClient,
) -> None:
    Bank(client)
    wrong = client.post(f"{API}/auth/token",
                        data={"username": ADMIN[0], "password": "not-the-password"})
    unknown = client.post(f"{API}/auth/token",
                          data={"username": "nobody-here", "password": "not-the-password"})
    # The contract names 401 for bad credentials; the login endpoint's own code is
    # "invalid_credentials" (the bearer-header code is "unauthenticated").
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] in ("invalid_credentials", "unauthenticated")
    assert_error(wrong, 401, wrong.json()["error"]["code"])
    assert unknown.status_code == 401
    assert unknown.json() == wrong.json()
    assert "access_token" not in wrong.text


def test_staff_token_form_fields_are_required(client: TestClient) -> None:
    assert_invalid_input(client.post(f"{API}/auth/token", data={}), "username", "password")
    # JSON instead of the OAuth2 form is not accepted either.
    response = client.post(f"{API}/auth/token",
                           json={"username": ADMIN[0], "password": ADMIN[1]})
    assert_error(response, 422, "invalid_input")


def test_volunteer_token_from_phone_and_pin(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    response = client.post(f"{API}/auth/volunteer-token",
                           json={"phone": volunteer["phone"], "pin": "738294"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] > 0
    passbook = client.get(f"{API}/volunteers/{volunteer['id']}/passbook",
                          headers=bearer(body["access_token"]))
    assert passbook.status_code == 200, passbook.text
    assert passbook.json()["passbook_no"] == volunteer["passbook_no"]
    # The same mobile written with the country code is the same person.
    phone = volunteer["phone"]
    spaced = f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"
    response = client.post(f"{API}/auth/volunteer-token", json={"phone": spaced, "pin": "738294"})
    assert response.status_code == 200, response.text


def test_volunteer_wrong_pin_is_refused_like_an_unknown_phone(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer(pin="246810")
    wrong = client.post(f"{API}/auth/volunteer-token",
                        json={"phone": volunteer["phone"], "pin": "738294"})
    assert_wrong_login(wrong)
    # An unknown phone answers exactly the same, so phones cannot be probed.
    unknown = client.post(f"{API}/auth/volunteer-token",
                          json={"phone": "13999999999", "pin": "738294"})
    assert_wrong_login(unknown)
    assert (unknown.status_code, unknown.json()) == (wrong.status_code, wrong.json())
    # The right PIN still works afterwards.
    right = client.post(f"{API}/auth/volunteer-token",
                        json={"phone": volunteer["phone"], "pin": "246810"})
    assert right.status_code == 200, right.text


def test_volunteer_token_body_is_validated(client: TestClient) -> None:
    assert_invalid_input(client.post(f"{API}/auth/volunteer-token", json={"phone": "1"}), "pin")


def test_a_volunteer_token_is_not_a_staff_token(client: TestClient) -> None:
    b = Bank(client)
    volunteer = b.volunteer()
    me = volunteer["headers"]
    record_id = b.pending(volunteer["id"], 60)
    attempts = [
        client.post(f"{API}/offices", json={"name": "私人银行", "kind": "bank", "parent_id": None},
                    headers=me),
        client.post(f"{API}/users", json={"username": "sneaky", "password": "long-enough-1",
                                          "role": "coordinator", "office_id": b.d.office_id},
                    headers=me),
        client.post(f"{API}/volunteers", json={"name": "李四", "phone": "13911112222",
                                               "office_id": b.d.office_id, "pin": "738294"},
                    headers=me),
        client.get(f"{API}/offices/{b.d.office_id}/rollup", headers=me),
        b.put_rules(99, headers=me),
        b.enter(volunteer["id"], 60, headers=me),
        b.approve(record_id, headers=me),
        client.post(f"{API}/service-records/{record_id}/reject", json={"reason": "x"},
                    headers=me),
        client.post(f"{API}/service-records/{record_id}/correct",
                    json={"hours": "5", "reason": "x"}, headers=me),
    ]
    for response in attempts:
        assert_error(response, 403, "forbidden")
    assert b.record(record_id)["status"] == "pending"
    assert b.record(record_id)["hours"] == "1.00"
    assert b.passbook(volunteer["id"])["balance_points"] == 0
    assert b.rollup(b.d.bank_id)["totals"]["volunteers"] == 1


def test_bearer_tokens_expire(tmp_path: Path) -> None:
    settings = make_sqlite_settings(tmp_path, token_ttl_seconds=2)
    with TestClient(create_app(settings, follow_projections=False)) as client:
        client.app.state.runtime.app.ensure_admin(*ADMIN)  # type: ignore[attr-defined]
        response = client.post(f"{API}/auth/token",
                               data={"username": ADMIN[0], "password": ADMIN[1]})
        assert response.status_code == 200, response.text
        assert response.json()["expires_in"] == 2
        token = response.json()["access_token"]
        fresh = client.post(f"{API}/offices", json={"name": "示范区公益银行", "kind": "bank",
                                                    "parent_id": None}, headers=bearer(token))
        assert fresh.status_code == 201, fresh.text

        expires_at = jwt.decode(token, options={"verify_signature": False})["exp"]
        time.sleep(max(0.0, expires_at - time.time()) + 0.2)
        stale = client.post(f"{API}/offices", json={"name": "第二总行", "kind": "bank",
                                                    "parent_id": None}, headers=bearer(token))
        assert_error(stale, 401, "unauthenticated")
        # Logging in again gives a working token.
        again = client.post(f"{API}/auth/token",
                            data={"username": ADMIN[0], "password": ADMIN[1]})
        rollup = client.get(f"{API}/offices/{fresh.json()['id']}/rollup",
                            headers=bearer(again.json()["access_token"]))
        assert rollup.status_code == 200, rollup.text
        assert rollup.json()["children"] == []


def test_respelling_a_phone_does_not_buy_more_pin_guesses(client: TestClient) -> None:
    """Found in review: the limit was keyed on the phone as typed."""
    from tests.helpers import HttpDistrict, next_phone

    d = HttpDistrict.build(client)
    phone = next_phone()
    d.volunteer(phone=phone)
    spellings = [phone, f"+86{phone}", f"86{phone}", f"{phone[:3]} {phone[3:7]} {phone[7:]}",
                 f"{phone[:3]}-{phone[3:7]}-{phone[7:]}"]
    codes = [client.post("/api/v1/auth/volunteer-token",
                         json={"phone": spellings[n % len(spellings)], "pin": "000000"}
                         ).status_code for n in range(12)]
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_ten_wrong_passwords_lock_that_address_out_not_the_owner(client: TestClient) -> None:
    """Through the service (the HTTP rate limit would answer 429 first). Found in an attack
    run: ten wrong passwords from anywhere locked `admin` out for 15 minutes. The lock is
    per account and address: the guesser is locked out, the owner elsewhere is not."""
    from tests.helpers import HttpDistrict
    from timebank.domain.errors import DomainError

    d = HttpDistrict.build(client)
    d.user("locked-out", "coordinator", d.office_id, password="right-password-1")
    services = client.app.state.runtime.app
    for _ in range(10):
        with pytest.raises(DomainError) as wrong:
            services.authenticate_user("locked-out", "wrong-password", source="203.0.113.9")
        assert wrong.value.code == "invalid_credentials"
    with pytest.raises(DomainError) as locked:
        services.authenticate_user("locked-out", "right-password-1", source="203.0.113.9")
    assert locked.value.code == "account_locked"
    # The owner, from an address that has not failed (the test client's), gets in.
    answer = client.post("/api/v1/auth/token",
                         data={"username": "locked-out", "password": "right-password-1"})
    assert answer.status_code == 200, answer.text
    user = services.find_user("locked-out")
    assert all(len(key) == 16 and "203.0.113.9" not in key for key in user.source_locks)


def test_one_address_cannot_spray_logins_across_accounts(client: TestClient) -> None:
    """Found in an attack run: one address tried a PIN across 20 phones, and 30 unknown
    usernames never met a limit. Per address, every account counts; other addresses are
    not affected."""
    from fastapi.testclient import TestClient as Client

    from api.rate_limits import ADDRESS_LIMIT

    allowed = int(ADDRESS_LIMIT.split()[0])
    sprayer = Client(client.app, client=("198.51.100.7", 40000))
    answers = [sprayer.post("/api/v1/auth/token",
                            data={"username": f"nobody-{n}", "password": "guess-123"})
               for n in range(allowed + 2)]
    assert [a.status_code for a in answers[:allowed]] == [401] * allowed
    assert [a.status_code for a in answers[allowed:]] == [429, 429]
    phones = [sprayer.post("/api/v1/auth/volunteer-token",
                           json={"phone": f"1390000{n:04d}", "pin": "135790"})
              for n in range(allowed + 1)]
    assert phones[-1].status_code == 429
    elsewhere = Client(client.app, client=("198.51.100.8", 40000))
    assert elsewhere.post("/api/v1/auth/token", data={
        "username": "nobody-0", "password": "guess-123"}).status_code == 401
