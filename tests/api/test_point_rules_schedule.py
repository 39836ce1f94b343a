"""Point rules announced ahead through the API and the administrator's page: the rules in
force stay until the moment set, the announced change is listed and can be withdrawn with a
reason, and a moment in the past is refused and changes nothing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login
from tests.helpers import HttpDistrict
from timebank.domain import offices
from timebank.domain.values import SHANGHAI

API = "/api/v1"
PASSWORD = "rules-page-pass-1"


def rules(client: TestClient, d: HttpDistrict) -> dict:
    answer = client.get(f"{API}/offices/{d.bank_id}/point-rules", headers=d.admin)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_change_announced_ahead_waits_for_its_moment_and_can_be_withdrawn(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    d = HttpDistrict.build(client)
    before = rules(client, d)
    start = (datetime.now(SHANGHAI) + timedelta(days=7)).replace(second=0, microsecond=0)
    put = client.put(f"{API}/offices/{d.bank_id}/point-rules", json={
        "points_per_hour": 20, "category_multipliers": {"education": "2"},
        "effective_from": start.isoformat()}, headers=d.admin)
    assert put.status_code == 200, put.text
    body = put.json()
    assert (body["points_per_hour"], body["version"]) == (before["points_per_hour"],
                                                          before["version"])
    assert [(a["points_per_hour"], a["category_multipliers"], a["version"])
            for a in body["announced"]] == [(20, {"education": "2"}, before["version"] + 1)]
    assert datetime.fromisoformat(body["announced"][0]["effective_from"]) == start

    version = body["announced"][0]["version"]
    refused = client.post(f"{API}/offices/{d.bank_id}/point-rules/{version}/cancel",
                          json={"reason": ""}, headers=d.admin)
    assert refused.status_code == 422
    withdrawn = client.post(f"{API}/offices/{d.bank_id}/point-rules/{version}/cancel",
                            json={"reason": "预算未批"}, headers=d.admin)
    assert withdrawn.status_code == 200 and withdrawn.json()["announced"] == []
    again = client.post(f"{API}/offices/{d.bank_id}/point-rules/{version}/cancel",
                        json={"reason": "预算未批"}, headers=d.admin)
    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"

    client.put(f"{API}/offices/{d.bank_id}/point-rules", json={
        "points_per_hour": 30, "effective_from": start.isoformat()}, headers=d.admin)
    monkeypatch.setattr(offices, "utc_now", lambda: start + timedelta(minutes=1))
    after = rules(client, d)
    assert (after["points_per_hour"], after["announced"]) == (30, [])
    assert datetime.fromisoformat(after["effective_from"]) == start
    late = client.post(f"{API}/offices/{d.bank_id}/point-rules/{after['version']}/cancel",
                       json={"reason": "太迟"}, headers=d.admin)
    assert late.status_code == 409
    assert late.json()["error"]["code"] == "rules_already_in_force"
    assert "已经生效" in late.json()["error"]["message_zh"]


def test_a_moment_in_the_past_is_refused_and_changes_nothing(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    before = rules(client, d)
    past = datetime.now(SHANGHAI) - timedelta(days=1)
    answer = client.put(f"{API}/offices/{d.bank_id}/point-rules", json={
        "points_per_hour": 20, "effective_from": past.isoformat()}, headers=d.admin)
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["code"] == "invalid_input" and "不能追溯" in error["message_zh"]
    assert rules(client, d) == before


def test_the_administrator_announces_and_withdraws_a_change_from_the_page(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    d.user("sched-bank", "bank_admin", d.bank_id, password=PASSWORD)
    staff_login(client, "sched-bank", PASSWORD)
    page = client.get("/staff/admin/rules", params={"bank_id": d.bank_id})
    assert page.status_code == 200 and "没有待生效的变更" in page.text
    start = (datetime.now(SHANGHAI) + timedelta(days=3)).replace(hour=8, minute=0, second=0,
                                                                 microsecond=0)
    announced = client.post("/staff/admin/rules", data={
        "csrf": csrf_of(page.text), "bank_id": d.bank_id, "points_per_hour": "15",
        "m_elderly_care": "2", "effective_from": start.strftime("%Y-%m-%dT%H:%M")},
        follow_redirects=False)
    assert announced.status_code == 303 and "done=rules_announced" in announced.headers[
        "location"]
    shown = client.get(announced.headers["location"])
    assert "将在所定时间生效" in shown.text
    assert start.strftime("%Y-%m-%d %H:%M") in shown.text and "助老服务 × 2" in shown.text
    api_view = rules(client, d)
    assert api_view["points_per_hour"] != 15 and api_view["announced"][0]["points_per_hour"] == 15

    past = client.post("/staff/admin/rules", data={
        "csrf": csrf_of(shown.text), "bank_id": d.bank_id, "points_per_hour": "16",
        "effective_from": "2020-01-01T08:00"})
    assert past.status_code == 422 and "不能追溯既往" in past.text and "生效时间" in past.text
    assert 'value="2020-01-01T08:00"' in past.text and 'value="16"' in past.text  # kept
    assert len(rules(client, d)["announced"]) == 1

    version = api_view["announced"][0]["version"]
    withdrawn = client.post("/staff/admin/rules", data={
        "csrf": csrf_of(shown.text), "bank_id": d.bank_id, "action": "withdraw",
        "version": str(version), "reason": "听取意见后再定"}, follow_redirects=False)
    assert withdrawn.status_code == 303
    assert "已撤回" in client.get(withdrawn.headers["location"]).text
    assert rules(client, d)["announced"] == []
