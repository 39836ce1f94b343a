"""The account lifecycle from the pages (issue 17, item 1): one's own account page (password
or PIN change, the sessions, ending one or all), the forced change after a reset, the staff
list of an administrator's subtree with its actions, and the PIN reset at the office."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login, volunteer_login
from tests.helpers import HttpDistrict, next_phone

API = "/api/v1"
PASSWORD = "correct-horse-1"


def test_staff_change_their_password_and_end_sessions_on_their_account_page(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    api_token = d.user("coord-p", "coordinator", d.office_id)  # another session, on the API
    staff_login(client, "coord-p", PASSWORD)
    page = client.get("/account")
    assert page.status_code == 200 and page.text.count('class="session"') == 2
    assert 'href="/account"' in page.text  # the bar links here

    wrong = client.post("/account/password", data={
        "old_password": "nope-nope-1", "new_password": "brand-new-1", "csrf": csrf_of(page.text)})
    assert wrong.status_code == 403 and "当前密码错误" in wrong.text
    done = client.post("/account/password", data={
        "old_password": PASSWORD, "new_password": "brand-new-1", "csrf": csrf_of(page.text)},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/account?done=password_changed"
    after = client.get(done.headers["location"])  # still signed in, with a new session
    assert after.status_code == 200 and "密码已修改" in after.text
    assert after.text.count('class="session"') == 1
    assert client.get(f"{API}/offices/{d.office_id}", headers=api_token).status_code == 401

    # Sign out everywhere: back to the login, the cookie's token dead.
    token = client.cookies.get("tb_session")
    out = client.post("/account/sessions/end", data={"everywhere": "1",
                                                     "csrf": csrf_of(after.text)},
                      follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/staff/login"
    assert client.get(f"{API}/offices/{d.office_id}", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401


def test_a_volunteer_changes_their_pin_and_ends_another_session(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    d.volunteer(phone=phone)
    phone_token = d.volunteer_headers(phone)  # a session on the phone app
    volunteer_login(client, phone)
    page = client.get("/account")
    other = re.findall(r'name="session_id" value="([0-9a-f]+)"', page.text)
    assert len(other) == 2
    ended = client.post("/account/sessions/end", data={"session_id": other[1],
                                                       "csrf": csrf_of(page.text)},
                        follow_redirects=False)
    assert ended.headers["location"] == "/account?done=session_ended"
    assert client.get(f"{API}/sessions", headers=phone_token).status_code == 401

    weak = client.post("/account/pin", data={"old_pin": "738294", "new_pin": "111111",
                                             "csrf": csrf_of(page.text)})
    assert weak.status_code == 422 and "密码过于简单" in weak.text
    changed = client.post("/account/pin", data={"old_pin": "738294", "new_pin": "905817",
                                                "csrf": csrf_of(page.text)},
                          follow_redirects=False)
    assert changed.status_code == 303
    assert client.get("/me").status_code == 200 and "/me/login" not in client.get("/me").text
    assert client.post(f"{API}/auth/volunteer-token",
                       json={"phone": phone, "pin": "905817"}).status_code == 200


def test_the_staff_list_disables_resets_and_the_login_then_asks_for_a_new_password(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-a", "coordinator", d.office_id)
    d.user("coord-far", "coordinator", d.other_office_id)
    d.user("branch-a", "branch_admin", d.branch_id)
    staff_login(client, "branch-a", PASSWORD)
    listing = client.get("/staff/accounts")
    assert listing.status_code == 200
    assert 'data-username="coord-a"' in listing.text and "coord-far" not in listing.text
    target = client.get(f"{API}/users/me", headers=d.user("coord-b", "coordinator",
                                                           d.office_id)).json()["id"]
    listing = client.get("/staff/accounts")
    csrf = csrf_of(listing.text)
    no_reason = client.post(f"/staff/accounts/{target}", data={
        "action": "deactivate", "reason": " ", "csrf": csrf})
    assert no_reason.status_code == 422
    reset = client.post(f"/staff/accounts/{target}", data={
        "action": "reset", "temporary_password": "temporary-9", "reason": "忘记密码",
        "csrf": csrf}, follow_redirects=False)
    assert reset.status_code == 303 and reset.headers["location"] == "/staff/accounts?done=reset"
    assert "待设置新密码" in client.get("/staff/accounts").text

    # The owner logs in with the temporary password: sent to choose a new one, no session.
    client.cookies.clear()
    form = client.get("/staff/login")
    login = client.post("/staff/login", data={"username": "coord-b", "password": "temporary-9",
                                              "csrf": csrf_of(form.text), "next": "/staff"},
                        follow_redirects=False)
    assert login.status_code == 303
    assert login.headers["location"].startswith("/staff/password-expired?username=coord-b")
    assert client.cookies.get("tb_session") is None
    step = client.get(login.headers["location"])
    chosen = client.post("/staff/password-expired", data={
        "username": "coord-b", "password": "temporary-9", "new_password": "my-own-pass-1",
        "csrf": csrf_of(step.text), "next": "/staff"}, follow_redirects=False)
    assert chosen.status_code == 303 and client.cookies.get("tb_session")
    assert client.get("/account").status_code == 200

    # Disabled from the list: the owner's session ends at once.
    owner_cookie = client.cookies.get("tb_session")
    staff_login(client, "branch-a", PASSWORD)
    listing = client.get("/staff/accounts")
    off = client.post(f"/staff/accounts/{target}", data={
        "action": "deactivate", "reason": "离职", "csrf": csrf_of(listing.text)},
        follow_redirects=False)
    assert off.status_code == 303
    assert "已停用" in client.get("/staff/accounts").text
    assert client.get(f"{API}/users/me", headers={
        "Authorization": f"Bearer {owner_cookie}"}).status_code == 401
    # A coordinator has no staff list.
    staff_login(client, "coord-a", PASSWORD)
    assert client.get("/staff/accounts").status_code == 403


def test_a_pin_reset_at_the_office_from_the_page(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    d.user("coord-desk", "coordinator", d.office_id)
    staff_login(client, "coord-desk", PASSWORD)
    path = f"/staff/volunteers/{volunteer['id']}/pin-reset"
    page = client.get(path)
    assert page.status_code == 200 and "居民身份证" in page.text
    weak = client.post(path, data={"new_pin": "000000", "document": "passport",
                                   "csrf": csrf_of(page.text)})
    assert weak.status_code == 422 and "密码过于简单" in weak.text
    done = client.post(path, data={"new_pin": "905817", "document": "passport",
                                   "csrf": csrf_of(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and "密码已重置" in client.get(done.headers["location"]).text
    assert client.post(f"{API}/auth/volunteer-token",
                       json={"phone": phone, "pin": "905817"}).status_code == 200
