"""A volunteer's own record page (/me/records) through HTTP, on both stores: what is kept about
them, their services with the evaluations, and the consent to use location — which the scan
page honours by not asking the phone for its position."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.api._pages import csrf_of, volunteer_login
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.actors import SYSTEM

API = "/api/v1"


def test_my_record_shows_evaluations_and_takes_the_location_consent(
    client: TestClient,
) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    me = d.volunteer(phone=phone)
    record = d.service_record(me["id"], 90)
    assert client.post(f"{API}/service-records/{record}/evaluation", headers=d.admin,
                       json={"rating": 5}).status_code == 200
    now = datetime.now(UTC)
    fenced = client.post(f"{API}/activities", headers=d.admin, json={
        "office_id": d.office_id, "title": "河道巡查", "category": "environment",
        "starts_at": (now - timedelta(hours=1)).isoformat(),
        "ends_at": (now + timedelta(hours=1)).isoformat(), "location": "河边",
        "latitude": 31.2304, "longitude": 121.4737}).json()["id"]
    scan_url = "/scan?t=" + client.app.state.runtime.app.scan_token(SYSTEM, fenced, "check_in")

    volunteer_login(client, phone)
    page = client.get("/me/records")
    assert page.status_code == 200
    assert f'data-record="{record}"' in page.text and "★★★★★" in page.text
    assert "未授权使用位置信息" in page.text
    # Without consent the scan page does not ask the phone where it is.
    before = client.get(scan_url)
    assert "scan.js" not in before.text and 'name="latitude"' not in before.text
    assert "未授权使用位置信息" in before.text or "尚未授权" in before.text

    given = client.post("/me/records/location-consent",
                        data={"given": "yes", "csrf": csrf_of(page.text)},
                        follow_redirects=False)
    assert given.status_code == 303
    after = client.get(given.headers["location"])
    assert "已授权使用位置信息" in after.text
    assert client.app.state.runtime.app.load_volunteer(me["id"]).location_consent
    assert "scan.js" in client.get(scan_url).text

    english = client.get("/me/records", params={"lang": "en"})
    assert "My volunteer record" in english.text and "You allow the use" in english.text
