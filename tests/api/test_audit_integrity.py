"""Checkpoints, point-in-time answers, erasure, transparency and backups."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.background import record_daily_checkpoint
from tests.helpers import HttpDistrict, next_phone
from timebank.cli import app as cli
from timebank.domain.values import SHANGHAI
from timebank.security.personal_data import ERASED
from timebank.security.signing import checkpoint_message, verify_signature
from timebank.settings import Settings

API = "/api/v1"


def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, url: str | None = None) -> None:
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", url or settings.resolved_database_url)
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", settings.resolved_secret_key)
    monkeypatch.setenv("TIMEBANK_VAR_DIR", str(settings.var_dir))
    if settings.database_schema:
        monkeypatch.setenv("TIMEBANK_DATABASE_SCHEMA", settings.database_schema)


def test_daily_checkpoint_is_signed_public_and_verified(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    d.earn(d.volunteer()["id"], 60)
    app, runner = client.app.state.runtime.app, client.app.state.runner
    assert record_daily_checkpoint(app, runner) is True
    assert record_daily_checkpoint(app, runner) is False  # one a day
    day = datetime.now(SHANGHAI).date().isoformat()
    published = client.get(f"{API}/audit/checkpoints/{day}")
    assert published.status_code == 200  # public: no credentials needed
    cp = published.json()
    assert verify_signature(cp["public_key"],
                            checkpoint_message(cp["day"], cp["position"], cp["chain_hash"]),
                            cp["signature"])
    assert not verify_signature(cp["public_key"],
                                checkpoint_message(cp["day"], cp["position"] + 1,
                                                   cp["chain_hash"]), cp["signature"])
    verified = client.get(f"{API}/audit/verify", headers=d.admin).json()
    assert verified["ok"] is True and verified["checkpoints_checked"] == 1
    assert client.get(f"{API}/audit/checkpoints/2001-01-01").status_code == 404


def test_passbook_as_recorded_then_and_as_corrected_since(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    volunteer = d.volunteer()
    record = d.service_record(volunteer["id"], 120)
    client.post(f"{API}/service-records/{record}/approve", headers=d.admin)
    time.sleep(0.01)
    moment = datetime.now(UTC)
    time.sleep(0.01)
    corrected = client.post(f"{API}/service-records/{record}/correct",
                            json={"hours": "2.5", "reason": "签退时间有误"}, headers=d.admin)
    assert corrected.status_code == 200, corrected.text
    answer = client.get(f"{API}/volunteers/{volunteer['id']}/passbook/at",
                        params={"at": moment.isoformat()}, headers=d.admin)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["as_recorded"] == {"balance_points": 20, "total_hours": "2.00"}
    assert body["as_corrected"] == {"balance_points": 25, "total_hours": "2.50"}
    assert [(e["kind"], e["points"]) for e in body["corrections_since"]] == [("correction", 5)]
    naive = client.get(f"{API}/volunteers/{volunteer['id']}/passbook/at",
                       params={"at": "2026-01-01T00:00:00"}, headers=d.admin)
    assert naive.status_code == 422


def test_fund_statement_at_an_instant_as_recorded_and_as_corrected(client: TestClient) -> None:
    d = HttpDistrict.build(client)
    treasurer = d.user("treasurer-t", "treasurer", d.branch_id)
    fund = client.post(f"{API}/funds", json={"name": "基金", "kind": "foundation",
                                             "office_id": d.branch_id}, headers=treasurer).json()
    donation = client.post(f"{API}/funds/{fund['id']}/donations",
                           json={"amount_fen": 9_000, "donor_name": "张先生",
                                 "donor_type": "individual"},
                           headers={**treasurer, "Idempotency-Key": "d1"}).json()
    captured = client.get(f"{API}/funds/{fund['id']}/statement", headers=treasurer).json()
    time.sleep(0.01)
    moment = datetime.now(UTC).isoformat()
    time.sleep(0.01)
    client.post(f"{API}/funds/{fund['id']}/donations/{donation['donation_id']}/void",
                json={"reason": "重复"}, headers=treasurer)
    then = client.get(f"{API}/funds/{fund['id']}/statement", params={"at": moment},
                      headers=treasurer).json()
    fixed = client.get(f"{API}/funds/{fund['id']}/statement",
                       params={"at": moment, "corrected": "true"}, headers=treasurer).json()
    now = client.get(f"{API}/funds/{fund['id']}/statement", headers=treasurer).json()
    assert then["balance_fen"] == 9_000 and then["donations_fen"] == 9_000
    # The point-in-time answer is the statement captured at that moment.
    assert {k: v for k, v in then.items() if k != "as_of"} == {
        k: v for k, v in captured.items() if k != "as_of"}
    assert fixed["balance_fen"] == 0 and fixed["corrected"] is True
    assert now["balance_fen"] == 0

    client.post(f"{API}/funds/{fund['id']}/donations",
                json={"amount_fen": 123_456, "donor_name": "李女士", "donor_type": "resident"},
                headers={**treasurer, "Idempotency-Key": "d2"})
    page = client.get(f"/transparency/funds/{fund['id']}")
    assert page.status_code == 200 and "信息公开" in page.text
    # The donor type's label is the vocabulary's, as everywhere (居民, not a page's own).
    assert '<td data-label="来源">居民</td>' in page.text and "¥1,234.56" in page.text
    assert "张先生" not in page.text and "李女士" not in page.text


def test_erasure_keeps_every_figure_and_the_chain(client: TestClient, settings: Settings,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    d = HttpDistrict.build(client)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone, name="欧阳娜娜")
    d.earn(volunteer["id"], 90)
    rollup_before = client.get(f"{API}/offices/{d.bank_id}/rollup", headers=d.admin).json()
    runtime = client.app.state.runtime
    states = b"".join(bytes(n.state) for n in runtime.app.recorder.select_notifications(
        start=None, limit=100_000))
    assert "欧阳娜娜".encode() not in states and phone.encode() not in states
    _kiosk, key = runtime.app.register_kiosk(runtime.app.actor_for_user(
        runtime.app.find_user("root-admin").id), d.office_id, "1 号机")
    coordinator = d.user("coord-e", "coordinator", d.office_id)
    refused = client.post(f"{API}/volunteers/{volunteer['id']}/erase",
                          json={"reason": "本人申请"}, headers=coordinator)
    assert refused.status_code == 403
    erased = client.post(f"{API}/volunteers/{volunteer['id']}/erase",
                         json={"reason": "本人申请删除个人信息"}, headers=d.admin)
    assert erased.status_code == 200, erased.text
    assert erased.json()["name"] == ERASED and erased.json()["active"] is False
    passbook = client.get(f"{API}/volunteers/{volunteer['id']}/passbook", headers=d.admin)
    assert passbook.json()["balance_points"] == 15 and passbook.json()["total_hours"] == "1.50"
    assert client.get(f"{API}/audit/verify", headers=d.admin).json()["ok"] is True
    assert client.get(f"{API}/offices/{d.bank_id}/rollup",
                      headers=d.admin).json() == rollup_before
    at_kiosk = client.get(f"{API}/kiosk/passbooks/{volunteer['passbook_no']}",
                          headers={"X-Kiosk-Key": key})
    assert at_kiosk.status_code == 409  # an erased person's card spends nothing
    assert at_kiosk.json()["error"]["code"] == "volunteer_inactive"
    assert "欧" not in at_kiosk.text and "娜" not in at_kiosk.text
    login = client.post(f"{API}/auth/volunteer-token", json={"phone": phone, "pin": "738294"})
    assert login.status_code == 401
    again = d.volunteer(phone=phone, name="新用户")  # the phone is free again
    assert again["id"] != volunteer["id"]

    other = d.volunteer(name="王五")
    cli_env(monkeypatch, settings)
    result = CliRunner().invoke(cli, ["volunteers", "erase", other["id"]])
    assert result.exit_code == 0, result.output
    shown = client.get(f"{API}/volunteers/{other['id']}", headers=d.admin).json()
    assert shown["name"] == ERASED


def test_sqlite_backup_restores_and_verifies(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from api.app import create_app
    from tests.conftest import make_sqlite_settings

    live = tmp_path / "live"
    settings = make_sqlite_settings(live)
    with TestClient(create_app(settings, follow_projections=False)) as client:
        d = HttpDistrict.build(client)
        volunteer = d.volunteer(name="钱先生")
        d.earn(volunteer["id"], 60)
    runner = CliRunner()
    cli_env(monkeypatch, settings)
    backup_file = tmp_path / "backups" / "timebank.db"
    made = runner.invoke(cli, ["backup", str(backup_file)])
    assert made.exit_code == 0, made.output and backup_file.exists()
    # Erased after the backup was taken: a restore must not bring the person back.
    assert runner.invoke(cli, ["volunteers", "erase", volunteer["id"]]).exit_code == 0

    restored = tmp_path / "restored" / "timebank.db"
    cli_env(monkeypatch, settings, url=f"sqlite:///{restored}")
    put_back = runner.invoke(cli, ["restore", str(backup_file)])
    assert put_back.exit_code == 0, put_back.output
    assert "1 erasure(s)" in put_back.output
    restored_settings = make_sqlite_settings(live).model_copy(
        update={"database_url": f"sqlite:///{restored}"})
    with TestClient(create_app(restored_settings, follow_projections=False)) as client:
        admin = client.app.state.runtime.app
        person = admin.personal_data(admin.load_volunteer(volunteer["id"]))
        assert person.name == ERASED
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert "ok:" in verified.output
    refused = runner.invoke(cli, ["restore", str(backup_file)])
    assert refused.exit_code == 2  # will not overwrite without --force


def test_checkpoints_signed_with_another_key_or_a_lagging_chain_do_not_verify(
    client: TestClient,
) -> None:
    """Found in review: verify trusted the key stored beside the signature."""
    from sqlalchemy import update

    from projections.tables import projection_positions
    from timebank.domain.checkpoints import Checkpoint
    from timebank.security.signing import Signer

    d = HttpDistrict.build(client)
    app, runner = client.app.state.runtime.app, client.app.state.runner
    runner.catch_up()
    forger = Signer("an-attacker-secret-that-is-not-the-servers-0123")
    position, chain = 3, "0" * 64
    app.save(Checkpoint(day="2001-01-01", position=position, chain_hash=chain,
                        signature=forger.sign(checkpoint_message("2001-01-01", position, chain)),
                        public_key=forger.public_key))
    forged = client.get(f"{API}/audit/verify", headers=d.admin).json()
    assert forged["ok"] is False and forged["first_bad_position"] == position

    # A chain that stopped short of the log vouches for nothing beyond it.
    with client.app.state.runtime.engine.begin() as conn:
        conn.execute(update(projection_positions)
                     .where(projection_positions.c.name == "audit").values(position=2))
    from projections import audit_queries

    lagging = audit_queries.verify_chain(app.recorder, runner.engine, app.mapper,
                                         app.trusted_checkpoint_keys)
    assert lagging["ok"] is False
