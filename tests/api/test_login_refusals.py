"""A refused login says what the person can do next: after a wrong PIN or password, how many
tries this address has left in the window; once they are spent, the Beijing time after which
to try again — on the volunteer's, the scan page's and the staff login forms."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of
from tests.helpers import HttpDistrict


def post_login(client: TestClient, path: str, fields: dict[str, str]) -> object:
    form = client.get("/staff/login" if path == "/staff/login" else "/me")
    return client.post(path, data={**fields, "csrf": csrf_of(form.text)})


def test_a_volunteer_is_told_the_tries_left_and_then_when_to_come_back(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    phone = "13912345678"
    d.volunteer(phone=phone)
    answers = [post_login(client, "/me/login", {"phone": phone, "pin": "000000"})
               for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert "手机号或密码错误。本机还可再试 9 次，用完后须等待 15 分钟。" in answers[0].text
    assert "还可再试 0 次" in answers[9].text
    assert answers[10].status_code == 429
    assert re.search(r"操作过于频繁，请在北京时间 \d\d:\d\d 后再试。", answers[10].text)


def test_staff_are_told_too_in_their_language(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("tries-coord", "coordinator", d.office_id, password="tries-pass-123")
    client.cookies.set("tb_lang", "en")
    first = post_login(client, "/staff/login",
                       {"username": "tries-coord", "password": "wrong-pass-1"})
    assert first.status_code == 401
    alert = re.search(r'role="alert">([^<]*)', first.text)
    assert alert is not None
    # Every attempt counts, the account's own successful ones from this address too.
    told = re.fullmatch(r"Wrong username or password\. (\d) more tries from here; after "
                        r"that, wait 15 minutes\.", alert.group(1))
    assert told is not None, alert.group(1)
    for _ in range(int(told.group(1))):
        post_login(client, "/staff/login", {"username": "tries-coord", "password": "wrong"})
    spent = post_login(client, "/staff/login",
                       {"username": "tries-coord", "password": "wrong-pass-1"})
    assert spent.status_code == 429
    assert re.search(r"Too many attempts: try again after \d\d:\d\d Beijing time\.", spent.text)
