"""Kiosk keys rotated with a grace period: the domain's bookkeeping and the key check
as the application makes it, on the in-memory store (HTTP: tests/api/test_kiosk_key_rotation.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from tests.helpers import District
from tests.memory import memory_app
from timebank.application import TimebankApp
from timebank.application import kiosks as kiosk_services
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.domain.kiosks import MAX_RETIRED_KEYS, Kiosk

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
ACTOR = {"kind": "user", "id": "u1"}


def kiosk() -> Kiosk:
    return Kiosk(id=uuid4(), office_id=uuid4(), name="1 号机", key_hash="h0", actor=ACTOR)


def test_a_rotation_keeps_the_replaced_key_until_its_grace_ends() -> None:
    k = kiosk()
    k.rotate_key("h1", T0, timedelta(hours=24), ACTOR, "vendor update")
    assert k.key_hash == "h1"
    assert k.accepted_key_hashes(T0 + timedelta(hours=23)) == ["h1", "h0"]
    assert k.accepted_key_hashes(T0 + timedelta(hours=24)) == ["h1"]
    assert k.replaced_keys_valid_until(T0) == T0 + timedelta(hours=24)
    assert k.replaced_keys_valid_until(T0 + timedelta(hours=25)) is None
    rotated = k.collect_events()[-1]
    assert isinstance(rotated, Kiosk.KeyRotated)
    assert (rotated.key_hash, rotated.replaced_valid_until, rotated.reason) == (
        "h1", T0 + timedelta(hours=24), "vendor update")


def test_no_grace_ends_the_replaced_key_at_once() -> None:
    k = kiosk()
    k.rotate_key("h1", T0, timedelta(0), ACTOR, "key leaked")
    assert k.accepted_key_hashes(T0) == ["h1"]
    assert k.retired_keys == []


def test_replaced_keys_are_bounded_and_expired_ones_dropped() -> None:
    k = kiosk()
    for n in range(1, 6):
        k.rotate_key(f"h{n}", T0 + timedelta(minutes=n), timedelta(days=7), ACTOR, "")
    assert len(k.retired_keys) == MAX_RETIRED_KEYS
    assert k.accepted_key_hashes(T0 + timedelta(hours=1)) == ["h5", "h2", "h3", "h4"]
    k.rotate_key("h6", T0 + timedelta(days=8), timedelta(hours=1), ACTOR, "")
    assert [h for h, _ in k.retired_keys] == ["h5"]  # the others' grace had ended


def test_a_revocation_ends_every_key_and_refuses_rotation() -> None:
    k = kiosk()
    k.rotate_key("h1", T0, timedelta(days=1), ACTOR, "")
    k.revoke(ACTOR, "stolen")
    assert k.accepted_key_hashes(T0) == []
    with pytest.raises(DomainError) as exc:
        k.rotate_key("h2", T0, timedelta(0), ACTOR, "")
    assert exc.value.code == "invalid_state"


@pytest.mark.parametrize("grace", [timedelta(seconds=-1), timedelta(days=7, seconds=1)])
def test_a_grace_out_of_range_is_refused(grace: timedelta) -> None:
    k = kiosk()
    with pytest.raises(DomainError) as exc:
        k.rotate_key("h1", T0, grace, ACTOR, "")
    assert (exc.value.code, exc.value.context["field"]) == ("invalid_input", "grace_hours")
    assert k.key_hash == "h0"


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clocked(monkeypatch: pytest.MonkeyPatch) -> tuple[TimebankApp, District, Clock]:
    clock = Clock(T0)
    monkeypatch.setattr(kiosk_services, "utc_now", clock)
    app = memory_app()
    return app, District.build(app), clock


def test_the_application_accepts_old_and_new_keys_within_the_grace_only(clocked) -> None:
    app, d, clock = clocked
    k, old_key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
    _, new_key = app.rotate_kiosk_key(SYSTEM, k.id, timedelta(hours=2), "vendor update")
    assert new_key != old_key
    assert app.authenticate_kiosk(new_key).id == str(k.id)
    assert app.authenticate_kiosk(old_key).id == str(k.id)
    clock.now = T0 + timedelta(hours=2)
    with pytest.raises(DomainError) as exc:
        app.authenticate_kiosk(old_key)
    assert exc.value.code == "unauthenticated"
    assert app.authenticate_kiosk(new_key).id == str(k.id)


def test_a_revoked_kiosk_accepts_neither_key(clocked) -> None:
    app, d, _clock = clocked
    k, old_key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
    _, new_key = app.rotate_kiosk_key(SYSTEM, k.id, timedelta(hours=2), "")
    app.revoke_kiosk(SYSTEM, k.id, "stolen")
    for key in (old_key, new_key):
        with pytest.raises(DomainError):
            app.authenticate_kiosk(key)
