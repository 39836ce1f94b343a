"""Contract "Offices ... and staff": POST /users, who may grant which role, and where."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api._support import API, Bank, assert_error, assert_invalid_input, assert_refused
from tests.helpers import bearer, staff_token


def create_user(client: TestClient, headers: dict[str, str], username: str, role: str,
                office_id: str | None, password: str = "correct-horse-1") -> Any:
    return client.post(f"{API}/users", json={"username": username, "password": password,
                                             "role": role, "office_id": office_id},
                       headers=headers)


def test_admin_creates_each_staff_role_and_each_can_log_in(client: TestClient) -> None:
    b = Bank(client)
    ids = set()
    for role, office in (("coordinator", b.d.office_id), ("branch_admin", b.d.branch_id),
                         ("bank_admin", b.d.bank_id), ("treasurer", b.d.bank_id),
                         ("auditor", b.d.bank_id)):
        response = create_user(client, b.admin, f"user-{role.replace('_', '-')}", role, office)
        assert response.status_code == 201, response.text
        assert set(response.json()) == {"id"}
        ids.add(response.json()["id"])
        token = staff_token(client, f"user-{role.replace('_', '-')}", "correct-horse-1")
        # Everyone can read the totals of the office they were given.
        rollup = client.get(f"{API}/offices/{office}/rollup", headers=bearer(token))
        assert rollup.status_code == 200, (role, rollup.text)
    assert len(ids) == 5


def test_branch_admin_grants_coordinators_in_their_branch_only(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    branch_admin = b.staff("branch-admin", "branch_admin", d.branch_id)
    ok = create_user(client, branch_admin, "new-coord", "coordinator", d.office_id)
    assert ok.status_code == 201, ok.text
    coordinator = bearer(staff_token(client, "new-coord", "correct-horse-1"))
    volunteer = b.volunteer()
    assert b.approve(b.pending(volunteer["id"], 60), headers=coordinator).status_code == 200

    forbidden = [
        ("want-bank-admin", "bank_admin", d.bank_id),
        ("want-bank-admin2", "bank_admin", d.branch_id),
        ("want-branch-admin", "branch_admin", d.branch_id),
        ("want-treasurer", "treasurer", d.branch_id),
        ("want-admin", "admin", None),
        ("want-far-coord", "coordinator", d.other_office_id),
        ("want-far-coord2", "coordinator", b.other_branch_id),
    ]
    for username, role, office in forbidden:
        response = create_user(client, branch_admin, username, role, office)
        assert_error(response, 403, "forbidden")
    # A refused request changed nothing: each name is still free for an administrator.
    for username, _role, _office in forbidden:
        again = create_user(client, b.admin, username, "auditor", d.bank_id)
        assert again.status_code == 201, again.text


def test_bank_admin_grants_within_their_bank_but_not_admin(client: TestClient) -> None:
    b = Bank(client)
    d = b.d
    bank_admin = b.staff("bank-admin", "bank_admin", d.bank_id)
    for username, role, office in (("b-admin-2", "bank_admin", d.bank_id),
                                   ("br-admin", "branch_admin", b.other_branch_id),
                                   ("coord-x", "coordinator", d.other_office_id),
                                   ("treas", "treasurer", d.bank_id),
                                   ("audit", "auditor", d.branch_id)):
        response = create_user(client, bank_admin, username, role, office)
        assert response.status_code == 201, (role, response.text)

    other_bank = client.post(f"{API}/offices", json={"name": "邻区公益银行", "kind": "bank",
                                                     "parent_id": None}, headers=b.admin)
    assert other_bank.status_code == 201
    assert_error(create_user(client, bank_admin, "root-2", "admin", None), 403, "forbidden")
    assert_error(create_user(client, bank_admin, "root-3", "admin", d.bank_id), 403, "forbidden")
    assert_error(create_user(client, bank_admin, "far-away", "coordinator",
                             other_bank.json()["id"]), 403, "forbidden")


def test_coordinators_treasurers_auditors_and_volunteers_grant_nothing(
    client: TestClient,
) -> None:
    b = Bank(client)
    d = b.d
    callers = [
        b.staff("coord", "coordinator", d.office_id),
        b.staff("treasurer", "treasurer", d.bank_id),
        b.staff("auditor", "auditor", d.bank_id),
        b.volunteer()["headers"],
    ]
    for number, caller in enumerate(callers):
        response = create_user(client, caller, f"minion-{number}", "coordinator", d.office_id)
        assert_error(response, 403, "forbidden")


def test_usernames_are_unique_whatever_their_case(client: TestClient) -> None:
    b = Bank(client)
    first = create_user(client, b.admin, "li.wei", "coordinator", b.d.office_id)
    assert first.status_code == 201, first.text
    for name in ("li.wei", "Li.Wei", " LI.WEI "):
        response = create_user(client, b.admin, name, "treasurer", b.d.bank_id,
                               password="another-password")
        assert_error(response, 409, "username_taken")
    # The first account is untouched: its password still works, the other one does not.
    assert staff_token(client, "li.wei", "correct-horse-1")
    login = client.post(f"{API}/auth/token",
                        data={"username": "li.wei", "password": "another-password"})
    assert login.status_code == 401


def test_user_body_is_validated(client: TestClient) -> None:
    b = Bank(client)
    assert_refused(create_user(client, b.admin, "shorty", "coordinator", b.d.office_id,
                               password="short"), "invalid_password", "password")
    assert_invalid_input(create_user(client, b.admin, "kingly", "king", b.d.office_id), "role")
    assert_invalid_input(
        client.post(f"{API}/users", json={"username": "nopass", "role": "coordinator",
                                          "office_id": b.d.office_id}, headers=b.admin),
        "password",
    )
    # Staff other than system administrators belong to an office.
    assert_error(create_user(client, b.admin, "homeless", "coordinator", None), 422,
                 "invalid_input")
    for username in ("shorty", "kingly", "nopass", "homeless"):
        again = create_user(client, b.admin, username, "auditor", b.d.bank_id)
        assert again.status_code == 201, again.text
