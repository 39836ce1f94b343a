"""The contract's Kiosks section through HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict, next_phone
from timebank.security.cards import card_payload

API = "/api/v1"


class KioskWorld:
    """A district with a kiosk, a catalog and a volunteer holding 100 points."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.d = HttpDistrict.build(client)
        self.phone = next_phone()
        self.volunteer = self.d.volunteer(phone=self.phone, name="欧阳娜娜")
        self.d.earn(self.volunteer["id"], 600)  # 100 points
        response = client.post(f"{API}/kiosks", json={"office_id": self.d.office_id,
                                                       "name": "樱花爱心超市 1 号机"},
                               headers=self.d.admin)
        assert response.status_code == 201, response.text
        self.kiosk_id = response.json()["kiosk_id"]
        self.key = {"X-Kiosk-Key": response.json()["api_key"]}
        for sku, name, points, stock in (("RICE-5KG", "大米 5kg", 30, 3), ("HAIRCUT", "理发", 15,
                                                                             10)):
            created = client.post(f"{API}/offices/{self.d.office_id}/catalog",
                                  json={"sku": sku, "name": name, "points": points,
                                        "stock": stock}, headers=self.d.admin)
            assert created.status_code == 201, created.text

    def redeem(self, key: str, items: list[dict[str, Any]], pin: str = "738294",
               passbook: str | None = None, headers: dict[str, str] | None = None) -> Any:
        return self.client.post(
            f"{API}/kiosk/redemptions",
            json={"passbook_no": passbook or self.volunteer["passbook_no"], "pin": pin,
                  "items": items},
            headers={**(headers or self.key), "Idempotency-Key": key},
        )

    def balance(self) -> int:
        return self.client.get(f"{API}/volunteers/{self.volunteer['id']}/passbook",
                               headers=self.d.admin).json()["balance_points"]

    def stock(self) -> dict[str, int]:
        items = self.client.get(f"{API}/kiosk/catalog", headers=self.key).json()
        return {i["sku"]: i["stock"] for i in items}


@pytest.fixture
def world(client: TestClient) -> KioskWorld:
    return KioskWorld(client)


def test_kiosk_sees_its_catalog_and_a_masked_passbook(world: KioskWorld) -> None:
    catalog = world.client.get(f"{API}/kiosk/catalog", headers=world.key)
    assert catalog.status_code == 200
    assert [{k: i[k] for k in ("sku", "name", "points", "stock")} for i in catalog.json()] == [
        {"sku": "HAIRCUT", "name": "理发", "points": 15, "stock": 10},
        {"sku": "RICE-5KG", "name": "大米 5kg", "points": 30, "stock": 3},
    ]
    looked_up = world.client.get(
        f"{API}/kiosk/passbooks/{world.volunteer['passbook_no']}", headers=world.key)
    assert looked_up.json() == {"passbook_no": world.volunteer["passbook_no"],
                                "name_masked": "欧**娜", "balance_points": 100}


def test_a_redemption_moves_points_and_stock_together(world: KioskWorld) -> None:
    response = world.redeem("r-1", [{"sku": "RICE-5KG", "quantity": 2},
                                    {"sku": "HAIRCUT", "quantity": 1}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["points_spent"] == 75 and body["balance_after"] == 25
    assert world.balance() == 25
    assert world.stock() == {"RICE-5KG": 1, "HAIRCUT": 9}
    history = world.client.get(f"{API}/volunteers/{world.volunteer['id']}/redemptions",
                               headers=world.d.admin).json()
    assert [(h["redemption_id"], h["points_spent"], h["status"]) for h in history] == [
        (body["redemption_id"], 75, "completed")]
    rollup = world.client.get(f"{API}/offices/{world.d.bank_id}/rollup",
                              headers=world.d.admin).json()
    assert rollup["totals"]["points_redeemed"] == 75
    assert rollup["totals"]["points_balance"] == 25
    sales = world.client.get(f"{API}/kiosks/{world.kiosk_id}/sales",
                             headers=world.d.admin).json()
    assert [(s["redemptions"], s["points_spent"]) for s in sales] == [(1, 75)]


def test_idempotency_key_is_required_replayed_and_not_reusable(world: KioskWorld) -> None:
    missing = world.client.post(
        f"{API}/kiosk/redemptions",
        json={"passbook_no": world.volunteer["passbook_no"], "pin": "738294",
              "items": [{"sku": "HAIRCUT", "quantity": 1}]}, headers=world.key)
    assert missing.status_code == 400
    assert missing.json()["error"]["code"] == "idempotency_key_required"

    first = world.redeem("same", [{"sku": "HAIRCUT", "quantity": 1}])
    again = world.redeem("same", [{"sku": "HAIRCUT", "quantity": 1}])
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert world.balance() == 85 and world.stock()["HAIRCUT"] == 9

    reused = world.redeem("same", [{"sku": "HAIRCUT", "quantity": 2}])
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert world.balance() == 85 and world.stock()["HAIRCUT"] == 9


def test_insufficient_points_and_stock_exhaustion_change_nothing(world: KioskWorld) -> None:
    too_dear = world.redeem("a", [{"sku": "HAIRCUT", "quantity": 7}])  # 105 > 100
    assert too_dear.status_code == 409
    assert too_dear.json()["error"]["code"] == "insufficient_points"
    assert too_dear.json()["error"]["message_zh"]
    empty = world.redeem("b", [{"sku": "RICE-5KG", "quantity": 4}])  # stock 3
    assert empty.status_code == 409
    assert empty.json()["error"]["code"] == "out_of_stock"
    assert world.balance() == 100
    assert world.stock() == {"RICE-5KG": 3, "HAIRCUT": 10}
    unknown = world.redeem("c", [{"sku": "NOPE", "quantity": 1}])
    assert unknown.status_code == 404


def test_five_wrong_pins_lock_the_passbook(world: KioskWorld) -> None:
    for attempt in range(5):
        wrong = world.redeem(f"w{attempt}", [{"sku": "HAIRCUT", "quantity": 1}], pin="000000")
        assert wrong.status_code == 403, wrong.text
        assert wrong.json()["error"]["code"] == "wrong_pin"
    locked = world.redeem("right-but-locked", [{"sku": "HAIRCUT", "quantity": 1}])
    assert locked.status_code == 423
    assert locked.json()["error"]["code"] == "passbook_locked"
    # The lock-out is the kiosk's: a stranger guessing at the login page cannot cause it,
    # and the volunteer can still log in to their own pages.
    login = world.client.post(f"{API}/auth/volunteer-token",
                              json={"phone": world.phone, "pin": "738294"})
    assert login.status_code == 200
    assert world.balance() == 100


def test_a_right_pin_resets_the_count(world: KioskWorld) -> None:
    for attempt in range(4):
        assert world.redeem(f"w{attempt}", [{"sku": "HAIRCUT", "quantity": 1}],
                            pin="000000").status_code == 403
    assert world.redeem("ok", [{"sku": "HAIRCUT", "quantity": 1}]).status_code == 201
    for attempt in range(4):
        assert world.redeem(f"v{attempt}", [{"sku": "HAIRCUT", "quantity": 1}],
                            pin="000000").status_code == 403
    assert world.redeem("ok2", [{"sku": "HAIRCUT", "quantity": 1}]).status_code == 201


def test_cards_are_signed_and_forged_cards_refused(world: KioskWorld) -> None:
    number = world.volunteer["passbook_no"]
    runtime = world.client.app.state.runtime
    genuine = card_payload(runtime.settings.resolved_secret_key, number)
    assert world.client.get(f"{API}/kiosk/passbooks/{genuine}",
                            headers=world.key).json()["balance_points"] == 100
    assert world.redeem("card", [{"sku": "HAIRCUT", "quantity": 1}],
                        passbook=genuine).status_code == 201
    forged = card_payload("another-secret-entirely-0123456789abcdef", number)
    response = world.client.get(f"{API}/kiosk/passbooks/{forged}", headers=world.key)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_card"
    refused = world.redeem("forged", [{"sku": "HAIRCUT", "quantity": 1}], passbook=forged)
    assert refused.status_code == 400
    assert world.balance() == 85
    png = world.client.get(f"{API}/volunteers/{world.volunteer['id']}/passbook/card.png",
                           headers=world.d.admin)
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_revoked_and_bad_keys_are_refused(world: KioskWorld) -> None:
    assert world.client.get(f"{API}/kiosk/catalog", headers=world.key).status_code == 200
    for headers in ({}, {"X-Kiosk-Key": "tbk_nonsense"}, {"X-Kiosk-Key": world.key[
            "X-Kiosk-Key"][:-2] + "xx"}):
        response = world.client.get(f"{API}/kiosk/catalog", headers=headers)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthenticated"
    revoked = world.client.post(f"{API}/kiosks/{world.kiosk_id}/revoke",
                                json={"reason": "设备丢失"}, headers=world.d.admin)
    assert revoked.status_code == 200 and revoked.json()["revoked"] is True
    assert revoked.json()["last_used_at"] is not None
    after = world.redeem("after-revoke", [{"sku": "HAIRCUT", "quantity": 1}])
    assert after.status_code == 401
    assert world.balance() == 100


def test_a_kiosk_sees_only_its_own_office(world: KioskWorld) -> None:
    other = world.client.post(f"{API}/kiosks", json={"office_id": world.d.other_office_id,
                                                     "name": "松林 1 号机"},
                              headers=world.d.admin).json()
    other_key = {"X-Kiosk-Key": other["api_key"]}
    assert world.client.get(f"{API}/kiosk/catalog", headers=other_key).json() == []
    response = world.redeem("x", [{"sku": "HAIRCUT", "quantity": 1}], headers=other_key)
    assert response.status_code == 404
    assert world.balance() == 100


def test_cancellation_returns_points_and_stock(world: KioskWorld) -> None:
    made = world.redeem("c1", [{"sku": "RICE-5KG", "quantity": 1}]).json()
    cancelled = world.client.post(f"{API}/kiosk/redemptions/{made['redemption_id']}/cancel",
                                  json={"reason": "顾客改主意"}, headers=world.key)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json() == {"redemption_id": made["redemption_id"], "status": "cancelled",
                                "points_returned": 30, "balance_after": 100}
    assert world.balance() == 100 and world.stock()["RICE-5KG"] == 3
    twice = world.client.post(f"{API}/kiosk/redemptions/{made['redemption_id']}/cancel",
                              headers=world.key)
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "already_cancelled"
    assert world.balance() == 100

    # Staff may cancel too; another kiosk may not.
    second = world.redeem("c2", [{"sku": "HAIRCUT", "quantity": 1}]).json()
    other = world.client.post(f"{API}/kiosks", json={"office_id": world.d.office_id,
                                                     "name": "2 号机"},
                              headers=world.d.admin).json()
    refused = world.client.post(f"{API}/kiosk/redemptions/{second['redemption_id']}/cancel",
                                headers={"X-Kiosk-Key": other["api_key"]})
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "cancel_not_allowed"
    by_staff = world.client.post(f"{API}/kiosk/redemptions/{second['redemption_id']}/cancel",
                                 json={"reason": "退货"}, headers=world.d.admin)
    assert by_staff.status_code == 200
    sales = world.client.get(f"{API}/kiosks/{world.kiosk_id}/sales",
                             headers=world.d.admin).json()
    assert [(s["redemptions"], s["cancellations"], s["points_spent"], s["points_returned"])
            for s in sales] == [(2, 2, 45, 45)]


def test_offline_batch_is_applied_in_order_once(world: KioskWorld) -> None:
    number = world.volunteer["passbook_no"]
    batch = {"redemptions": [
        {"sequence": 12, "passbook_no": number, "pin": "738294",
         "items": [{"sku": "HAIRCUT", "quantity": 1}], "occurred_at":
         "2026-11-20T10:00:00+08:00"},
        {"sequence": 10, "passbook_no": number, "pin": "738294",
         "items": [{"sku": "HAIRCUT", "quantity": 2}]},
        {"sequence": 11, "passbook_no": number, "pin": "738294",
         "items": [{"sku": "RICE-5KG", "quantity": 2}]},
    ]}
    first = world.client.post(f"{API}/kiosk/redemptions/batch", json=batch, headers=world.key)
    assert first.status_code == 200, first.text
    results = first.json()["results"]
    assert [(r["sequence"], r["status"]) for r in results] == [
        (10, "applied"), (11, "applied"), (12, "refused")]
    assert results[0]["balance_after"] == 70 and results[1]["balance_after"] == 10
    assert results[2]["error"]["code"] == "insufficient_points"

    replay = world.client.post(f"{API}/kiosk/redemptions/batch", json=batch, headers=world.key)
    again = replay.json()["results"]
    assert [(r["sequence"], r["status"]) for r in again] == [
        (10, "already_applied"), (11, "already_applied"), (12, "refused")]
    assert again[0]["redemption_id"] == results[0]["redemption_id"]
    assert world.balance() == 10 and world.stock() == {"RICE-5KG": 1, "HAIRCUT": 8}

    changed = {"redemptions": [{**batch["redemptions"][1], "items": [{"sku": "HAIRCUT",
                                                                      "quantity": 1}]}]}
    clash = world.client.post(f"{API}/kiosk/redemptions/batch", json=changed,
                              headers=world.key).json()["results"]
    assert clash[0]["status"] == "refused"
    assert clash[0]["error"]["code"] == "idempotency_key_reused"
    assert "/api/v1/kiosk/redemptions/batch" in world.client.get("/openapi.json").json()["paths"]


def test_restock_and_reprice_are_events_on_the_catalog(world: KioskWorld) -> None:
    office = world.d.office_id
    patched = world.client.patch(f"{API}/offices/{office}/catalog/RICE-5KG",
                                 json={"restock": 5, "points": 40}, headers=world.d.admin)
    assert patched.status_code == 200, patched.text
    assert (patched.json()["stock"], patched.json()["points"]) == (8, 40)
    counted = world.client.patch(f"{API}/offices/{office}/catalog/RICE-5KG",
                                 json={"stock": 6, "reason": "盘点"}, headers=world.d.admin)
    assert counted.json()["stock"] == 6
    off = world.client.patch(f"{API}/offices/{office}/catalog/HAIRCUT", json={"active": False},
                             headers=world.d.admin)
    assert off.json()["active"] is False
    assert world.stock() == {"RICE-5KG": 6}
    refused = world.redeem("h", [{"sku": "HAIRCUT", "quantity": 1}])
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "item_unavailable"
    dup = world.client.post(f"{API}/offices/{office}/catalog",
                            json={"sku": "RICE-5KG", "name": "x", "points": 1, "stock": 1},
                            headers=world.d.admin)
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "sku_taken"
