"""Request bodies have a ceiling (issue 17, item 7): four 100 MB bodies sent without
credentials were read whole. Bigger bodies are refused with 413 before they are read, on
the API and on the pages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import make_sqlite_settings

CEILING = 4096


@pytest.fixture
def small(tmp_path) -> Iterator[TestClient]:
    settings = make_sqlite_settings(tmp_path, max_body_bytes=CEILING)
    with TestClient(create_app(settings, follow_projections=False)) as client:
        yield client


def _refused(response) -> None:
    assert response.status_code == 413, response.text
    assert response.json()["error"]["code"] == "payload_too_large"
    assert response.json()["error"]["message_zh"] == "请求内容过大。"


def test_a_declared_length_over_the_ceiling_is_refused_unread(small: TestClient) -> None:
    def body() -> Iterator[bytes]:
        yield b"x" * 10  # far less than declared: the answer comes from the declaration

    for path in ("/api/v1/auth/token", "/api/v1/kiosk/redemptions", "/me/login",
                 "/staff/login"):
        answer = small.post(path, content=body(),
                            headers={"Content-Length": str(CEILING * 1000),
                                     "Content-Type": "application/json"})
        _refused(answer)


def test_a_chunked_body_is_counted_and_refused_once_it_passes_the_ceiling(
        small: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(64):
            yield b"{" + b" " * 1023

    _refused(small.post("/api/v1/auth/volunteer-token", content=chunks(),
                        headers={"Content-Type": "application/json"}))
    _refused(small.post("/me/login", content=chunks(),
                        headers={"Content-Type": "application/x-www-form-urlencoded"}))


def test_bodies_under_the_ceiling_are_answered_as_before(small: TestClient) -> None:
    answer = small.post("/api/v1/auth/volunteer-token",
                        json={"phone": "13800138000", "pin": "738294"})
    assert answer.status_code == 401
    assert small.get("/api/v1/health").json() == {"status": "ok"}


def test_the_default_ceiling_is_a_mebibyte(client: TestClient) -> None:
    assert client.app.state.runtime.settings.max_body_bytes == 1_048_576
    _refused(client.post("/api/v1/transfers", content=b"{" + b" " * 1_048_576,
                         headers={"Content-Type": "application/json"}))
