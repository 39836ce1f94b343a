"""The coordinator's console through HTTP, on both stores: the office's activities with
their state, planning one from the form (Beijing time), refusals kept in the form, the
printable codes, the office's totals, and the staff navigation by role."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, hidden, staff_login
from tests.helpers import HttpDistrict
from timebank.domain.values import SHANGHAI

API = "/api/v1"
PASSWORD = "coord-password-1"


def activities_of(client: TestClient, d: HttpDistrict, office_id: str) -> list[dict]:
    response = client.get(f"{API}/offices/{office_id}/activities", headers=d.admin)
    assert response.status_code == 200, response.text
    return response.json()


def plan_form(page: str, **fields: str) -> dict[str, str]:
    office_id = fields.pop("office_id", None) or hidden(page, "office_id")
    form = {"csrf": csrf_of(page), "office_id": office_id,
            "console_office_id": hidden(page, "console_office_id"), "title": "社区义诊",
            "category": "elderly_care", "location": "社区卫生站", "starts_at": "2026-12-10T09:00",
            "ends_at": "2026-12-10T11:30", "capacity": "", "approval_policy": "manual",
            "latitude": "", "longitude": "", "radius_m": "", "geofence_mode": "flag"}
    form.update(fields)
    return form


def test_console_lists_the_offices_activities_with_state_totals_and_links(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)  # its activity: 2026-11-01 01:00 UTC, four hours
    d.user("coord-a", "coordinator", d.office_id, password=PASSWORD)
    elsewhere = client.post(f"{API}/activities", json={
        "office_id": d.other_office_id, "title": "松林植树", "category": "environment",
        "starts_at": "2026-11-02T01:00:00+00:00", "ends_at": "2026-11-02T03:00:00+00:00",
        "location": "松林公园"}, headers=d.admin)
    assert elsewhere.status_code == 201
    volunteer = d.volunteer()
    d.earn(volunteer["id"], 90)  # 1.5 h at 10 points an hour
    key = client.post(f"{API}/kiosks", json={"office_id": d.office_id, "name": "超市"},
                      headers=d.admin).json()["api_key"]
    client.post(f"{API}/offices/{d.office_id}/catalog",
                json={"sku": "SOAP", "name": "肥皂", "points": 4, "stock": 5}, headers=d.admin)
    spent = client.post(f"{API}/kiosk/redemptions", json={
        "passbook_no": volunteer["passbook_no"], "pin": "738294",
        "items": [{"sku": "SOAP", "quantity": 1}]},
        headers={"X-Kiosk-Key": key, "Idempotency-Key": "r-1"})
    assert spent.status_code == 201, spent.text

    staff_login(client, "coord-a", PASSWORD)
    page = client.get("/staff/activities")
    assert page.status_code == 200
    text = page.text
    assert "协调员工作台 · 樱花社区储蓄所" in text
    assert "为独居老人送餐" in text and "社区食堂" in text and "已结束" in text
    assert "2026-11-01 09:00 – 13:00" in text  # Beijing time
    assert "松林植树" not in text  # another office's activity
    assert f'href="/staff/activities/{d.activity_id}/live"' in text
    assert f'href="/staff/activities/{d.activity_id}/print"' in text
    totals = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", text))
    assert totals["志愿者人数"] == "1" and totals["累计服务时长（小时）"] == "1.50"
    assert totals["累计获得积分"] == "15" and totals["累计兑换积分"] == "4"
    assert totals["积分结余"] == "11"
    nav = re.search(r'<nav class="staff-nav".*?</nav>', text, re.S).group(0)
    for link in ("/staff/activities", "/staff/entries", "/staff/volunteers",
                 "/staff/approvals", "/staff/kiosk-simulator", f"/staff/offices/{d.office_id}"):
        assert f'href="{link}"' in nav
    assert "/staff/funds" not in nav  # a coordinator reads no funds

    english = client.get("/staff/activities", params={"lang": "en"})
    assert "Coordinator console" in english.text and "Ended" in english.text
    assert "Points spent" in english.text and "已结束" not in english.text


def test_new_activity_form_plans_it_in_beijing_time_with_its_options(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-b", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "coord-b", PASSWORD)
    page = client.get("/staff/activities")
    assert "新建活动" in page.text and 'type="datetime-local"' in page.text
    day = (datetime.now(SHANGHAI) + timedelta(days=10)).date()  # ahead, so "未开始"
    done = client.post("/staff/activities", data=plan_form(
        page.text, starts_at=f"{day}T09:00", ends_at=f"{day}T11:30", capacity="20",
        approval_policy="auto_on_checkout", latitude="31.2304", longitude="121.4737",
        radius_m="150", geofence_mode="refuse"), follow_redirects=False)
    assert done.status_code == 303
    query = parse_qs(urlsplit(done.headers["location"]).query)
    assert query["office_id"] == [d.office_id]
    created = client.get(f"{API}/activities/{query['created'][0]}", headers=d.admin).json()
    assert created["office_id"] == d.office_id and created["title"] == "社区义诊"
    beijing_nine = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)  # 09:00 +08:00
    assert datetime.fromisoformat(created["starts_at"]) == beijing_nine
    assert datetime.fromisoformat(created["ends_at"]) == beijing_nine + timedelta(hours=2.5)
    assert created["capacity"] == 20 and created["approval_policy"] == "auto_on_checkout"
    assert created["latitude"] == 31.2304 and created["radius_m"] == 150
    assert created["geofence_mode"] == "refuse"
    shown = client.get(done.headers["location"])
    assert "活动已创建" in shown.text and "社区义诊" in shown.text and "未开始" in shown.text


def test_refused_activities_stay_in_the_form_in_the_users_language_and_record_nothing(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-c", "coordinator", d.office_id, password=PASSWORD)
    before = len(activities_of(client, d, d.office_id))
    staff_login(client, "coord-c", PASSWORD)
    page = client.get("/staff/activities")

    backwards = client.post("/staff/activities", data=plan_form(
        page.text, ends_at="2026-12-10T08:00"))
    assert backwards.status_code == 422
    assert "结束时间必须晚于开始时间。（结束时间）" in backwards.text
    assert 'value="社区义诊"' in backwards.text  # what was typed stays in the form

    crowd = client.post("/staff/activities", data=plan_form(page.text, capacity="很多"))
    assert crowd.status_code == 422 and "请求内容无效。（人数上限）" in crowd.text

    untimed = client.post("/staff/activities", data=plan_form(page.text, starts_at="明天"))
    assert untimed.status_code == 422 and "请求内容无效。（开始时间）" in untimed.text

    half_place = client.post("/staff/activities?lang=en",
                             data=plan_form(page.text, latitude="31.2"))
    assert half_place.status_code == 422
    assert "latitude and longitude go together. (Latitude)" in half_place.text
    assert "请求" not in half_place.text

    forged = client.post("/staff/activities", data={**plan_form(page.text), "csrf": "x" * 43})
    assert forged.status_code == 403
    assert len(activities_of(client, d, d.office_id)) == before


def test_the_console_keeps_to_the_coordinators_office_and_role(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-elsewhere", "coordinator", d.other_office_id, password=PASSWORD)
    d.user("treasurer-t", "treasurer", d.bank_id, password=PASSWORD)
    before = len(activities_of(client, d, d.office_id))

    staff_login(client, "coord-elsewhere", PASSWORD)
    foreign = client.get("/staff/activities", params={"office_id": d.office_id})
    assert foreign.status_code == 403 and "超出您的角色或所属机构的权限范围" in foreign.text
    page = client.get("/staff/activities")
    assert page.status_code == 200 and "松林社区储蓄所" in page.text
    planted = client.post("/staff/activities",
                          data=plan_form(page.text, office_id=d.office_id))
    assert planted.status_code == 403 and "超出您的角色" in planted.text
    codes = client.get(f"/staff/activities/{d.activity_id}/print")
    assert codes.status_code == 403
    assert len(activities_of(client, d, d.office_id)) == before

    staff_login(client, "treasurer-t", PASSWORD)
    assert client.get("/staff/activities").status_code == 403
    client.cookies.clear()
    anonymous = client.get("/staff/activities", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/staff/login")


def test_printable_codes_open_the_scan_page_for_each_action(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-p", "coordinator", d.office_id, password=PASSWORD)
    now = datetime.now(UTC)
    activity = client.post(f"{API}/activities", json={
        "office_id": d.office_id, "title": "垃圾分类宣传", "category": "environment",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "小区广场"},
        headers=d.admin).json()["id"]
    staff_login(client, "coord-p", PASSWORD)
    page = client.get(f"/staff/activities/{activity}/print")
    assert page.status_code == 200 and page.text.count("<svg") == 2
    assert "签到" in page.text and "签退" in page.text and "小区广场" in page.text
    urls = [u.replace("&amp;", "&") for u in re.findall(r'data-scan-url="([^"]+)"', page.text)]
    assert len(urls) == 2
    tokens = [parse_qs(urlsplit(url).query)["t"][0] for url in urls]
    assert all(".p." in token for token in tokens)  # printable, not the rotating kind
    client.cookies.clear()
    for token, action in zip(tokens, ("签到", "签退"), strict=True):
        scan = client.get("/scan", params={"t": token})
        assert scan.status_code == 200 and "垃圾分类宣传" in scan.text and action in scan.text


def test_staff_navigation_follows_the_role_and_lists_readable_funds(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    treasurer = d.user("treasurer-n", "treasurer", d.branch_id, password=PASSWORD)
    d.user("treasurer-far", "treasurer", d.other_office_id, password=PASSWORD)
    fund = client.post(f"{API}/funds", json={"name": "东湖社区基金会", "kind": "foundation",
                                             "host_fund_id": None, "office_id": d.branch_id},
                       headers=treasurer)
    assert fund.status_code == 201, fund.text
    staff_login(client, "treasurer-n", PASSWORD)
    funds = client.get("/staff/funds")
    assert funds.status_code == 200
    assert f'href="/staff/funds/{fund.json()["id"]}"' in funds.text
    assert "东湖社区基金会" in funds.text
    nav = re.search(r'<nav class="staff-nav".*?</nav>', funds.text, re.S).group(0)
    # The funds are a treasurer's start page: the menu names them 工作台, first.
    assert 'href="/staff" aria-current="page">工作台' in nav and 'href="/staff/funds"' not in nav
    assert f'href="/staff/offices/{d.branch_id}"' in nav
    assert "/staff/entries" not in nav and "/staff/approvals" not in nav

    left = client.post("/logout", data={"csrf": csrf_of(funds.text)}, follow_redirects=False)
    assert left.status_code == 303 and left.headers["location"] == "/staff/login"
    assert client.get("/staff/funds", follow_redirects=False).status_code == 303  # to login

    staff_login(client, "treasurer-far", PASSWORD)
    far = client.get("/staff/funds", params={"lang": "en"})
    assert far.status_code == 200 and "东湖社区基金会" not in far.text
    assert "No funds in your part of the district." in far.text
    client.cookies.clear()
    assert "staff-nav" not in client.get("/staff/login").text


def test_a_branch_admin_plans_for_a_savings_office_of_the_branch(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    second = d.office("梅园社区储蓄所", "savings_office", d.branch_id)
    d.user("branch-b", "branch_admin", d.branch_id, password=PASSWORD)
    staff_login(client, "branch-b", PASSWORD)
    page = client.get("/staff/activities")
    assert page.status_code == 200 and "东湖街道分行" in page.text
    assert f'<option value="{second}">梅园社区储蓄所</option>' in page.text
    assert "松林社区储蓄所" not in page.text  # another branch's office
    done = client.post("/staff/activities", data=plan_form(page.text, office_id=second),
                       follow_redirects=False)
    assert done.status_code == 303
    assert [a["title"] for a in activities_of(client, d, second)] == ["社区义诊"]
    assert parse_qs(urlsplit(done.headers["location"]).query)["office_id"] == [d.branch_id]
    branch_page = client.get(done.headers["location"])  # back to the branch's console
    assert "社区义诊" in branch_page.text and "为独居老人送餐" in branch_page.text
