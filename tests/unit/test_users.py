"""Staff accounts: the id is derived from the username, so usernames are unique by construction."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import user_id_for
from timebank.domain.users import ROLES, User, normalise_username

ACTOR: dict[str, Any] = SYSTEM.record()
OFFICE_ID = uuid.UUID("11111111-1111-4111-8111-111111111111")


def create(username: str = "li.ming", role: str = "coordinator") -> User:
    return User(username=username, password_hash="hash-1", role=role, office_id=OFFICE_ID,
                actor=ACTOR)


@pytest.mark.parametrize(
    ("raw", "username"),
    [("Li.Ming", "li.ming"), ("  admin_01 ", "admin_01"), ("a-b", "a-b"), ("9" * 64, "9" * 64)],
)
def test_normalise_username_lowercases_and_trims(raw: str, username: str) -> None:
    assert normalise_username(raw) == username


@pytest.mark.parametrize("raw", ["", "ab", "_abc", ".abc", "li ming", "李明明", "a" * 65, None])
def test_normalise_username_refuses_bad_usernames(raw: str | None) -> None:
    with pytest.raises(DomainError) as caught:
        normalise_username(raw)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_input"


def test_creating_a_user_records_created_under_the_id_of_the_username() -> None:
    user = create()

    [created] = user.collect_events()
    assert isinstance(created, User.Created)
    assert created.originator_id == user_id_for("li.ming")
    assert (created.username, created.password_hash, created.role, created.office_id) == (
        "li.ming", "hash-1", "coordinator", OFFICE_ID,
    )
    assert created.actor == ACTOR
    assert user.active


def test_the_same_username_in_any_case_gives_the_same_id() -> None:
    assert create("LI.MING").id == create("li.ming").id == user_id_for(" Li.Ming ")
    assert create("li.ming").id != create("li.hong").id


@pytest.mark.parametrize("role", ROLES)
def test_every_known_role_can_be_given(role: str) -> None:
    assert create(role=role).role == role


@pytest.mark.parametrize("role", ["superuser", "", "Admin", "volunteer"])
def test_an_unknown_role_is_refused(role: str) -> None:
    with pytest.raises(DomainError) as caught:
        create(role=role)
    assert caught.value.code == "invalid_role"


def test_changing_the_password_records_password_changed() -> None:
    user = create()
    user.collect_events()

    user.change_password("hash-2", ACTOR)

    [changed] = user.collect_events()
    assert isinstance(changed, User.PasswordChanged)
    assert changed.password_hash == "hash-2"
    assert user.password_hash == "hash-2"


def test_deactivating_records_deactivated_once() -> None:
    user = create()
    user.collect_events()

    user.deactivate(ACTOR, "left the office")

    [deactivated] = user.collect_events()
    assert isinstance(deactivated, User.Deactivated)
    assert deactivated.reason == "left the office"
    assert not user.active
    with pytest.raises(DomainError) as caught:
        user.deactivate(ACTOR, "again")
    assert caught.value.code == "invalid_state"
    assert user.collect_events() == []


def test_an_actor_records_a_plain_form_for_events() -> None:
    actor = Actor(kind="user", id="u1", role="admin", office_id=OFFICE_ID, request_id="r1")
    assert actor.is_admin
    assert actor.record() == {
        "kind": "user", "id": "u1", "role": "admin", "office_id": str(OFFICE_ID),
        "request_id": "r1",
    }
    assert not Actor(kind="kiosk", id="k1", role="admin").is_admin
    assert not Actor(kind="user", id="u2", role="coordinator").is_admin
