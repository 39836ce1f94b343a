"""The main pages at phone width (360 px) and desktop width (1280 px), in Chinese and in
English: nothing wider than the screen, and the words of the language asked for."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e._support import overflow, screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import BANK_ADMIN, PIN, World

WIDTHS = {"phone": 360, "desktop": 1280}
APP_NAME = {"zh": "公益时间银行", "en": "Time Bank"}


def pages_of(world: World, audience: str) -> dict[str, tuple[str, dict[str, str]]]:
    """name -> (path, the words each language shows there)."""
    scan = f"/scan?t={world.scan_token}"
    if audience == "anonymous":
        return {
            "scan-login": (scan, {"zh": "请用手机号和 6 位密码登录后继续。",
                                  "en": "Log in with your phone number and 6-digit PIN"}),
            "me-login": ("/me", {"zh": "我的爱心存折", "en": "My passbook"}),
            "staff-login": ("/staff/login", {"zh": "工作人员登录", "en": "Staff login"}),
        }
    if audience == "volunteer":
        return {
            "me": ("/me", {"zh": "积分余额", "en": "Hours served"}),
            "scan-confirm": (scan, {"zh": "您将要签到", "en": "You are about to"}),
        }
    return {
        "approvals": ("/staff/approvals", {"zh": "待审核服务记录",
                                           "en": "Records awaiting approval"}),
        "kiosk-simulator": ("/staff/kiosk-simulator", {"zh": "兑换终端模拟",
                                                       "en": "Kiosk simulator"}),
        "fund": (f"/staff/funds/{world.fund_id}", {"zh": "最近捐赠", "en": "Recent donations"}),
        "live-code": (f"/staff/activities/{world.activity_id}/live",
                      {"zh": "二维码每 30 秒自动更换", "en": "The code changes every 30 seconds"}),
        "district": (f"/staff/offices/{world.bank_id}", {"zh": "积分余额",
                                                         "en": "Points balance"}),
    }


@pytest.fixture(params=[(w, lang) for w in WIDTHS for lang in APP_NAME],
                ids=lambda p: f"{p[0]}-{p[1]}")
def screen(request: pytest.FixtureRequest, browser: Any, server: LiveServer
           ) -> Iterator[tuple[Any, str, str]]:
    """A page of a fresh context at that width, with the language chosen by its cookie."""
    width, lang = request.param
    context = browser.new_context(base_url=server.url,
                                  viewport={"width": WIDTHS[width], "height": 800})
    context.add_cookies([{"name": "tb_lang", "value": lang, "url": server.url}])
    try:
        yield context.new_page(), width, lang
    finally:
        context.close()


def problems_on(page: Any, name: str, path: str, words: dict[str, str], width: str,
                lang: str) -> list[str]:
    response = page.goto(path)
    screenshot(page, f"layout-{width}-{lang}-{name}")
    found = []
    if response is None or response.status != 200:
        found.append(f"{name}: status {response and response.status}")
    if (too_wide := overflow(page)) is not None:
        found.append(f"{name}: {too_wide}")
    html_lang = page.get_attribute("html", "lang")
    if html_lang != ("zh-CN" if lang == "zh" else "en"):
        found.append(f"{name}: <html lang={html_lang}>")
    if page.locator("header strong").inner_text() != APP_NAME[lang]:
        found.append(f"{name}: header not in {lang}")
    if words[lang] not in page.locator("main").inner_text():
        found.append(f"{name}: {words[lang]!r} not shown")
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
    assert not found, "\n".join(found)


def test_staff_pages(screen: tuple[Any, str, str], world: World) -> None:
    page, width, lang = screen
    staff_login(page, BANK_ADMIN, "/staff/approvals")
    found = visit(page, world, "staff", width, lang)
    assert not found, "\n".join(found)
