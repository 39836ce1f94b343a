"""What issue 14 keeps, set and shown through the pages as well as the API, on both stores, in
Chinese and English: an activity's content, beneficiary and who may attend; the person in
charge and the recorder of each entry; a bank's star thresholds and correction deadline; the
issuer's profile and seal; a minor's birth date and guardian at registration."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, hidden, staff_login, volunteer_login
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.values import SHANGHAI

API = "/api/v1"
PASSWORD = "correct-horse-1"


def test_an_activity_planned_on_the_page_says_what_its_entries_take_and_who_may_attend(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-p", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "coord-p", PASSWORD)
    english = client.get("/staff/activities", params={"lang": "en"}).text
    assert "Who may attend" in english and "Minors only in a group" in english
    page = client.get("/staff/activities", params={"lang": "zh"}).text
    assert "参加条件" in page and "须购买意外保险" in page
    day = (datetime.now(SHANGHAI) + timedelta(days=10)).date()
    done = client.post("/staff/activities", data={
        "csrf": csrf_of(page), "office_id": hidden(page, "office_id"),
        "console_office_id": hidden(page, "console_office_id"), "title": "河道清理",
        "category": "elderly_care", "location": "樱花河", "starts_at": f"{day}T09:00",
        "ends_at": f"{day}T11:00", "approval_policy": "manual", "geofence_mode": "flag",
        "content": "清理河岸垃圾", "beneficiary": "樱花社区居民", "minors": "group_only",
        "required_training": "水上安全培训", "requires_insurance": "yes",
        "insurance_ref": "PICC-2026-001"}, follow_redirects=False)
    assert done.status_code == 303, done.text
    created = parse_qs(urlsplit(done.headers["location"]).query)["created"][0]
    activity = client.get(f"{API}/activities/{created}", headers=d.admin).json()
    assert (activity["content"], activity["beneficiary"], activity["minors"],
            activity["required_training"], activity["requires_insurance"],
            activity["insurance_ref"]) == ("清理河岸垃圾", "樱花社区居民", "group_only",
                                           "水上安全培训", True, "PICC-2026-001")
    assert activity["person_in_charge_id"] is not None  # the planner
    refused = client.post("/staff/activities", data={
        "csrf": csrf_of(page), "office_id": hidden(page, "office_id"),
        "console_office_id": hidden(page, "console_office_id"), "title": "河道清理",
        "category": "elderly_care", "starts_at": f"{day}T09:00", "ends_at": f"{day}T11:00",
        "minors": "everyone"})
    assert refused.status_code == 422 and 'value="河道清理"' in refused.text


def test_each_entry_shows_its_person_in_charge_and_recorder(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    planner = d.user("coord-plan", "coordinator", d.office_id, password=PASSWORD)
    recorder = d.user("coord-rec", "coordinator", d.office_id, password=PASSWORD)
    activity = client.post(f"{API}/activities", headers=planner, json={
        "office_id": d.office_id, "title": "助餐送餐", "category": "meals",
        "starts_at": "2026-11-01T09:00:00+08:00", "ends_at": "2026-11-01T12:00:00+08:00",
        "location": "社区食堂"}).json()["id"]
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    record = d.service_record(volunteer["id"], 60, headers=recorder, activity_id=activity)
    assert client.post(f"{API}/service-records/{record}/approve",
                       headers=d.admin).status_code == 200
    staff_login(client, "coord-rec", PASSWORD)
    page = client.get(f"/staff/volunteers/{volunteer['id']}/record", params={"lang": "zh"})
    assert "活动负责人：coord-plan · 记录人：coord-rec" in page.text
    english = client.get(f"/staff/volunteers/{volunteer['id']}/record", params={"lang": "en"})
    assert "Person in charge：coord-plan · Recorded by：coord-rec" in english.text
    volunteer_login(client, phone)
    mine = client.get("/me/records", params={"lang": "zh"})
    assert "活动负责人：coord-plan · 记录人：coord-rec" in mine.text
