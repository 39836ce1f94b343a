"""Each role's start page and the main pages, in Chinese at phone width (390 px) and desktop
width (1280 px) and in English at desktop width: nothing wider than the screen, no element
whose text spills out of its box, the words of the language asked for, no code where a label
belongs, and every error page in the site's layout."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api._pages import codes_shown
from tests.e2e._support import (
    cut_numbers,
    overflow,
    overflowing_elements,
    screenshot,
    staff_login,
    unreachable_controls,
)
from tests.e2e.conftest import Tabs
from tests.e2e.world import (
    ADMINISTRATOR,
    AUDITOR,
    BANK_ADMIN,
    COORDINATOR,
    PIN,
    TREASURER,
    World,
)

WIDTHS = {"phone": 390, "desktop": 1280}
SCREENS = [("phone", "zh"), ("desktop", "zh"), ("desktop", "en")]
APP_NAME = {"zh": "公益时间银行", "en": "Time Bank"}


def pages_of(world: World, audience: str) -> dict[str, tuple[str, dict[str, str]]]:
    """name -> (path, the words each language shows there)."""
    scan = f"/scan?t={world.scan_token}"
    if audience == "anonymous":
        return {
            "front-door": ("/", {"zh": "登录我的爱心存折", "en": "Log in to my passbook"}),
            "scan-login": (scan, {"zh": "请用手机号和 6 位密码登录后继续。",
                                  "en": "Log in with your phone number and 6-digit PIN"}),
            "me-login": ("/me", {"zh": "我的爱心存折", "en": "My passbook"}),
            "staff-login": ("/staff/login", {"zh": "工作人员登录", "en": "Staff login"}),
            "public-fund": (f"/transparency/funds/{world.fund_id}",
                            {"zh": "示范区社区基金会", "en": "示范区社区基金会"}),
            "checkpoints": ("/transparency/checkpoints", {"zh": "账本", "en": "ledger"}),
            "public-not-found": ("/no-such-page", {"zh": "找不到页面", "en": "Page not found"}),
        }
    if audience == "volunteer":
        return {
            "me": ("/me", {"zh": "积分余额", "en": "Hours served"}),
            "scan-confirm": (scan, {"zh": "您将要签到", "en": "You are about to"}),
            "my-records": ("/me/records", {"zh": "我的志愿记录", "en": "My volunteer record"}),
        }
    if audience == "coordinator":
        return {
            "coordinator-start": ("/staff/today", {"zh": "今日工作", "en": "Today"}),
            "approvals": ("/staff/approvals", {"zh": "待审核服务记录",
                                               "en": "Records awaiting approval"}),
            "console": ("/staff/activities", {"zh": "协调员工作台", "en": "Coordinator console"}),
            "entries": (f"/staff/entries?activity_id={world.activity_id}",
                        {"zh": "代录服务时长", "en": "Enter service hours"}),
            "kiosk-simulator": ("/staff/kiosk-simulator", {"zh": "兑换终端模拟",
                                                           "en": "Kiosk simulator"}),
            "shop": ("/staff/shop", {"zh": "兑换物品", "en": "Catalog"}),
            "live-code": (f"/staff/activities/{world.activity_id}/live?action=check_out",
                          {"zh": "签退码", "en": "Check-out code"}),
            "print-codes": (f"/staff/activities/{world.activity_id}/print",
                            {"zh": "为独居老人送餐", "en": "为独居老人送餐"}),
            "volunteers": ("/staff/volunteers", {"zh": "志愿者", "en": "olunteer"}),
            "volunteer-record": (f"/staff/volunteers/{world.helpers[0].id}/record",
                                 {"zh": "志愿记录：王秀英", "en": "Volunteer records"}),
            "records": ("/staff/records", {"zh": "志愿记录", "en": "Volunteer records"}),
            "corrections": ("/staff/corrections", {"zh": "更正", "en": "orrection"}),
            "certificates": ("/staff/certificates", {"zh": "证明", "en": "ertificate"}),
            "complaints": ("/staff/complaints", {"zh": "投诉", "en": "omplaint"}),
        }
    if audience == "treasurer":
        return {
            "treasurer-start": ("/staff/funds", {"zh": "基金", "en": "Funds"}),
            "fund": (f"/staff/funds/{world.fund_id}", {"zh": "最近捐赠",
                                                       "en": "Recent donations"}),
            "entity": (f"/staff/funds/{world.fund_id}/entity", {"zh": "资产负债表",
                                                                "en": "alance sheet"}),
            "forbidden": ("/staff/admin", {"zh": "权限", "en": "role"}),
        }
    if audience == "administrator":
        return {
            "administrator-start": ("/staff/admin", {"zh": "新设机构", "en": "Open an office"}),
            "admin-rules": (f"/staff/admin/rules?bank_id={world.bank_id}",
                            {"zh": "每小时积分", "en": "Points per hour"}),
            "admin-accounts": ("/staff/accounts", {"zh": "coord-e2e", "en": "coord-e2e"}),
        }
    if audience == "auditor":
        return {
            "auditor-start": ("/staff/audit", {"zh": "账本校验", "en": "Checking the ledger"}),
            "auditor-district": (f"/staff/offices/{world.bank_id}",
                                 {"zh": "积分余额", "en": "Points balance"}),
        }
    return {  # the bank's administrator
        "bank-admin-start": (f"/staff/offices/{world.bank_id}", {"zh": "积分余额",
                                                                 "en": "Points balance"}),
        "audit": ("/staff/audit", {"zh": "账本校验", "en": "Checking the ledger"}),
        "admin": ("/staff/admin", {"zh": "新建工作人员账户", "en": "New staff account"}),
        "rules": ("/staff/admin/rules", {"zh": "每小时积分", "en": "Points per hour"}),
        "accounts": ("/staff/accounts", {"zh": "treasurer-e2e", "en": "treasurer-e2e"}),
        "not-found": ("/staff/no-such-page", {"zh": "找不到页面", "en": "Page not found"}),
    }


@pytest.fixture(params=SCREENS, ids=lambda p: f"{p[0]}-{p[1]}")
def screen(request: pytest.FixtureRequest, tabs: Tabs) -> tuple[Any, str, str]:
    """A tab at that width, logged out, with the language chosen by its cookie."""
    width, lang = request.param
    return tabs.get(WIDTHS[width], lang), width, lang


def problems_on(page: Any, name: str, path: str | None, words: dict[str, str], width: str,
                lang: str) -> list[str]:
    """What is wrong with the page at `path` (or the page as it stands, when None)."""
    response = page.goto(path) if path is not None else None
    screenshot(page, f"layout-{width}-{lang}-{name}")
    found = []
    expected = {"not-found": 404, "public-not-found": 404, "forbidden": 403}.get(name, 200)
    if path is not None and (response is None or response.status != expected):
        found.append(f"{name}: status {response and response.status}")
    if (too_wide := overflow(page)) is not None:
        found.append(f"{name}: {too_wide}")
    found += [f"{name}: overflows: {what}" for what in overflowing_elements(page)]
    found += [f"{name}: off screen: {what}" for what in unreachable_controls(page)]
    found += [f"{name}: number cut: {what}" for what in cut_numbers(page)]
    html_lang = page.get_attribute("html", "lang")
    if html_lang != ("zh-CN" if lang == "zh" else "en"):
        found.append(f"{name}: <html lang={html_lang}>")
    if page.locator("header strong").inner_text() != APP_NAME[lang]:  # the site's layout
        found.append(f"{name}: header not in {lang}")
    text = page.locator("main").inner_text()
    if words[lang] not in text:
        found.append(f"{name}: {words[lang]!r} not shown")
    if codes := codes_shown(page.locator("body").inner_text(), lang):
        found.append(f"{name}: codes shown: {codes}")
    return found


def visit(page: Any, world: World, audience: str, width: str, lang: str) -> list[str]:
    found: list[str] = []
    for name, (path, words) in pages_of(world, audience).items():
        found += problems_on(page, name, path, words, width, lang)
    return found


def test_pages_before_logging_in(screen: tuple[Any, str, str], world: World) -> None:
    page, width, lang = screen
    found = visit(page, world, "anonymous", width, lang)
    assert not found, "\n".join(found)


def test_a_volunteer_s_pages(screen: tuple[Any, str, str], world: World) -> None:
    page, width, lang = screen
    page.goto("/me")
    page.fill("#phone", world.browser_user.phone)
    page.fill("#pin", PIN)
    page.click("button[type=submit]")
    page.wait_for_selector("#to")  # the passbook page's 转赠 form
    found = visit(page, world, "volunteer", width, lang)
    # 转赠: the recipient's masked name to check before anything is sent.
    page.goto("/me")
    page.fill("#to", world.shopper.passbook_no)
    page.fill("#points", "1")
    page.click("form[action=\"/me/give/check\"] button[type=submit]")
    found += problems_on(page, "give-confirm", None, {"zh": "张*兰", "en": "张*兰"}, width, lang)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("who", [COORDINATOR, TREASURER, BANK_ADMIN, ADMINISTRATOR, AUDITOR])
def test_each_role_s_start_page_and_pages(screen: tuple[Any, str, str], world: World,
                                          who: str) -> None:
    page, width, lang = screen
    staff_login(page, who, "/staff")  # lands on the role's start page
    audience = {COORDINATOR: "coordinator", TREASURER: "treasurer", ADMINISTRATOR: "administrator",
                AUDITOR: "auditor"}.get(who, "bank-admin")
    start_name = next(name for name in pages_of(world, audience) if name.endswith("-start"))
    start_path = pages_of(world, audience)[start_name][0].split("?")[0]
    assert page.url.endswith(start_path), (who, page.url)
    found = visit(page, world, audience, width, lang)
    assert not found, "\n".join(found)
