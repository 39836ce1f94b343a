"""Many processes at once against the same passbooks, stock and fund, on PostgreSQL.

Each process has its own application, connection pool and aggregate cache, as API
workers do. Afterwards every point, unit of stock and fen is accounted for, nothing is
below zero, and every refusal was one of the clear, expected answers.
"""

from __future__ import annotations

import multiprocessing
from collections import Counter
from typing import Any

from tests.helpers import District
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError
from timebank.runtime import build_runtime
from timebank.settings import Settings

PROCESSES = 4
ROUNDS = 12


def worker(settings_json: str, plan: dict[str, Any], seed: int) -> dict[str, int]:
    settings = Settings.model_validate_json(settings_json)
    runtime = build_runtime(settings, migrate=False)
    app = runtime.app
    outcomes: Counter[str] = Counter()
    kiosk = app.authenticate_kiosk(plan["kiosk_key"])
    try:
        for record_id in plan["pending"]:  # every process tries to approve every record
            try:
                app.approve_service_record(SYSTEM, record_id)
                outcomes["approve"] += 1
            except DomainError as exc:
                outcomes[f"refused:{exc.code}"] += 1
        for n in range(ROUNDS):
            step = (seed + n) % 3
            try:
                if step == 0:
                    app.transfer_points(SYSTEM, plan["giver"], plan["receivers"][n % 3], 7, "",
                                        app.idempotency("mp", f"t-{seed}-{n}", {}))
                    outcomes["transfer"] += 1
                elif step == 1:
                    app.redeem(kiosk, plan["giver"], "738294", [{"sku": "SOAP", "quantity": 1}],
                               app.idempotency(f"kiosk:{kiosk.id}", f"r-{seed}-{n}", {}))
                    outcomes["redeem"] += 1
                else:
                    app.disburse_grant(SYSTEM, plan["grant"], 1_000,
                                       app.idempotency("mp", f"d-{seed}-{n}", {}))
                    outcomes["disburse"] += 1
            except DomainError as exc:
                outcomes[f"refused:{exc.code}"] += 1
    finally:
        runtime.close()
    return dict(outcomes)


def test_processes_never_overdraw_oversell_or_overpay(postgres_settings: Settings) -> None:
    runtime = build_runtime(postgres_settings)
    try:
        app = runtime.app
        d = District.build(app)
        giver = d.volunteer()
        receivers = [d.volunteer(name=f"收{i}") for i in range(3)]
        d.earn(giver, 600)  # 100 points
        app.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 5, 6)
        _kiosk, key = app.register_kiosk(SYSTEM, d.office.id, "1 号机")
        fund = app.open_fund(SYSTEM, "基金", "foundation", None, d.branch.id)
        app.receive_donation(SYSTEM, fund.id, 9_000, None, "resident", None, True, None)
        grant = app.propose_grant(SYSTEM, fund.id, "扶手", 20_000, None)
        app.decide_grant(SYSTEM, grant.id, 10, 1, 0, "纪要")
        pending = [str(d.serve(receivers[i % 3], 60).id) for i in range(6)]
        plan = {"pending": pending, "giver": giver.passbook_no,
                "receivers": [r.passbook_no for r in receivers],
                "kiosk_key": key, "grant": str(grant.id)}
    finally:
        runtime.close()

    context = multiprocessing.get_context("spawn")
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(worker, [(postgres_settings.model_dump_json(), plan, seed)
                                        for seed in range(PROCESSES)])
    outcomes: Counter[str] = Counter()
    for result in results:
        outcomes.update(result)
    assert sum(outcomes.values()) == PROCESSES * (ROUNDS + 6)
    allowed_refusals = {"refused:insufficient_points", "refused:out_of_stock",
                        "refused:insufficient_funds", "refused:not_pending"}
    assert set(outcomes) - {"transfer", "redeem", "disburse", "approve"} <= allowed_refusals
    assert outcomes["approve"] == 6  # each record approved once, by whichever came first
    assert outcomes["refused:not_pending"] == 6 * (PROCESSES - 1)

    check = build_runtime(postgres_settings, migrate=False)
    try:
        app = check.app
        balance = app.load_passbook(giver.passbook_no).balance
        received = sum(app.load_passbook(r.passbook_no).balance for r in receivers)
        soap = app.load_catalog_item(d.office.id, "SOAP")
        paid = app.load_grant(grant.id).disbursed_fen
        cash = app.load_fund(fund.id).balance
    finally:
        check.close()
    assert received == 7 * outcomes["transfer"] + 6 * 10  # plus six approved hours
    assert 6 - soap.stock == outcomes["redeem"] and soap.stock >= 0
    assert balance == 100 - 7 * outcomes["transfer"] - 5 * outcomes["redeem"] >= 0
    assert paid == 1_000 * outcomes["disburse"] and cash == 9_000 - paid >= 0
    assert outcomes["disburse"] == 9  # the fund held exactly nine tranches
