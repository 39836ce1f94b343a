"""Service requests in Chromium on every display, for each payer: an elder posts a need on her
phone, a volunteer of her branch takes it and marks it done, she confirms and rates it; the
hours then stand in both time accounts (checked through the running server's application),
and no page is wider than the screen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e._support import ON_EVERY_DISPLAY, Display, page_problems, screenshot
from tests.e2e.conftest import LiveServer, Tabs
from tests.e2e.world import PIN
from timebank.domain.actors import SYSTEM
from timebank.domain.time_accounts import HoursPool, TimeAccount, hours_pool_id_for
from timebank.domain.time_accounts import time_account_id_for as account_id
from timebank.domain.values import SHANGHAI, gb11643_check_digit, utc_now

pytestmark = ON_EVERY_DISPLAY


@dataclass
class RequestWorld:
    bank_id: Any
    elder_phone: str
    elder_passbook: str
    helper_phone: str
    helper_passbook: str


def id_number(birth: str) -> str:
    body = f"310104{birth}321"
    return body + gb11643_check_digit(body)


@pytest.fixture(scope="module")
def request_world(server: LiveServer) -> RequestWorld:
    app = server.services
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    branch = app.open_office(SYSTEM, "东湖街道分行", "branch", bank.id)
    office = app.open_office(SYSTEM, "樱花社区储蓄所", "savings_office", branch.id)
    app.change_time_bank_rules(SYSTEM, bank.id, {
        "payers": {"elderly_care": "minted", "meals": "minted", "cleaning": "beneficiary",
                   "bathing": "pool"}, "priority": [{"min_age": 80}]})
    elder = app.register_volunteer(SYSTEM, "王秀英", "13900008001", id_number("19400101"),
                                   office.id, PIN)
    helper = app.register_volunteer(SYSTEM, "李志强", "13900008002", None, office.id, PIN)
    # She stored 4 hours of her own service years ago; the bank funds its pool with 10.
    day = (utc_now() - timedelta(days=3)).astimezone(SHANGHAI).replace(
        hour=9, minute=0, second=0, microsecond=0)
    activity = app.plan_activity(SYSTEM, office.id, "为独居老人送餐", "elderly_care", day,
                                 day + timedelta(hours=4), "社区食堂")
    record = app.enter_service_record(SYSTEM, elder.id, activity.id, day,
                                      day + timedelta(hours=4), "代录")
    app.approve_service_record(SYSTEM, record.id)
    app.fund_pool(SYSTEM, bank.id, 600, "年度注资", None)
    return RequestWorld(bank.id, "13900008001", elder.passbook_no, "13900008002",
                        helper.passbook_no)


def login(page: Any, phone: str, display: Display) -> None:
    page.goto("/me")
    page.fill("#phone", phone)
    page.fill("#pin", PIN)
    page.get_by_role("button", name=display.word("登录")).click()
    expect(page.locator("h1")).to_have_text(display.t("我的爱心存折", "My passbook"))


def one_request(elder: Any, helper: Any, category: str, rating: str, display: Display) -> None:
    """The elder posts on her phone, the volunteer takes it and marks it done on his, she
    confirms and rates it on hers (each stays logged in on their own phone)."""
    elder.goto("/me")
    elder.get_by_role("link", name=display.word("服务需求：发布、接单、确认")).click()
    expect(elder.locator("h1")).to_have_text(display.t("服务需求", "Service requests"))
    if elder.locator("details#post[open]").count() == 0:
        elder.get_by_text(display.word("发布需求"), exact=True).click()
    elder.get_by_label(display.t("服务类别", "Kind of help")).select_option(category)
    elder.get_by_label(display.word("地点")).fill("樱花小区3栋201")
    elder.get_by_label(display.t("开始时间", "From"), exact=True).fill("2026-12-20T09:00")
    elder.get_by_label(display.t("结束时间", "To"), exact=True).fill("2026-12-20T11:00")
    elder.get_by_role("button", name=display.word("发布"), exact=True).click()
    expect(elder.get_by_role("status")).to_have_text(display.word("需求已发布。"))
    assert page_problems(elder, display) == []

    helper.goto("/me/requests")
    helper.locator("#open .request, h2#open ~ .request").first.get_by_role(
        "button", name=display.word("接单")).click()
    expect(helper.get_by_role("status")).to_have_text(display.word("接单成功。"))
    mine = helper.locator(".request.status-taken").first
    mine.get_by_label(display.t("服务时长（小时）", "Hours served")).fill("1.5")
    mine.get_by_role("button", name=display.word("服务完成")).click()
    expect(helper.get_by_role("status")).to_have_text(display.word("已登记完成，等待确认。"))
    assert page_problems(helper, display) == []

    elder.goto("/me/requests")
    done = elder.locator(".request.status-done").first
    done.get_by_label(display.word("评分")).select_option(rating)
    done.get_by_role("button", name=display.word("确认并评价")).click()
    expect(elder.get_by_role("status")).to_have_text(display.word("已确认，时间已记入。"))
    assert page_problems(elder, display) == []
    screenshot(elder, f"request-{category}-confirmed-{display}")


def balance(server: LiveServer, passbook: str) -> int:
    return server.services.load(TimeAccount, account_id(passbook)).balance


def test_each_payer_end_to_end(page: Any, tabs: Tabs, server: LiveServer,
                               request_world: RequestWorld, display: Display) -> None:
    elder, helper = page, tabs.get(display.width, display.lang, holder="helper")
    login(elder, request_world.elder_phone, display)
    login(helper, request_world.helper_phone, display)
    w = request_world
    one_request(elder, helper, "meals", "5", display)  # minted
    assert (balance(server, w.elder_passbook), balance(server, w.helper_passbook)) == (240, 90)
    one_request(elder, helper, "cleaning", "4", display)  # her stored hours: 4 h - 1.5 h
    assert (balance(server, w.elder_passbook), balance(server, w.helper_passbook)) == (150, 180)
    one_request(elder, helper, "bathing", "5", display)  # the pool, for an 80+ elder
    assert (balance(server, w.elder_passbook), balance(server, w.helper_passbook)) == (150, 270)
    pool = server.services.load(HoursPool, hours_pool_id_for(w.bank_id))
    assert pool.balance == 600 - 90
