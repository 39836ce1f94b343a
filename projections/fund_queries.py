"""Statements and the trial balance, as of any date, summed from the journal."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select

from projections.tables import donations, fund_journal, funds, grants
from timebank.domain.chart import CLOSING_ENTRY, GOVERNMENT_GRANT_INCOME
from timebank.domain.funds import CASH, DONATION_INCOME, GRANT_EXPENSE, UNRESTRICTED

RESTRICTED_PREFIX = "restricted:"


def statement(
    engine: Engine,
    fund_id: str,
    as_of: date | None,
    at: datetime | None = None,
    corrected: bool = False,
) -> dict[str, Any]:
    """The fund's figures at the end of `as_of` (a Shanghai date) or at the instant `at`.

    As recorded then, by default; with `corrected`, voids recorded later of donations
    received by then are applied too — the books as we now know they should have read.
    """
    j = fund_journal
    net = func.coalesce(func.sum(j.c.debit_fen - j.c.credit_fen), 0)
    # The contract's figures are cumulative, before any closing entries.
    query = select(j.c.account, j.c.fund_class, j.c.entry_kind, net).where(
        j.c.fund_id == fund_id, j.c.entry_kind != CLOSING_ENTRY)
    cutoff = None
    if at is not None:
        cutoff = j.c.booked_at <= at
        received_by_then = select(donations.c.donation_id).where(donations.c.received_at <= at)
    elif as_of is not None:
        cutoff = j.c.booked_on <= as_of
        received_by_then = select(donations.c.donation_id).where(
            donations.c.donation_id.in_(
                select(j.c.ref).where(j.c.entry_kind.in_(("donation", "donation_in_kind")),
                                    j.c.booked_on <= as_of)))
    if cutoff is not None:
        if corrected:
            cutoff = or_(cutoff, and_(j.c.entry_kind == "donation_void",
                                      j.c.ref.in_(received_by_then)))
        query = query.where(cutoff)
    with engine.connect() as conn:
        rows = conn.execute(query.group_by(j.c.account, j.c.fund_class, j.c.entry_kind)).all()
    balance = unrestricted = donations_fen = disbursed = in_kind = 0
    restricted: dict[str, int] = {}
    for account, fund_class, kind, amount in rows:
        amount = int(amount)
        if account == CASH and kind == "disbursement":
            disbursed -= amount  # grants paid: the cash that left for them
        if account == CASH:
            balance += amount
            if fund_class == UNRESTRICTED:
                unrestricted += amount
            elif fund_class.startswith(RESTRICTED_PREFIX):
                purpose = fund_class[len(RESTRICTED_PREFIX):]
                restricted[purpose] = restricted.get(purpose, 0) + amount
        elif account == "in_kind_assets":
            in_kind += amount
        elif account.startswith(DONATION_INCOME) or account == GOVERNMENT_GRANT_INCOME:
            donations_fen -= amount  # income is credit-normal (gifts and government money)
    return {
        "fund_id": fund_id,
        "as_of": as_of.isoformat() if as_of else (at.isoformat() if at else None),
        "corrected": corrected,
        "balance_fen": balance,
        "unrestricted_fen": unrestricted,
        "restricted": {k: v for k, v in sorted(restricted.items()) if v},
        "donations_fen": donations_fen,
        "disbursed_fen": disbursed,
        "in_kind_fen": in_kind,
    }


def trial_balance(engine: Engine, fund_ids: list[str], as_of: date | None) -> dict[str, Any]:
    j = fund_journal
    debit = func.coalesce(func.sum(j.c.debit_fen), 0)
    credit = func.coalesce(func.sum(j.c.credit_fen), 0)
    query = select(j.c.account, debit, credit).where(
        j.c.fund_id.in_(fund_ids), j.c.entry_kind != CLOSING_ENTRY)
    if as_of is not None:
        query = query.where(j.c.booked_on <= as_of)
    with engine.connect() as conn:
        rows = conn.execute(query.group_by(j.c.account).order_by(j.c.account)).all()
    accounts = []
    for account, debits, credits in rows:
        net = int(debits) - int(credits)
        if net == 0:
            continue
        accounts.append({"account": account, "debit_fen": max(net, 0),
                         "credit_fen": max(-net, 0)})
    return {
        "as_of": as_of.isoformat() if as_of else None,
        "accounts": accounts,
        "total_debit_fen": sum(a["debit_fen"] for a in accounts),
        "total_credit_fen": sum(a["credit_fen"] for a in accounts),
    }


def funds_of_offices(engine: Engine, office_ids: list[str] | None) -> list[dict[str, Any]]:
    query = select(funds).order_by(funds.c.opened_at, funds.c.fund_id)
    if office_ids is not None:
        query = query.where(funds.c.office_id.in_(office_ids))
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {"id": r.fund_id, "name": r.name, "kind": r.kind, "host_fund_id": r.host_fund_id,
         "office_id": r.office_id, "opened_at": r.opened_at}
        for r in rows
    ]


def fund_donations(engine: Engine, fund_id: str, limit: int = 200) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(donations).where(donations.c.fund_id == fund_id)
            .order_by(donations.c.received_at.desc(), donations.c.receipt_no.desc())
            .limit(limit)
        ).all()
    return [
        {"donation_id": r.donation_id, "amount_fen": r.amount_fen, "donor_type": r.donor_type,
         "anonymous": r.anonymous, "restricted_purpose": r.restricted_purpose,
         "receipt_no": r.receipt_no, "received_at": r.received_at, "status": r.status,
         "void_reason": r.void_reason, "in_kind": r.in_kind}
        for r in rows
    ]


def donation(engine: Engine, fund_id: str, donation_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(donations).where(donations.c.fund_id == fund_id,
                                    donations.c.donation_id == donation_id)
        ).one_or_none()
    if row is None:
        return None
    return {"donation_id": row.donation_id, "amount_fen": row.amount_fen,
            "donor_type": row.donor_type, "anonymous": row.anonymous,
            "restricted_purpose": row.restricted_purpose, "receipt_no": row.receipt_no,
            "received_at": row.received_at, "status": row.status,
            "void_reason": row.void_reason, "in_kind": row.in_kind,
            "recorded_by": row.recorded_by, "e_receipt_no": row.e_receipt_no}


def fund_grants(engine: Engine, fund_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(grants).where(grants.c.fund_id == fund_id)
            .order_by(grants.c.proposed_at, grants.c.grant_id)
        ).all()
    return [
        {"grant_id": r.grant_id, "project": r.project, "amount_fen": r.amount_fen,
         "purpose": r.purpose, "status": r.status, "disbursed_fen": r.disbursed_fen,
         "votes_for": r.votes_for, "votes_against": r.votes_against,
         "votes_abstain": r.votes_abstain}
        for r in rows
    ]




def totals_by_account(engine: Engine, fund_id: str) -> dict[str, int]:
    """Net debit (+) or credit (−) of each account of a fund, today."""
    j = fund_journal
    with engine.connect() as conn:
        rows = conn.execute(
            select(j.c.account, func.sum(j.c.debit_fen - j.c.credit_fen))
            .where(j.c.fund_id == fund_id, j.c.entry_kind != CLOSING_ENTRY)
            .group_by(j.c.account)
        ).all()
    return {account: int(amount) for account, amount in rows}


def transparency(engine: Engine, fund_id: str) -> dict[str, Any]:
    """信息公开: figures only — no donor, no volunteer, no personal data."""
    accounts = totals_by_account(engine, fund_id)
    income = {
        account.split(":", 1)[1]: -amount
        for account, amount in accounts.items()
        if account.startswith(DONATION_INCOME + ":") and amount
    }
    if accounts.get(GOVERNMENT_GRANT_INCOME):
        income["government"] = income.get("government", 0) - accounts[GOVERNMENT_GRANT_INCOME]
    charitable = accounts.get(GRANT_EXPENSE, 0) + accounts.get("expense:charitable", 0)
    management = accounts.get("expense:management", 0)
    fundraising = accounts.get("expense:fundraising", 0)
    spending = charitable + management + fundraising
    return {
        "income_by_donor_type": income,
        "income_total": sum(income.values()),
        "charitable_fen": charitable,
        "management_fen": management,
        "fundraising_fen": fundraising,
        "management_share": (management / spending) if spending else None,
        "grants": fund_grants(engine, fund_id),
    }


def hosted_fund_ids(engine: Engine, host_fund_id: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(
            select(funds.c.fund_id).where(funds.c.host_fund_id == host_fund_id)
            .order_by(funds.c.opened_at, funds.c.fund_id)
        ).scalars())
