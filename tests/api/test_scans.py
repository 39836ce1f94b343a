"""QR codes and scans through HTTP: decode the real image, follow its URL, check in and out."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit
from uuid import UUID

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from api.background import close_overdue_check_ins
from tests.helpers import HttpDistrict, next_phone
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.service import ServiceRecord

API = "/api/v1"


def decode_qr(png: bytes) -> str:
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert len(results) == 1, "exactly one QR code in the image"
    return results[0].text


class ScanWorld:
    def __init__(self, client: TestClient, location_consent: bool = True,
                 **options: Any) -> None:
        self.client = client
        self.d = HttpDistrict.build(client)
        now = datetime.now(UTC)
        body = {
            "office_id": self.d.office_id, "title": "社区助老", "category": "elderly_care",
            "starts_at": (now - timedelta(hours=1)).isoformat(),
            "ends_at": (now + timedelta(hours=2)).isoformat(), "location": "社区活动室",
            **options,
        }
        created = client.post(f"{API}/activities", json=body, headers=self.d.admin)
        assert created.status_code == 201, created.text
        self.activity_id = created.json()["id"]
        self.phone = next_phone()
        self.volunteer = self.d.volunteer(phone=self.phone)
        self.me = self.d.volunteer_headers(self.phone)
        if location_consent:  # the volunteer's own separate consent (位置信息授权)
            consent = client.put(f"{API}/volunteers/{self.volunteer['id']}/location-consent",
                                 json={"given": True}, headers=self.me)
            assert consent.status_code == 200, consent.text

    def token(self, action: str = "check_in", mode: str = "printable") -> str:
        png = self.client.get(f"{API}/activities/{self.activity_id}/qr.png",
                              params={"action": action, "mode": mode}, headers=self.d.admin)
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        url = decode_qr(png.content)
        parts = urlsplit(url)
        assert parts.path == "/scan"
        assert url.startswith("http://127.0.0.1:8000/scan?t=")
        return parse_qs(parts.query)["t"][0]

    def scan(self, token: str, headers: dict[str, str] | None = None, **extra: Any) -> Any:
        return self.client.post(f"{API}/scans", json={"token": token, **extra},
                                headers=headers or self.me)

    @property
    def services(self) -> Any:
        return self.client.app.state.runtime.app


@pytest.fixture
def world(client: TestClient) -> ScanWorld:
    return ScanWorld(client)


def test_check_in_and_out_from_the_printed_codes(world: ScanWorld) -> None:
    checked_in = world.scan(world.token("check_in"))
    assert checked_in.status_code == 200, checked_in.text
    body = checked_in.json()
    assert body["action"] == "check_in" and body["status"] == "checked_in"
    assert datetime.fromisoformat(body["at"]).tzinfo is not None
    again = world.scan(world.token("check_in"))
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_checked_in"

    checked_out = world.scan(world.token("check_out"))
    assert checked_out.status_code == 200, checked_out.text
    assert checked_out.json()["status"] == "pending"
    assert checked_out.json()["service_record_id"] == body["service_record_id"]

    pending = world.client.get(f"{API}/service-records",
                               params={"office_id": world.d.office_id, "status": "pending"},
                               headers=world.d.admin).json()
    assert [r["id"] for r in pending] == [body["service_record_id"]]
    approved = world.client.post(
        f"{API}/service-records/{body['service_record_id']}/approve", headers=world.d.admin)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"


def test_check_out_without_check_in(world: ScanWorld) -> None:
    response = world.scan(world.token("check_out"))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_checked_in"


def test_forged_expired_and_foreign_tokens_are_refused(world: ScanWorld) -> None:
    genuine = world.token("check_in")
    forged = genuine[:-3] + ("AAA" if not genuine.endswith("AAA") else "BBB")
    for bad in (forged, "nonsense", genuine.replace(".i.", ".o.", 1)):
        response = world.scan(bad)
        assert response.status_code == 400, bad
        assert response.json()["error"]["code"] == "invalid_token"
    wrong_action = world.scan(genuine, action="check_out")
    assert wrong_action.status_code == 400
    other_activity = world.scan(genuine, activity_id=world.d.activity_id)
    assert other_activity.status_code == 400
    # A live code photographed now is useless a minute later.
    old = world.services.scan_token(SYSTEM, world.activity_id, "check_in", "live",
                                    now=datetime.now(UTC) - timedelta(seconds=90))
    expired = world.scan(old)
    assert expired.status_code == 400
    assert expired.json()["error"]["code"] == "token_expired"
    live = world.token("check_in", mode="live")
    assert world.scan(live).status_code == 200


def test_a_scan_asks_the_store_for_the_volunteer_once_at_login(
    world: ScanWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The login loads the volunteer; the scan takes its bank and passbook, which never
    change, from there instead of loading it a second time."""
    volunteer_id = UUID(world.volunteer["id"])
    token = world.token("check_in")
    repository = world.services.repository
    loaded: list[UUID] = []
    real_get = repository.get

    def counting_get(aggregate_id: UUID, *args: Any, **kwargs: Any) -> Any:
        loaded.append(aggregate_id)
        return real_get(aggregate_id, *args, **kwargs)

    monkeypatch.setattr(repository, "get", counting_get)
    response = world.scan(token)
    assert response.status_code == 200, response.text
    assert loaded.count(volunteer_id) == 1
    record = world.services.load(ServiceRecord, response.json()["service_record_id"])
    assert record.volunteer_id == volunteer_id
    assert record.passbook_id == world.services.load_volunteer(volunteer_id).passbook_id


def test_another_banks_code_is_refused_with_or_without_the_logins_facts(
    world: ScanWorld, client: TestClient
) -> None:
    elsewhere = ScanWorld(client)  # a district of its own: another bank
    foreign = elsewhere.token("check_in")
    response = world.scan(foreign)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_token"
    services = world.services
    logged_in = services.actor_for_volunteer(world.volunteer["id"])
    assert logged_in is not None and logged_in.bank_id == UUID(world.d.bank_id)
    # An actor made without a login carries no facts: the scan loads the volunteer.
    bare = Actor(kind="volunteer", id=world.volunteer["id"], office_id=logged_in.office_id)
    for actor in (logged_in, bare):
        with pytest.raises(DomainError) as refused:
            services.scan(actor, foreign)
        assert refused.value.code == "invalid_token"
    result = services.scan(bare, world.token("check_in"))
    record = services.load(ServiceRecord, result["service_record_id"])
    assert record.passbook_id == logged_in.passbook_id


def test_svg_code_carries_the_same_kind_of_url(world: ScanWorld) -> None:
    svg = world.client.get(f"{API}/activities/{world.activity_id}/qr.svg",
                           params={"action": "check_out"}, headers=world.d.admin)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text.lstrip().startswith("<svg") and 'id="qr-path"' in svg.text
    forbidden = world.client.get(f"{API}/activities/{world.activity_id}/qr.png",
                                 headers=world.me)
    assert forbidden.status_code == 403


def test_overlapping_activities_and_auto_close(world: ScanWorld, client: TestClient) -> None:
    assert world.scan(world.token("check_in")).status_code == 200
    now = datetime.now(UTC)
    overlapping = client.post(f"{API}/activities", json={
        "office_id": world.d.office_id, "title": "同一时段", "category": "environment",
        "starts_at": now.isoformat(), "ends_at": (now + timedelta(hours=1)).isoformat(),
        "location": "广场"}, headers=world.d.admin).json()["id"]
    token = world.services.scan_token(SYSTEM, overlapping, "check_in")
    response = world.scan(token)
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "overlapping_activity"

    # Nobody checks out: after the window plus grace the record is closed and flagged.
    runner = client.app.state.runner
    assert close_overdue_check_ins(world.services, runner, now=now) == 0
    closed = close_overdue_check_ins(world.services, runner, now=now + timedelta(hours=3))
    assert closed == 1
    records = client.get(f"{API}/service-records", params={"office_id": world.d.office_id},
                         headers=world.d.admin).json()
    mine = [r for r in records if r["volunteer_id"] == world.volunteer["id"]]
    assert len(mine) == 1
    assert mine[0]["status"] == "pending" and mine[0]["flags"] == ["auto_closed"]
    # Closed at the window's end plus 30 minutes of grace; check-in was an hour in.
    assert Decimal("2.40") < Decimal(mine[0]["hours"]) <= Decimal("2.50")


def test_hours_are_capped_at_window_plus_grace(client: TestClient) -> None:
    world = ScanWorld(client)
    services = world.services
    actor = services.actor_for_volunteer(world.volunteer["id"])
    activity = services.load_activity(world.activity_id)
    start = activity.starts_at - timedelta(minutes=20)
    token_in = services.scan_token(SYSTEM, world.activity_id, "check_in", now=start)
    services.scan(actor, token_in, now=start)
    late = activity.ends_at + timedelta(minutes=29)
    token_out = services.scan_token(SYSTEM, world.activity_id, "check_out")
    result = services.scan(actor, token_out, now=late)
    assert result["hours"] == "3.50"  # 3 h window + 30 min grace, though 229 minutes passed


def test_auto_approval_and_capacity(client: TestClient) -> None:
    world = ScanWorld(client, approval_policy="auto_on_checkout", capacity=1)
    assert world.scan(world.token("check_in")).status_code == 200
    out = world.scan(world.token("check_out"))
    assert out.json()["status"] == "approved"
    passbook = client.get(f"{API}/volunteers/{world.volunteer['id']}/passbook",
                          headers=world.me).json()
    assert [e["kind"] for e in passbook["entries"]] == ["service"]
    other_phone = next_phone()
    world.d.volunteer(phone=other_phone)
    full = world.scan(world.token("check_in"), headers=world.d.volunteer_headers(other_phone))
    assert full.status_code == 409 and full.json()["error"]["code"] == "activity_full"


def test_far_away_scans_are_flagged_or_refused(client: TestClient) -> None:
    flagging = ScanWorld(client, latitude=31.2304, longitude=121.4737, radius_m=300)
    far = {"latitude": 31.30, "longitude": 121.60}
    flagged = flagging.scan(flagging.token("check_in"), **far)
    assert flagged.status_code == 200 and flagged.json()["flags"] == ["outside_area"]
    near = flagging.scan(flagging.token("check_out"), latitude=31.2305, longitude=121.4738)
    assert near.json()["flags"] == ["outside_area"]

    refusing = ScanWorld(client, latitude=31.2304, longitude=121.4737, radius_m=300,
                         geofence_mode="refuse")
    refused = refusing.scan(refusing.token("check_in"), **far)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "outside_area"
    assert refusing.scan(refusing.token("check_in"), latitude=31.2306,
                         longitude=121.4739).status_code == 200
    # Without the volunteer's consent to use their location, nothing is refused: the scan is
    # taken, its position unread, and flagged for review.
    unconsenting = ScanWorld(client, location_consent=False, latitude=31.2304,
                             longitude=121.4737, radius_m=300, geofence_mode="refuse")
    taken = unconsenting.scan(unconsenting.token("check_in"), **far)
    assert taken.status_code == 200 and taken.json()["flags"] == ["no_location_consent"]


def test_scans_are_rate_limited(world: ScanWorld) -> None:
    token = world.token("check_out")
    codes = [world.scan(token).status_code for _ in range(12)]
    assert codes[:10] == [409] * 10
    assert codes[10:] == [429, 429]


def test_bulk_approval_answers_item_by_item(world: ScanWorld) -> None:
    d = world.d
    first = d.service_record(world.volunteer["id"], 60)
    second = d.service_record(world.volunteer["id"], 30)
    response = world.client.post(f"{API}/service-records/approve",
                                 json={"ids": [first, second, first]}, headers=d.admin)
    assert response.status_code == 200
    assert [(r["id"], r["status"]) for r in response.json()] == [
        (first, "approved"), (second, "approved"), (first, "refused")]
    assert response.json()[2]["error"]["code"] == "not_pending"


def test_activities_can_be_edited_and_cancelled(world: ScanWorld) -> None:
    edited = world.client.patch(f"{API}/activities/{world.activity_id}",
                                json={"title": "社区助老（改）", "capacity": 30},
                                headers=world.d.admin)
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["capacity"]) == ("社区助老（改）", 30)
    cancelled = world.client.post(f"{API}/activities/{world.activity_id}/cancel",
                                  json={"reason": "下雨"}, headers=world.d.admin)
    assert cancelled.json()["cancelled"] is True
    response = world.scan(world.services.scan_tokens.issue(
        world.services.load_activity(world.activity_id).id, "check_in", "printable",
        datetime.now(UTC) + timedelta(hours=1)))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "activity_cancelled"
    listed = world.client.get(f"{API}/offices/{world.d.office_id}/activities",
                              headers=world.d.admin).json()
    assert {a["id"]: a["cancelled"] for a in listed}[world.activity_id] is True


def test_withholding_the_position_does_not_get_around_a_geofence(client: TestClient) -> None:
    """Found in review: no position meant no check at all."""
    refusing = ScanWorld(client, latitude=31.2304, longitude=121.4737, radius_m=300,
                         geofence_mode="refuse", approval_policy="auto_on_checkout")
    refused = refusing.scan(refusing.token("check_in"))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "outside_area"
    flagging = ScanWorld(client, latitude=31.2304, longitude=121.4737, radius_m=300,
                         approval_policy="auto_on_checkout")
    assert flagging.scan(flagging.token("check_in")).json()["flags"] == ["no_position"]
    out = flagging.scan(flagging.token("check_out"))
    assert out.json()["status"] == "pending"  # flagged: never approved automatically
