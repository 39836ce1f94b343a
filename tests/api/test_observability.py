"""Request logs without personal data, security headers, and Prometheus metrics."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient

from tests.api.test_scans import ScanWorld
from tests.helpers import valid_id_number

API = "/api/v1"


def test_logs_carry_request_ids_but_no_personal_data(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = ScanWorld(client)
    id_number = valid_id_number(99)
    created = client.post(f"{API}/volunteers", json={
        "name": "司马相如", "phone": "13912340000", "id_number": id_number,
        "office_id": world.d.office_id, "pin": "975318"}, headers=world.d.admin)
    assert created.status_code == 201, created.text
    login = client.post(f"{API}/auth/volunteer-token",
                        json={"phone": "13912340000", "pin": "975318"},
                        headers={"X-Request-ID": "trace-me-1"})
    token = world.token("check_in")
    client.get("/scan", params={"t": token})
    client.get(f"{API}/kiosk/passbooks/{created.json()['passbook_no']}",
               headers={"X-Kiosk-Key": "tbk_wrong"})
    # The application's own records (the test client's httpx logger is not the server's).
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for secret in ("司马相如", "13912340000", id_number, "975318", token,
                   login.json()["access_token"], created.json()["passbook_no"]):
        assert secret not in text, f"{secret!r} leaked into the logs"
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "timebank.requests"]
    traced = [line for line in lines if line["request_id"] == "trace-me-1"]
    assert [(t["method"], t["route"], t["status"]) for t in traced] == [
        ("POST", "/api/v1/auth/volunteer-token", 200)]
    assert any(line["route"] == "/api/v1/kiosk/passbooks/{passbook_no}" for line in lines)


def test_security_headers(client: TestClient) -> None:
    world = ScanWorld(client)
    api = client.get(f"{API}/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["X-Frame-Options"] == "DENY"
    assert api.headers["Cache-Control"] == "no-store"
    page = client.get("/scan", params={"t": world.token("check_in")})
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    preflight = client.options(f"{API}/health", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "access-control-allow-origin" not in {k.lower() for k in preflight.headers}


def test_prometheus_metrics(tmp_path) -> None:
    from api.app import create_app
    from tests.conftest import make_sqlite_settings

    settings = make_sqlite_settings(tmp_path, metrics_token="scrape-token-0123456789")
    with TestClient(create_app(settings, follow_projections=False)) as client:
        _prometheus_metrics(client)


def test_metrics_are_off_without_a_token_and_closed_to_other_callers(
        client: TestClient, tmp_path) -> None:
    """Found in an attack run: /metrics answered anyone, with no login."""
    from api.app import create_app
    from tests.conftest import make_sqlite_settings

    assert client.get("/metrics").status_code == 404  # no TIMEBANK_METRICS_TOKEN: off
    settings = make_sqlite_settings(tmp_path, metrics_token="scrape-token-0123456789")
    with TestClient(create_app(settings, follow_projections=False)) as guarded:
        assert guarded.get("/metrics").status_code == 401
        wrong = guarded.get("/metrics", headers={"Authorization": "Bearer guess"})
        assert wrong.status_code == 401 and wrong.json()["error"]["code"] == "unauthenticated"
        assert "timebank_" not in wrong.text
        right = guarded.get("/metrics",
                            headers={"Authorization": "Bearer scrape-token-0123456789"})
        assert right.status_code == 200 and "timebank_request_seconds" in right.text


def _prometheus_metrics(client: TestClient) -> None:
    world = ScanWorld(client)
    world.scan(world.token("check_in"))
    metrics = client.get("/metrics",
                         headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert metrics.status_code == 200
    body = metrics.text
    assert 'timebank_request_seconds_count{method="POST",route="/api/v1/scans",status="200"}' \
        in body
    appended = [line for line in body.splitlines()
                if line.startswith("timebank_events_appended_total ")]
    assert appended and float(appended[0].split()[1]) > 10
    assert 'timebank_projection_lag_events{partition="directory",projection="passbooks"}' in body
    assert "timebank_db_pool_checked_out" in body
    saves = [line for line in body.splitlines() if line.startswith("timebank_store_saves ")]
    commits = [line for line in body.splitlines() if line.startswith("timebank_store_commits ")]
    assert float(saves[0].split()[1]) >= float(commits[0].split()[1]) > 5


def test_cors_opens_only_to_configured_origins(tmp_path) -> None:
    from api.app import create_app
    from tests.conftest import make_sqlite_settings

    settings = make_sqlite_settings(tmp_path, cors_origins=["https://kiosk.example"])
    with TestClient(create_app(settings, follow_projections=False)) as client:
        allowed = client.options(f"{API}/health", headers={
            "Origin": "https://kiosk.example", "Access-Control-Request-Method": "GET"})
        assert allowed.headers["access-control-allow-origin"] == "https://kiosk.example"
        other = client.options(f"{API}/health", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in {k.lower() for k in other.headers}


def test_no_secrets_or_databases_in_the_repository() -> None:
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    if not (root / ".git").exists():
        pytest.skip("not a git checkout: nothing tracked to inspect")
    tracked = subprocess.run(["git", "ls-files"], cwd=root, capture_output=True, text=True,
                             check=True).stdout.split()
    forbidden = [f for f in tracked if f.endswith((".db", ".sqlite3", ".env", "secret_key",
                                                     ".pem", ".key"))
                 or f.startswith(("var/", ".venv/"))]
    assert forbidden == []
    for name in tracked:
        if name.endswith((".py", ".md", ".toml", ".ini", ".cfg", ".yml", ".yaml", ".txt")):
            text = (root / name).read_text(encoding="utf-8", errors="replace")
            assert "-----BEGIN" not in text or name.endswith("test_observability.py"), name


def test_answers_carry_a_request_id_of_their_own_unless_one_was_sent(
        client: TestClient) -> None:
    first, second = (client.get(f"{API}/health") for _ in range(2))
    ids = {first.headers["X-Request-ID"], second.headers["X-Request-ID"]}
    assert len(ids) == 2
    assert all(len(rid) == 32 and int(rid, 16) >= 0 for rid in ids)
    echoed = client.get(f"{API}/health", headers={"X-Request-ID": "trace-me-2"})
    assert echoed.headers["X-Request-ID"] == "trace-me-2"


def test_the_serving_process_collects_garbage_less_often(client: TestClient) -> None:
    import gc

    from api.collector import SERVING_THRESHOLDS

    # The client fixture has started the application (its lifespan tunes the collector).
    assert gc.get_threshold() == SERVING_THRESHOLDS
    assert SERVING_THRESHOLDS[0] > 700  # Python's default young threshold
