"""Volunteers' records in Chromium on every display: a volunteer asks for a correction of an
entry from their record page, and a coordinator evaluates a service from the volunteer's
record; then checked through the running server's application."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e._support import ON_EVERY_DISPLAY, Display, page_problems, screenshot, staff_login
from tests.e2e.conftest import LiveServer
from tests.e2e.world import PIN, STAFF_PASSWORD
from timebank.domain.actors import SYSTEM
from timebank.domain.values import SHANGHAI, utc_now

COORDINATOR = "coord-records-e2e"
pytestmark = ON_EVERY_DISPLAY


def shown_after_reloads(page: Any, selector: str, text: str) -> None:
    """Reload until the page shows it: a page reads the read models, which the server's
    follower may still be bringing up to date on a busy machine (a bounded catch-up)."""
    for _ in range(40):
        if text in (page.locator(selector).all_inner_texts() or [""])[0]:
            return
        page.wait_for_timeout(500)
        page.reload()
    expect(page.locator(selector).first).to_contain_text(text)


@dataclass
class RecordsWorld:
    volunteer_id: str
    phone: str
    record_id: str
    serial: str


@pytest.fixture(scope="module")
def records_world(server: LiveServer) -> RecordsWorld:
    app = server.services
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    branch = app.open_office(SYSTEM, "东湖街道分行", "branch", bank.id)
    office = app.open_office(SYSTEM, "樱花社区储蓄所", "savings_office", branch.id)
    app.create_user(SYSTEM, COORDINATOR, STAFF_PASSWORD, "coordinator", office.id)
    phone = "13900007001"
    volunteer = app.register_volunteer(SYSTEM, "周晓梅", phone, None, office.id, PIN)
    day = (utc_now() - timedelta(days=3)).astimezone(SHANGHAI).replace(
        hour=9, minute=0, second=0, microsecond=0)
    activity = app.plan_activity(SYSTEM, office.id, "社区义诊", "elderly_care", day,
                                 day + timedelta(hours=3), "社区卫生站")
    record = app.enter_service_record(SYSTEM, volunteer.id, activity.id, day,
                                      day + timedelta(hours=2), "代录")
    app.approve_service_record(SYSTEM, record.id)
    server.app.state.runner.catch_up()
    certificate = app.issue_certificate(
        SYSTEM, volunteer, [{"date": day.date().isoformat(), "activity": "社区义诊",
                             "place": "社区卫生站", "minutes": 120}],
        day.date(), day.date(), "示范区公益银行 东湖街道分行 樱花社区储蓄所", office)
    return RecordsWorld(str(volunteer.id), phone, str(record.id), certificate.serial)


def test_a_volunteer_asks_for_a_correction(page: Any, server: LiveServer,
                                           records_world: RecordsWorld,
                                           display: Display) -> None:
    page.goto("/me")
    page.fill("#phone", records_world.phone)
    page.fill("#pin", PIN)
    page.get_by_role("button", name=display.word("登录")).click()
    page.get_by_role("link", name=display.word("查看我的志愿记录、授权与数据下载")).click()
    expect(page.locator("h1")).to_have_text(display.word("我的志愿记录"))
    assert page_problems(page, display) == []
    row = page.locator(f"tr[data-record='{records_world.record_id}']")
    row.get_by_text(display.word("申请更正")).click()
    row.get_by_label(display.word("正确的时长（小时）")).fill("2.5")
    row.get_by_label(display.word("理由")).fill("结束后继续整理药品半小时")
    row.get_by_role("button", name=display.word("提交更正申请")).click()
    expect(page.get_by_role("status")).to_have_text(
        display.word("已提交，记录单位将在期限内答复。"))
    shown_after_reloads(page, ".correction", display.word("待处理"))
    assert page_problems(page, display) == []
    screenshot(page, f"records-correction-asked-{display}")

    # The request is an event of its own, by the volunteer, for the recording office.
    asked = [n for n in server.services.recorder.select_notifications(start=1, limit=10_000)
             if n.topic.endswith("CorrectionRequest.Requested")]
    assert len(asked) == 1
    request = server.services.load_correction(asked[0].originator_id)
    assert (request.kind, request.claimed_hours, request.status, str(request.volunteer_id)) \
        == ("wrong", "2.50", "pending", records_world.volunteer_id)


def test_a_coordinator_evaluates_a_service(page: Any, server: LiveServer,
                                          records_world: RecordsWorld,
                                          display: Display) -> None:
    staff_login(page, COORDINATOR, f"/staff/volunteers/{records_world.volunteer_id}/record")
    expect(page.locator("h1")).to_contain_text("周晓梅")
    section = page.locator(f"section[data-record='{records_world.record_id}']")
    section.get_by_label(display.word("组织方评价")).select_option("4")
    section.get_by_label(display.t("评语（可选）", "Comment (optional)")).fill("认真细致")
    section.get_by_role("button", name=display.word("提交评价")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("评价已保存。"))
    shown_after_reloads(page, f"section[data-record='{records_world.record_id}'] "
                        ".organiser-rating", "4")
    assert page_problems(page, display) == []
    screenshot(page, f"records-evaluated-{display}")

    record = server.services.load_service_record(records_world.record_id)
    assert record.organiser_rating == 4


def test_the_certificate_register_finds_and_revokes(page: Any, server: LiveServer,
                                                    records_world: RecordsWorld,
                                                    display: Display) -> None:
    staff_login(page, COORDINATOR, "/staff/certificates")
    expect(page.locator("h1")).to_contain_text(display.word("证明出具登记"))
    page.get_by_label(display.word("证明编号或存折号")).fill(records_world.serial[:12])
    page.get_by_role("button", name=display.word("查询")).click()
    entry = page.locator(f"section[data-serial='{records_world.serial}']")
    expect(entry).to_contain_text(display.word("有效"))
    assert page_problems(page, display) == []
    entry.get_by_label(display.word("撤销理由")).fill("服务日期有误")
    entry.get_by_role("button", name=display.word("撤销")).click()
    expect(page.get_by_role("status")).to_contain_text(
        display.t("证明已撤销", "Revoked: its check now says so"))
    shown_after_reloads(page, f"section[data-serial='{records_world.serial}'] "
                        ".certificate-status", display.word("已撤销"))
    assert page_problems(page, display) == []
    screenshot(page, f"records-certificate-revoked-{display}")

    certificate = server.services.load_certificate(records_world.serial)
    assert certificate.revoked == {"reason": "服务日期有误"}
