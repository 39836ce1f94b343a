"""Tokens stop working when the account changes (issue 17, item 1, its revocation part):
every token carries the account's generation; a password or PIN change, a deactivation,
an erasure and a logout raise it, so earlier tokens answer 401 at once."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login, volunteer_login
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.actors import SYSTEM
from timebank.domain.users import User
from timebank.security.passwords import hash_secret
from timebank.security.tokens import TokenSigner

API = "/api/v1"


def test_a_password_change_and_a_deactivation_revoke_earlier_tokens(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    services = client.app.state.runtime.app
    headers = d.user("coord-r", "coordinator", d.office_id, password="coord-r-password")
    assert client.get(f"{API}/offices/{d.office_id}", headers=headers).status_code == 200
    user = services.load(User, services.find_user("coord-r").id)
    user.change_password(hash_secret("a-new-password-1"), SYSTEM.record())
    services.save(user)
    old = client.get(f"{API}/offices/{d.office_id}", headers=headers)
    assert old.status_code == 401 and old.json()["error"]["code"] == "unauthenticated"
    fresh = client.post(f"{API}/auth/token",
                        data={"username": "coord-r", "password": "a-new-password-1"})
    assert fresh.status_code == 200
    new_headers = {"Authorization": f"Bearer {fresh.json()['access_token']}"}
    assert client.get(f"{API}/offices/{d.office_id}", headers=new_headers).status_code == 200
    user = services.load(User, user.id)
    user.deactivate(SYSTEM.record(), "离职")
    services.save(user)
    assert client.get(f"{API}/offices/{d.office_id}",
                      headers=new_headers).status_code == 401


def test_logout_revokes_the_sessions_token_not_just_the_cookie(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    volunteer_login(client, phone)
    token = client.cookies.get("tb_session")
    assert token and client.get("/me").status_code == 200
    page = client.get("/me")
    client.post("/logout", data={"csrf": csrf_of(page.text)}, follow_redirects=False)
    # The stolen copy of the cookie no longer opens the page or the API.
    client.cookies.set("tb_session", token)
    again = client.get("/me")
    assert 'action="/me/login"' in again.text  # the login form, not the passbook
    api = client.get(f"{API}/volunteers/{volunteer['id']}/passbook",
                     headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401

    d.user("coord-l", "coordinator", d.office_id, password="coord-l-password")
    staff_login(client, "coord-l", "coord-l-password")
    staff_token = client.cookies.get("tb_session")
    console = client.get("/staff/activities")
    client.post("/logout", data={"csrf": csrf_of(console.text)}, follow_redirects=False)
    assert client.get(f"{API}/offices/{d.office_id}", headers={
        "Authorization": f"Bearer {staff_token}"}).status_code == 401


def test_tokens_without_a_generation_are_generation_zero() -> None:
    signer = TokenSigner("x" * 40, 60)
    claims = signer.verify(signer.issue("someone", "user"))
    assert claims is not None and claims.generation == 0
    assert signer.verify(signer.issue("someone", "user", generation=3)).generation == 3
