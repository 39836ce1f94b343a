"""Two banks in two partitions behind one HTTP application: every request works in its
caller's bank, a token of one bank cannot reach the other's data, and the city rollup sums
the banks' rollups as the API reports them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from projections.city import CityRollup, city_rollup
from tests.api._support import API, assert_error
from tests.helpers import HttpDistrict, admin_headers, bearer, next_phone, staff_token
from timebank.cli import app as cli
from timebank.domain.actors import SYSTEM
from timebank.domain.values import hours_text
from timebank.runtime import Runtime
from timebank.settings import Settings


@pytest.fixture
def city_client(partitioned_settings: Settings) -> Iterator[TestClient]:
    app = create_app(partitioned_settings, follow_projections=False)
    with TestClient(app) as test_client:
        yield test_client


def runtime_of(client: TestClient) -> Runtime:
    return client.app.state.runtime  # type: ignore[attr-defined]


def bank_district(client: TestClient, admin: dict[str, str], key: str, name: str
                  ) -> tuple[HttpDistrict, dict[str, Any]]:
    """A bank opened in partition `key` (as `timebank banks open` does), its first bank
    administrator made by the system administrator, and its tree made by that administrator."""
    bank = runtime_of(client).partitions.open_bank(SYSTEM, name, key)
    created = client.post(f"{API}/users", headers=admin, json={
        "username": f"{key}-admin", "password": "correct-horse-1", "role": "bank_admin",
        "office_id": str(bank.id)})
    assert created.status_code == 201, created.text
    headers = bearer(staff_token(client, f"{key}-admin", "correct-horse-1"))
    d = HttpDistrict(client, headers, bank_id=str(bank.id))
    d.branch_id = d.office(f"{name}街道分行", "branch", d.bank_id)
    d.office_id = d.office(f"{name}社区储蓄所", "savings_office", d.branch_id)
    d.activity_id = d.activity(d.office_id)
    phone = next_phone()
    volunteer = d.volunteer(phone=phone)
    return d, {**volunteer, "phone": phone, "headers": d.volunteer_headers(phone)}


def test_two_banks_two_partitions_over_http(city_client: TestClient) -> None:
    client = city_client
    admin = admin_headers(client)
    east, east_volunteer = bank_district(client, admin, "east", "东区")
    west, west_volunteer = bank_district(client, admin, "west", "西区")
    east.earn(east_volunteer["id"], 120)
    west.earn(west_volunteer["id"], 60)
    partitions = runtime_of(client).partitions

    # Each bank's data is in its own store, none in the directory's.
    for d, key, other in ((east, "east", "west"), (west, "west", "east")):
        for aggregate_id in (d.bank_id, d.branch_id, d.office_id, d.activity_id):
            assert partitions.locate(aggregate_id).key == key
            assert not partitions.banks[other].app.exists(UUID(aggregate_id))
            assert not partitions.directory.app.exists(UUID(aggregate_id))

    # Staff and volunteers of a bank see their own data...
    own = client.get(f"{API}/volunteers/{east_volunteer['id']}/passbook",
                     headers=east.admin)
    assert own.status_code == 200, own.text
    assert own.json()["balance_points"] > 0
    mine = client.get(f"{API}/volunteers/{west_volunteer['id']}/passbook",
                      headers=west_volunteer["headers"])
    assert mine.status_code == 200, mine.text
    # ...and nothing of the other bank: it does not exist where their token leads.
    for path in (f"/offices/{west.bank_id}", f"/offices/{west.office_id}/rollup",
                 f"/volunteers/{west_volunteer['id']}",
                 f"/volunteers/{west_volunteer['id']}/passbook",
                 f"/activities/{west.activity_id}"):
        assert_error(client.get(API + path, headers=east.admin), 404, "not_found")
    assert_error(client.get(f"{API}/volunteers/{east_volunteer['id']}/passbook",
                            headers=west_volunteer["headers"]), 404, "not_found")
    assert_error(client.post(f"{API}/offices", headers=east.admin, json={
        "name": "越界", "kind": "savings_office", "parent_id": west.branch_id}),
        422, "invalid_parent")
    # A staff username is unique across the city, and a login lands in its own bank.
    taken = client.post(f"{API}/users", headers=west.admin, json={
        "username": "east-admin", "password": "correct-horse-1", "role": "coordinator",
        "office_id": west.office_id})
    assert_error(taken, 409, "username_taken")
    me = client.get(f"{API}/users/me", headers=east.admin)
    assert me.status_code == 200 and me.json()["office_id"] == east.bank_id

    # A kiosk's key leads to its bank: it reads its own bank's passbooks only.
    kiosk = client.post(f"{API}/kiosks", headers=east.admin,
                        json={"office_id": east.office_id, "name": "爱心超市"})
    assert kiosk.status_code == 201, kiosk.text
    kiosk_key = {"X-Kiosk-Key": kiosk.json()["api_key"]}
    seen = client.get(f"{API}/kiosk/passbooks/{east_volunteer['passbook_no']}",
                      headers=kiosk_key)
    assert seen.status_code == 200, seen.text
    assert seen.json()["balance_points"] == own.json()["balance_points"]
    assert client.get(f"{API}/kiosk/passbooks/{west_volunteer['passbook_no']}",
                      headers=kiosk_key).status_code == 404

    # The system administrator reads each bank's rollup; the city rollup is their sum.
    rollups = {}
    for key, d in (("east", east), ("west", west)):
        response = client.get(f"{API}/offices/{d.bank_id}/rollup", headers=admin)
        assert response.status_code == 200, response.text
        rollups[key] = response.json()["totals"]
        # Star levels are each bank's own (its thresholds): the city rollup does not sum them.
        assert rollups[key].pop("star_volunteers") == {}
    CityRollup(partitions).catch_up()
    figures = city_rollup(runtime_of(client).engine)
    for key in ("east", "west"):
        mine_figures = figures["partitions"][key]
        assert rollups[key] == {
            "volunteers": mine_figures["volunteers_net"],
            "approved_hours": hours_text(mine_figures["approved_minutes"]),
            "points_earned": mine_figures["points_earned"],
            "points_redeemed": mine_figures["points_redeemed"],
            "points_balance": mine_figures["points_net"],
        }
    assert figures["total"]["points_earned"] == (
        rollups["east"]["points_earned"] + rollups["west"]["points_earned"]) > 0
    assert figures["total"]["volunteers_net"] == 2
    assert figures["total"]["approved_minutes"] == 180


def test_a_token_for_an_unconfigured_partition_is_refused(city_client: TestClient) -> None:
    runtime = runtime_of(city_client)
    token = runtime.signer.issue("00000000-0000-0000-0000-000000000000", "user", "north")
    response = city_client.get(f"{API}/users/me", headers=bearer(token))
    assert_error(response, 401, "unauthenticated")


def test_cli_opens_banks_and_follows_each_partition(
    partitioned_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = partitioned_settings
    monkeypatch.setenv("TIMEBANK_DATABASE_URL", s.resolved_database_url)
    monkeypatch.setenv("TIMEBANK_SECRET_KEY", s.resolved_secret_key)
    monkeypatch.setenv("TIMEBANK_VAR_DIR", str(s.var_dir))
    monkeypatch.setenv("TIMEBANK_BANK_DATABASES", json.dumps(s.bank_databases))
    if s.database_schema:
        monkeypatch.setenv("TIMEBANK_DATABASE_SCHEMA", s.database_schema)
    runner = CliRunner()
    opened = runner.invoke(cli, ["banks", "open", "--name", "东区", "--partition", "east"])
    assert opened.exit_code == 0, opened.output
    refused = runner.invoke(cli, ["banks", "open", "--name", "北区", "--partition", "north"])
    assert refused.exit_code == 2
    status = runner.invoke(cli, ["projections", "status"])
    assert status.exit_code == 0, status.output
    lines = status.output.splitlines()
    # Every partition's projections, and the city rollup's position in each log.
    assert any(line.startswith("[east] offices: position 0, lag 1") for line in lines), lines
    assert any(line.startswith("[west] offices: position 0, lag 0") for line in lines), lines
    assert any(line.startswith("[city] city:east: position 0, lag 1") for line in lines), lines
    rebuilt = runner.invoke(cli, ["projections", "rebuild", "--partition", "east"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "[east] offices: position 1 (head 1)" in rebuilt.output
    assert "[west]" not in rebuilt.output
    only_city = runner.invoke(cli, ["projections", "status", "--partition", "city"])
    assert only_city.output.splitlines() == [
        "[city] city:directory: position 0, lag 0",
        "[city] city:east: position 0, lag 1",
        "[city] city:west: position 0, lag 0",
    ]
