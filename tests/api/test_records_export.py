"""The export of volunteers' records (docs/records-export.md), on both stores: a volunteer's
own copy and an office's records of a period, read back as another system would import them
(JSON Lines and CSV alike), every figure found; who may take one; each export audited."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

from fastapi.testclient import TestClient

from tests.api._pages import staff_login, volunteer_login
from tests.api._support import assert_error, assert_invalid_input
from tests.helpers import HttpDistrict, next_phone, valid_id_number
from timebank.domain.export_format import FIELDS, FORMAT, KINDS

API = "/api/v1"


def import_export(data: bytes) -> tuple[dict[str, Any], dict[str, list[dict[str, Any]]]]:
    """What an importing system does with the archive, following docs/records-export.md:
    the manifest, then each kind's JSON Lines — and its CSV must say the same, field by
    field (null is empty, booleans true/false, everything else its JSON text)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    manifest = json.loads(archive.read("manifest.json").decode("utf-8"))
    assert (manifest["format"], manifest["version"]) == (FORMAT, 1)
    kinds: dict[str, list[dict[str, Any]]] = {}
    for kind in KINDS:
        entry = manifest["files"][kind]
        lines = archive.read(entry["jsonl"]).decode("utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        assert all(list(row) == list(FIELDS[kind]) for row in rows), kind
        table = list(csv.reader(io.StringIO(archive.read(entry["csv"]).decode("utf-8-sig"))))
        assert tuple(table[0]) == FIELDS[kind]
        assert len(table) - 1 == len(rows) == entry["rows"], kind
        for row, cells in zip(rows, table[1:], strict=True):
            as_text = ["" if v is None else ("true" if v is True else "false" if v is False
                                             else str(v)) for v in row.values()]
            assert cells == as_text, (kind, cells, as_text)
        kinds[kind] = rows
    return manifest, kinds


def _a_full_record(client: TestClient, d: HttpDistrict) -> dict[str, Any]:
    """A volunteer with an ID and national number, two approved services (one evaluated),
    a training, an award, a complaint and a certificate."""
    coordinator = d.user("coord-x", "coordinator", d.office_id)
    branch_admin = d.user("branch-x", "branch_admin", d.branch_id)
    phone = next_phone()
    id_number = valid_id_number(7)
    created = client.post(f"{API}/volunteers", headers=d.admin, json={
        "name": "欧阳娜娜", "phone": phone, "id_number": id_number, "office_id": d.office_id,
        "pin": "738294"})
    assert created.status_code == 201, created.text
    volunteer = created.json()
    vid = volunteer["id"]
    assert client.put(f"{API}/volunteers/{vid}/national-number", headers=coordinator,
                      json={"national_no": "31010420260001"}).status_code == 200
    first = d.service_record(vid, 90, headers=coordinator)
    second = d.service_record(vid, 45, headers=coordinator)
    for record in (first, second):
        approved = client.post(f"{API}/service-records/{record}/approve", headers=coordinator)
        assert approved.status_code == 200, approved.text
    evaluated = client.post(f"{API}/service-records/{first}/evaluation", headers=coordinator,
                            json={"rating": 5, "comment": "认真负责"})
    assert evaluated.status_code == 200, evaluated.text
    assert client.post(f"{API}/volunteers/{vid}/trainings", headers=coordinator, json={
        "name": "急救培训", "held_on": "2026-03-01", "hours": "2.5", "provider": "区红十字会"}
    ).status_code == 201
    assert client.post(f"{API}/volunteers/{vid}/awards", headers=branch_admin, json={
        "title": "优秀志愿者", "awarded_by": "东湖街道办事处", "awarded_on": "2026-05-04"}
    ).status_code == 201
    assert client.post(f"{API}/complaints", headers=coordinator, json={
        "service_record_id": second, "complainant_kind": "family", "complainant": "王先生",
        "summary": "送餐迟到", "received_on": "2026-11-02"}).status_code == 201
    issued = client.post(f"{API}/volunteers/{vid}/certificates", headers=coordinator,
                         json={"from": "2026-10-01", "to": "2026-11-30"})
    assert issued.status_code == 201, issued.text
    return {"id": vid, "passbook_no": volunteer["passbook_no"], "phone": phone,
            "id_number": id_number, "records": (first, second),
            "serial": issued.json()["serial"], "coordinator": coordinator,
            "branch_admin": branch_admin}


def test_a_volunteer_downloads_their_own_record_and_every_figure_is_in_it(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    v = _a_full_record(client, d)
    me = d.volunteer_headers(v["phone"])
    response = client.get(f"{API}/volunteers/{v['id']}/records-export.zip", headers=me)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    manifest, rows = import_export(response.content)
    assert manifest["scope"]["kind"] == "volunteer" and manifest["scope"]["volunteer_id"] == v["id"]

    (person,) = rows["volunteers"]
    passbook = client.get(f"{API}/volunteers/{v['id']}/passbook", headers=me).json()
    assert person["name"] == "欧阳娜娜" and person["id_number"] == v["id_number"]
    assert person["id_type"] == "resident_id_card" and person["phone"] == v["phone"]
    assert person["birth_date"] == f"{v['id_number'][6:10]}-{v['id_number'][10:12]}-" \
                                   f"{v['id_number'][12:14]}"
    assert person["sex"] == ("male" if int(v["id_number"][16]) % 2 else "female")
    assert person["national_no"] == "31010420260001"
    assert person["volunteer_no"] == v["passbook_no"]
    assert person["service_hours"] == passbook["total_hours"] == "2.25"
    assert person["training_hours"] == "2.50" and person["star_level"] == 0

    services = {row["record_id"]: row for row in rows["service_records"]}
    assert set(services) == set(v["records"])
    for record_id in v["records"]:
        api = client.get(f"{API}/service-records/{record_id}", headers=me).json()
        row = services[record_id]
        assert (row["hours"], row["status"], row["points"]) == (
            api["hours"], "approved", api["points"])
        assert row["national_no"] == "31010420260001"
        assert row["volunteer_no"] == v["passbook_no"]
        assert (row["activity_name"], row["place"], row["service_date"]) == (
            "为独居老人送餐", "社区食堂", "2026-11-01")
        assert row["recorder"] == "coord-x" and row["recorder_id"] == api["recorder_id"]
        assert row["office_name"] == "樱花社区储蓄所"
    assert services[v["records"][0]]["organiser_rating"] == 5
    (evaluation,) = rows["evaluations"]
    assert (evaluation["record_id"], evaluation["kind"], evaluation["rating"],
            evaluation["comment"], evaluation["sequence"]) == (
        v["records"][0], "organiser", 5, "认真负责", 1)
    (training,) = rows["trainings"]
    assert (training["name"], training["hours"], training["held_on"]) == (
        "急救培训", "2.50", "2026-03-01")
    (award,) = rows["awards"]
    assert (award["title"], award["awarded_by"], award["awarded_on"]) == (
        "优秀志愿者", "东湖街道办事处", "2026-05-04")
    (complaint,) = rows["complaints"]
    assert complaint["summary"] == "送餐迟到" and "complainant" not in complaint
    (certificate,) = rows["certificates"]
    assert (certificate["serial"], certificate["total_hours"], certificate["total_services"],
            certificate["status"]) == (v["serial"], "2.25", 2, "valid")
    # Nothing of whoever complained.
    assert "王先生" not in json.dumps(rows, ensure_ascii=False)


def test_an_office_exports_its_records_of_a_period(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    v = _a_full_record(client, d)
    elsewhere = d.volunteer(office_id=d.other_office_id)
    d.service_record(elsewhere["id"], 30, activity_id=d.activity(d.other_office_id))
    response = client.get(f"{API}/offices/{d.branch_id}/records-export.zip",
                          headers=v["branch_admin"],
                          params={"from": "2026-11-01", "to": "2026-11-30"})
    assert response.status_code == 200, response.text
    manifest, rows = import_export(response.content)
    assert manifest["scope"] == {"kind": "office", "office_id": d.branch_id,
                                 "office_name": "东湖街道分行", "volunteer_id": None,
                                 "from": "2026-11-01", "to": "2026-11-30"}
    assert {r["record_id"] for r in rows["service_records"]} == set(v["records"])
    assert {r["volunteer_id"] for r in rows["volunteers"]} == {v["id"]}
    assert rows["volunteers"][0]["national_no"] == "31010420260001"
    # Each kind by its own date: the training (March) and award (May) fall outside.
    # The certificate was issued today (after the period).
    assert rows["trainings"] == [] and rows["awards"] == [] and rows["certificates"] == []
    earlier = client.get(f"{API}/offices/{d.branch_id}/records-export.zip",
                         headers=v["branch_admin"], params={"to": "2026-10-31"})
    _, before = import_export(earlier.content)
    assert before["service_records"] == [] and len(before["trainings"]) == 1
    assert len(before["awards"]) == 1
    everything = client.get(f"{API}/offices/{d.office_id}/records-export.zip",
                            headers=v["coordinator"])
    _, every = import_export(everything.content)
    assert [c["serial"] for c in every["certificates"]] == [v["serial"]]
    assert len(every["service_records"]) == 2 and len(every["complaints"]) == 1


def test_only_those_allowed_take_an_export_and_each_one_is_audited(
        client: TestClient) -> None:
    d = HttpDistrict.build(client)
    v = _a_full_record(client, d)
    treasurer = d.user("treasurer-x", "treasurer", d.bank_id)
    stranger = d.user("coord-y", "coordinator", d.other_office_id)
    other_phone = next_phone()
    d.volunteer(phone=other_phone)
    someone_else = d.volunteer_headers(other_phone)
    for headers in (treasurer, stranger, someone_else):
        assert_error(client.get(f"{API}/volunteers/{v['id']}/records-export.zip",
                                headers=headers), 403, "forbidden")
    for headers in (treasurer, stranger, someone_else):
        assert_error(client.get(f"{API}/offices/{d.office_id}/records-export.zip",
                                headers=headers), 403, "forbidden")
    assert_invalid_input(client.get(f"{API}/offices/{d.office_id}/records-export.zip",
                                    headers=v["coordinator"],
                                    params={"from": "2026-11-02", "to": "2026-11-01"}), "to")
    assert client.get(f"{API}/volunteers/{v['id']}/records-export.zip").status_code == 401

    taken = client.get(f"{API}/volunteers/{v['id']}/records-export.zip",
                       headers=v["coordinator"])
    assert taken.status_code == 200
    trail = client.get(f"{API}/audit/events", headers=d.admin,
                       params={"type": "RecordExport.Made", "limit": 1000}).json()
    assert len(trail) == 1, trail
    assert trail[0]["office_id"] == d.office_id
    assert trail[0]["actor"]["kind"] == "user"


def test_the_pages_offer_the_same_exports(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    v = _a_full_record(client, d)
    volunteer_login(client, v["phone"])
    for page in ("/me", "/me/records"):
        assert 'href="/me/records-export.zip"' in client.get(page).text
    mine = client.get("/me/records-export.zip")
    assert mine.status_code == 200 and mine.headers["content-type"] == "application/zip"
    _, rows = import_export(mine.content)
    assert [r["national_no"] for r in rows["volunteers"]] == ["31010420260001"]
    assert client.get(f"/staff/volunteers/{v['id']}/records-export.zip",
                      follow_redirects=False).status_code == 303  # a volunteer is no staff

    staff_login(client, "coord-x", "correct-horse-1")
    record_page = client.get(f"/staff/volunteers/{v['id']}/record", params={"lang": "en"})
    assert f'href="/staff/volunteers/{v["id"]}/records-export.zip"' in record_page.text
    assert "Export this volunteer&#39;s record" in record_page.text
    theirs = client.get(f"/staff/volunteers/{v['id']}/records-export.zip")
    _, rows = import_export(theirs.content)
    assert {r["record_id"] for r in rows["service_records"]} == set(v["records"])
    find = client.get("/staff/records", params={"lang": "zh"}).text
    assert 'action="/staff/records/export.zip"' in find and "导出本单位的志愿服务记录" in find
    office = client.get("/staff/records/export.zip", params={"from": "2026-11-01",
                                                             "to": "2026-11-30"})
    manifest, rows = import_export(office.content)
    assert manifest["scope"]["office_id"] == d.office_id
    assert {r["record_id"] for r in rows["service_records"]} == set(v["records"])
    refused = client.get("/staff/records/export.zip", params={"from": "2026-11-30",
                                                              "to": "2026-11-01"})
    assert refused.status_code == 422

    d.user("treasurer-x", "treasurer", d.bank_id, password="correct-horse-1")
    staff_login(client, "treasurer-x", "correct-horse-1")
    assert "records-export.zip" not in client.get(f"/staff/volunteers/{v['id']}/record").text
    assert client.get(f"/staff/volunteers/{v['id']}/records-export.zip").status_code == 403
