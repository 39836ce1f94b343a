"""A volunteer checks in from the scan page, a coordinator approves in bulk, a volunteer's
points are spent at the kiosk simulator: in Chromium on every display (Chinese on a phone and
a desktop, English on a desktop), then checked through the running server's application."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from playwright.sync_api import expect

from tests.e2e._support import ON_EVERY_DISPLAY, Display, page_problems, screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import COORDINATOR, PIN, World
from timebank.domain.actors import SYSTEM
from timebank.domain.attendance import attendance_record_id_for
from timebank.domain.values import SHANGHAI, utc_now

pytestmark = ON_EVERY_DISPLAY


def test_a_volunteer_checks_in_from_the_scan_page(page: Any, server: LiveServer,
                                                  world: World, display: Display) -> None:
    page.goto(f"/scan?t={world.scan_token}")
    expect(page.locator("h1")).to_have_text(display.t("签到 · 为独居老人送餐",
                                                      "Check in · 为独居老人送餐"))
    assert page_problems(page, display) == []
    screenshot(page, f"scan-1-login-{display}")
    page.fill("#phone", world.scanner.phone)
    page.fill("#pin", PIN)
    page.get_by_role("button", name=display.word("登录")).click()
    expect(page.locator("h1")).to_have_text(display.t("您将要签到", "You are about to check in"))
    expect(page.locator("dl")).to_contain_text("社区老年食堂")
    assert page_problems(page, display) == []
    screenshot(page, f"scan-2-confirm-{display}")
    page.get_by_role("button", name=display.word("确认签到")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("签到成功"))
    expect(page.locator("dl")).to_contain_text(display.word("已签到"))
    assert page_problems(page, display) == []
    screenshot(page, f"scan-3-checked-in-{display}")

    record = server.services.load_service_record(
        attendance_record_id_for(UUID(world.activity_id), UUID(world.scanner.id)))
    assert (record.status, str(record.volunteer_id)) == ("checked_in", world.scanner.id)


def test_a_coordinator_approves_pending_records_in_bulk(page: Any, server: LiveServer,
                                                        world: World, display: Display) -> None:
    staff_login(page, COORDINATOR, "/staff/approvals")
    expect(page.locator("h1")).to_have_text(display.word("待审核服务记录"))
    expect(page.locator("input[name=ids]")).to_have_count(2)
    expect(page.locator("input[name=ids]:checked")).to_have_count(0)  # nothing pre-ticked
    expect(page.locator("#pending")).to_contain_text("王*英")
    expect(page.locator("#pending")).to_contain_text(display.t("助老服务", "Elderly care"))
    assert page_problems(page, display) == []
    screenshot(page, f"approvals-1-pending-{display}")
    for box in page.locator("input[name=ids]").all():
        box.check()
    page.get_by_role("button", name=display.word("批准所选记录")).click()
    expect(page.get_by_role("status")).to_have_text(display.t("已批准：2", "Approved: 2"))
    expect(page.get_by_text(display.word("没有待审核的记录。"))).to_be_visible()
    assert page_problems(page, display) == []
    screenshot(page, f"approvals-2-approved-{display}")

    balances = [server.services.load_passbook(v.passbook_no).balance for v in world.helpers]
    assert balances == [15, 30]  # 1 h and 2 h of elderly care at 10 points × 1.5


def test_a_kiosk_redemption_through_the_simulator(page: Any, server: LiveServer,
                                                  world: World, display: Display) -> None:
    services = server.services
    staff_login(page, COORDINATOR, "/staff/kiosk-simulator")

    def redeem(pin: str, quantity: str) -> None:
        page.fill("#api_key", world.kiosk_key)
        page.fill("#passbook", world.shopper.passbook_no)
        page.fill("#pin", pin)
        page.fill("#sku", world.sku)
        page.fill("#quantity", quantity)
        page.get_by_role("button", name=display.t("兑换", "Redeem"), exact=True).click()

    redeem("000000", "1")
    expect(page.locator(".notice.error")).to_be_visible()
    assert services.load_passbook(world.shopper.passbook_no).balance == 30
    redeem(PIN, "2")
    expect(page.locator(".notice.ok")).to_contain_text(display.t(
        "兑换成功，花费 24 积分，余额 6", "redeemed, 24 points spent, balance 6"))
    expect(page.locator("table")).to_contain_text("大米 5 公斤")
    assert page_problems(page, display) == []
    screenshot(page, f"kiosk-redeemed-{display}")

    assert services.load_passbook(world.shopper.passbook_no).balance == 6
    assert services.load_catalog_item(UUID(world.office_id), world.sku).stock == 8


def test_a_coordinator_filters_by_activity_and_date_and_rejects_with_a_reason(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    app = server.services
    day = (utc_now() - timedelta(days=2)).astimezone(SHANGHAI).replace(
        hour=14, minute=0, second=0, microsecond=0)
    cleaning = app.plan_activity(SYSTEM, UUID(world.office_id), "社区环境清洁", "environment",
                                 day, day + timedelta(hours=2), "中心花园")
    helper = app.register_volunteer(SYSTEM, "赵敏", "13900009001", None, UUID(world.office_id),
                                    PIN)
    record = app.enter_service_record(SYSTEM, helper.id, cleaning.id, day,
                                      day + timedelta(minutes=90), "代录")
    staff_login(page, COORDINATOR, "/staff/approvals")
    page.get_by_label(display.t("活动", "Activity"), exact=True).select_option(str(cleaning.id))
    page.get_by_role("button", name=display.word("筛选")).click()
    expect(page.locator("input[name=ids]")).to_have_count(1)
    expect(page.locator("#pending")).to_contain_text("赵*")
    expect(page.locator("#pending")).to_contain_text(display.t("环境保护", "Environment"))
    assert page_problems(page, display) == []
    screenshot(page, f"approvals-3-filtered-{display}")

    # A period that ends before the service shows nothing to approve.
    page.fill("#date_to", (day.date() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name=display.word("筛选")).click()
    expect(page.get_by_text(display.word("没有待审核的记录。"))).to_be_visible()
    page.fill("#date_to", day.date().isoformat())
    page.get_by_role("button", name=display.word("筛选")).click()

    page.locator("input[name=ids]").check()
    page.get_by_label(display.word("驳回原因（志愿者可以看到）")).fill("当天未到岗")
    page.get_by_role("button", name=display.t("驳回所选记录", "Reject selected")).click()
    expect(page.get_by_role("status")).to_have_text(
        f"{display.word('已驳回')}{display.t('：', ': ')}1")
    assert page_problems(page, display) == []
    screenshot(page, f"approvals-4-rejected-{display}")

    rejected = app.load_service_record(record.id)
    assert rejected.status == "rejected"
    assert app.load_passbook(helper.passbook_no).balance == 0
