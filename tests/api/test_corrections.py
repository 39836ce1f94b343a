"""Corrections asked by volunteers through HTTP on both stores: the volunteer asks, the
office's queue shows the deadline and flags the overdue, the answer is in the record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict, next_phone

API = "/api/v1"


def test_a_volunteer_asks_and_the_office_answers(client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-1", "coordinator", d.office_id)
    branch_admin = d.user("branch-1", "branch_admin", d.branch_id)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    me = d.volunteer_headers(phone)
    approved = d.earn(volunteer["id"], 60)
    asked = client.post(f"{API}/correction-requests", headers=me, json={
        "kind": "wrong", "service_record_id": approved["id"], "hours": "1.5",
        "reason": "签退晚了半小时"})
    assert asked.status_code == 201, asked.text
    request = asked.json()
    assert (request["status"], request["overdue"], request["claimed_hours"]) == (
        "pending", False, "1.50")
    assert client.post(f"{API}/correction-requests", headers=coordinator, json={
        "kind": "wrong", "service_record_id": approved["id"], "reason": "x"}).status_code == 403

    # A request made 20 days ago (the bank's 15 days have passed) is flagged to the branch.
    past = datetime.now(UTC) - timedelta(days=20)
    monkeypatch.setattr("timebank.application.corrections.utc_now", lambda: past)
    late_activity = d.activity(d.office_id)
    old = client.post(f"{API}/correction-requests", headers=me, json={
        "kind": "missing", "activity_id": late_activity, "reason": "忘记扫码",
        "started_at": "2026-11-01T01:00:00+00:00", "ended_at": "2026-11-01T02:00:00+00:00"})
    assert old.status_code == 201, old.text
    monkeypatch.undo()
    flagged = client.get(f"{API}/correction-requests", headers=branch_admin,
                         params={"overdue": "true"}).json()
    assert [r["id"] for r in flagged] == [old.json()["id"]] and flagged[0]["overdue"]
    queue = client.get(f"{API}/correction-requests", headers=coordinator,
                       params={"status": "pending"}).json()
    assert [r["id"] for r in queue] == [old.json()["id"], request["id"]]  # due first

    accepted = client.post(f"{API}/correction-requests/{request['id']}/accept",
                           headers=coordinator, json={"note": "核实无误"})
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["outcome"],
            accepted.json()["result_hours"]) == ("accepted", "corrected", "1.50")
    refused = client.post(f"{API}/correction-requests/{old.json()['id']}/refuse",
                          headers=coordinator, json={"reason": "签到表无此人"})
    assert refused.json()["status"] == "refused" and refused.json()["answer"] == "签到表无此人"
    mine = client.get(f"{API}/correction-requests", headers=me).json()
    assert {r["status"] for r in mine} == {"accepted", "refused"}
    passbook = client.get(f"{API}/volunteers/{volunteer['id']}/passbook", headers=me).json()
    assert passbook["balance_points"] == 15 and passbook["total_hours"] == "1.50"
    trail = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=d.admin).json()
    steps = [e["type"] for e in trail if e["type"].startswith("CorrectionRequest.")]
    assert steps == ["CorrectionRequest.Requested", "CorrectionRequest.Requested",
                     "CorrectionRequest.Accepted", "CorrectionRequest.Refused"]


def test_the_office_answers_from_its_queue_page(client: TestClient) -> None:
    from tests.api._pages import csrf_of, staff_login, volunteer_login

    d = HttpDistrict.build(client)
    d.user("coord-1", "coordinator", d.office_id, password="correct-horse-1")
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    record = d.service_record(volunteer["id"], 60)
    volunteer_login(client, phone)
    page = client.get("/me/records")
    asked = client.post("/me/records/corrections", data={
        "csrf": csrf_of(page.text), "kind": "wrong", "record_id": record, "hours": "1.25",
        "reason": "多服务了一刻钟"})
    assert asked.status_code == 200 and "已提交" in asked.text
    staff_login(client, "coord-1", "correct-horse-1")
    queue = client.get("/staff/corrections")
    assert queue.status_code == 200 and "多服务了一刻钟" in queue.text
    request_id = queue.text.split('data-correction="')[1].split('"')[0]
    done = client.post(f"/staff/corrections/{request_id}/accept", data={
        "csrf": csrf_of(queue.text), "hours": "1.25", "note": ""})
    assert done.status_code == 200 and "已更正" in done.text
    row = client.get(f"{API}/service-records/{record}", headers=d.admin).json()
    assert row["hours"] == "1.25"
