"""The mobile scan page through HTTP: form, login, confirmation, result — in Chinese."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.test_scans import ScanWorld


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "the form carries a CSRF token"
    return match.group(1)


def test_scan_page_logs_in_confirms_and_shows_the_record(client: TestClient) -> None:
    world = ScanWorld(client)
    client.cookies.clear()
    token = world.token("check_in")

    page = client.get("/scan", params={"t": token})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'lang="zh-CN"' in page.text
    assert "签到 · 社区助老" in page.text and "手机号" in page.text
    assert "/static/site.css" in page.text and "http" not in page.text.split("<body>")[0]

    wrong = client.post("/scan/login", data={"t": token, "phone": world.phone, "pin": "000000",
                                             "csrf": csrf_of(page.text)})
    assert wrong.status_code == 401 and "手机号或密码错误" in wrong.text

    login = client.post("/scan/login", data={"t": token, "phone": world.phone, "pin": "738294",
                                             "csrf": csrf_of(wrong.text)},
                        follow_redirects=False)
    assert login.status_code == 303
    assert "httponly" in login.headers["set-cookie"].lower()

    confirm = client.get(login.headers["location"])
    assert confirm.status_code == 200
    assert "您将要签到" in confirm.text and "社区活动室" in confirm.text
    assert "确认签到" in confirm.text

    done = client.post("/scan/confirm", data={"t": token, "csrf": csrf_of(confirm.text)})
    assert done.status_code == 200
    assert "签到成功" in done.text and "已签到" in done.text

    again = client.post("/scan/confirm", data={"t": token, "csrf": csrf_of(confirm.text)})
    assert again.status_code == 409 and "您已签到该活动" in again.text

    records = client.get("/api/v1/service-records",
                         params={"office_id": world.d.office_id, "status": "checked_in"},
                         headers=world.d.admin).json()
    assert [r["volunteer_id"] for r in records] == [world.volunteer["id"]]


def test_scan_page_refuses_forms_without_csrf_and_bad_tokens(client: TestClient) -> None:
    world = ScanWorld(client)
    token = world.token("check_in")
    forged = client.post("/scan/login", data={"t": token, "phone": world.phone,
                                              "pin": "738294", "csrf": "x" * 40})
    assert forged.status_code == 403
    assert "tb_session" not in forged.headers.get("set-cookie", "")
    bad = client.get("/scan", params={"t": "not-a-token"})
    assert bad.status_code == 400 and "二维码无效" in bad.text


def test_english_switch(client: TestClient) -> None:
    world = ScanWorld(client)
    token = world.token("check_out")
    page = client.get("/scan", params={"t": token, "lang": "en"})
    assert page.status_code == 200
    assert 'lang="en"' in page.text and "Check out" in page.text and "Phone number" in page.text
    assert "中文" in page.text  # the switch back
    assert client.get("/static/scan.js").status_code == 200


def test_the_page_and_the_api_share_one_count_of_a_volunteers_scans(client: TestClient) -> None:
    world = ScanWorld(client)
    token = world.token("check_out")  # not checked in: each scan is refused, and counted
    assert [world.scan(token).status_code for _ in range(10)] == [409] * 10
    client.cookies.clear()
    page = client.get("/scan", params={"t": token})
    login = client.post("/scan/login", data={"t": token, "phone": world.phone, "pin": "738294",
                                             "csrf": csrf_of(page.text)})
    eleventh = client.post("/scan/confirm", data={"t": token, "csrf": csrf_of(login.text)})
    assert eleventh.status_code == 429 and "操作过于频繁" in eleventh.text
