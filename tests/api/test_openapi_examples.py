"""The document's examples (api/openapi_examples.py) are the API's real bodies: the kiosk
flow and a volunteer's scan are run here, and each example must have exactly the fields,
the types and the fixed values of the body really sent or received (ids, times, tokens and
keys differ from run to run and are only checked for their form)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.testclient import TestClient

from api.openapi_examples import EXAMPLES
from tests.api.test_kiosks import KioskWorld
from tests.api.test_scans import ScanWorld
from tests.helpers import next_phone

API = "/api/v1"
# Values that differ on every run: their form is checked, not their value.
VOLATILE = {
    "uuid": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "time": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)"),
    "passbook": re.compile(r"\d{12}"),
    "phone": re.compile(r"1\d{10}"),
    "token": re.compile(r"[A-Za-z0-9_\-.]{40,}"),
}


def kind_of(value: str) -> str | None:
    return next((name for name, rule in VOLATILE.items() if rule.fullmatch(value)), None)


def differences(example: Any, real: Any, where: str = "$") -> list[str]:
    if isinstance(real, dict):
        if not isinstance(example, dict) or set(example) != set(real):
            return [f"{where}: fields {sorted(example) if isinstance(example, dict) else example}"
                    f" but the real body has {sorted(real)}"]
        return [d for key in real for d in differences(example[key], real[key], f"{where}.{key}")]
    if isinstance(real, list):
        if not isinstance(example, list) or len(example) != len(real):
            return [f"{where}: {example!r} but the real body has {len(real)} items"]
        return [d for i, (e, r) in enumerate(zip(example, real, strict=True))
                for d in differences(e, r, f"{where}[{i}]")]
    if isinstance(real, str) and isinstance(example, str) and kind_of(real):
        return [] if kind_of(example) == kind_of(real) else [f"{where}: {example!r} vs {real!r}"]
    return [] if example == real and type(example) is type(real) else [
        f"{where}: {example!r} but the real body has {real!r}"]


class Recorder:
    """Keeps the bodies of the answers to the operations that have examples."""

    def __init__(self) -> None:
        self.bodies: dict[tuple[str, str], Any] = {}

    def keep(self, operation_id: str, request: Any, response: Any) -> Any:
        if request is not None:
            self.bodies[(operation_id, "request")] = request
        self.bodies[(operation_id, str(response.status_code))] = response.json()
        return response


def run_the_flows(client: TestClient) -> Recorder:
    seen = Recorder()
    world = KioskWorld(client)
    number = world.volunteer["passbook_no"]
    seen.keep("getKioskCatalog", None, client.get(f"{API}/kiosk/catalog", headers=world.key))
    seen.keep("lookUpPassbook", None, client.get(f"{API}/kiosk/passbooks/{number}",
                                                  headers=world.key))
    order = {"passbook_no": number, "pin": "738294",
             "items": [{"sku": "RICE-5KG", "quantity": 1}, {"sku": "HAIRCUT", "quantity": 2}]}
    redeemed = seen.keep("redeemAtKiosk", order, client.post(
        f"{API}/kiosk/redemptions", json=order,
        headers={**world.key, "Idempotency-Key": "7f3c9a52-2b1e-4d7a-9c1f-0e6b5d8a4c21"}))
    cancel = {"reason": "顾客退回"}
    seen.keep("cancelRedemption", cancel, client.post(
        f"{API}/kiosk/redemptions/{redeemed.json()['redemption_id']}/cancel", json=cancel,
        headers=world.key))
    batch = {"redemptions": [
        {"sequence": 41, "passbook_no": number, "pin": "738294",
         "items": [{"sku": "HAIRCUT", "quantity": 1}], "occurred_at": "2026-11-20T10:00:00+08:00"},
        {"sequence": 42, "passbook_no": number, "pin": "738294",
         "items": [{"sku": "RICE-5KG", "quantity": 9}], "occurred_at": "2026-11-20T10:05:00+08:00"},
    ]}
    seen.keep("redeemOfflineBatch", batch, client.post(
        f"{API}/kiosk/redemptions/batch", json=batch, headers=world.key))

    scans = ScanWorld(client)
    login = {"phone": scans.phone, "pin": "738294"}
    seen.keep("issueVolunteerToken", login, client.post(f"{API}/auth/volunteer-token",
                                                         json=login))
    scan = {"token": scans.token()}
    seen.keep("scanActivityCode", scan, client.post(f"{API}/scans", json=scan,
                                                    headers=scans.me))

    # 转赠: a volunteer gives points to a neighbour, then reads the passbook.
    giver_phone = next_phone()
    giver = scans.d.volunteer(phone=giver_phone, name="李秀英")
    scans.d.earn(giver["id"], 120)  # 20 points at the default rules
    neighbour = scans.d.volunteer(name="王建国")
    gift = {"from_passbook": giver["passbook_no"], "to_passbook": neighbour["passbook_no"],
            "points": 5, "note": "谢谢邻居帮忙"}
    me = scans.d.volunteer_headers(giver_phone)
    seen.keep("transferPoints", gift, client.post(
        f"{API}/transfers", json=gift,
        headers={**me, "Idempotency-Key": "0d5f8e1a-6c3b-4f2e-8a9d-1b7c4e6f2a30"}))
    seen.keep("getPassbook", None, client.get(f"{API}/volunteers/{giver['id']}/passbook",
                                              headers=me))
    return seen


def test_examples_are_real_bodies(client: TestClient) -> None:
    seen = run_the_flows(client)
    problems = []
    for operation_id, examples in EXAMPLES.items():
        for part, example in examples.items():
            real = seen.bodies.get((operation_id, part))
            assert real is not None, f"{operation_id} {part}: no real body recorded"
            found = differences(example, real)
            if found:
                problems.append(f"{operation_id} {part}: {found}\n  real: "
                                + json.dumps(real, ensure_ascii=False))
    assert not problems, "\n".join(problems)
    # Every recorded body has its example (the kiosk vendor's operations, a volunteer's scan).
    assert set(seen.bodies) <= {(o, p) for o, parts in EXAMPLES.items() for p in parts}, sorted(
        set(seen.bodies) - {(o, p) for o, parts in EXAMPLES.items() for p in parts})
