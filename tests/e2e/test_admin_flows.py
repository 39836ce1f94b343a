"""Administration from the pages at phone width: a bank administrator announces a change of
point rules ahead and withdraws it; a coordinator registers a kiosk (its key shown once) and
puts an item on the shelf — each checked through the running server's application."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from playwright.sync_api import expect

from tests.e2e._support import screenshot, staff_login, unreachable_controls
from tests.e2e.conftest import LiveServer
from tests.e2e.world import BANK_ADMIN, COORDINATOR, World
from timebank.domain.values import SHANGHAI


def test_a_bank_administrator_announces_a_rule_change_and_withdraws_it(
    page: Any, server: LiveServer, world: World
) -> None:
    staff_login(page, BANK_ADMIN, "/staff")  # the bank's rollup, its settings one link away
    page.locator("#bank-settings").get_by_role("link", name="积分规则").click()
    expect(page.locator("h1")).to_have_text("示范区公益银行 的积分规则")
    expect(page.locator("#rules-in-force")).to_contain_text("10")
    expect(page.locator("#announced-none")).to_be_visible()
    start = (datetime.now(SHANGHAI) + timedelta(days=10)).replace(hour=8, minute=0, second=0,
                                                                  microsecond=0)
    page.fill("#points_per_hour", "12")
    page.fill("#m_elderly_care", "2")
    page.fill("#effective_from", start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="保存积分规则").click()
    expect(page.get_by_role("status")).to_have_text("积分规则变更已公布，将在所定时间生效。")
    announced = page.locator("#announced")
    expect(announced).to_contain_text(start.strftime("%Y-%m-%d %H:%M"))
    expect(announced).to_contain_text("助老服务 × 2")
    expect(page.locator("#rules-in-force")).to_contain_text("助老服务 × 1.5")  # still in force
    assert unreachable_controls(page) == []
    screenshot(page, "rules-1-announced")

    bank = server.services.load_office(UUID(world.bank_id))
    assert (bank.points_per_hour, [r.points_per_hour for r in bank.announced_rules()]) == (
        10, [12])

    announced.get_by_label("撤回原因").fill("先征求居民意见")
    announced.get_by_role("button", name="撤回这项变更").click()
    expect(page.get_by_role("status")).to_have_text("该积分规则变更已撤回。")
    expect(page.locator("#announced-none")).to_be_visible()
    screenshot(page, "rules-2-withdrawn")
    assert server.services.load_office(UUID(world.bank_id)).announced_rules() == []


def test_a_coordinator_registers_a_kiosk_and_adds_an_item(
    page: Any, server: LiveServer, world: World
) -> None:
    staff_login(page, COORDINATOR, f"/staff/shop?office_id={world.office_id}")
    page.fill("#kiosk_name", "爱心超市二号机")
    page.get_by_role("button", name="登记终端并生成密钥").click()
    key = page.locator("#new-key code").inner_text()
    expect(page.locator("#new-key")).to_contain_text("只显示这一次")
    expect(page.locator("#kiosks")).to_contain_text("爱心超市二号机")
    screenshot(page, "shop-1-kiosk-key")

    page.fill("#sku", "oil-1l")
    page.fill("#item_name", "食用油 1 升")
    page.fill("#item_points", "8")
    page.fill("#item_stock", "20")
    page.get_by_role("button", name="上架物品").click()
    expect(page.get_by_role("status")).to_have_text("物品已上架。")
    expect(page.locator("#catalog")).to_contain_text("食用油 1 升")
    expect(page.locator("#new-key")).to_have_count(0)  # the key is never shown again
    assert unreachable_controls(page) == []
    screenshot(page, "shop-2-item-added")

    item = server.services.load_catalog_item(UUID(world.office_id), "oil-1l")
    assert (item.points, item.stock) == (8, 20)
    assert len(key) >= 20
