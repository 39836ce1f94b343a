"""Office work in Chromium on one display (Chinese on a phone, 390 px): a coordinator's 代录
on the console while an activity is still running, refused with the real problem and then
shown at once; the door's live code page, whose check-in and check-out codes (decoded from
the page's own QR images) a volunteer opens in turn; and the rollup, counting hours in the
month of the service or, on the approval basis, in the month of the approval. Each change is
read back from the page and through the running server's application."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import zxingcpp
from PIL import Image
from playwright.sync_api import expect

from tests.e2e._support import (
    ON_EVERY_DISPLAY,
    Display,
    page_problems,
    screenshot,
    staff_login,
)
from tests.e2e.conftest import LiveServer
from tests.e2e.world import BANK_ADMIN, COORDINATOR, PIN, World
from timebank.domain.actors import SYSTEM
from timebank.domain.attendance import attendance_record_id_for
from timebank.domain.values import SHANGHAI, utc_now

pytestmark = ON_EVERY_DISPLAY


def beijing_minute(text: str) -> datetime:
    """A `datetime-local` field's value, which the pages read as Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def field_text(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def test_a_coordinator_enters_hours_while_the_activity_is_still_running(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    volunteer = services.register_volunteer(SYSTEM, "赵大勇", "13800000001", None,
                                            world.office_id, PIN)
    activity = services.load_activity(world.activity_id)
    staff_login(page, COORDINATOR, "/staff/activities")
    running = page.locator("#activities tbody tr", has_text="为独居老人送餐")
    expect(running).to_contain_text(display.t("进行中", "Running"))
    running.get_by_role("link", name=display.word("代录")).click()
    expect(page.locator("h1")).to_have_text(display.word("代录服务时长"))
    expect(page.locator("#activity_id option:checked")).to_contain_text("为独居老人送餐")
    # The times offered: from the activity's start to now, not to its planned end, which
    # has not come yet.
    started = beijing_minute(page.input_value("#started_at"))
    ended = beijing_minute(page.input_value("#ended_at"))
    now = utc_now()
    assert started == activity.starts_at.replace(second=0, microsecond=0)
    assert now - timedelta(minutes=2) <= ended <= now
    assert page_problems(page, display) == []
    screenshot(page, f"entry-1-defaults-{display}")

    # Ending it at the planned end, still to come, is refused, saying why and what to do;
    # so is an end past the window too: the end is the problem, not the start.
    page.fill("#volunteer", volunteer.passbook_no)
    page.fill("#note", "送餐到 3 号楼")
    for planned_end in (activity.ends_at, activity.ends_at + timedelta(hours=1)):
        page.fill("#ended_at", field_text(planned_end))
        with page.expect_navigation():  # the answer is a new page, even when it reads the same
            page.get_by_role("button", name=display.word("确认代录")).click()
        expect(page.get_by_role("alert")).to_have_text(display.t(
            "服务结束时间不能晚于现在：活动还在进行时，请填写现在或更早的结束时间。"
            "（服务结束时间）",
            "Service cannot end in the future: while the activity is still running, enter "
            "now or an earlier end time. (Service ended)"))
        expect(page.locator("#ended_at")).to_have_value(field_text(planned_end))
    # What was typed is kept, to correct rather than retype.
    expect(page.locator("#volunteer")).to_have_value(volunteer.passbook_no)
    expect(page.locator("#note")).to_have_value("送餐到 3 号楼")
    assert page_problems(page, display) == []
    screenshot(page, f"entry-2-refused-{display}")
    record_id = attendance_record_id_for(activity.id, volunteer.id)
    assert not services.exists(record_id)

    # Ended an hour after the start: entered, and shown on the page that answers.
    page.fill("#started_at", field_text(started))
    page.fill("#ended_at", field_text(started + timedelta(hours=1)))
    page.get_by_role("button", name=display.word("确认代录")).click()
    expect(page.get_by_role("status")).to_have_text(display.t(
        "已代录：赵*勇 · 1.00 小时 · 待审核", "Entered: 赵*勇 · 1.00 h · Awaiting approval"))
    assert page_problems(page, display) == []
    screenshot(page, f"entry-3-entered-{display}")
    # ... and, at once, in the approval queue.
    page.locator("nav.staff-nav").get_by_role(
        "link", name=display.t("审核", "Approvals"), exact=True).click()
    queued = page.locator("#pending tbody tr", has_text="赵*勇").locator("td")
    expect(queued.nth(2)).to_have_text("为独居老人送餐")
    expect(queued.nth(5)).to_have_text("1.00")
    expect(queued.nth(6)).to_have_text("15")  # 1 h × 10 points × 1.5 for elderly care
    expect(queued.nth(7)).to_contain_text("送餐到 3 号楼")
    assert page_problems(page, display) == []
    record = services.load_service_record(record_id)
    assert (record.status, record.source, record.minutes) == ("pending", "manual", 60)
    assert (record.started_at, record.ended_at) == (started, started + timedelta(hours=1))


def decoded_code(page: Any) -> str:
    """The page's QR code as a phone's camera reads it: the image as drawn, decoded."""
    drawn = page.locator("[data-scan-url] svg").screenshot()
    (found,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(drawn)))
    return found.text


def test_the_live_code_page_offers_check_in_and_check_out_codes(
    page: Any, browser: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    volunteer = services.register_volunteer(SYSTEM, "孙海燕", "13800000002", None,
                                            world.office_id, PIN)
    # Someone without a phone came too, and the coordinator entered their first half hour.
    activity = services.load_activity(world.activity_id)
    entered = services.register_volunteer(SYSTEM, "钱志明", "13800000004", None,
                                          world.office_id, PIN)
    services.enter_service_record(SYSTEM, entered.id, activity.id, activity.starts_at,
                                  activity.starts_at + timedelta(minutes=30), "代录")
    staff_login(page, COORDINATOR, "/staff/activities")
    running = page.locator("#activities tbody tr", has_text="为独居老人送餐")
    assert page_problems(page, display) == []  # the console, its actions reachable
    running.get_by_role("link", name=display.word("现场签到/签退码")).click()
    expect(page.locator("h1")).to_have_text(display.t("签到 · 为独居老人送餐",
                                                      "Check in · 为独居老人送餐"))
    codes = page.locator("nav.switch-code")
    expect(codes.get_by_role("link")).to_have_text([display.word("签到码"),
                                                    display.word("签退码")])
    expect(codes.locator("[aria-current=page]")).to_have_text(display.word("签到码"))
    check_in = decoded_code(page)
    assert check_in == page.get_attribute("[data-scan-url]", "data-scan-url")
    assert check_in.startswith(f"{server.url}/scan?t=")  # the port being served
    assert page_problems(page, display) == []
    screenshot(page, f"live-1-check-in-code-{display}")

    # The volunteer's own phone: opens the check-in code (a live code: used at once, as at
    # the door), logs in, checks in ...
    phone = browser.new_context(base_url=server.url, viewport={"width": 390, "height": 800},
                                locale="zh-CN" if display.lang == "zh" else "en-GB")
    phone.add_cookies([{"name": "tb_lang", "value": display.lang, "url": server.url}])
    record_id = attendance_record_id_for(UUID(world.activity_id), volunteer.id)
    try:
        scan = phone.new_page()
        scan.goto(check_in)
        expect(scan.locator("h1")).to_have_text(display.t("签到 · 为独居老人送餐",
                                                          "Check in · 为独居老人送餐"))
        scan.fill("#phone", "13800000002")
        scan.fill("#pin", PIN)
        scan.get_by_role("button", name=display.word("登录")).click()
        scan.get_by_role("button", name=display.word("确认签到")).click()
        expect(scan.get_by_role("status")).to_have_text(display.word("签到成功"))
        assert page_problems(scan, display) == []
        screenshot(scan, f"live-2-checked-in-{display}")
        record = services.load_service_record(record_id)
        assert record.status == "checked_in"
        arrived = f"{record.started_at.astimezone(SHANGHAI):%H:%M} · 孙*燕"
        # ... the door's page, at its next refresh, counts them in ...
        page.reload()
        expect(page.locator("#checked-in")).to_have_text("1")
        expect(page.locator("#arrivals li", has_text="孙*燕")).to_have_text(arrived)

        # ... then the door shows the check-out code, and they check out with it (still
        # logged in on that phone).
        codes.get_by_role("link", name=display.word("签退码")).click()
        expect(page.locator("h1")).to_have_text(display.t("签退 · 为独居老人送餐",
                                                          "Check out · 为独居老人送餐"))
        expect(codes.locator("[aria-current=page]")).to_have_text(display.word("签退码"))
        check_out = decoded_code(page)
        assert check_out.startswith(f"{server.url}/scan?t=")
        assert (parse_qs(urlsplit(check_out).query)["t"]
                != parse_qs(urlsplit(check_in).query)["t"])
        assert page_problems(page, display) == []
        screenshot(page, f"live-3-check-out-code-{display}")
        scan.goto(check_out)
        expect(scan.locator("h1")).to_have_text(display.t("您将要签退",
                                                          "You are about to check out"))
        scan.get_by_role("button", name=display.word("确认签退")).click()
        expect(scan.get_by_role("status")).to_have_text(display.word("签退成功"))
        expect(scan.locator("dl")).to_contain_text(display.t("待审核", "Awaiting approval"))
        assert page_problems(scan, display) == []
        screenshot(scan, f"live-4-checked-out-{display}")
    finally:
        phone.close()
    record = services.load_service_record(record_id)
    assert (record.status, record.source) == ("pending", "scan")
    assert record.started_at <= record.ended_at <= utc_now()

    # The door's page, at its next refresh: still one check-in, and who came and left.
    page.reload()
    expect(page.locator("#checked-in")).to_have_text("1")
    expect(page.locator("#arrivals li", has_text="孙*燕")).to_have_text(
        f"{arrived} · " + display.t("已签退", "checked out"))
    expect(page.locator("#arrivals")).not_to_contain_text("孙海燕")  # it faces the door
    # The entry by hand is said to be one, not a check-out.
    expect(page.locator("#arrivals li", has_text="钱*明")).to_have_text(
        f"{activity.starts_at.astimezone(SHANGHAI):%H:%M} · 钱*明 · "
        + display.t("代录", "Entered by staff"))
    assert page_problems(page, display) == []
    screenshot(page, f"live-5-arrivals-{display}")


def test_the_rollup_counts_hours_in_the_month_of_the_service_or_of_the_approval(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    branch_id = services.load_office(UUID(world.office_id)).parent_id
    office = services.open_office(SYSTEM, "梅园社区储蓄所", "savings_office", branch_id)
    volunteer = services.register_volunteer(SYSTEM, "周晓梅", "13800000003", None,
                                            office.id, PIN)
    today = utc_now().astimezone(SHANGHAI).date()
    this_month = today.replace(day=1)
    last_month = (this_month - timedelta(days=1)).replace(day=1)
    served_on = datetime(last_month.year, last_month.month, 15, 9, tzinfo=SHANGHAI)
    activity = services.plan_activity(SYSTEM, office.id, "公园捡拾垃圾", "environment",
                                      served_on, served_on + timedelta(hours=3), "梅园公园")
    record = services.enter_service_record(SYSTEM, volunteer.id, activity.id, served_on,
                                           served_on + timedelta(hours=2), "代录")
    services.approve_service_record(SYSTEM, record.id)  # today: 2 h × 10 points
    end_of_last_month = this_month - timedelta(days=1)

    staff_login(page, BANK_ADMIN, f"/staff/offices/{world.bank_id}")
    expect(page.locator("#basis option:checked")).to_have_text(
        display.t("服务日期（服务当天所在月份）", "the day served"))  # the default
    cells = page.locator("#rollup tr", has_text="梅园社区储蓄所").locator("td")

    def period(first: date, last: date, basis: str | None = None) -> tuple[str, str]:
        """The period and basis chosen on the page; its hours and points earned."""
        page.fill("#from", first.isoformat())
        page.fill("#to", last.isoformat())
        if basis is not None:
            page.select_option("#basis", basis)
        page.get_by_role("button", name=display.t("查看", "View")).click()
        page.wait_for_url(lambda url: parse_qs(urlsplit(url).query).get("from")
                          == [first.isoformat()])
        assert page_problems(page, display) == []
        return cells.nth(2).inner_text(), cells.nth(3).inner_text()

    # Last month, by the day of the service (the default): the hours done then.
    assert period(last_month, end_of_last_month) == ("2.00", "20")
    assert parse_qs(urlsplit(page.url).query)["basis"] == ["service"]
    screenshot(page, f"rollup-1-last-month-by-service-{display}")
    # This month: nothing was done in it.
    assert period(this_month, today) == ("0.00", "0")
    # By the day of the approval: the same hours belong to this month, none to the last.
    assert period(this_month, today, "approval") == ("2.00", "20")
    assert parse_qs(urlsplit(page.url).query)["basis"] == ["approval"]
    expect(page.locator("#basis option:checked")).to_have_text(
        display.t("审核日期（积分入账当天）", "the day approved"))
    screenshot(page, f"rollup-2-this-month-by-approval-{display}")
    assert period(last_month, end_of_last_month) == ("0.00", "0")  # the basis is kept
    # The same, opened from its address.
    page.goto(f"/staff/offices/{world.bank_id}?from={last_month}&to={end_of_last_month}"
              "&basis=approval")
    expect(cells.nth(2)).to_have_text("0.00")
    page.goto(f"/staff/offices/{world.bank_id}?from={last_month}&to={end_of_last_month}")
    expect(cells.nth(2)).to_have_text("2.00")
    expect(cells.nth(3)).to_have_text("20")

    approved = services.load_service_record(record.id)
    assert approved.status == "approved" and approved.points == 20
    assert approved.started_at.astimezone(SHANGHAI).date() < this_month
    assert services.load_passbook(volunteer.passbook_no).balance == 20
