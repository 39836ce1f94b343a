"""As a kiosk vendor works: generate a client from the served /openapi.json with a maintained
generator (openapi-python-client, docs/openapi-python-client.yaml) and drive the whole kiosk
flow and a volunteer's scan with it, asserting on the models and error codes it parses.

The client is generated once per test session (a few seconds) and imported from there; the
generator must not drop or omit anything. Every call goes through the generated code: its
auth header, its request models, its per-status parsing (an undocumented status raises).
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.api.test_kiosks import KioskWorld
from tests.api.test_scans import ScanWorld, decode_qr
from tests.conftest import make_sqlite_settings

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "docs" / "openapi-python-client.yaml"
PACKAGE = "timebank_client"


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """`timebank_client`, generated from the document the app serves."""
    directory = tmp_path_factory.mktemp("generated-client")
    app = create_app(make_sqlite_settings(directory), migrate=False, follow_projections=False)
    spec = directory / "openapi.json"
    spec.write_bytes(TestClient(app).get("/openapi.json").content)
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run(
        [str(generator), "generate", "--path", str(spec), "--config", str(CONFIG),
         "--meta", "none", "--output-path", str(directory / PACKAGE)],
        capture_output=True, text=True, timeout=300, check=False)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    # Nothing dropped or omitted: the generator warns about every piece it cannot build.
    assert "Warning" not in output and "WARNING" not in output, output
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(directory))


def module(generated: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{generated.__name__}.{name}")


def kiosk_client(generated: ModuleType, client: TestClient, key: str) -> Any:
    """The kiosk's client as a vendor sets it up: the key in `X-Kiosk-Key`, no prefix.
    (Requests reach the app through the test client's in-process transport.)"""
    return module(generated, "client").AuthenticatedClient(
        base_url=str(client.base_url), token=key, prefix="", auth_header_name="X-Kiosk-Key",
        raise_on_unexpected_status=True, httpx_args={"transport": client._transport})


def bearer_client(generated: ModuleType, client: TestClient, token: str) -> Any:
    return module(generated, "client").AuthenticatedClient(
        base_url=str(client.base_url), token=token, raise_on_unexpected_status=True,
        httpx_args={"transport": client._transport})


def anonymous_client(generated: ModuleType, client: TestClient) -> Any:
    return module(generated, "client").Client(
        base_url=str(client.base_url), raise_on_unexpected_status=True,
        httpx_args={"transport": client._transport})


def error_code(response: Any, generated: ModuleType, status: int) -> str:
    """The parsed error of a response: the contract's shape, as the generated model."""
    assert response.status_code == status, response.content
    parsed = response.parsed
    assert isinstance(parsed, module(generated, "models").ErrorResponse), parsed
    assert parsed.error.message and parsed.error.message_zh
    return parsed.error.code


def test_the_generated_client_drives_the_whole_kiosk_flow(
    client: TestClient, generated: ModuleType
) -> None:
    world = KioskWorld(client)  # staff set it up: a kiosk, two items, 100 points
    models = module(generated, "models")
    catalog = module(generated, "api.kiosk.get_kiosk_catalog")
    look_up = module(generated, "api.kiosk.look_up_passbook")
    redeem = module(generated, "api.kiosk.redeem_at_kiosk")
    cancel = module(generated, "api.kiosk.cancel_redemption")
    batch = module(generated, "api.kiosk.redeem_offline_batch")
    kiosk = kiosk_client(generated, client, world.key["X-Kiosk-Key"])
    number = world.volunteer["passbook_no"]

    def order(*lines: tuple[str, int], pin: str = "738294") -> Any:
        return models.RedemptionCreate(passbook_no=number, pin=pin, items=[
            models.RedemptionLine(sku=sku, quantity=quantity) for sku, quantity in lines])

    def stock() -> dict[str, int]:
        return {item.sku: item.stock for item in catalog.sync(client=kiosk)}

    # The catalog and the passbook look-up.
    items = catalog.sync(client=kiosk)
    assert all(isinstance(item, models.CatalogItemOut) for item in items)
    assert [(i.sku, i.name, i.points, i.stock) for i in items] == [
        ("HAIRCUT", "理发", 15, 10), ("RICE-5KG", "大米 5kg", 30, 3)]
    passbook = look_up.sync(passbook_no=number, client=kiosk)
    assert isinstance(passbook, models.KioskPassbook)
    assert (passbook.name_masked, passbook.balance_points) == ("欧**娜", 100)
    unknown = look_up.sync_detailed(passbook_no="P-NOT-A-PASSBOOK", client=kiosk)
    assert error_code(unknown, generated, 404) == "not_found"

    # A redemption, and its replay with the same key: one redemption, the first answer.
    first = redeem.sync_detailed(client=kiosk, body=order(("RICE-5KG", 1)), idempotency_key="r1")
    assert first.status_code == 201
    assert isinstance(first.parsed, models.RedemptionOut)
    assert (first.parsed.points_spent, first.parsed.balance_after) == (30, 70)
    replay = redeem.sync_detailed(client=kiosk, body=order(("RICE-5KG", 1)), idempotency_key="r1")
    assert replay.status_code == 201
    assert replay.parsed.redemption_id == first.parsed.redemption_id
    assert look_up.sync(passbook_no=number, client=kiosk).balance_points == 70
    assert stock() == {"HAIRCUT": 10, "RICE-5KG": 2}
    reused = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 1)), idempotency_key="r1")
    assert error_code(reused, generated, 422) == "idempotency_key_reused"
    missing = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 1)), idempotency_key="")
    assert error_code(missing, generated, 400) == "idempotency_key_required"

    # Refusals change nothing: a wrong PIN, too few points, too little stock.
    wrong = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 1), pin="000000"),
                                 idempotency_key="w1")
    assert error_code(wrong, generated, 403) == "wrong_pin"
    poor = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 5)), idempotency_key="p1")
    assert error_code(poor, generated, 409) == "insufficient_points"
    short = redeem.sync_detailed(client=kiosk, body=order(("RICE-5KG", 3)), idempotency_key="s1")
    assert error_code(short, generated, 409) == "out_of_stock"
    assert look_up.sync(passbook_no=number, client=kiosk).balance_points == 70
    assert stock() == {"HAIRCUT": 10, "RICE-5KG": 2}

    # Cancelling returns the points and the stock.
    cancelled = cancel.sync_detailed(
        redemption_id=first.parsed.redemption_id, client=kiosk,
        body=models.RedemptionCancel(reason="顾客退回"), idempotency_key="c1")
    assert cancelled.status_code == 200
    assert isinstance(cancelled.parsed, models.RedemptionCancelled)
    assert cancelled.parsed.balance_after == 100
    again = cancel.sync_detailed(redemption_id=first.parsed.redemption_id, client=kiosk,
                                 body=models.RedemptionCancel(reason="再次"))
    assert error_code(again, generated, 409) == "already_cancelled"
    assert stock() == {"HAIRCUT": 10, "RICE-5KG": 3}

    # The offline queue: applied in sequence order, each once; a replay answers the same.
    queued = models.OfflineBatch(redemptions=[
        models.OfflineRedemption(sequence=2, passbook_no=number, pin="738294",
                                 items=[models.RedemptionLine(sku="RICE-5KG", quantity=3)]),
        models.OfflineRedemption(sequence=1, passbook_no=number, pin="738294",
                                 items=[models.RedemptionLine(sku="HAIRCUT", quantity=2)]),
    ])
    applied = batch.sync(client=kiosk, body=queued)
    assert isinstance(applied, models.OfflineBatchOut)
    results = [(r.sequence, r.status.value, r.balance_after) for r in applied.results]
    assert results[0] == (1, "applied", 70)
    assert results[1][:2] == (2, "refused")
    assert applied.results[1].error.code == "insufficient_points"
    replayed = batch.sync(client=kiosk, body=queued)
    assert [(r.sequence, r.status.value) for r in replayed.results] == [
        (1, "already_applied"), (2, "refused")]
    assert replayed.results[0].redemption_id == applied.results[0].redemption_id

    # Five wrong PINs in a row lock the passbook; then even the right PIN is refused.
    for attempt in range(5):
        guess = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 1), pin="999999"),
                                     idempotency_key=f"g{attempt}")
        assert error_code(guess, generated, 403) == "wrong_pin"
    locked = redeem.sync_detailed(client=kiosk, body=order(("HAIRCUT", 1)), idempotency_key="ok")
    assert error_code(locked, generated, 423) == "passbook_locked"
    assert look_up.sync(passbook_no=number, client=kiosk).balance_points == 70

    # A wrong key is refused, parsed like every other error.
    stranger = kiosk_client(generated, client, "not-a-kiosk-key")
    refused = catalog.sync_detailed(client=stranger)
    assert error_code(refused, generated, 401) == "unauthenticated"


def test_the_generated_client_drives_a_volunteers_scan(
    client: TestClient, generated: ModuleType
) -> None:
    world = ScanWorld(client)
    models = module(generated, "models")
    log_in = module(generated, "api.volunteer.issue_volunteer_token")
    scan = module(generated, "api.volunteer.scan_activity_code")
    qr_png = module(generated, "api.staff.get_activity_qr_png")

    refused = log_in.sync_detailed(client=anonymous_client(generated, client),
                                   body=models.VolunteerLogin(phone=world.phone, pin="000000"))
    assert error_code(refused, generated, 401) == "unauthenticated"
    token = log_in.sync(client=anonymous_client(generated, client),
                        body=models.VolunteerLogin(phone=world.phone, pin="738294"))
    assert isinstance(token, models.Token) and token.token_type == "bearer"
    volunteer = bearer_client(generated, client, token.access_token)

    staff = bearer_client(generated, client, world.d.admin["Authorization"].split()[1])
    image = qr_png.sync(activity_id=world.activity_id, client=staff,
                        action=models.GetActivityQrPngAction.CHECK_IN)
    code = decode_qr(image.payload.read())
    scanned = code.split("?t=", 1)[1]

    checked_in = scan.sync(client=volunteer, body=models.ScanRequest(token=scanned))
    assert isinstance(checked_in, models.ScanResult)
    assert checked_in.action == "check_in" and checked_in.status == "checked_in"
    twice = scan.sync_detailed(client=volunteer, body=models.ScanRequest(token=scanned))
    assert error_code(twice, generated, 409) == "already_checked_in"
    forged = scan.sync_detailed(client=volunteer, body=models.ScanRequest(token="forged"))
    assert error_code(forged, generated, 400) == "invalid_token"
