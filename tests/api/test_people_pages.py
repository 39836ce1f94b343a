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
    login = client.post("/me/login", data={"phone": phone, "pin": "738294",
                                           "csrf": csrf_of(page.text), "next": "/me"},
                        follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"] == "/me"
    mine = client.get("/me")
    assert "孙悦" in mine.text and volunteer["passbook_no"] in mine.text
    assert ">15<" in mine.text and "服务积分" in mine.text  # 1.5 h at 10 points an hour
    assert "<svg" in mine.text  # the card to show at a kiosk, drawn on the server
    outside = client.post("/me/login", data={"phone": phone, "pin": "738294",
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


def test_volunteer_gives_points_from_the_page_once(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    giver = d.volunteer(phone=phone)
    receiver = d.volunteer(name="周敏")
    d.earn(giver["id"], 120)  # 20 points
    client.cookies.clear()
    page = client.get("/me")
    client.post("/me/login", data={"phone": phone, "pin": "738294", "csrf": csrf_of(page.text),
                                   "next": "/me"})
    mine = client.get("/me")
    key = re.search(r'name="key" value="([^"]+)"', mine.text).group(1)
    form = {"to_passbook": receiver["passbook_no"], "points": "8", "note": "谢谢",
            "key": key, "csrf": csrf_of(mine.text)}
    # First the page says whom the points go to, masked, for the giver to confirm.
    check = client.post("/me/give/check", data=form)
    assert check.status_code == 200 and "周*" in check.text and "周敏" not in check.text
    assert receiver["passbook_no"] in check.text and "确认转赠" in check.text
    assert client.get(f"/api/v1/volunteers/{receiver['id']}/passbook",
                      headers=d.admin).json()["balance_points"] == 0  # nothing sent yet
    unknown = client.post("/me/give/check", data={**form, "to_passbook": "123"},
                          follow_redirects=False)
    assert "gift_error=not_found" in unknown.headers["location"]
    first = client.post("/me/give", data=form, follow_redirects=False)
    again = client.post("/me/give", data=form, follow_redirects=False)  # a double submit
    assert first.status_code == again.status_code == 303
    shown = client.get(first.headers["location"])
    tail = receiver["passbook_no"][-4:]
    assert f"已转赠 8 积分给 周*（存折尾号 {tail}），余额 12" in shown.text
    # The history names the other passbook of the gift, masked, under its headers.
    history = re.search(r'id="passbook-history">(.*?)</table>', shown.text, re.S).group(1)
    assert "<th>对方 / 活动</th>" in history and f"周*（存折尾号 {tail}）" in history
    assert re.search(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", history)  # with the year
    balance = client.get(f"/api/v1/volunteers/{receiver['id']}/passbook",
                         headers=d.admin).json()["balance_points"]
    assert balance == 8  # given once
    too_much = client.post("/me/give", data={**form, "points": "99", "key": "another"},
                           follow_redirects=False)
    assert "存折积分不足" in client.get(too_much.headers["location"]).text


def test_kiosk_simulator_runs_the_real_redemption(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    volunteer = d.volunteer()
    d.earn(volunteer["id"], 120)  # 20 points
    key = client.post("/api/v1/kiosks", json={"office_id": d.office_id, "name": "模拟"},
                      headers=d.admin).json()["api_key"]
    client.post(f"/api/v1/offices/{d.office_id}/catalog",
                json={"sku": "TEA", "name": "茶叶", "points": 6, "stock": 3}, headers=d.admin)
    d.user("coord-k", "coordinator", d.office_id, password="coord-k-password")
    client.cookies.clear()
    form = client.get("/staff/login", params={"next": "/staff/kiosk-simulator"})
    client.post("/staff/login", data={"username": "coord-k", "password": "coord-k-password",
                                      "csrf": csrf_of(form.text),
                                      "next": "/staff/kiosk-simulator"})
    page = client.get("/staff/kiosk-simulator")
    assert page.status_code == 200 and "兑换终端模拟" in page.text
    form_key = re.search(r'name="key" value="([^"]+)"', page.text).group(1)
    submitted = {"api_key": key, "passbook": volunteer["passbook_no"], "pin": "738294",
                 "sku": "TEA", "quantity": "2", "csrf": csrf_of(page.text), "key": form_key}
    done = client.post("/staff/kiosk-simulator", data=submitted)
    assert "兑换成功，花费 12 积分，余额 8" in done.text and "茶叶" in done.text
    again = client.post("/staff/kiosk-simulator", data=submitted)  # a double submit
    assert "兑换成功，花费 12 积分，余额 8" in again.text  # the first one's answer
    assert re.search(r'name="key" value="([^"]+)"', done.text).group(1) != form_key
    wrong = client.post("/staff/kiosk-simulator", data={
        "api_key": key, "passbook": volunteer["passbook_no"], "pin": "000000", "sku": "TEA",
        "quantity": "1", "csrf": csrf_of(page.text)})
    assert "密码错误" in wrong.text
    stock = client.get("/api/v1/kiosk/catalog", headers={"X-Kiosk-Key": key}).json()
    assert stock[0]["stock"] == 1  # the double submit took nothing more
    english = client.post("/staff/kiosk-simulator?lang=en",
                          data={**submitted, "quantity": "1", "key": "another-redemption"})
    assert "redeemed, 6 points spent, balance 2" in english.text


def test_the_live_code_shows_who_came_in_with_masked_names(client: TestClient) -> None:
    from tests.api.test_scans import ScanWorld

    world = ScanWorld(client)
    d = world.d
    latecomer_phone = next_phone()
    d.volunteer(name="欧阳娜娜", phone=latecomer_phone)
    assert world.scan(world.token("check_in")).status_code == 200
    assert world.scan(world.token("check_in"),
                      headers=d.volunteer_headers(latecomer_phone)).status_code == 200
    d.user("coord-live", "coordinator", d.office_id, password="coord-password-2")
    client.cookies.clear()
    form = client.get("/staff/login")
    client.post("/staff/login", data={"username": "coord-live", "password": "coord-password-2",
                                      "csrf": csrf_of(form.text), "next": "/staff/approvals"})
    live = client.get(f"/staff/activities/{world.activity_id}/live")
    assert live.status_code == 200
    assert re.search(r'id="checked-in">2<', live.text)
    arrivals = re.search(r'<ul class="records" id="arrivals">(.*?)</ul>', live.text, re.S)
    assert arrivals is not None and arrivals.group(1).count("<li>") == 2
    assert "欧**" in arrivals.group(1) and "欧阳娜娜" not in live.text
    assert latecomer_phone not in live.text


def test_no_words_can_be_planted_in_the_passbook_page_by_a_link(client: TestClient) -> None:
    from tests.api._pages import volunteer_login

    d = HttpDistrict.build(client)
    phone = next_phone()
    d.volunteer(phone=phone)
    volunteer_login(client, phone)
    planted = "账户已冻结，请拨打 400-000-0000"
    page = client.get("/me", params={"gift_error": planted, "cert_error": planted,
                                     "cert_field": planted})
    assert page.status_code == 200 and planted not in page.text
    coded = client.get("/me", params={"gift_error": "insufficient_points"})
    assert "存折积分不足" in coded.text
    assert client.get("/me", params={"given": "-5"}).status_code == 422
