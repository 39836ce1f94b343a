"""Complete service entries through HTTP on both stores: the person in charge, the recorder,
the beneficiary and the evaluations; ages, guardians and consents of volunteers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.helpers import HttpDistrict, next_phone
from tests.unit.test_service_entries import id_number_born, years_ago

API = "/api/v1"
START = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)


def test_a_service_entry_is_complete_and_evaluated(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    coordinator = d.user("coord-1", "coordinator", d.office_id)
    me = client.get(f"{API}/users/me", headers=coordinator).json()
    activity = client.post(f"{API}/activities", headers=coordinator, json={
        "office_id": d.office_id, "title": "为独居老人送餐", "category": "elderly_care",
        "starts_at": START.isoformat(), "ends_at": (START + timedelta(hours=3)).isoformat(),
        "location": "社区食堂", "content": "送餐上门并陪伴聊天", "beneficiary": "樱花社区独居老人",
        "minors": "open"})
    assert activity.status_code == 201, activity.text
    read = client.get(f"{API}/activities/{activity.json()['id']}", headers=coordinator).json()
    assert (read["person_in_charge_id"], read["content"], read["minors"]) == (
        me["id"], "送餐上门并陪伴聊天", "open")
    volunteer_phone = next_phone()
    volunteer = d.volunteer(phone=volunteer_phone)
    elder_phone = next_phone()
    elder = client.post(f"{API}/volunteers", headers=d.admin, json={
        "name": "李奶奶", "phone": elder_phone, "office_id": d.office_id, "pin": "738294",
        "id_number": id_number_born(years_ago(82))}).json()
    record_id = d.service_record(volunteer["id"], 120, headers=coordinator,
                                 activity_id=activity.json()["id"])
    row = client.get(f"{API}/service-records/{record_id}", headers=coordinator).json()
    assert row["person_in_charge_id"] == me["id"] and row["recorder_id"] == me["id"]
    assert row["beneficiary"] == {"kind": "group", "label": "樱花社区独居老人", "name": None,
                                  "volunteer_id": None}

    evaluated = client.post(f"{API}/service-records/{record_id}/evaluation",
                            headers=coordinator, json={"rating": 4, "comment": "准时认真"})
    assert evaluated.status_code == 200 and evaluated.json()["organiser_rating"] == 4
    assert client.post(f"{API}/service-records/{record_id}/evaluation", headers=coordinator,
                       json={"rating": 7}).status_code == 422
    named = client.post(f"{API}/service-records/{record_id}/beneficiary", headers=coordinator,
                        json={"kind": "person", "volunteer_id": elder["id"]})
    assert named.json()["beneficiary"]["volunteer_id"] == elder["id"]
    elder_headers = d.volunteer_headers(elder_phone)
    confirmed = client.post(f"{API}/service-records/{record_id}/beneficiary-confirmation",
                            headers=elder_headers, json={"confirmed": True, "rating": 5})
    assert confirmed.status_code == 200, confirmed.text
    assert (confirmed.json()["beneficiary_confirmed"], confirmed.json()["beneficiary_rating"]) \
        == (True, 5)
    again = client.post(f"{API}/service-records/{record_id}/beneficiary-confirmation",
                        headers=coordinator, json={"confirmed": True, "rating": 5})
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_state"
    history = client.get(f"{API}/service-records/{record_id}/evaluations",
                         headers=coordinator).json()
    assert [(e["kind"], e["rating"], e["on_behalf"]) for e in history] == [
        ("organiser", 4, False), ("beneficiary", 5, False)]
    # The volunteer reads their own record with its evaluations; the beneficiary does not.
    mine = client.get(f"{API}/service-records/{record_id}",
                      headers=d.volunteer_headers(volunteer_phone))
    assert mine.status_code == 200 and mine.json()["organiser_rating"] == 4
    assert client.get(f"{API}/service-records/{record_id}",
                      headers=elder_headers).status_code == 403


def test_ages_guardians_and_location_consent(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    too_young = client.post(f"{API}/volunteers", headers=d.admin, json={
        "name": "小明", "phone": next_phone(), "office_id": d.office_id, "pin": "738294",
        "birth_date": years_ago(13).isoformat()})
    assert too_young.status_code == 422
    assert too_young.json()["error"]["code"] == "volunteer_too_young"
    body = {"name": "小红", "phone": next_phone(), "office_id": d.office_id, "pin": "738294",
            "id_number": id_number_born(years_ago(16))}
    no_guardian = client.post(f"{API}/volunteers", headers=d.admin, json=body)
    assert no_guardian.json()["error"]["code"] == "guardian_consent_required"
    minor = client.post(f"{API}/volunteers", headers=d.admin, json={**body, "guardian": {
        "name": "王芳", "relation": "parent", "consented_on": "2026-01-05"}})
    assert minor.status_code == 201, minor.text
    read = client.get(f"{API}/volunteers/{minor.json()['id']}", headers=d.admin).json()
    assert (read["age"], read["age_band"], read["guardian"]["relation"]) == (16, "minor", "parent")

    # The default activity is closed to minors: the coordinator's entry is refused.
    start = START.isoformat()
    refused = client.post(f"{API}/service-records", headers=d.admin, json={
        "volunteer_id": minor.json()["id"], "activity_id": d.activity_id, "started_at": start,
        "ended_at": (START + timedelta(hours=1)).isoformat()})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "minors_not_admitted"

    old = d.volunteer()  # neither an ID number nor a birth date
    assert client.get(f"{API}/volunteers/{old['id']}", headers=d.admin).json()[
        "age_needs_completing"] is True
    completed = client.post(f"{API}/volunteers/{old['id']}/birth-date", headers=d.admin,
                            json={"birth_date": years_ago(30).isoformat()})
    assert completed.status_code == 200 and completed.json()["age"] == 30
    assert completed.json()["age_needs_completing"] is False

    phone = next_phone()
    adult = d.volunteer(phone=phone)
    headers = d.volunteer_headers(phone)
    staff_try = client.put(f"{API}/volunteers/{adult['id']}/location-consent",
                           headers=d.admin, json={"given": True})
    assert staff_try.status_code == 403  # the volunteer's own decision
    given = client.put(f"{API}/volunteers/{adult['id']}/location-consent", headers=headers,
                       json={"given": True})
    assert given.json() == {"volunteer_id": adult["id"], "location_consent": True}
    national = client.put(f"{API}/volunteers/{adult['id']}/national-number", headers=d.admin,
                          json={"national_no": "ZJ3301062026000123"})
    assert national.status_code == 200 and national.json()["national_no"] == \
        "ZJ3301062026000123"
