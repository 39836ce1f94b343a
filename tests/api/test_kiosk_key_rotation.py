"""Rotating a kiosk's key through HTTP, on SQLite and PostgreSQL: the new key is shown once,
the replaced one keeps working for the grace asked, and nothing else changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api.test_kiosks import API, KioskWorld


@pytest.fixture
def world(client: TestClient) -> KioskWorld:
    return KioskWorld(client)


def rotate(world: KioskWorld, headers: dict[str, str] | None = None, **body: object):
    return world.client.post(f"{API}/kiosks/{world.kiosk_id}/key-rotation", json=body,
                             headers=headers or world.d.admin)


def catalog_status(world: KioskWorld, key: str) -> int:
    return world.client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": key}).status_code


def test_both_keys_work_during_the_grace_and_the_kiosk_says_until_when(world) -> None:
    old_key = world.key["X-Kiosk-Key"]
    before = datetime.now().astimezone()
    response = rotate(world, grace_hours=24, reason="vendor update")
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["kiosk_id"] == world.kiosk_id
    new_key = body["api_key"]
    assert new_key != old_key and new_key.startswith("tbk_")
    until = datetime.fromisoformat(body["replaced_keys_valid_until"])
    assert before + timedelta(hours=24) <= until <= before + timedelta(hours=24, minutes=5)
    assert catalog_status(world, old_key) == 200
    assert catalog_status(world, new_key) == 200
    # A redemption with the new key spends the points as before.
    redeemed = world.redeem("rot-1", [{"sku": "HAIRCUT", "quantity": 1}],
                            headers={"X-Kiosk-Key": new_key})
    assert redeemed.status_code == 201, redeemed.text
    assert world.balance() == 85
    read = world.client.get(f"{API}/kiosks/{world.kiosk_id}", headers=world.d.admin).json()
    assert read["revoked"] is False
    assert datetime.fromisoformat(read["replaced_keys_valid_until"]) == until
    # The key itself is never stored or shown again.
    assert new_key not in world.client.get(
        f"{API}/kiosks/{world.kiosk_id}", headers=world.d.admin).text


def test_no_grace_ends_the_replaced_key_at_once(world: KioskWorld) -> None:
    old_key = world.key["X-Kiosk-Key"]
    response = rotate(world, grace_hours=0, reason="key leaked")
    assert response.status_code == 201, response.text
    assert response.json()["replaced_keys_valid_until"] is None
    refused = world.client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": old_key})
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert catalog_status(world, response.json()["api_key"]) == 200


def test_a_revocation_ends_the_replaced_key_too(world: KioskWorld) -> None:
    old_key = world.key["X-Kiosk-Key"]
    new_key = rotate(world, grace_hours=24).json()["api_key"]
    revoked = world.client.post(f"{API}/kiosks/{world.kiosk_id}/revoke",
                                json={"reason": "stolen"}, headers=world.d.admin)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["replaced_keys_valid_until"] is None
    assert catalog_status(world, old_key) == 401
    assert catalog_status(world, new_key) == 401
    again = rotate(world, grace_hours=0)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "invalid_state"


@pytest.mark.parametrize("grace", [-1, 169, "24"])
def test_a_grace_out_of_range_is_refused_and_changes_nothing(world, grace) -> None:
    old_key = world.key["X-Kiosk-Key"]
    response = rotate(world, grace_hours=grace)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_input"
    assert "grace_hours" in response.text
    assert catalog_status(world, old_key) == 200
    read = world.client.get(f"{API}/kiosks/{world.kiosk_id}", headers=world.d.admin).json()
    assert read["replaced_keys_valid_until"] is None


def test_only_staff_over_the_kiosks_office_may_rotate(world: KioskWorld) -> None:
    elsewhere = world.d.user("coord-elsewhere", "coordinator", world.d.other_office_id)
    refused = rotate(world, headers=elsewhere, grace_hours=0)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    assert catalog_status(world, world.key["X-Kiosk-Key"]) == 200
    by_kiosk = world.client.post(f"{API}/kiosks/{world.kiosk_id}/key-rotation",
                                 json={"grace_hours": 0}, headers=world.key)
    assert by_kiosk.status_code == 401
    missing = world.client.post(f"{API}/kiosks/00000000-0000-0000-0000-000000000000/key-rotation",
                                json={"grace_hours": 0}, headers=world.d.admin)
    assert missing.status_code == 404
