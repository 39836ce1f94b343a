"""The Audit section: the trail with its actors, and a hash chain that catches tampering."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from tests.helpers import HttpDistrict, next_phone
from timebank.cli import app as cli
from timebank.settings import Settings

API = "/api/v1"


def tamper(client: TestClient, position: int) -> None:
    """What an attacker with database access would do: rewrite a stored event in place."""
    runtime = client.app.state.runtime
    column = "notification_id" if runtime.settings.is_postgres else "rowid"
    table = runtime.app.recorder.events_table_name
    with runtime.engine.begin() as conn:
        state = conn.execute(text(f"SELECT state FROM {table} WHERE {column} = :p"),
                             {"p": position}).scalar_one()
        forged = bytes(state).replace(b"10", b"99", 1) if b"10" in bytes(state) else (
            bytes(state) + b" ")
        conn.execute(text(f"UPDATE {table} SET state = :s WHERE {column} = :p"),
                     {"s": forged, "p": position})


def test_trail_lists_events_with_their_actors(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    volunteer = d.volunteer(phone=next_phone())
    record = d.service_record(volunteer["id"], 90)
    client.post(f"{API}/service-records/{record}/reject", json={"reason": "未到场"},
                headers={**d.admin, "X-Request-ID": "req-42"})
    events = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=d.admin)
    assert events.status_code == 200
    trail = events.json()
    assert [e["position"] for e in trail] == sorted(e["position"] for e in trail)
    assert set(trail[0]) >= {"position", "at", "type", "aggregate_id", "actor", "hash"}
    rejected = [e for e in trail if e["type"] == "ServiceRecord.Rejected"]
    assert len(rejected) == 1
    assert rejected[0]["actor"]["kind"] == "user" and rejected[0]["actor"]["role"] == "admin"
    assert rejected[0]["actor"]["request_id"] == "req-42"
    assert rejected[0]["reason"] == "未到场" and rejected[0]["aggregate_id"] == record
    page = client.get(f"{API}/audit/events",
                      params={"after": trail[1]["position"], "limit": 2}, headers=d.admin)
    assert [e["position"] for e in page.json()] == [e["position"] for e in trail[2:4]]
    only = client.get(f"{API}/audit/events", params={"aggregate_id": record},
                      headers=d.admin).json()
    assert {e["aggregate_id"] for e in only} == {record}

    auditor = d.user("auditor-x", "auditor", d.other_office_id)
    scoped = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=auditor).json()
    assert scoped and all(e["office_id"] == d.other_office_id for e in scoped)
    coordinator = d.user("coord-x", "coordinator", d.office_id)
    assert client.get(f"{API}/audit/events", headers=coordinator).status_code == 403


def test_verify_finds_the_first_rewritten_event(client: TestClient, settings: Settings,
                                                 monkeypatch) -> None:
    d = HttpDistrict.build(client)
    for _ in range(3):
        d.earn(d.volunteer(phone=next_phone())["id"], 60)
    ok = client.get(f"{API}/audit/verify", headers=d.admin).json()
    assert ok["ok"] is True and ok["events_checked"] > 20
    assert "first_bad_position" not in ok

    for name, value in (("TIMEBANK_DATABASE_URL", settings.resolved_database_url),
                        ("TIMEBANK_SECRET_KEY", settings.resolved_secret_key),
                        ("TIMEBANK_VAR_DIR", str(settings.var_dir))):
        monkeypatch.setenv(name, value)
    if settings.database_schema:
        monkeypatch.setenv("TIMEBANK_DATABASE_SCHEMA", settings.database_schema)
    runner = CliRunner()
    good = runner.invoke(cli, ["audit", "verify"])
    assert good.exit_code == 0, good.output
    assert "ok:" in good.output

    trail = client.get(f"{API}/audit/events", params={"limit": 1000}, headers=d.admin).json()
    victim = trail[len(trail) // 2]["position"]
    tamper(client, victim)
    broken = client.get(f"{API}/audit/verify", headers=d.admin).json()
    assert broken == {"ok": False, "first_bad_position": victim,
                      "events_checked": broken["events_checked"], "reason": "chain_mismatch"}
    bad = runner.invoke(cli, ["audit", "verify"])
    assert bad.exit_code == 1
    assert str(victim) in bad.output


def test_out_of_range_numbers_are_refused_not_crashed(client: TestClient) -> None:
    """Found by the fuzzer: a position beyond 64 bits reached the database (500)."""
    d = HttpDistrict.build(client)
    for path in (f"{API}/audit/events?after=9223372036854775808",
                 f"{API}/service-records?office_id={d.office_id}&offset=99999999999999999999",
                 f"{API}/offices/{d.office_id}/activities?offset=99999999999999999999"):
        response = client.get(path, headers=d.admin)
        assert response.status_code == 422, path
        assert response.json()["error"]["code"] == "invalid_input"
