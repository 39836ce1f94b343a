"""A fund's state is bounded (issue 17, item 3): loading, copying and snapshotting a fund
costs the same after a thousand gifts as after ten; version-1 snapshots, which held every
gift and lot, load through the upcaster."""

from __future__ import annotations

import json
from datetime import datetime
from uuid import uuid4

from eventsourcing.domain import Snapshot

from tests.memory import memory_app
from timebank.domain import lots
from timebank.domain.actors import SYSTEM
from timebank.domain.funds import CASH, UNRESTRICTED, Fund, restricted_class
from timebank.domain.values import SHANGHAI

ACTOR = SYSTEM.record()


def _size(fund: Fund) -> int:
    """What a snapshot and a copy of the fund hold (its state, not its unsaved events)."""
    return len(json.dumps({k: v for k, v in vars(fund).items() if k != "_pending_events"},
                          default=str))


def test_a_funds_state_does_not_grow_with_its_gifts() -> None:
    fund = Fund.open("基金", "foundation", None, uuid4(), uuid4(), ACTOR)
    now = datetime.now(SHANGHAI)
    for n in range(10):
        fund.receive_donation(uuid4(), 100 + n, "resident", None, True,
                              "助老" if n % 2 else None, now, ACTOR)
    after_ten = _size(fund)
    for n in range(1000):
        fund.receive_donation(uuid4(), 100 + n, "resident", None, True,
                              "助老" if n % 2 else None, now, ACTOR)
    # Only the digits of the counters grow (receipt numbers, balances, queue offsets).
    assert _size(fund) - after_ten < 60
    assert fund.receipts[str(now.year)] == 1010


def test_the_app_keeps_each_gift_as_its_own_aggregate() -> None:
    app = memory_app()
    bank = app.open_office(SYSTEM, "示范区公益银行", "bank", None)
    fund = app.open_fund(SYSTEM, "基金", "foundation", None, bank.id)
    gifts = [app.receive_donation(SYSTEM, fund.id, 5_000, "爱心企业", "enterprise",
                                  "助老", False, None) for _ in range(3)]
    loaded = app.load_fund(fund.id)
    assert loaded.cash == {restricted_class("助老"): 15_000}
    donation, record = app.donation_of(loaded, gifts[1]["donation_id"])
    assert donation is not None and donation.fund_id == fund.id
    assert record["lots"] == [{"account": CASH, "class": restricted_class("助老"),
                               "start": 5_000, "end": 10_000, "whole": True}]
    assert app.donor_name(loaded, gifts[1]["donation_id"]) == "爱心企业"
    # A gift of another fund is not this fund's.
    other = app.open_fund(SYSTEM, "另一个基金", "foundation", None, bank.id)
    assert app.donation_of(app.load_fund(other.id), gifts[0]["donation_id"]) == (None, None)


def test_a_version_1_snapshot_loads_through_the_upcaster() -> None:
    """Version 1 kept `lots` (oldest first) and `donations`; the upcaster turns the lots into
    queues and the donations into legacy records, and the decisions read them alike."""
    fund = Fund.open("基金", "foundation", None, uuid4(), uuid4(), ACTOR)
    whole, spent = str(uuid4()), str(uuid4())
    state = {k: v for k, v in vars(fund).items()
             if k not in ("queues", "legacy_donations", "_id", "_version", "_pending_events")}
    record = {"postings": [], "voided": False, "receipt_no": "2026-000001",
              "donor_sealed": None}
    state.update(
        cash={UNRESTRICTED: 700},
        lots=[
            {"donation": spent, "account": CASH, "class": UNRESTRICTED, "remaining": 200,
             "whole": False},
            {"donation": whole, "account": CASH, "class": UNRESTRICTED, "remaining": 500,
             "whole": True},
        ],
        donations={spent: dict(record), whole: dict(record, receipt_no="2026-000002")},
    )
    snapshot = Snapshot(originator_id=fund.id, originator_version=1,
                        timestamp=fund.created_on, topic="timebank.domain.funds:Fund",
                        state=state)
    loaded = snapshot.mutate(None)
    assert isinstance(loaded, Fund)
    queue = loaded.queue(CASH, UNRESTRICTED)
    assert lots.held(queue) == 700
    assert loaded.own_lot(loaded.legacy_donations[whole]) is not None
    assert loaded.own_lot(loaded.legacy_donations[spent]) is None
    loaded.void_donation(uuid4(), "录入错误", ACTOR, {**loaded.legacy_donations[whole],
                                                   "postings": [
        {"account": CASH, "class": UNRESTRICTED, "debit_fen": 500, "credit_fen": 0},
        {"account": "donation_income:resident", "class": UNRESTRICTED, "debit_fen": 0,
         "credit_fen": 500}]})
    assert loaded.cash == {UNRESTRICTED: 200}
    assert lots.held(loaded.queue(CASH, UNRESTRICTED)) == 200
