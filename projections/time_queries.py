"""Reads of time accounts, pools, inter-bank transfers and the clearing between banks.

The caller has asked the read gate first (the services' `read_time_account`, `read_office`,
`read_scope`); these only turn the answer into rows.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, select

from projections.tables import (
    hours_pools,
    interbank_ledger,
    interbank_transfers,
    offices,
    time_accounts,
    time_entries,
)
from timebank.domain.interbank import CARE, PENDING, POSTED, VOIDED
from timebank.domain.offices import BANK
from timebank.domain.values import hours_text


def time_account_view(engine: Engine, passbook_no: str, limit: int | None = 50
                      ) -> dict[str, Any]:
    """A passbook's time account and its latest entries (empty before its first hour)."""
    with engine.connect() as conn:
        account = conn.execute(select(time_accounts).where(
            time_accounts.c.passbook_no == passbook_no)).one_or_none()
        if account is None:
            return {"passbook_no": passbook_no, "balance_hours": "0.00",
                    "reserved_hours": "0.00", "stored_hours": "0.00",
                    "over_cap_hours": "0.00", "entries": []}
        query = (select(time_entries).where(time_entries.c.account_id == account.account_id)
                 .order_by(time_entries.c.version.desc()))
        if limit is not None:
            query = query.limit(limit)
        rows = list(reversed(conn.execute(query).all()))
    return {
        "passbook_no": account.passbook_no,
        "balance_hours": hours_text(account.balance_minutes),
        "reserved_hours": hours_text(account.reserved_minutes),
        "stored_hours": hours_text(account.stored_minutes),
        "over_cap_hours": hours_text(account.over_cap_minutes),
        "entries": [
            {"at": row.at, "kind": row.kind, "hours": hours_text(row.minutes),
             "reserved_hours": hours_text(row.reserved_minutes),
             "balance_after": hours_text(row.balance_after), "ref": row.ref}
            for row in rows
        ],
    }


def pool_view(engine: Engine, bank_id: str) -> dict[str, Any]:
    with engine.connect() as conn:
        pool = conn.execute(select(hours_pools).where(
            hours_pools.c.bank_id == bank_id)).one_or_none()
    figures = ("balance", "funded", "donated", "over_cap", "granted", "paid")
    return {"bank_id": bank_id, **{
        f"{name}_hours": hours_text(getattr(pool, f"{name}_minutes") if pool else 0)
        for name in figures}}


def pending_transfer_ids(engine: Engine, limit: int = 1000) -> list[str]:
    """The sending bank's transfers still waiting for a decision, oldest first; plain
    transfers before care holds (which wait for their service, days perhaps), so a long
    list of care never keeps a transfer waiting."""
    with engine.connect() as conn:
        return list(conn.execute(
            select(interbank_transfers.c.transfer_id)
            .where(interbank_transfers.c.status == PENDING)
            .order_by((interbank_transfers.c.purpose == CARE).asc(),
                      interbank_transfers.c.requested_at).limit(limit)).scalars())


def _in_period(first: date | None, last: date | None) -> Any:
    conditions = []
    if first is not None:
        conditions.append(interbank_ledger.c.day >= first)
    if last is not None:
        conditions.append(interbank_ledger.c.day <= last)
    return and_(True, *conditions)


def ledger_rows(engine: Engine, bank_ids: set[str] | None, first: date | None,
                last: date | None) -> dict[tuple[str, str], dict[str, int]]:
    """(bank, counterparty) -> minutes sent and received in the period, from the books
    kept in this store (of the banks named, or all of them)."""
    query = select(interbank_ledger).where(_in_period(first, last))
    if bank_ids is not None:
        query = query.where(interbank_ledger.c.bank_id.in_(sorted(bank_ids)))
    totals: dict[tuple[str, str], dict[str, int]] = defaultdict(
        lambda: {"sent": 0, "received": 0, "sent_count": 0, "received_count": 0})
    with engine.connect() as conn:
        for row in conn.execute(query):
            figures = totals[(row.bank_id, row.counterparty_bank_id)]
            figures["sent"] += row.sent_minutes
            figures["received"] += row.received_minutes
            figures["sent_count"] += row.sent_count
            figures["received_count"] += row.received_count
    return dict(totals)


def bank_books(engine: Engine, bank_id: str, first: date | None, last: date | None
               ) -> list[dict[str, Any]]:
    """One bank's books with every other bank: what it sent and received, and what it
    owes (positive) or is owed (negative) for the period. The sending bank owes the
    receiving one: the care those hours buy is now the receiver's to give."""
    rows = ledger_rows(engine, {bank_id}, first, last)
    return [
        {"counterparty_bank_id": counterparty,
         "sent_hours": hours_text(f["sent"]), "received_hours": hours_text(f["received"]),
         "sent_transfers": f["sent_count"], "received_transfers": f["received_count"],
         "owes_hours": hours_text(f["sent"] - f["received"])}
        for (_bank, counterparty), f in sorted(rows.items())
    ]


def clearing_report(books: list[dict[tuple[str, str], dict[str, int]]],
                    first: date | None, last: date | None) -> dict[str, Any]:
    """Net every pair of banks from each bank's own books (the rows of every store).

    For a pair (A, B): A's books say what A sent to B, B's books what B received from A;
    they agree once every transfer is settled (a transfer credited in B and not yet posted
    in A is in flight, and the pair does not balance until it is). The net is what the
    bank that sent more owes the other."""
    merged: dict[tuple[str, str], dict[str, int]] = {}
    for rows in books:
        for key, figures in rows.items():
            into = merged.setdefault(key, {"sent": 0, "received": 0})
            into["sent"] += figures["sent"]
            into["received"] += figures["received"]
    pairs = sorted({tuple(sorted(key)) for key in merged})
    out = []
    for a, b in pairs:
        a_books = merged.get((a, b), {"sent": 0, "received": 0})
        b_books = merged.get((b, a), {"sent": 0, "received": 0})
        a_to_b, b_to_a = a_books["sent"], b_books["sent"]
        balanced = a_to_b == b_books["received"] and b_to_a == a_books["received"]
        net = a_to_b - b_to_a
        out.append({
            "bank_id": a, "counterparty_bank_id": b,
            # Each direction as its sender's books and its receiver's books record it.
            "sent": {"hours": hours_text(a_to_b),
                     "hours_as_received": hours_text(b_books["received"])},
            "received": {"hours": hours_text(b_to_a),
                         "hours_as_received": hours_text(a_books["received"])},
            "net_hours": hours_text(abs(net)),
            "debtor_bank_id": a if net > 0 else b if net < 0 else None,
            "balanced": balanced,
        })
    return {"from": first, "to": last, "balanced": all(p["balanced"] for p in out),
            "pairs": out}


def care_holds_of(engine: Engine, passbook_no: str, limit: int = 50) -> list[dict[str, Any]]:
    """Care a passbook of this bank pays for in other banks (通存通兑), newest first: the
    hold, and once the service ended there, what was paid and what came back."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(interbank_transfers)
            .where(interbank_transfers.c.from_passbook_no == passbook_no,
                   interbank_transfers.c.purpose == CARE)
            .order_by(interbank_transfers.c.requested_at.desc()).limit(limit)).mappings()
        return [{**row, "held_hours": hours_text(row["minutes"]),
                 "paid_hours": hours_text(row["minutes"] - row["returned_minutes"]
                                          if row["status"] == POSTED else 0),
                 "returned_hours": hours_text(row["minutes"] if row["status"] == VOIDED
                                              else row["returned_minutes"])}
                for row in rows]


def open_banks(engine: Engine) -> list[dict[str, str]]:
    """The open banks this store knows (their names are public), by name."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(offices.c.office_id, offices.c.name)
            .where(offices.c.kind == BANK, offices.c.closed.is_(False))
            .order_by(offices.c.name)).mappings()
        return [{"bank_id": row["office_id"], "name": row["name"]} for row in rows]
