"""Administration from the pages: offices opened, renamed and closed; staff accounts created;
point rules changed; kiosks registered (the key shown once) and revoked; the catalog added
to, repriced, restocked and counted — each through the same commands as the API."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login
from tests.helpers import HttpDistrict, staff_token

API = "/api/v1"
PASSWORD = "admin-page-pass-1"


def test_offices_and_staff_from_the_administrator_s_screen(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("tree-bank", "bank_admin", d.bank_id, password=PASSWORD)
    staff_login(client, "tree-bank", PASSWORD)
    page = client.get("/staff/admin")
    assert page.status_code == 200 and "东湖街道分行" in page.text and "街道分行" in page.text
    csrf = csrf_of(page.text)
    opened = client.post("/staff/admin", data={"csrf": csrf, "action": "open",
                                               "parent_id": d.branch_id, "name": "梅园社区储蓄所"},
                         follow_redirects=False)
    assert opened.status_code == 303
    shown = client.get(opened.headers["location"])
    assert "机构已设立" in shown.text and "梅园社区储蓄所" in shown.text
    tree = client.get(f"{API}/offices/{d.branch_id}/rollup", headers=d.admin).json()
    new_office = next(c["office_id"] for c in tree["children"]
                      if c["office_id"] != d.office_id)
    assert client.get(f"{API}/offices/{new_office}", headers=d.admin).json()["kind"] == (
        "savings_office")
    client.post("/staff/admin", data={"csrf": csrf, "action": "rename", "office_id": new_office,
                                      "name": "梅园社区储蓄所（新址）", "reason": "搬迁"})
    assert client.get(f"{API}/offices/{new_office}",
                      headers=d.admin).json()["name"] == "梅园社区储蓄所（新址）"
    created = client.post("/staff/admin", data={
        "csrf": csrf, "action": "staff", "username": "meiyuan-coord",
        "password": "first-pass-123", "role": "coordinator", "office_id": new_office},
        follow_redirects=False)
    assert "done=staff_created" in created.headers["location"]
    assert staff_token(client, "meiyuan-coord", "first-pass-123")
    closed = client.post("/staff/admin", data={"csrf": csrf, "action": "close",
                                               "office_id": new_office, "reason": "合并"},
                         follow_redirects=False)
    assert closed.status_code == 303
    assert client.get(f"{API}/offices/{new_office}", headers=d.admin).json()["closed"] is True
    # A bank admin cannot open a bank: refused on the page, nothing opened.
    refused = client.post("/staff/admin", data={"csrf": csrf, "action": "open",
                                                "parent_id": "", "name": "另一家银行"})
    assert refused.status_code == 403 and "超出您的角色" in refused.text
    assert "另一家银行" in refused.text  # the form keeps what was typed
    d.user("tree-coord", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "tree-coord", PASSWORD)
    assert client.get("/staff/admin").status_code == 403


def test_point_rules_change_from_the_page(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("rules-bank", "bank_admin", d.bank_id, password=PASSWORD)
    staff_login(client, "rules-bank", PASSWORD)
    page = client.get("/staff/admin/rules", params={"bank_id": d.bank_id})
    assert page.status_code == 200 and "助老服务" in page.text and "立即生效" in page.text
    changed = client.post("/staff/admin/rules", data={
        "csrf": csrf_of(page.text), "bank_id": d.bank_id, "points_per_hour": "12",
        "m_elderly_care": "1.5", "m_education": ""}, follow_redirects=False)
    assert changed.status_code == 303
    rules = client.get(f"{API}/offices/{d.bank_id}/point-rules", headers=d.admin).json()
    assert rules["points_per_hour"] == 12
    assert rules["category_multipliers"] == {"elderly_care": "1.5"}
    bad = client.post("/staff/admin/rules", data={
        "csrf": csrf_of(page.text), "bank_id": d.bank_id, "points_per_hour": "12",
        "m_elderly_care": "lots"})
    assert bad.status_code == 422
    assert client.get(f"{API}/offices/{d.bank_id}/point-rules",
                      headers=d.admin).json()["points_per_hour"] == 12


def test_kiosks_and_catalog_from_the_shop_screen(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("shop-coord", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "shop-coord", PASSWORD)
    page = client.get("/staff/shop")
    assert page.status_code == 200 and "还没有兑换终端" in page.text
    csrf = csrf_of(page.text)
    registered = client.post("/staff/shop", data={"csrf": csrf, "action": "kiosk",
                                                  "office_id": d.office_id, "name": "一号机"})
    key = re.search(r'<div class="notice ok" role="status" id="new-key">.*?<code>([^<]+)</code>',
                    registered.text, re.S).group(1)
    assert "只显示这一次" in registered.text
    assert key not in client.get("/staff/shop").text  # shown once, never again
    listed = client.post("/staff/shop", data={"csrf": csrf, "action": "item",
                                              "office_id": d.office_id, "sku": "RICE",
                                              "name": "大米", "points": "12", "stock": "5"},
                         follow_redirects=False)
    assert listed.status_code == 303
    catalog = client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": key}).json()
    assert [(i["sku"], i["name"], i["points"], i["stock"]) for i in catalog] == [
        ("RICE", "大米", 12, 5)]
    client.post("/staff/shop", data={"csrf": csrf, "action": "update", "office_id": d.office_id,
                                     "sku": "RICE", "points": "10", "restock": "3"})
    counted = client.post("/staff/shop", data={"csrf": csrf, "action": "update",
                                               "office_id": d.office_id, "sku": "RICE",
                                               "stock": "7", "reason": "盘点少一袋"},
                          follow_redirects=False)
    assert counted.status_code == 303, counted.text
    catalog = client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": key}).json()
    assert [(i["sku"], i["points"], i["stock"]) for i in catalog] == [("RICE", 10, 7)]
    kiosk_id = re.search(r'name="kiosk_id" value="([^"]+)"',
                         client.get("/staff/shop").text).group(1)
    client.post("/staff/shop", data={"csrf": csrf, "action": "revoke", "office_id": d.office_id,
                                     "kiosk_id": kiosk_id, "reason": "设备丢失"})
    assert client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": key}).status_code == 401
    assert "已停用" in client.get("/staff/shop").text


def test_a_kiosk_key_rotated_from_the_shop_screen(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("rotate-coord", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "rotate-coord", PASSWORD)
    csrf = csrf_of(client.get("/staff/shop").text)
    registered = client.post("/staff/shop", data={"csrf": csrf, "action": "kiosk",
                                                  "office_id": d.office_id, "name": "一号机"})
    new_key_of = re.compile(r'id="new-key">.*?<code>([^<]+)</code>', re.S)
    old_key = new_key_of.search(registered.text).group(1)
    kiosk_id = re.search(r'name="kiosk_id" value="([^"]+)"', registered.text).group(1)
    rotated = client.post("/staff/shop", data={"csrf": csrf, "action": "rotate",
                                               "office_id": d.office_id, "kiosk_id": kiosk_id,
                                               "grace_hours": "2", "reason": "换新终端"})
    assert rotated.status_code == 200, rotated.text
    new_key = new_key_of.search(rotated.text).group(1)
    assert new_key != old_key and "新 API 密钥只显示这一次" in rotated.text
    assert re.search(r"旧密钥 在 \d{4}-\d\d-\d\d \d\d:\d\d 前仍可使用", rotated.text)
    for key in (old_key, new_key):
        assert client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": key}).status_code == 200
    assert new_key not in client.get("/staff/shop").text  # shown once, never again
    leaked = client.post("/staff/shop", data={"csrf": csrf, "action": "rotate",
                                              "office_id": d.office_id, "kiosk_id": kiosk_id,
                                              "grace_hours": "0"})
    assert "旧密钥 已失效" in leaked.text
    latest = new_key_of.search(leaked.text).group(1)
    # The key replaced without grace stops at once; the one replaced before keeps its grace.
    assert client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": new_key}).status_code == 401
    assert client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": old_key}).status_code == 200
    assert client.get(f"{API}/kiosk/catalog", headers={"X-Kiosk-Key": latest}).status_code == 200
    refused = client.post("/staff/shop", data={"csrf": csrf, "action": "rotate",
                                               "office_id": d.office_id, "kiosk_id": kiosk_id,
                                               "grace_hours": "500"})
    assert refused.status_code == 422 and "grace_hours" in refused.text
