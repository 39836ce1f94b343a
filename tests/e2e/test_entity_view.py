"""A treasurer opens the legal entity's view from a fund's dashboard: the foundation and the
special fund it hosts in one set of statements, the indicators with the rule row applied —
in Chinese, then in English, on every display (SQLite; the figures themselves are tested
through HTTP on both stores in tests/api/test_entity_reports.py)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.e2e._support import ON_EVERY_DISPLAY, Display, page_problems, screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import TREASURER, World
from timebank.domain.actors import SYSTEM

pytestmark = ON_EVERY_DISPLAY


def test_a_treasurer_reads_the_entity_statements_and_indicators(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    app = server.services
    special = app.open_fund(SYSTEM, "助学专项基金", "special", world.fund_id, world.bank_id)
    app.receive_donation(SYSTEM, special.id, 500_000, "居民甲", "individual", "助学", False,
                         None)
    staff_login(page, TREASURER, f"/staff/funds/{special.id}")
    page.locator("#entity-link").click()
    page.wait_for_url(f"**/staff/funds/{special.id}/entity")
    expect(page.get_by_role("heading", level=1)).to_have_text(display.t(
        "示范区社区基金会 · 法人财务报表", "示范区社区基金会 · the legal entity's statements"))
    # The foundation's ¥20,000 and the special fund's ¥5,000: one legal person's cash.
    expect(page.locator("#bs-cash")).to_contain_text("¥25,000.00")
    expect(page.locator("#bs-restricted_net_assets")).to_contain_text("¥5,000.00")
    expect(page.locator("#sa-donation_income")).to_contain_text("¥25,000.00")
    expect(page.locator("#cf-donations_received")).to_contain_text("¥25,000.00")
    if display.lang == "zh":
        expect(page.locator("#rule-row")).to_contain_text(
            "不具有公开募捐资格的基金会，上年末净资产低于400万元")
        expect(page.locator("#rule-row")).to_contain_text("第八条第（四）项")
    expect(page.locator("#projects")).to_contain_text("助学专项基金")
    assert page_problems(page, display) == []  # wide tables scroll inside their box
    screenshot(page, f"entity-1-{display}")
    if display.lang == "zh":
        page.get_by_role("link", name="English").click()
    expect(page.locator("#bs-cash")).to_contain_text("Cash")
    expect(page.locator("#bs-cash")).to_contain_text("货币资金")
    expect(page.locator("#rule-row")).to_contain_text(
        "Foundation without public-fundraising status, net assets under ¥4m")
    expect(page.locator("#sa-government_grant_income")).to_contain_text("Government grants")
    assert page_problems(page, Display(display.kind, display.width, "en")) == []
    screenshot(page, f"entity-2-{display}-en")
