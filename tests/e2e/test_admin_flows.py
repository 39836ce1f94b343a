"""Administration from the pages on every display: a bank administrator announces a change of
point rules ahead and withdraws it; a coordinator registers a kiosk (its key shown once) and
puts an item on the shelf — each checked through the running server's application."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect

from tests.e2e._support import ON_EVERY_DISPLAY, Display, page_problems, screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import BANK_ADMIN, COORDINATOR, World
from timebank.domain.errors import DomainError
from timebank.domain.kiosks import Kiosk
from timebank.domain.values import SHANGHAI

pytestmark = ON_EVERY_DISPLAY


def test_a_bank_administrator_announces_a_rule_change_and_withdraws_it(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    staff_login(page, BANK_ADMIN, "/staff")  # the bank's rollup, its settings one link away
    page.locator("#bank-settings").get_by_role("link", name=display.word("积分规则")).click()
    expect(page.locator("h1")).to_have_text(display.t("示范区公益银行 的积分规则",
                                                      "Point rules of 示范区公益银行"))
    expect(page.locator("#rules-in-force")).to_contain_text("10")
    expect(page.locator("#announced-none")).to_be_visible()
    start = (datetime.now(SHANGHAI) + timedelta(days=10)).replace(hour=8, minute=0, second=0,
                                                                  microsecond=0)
    page.fill("#points_per_hour", "12")
    page.fill("#m_elderly_care", "2")
    page.fill("#effective_from", start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name=display.word("保存积分规则")).click()
    expect(page.get_by_role("status")).to_have_text(
        display.word("积分规则变更已公布，将在所定时间生效。"))
    announced = page.locator("#announced")
    expect(announced).to_contain_text(start.strftime("%Y-%m-%d %H:%M"))
    elderly_care = display.t("助老服务", "Elderly care")
    expect(announced).to_contain_text(f"{elderly_care} × 2")
    expect(page.locator("#rules-in-force")).to_contain_text(f"{elderly_care} × 1.5")  # in force
    assert page_problems(page, display) == []
    screenshot(page, f"rules-1-announced-{display}")

    bank = server.services.load_office(UUID(world.bank_id))
    assert (bank.points_per_hour, [r.points_per_hour for r in bank.announced_rules()]) == (
        10, [12])

    announced.get_by_label(display.word("撤回原因")).fill("先征求居民意见")
    announced.get_by_role("button", name=display.word("撤回这项变更")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("该积分规则变更已撤回。"))
    expect(page.locator("#announced-none")).to_be_visible()
    assert page_problems(page, display) == []
    screenshot(page, f"rules-2-withdrawn-{display}")
    assert server.services.load_office(UUID(world.bank_id)).announced_rules() == []


def test_a_coordinator_registers_a_kiosk_and_adds_an_item(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    staff_login(page, COORDINATOR, f"/staff/shop?office_id={world.office_id}")
    page.fill("#kiosk_name", "爱心超市二号机")
    page.get_by_role("button", name=display.word("登记终端并生成密钥")).click()
    key = page.locator("#new-key code").inner_text()
    expect(page.locator("#new-key")).to_contain_text(display.t("只显示这一次",
                                                               "shown only this once"))
    expect(page.locator("#kiosks")).to_contain_text("爱心超市二号机")
    assert page_problems(page, display) == []
    screenshot(page, f"shop-1-kiosk-key-{display}")

    page.fill("#sku", "oil-1l")
    page.fill("#item_name", "食用油 1 升")
    page.fill("#item_points", "8")
    page.fill("#item_stock", "20")
    page.get_by_role("button", name=display.word("上架物品")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("物品已上架。"))
    expect(page.locator("#catalog")).to_contain_text("食用油 1 升")
    expect(page.locator("#new-key")).to_have_count(0)  # the key is never shown again
    assert page_problems(page, display) == []
    screenshot(page, f"shop-2-item-added-{display}")

    item = server.services.load_catalog_item(UUID(world.office_id), "oil-1l")
    assert (item.points, item.stock) == (8, 20)
    assert len(key) >= 20

    # Reprice and restock, then count the shelf with a reason: each an event on the item.
    row = page.locator("#catalog tr", has_text="oil-1l")
    row.get_by_text(display.word("调价、补货或盘点")).click()
    row.get_by_label(display.word("新积分价（留空不变）")).fill("9")
    row.get_by_label(display.word("补货数量")).fill("5")
    row.get_by_role("button", name=display.word("保存")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("物品已更新。"))
    row = page.locator("#catalog tr", has_text="oil-1l")
    row.get_by_text(display.word("调价、补货或盘点")).click()
    row.get_by_label(display.word("盘点后库存（需填原因）")).fill("24")
    row.get_by_label(display.word("原因"), exact=True).fill("盘点少一瓶")
    row.get_by_role("button", name=display.word("保存")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("物品已更新。"))
    item = server.services.load_catalog_item(UUID(world.office_id), "oil-1l")
    assert (item.points, item.stock) == (9, 24)

    # The new kiosk's key rotated with an hour's grace, then the kiosk revoked.
    kiosk = page.locator("#kiosks li", has_text="爱心超市二号机")
    kiosk.get_by_label(display.word("旧密钥继续有效（小时，0–168；0 为立即失效）")).fill("1")
    kiosk.get_by_role("button", name=display.word("更换密钥")).click()
    new_key = page.locator("#new-key code").inner_text()
    assert new_key != key
    assert page_problems(page, display) == []
    screenshot(page, f"shop-3-key-rotated-{display}")
    kiosk_id = UUID(new_key.split("_")[1])
    services = server.services
    assert services.authenticate_kiosk(key).id == services.authenticate_kiosk(new_key).id
    kiosk = page.locator("#kiosks li", has_text="爱心超市二号机")
    kiosk.get_by_label(display.word("原因"), exact=True).fill("设备送修")
    kiosk.get_by_role("button", name=display.word("停用终端")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("终端已停用，其密钥不再有效。"))
    expect(page.locator("#kiosks li", has_text="爱心超市二号机")).to_contain_text(
        display.t("已停用", "Revoked"))
    assert page_problems(page, display) == []
    assert services.load(Kiosk, kiosk_id, "kiosk").revoked
    for ended in (key, new_key):
        with pytest.raises(DomainError):
            services.authenticate_kiosk(ended)
