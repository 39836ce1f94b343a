"""Staff accounts from creation to disabling (issue 17, item 1): the owner changes their
password with the old one; an administrator of the account's part of the tree resets it —
the login then answers 403 `password_change_required` and only the change step is open —
disables and enables it, and changes its role; never outside their subtree, never on their
own account. Every change is an event in the audit trail, and after each one the tokens
issued before answer 401."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api._support import API, assert_error, assert_invalid_input
from tests.helpers import HttpDistrict

PASSWORD = "correct-horse-1"


def login(client: TestClient, username: str, password: str) -> Any:
    return client.post(f"{API}/auth/token", data={"username": username, "password": password})


def bearer(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def trail(client: TestClient, d: HttpDistrict, aggregate_id: str) -> list[dict[str, Any]]:
    events = client.get(f"{API}/audit/events", params={"aggregate_id": aggregate_id,
                                                       "limit": 1000}, headers=d.admin)
    assert events.status_code == 200, events.text
    return events.json()


def user_id(client: TestClient, headers: dict[str, str]) -> str:
    return client.get(f"{API}/users/me", headers=headers).json()["id"]


def works(client: TestClient, d: HttpDistrict, headers: dict[str, str]) -> bool:
    answer = client.get(f"{API}/offices/{d.office_id}", headers=headers)
    assert answer.status_code in (200, 401), answer.text
    if answer.status_code == 401:
        assert_error(answer, 401, "unauthenticated")
    return answer.status_code == 200


def test_the_owner_changes_their_password_with_the_old_one(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    first = d.user("coord-pw", "coordinator", d.office_id)
    second = bearer(login(client, "coord-pw", PASSWORD))  # another device
    me = user_id(client, first)

    wrong = client.post(f"{API}/users/me/password", headers=first,
                        json={"old_password": "not-my-password", "new_password": "new-pass-2"})
    assert_error(wrong, 403, "wrong_password")
    short = client.post(f"{API}/users/me/password", headers=first,
                        json={"old_password": PASSWORD, "new_password": "short"})
    assert_invalid_input(short, "password")
    assert works(client, d, first) and works(client, d, second)  # nothing changed

    changed = client.post(f"{API}/users/me/password", headers=first,
                          json={"old_password": PASSWORD, "new_password": "new-pass-2"})
    fresh = bearer(changed)
    # Every token from before answers 401 at once, this device's too; the new one works.
    assert not works(client, d, first) and not works(client, d, second)
    assert works(client, d, fresh)
    assert_error(login(client, "coord-pw", PASSWORD), 401, "unauthenticated")
    assert login(client, "coord-pw", "new-pass-2").status_code == 200
    types = [e["type"] for e in trail(client, d, me)]
    assert "User.PasswordChanged" in types and "User.PasswordRejected" in types
    # The passwords themselves are nowhere in the trail.
    assert "new-pass-2" not in str(trail(client, d, me))


def test_a_reset_forces_a_change_before_any_token(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    old = d.user("coord-rs", "coordinator", d.office_id)
    target = user_id(client, old)
    reset = client.post(f"{API}/users/{target}/password-reset", headers=d.admin, json={
        "temporary_password": "temporary-1", "reason": "忘记密码"})
    assert reset.status_code == 200, reset.text
    assert reset.json()["must_change_password"] is True and reset.json()["active"] is True
    assert not works(client, d, old)

    # The right temporary password earns no token; a wrong one is a wrong password.
    assert_error(login(client, "coord-rs", "temporary-1"), 403, "password_change_required")
    assert_error(login(client, "coord-rs", PASSWORD), 401, "unauthenticated")
    step = client.post(f"{API}/auth/password", json={
        "username": "coord-rs", "password": "wrong-temporary", "new_password": "mine-now-1"})
    assert_error(step, 401, "unauthenticated")
    same = client.post(f"{API}/auth/password", json={
        "username": "coord-rs", "password": "temporary-1", "new_password": "temporary-1"})
    assert_invalid_input(same, "password")
    done = client.post(f"{API}/auth/password", json={
        "username": "coord-rs", "password": "temporary-1", "new_password": "mine-now-1"})
    assert works(client, d, bearer(done))
    assert login(client, "coord-rs", "mine-now-1").status_code == 200
    assert_error(login(client, "coord-rs", "temporary-1"), 401, "unauthenticated")

    reset_event = next(e for e in trail(client, d, target) if e["type"] == "User.PasswordReset")
    assert reset_event["actor"]["role"] == "admin" and reset_event["reason"] == "忘记密码"
    assert "temporary-1" not in str(trail(client, d, target))


def test_disable_and_enable_by_an_administrator_of_the_accounts_subtree(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-off", "coordinator", d.office_id)
    target = user_id(client, coordinator)
    branch_admin = d.user("branch-east", "branch_admin", d.branch_id)
    other_branch = client.get(f"{API}/offices/{d.other_office_id}", headers=d.admin).json()
    outsider = d.user("branch-west", "branch_admin", other_branch["parent_id"])

    # Outside the subtree, or a role one may not grant: refused, and nothing changes.
    assert_error(client.post(f"{API}/users/{target}/deactivate", headers=outsider,
                             json={"reason": "x"}), 403, "forbidden")
    assert_error(client.post(f"{API}/users/{target}/deactivate", headers=coordinator,
                             json={"reason": "x"}), 403, "own_account")
    bank_admin_id = user_id(client, d.user("bank-adm", "bank_admin", d.bank_id))
    assert_error(client.post(f"{API}/users/{bank_admin_id}/deactivate", headers=branch_admin,
                             json={"reason": "x"}), 403, "forbidden")
    assert works(client, d, coordinator)
    # The branch administrator's list: their branch's accounts, not the other branch's.
    listed = client.get(f"{API}/users", headers=branch_admin)
    assert listed.status_code == 200
    names = {a["username"]: a for a in listed.json()}
    assert "coord-off" in names and "branch-west" not in names and "root-admin" not in names
    assert names["coord-off"]["active"] is True
    assert_error(client.get(f"{API}/users", headers=coordinator), 403, "forbidden")

    off = client.post(f"{API}/users/{target}/deactivate", headers=branch_admin,
                      json={"reason": "离职"})
    assert off.status_code == 200 and off.json()["active"] is False
    assert not works(client, d, coordinator)
    assert_error(login(client, "coord-off", PASSWORD), 401, "unauthenticated")
    assert_error(client.post(f"{API}/users/{target}/deactivate", headers=branch_admin,
                             json={"reason": "again"}), 409, "invalid_state")
    listed = {a["username"]: a for a in client.get(f"{API}/users", headers=d.admin).json()}
    assert listed["coord-off"]["active"] is False and "root-admin" in listed

    on = client.post(f"{API}/users/{target}/reactivate", headers=branch_admin,
                     json={"reason": "返岗"})
    assert on.status_code == 200 and on.json()["active"] is True
    assert not works(client, d, coordinator)  # the old token stays dead
    assert works(client, d, bearer(login(client, "coord-off", PASSWORD)))
    types = [e["type"] for e in trail(client, d, target)]
    assert types.count("User.Deactivated") == 1 and types.count("User.Reactivated") == 1


def test_no_administrator_can_lock_themselves_or_the_last_one_out(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    me = user_id(client, d.admin)
    for path, body in (("deactivate", {"reason": "x"}),
                       ("password-reset", {"temporary_password": "temporary-1", "reason": "x"}),
                       ("role", {"role": "coordinator", "office_id": d.office_id, "reason": "x"}),
                       ("sessions/revoke", {"reason": "x"})):
        assert_error(client.post(f"{API}/users/{me}/{path}", headers=d.admin, json=body),
                     403, "own_account")
    assert works(client, d, d.admin)
    # A second administrator may disable the first; the one acting is always left.
    client.post(f"{API}/users", headers=d.admin, json={
        "username": "admin-two", "password": PASSWORD, "role": "admin", "office_id": None})
    second = bearer(login(client, "admin-two", PASSWORD))
    assert client.post(f"{API}/users/{me}/deactivate", headers=second,
                       json={"reason": "交接"}).status_code == 200
    assert not works(client, d, d.admin) and works(client, d, second)


def test_a_role_change_takes_effect_at_the_next_request(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-role", "coordinator", d.office_id)
    target = user_id(client, coordinator)
    branch_admin = d.user("branch-r", "branch_admin", d.branch_id)
    # A branch admin grants only coordinators: no promotion to their own rank.
    assert_error(client.post(f"{API}/users/{target}/role", headers=branch_admin, json={
        "role": "branch_admin", "office_id": d.branch_id, "reason": "x"}), 403, "forbidden")
    changed = client.post(f"{API}/users/{target}/role", headers=d.admin, json={
        "role": "auditor", "office_id": d.office_id, "reason": "转岗"})
    assert changed.status_code == 200 and changed.json()["role"] == "auditor"
    assert client.get(f"{API}/users/me", headers=coordinator).json()["role"] == "auditor"
    assert "User.RoleChanged" in [e["type"] for e in trail(client, d, target)]
