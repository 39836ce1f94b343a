"""The scan's lean lane (api/fast_lane.py) answers exactly as the declared FastAPI route."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

import api.fast_lane
from api.app import create_app
from api.fast_lane import ScanFastLane
from tests.api.test_scans import ScanWorld
from timebank.domain.actors import SYSTEM
from timebank.domain.volunteers import Volunteer
from timebank.settings import Settings

API = "/api/v1"


def without_lane(settings: Settings) -> Any:
    app = create_app(settings, follow_projections=False)
    # The middleware stack is built at the first request, from this list.
    app.user_middleware = [m for m in app.user_middleware if m.cls is not ScanFastLane]
    return app


@pytest.fixture
def plain_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(without_lane(settings)) as client:
        yield client


@pytest.fixture
def lane_hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each hop to the command threads that the lane itself made."""
    hops: list[str] = []
    real = api.fast_lane.run_command

    async def counted(request: Any, work: Any, *args: Any) -> Any:
        hops.append(work.__name__)
        return await real(request, work, *args)

    monkeypatch.setattr(api.fast_lane, "run_command", counted)
    return hops


def shape(response: Any) -> tuple[int, list[str], Any]:
    """Status, header names and the body with the values that differ per run blanked."""
    volatile = {"service_record_id", "at", "id", "request_id"}

    def blank(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: "…" if k in volatile else blank(v) for k, v in value.items()}
        if isinstance(value, list):
            return [blank(v) for v in value]
        return value

    ignored = {"date", "x-request-id", "content-length"}
    return (response.status_code,
            sorted(name for name in response.headers if name not in ignored),
            blank(response.json()))


def story(world: ScanWorld) -> list[Any]:
    """The same requests, ordinary and refused, in the same order."""
    check_in = world.token("check_in")
    return [
        world.scan(check_in),                                   # checked in
        world.scan(check_in),                                   # again: 409
        world.scan(world.token("check_out"), action="check_in"),  # wrong action: 400
        world.scan(check_in, latitude=91),                      # invalid body: 422
        world.client.post(f"{API}/scans", content=b"{not json",
                          headers={**world.me, "Content-Type": "application/json"}),
        world.scan(check_in, headers={"Authorization": "Bearer forged"}),
        world.client.post(f"{API}/scans", json={"token": check_in}),  # no token
        world.scan("not-a-code"),
        world.scan(world.token("check_out")),                   # checked out
    ]


def test_the_lane_answers_every_request_as_the_declared_route(
    client: TestClient, plain_client: TestClient, lane_hops: list[str]
) -> None:
    through_lane = [shape(r) for r in story(ScanWorld(client))]
    assert lane_hops == ["scan_for"] * 5  # the five with a valid token and body: the lane's
    lane_hops.clear()
    through_route = [shape(r) for r in story(ScanWorld(plain_client))]
    assert lane_hops == []
    assert [s[0] for s in through_lane] == [200, 409, 400, 422, 422, 401, 401, 400, 200]
    assert through_lane == through_route


def test_the_lane_logs_the_scan_under_its_route_with_the_usual_headers(
    client: TestClient, lane_hops: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    world = ScanWorld(client)
    token = world.token("check_in")
    caplog.clear()
    caplog.set_level(logging.INFO, logger="timebank.requests")
    answer = world.scan(token)
    assert answer.status_code == 200 and lane_hops == ["scan_for"]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Cache-Control"] == "no-store"
    logged = [json.loads(r.getMessage()) for r in caplog.records if r.name == "timebank.requests"]
    assert [(line["route"], line["status"]) for line in logged] == [("/api/v1/scans", 200)]


def revoked_story(client: TestClient, how: str = "every session") -> list[Any]:
    """A volunteer's token after their logout (its generation raised), or after its own
    session was ended: with a good code and with a bad one, the login is refused first,
    and nothing is stored."""
    world = ScanWorld(client)
    services = world.services
    volunteer = services.load(Volunteer, world.volunteer["id"])
    if how == "every session":
        volunteer.revoke_sessions(SYSTEM.record(), "logout")
    else:
        token = world.me["Authorization"].removeprefix("Bearer ")
        session = client.app.state.runtime.signer.verify(token).session  # type: ignore[attr-defined]
        assert session is not None
        volunteer.close_session(session, SYSTEM.record(), "ended from the sessions page")
    services.save(volunteer)
    head = services.recorder.max_notification_id()
    answers = [world.scan(world.token("check_in")), world.scan("not-a-code")]
    assert services.recorder.max_notification_id() == head  # nothing stored
    return answers


@pytest.mark.parametrize("how", ["every session", "its own session"])
def test_a_revoked_token_scans_nothing_through_the_lane_or_the_route(
    client: TestClient, plain_client: TestClient, how: str
) -> None:
    through_lane = [shape(r) for r in revoked_story(client, how)]
    through_route = [shape(r) for r in revoked_story(plain_client, how)]
    assert [s[0] for s in through_lane] == [401, 401]
    assert through_lane[0][2]["error"]["code"] == "unauthenticated"
    assert through_lane == through_route
