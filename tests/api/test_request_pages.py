"""The service-request pages through HTTP, on both stores: the elder posts a need on
/me/requests, a volunteer of the area takes it and marks it done there, the elder confirms
and rates it (the hours move, a double-sent form moves them once); the savings office posts
for an elder without a phone (代办), dispatches it (派单) and confirms on their behalf on
/staff/requests; errors come back as words, in Chinese or English."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login, visible_text, volunteer_login
from tests.api.test_service_requests import hours, register, set_rules
from tests.helpers import HttpDistrict

API = "/api/v1"
WINDOW = {"starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T11:00"}


def form_key(html: str, step: str, request_id: str) -> str:
    match = re.search(rf'name="form_key" value="([^"]+-{step}-{request_id})"', html)
    assert match, f"no {step} form for {request_id}"
    return match.group(1)


def request_ids(html: str) -> list[str]:
    return re.findall(r'data-request="([0-9a-f-]{36})"', html)


def test_post_take_done_confirm_on_a_phone(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma, helper = register(d, "19500101"), register(d)
    d.earn(grandma["id"], 300)
    grandma_phone, helper_phone = grandma["phone"], helper["phone"]

    volunteer_login(client, grandma_phone)
    page = client.get("/me/requests")
    assert page.status_code == 200 and "发布需求" in page.text
    posted = client.post("/me/requests", data={
        "csrf": csrf_of(page.text), "form_key": "k1", "category": "cleaning",
        "place": "樱花小区3栋201", "notes": "", **WINDOW}, follow_redirects=True)
    assert "需求已发布" in posted.text
    rid = request_ids(posted.text)[0]
    assert "助洁" in visible_text(posted.text) and "待接单" in visible_text(posted.text)
    assert hours(d, grandma) == ("3.00", "2.00")  # the window held: 2 h of 5

    volunteer_login(client, helper_phone)
    page = client.get("/me/requests")
    assert rid in request_ids(page.text)  # open near them
    assert "樱花小区3栋201" not in page.text  # the place only once taken
    taken = client.post(f"/me/requests/{rid}", data={
        "csrf": csrf_of(page.text), "step": "take",
        "form_key": form_key(page.text, "take", rid)}, follow_redirects=True)
    assert "接单成功" in taken.text
    done = client.post(f"/me/requests/{rid}", data={
        "csrf": csrf_of(taken.text), "step": "done", "hours": "1.5",
        "form_key": form_key(taken.text, "done", rid)}, follow_redirects=True)
    assert "已登记完成" in done.text

    volunteer_login(client, grandma_phone)
    page = client.get("/me/requests?lang=en")
    confirm = {"csrf": csrf_of(page.text), "step": "confirm", "rating": "5",
               "text": "very good", "form_key": form_key(page.text, "confirm", rid)}
    first = client.post(f"/me/requests/{rid}?lang=en", data=confirm, follow_redirects=True)
    assert "Confirmed: the hours moved." in first.text
    again = client.post(f"/me/requests/{rid}?lang=en", data=confirm, follow_redirects=True)
    assert "Confirmed" in again.text  # the same form sent twice: done once
    assert hours(d, grandma) == ("3.50", "0.00")  # 5.00 - 1.50
    assert hours(d, helper) == ("1.50", "0.00")
    # The confirmation and its rating join the volunteer's record.
    volunteer_login(client, helper_phone)
    record = client.get("/me/records")
    assert "已确认 1 · 1.50 小时 · 平均评分 5.0 · 未到 0" in visible_text(record.text)
    volunteer_login(client, grandma_phone)
    page = client.get("/me/requests?lang=en")
    # A step the request is not at: words, not a code.
    late = client.post(f"/me/requests/{rid}?lang=en", data={
        **confirm, "csrf": csrf_of(page.text), "step": "cancel"}, follow_redirects=True)
    assert "The request is not at the step this needs." in late.text


def test_the_office_posts_dispatches_and_confirms_for_an_elder(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    grandma = register(d, "19500101")
    helper = register(d, office_id=d.other_office_id)
    d.user("coord-p", "coordinator", d.office_id)
    staff_login(client, "coord-p", "correct-horse-1")
    page = client.get("/staff/requests")
    assert page.status_code == 200 and "老人的存折号" in page.text
    posted = client.post("/staff/requests", data={
        "csrf": csrf_of(page.text), "form_key": "s1", "category": "meals",
        "place": "松林路8号", "beneficiary_passbook": grandma["passbook_no"], **WINDOW},
        follow_redirects=True)
    assert "需求已发布" in posted.text
    rid = request_ids(posted.text)[0]
    assert "工作人员代办" in visible_text(posted.text)
    dispatched = client.post(f"/staff/requests/{rid}", data={
        "csrf": csrf_of(posted.text), "step": "dispatch", "passbook": helper["passbook_no"],
        "form_key": form_key(posted.text, "dispatch", rid)}, follow_redirects=True)
    assert "已派单" in dispatched.text
    done = client.post(f"/staff/requests/{rid}", data={
        "csrf": csrf_of(dispatched.text), "step": "done", "hours": "2",
        "form_key": form_key(dispatched.text, "done", rid)}, follow_redirects=True)
    confirmed = client.post(f"/staff/requests/{rid}", data={
        "csrf": csrf_of(done.text), "step": "confirm", "rating": "4", "text": "电话回访",
        "form_key": form_key(done.text, "confirm", rid)}, follow_redirects=True)
    assert "时间已记入" in confirmed.text
    assert hours(d, helper) == ("2.00", "0.00")
    # A volunteer never sees the office's page.
    volunteer_login(client, helper["phone"])
    assert client.get("/staff/requests", follow_redirects=False).status_code == 303


def test_staff_record_an_elders_circumstances_and_grant_pool_hours(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    set_rules(d)
    old = register(d, "19400301")
    client.post(f"{API}/offices/{d.bank_id}/hours-pool/fundings", headers=d.admin,
                json={"hours": "10", "reason": "年度注资"})
    d.user("branch-p", "branch_admin", d.branch_id)
    staff_login(client, "branch-p", "correct-horse-1")
    page = client.get("/staff/requests")
    refused = client.post("/staff/requests/elders/grant", data={
        "csrf": csrf_of(page.text), "passbook": old["passbook_no"], "hours": "2",
        "reason": "年度发放", "form_key": "g1"}, follow_redirects=True)
    assert "不符合本行公益时间池的资助条件" in refused.text  # living alone not yet recorded
    recorded = client.post("/staff/requests/elders/status", data={
        "csrf": csrf_of(refused.text), "passbook": old["passbook_no"], "living_alone": "yes",
        "evidence": "社区入户核实独居"}, follow_redirects=True)
    assert "已登记老人情况" in recorded.text
    granted = client.post("/staff/requests/elders/grant", data={
        "csrf": csrf_of(recorded.text), "passbook": old["passbook_no"], "hours": "2",
        "reason": "年度发放", "form_key": "g2"}, follow_redirects=True)
    assert "已从公益时间池发放" in granted.text
    assert hours(d, old) == ("2.00", "0.00")
