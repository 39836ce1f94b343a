"""Training, awards and complaints through HTTP on both stores, by the API and by the staff
record pages (the coordinator's evaluation among them)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, staff_login
from tests.helpers import HttpDistrict, next_phone

API = "/api/v1"


def test_training_awards_and_complaints_by_the_api(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-1", "coordinator", d.office_id)
    branch_admin = d.user("branch-1", "branch_admin", d.branch_id)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    me = d.volunteer_headers(phone)
    trained = client.post(f"{API}/volunteers/{volunteer['id']}/trainings", headers=coordinator,
                          json={"name": "急救培训", "held_on": "2026-03-01", "hours": "2.5",
                                "provider": "区红十字会"})
    assert trained.status_code == 201, trained.text
    listed = client.get(f"{API}/volunteers/{volunteer['id']}/trainings", headers=me).json()
    assert [(t["name"], t["hours"]) for t in listed] == [("急救培训", "2.50")]
    assert client.post(f"{API}/volunteers/{volunteer['id']}/awards", headers=coordinator, json={
        "title": "优秀志愿者", "awarded_by": "东湖街道", "awarded_on": "2026-05-04"}
    ).status_code == 403
    assert client.post(f"{API}/volunteers/{volunteer['id']}/awards", headers=branch_admin, json={
        "title": "优秀志愿者", "awarded_by": "东湖街道办事处", "awarded_on": "2026-05-04"}
    ).status_code == 201
    assert client.get(f"{API}/volunteers/{volunteer['id']}/awards", headers=me).json()[0][
        "awarded_by"] == "东湖街道办事处"

    record = d.service_record(volunteer["id"], 60)
    received = client.post(f"{API}/complaints", headers=coordinator, json={
        "service_record_id": record, "complainant_kind": "family", "complainant": "王先生",
        "summary": "送餐迟到", "received_on": "2026-11-02"})
    assert received.status_code == 201, received.text
    complaint_id = received.json()["id"]
    assert client.get(f"{API}/complaints/{complaint_id}", headers=coordinator).json()[
        "complainant"] == "王先生"
    mine = client.get(f"{API}/complaints", headers=me).json()
    assert [c["id"] for c in mine] == [complaint_id]
    assert client.get(f"{API}/complaints/{complaint_id}", headers=me).json()["complainant"] is None
    decided = client.post(f"{API}/complaints/{complaint_id}/resolve", headers=branch_admin,
                          json={"outcome": "dismissed", "finding": "路况原因，已说明"})
    assert decided.status_code == 200 and decided.json()["status"] == "resolved"
    again = client.post(f"{API}/complaints/{complaint_id}/resolve", headers=branch_admin,
                        json={"outcome": "upheld", "finding": "再议"})
    assert again.status_code == 409


def test_the_coordinator_evaluates_and_records_from_the_record_page(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-1", "coordinator", d.office_id, password="correct-horse-1")
    volunteer = d.volunteer()
    record = d.service_record(volunteer["id"], 90)
    staff_login(client, "coord-1", "correct-horse-1")
    found = client.get("/staff/records", params={"q": volunteer["passbook_no"]},
                       follow_redirects=False)
    assert found.status_code == 303
    page = client.get(found.headers["location"])
    assert page.status_code == 200 and f'data-record="{record}"' in page.text
    path = found.headers["location"]
    evaluated = client.post(f"{path}/evaluate", data={
        "csrf": csrf_of(page.text), "record_id": record, "rating": "4", "comment": "认真"})
    assert evaluated.status_code == 200 and "评价已保存" in evaluated.text
    section = re.search(rf'data-record="{record}".*?</section>', evaluated.text, re.S)
    assert section and '<span class="organiser-rating">4</span>' in section.group(0)
    trained = client.post(f"{path}/training", data={
        "csrf": csrf_of(page.text), "name": "急救培训", "held_on": "2026-03-01", "hours": "2"})
    assert "急救培训" in trained.text
    award = client.post(f"{path}/award", data={
        "csrf": csrf_of(page.text), "title": "优秀志愿者", "awarded_by": "街道",
        "awarded_on": "2026-03-01"})
    assert "超出您的角色" in award.text  # a coordinator does not give awards
    complained = client.post(f"{path}/complaint", data={
        "csrf": csrf_of(page.text), "record_id": record, "complainant_kind": "resident",
        "summary": "噪音", "received_on": "2026-11-02"})
    assert "投诉已受理" in complained.text
    listing = client.get("/staff/complaints", params={"lang": "en"})
    assert listing.status_code == 200 and "噪音" in listing.text and "received" in listing.text
