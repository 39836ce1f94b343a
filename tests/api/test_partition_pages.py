"""Partitions complete: every page and operator command works for a bank in a partition of
its own, and /metrics reports each partition's projection lag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from tests.api._pages import csrf_of, staff_login, volunteer_login
from tests.api.test_partitions import bank_district, runtime_of
from tests.helpers import ADMIN, admin_headers
from timebank.cli import app as cli
from timebank.domain.actors import SYSTEM
from timebank.settings import Settings

API = "/api/v1"


@pytest.fixture
def city_client(partitioned_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(partitioned_settings, follow_projections=False)) as client:
        yield client


def open_activity(client: TestClient, headers: dict[str, str], office_id: str) -> str:
    """An activity running now, so its codes scan."""
    start = datetime.now(UTC) - timedelta(minutes=10)
    response = client.post(f"{API}/activities", headers=headers, json={
        "office_id": office_id, "title": "助老送餐", "category": "elderly_care",
        "starts_at": start.isoformat(), "ends_at": (start + timedelta(hours=3)).isoformat(),
        "location": "社区食堂"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_every_page_works_in_its_banks_partition(city_client: TestClient) -> None:
    client = city_client
    admin = admin_headers(client)
    east, east_volunteer = bank_district(client, admin, "east", "东区")
    west, west_volunteer = bank_district(client, admin, "west", "西区")
    east.earn(east_volunteer["id"], 90)
    east.service_record(east_volunteer["id"], 30)  # pending: shown for approval
    west.earn(west_volunteer["id"], 60)

    # A volunteer of the east bank logs in on /me and sees their own passbook.
    volunteer_login(client, east_volunteer["phone"])
    me = client.get("/me")
    assert me.status_code == 200 and east_volunteer["passbook_no"] in me.text
    assert "西区" not in me.text

    # The east bank's administrator works on the staff pages of the east bank.
    staff_login(client, "east-admin", "correct-horse-1")
    approvals = client.get("/staff/approvals")
    assert approvals.status_code == 200, approvals.text
    assert approvals.text.count('name="ids"') == 1
    for path in ("/staff/activities", "/staff/entries", "/staff/volunteers", "/staff/funds",
                 f"/staff/offices/{east.bank_id}"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
    console = client.get("/staff/activities").text
    assert "协调员工作台 · 东区" in console and console.count("为独居老人送餐") == 3
    # The west bank's office is out of the east administrator's reach: as in the API, it does
    # not exist where their session leads (404 in the site's layout), and is never shown.
    refused = client.get(f"/staff/offices/{west.bank_id}")
    assert refused.status_code == 404 and "西区" not in refused.text
    assert 'class="error-page"' in refused.text and 'class="staff-nav"' in refused.text

    # The system administrator (the directory) reads a partitioned bank's rollup page.
    staff_login(client, *ADMIN)
    district = client.get(f"/staff/offices/{west.bank_id}")
    assert district.status_code == 200 and "西区" in district.text

    # The scan page of an east activity logs the east volunteer in there and checks them in.
    activity_id = open_activity(client, east.admin, east.office_id)
    token = east_scan_token(client, east.admin, activity_id)
    client.cookies.clear()
    page = client.get("/scan", params={"t": token})
    assert page.status_code == 200, page.text
    login = client.post("/scan/login", data={"t": token, "phone": east_volunteer["phone"],
                                             "pin": "738294", "csrf": csrf_of(page.text)},
                        follow_redirects=False)
    assert login.status_code == 303, login.text
    confirm = client.get(login.headers["location"])
    done = client.post("/scan/confirm", data={"t": token, "csrf": csrf_of(confirm.text)})
    assert done.status_code == 200 and "签到成功" in done.text

    # A certificate issued in the east bank verifies on its public page and API.
    today = datetime.now(UTC).date()
    issued = client.post(f"{API}/volunteers/{east_volunteer['id']}/certificates",
                         headers=east_volunteer["headers"],
                         json={"from": "2026-01-01", "to": (today + timedelta(days=1)).isoformat()})
    assert issued.status_code == 201, issued.text
    parts = urlsplit(issued.json()["verify_url"])
    client.cookies.clear()
    public = client.get(parts.path, params=parse_qs(parts.query))
    assert public.status_code == 200 and "证明真实有效" in public.text
    verified = client.get(f"{API}/certificates/{issued.json()['serial']}/verify",
                          params={"h": parse_qs(parts.query)["h"][0]})
    assert verified.status_code == 200 and verified.json()["valid"] is True

    # A west fund's transparency page is public and read from the west bank's books.
    fund = client.post(f"{API}/funds", headers=admin, json={
        "name": "西区社区基金会", "kind": "foundation", "office_id": west.bank_id})
    assert fund.status_code == 201, fund.text
    shown = client.get(f"/transparency/funds/{fund.json()['id']}")
    assert shown.status_code == 200 and "西区社区基金会" in shown.text


def east_scan_token(client: TestClient, headers: dict[str, str], activity_id: str) -> str:
    from tests.api.test_scans import decode_qr

    png = client.get(f"{API}/activities/{activity_id}/qr.png",
                     params={"action": "check_in"}, headers=headers)
    assert png.status_code == 200, png.text
    return parse_qs(urlsplit(decode_qr(png.content)).query)["t"][0]


# The figures are the runners' own status, on either store: one store suffices here.
@pytest.mark.parametrize("store", ["sqlite"])
def test_metrics_report_each_partitions_lag(partitioned_settings: Settings) -> None:
    token = "scrape-token-0123456789"
    settings = partitioned_settings.model_copy(update={"metrics_token": token})
    with TestClient(create_app(settings, follow_projections=False)) as client:
        runtime_of(client).partitions.open_bank(SYSTEM, "东区", "east")  # one event unapplied
        body = client.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    for key in ("directory", "east", "west"):
        assert f'timebank_projection_lag_events{{partition="{key}",projection="offices"}}' in body
    assert 'timebank_projection_lag_events{partition="east",projection="offices"} 1.0' in body
    assert 'timebank_projection_lag_events{partition="city",projection="city:east"} 1.0' in body


@pytest.fixture
def city_env(partitioned_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    s = partitioned_settings
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", s.resolved_database_url)
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", s.resolved_secret_key)
    monkeypatch.setenv("TIMEBANK_VAR_DIR", str(s.var_dir))
    monkeypatch.setenv("TIMEBANK_BANK_DATABASES", json.dumps(s.bank_databases))
    if s.database_schema:
        monkeypatch.setenv("TIMEBANK_DATABASE_SCHEMA", s.database_schema)
    return s


# The commands are adapters over the services tested on both stores; SQLite also has backups.
@pytest.mark.parametrize("store", ["sqlite"])
def test_operator_commands_act_on_every_partition(
    city_env: Settings, tmp_path: Any
) -> None:
    with TestClient(create_app(city_env, follow_projections=False)) as client:
        admin = admin_headers(client)
        east, east_volunteer = bank_district(client, admin, "east", "东区")
        west, west_volunteer = bank_district(client, admin, "west", "西区")
        east.earn(east_volunteer["id"], 60)
        # A check-in left open at a west activity that ended long ago.
        start = datetime.now(UTC) - timedelta(hours=5)
        activity = client.post(f"{API}/activities", headers=west.admin, json={
            "office_id": west.office_id, "title": "清扫", "category": "cleaning",
            "starts_at": start.isoformat(),
            "ends_at": (start + timedelta(hours=1)).isoformat(), "location": "楼道"})
        west_app = runtime_of(client).partitions.banks["west"].app
        west_actor = west_app.actor_for_volunteer(west_volunteer["id"], None)
        assert west_actor is not None
        token = west_app.scan_token(west_app.actor_for_user(
            str(west_app.find_user("west-admin").id), None), activity.json()["id"], "check_in")
        west_app.scan(west_actor, token, None, now=start + timedelta(minutes=30))

    runner = CliRunner()
    closed = runner.invoke(cli, ["scans", "close-overdue"])
    assert closed.exit_code == 0, closed.output
    assert "[west] closed 1 forgotten check-out(s)" in closed.output
    assert "[east] closed 0 forgotten check-out(s)" in closed.output

    checkpoint = runner.invoke(cli, ["audit", "checkpoint"])
    assert checkpoint.exit_code == 0, checkpoint.output
    assert "[east] checkpoint recorded" in checkpoint.output
    assert "[west] checkpoint recorded" in checkpoint.output
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert {line.split("]")[0] for line in verified.output.splitlines()} == {
        "[directory", "[east", "[west"}
    only_east = runner.invoke(cli, ["audit", "verify", "--partition", "east"])
    assert only_east.output.startswith("[east] ok:") and "[west]" not in only_east.output

    erased = runner.invoke(cli, ["volunteers", "erase", east_volunteer["id"]])
    assert erased.exit_code == 0, erased.output
    with TestClient(create_app(city_env, follow_projections=False)) as client:
        east_app = runtime_of(client).partitions.banks["east"].app
        volunteer = east_app.load_volunteer(east_volunteer["id"])
        assert volunteer.erased and east_app.personal_data(volunteer).name != "张三"

    backed_up = runner.invoke(cli, ["backup", str(tmp_path / "backup" / "b.db")])
    assert backed_up.exit_code == 0, backed_up.output
    for name in ("b.db", "b.east.db", "b.west.db"):
        assert (tmp_path / "backup" / name).stat().st_size > 0
    restored = runner.invoke(cli, ["restore", "--force", str(tmp_path / "backup" / "b.db")])
    assert restored.exit_code == 0, restored.output
    assert str(city_env.for_bank_partition("west").sqlite_path()) in restored.output
    # The erasure made before the backup holds in the restored east partition too.
    with TestClient(create_app(city_env, follow_projections=False)) as client:
        east_app = runtime_of(client).partitions.banks["east"].app
        assert east_app.load_volunteer(east_volunteer["id"]).erased
