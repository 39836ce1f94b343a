"""Sessions (issue 17, item 1): every login opens one on the account; the owner lists them
(when, the network and browser) and ends one, or all; a logout ends the token's own; an
administrator ends every session of a staff account in their subtree."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_error
from tests.helpers import HttpDistrict

PASSWORD = "correct-horse-1"


def staff_login(client: TestClient, agent: str) -> dict[str, str]:
    answer = client.post(f"{API}/auth/token", data={"username": "coord-s", "password": PASSWORD},
                         headers={"User-Agent": agent})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def test_the_owner_sees_and_ends_their_sessions(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-s", "coordinator", d.office_id)
    phone = staff_login(client, "Mozilla/5.0 (iPhone) phone")
    laptop = staff_login(client, "Mozilla/5.0 (X11; Linux) laptop")
    listed = client.get(f"{API}/sessions", headers=laptop)
    assert listed.status_code == 200
    sessions = listed.json()
    agents = [s["user_agent"] for s in sessions]
    assert agents[:2] == ["Mozilla/5.0 (X11; Linux) laptop", "Mozilla/5.0 (iPhone) phone"]
    assert [s["current"] for s in sessions[:2]] == [True, False]
    assert all(s["opened_at"] < s["expires_at"] for s in sessions)

    phone_session = sessions[1]["session_id"]
    ended = client.post(f"{API}/sessions/{phone_session}/revoke", headers=laptop)
    assert ended.status_code == 204
    assert_error(client.get(f"{API}/offices/{d.office_id}", headers=phone), 401,
                 "unauthenticated")
    assert client.get(f"{API}/offices/{d.office_id}", headers=laptop).status_code == 200
    assert_error(client.post(f"{API}/sessions/{phone_session}/revoke", headers=laptop),
                 404, "not_found")

    # A logout ends this token's session only.
    tablet = staff_login(client, "tablet")
    assert client.post(f"{API}/auth/logout", headers=laptop).status_code == 204
    assert_error(client.get(f"{API}/sessions", headers=laptop), 401, "unauthenticated")
    assert client.get(f"{API}/offices/{d.office_id}", headers=tablet).status_code == 200
    # Signing out everywhere ends the rest, this one included.
    other = staff_login(client, "desk")
    assert client.post(f"{API}/sessions/revoke-all", headers=tablet).status_code == 204
    for headers in (tablet, other):
        assert client.get(f"{API}/offices/{d.office_id}", headers=headers).status_code == 401

    me = client.get(f"{API}/users/me", headers=staff_login(client, "x")).json()["id"]
    types = [e["type"] for e in client.get(f"{API}/audit/events", headers=d.admin, params={
        "aggregate_id": me, "limit": 1000}).json()]
    assert types.count("User.SessionOpened") == 6
    assert types.count("User.SessionClosed") == 2 and types.count("User.SessionsRevoked") == 1


def test_a_volunteer_ends_sessions_and_cannot_end_anothers(client: TestClient) -> None:
    b = Bank(client)
    alice, bob = b.volunteer(), b.volunteer()
    sessions = client.get(f"{API}/sessions", headers=alice["headers"]).json()
    assert len(sessions) == 1 and sessions[0]["current"] is True
    bobs = client.get(f"{API}/sessions", headers=bob["headers"]).json()[0]["session_id"]
    assert_error(client.post(f"{API}/sessions/{bobs}/revoke", headers=alice["headers"]),
                 404, "not_found")
    assert client.get(f"{API}/sessions", headers=bob["headers"]).status_code == 200


def test_an_administrator_ends_a_staff_members_sessions(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-s", "coordinator", d.office_id)
    target = client.get(f"{API}/users/me", headers=coordinator).json()["id"]
    seen = client.get(f"{API}/users/{target}/sessions", headers=d.admin)
    assert seen.status_code == 200 and len(seen.json()) == 1
    assert_error(client.get(f"{API}/users/{target}/sessions", headers=coordinator), 403,
                 "own_account")
    ended = client.post(f"{API}/users/{target}/sessions/revoke", headers=d.admin,
                        json={"reason": "手机遗失"})
    assert ended.status_code == 200
    assert client.get(f"{API}/offices/{d.office_id}", headers=coordinator).status_code == 401
    assert client.get(f"{API}/users/{target}/sessions", headers=d.admin).json() == []
