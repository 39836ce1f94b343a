"""What issue 14 keeps, set and shown through the pages as well as the API, on both stores, in
Chinese and English: an activity's content, beneficiary and who may attend; the person in
charge and the recorder of each entry; a bank's star thresholds and correction deadline; the
issuer's profile and seal; a minor's birth date and guardian at registration."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pypdf
import pytest
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
    assert "Person in charge: coord-plan · Recorded by: coord-rec" in english.text
    volunteer_login(client, phone)
    mine = client.get("/me/records", params={"lang": "zh"})
    assert "活动负责人：coord-plan · 记录人：coord-rec" in mine.text


def test_a_bank_sets_its_star_thresholds_and_correction_days_on_a_page(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("bank-r", "bank_admin", d.bank_id, password=PASSWORD)
    d.user("branch-r", "branch_admin", d.branch_id, password=PASSWORD)
    staff_login(client, "bank-r", PASSWORD)
    page = client.get("/staff/admin/record-rules", params={"lang": "zh"})
    assert page.status_code == 200 and 'value="100, 300, 600, 1000, 1500"' in page.text
    assert "更正申请答复期限（天）" in page.text
    form = {"csrf": csrf_of(page.text), "bank_id": d.bank_id,
            "star_thresholds_hours": "50，200, 400", "correction_days": "10"}
    done = client.post("/staff/admin/record-rules", data=form)
    assert done.status_code == 200 and "规则已保存" in done.text
    assert client.get(f"{API}/offices/{d.bank_id}/record-rules", headers=d.admin).json() == {
        "bank_id": d.bank_id, "star_thresholds_hours": [50, 200, 400], "correction_days": 10}
    refused = client.post("/staff/admin/record-rules", data={**form, "correction_days": "0"})
    assert refused.status_code == 422
    english = client.get("/staff/admin/record-rules", params={"lang": "en"})
    assert "Days to answer a correction request" in english.text

    staff_login(client, "branch-r", PASSWORD)
    assert client.get("/staff/admin/record-rules").status_code == 403  # the bank's to set
    denied = client.post("/staff/admin/record-rules", data={
        "csrf": csrf_of(client.get("/staff/records").text), "bank_id": d.bank_id,
        "star_thresholds_hours": "1", "correction_days": "5"})
    assert denied.status_code == 403


def test_the_issuer_profile_and_seal_are_set_on_a_page_and_printed(client: TestClient) -> None:
    from tests.api.test_certificate_register import seal_png

    d = HttpDistrict.build(client)
    d.user("bank-i", "bank_admin", d.bank_id, password=PASSWORD)
    staff_login(client, "bank-i", PASSWORD)
    page = client.get("/staff/admin/issuer", params={"office_id": d.office_id, "lang": "zh"})
    assert page.status_code == 200 and "尚未上传公章图片" in page.text
    saved = client.post("/staff/admin/issuer/profile", data={
        "csrf": csrf_of(page.text), "office_id": d.office_id, "person_in_charge": "李主任",
        "handling_officer": "王敏", "contact": "021-5555 0101"})
    assert saved.status_code == 200 and "出具单位信息已保存" in saved.text
    png = base64.b64decode(seal_png())
    uploaded = client.post("/staff/admin/issuer/seal",
                           data={"csrf": csrf_of(page.text), "office_id": d.office_id},
                           files={"seal": ("seal.png", png, "image/png")})
    assert uploaded.status_code == 200 and "公章已上传" in uploaded.text
    assert hashlib.sha256(png).hexdigest()[:12] in uploaded.text
    bad = client.post("/staff/admin/issuer/seal",
                      data={"csrf": csrf_of(page.text), "office_id": d.office_id},
                      files={"seal": ("seal.png", b"not a png", "image/png")})
    assert bad.status_code == 422
    english = client.get("/staff/admin/issuer", params={"office_id": d.office_id,
                                                         "lang": "en"})
    assert "Handling officer" in english.text and 'value="王敏"' in english.text

    volunteer = d.volunteer()
    assert client.put(f"{API}/volunteers/{volunteer['id']}/national-number", headers=d.admin,
                      json={"national_no": "31010420269999"}).status_code == 200
    d.earn(volunteer["id"], 60)
    issued = client.post(f"{API}/volunteers/{volunteer['id']}/certificates", headers=d.admin,
                         json={"from": "2026-01-01", "to": "2026-12-31"}).json()
    pdf = client.get(issued["pdf_url"], headers=d.admin).content
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "李主任" in text and "王敏" in text and "021-5555 0101" in text
    assert "31010420269999" in text and volunteer["passbook_no"] in text
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images) == 2  # seal and QR code


def test_registration_asks_a_birth_date_and_a_minors_guardian(client: TestClient) -> None:
    from tests.unit.test_service_entries import years_ago

    d = HttpDistrict.build(client)
    d.user("coord-g", "coordinator", d.office_id, password=PASSWORD)
    staff_login(client, "coord-g", PASSWORD)
    page = client.get("/staff/volunteers", params={"lang": "en"}).text
    assert "Guardian&#39;s consent (required from 14 to 18)" in page
    page = client.get("/staff/volunteers", params={"lang": "zh"}).text
    assert "出生日期" in page and "监护人同意（14–18 周岁必填）" in page
    base = {"csrf": csrf_of(page), "office_id": hidden(page, "office_id"),
            "console_office_id": hidden(page, "console_office_id"), "name": "林小雨",
            "pin": "738294"}
    too_young = client.post("/staff/volunteers", data={
        **base, "phone": next_phone(), "birth_date": years_ago(13).isoformat()})
    assert too_young.status_code == 422 and 'value="林小雨"' in too_young.text
    no_guardian = client.post("/staff/volunteers", data={
        **base, "phone": next_phone(), "birth_date": years_ago(15).isoformat()})
    assert no_guardian.status_code == 422
    phone = next_phone()
    done = client.post("/staff/volunteers", data={
        **base, "phone": phone, "birth_date": years_ago(15).isoformat(),
        "guardian_name": "林大海", "guardian_relation": "parent",
        "guardian_consented_on": years_ago(0, days=1).isoformat()}, follow_redirects=False)
    assert done.status_code == 303, done.text
    volunteer_id = parse_qs(urlsplit(done.headers["location"]).query)["done"][0]
    read = client.get(f"{API}/volunteers/{volunteer_id}", headers=d.admin).json()
    assert (read["age"], read["age_band"]) == (15, "minor")
    assert read["guardian"] == {"name": "林大海", "relation": "parent",
                                "consented_on": years_ago(0, days=1).isoformat()}


def test_the_branch_page_flags_overdue_correction_requests(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    d = HttpDistrict.build(client)
    d.user("branch-o", "branch_admin", d.branch_id, password=PASSWORD)
    phone = next_phone()
    d.volunteer(phone=phone)
    me = d.volunteer_headers(phone)
    staff_login(client, "branch-o", PASSWORD)
    assert "overdue-corrections" not in client.get(f"/staff/offices/{d.branch_id}").text
    past = datetime.now(UTC) - timedelta(days=20)  # the bank's 15 days have passed
    monkeypatch.setattr("timebank.application.corrections.utc_now", lambda: past)
    asked = client.post(f"{API}/correction-requests", headers=me, json={
        "kind": "missing", "activity_id": d.activity_id, "reason": "忘记扫码",
        "started_at": "2026-11-01T01:00:00+00:00", "ended_at": "2026-11-01T02:00:00+00:00"})
    assert asked.status_code == 201, asked.text
    monkeypatch.undo()
    page = client.get(f"/staff/offices/{d.branch_id}", params={"lang": "zh"}).text
    assert "有 1 条更正申请已逾期未答复" in page
    assert f'/staff/corrections?office_id={d.branch_id}&amp;overdue=1' in page
    english = client.get(f"/staff/offices/{d.branch_id}", params={"lang": "en"}).text
    assert "1 correction requests are past their deadline." in english


def test_the_office_page_counts_star_volunteers(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.user("branch-s", "branch_admin", d.branch_id, password=PASSWORD)
    assert client.put(f"{API}/offices/{d.bank_id}/record-rules", headers=d.admin, json={
        "star_thresholds_hours": [1, 2], "correction_days": 15}).status_code == 200
    volunteer = d.volunteer()
    d.earn(volunteer["id"], 150)
    staff_login(client, "branch-s", PASSWORD)
    page = client.get(f"/staff/offices/{d.branch_id}", params={"lang": "zh"}).text
    assert "星级志愿者（现有）" in page
    assert '<span class="star-count">★★ 1</span>' in page


def test_the_certificate_register_links_the_issuer_page_only_for_those_who_may_open_it(
        client: TestClient) -> None:
    """A coordinator's register once linked the issuer page, which answers them 403."""
    d = HttpDistrict.build(client)
    d.user("coord-link", "coordinator", d.office_id, password=PASSWORD)
    d.user("bank-link", "bank_admin", d.bank_id, password=PASSWORD)
    staff_login(client, "coord-link", PASSWORD)
    register = client.get("/staff/certificates", params={"office_id": d.office_id})
    assert register.status_code == 200 and "证明出具登记" in register.text
    assert "/staff/admin/issuer" not in register.text
    assert client.get("/staff/admin/issuer",
                      params={"office_id": d.office_id}).status_code == 403
    staff_login(client, "bank-link", PASSWORD)
    register = client.get("/staff/certificates", params={"office_id": d.office_id})
    assert f'href="/staff/admin/issuer?office_id={d.office_id}"' in register.text
    assert client.get("/staff/admin/issuer",
                      params={"office_id": d.office_id}).status_code == 200
