"""A volunteer checks in from the scan page, a coordinator approves in bulk, a volunteer's
points are spent at the kiosk simulator: in Chromium at phone width, then checked through
the running server's application."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from playwright.sync_api import expect

from tests.e2e._support import screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import COORDINATOR, PIN, World
from timebank.domain.attendance import attendance_record_id_for


def test_a_volunteer_checks_in_from_the_scan_page(page: Any, server: LiveServer,
                                                  world: World) -> None:
    page.goto(f"/scan?t={world.scan_token}")
    expect(page.locator("h1")).to_have_text("签到 · 为独居老人送餐")
    screenshot(page, "scan-1-login")
    page.fill("#phone", world.scanner.phone)
    page.fill("#pin", PIN)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("h1")).to_have_text("您将要签到")
    expect(page.locator("dl")).to_contain_text("社区老年食堂")
    screenshot(page, "scan-2-confirm")
    page.get_by_role("button", name="确认签到").click()
    expect(page.get_by_role("status")).to_have_text("签到成功")
    expect(page.locator("dl")).to_contain_text("已签到")
    screenshot(page, "scan-3-checked-in")

    record = server.services.load_service_record(
        attendance_record_id_for(UUID(world.activity_id), UUID(world.scanner.id)))
    assert (record.status, str(record.volunteer_id)) == ("checked_in", world.scanner.id)


def test_a_coordinator_approves_pending_records_in_bulk(page: Any, server: LiveServer,
                                                        world: World) -> None:
    staff_login(page, COORDINATOR, "/staff/approvals")
    expect(page.locator("h1")).to_have_text("待审核服务记录")
    expect(page.locator("input[name=ids]")).to_have_count(2)
    expect(page.locator("input[name=ids]:checked")).to_have_count(0)  # nothing pre-ticked
    expect(page.locator("#pending")).to_contain_text("王*英")
    expect(page.locator("#pending")).to_contain_text("助老服务")
    screenshot(page, "approvals-1-pending")
    for box in page.locator("input[name=ids]").all():
        box.check()
    page.get_by_role("button", name="批准所选记录").click()
    expect(page.get_by_role("status")).to_have_text("已批准：2")
    expect(page.get_by_text("没有待审核的记录。")).to_be_visible()
    screenshot(page, "approvals-2-approved")

    balances = [server.services.load_passbook(v.passbook_no).balance for v in world.helpers]
    assert balances == [15, 30]  # 1 h and 2 h of elderly care at 10 points × 1.5


def test_a_kiosk_redemption_through_the_simulator(page: Any, server: LiveServer,
                                                  world: World) -> None:
    services = server.services
    staff_login(page, COORDINATOR, "/staff/kiosk-simulator")

    def redeem(pin: str, quantity: str) -> None:
        page.fill("#api_key", world.kiosk_key)
        page.fill("#passbook", world.shopper.passbook_no)
        page.fill("#pin", pin)
        page.fill("#sku", world.sku)
        page.fill("#quantity", quantity)
        page.get_by_role("button", name="兑换", exact=True).click()

    redeem("000000", "1")
    expect(page.locator(".notice.error")).to_be_visible()
    assert services.load_passbook(world.shopper.passbook_no).balance == 30
    redeem(PIN, "2")
    expect(page.locator(".notice.ok")).to_contain_text("兑换成功，花费 24 积分，余额 6")
    expect(page.locator("table")).to_contain_text("大米 5 公斤")
    screenshot(page, "kiosk-redeemed")

    assert services.load_passbook(world.shopper.passbook_no).balance == 6
    assert services.load_catalog_item(UUID(world.office_id), world.sku).stock == 8
