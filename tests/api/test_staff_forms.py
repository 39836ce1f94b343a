"""The coordinator's 代录 and registration forms through HTTP, on both stores: the records
and volunteers that result, a double submit recorded once, refusals in Chinese and
English, CSRF and scope refusals that record nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, hidden, staff_login, volunteer_login
from tests.helpers import HttpDistrict, next_phone, valid_id_number

API = "/api/v1"
PASSWORD = "coord-password-1"


def records_of(client: TestClient, d: HttpDistrict, volunteer_id: str) -> list[dict]:
    response = client.get(f"{API}/service-records", params={"volunteer_id": volunteer_id},
                          headers=d.admin)
    assert response.status_code == 200, response.text
    return response.json()


def entry_form(page: str, volunteer: str, **fields: str) -> dict[str, str]:
    # The district's activity: 2026-11-01 09:00–13:00 Beijing time.
    form = {"csrf": csrf_of(page), "key": hidden(page, "key"),
            "office_id": hidden(page, "office_id"), "activity_id": "", "volunteer": volunteer,
            "started_at": "2026-11-01T09:00", "ended_at": "2026-11-01T10:30", "note": "补录"}
    form.update(fields)
    return form


def test_manual_entry_by_passbook_is_recorded_once_however_often_it_is_submitted(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-e", "coordinator", d.office_id, password=PASSWORD)
    volunteer = d.volunteer(name="李小红")
    staff_login(client, "coord-e", PASSWORD)
    page = client.get("/staff/entries", params={"activity_id": d.activity_id})
    assert page.status_code == 200 and "代录服务时长" in page.text
    assert 'value="2026-11-01T09:00"' in page.text  # the activity's window as the default
    form = entry_form(page.text, volunteer["passbook_no"], activity_id=d.activity_id)
    first = client.post("/staff/entries", data=form, follow_redirects=False)
    again = client.post("/staff/entries", data=form, follow_redirects=False)  # double submit
    assert first.status_code == again.status_code == 303
    assert first.headers["location"] == again.headers["location"]
    (record,) = records_of(client, d, volunteer["id"])
    assert record["status"] == "pending" and record["hours"] == "1.50"
    assert record["source"] == "manual" and record["note"] == "补录"
    assert parse_qs(urlsplit(first.headers["location"]).query)["done"] == [record["id"]]
    shown = client.get(first.headers["location"])
    assert "已代录：李*红 · 1.50 小时 · 待审核" in shown.text
    assert "李小红" not in shown.text  # the masked name only

    approved = client.post(f"{API}/service-records/{record['id']}/approve", headers=d.admin)
    assert approved.status_code == 200 and approved.json()["points"] == 15
    passbook = client.get(f"{API}/volunteers/{volunteer['id']}/passbook", headers=d.admin)
    assert passbook.json()["balance_points"] == 15

    reused = client.post("/staff/entries", data={**form, "ended_at": "2026-11-01T12:00"})
    assert reused.status_code == 422 and "该幂等键已用于另一个不同的请求" in reused.text


def test_manual_entry_by_phone_and_its_refusals_in_both_languages(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-f", "coordinator", d.office_id, password=PASSWORD)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    staff_login(client, "coord-f", PASSWORD)
    page = client.get("/staff/entries").text
    done = client.post("/staff/entries", data=entry_form(page, phone,
                                                        activity_id=d.activity_id),
                       follow_redirects=False)
    assert done.status_code == 303
    assert len(records_of(client, d, volunteer["id"])) == 1

    fresh = client.get("/staff/entries").text  # a new form: a new key
    twice = client.post("/staff/entries", data=entry_form(fresh, phone,
                                                         activity_id=d.activity_id))
    assert twice.status_code == 409 and "该志愿者在此活动的服务记录已存在" in twice.text
    assert f'value="{phone}"' in twice.text  # the form keeps what was typed
    unknown = client.post("/staff/entries", data=entry_form(fresh, "100000000000",
                                                           activity_id=d.activity_id))
    assert unknown.status_code == 404 and "未找到。（志愿者存折号或手机号）" in unknown.text
    other = d.volunteer()
    late = client.post("/staff/entries?lang=en", data=entry_form(
        fresh, other["passbook_no"], activity_id=d.activity_id,
        started_at="2026-11-01T15:00", ended_at="2026-11-01T16:00"))
    assert late.status_code == 422
    assert "outside the activity&#39;s time window. (Service started)" in late.text
    assert records_of(client, d, other["id"]) == []
    assert len(records_of(client, d, volunteer["id"])) == 1


def test_manual_entry_refuses_forged_forms_and_foreign_activities(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-g", "coordinator", d.other_office_id, password=PASSWORD)
    volunteer = d.volunteer()
    own = client.post(f"{API}/activities", json={
        "office_id": d.other_office_id, "title": "松林植树", "category": "environment",
        "starts_at": "2026-11-01T01:00:00+00:00", "ends_at": "2026-11-01T05:00:00+00:00",
        "location": "松林公园"}, headers=d.admin)
    assert own.status_code == 201
    staff_login(client, "coord-g", PASSWORD)
    page = client.get("/staff/entries").text
    assert "松林植树" in page and "为独居老人送餐" not in page  # only its office's activities
    foreign = client.post("/staff/entries", data=entry_form(
        page, volunteer["passbook_no"], activity_id=d.activity_id))
    assert foreign.status_code == 403 and "超出您的角色或所属机构的权限范围" in foreign.text
    forged = client.post("/staff/entries", data={**entry_form(
        page, volunteer["passbook_no"], activity_id=d.activity_id), "csrf": "x" * 43})
    assert forged.status_code == 403
    assert client.get("/staff/entries", params={"office_id": d.office_id}).status_code == 403
    assert records_of(client, d, volunteer["id"]) == []


def registration(page: str, **fields: str) -> dict[str, str]:
    form = {"csrf": csrf_of(page), "office_id": hidden(page, "office_id"),
            "console_office_id": hidden(page, "console_office_id"), "name": "王建国",
            "phone": next_phone(), "id_number": valid_id_number(3), "pin": "246810"}
    form.update(fields)
    return form


def test_registering_a_volunteer_who_then_logs_in(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-r", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "coord-r", PASSWORD)
    page = client.get("/staff/volunteers")
    assert page.status_code == 200 and "志愿者登记" in page.text and "樱花社区储蓄所" in page.text
    form = registration(page.text)
    done = client.post("/staff/volunteers", data=form, follow_redirects=False)
    assert done.status_code == 303
    volunteer_id = parse_qs(urlsplit(done.headers["location"]).query)["done"][0]
    shown = client.get(done.headers["location"])
    created = client.get(f"{API}/volunteers/{volunteer_id}", headers=d.admin).json()
    assert created["office_id"] == d.office_id and created["name"] == "王建国"
    assert f"登记成功：王*国 · 存折号 <strong>{created['passbook_no']}</strong>" in shown.text
    rollup = client.get(f"{API}/offices/{d.office_id}/rollup", headers=d.admin).json()
    assert rollup["totals"]["volunteers"] == 1

    volunteer_login(client, form["phone"], "246810")  # the initial PIN works on /me
    assert created["passbook_no"] in client.get("/me").text


def test_registration_refusals_in_both_languages_record_nothing(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-s", "coordinator", d.office_id, password=PASSWORD)
    taken = next_phone()
    d.volunteer(phone=taken)
    staff_login(client, "coord-s", PASSWORD)
    page = client.get("/staff/volunteers").text

    bad_id = valid_id_number(5)[:-1] + ("0" if valid_id_number(5)[-1] != "0" else "1")
    checksum = client.post("/staff/volunteers", data=registration(page, id_number=bad_id,
                                                                 pin="135790"))
    assert checksum.status_code == 422
    assert "居民身份证号码无效（GB 11643 校验未通过）" in checksum.text
    assert "135790" not in checksum.text  # the PIN is never sent back
    duplicate = client.post("/staff/volunteers", data=registration(page, phone=taken))
    assert duplicate.status_code == 409 and "该手机号已注册志愿者" in duplicate.text
    english = client.post("/staff/volunteers?lang=en", data=registration(page, phone=taken))
    assert "A volunteer with this phone number is already registered." in english.text
    short_pin = client.post("/staff/volunteers?lang=en", data=registration(page, pin="12"))
    assert short_pin.status_code == 422 and "A PIN is 6 digits." in short_pin.text
    rollup = client.get(f"{API}/offices/{d.office_id}/rollup", headers=d.admin).json()
    assert rollup["totals"]["volunteers"] == 1  # only the one registered beforehand


def test_registration_keeps_to_the_coordinators_office(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-o", "coordinator", d.other_office_id, password=PASSWORD)
    staff_login(client, "coord-o", PASSWORD)
    page = client.get("/staff/volunteers").text
    assert "松林社区储蓄所" in page
    foreign = client.post("/staff/volunteers", data=registration(
        page, office_id=d.office_id, console_office_id=""))
    assert foreign.status_code == 403 and "超出您的角色" in foreign.text
    forged = client.post("/staff/volunteers", data={**registration(page), "csrf": "y" * 43})
    assert forged.status_code == 403
    for office in (d.office_id, d.other_office_id):
        rollup = client.get(f"{API}/offices/{office}/rollup", headers=d.admin).json()
        assert rollup["totals"]["volunteers"] == 0


def test_manual_entry_tells_no_outsider_whether_a_phone_is_registered(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    d.volunteer(phone=phone)
    d.user("coord-h", "coordinator", d.other_office_id, password=PASSWORD)
    own = client.post(f"{API}/activities", json={
        "office_id": d.other_office_id, "title": "松林植树", "category": "environment",
        "starts_at": "2026-11-01T01:00:00+00:00", "ends_at": "2026-11-01T05:00:00+00:00",
        "location": "松林公园"}, headers=d.admin)
    assert own.status_code == 201
    staff_login(client, "coord-h", PASSWORD)
    page = client.get("/staff/entries").text
    # Another office's activity: the same refusal for a registered and an unknown phone.
    answers = [client.post("/staff/entries", data=entry_form(page, number,
                                                            activity_id=d.activity_id))
               for number in (phone, next_phone())]
    assert [a.status_code for a in answers] == [403, 403]
    assert "超出您的角色或所属机构的权限范围" in answers[0].text
    assert answers[0].text.replace(phone, "").count("未找到") == answers[1].text.count("未找到")


def test_a_refused_entry_form_comes_back_with_a_fresh_key(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("coord-i", "coordinator", d.office_id, password=PASSWORD)
    volunteer = d.volunteer()
    staff_login(client, "coord-i", PASSWORD)
    page = client.get("/staff/entries").text
    refused = client.post("/staff/entries", data=entry_form(
        page, volunteer["passbook_no"], activity_id=d.activity_id,
        started_at="2026-11-01T15:00", ended_at="2026-11-01T16:00"))
    assert refused.status_code == 422
    assert hidden(refused.text, "key") != hidden(page, "key")
    fixed = client.post("/staff/entries", data=entry_form(
        refused.text, volunteer["passbook_no"], activity_id=d.activity_id),
        follow_redirects=False)
    assert fixed.status_code == 303
    assert len(records_of(client, d, volunteer["id"])) == 1
