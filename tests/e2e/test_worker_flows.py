"""Pages a community worker uses, in Chromium on one display (Chinese on a phone, 390 px): an
administrator opens, renames and closes an office from the offices screen; a bank
administrator creates a staff account, moves it to another role and office, and disables
it; the kiosk simulator counts down the tries left after wrong PINs and then says when the
lock ends; a volunteer's 转赠 names the recipient before anything is sent, then sends. Each
change is read back from the page and through the running server's application."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from playwright.sync_api import expect

from tests.e2e._support import (
    ON_EVERY_DISPLAY,
    Display,
    page_problems,
    screenshot,
    staff_login,
)
from tests.e2e.conftest import LiveServer
from tests.e2e.world import ADMINISTRATOR, BANK_ADMIN, COORDINATOR, PIN, World
from timebank.domain.values import SHANGHAI
from timebank.domain.volunteers import PIN_ATTEMPTS_BEFORE_LOCK

pytestmark = ON_EVERY_DISPLAY


def office_ids(page: Any) -> dict[str, str]:
    """The offices screen's tree: each office's name -> its id (from its link)."""
    found = {}
    for link in page.locator("#offices li > a").all():
        found[link.inner_text()] = link.get_attribute("href").rsplit("/", 1)[1]
    return found


def test_an_administrator_opens_renames_and_closes_an_office(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    staff_login(page, ADMINISTRATOR, "/staff/admin")
    expect(page.locator("h1")).to_have_text(display.t("机构与人员", "Offices and staff"))
    offices = page.locator("#offices")
    expect(offices).to_contain_text("东湖街道分行")
    branch_id = office_ids(page)["东湖街道分行"]
    # Under the branch, a savings office: the picker says which kind the new one will be.
    parent = page.locator("#parent_id option", has_text="东湖街道分行")
    savings_office = display.t("社区储蓄所", "Community savings office")
    expect(parent).to_have_text(f"东湖街道分行 → {savings_office}")
    page.select_option("#parent_id", branch_id)
    page.fill("#office_name", "桃园社区储蓄所")
    page.get_by_role("button", name=display.word("设立"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(display.word("机构已设立。"))
    opened = offices.locator("li", has_text="桃园社区储蓄所")
    expect(opened).to_contain_text(savings_office)
    # In the tree under its branch: after the branch, at the branch's depth + 1.
    names = list(office_ids(page))
    assert names.index("东湖街道分行") < names.index("桃园社区储蓄所")
    depth = {name: int(cls.split("depth-")[1])
             for name, cls in zip(names, offices.locator("> li").evaluate_all(
                 "items => items.map(li => li.className)"), strict=True)}
    assert depth["桃园社区储蓄所"] == depth["东湖街道分行"] + 1
    assert page_problems(page, display) == []
    screenshot(page, f"offices-1-opened-{display}")
    office_id = office_ids(page)["桃园社区储蓄所"]
    office = services.load_office(UUID(office_id))
    assert (office.kind, str(office.parent_id), office.name) == (
        "savings_office", branch_id, "桃园社区储蓄所")

    opened.get_by_text(display.word("改名或撤销")).click()
    opened.get_by_label(display.word("新名称")).fill("桃源社区储蓄所")
    opened.get_by_label(display.word("原因"), exact=True).fill("更正错字")
    opened.get_by_role("button", name=display.word("改名"), exact=True).click()
    expect(page.get_by_role("status")).to_have_text(display.word("机构已改名。"))
    expect(offices).to_contain_text("桃源社区储蓄所")
    expect(offices).not_to_contain_text("桃园社区储蓄所")
    assert office_ids(page)["桃源社区储蓄所"] == office_id  # the same office, renamed
    expect(page.locator("#staff_office")).to_contain_text("桃源社区储蓄所")
    assert page_problems(page, display) == []
    screenshot(page, f"offices-2-renamed-{display}")
    assert services.load_office(UUID(office_id)).name == "桃源社区储蓄所"

    renamed = offices.locator("li", has_text="桃源社区储蓄所")
    renamed.get_by_text(display.word("改名或撤销")).click()
    renamed.get_by_label(display.word("撤销原因")).fill("并入樱花社区储蓄所")
    renamed.get_by_role("button", name=display.word("撤销机构")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("机构已撤销。"))
    closed = offices.locator("li", has_text="桃源社区储蓄所")
    expect(closed).to_contain_text(savings_office + display.t("（已撤销）", " (closed)"))
    expect(closed.get_by_text(display.word("改名或撤销"))).to_have_count(0)  # nothing to do
    # A closed office is offered to nobody: no staff account can be put there.
    expect(page.locator("#staff_office")).not_to_contain_text("桃源社区储蓄所")
    # The offices around it are untouched.
    expect(offices.locator("li", has_text="樱花社区储蓄所")).not_to_contain_text(
        display.t("已撤销", "closed"))
    assert page_problems(page, display) == []
    screenshot(page, f"offices-3-closed-{display}")
    assert services.load_office(UUID(office_id)).closed


def test_a_bank_administrator_creates_moves_and_disables_a_staff_account(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    staff_login(page, BANK_ADMIN, "/staff/admin")
    new_staff = page.locator("#new-staff")
    new_staff.get_by_label(display.word("用户名")).fill("zhou-e2e")
    new_staff.get_by_label(display.word("初始密码（至少 8 位）")).fill("first-pass-2026")
    new_staff.get_by_label(display.word("角色")).select_option("coordinator")
    # The account may go to the bank, its branch or its savings office (closed ones aside).
    office = new_staff.get_by_label(display.word("所属机构"))
    expect(office.locator("option")).to_have_text([
        display.t("示范区公益银行（区级总行）", "示范区公益银行 (District bank)"),
        display.t("东湖街道分行（街道分行）", "东湖街道分行 (Sub-district branch)"),
        display.t("樱花社区储蓄所（社区储蓄所）", "樱花社区储蓄所 (Community savings office)")])
    office.select_option(world.office_id)
    new_staff.get_by_role("button", name=display.word("创建账户")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("工作人员账户已创建。"))
    assert page_problems(page, display) == []

    page.locator("nav.staff-nav").get_by_role("link", name=display.word("人员账户")).click()
    expect(page.locator("h1")).to_have_text(display.word("人员账户"))
    row = page.locator("tr.staff-account[data-username='zhou-e2e']")
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text(display.t("协调员", "Coordinator"))
    expect(cells.nth(2)).to_have_text("樱花社区储蓄所")
    expect(cells.nth(3)).to_have_text(display.t("启用", "Enabled"))
    # The bank administrator's own account is listed, marked, and offers no actions.
    own = page.locator(f"tr.staff-account[data-username='{BANK_ADMIN}']")
    expect(own).to_contain_text(display.word("（本人）"))
    expect(own.locator("details")).to_have_count(0)
    assert page_problems(page, display) == []
    screenshot(page, f"staff-1-created-{display}")

    # Moved up to the branch, as its administrator.
    row.get_by_text(display.word("操作"), exact=True).click()
    form = row.locator("form", has=page.get_by_role(
        "button", name=display.word("变更角色")))
    form.get_by_label(display.word("角色")).select_option("branch_admin")
    form.get_by_label(display.word("所属机构")).select_option(label="东湖街道分行")
    form.get_by_label(display.word("原因")).fill("调任东湖街道分行")
    assert page_problems(page, display) == []  # the open actions reachable on the phone
    screenshot(page, f"staff-2-actions-open-{display}")
    form.get_by_role("button", name=display.word("变更角色")).click()
    expect(page.get_by_role("status")).to_have_text(display.word("角色已变更。"))
    expect(cells.nth(1)).to_have_text(display.t("分行管理员", "Branch administrator"))
    expect(cells.nth(2)).to_have_text("东湖街道分行")
    expect(cells.nth(3)).to_have_text(display.t("启用", "Enabled"))
    assert page_problems(page, display) == []
    user = services.find_user("zhou-e2e")
    branch = services.load_office(user.office_id)
    assert (user.role, branch.name, user.active) == ("branch_admin", "东湖街道分行", True)

    row.get_by_text(display.word("操作"), exact=True).click()
    form = row.locator("form", has=page.get_by_role("button", name=display.word("停用")))
    form.get_by_label(display.word("原因")).fill("离职")
    form.get_by_role("button", name=display.word("停用")).click()
    expect(page.get_by_role("status")).to_have_text(
        display.word("账户已停用，其登录已全部失效。"))
    expect(cells.nth(3)).to_have_text(display.t("已停用", "Disabled"))
    expect(cells.nth(1)).to_have_text(display.t("分行管理员", "Branch administrator"))
    # A disabled account offers only to be enabled again.
    row.get_by_text(display.word("操作"), exact=True).click()
    expect(row.get_by_role("button")).to_have_text([display.t("启用", "Enable")])
    assert page_problems(page, display) == []
    screenshot(page, f"staff-3-disabled-{display}")
    assert not services.find_user("zhou-e2e").active

    # The account no longer logs in: the login page refuses it.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "tb_lang", "value": display.lang, "url": server.url}])
    page.goto("/staff/login")
    page.fill("#username", "zhou-e2e")
    page.fill("#password", "first-pass-2026")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_be_visible()
    assert "/staff/login" in page.url


def test_the_kiosk_simulator_counts_down_the_tries_then_says_when_the_lock_ends(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    shopper = world.shopper
    staff_login(page, COORDINATOR, "/staff/kiosk-simulator")
    expect(page.locator("#catalog")).to_contain_text("大米 5 公斤")

    def redeem(pin: str) -> Any:
        page.fill("#api_key", world.kiosk_key)
        page.fill("#passbook", shopper.passbook_no)
        page.fill("#pin", pin)
        page.fill("#sku", world.sku)
        page.fill("#quantity", "1")
        with page.expect_navigation():  # the answer is a new page, even when it reads the same
            page.get_by_role("button", name=display.t("兑换", "Redeem"), exact=True).click()
        return page.locator(".notice.error[role=status]")

    for left in range(PIN_ATTEMPTS_BEFORE_LOCK - 1, 0, -1):
        notice = redeem("000000")
        expect(notice).to_have_text(display.t(
            f"密码错误，还可再试 {left} 次；再错 {left} 次存折将锁定 15 分钟。",
            f"Wrong PIN. {left} more {'try' if left == 1 else 'tries'} before the passbook "
            "locks for 15 minutes."))
        if left == PIN_ATTEMPTS_BEFORE_LOCK - 1:
            assert page_problems(page, display) == []
            screenshot(page, f"kiosk-lock-1-tries-left-{display}")
    assert services.load_passbook(shopper.passbook_no).wrong_pins == PIN_ATTEMPTS_BEFORE_LOCK - 1

    notice = redeem("000000")  # the last try: the passbook locks
    locked_until = services.load_passbook(shopper.passbook_no).locked_until
    assert locked_until is not None
    until = locked_until.astimezone(SHANGHAI).strftime("%H:%M")
    expect(notice).to_contain_text(until)
    expect(notice).to_have_text(display.t(
        f"密码连续输错 {PIN_ATTEMPTS_BEFORE_LOCK} 次，存折已锁定，北京时间 {until} 后可再试。",
        f"Wrong PIN. The passbook is locked until {until} Beijing time "
        f"({locked_until.isoformat()}); "
        "try again then."))
    assert page_problems(page, display) == []
    screenshot(page, f"kiosk-lock-2-locked-{display}")

    # Even the right PIN is refused until then, with the same time; nothing was spent.
    notice = redeem(PIN)
    expect(notice).to_contain_text(display.t(f"北京时间 {until} 后可再试", until))
    assert page_problems(page, display) == []
    assert services.load_passbook(shopper.passbook_no).balance == 30
    assert services.load_catalog_item(UUID(world.office_id), world.sku).stock == 10


def test_a_volunteer_sees_whom_the_points_go_to_before_giving_them(
    page: Any, server: LiveServer, world: World, display: Display
) -> None:
    services = server.services
    giver, recipient = world.browser_user, world.helpers[0]  # 陈丽华 gives to 王秀英
    before = services.load_passbook(giver.passbook_no).balance
    page.goto("/me")
    page.fill("#phone", giver.phone)
    page.fill("#pin", PIN)
    page.get_by_role("button", name=display.word("登录")).click()
    expect(page.locator("h1")).to_have_text(display.word("我的爱心存折"))
    balance = page.locator("main dl").first.locator("dd").nth(1)
    expect(balance).to_have_text(str(before))

    page.fill("#to", recipient.passbook_no)
    page.fill("#points", "5")
    page.fill("#note", "谢谢您照顾我妈妈")
    page.get_by_role("button", name=display.word("下一步：核对对方")).click()
    expect(page.locator("h1")).to_have_text(display.t("确认转赠", "Confirm the gift"))
    gift = page.locator("#gift")
    expect(gift.locator("dd")).to_have_text(["王*英", recipient.passbook_no, "5",
                                             "谢谢您照顾我妈妈"])
    expect(gift).not_to_contain_text("王秀英")  # masked: enough to check, not to identify
    assert page_problems(page, display) == []
    screenshot(page, f"give-1-confirm-{display}")
    # Nothing is sent until it is confirmed.
    assert services.load_passbook(giver.passbook_no).balance == before
    assert services.load_passbook(recipient.passbook_no).balance == 0

    page.get_by_role("button", name=display.t("确认转赠", "Give the points")).click()
    expect(page.locator("h1")).to_have_text(display.word("我的爱心存折"))
    tail = recipient.passbook_no[-4:]
    expect(page.get_by_role("status")).to_have_text(display.t(
        f"已转赠 5 积分给 王*英（存折尾号 {tail}），余额 {before - 5}",
        f"Gave 5 points to 王*英 (passbook …{tail}); balance {before - 5}"))
    expect(balance).to_have_text(str(before - 5))
    # The history's newest line: the gift, naming the other passbook masked.
    newest = page.locator("#passbook-history tbody tr").first.locator("td")
    expect(newest.nth(2)).to_have_text(display.t(f"王*英（存折尾号 {tail}）",
                                                 f"王*英 (passbook …{tail})"))
    expect(newest.nth(3)).to_have_text("-5")
    expect(newest.nth(4)).to_have_text(str(before - 5))
    assert page_problems(page, display) == []
    screenshot(page, f"give-2-given-{display}")
    assert services.load_passbook(giver.passbook_no).balance == before - 5
    assert services.load_passbook(recipient.passbook_no).balance == 5
