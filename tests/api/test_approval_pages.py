"""The approvals page says what it approves — volunteer (masked), activity, service date,
category label, hours, the points approval will credit — selects nothing by itself, filters
by activity and service date, and rejects the selection with a reason; on both stores."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login
from tests.helpers import HttpDistrict

API = "/api/v1"
PASSWORD = "approve-password-1"


def _activity(client: TestClient, d: HttpDistrict, title: str, category: str,
              start: datetime) -> str:
    response = client.post(f"{API}/activities", json={
        "office_id": d.office_id, "title": title, "category": category,
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=4)).isoformat(),
        "location": "社区"}, headers=d.admin)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _enter(client: TestClient, d: HttpDistrict, volunteer_id: str, activity_id: str,
           start: datetime, minutes: int) -> str:
    response = client.post(f"{API}/service-records", json={
        "volunteer_id": volunteer_id, "activity_id": activity_id,
        "started_at": start.isoformat(),
        "ended_at": (start + timedelta(minutes=minutes)).isoformat(), "note": ""},
        headers=d.admin)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _rows(html: str) -> list[str]:
    body = re.search(r'<table class="grid cards-on-phone" id="pending">.*?<tbody>(.*?)</tbody>',
                     html, re.S)
    return re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S) if body else []


def test_pending_records_are_described_filtered_and_decided(client: TestClient) -> None:
    d = HttpDistrict.build(client)  # the bank's rules: 10 points an hour
    put = client.put(f"{API}/offices/{d.bank_id}/point-rules", json={
        "points_per_hour": 10, "category_multipliers": {"elderly_care": "1.5"}},
        headers=d.admin)
    assert put.status_code == 200, put.text
    d.user("approver", "coordinator", d.office_id, password=PASSWORD)
    meals_at = datetime(2026, 11, 3, 1, 0, tzinfo=UTC)  # 09:00 Beijing time
    planting_at = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
    meals = _activity(client, d, "为独居老人送餐", "elderly_care", meals_at)
    planting = _activity(client, d, "社区植树", "tree_planting", planting_at)  # free text
    wang, li = d.volunteer(name="王秀英"), d.volunteer(name="李建国")
    served = {}
    for volunteer, activity, start, minutes in ((wang, meals, meals_at, 90),
                                                (li, meals, meals_at + timedelta(minutes=30),
                                                 45),
                                                (wang, planting, planting_at, 120)):
        served[(volunteer["id"], activity)] = _enter(client, d, volunteer["id"], activity,
                                                     start, minutes)

    staff_login(client, "approver", PASSWORD)
    page = client.get("/staff/approvals")
    assert page.status_code == 200
    for header in ("志愿者", "活动", "服务时间", "服务类别", "服务时长", "审核后得积分"):
        assert f"<th>{header}</th>" in page.text, header
    rows = _rows(page.text)
    assert len(rows) == 3 and " checked" not in page.text  # nothing selected for the user
    first = rows[0]  # oldest service first: 王秀英 at the meals, 1.5 h of elderly care
    assert "王*英" in first and "王秀英" not in page.text and "为独居老人送餐" in first
    assert "2026-11-03 09:00–10:30" in first and "助老服务" in first and "1.50" in first
    # 90 min × 10 points an hour × 1.5 ÷ 60 = 22.5, half up: 23 points.
    assert re.search(r'data-label="审核后得积分" class="amount">23<', first)
    assert re.search(r'data-label="审核后得积分" class="amount">11<', rows[1])  # 11.25 → 11
    # The free-text category keeps working and is marked as not in the list.
    assert "tree_planting（未列入分类）" in rows[2]
    assert re.search(r'data-label="审核后得积分" class="amount">20<', rows[2])  # 2 h × 10 × 1

    by_activity = client.get("/staff/approvals", params={"activity_id": planting})
    assert len(_rows(by_activity.text)) == 1 and "社区植树" in _rows(by_activity.text)[0]
    by_date = client.get("/staff/approvals", params={"date_from": "2026-11-01",
                                                      "date_to": "2026-11-03"})
    assert len(_rows(by_date.text)) == 2
    nothing = client.get("/staff/approvals", params={"date_from": "2026-11-04",
                                                      "date_to": "2026-11-19"})
    assert _rows(nothing.text) == [] and "没有待审核的记录" in nothing.text

    wang_meals = served[(wang["id"], meals)]
    li_meals = served[(li["id"], meals)]
    no_reason = client.post("/staff/approvals", data={
        "csrf": csrf_of(page.text), "ids": [li_meals], "decision": "reject", "reason": " "})
    assert "驳回需要填写原因" in no_reason.text
    assert client.get(f"{API}/service-records", params={"office_id": d.office_id,
                                                        "status": "rejected"},
                      headers=d.admin).json() == []
    nothing_ticked = client.post("/staff/approvals", data={"csrf": csrf_of(page.text)})
    assert "请先勾选要处理的记录" in nothing_ticked.text

    rejected = client.post("/staff/approvals", data={
        "csrf": csrf_of(page.text), "ids": [li_meals], "decision": "reject",
        "reason": "当天未到场", "activity_id": meals}, follow_redirects=False)
    assert rejected.status_code == 303 and f"activity_id={meals}" in rejected.headers["location"]
    after = client.get(rejected.headers["location"])
    assert "已驳回：1" in after.text and len(_rows(after.text)) == 1
    refused = [r for r in client.get(f"{API}/service-records", params={
        "office_id": d.office_id, "status": "rejected"}, headers=d.admin).json()]
    assert [r["id"] for r in refused] == [li_meals]

    approved = client.post("/staff/approvals", data={
        "csrf": csrf_of(page.text), "ids": [wang_meals, li_meals], "decision": "approve"})
    assert "已批准：1" in approved.text and "1 条记录未能处理" in approved.text
    passbook = client.get(f"{API}/volunteers/{wang['id']}/passbook", headers=d.admin).json()
    assert passbook["balance_points"] == 23  # what the page said approval would credit

    english = client.get("/staff/approvals", params={"lang": "en"})
    assert "<th>Points on approval</th>" in english.text
    assert "tree_planting (unlisted)" in english.text
