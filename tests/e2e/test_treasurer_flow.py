"""A treasurer records a donation on the fund dashboard and sees the statement and both
charts change, then downloads its receipt — on SQLite and on PostgreSQL, on every display."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest
from playwright.sync_api import expect

from tests.e2e._support import (
    ARTIFACTS,
    DISPLAYS,
    PHONE_ZH,
    Display,
    page_problems,
    screenshot,
    staff_login,
)
from tests.e2e.conftest import LiveServer
from tests.e2e.world import TREASURER, World
from timebank.domain.values import SHANGHAI

# Every display on SQLite; PostgreSQL once, on a phone in Chinese (the displays are the
# pages' concern, the store the books'): each pair is a server and a world of its own.
pytestmark = pytest.mark.parametrize(
    ("store", "display"),
    [*(("sqlite", shown) for shown in DISPLAYS),
     pytest.param("postgres", PHONE_ZH, marks=pytest.mark.postgres)],
    indirect=True, scope="module", ids=lambda value: str(value))


def chart_bars(page: Any, chart: str) -> list[str]:
    """Each bar's tooltip, "label: value" (yuan with fen), as the SVG chart carries it."""
    return page.locator(f"#{chart} rect > title").all_text_contents()


def donations_received(server: LiveServer, fund_id: str) -> list[Any]:
    events = server.services.events.get(UUID(fund_id))
    return [e for e in events if type(e).__name__ == "DonationReceived"]


def test_a_treasurer_records_a_donation_and_sees_the_books_change(
    page: Any, server: LiveServer, world: World, store: str, display: Display
) -> None:
    today = datetime.now(SHANGHAI).date()
    this_month = display.t(f"{today.month}月", calendar.month_abbr[today.month])
    enterprise = display.t("企业", "Enterprise")
    staff_login(page, TREASURER, f"/staff/funds/{world.fund_id}")
    expect(page.locator("#balance")).to_have_text("¥20,000.00")
    assert f"{enterprise}: 20,000.00" in chart_bars(page, "income-chart")
    assert f"{this_month}: 20,000.00" in chart_bars(page, "flow-chart")
    assert page_problems(page, display) == []
    screenshot(page, f"fund-1-before-{store}-{display}")

    page.select_option("#donor_type", "enterprise")
    page.fill("#donor_name", "爱心企业乙")
    page.fill("#amount", "1234.56")
    page.fill("#purpose", "助学")
    expect(page.locator("#received_on")).to_have_value(today.isoformat())
    page.get_by_role("button", name=display.word("登记并开具收据")).click()

    notice = page.get_by_role("status")
    expect(notice).to_contain_text(
        f"{display.word('已登记捐赠，收据号')} {today.year}-000002")
    expect(page.locator("#balance")).to_have_text("¥21,234.56")
    expect(page.locator("#statement")).to_contain_text(
        display.t("限定：助学", "Restricted: 助学"))
    assert f"{enterprise}: 21,234.56" in chart_bars(page, "income-chart")
    assert f"{this_month}: 21,234.56" in chart_bars(page, "flow-chart")
    expect(page.locator("#donations")).to_contain_text("爱心企业乙")
    assert page_problems(page, display) == []  # the form and the tables fit the screen
    screenshot(page, f"fund-2-recorded-{store}-{display}")

    with page.expect_download() as download:
        notice.get_by_role("link", name=display.word("收据 PDF")).click()
    receipt = ARTIFACTS / f"receipt-{store}-{display}.pdf"
    download.value.save_as(receipt)
    assert receipt.read_bytes().startswith(b"%PDF")

    recorded = donations_received(server, world.fund_id)[-1]
    assert (recorded.amount_fen, recorded.donor_type, recorded.restricted_purpose,
            recorded.booked_on) == (123456, "enterprise", "助学", today.isoformat())


def test_a_refused_amount_is_explained_and_changes_nothing(
    page: Any, server: LiveServer, world: World, store: str, display: Display
) -> None:
    before = len(donations_received(server, world.fund_id))
    staff_login(page, TREASURER, f"/staff/funds/{world.fund_id}")
    balance = page.locator("#balance").text_content()
    page.fill("#amount", "12.345")
    page.get_by_role("button", name=display.word("登记并开具收据")).click()
    expect(page.get_by_role("alert")).to_have_text(display.t(
        "金额请填写大于 0 的元数，最多两位小数，例如 12.34。",
        "Amount: yuan above 0, at most two decimals, e.g. 12.34."))
    expect(page.locator("#amount")).to_have_value("12.345")
    expect(page.locator("#balance")).to_have_text(balance or "")
    assert page_problems(page, display) == []
    screenshot(page, f"fund-3-refused-{store}-{display}")
    assert len(donations_received(server, world.fund_id)) == before
