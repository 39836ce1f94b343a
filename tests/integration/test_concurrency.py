"""Many threads spending from one passbook at once: never below zero, never a point lost."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from projections.runner import ProjectionRunner
from tests.helpers import District, forget_cached
from timebank.application import Idempotency
from timebank.domain.actors import SYSTEM
from timebank.domain.errors import DomainError

THREADS = 16
ATTEMPTS = 40
POINTS_EACH = 7


def test_concurrent_transfers_never_overdraw(services, runner: ProjectionRunner) -> None:
    d = District.build(services)
    giver = d.volunteer()
    receivers = [d.volunteer(name=f"收{i}") for i in range(4)]
    d.earn(giver, 600)  # 100 points: room for 14 transfers of 7, with 2 left over
    start = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def spend(worker: int) -> None:
        start.wait()
        for attempt in range(ATTEMPTS // THREADS * 4):
            to = receivers[(worker + attempt) % len(receivers)]
            key = Idempotency("test", f"{worker}-{attempt}", f"{worker}-{attempt}")
            try:
                services.transfer_points(
                    SYSTEM, giver.passbook_no, to.passbook_no, POINTS_EACH, "", key
                )
                result = "ok"
            except DomainError as exc:
                result = exc.code
            with lock:
                outcomes[result] += 1

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(spend, range(THREADS)))

    assert outcomes["ok"] == 100 // POINTS_EACH
    assert set(outcomes) == {"ok", "insufficient_points"}
    forget_cached(services)
    assert services.load_passbook(giver.passbook_no).balance == 100 % POINTS_EACH
    received = sum(services.load_passbook(r.passbook_no).balance for r in receivers)
    assert received == outcomes["ok"] * POINTS_EACH

    # The projections agree with the aggregates, entry by entry.
    runner.catch_up()
    from projections import queries

    view = queries.passbook_view(runner.engine, giver.passbook_no)
    assert view["balance_points"] == 100 % POINTS_EACH
    balances = [e["balance_after"] for e in view["entries"]]
    assert min(balances) >= 0 and balances[-1] == 100 % POINTS_EACH
    assert len(view["entries"]) == 1 + outcomes["ok"]


def test_the_same_key_from_many_threads_moves_points_once(services) -> None:
    d = District.build(services)
    giver, receiver = d.volunteer(), d.volunteer(name="李四")
    d.earn(giver, 600)
    start = threading.Barrier(8)
    key = Idempotency("test", "same-key", "same-body")

    def send(_: int) -> dict:
        start.wait()
        return services.transfer_points(SYSTEM, giver.passbook_no, receiver.passbook_no, 10,
                                         "", key)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    assert len({a["transfer_id"] for a in answers}) == 1
    assert {a["balance_after"] for a in answers} == {90}
    forget_cached(services)
    assert services.load_passbook(giver.passbook_no).balance == 90
    assert services.load_passbook(receiver.passbook_no).balance == 10


def test_concurrent_kiosk_redemptions_spend_exactly_the_balance(services) -> None:
    d = District.build(services)
    volunteer = d.volunteer()
    d.earn(volunteer, 600)  # 100 points
    services.list_catalog_item(SYSTEM, d.office.id, "SOAP", "香皂", 10, 1000)
    services.list_catalog_item(SYSTEM, d.office.id, "TOWEL", "毛巾", 10, 1000)
    kiosks = []
    for n in range(4):
        _kiosk, key = services.register_kiosk(SYSTEM, d.office.id, f"{n} 号机")
        kiosks.append(services.authenticate_kiosk(key))
    start = threading.Barrier(THREADS)
    outcomes: Counter[str] = Counter()
    spent: list[int] = []
    lock = threading.Lock()

    def redeem(worker: int) -> None:
        kiosk = kiosks[worker % len(kiosks)]
        start.wait()
        for attempt in range(4):
            sku = "TOWEL" if (worker + attempt) % 3 == 0 else "SOAP"
            key = Idempotency(f"kiosk:{kiosk.id}", f"{worker}-{attempt}", "body")
            try:
                body = services.redeem(kiosk, volunteer.passbook_no, "738294",
                                       [{"sku": sku, "quantity": 1}], key)
                result = "ok"
            except DomainError as exc:
                result, body = exc.code, None
            with lock:
                outcomes[result] += 1
                if body:
                    spent.append(body["points_spent"])

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(redeem, range(THREADS)))

    assert set(outcomes) <= {"ok", "insufficient_points"}
    assert sum(spent) == 100 - services.load_passbook(volunteer.passbook_no).balance
    forget_cached(services)
    remaining = services.load_passbook(volunteer.passbook_no).balance
    assert remaining == 0, outcomes  # every item costs 10: exactly ten succeed
    assert outcomes["ok"] == 10
    soap = services.load_catalog_item(d.office.id, "SOAP")
    towel = services.load_catalog_item(d.office.id, "TOWEL")
    assert (1000 - soap.stock) * 10 + (1000 - towel.stock) * 10 == sum(spent) == 100
