"""The volunteer's own passbook page and the coordinator's live code and approvals, in
Chinese, through HTTP with sessions and CSRF."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict, next_phone


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_volunteer_sees_their_own_passbook(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone, name="孙悦")
    d.earn(volunteer["id"], 90)
    client.cookies.clear()
    page = client.get("/me")
    assert page.status_code == 200 and "我的爱心存折" in page.text and "手机号" in page.text
    login = client.post("/me/login", data={"phone": phone, "pin": "123456",
                                           "csrf": csrf_of(page.text), "next": "/me"},
                        follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/me"
    mine = client.get("/me")
    assert "孙悦" in mine.text and volunteer["passbook_no"] in mine.text
    assert ">15<" in mine.text and "服务积分" in mine.text  # 1.5 h at 10 points an hour
    assert "<svg" in mine.text  # the card to show at a kiosk, drawn on the server
    outside = client.post("/me/login", data={"phone": phone, "pin": "123456",
                                             "csrf": csrf_of(page.text),
                                             "next": "https://evil.example/"},
                          follow_redirects=False)
    assert outside.headers["location"] == "/me"  # no open redirect


def test_coordinator_live_code_and_bulk_approval(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-p", "coordinator", d.office_id, password="coord-password-1")
    now = datetime.now(UTC)
    activity = client.post("/api/v1/activities", json={
        "office_id": d.office_id, "title": "敬老院探访", "category": "elderly_care",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "敬老院"},
        headers=d.admin).json()["id"]
    volunteer = d.volunteer()
    records = [d.service_record(volunteer["id"], 30), d.service_record(volunteer["id"], 45)]
    client.cookies.clear()
    live_path = f"/staff/activities/{activity}/live"
    to_login = client.get(live_path, follow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith(
        "/staff/login")
    form = client.get(to_login.headers["location"])
    assert "工作人员登录" in form.text
    logged_in = client.post("/staff/login", data={
        "username": "coord-p", "password": "coord-password-1", "csrf": csrf_of(form.text),
        "next": live_path}, follow_redirects=False)
    assert logged_in.status_code == 303 and logged_in.headers["location"] == live_path
    live = client.get(live_path)
    assert live.status_code == 200 and "<svg" in live.text and "敬老院探访" in live.text
    assert 'http-equiv="refresh"' in live.text
    url = re.search(r'data-scan-url="([^"]+)"', live.text).group(1).replace("&amp;", "&")
    token = parse_qs(urlsplit(url).query)["t"][0]
    assert ".l." in token  # a live, rotating code

    page = client.get("/staff/approvals")
    assert page.status_code == 200 and "待审核服务记录" in page.text
    done = client.post(f"/staff/approvals?office_id={d.office_id}",
                       data={"csrf": csrf_of(page.text), "ids": records},
                       follow_redirects=False)
    assert done.status_code == 303
    after = client.get(done.headers["location"])
    assert "已批准：2" in after.text and "没有待审核的记录" in after.text
    passbook = client.get(f"/api/v1/volunteers/{volunteer['id']}/passbook",
                          headers=d.admin).json()
    assert passbook["total_hours"] == "1.25"
    forged = client.post(f"/staff/approvals?office_id={d.office_id}",
                         data={"csrf": "x" * 40, "ids": records})
    assert forged.status_code == 403
