"""Questions the start pages and the administration screens ask of the read models.

Every list takes the reader's scope (decided by the application's read gate) and filters
through `projections.scoping.scope_filter`, like every other query.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select

from projections.scoping import scope_filter
from projections.tables import (
    activities,
    audit_events,
    fund_journal,
    offices,
    passbook_entries,
    passbooks,
    service_records,
)
from timebank.domain.funds import CASH, DONATION_INCOME
from timebank.domain.reading import ReadScope


def count_service_records(engine: Engine, scope: ReadScope, status: str) -> int:
    t = service_records
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(t)
            .where(scope_filter(scope, t.c.office_id, t.c.volunteer_id), t.c.status == status)
        ).scalar_one())


def activities_between(engine: Engine, scope: ReadScope, start: datetime, end: datetime,
                       limit: int = 100) -> list[dict[str, Any]]:
    """Activities of the scope whose time overlaps [start, end), earliest first."""
    t = activities
    with engine.connect() as conn:
        rows = conn.execute(
            select(t).where(scope_filter(scope, t.c.office_id), t.c.starts_at < end,
                            t.c.ends_at >= start)
            .order_by(t.c.starts_at, t.c.activity_id).limit(limit)
        ).all()
    return [
        {"id": r.activity_id, "office_id": r.office_id, "title": r.title,
         "category": r.category, "starts_at": r.starts_at, "ends_at": r.ends_at,
         "location": r.location, "capacity": r.capacity, "cancelled": r.cancelled,
         "checked_in": r.checked_in}
        for r in rows
    ]


def office_tree(engine: Engine, scope: ReadScope) -> list[dict[str, Any]]:
    """The scope's offices, parents before children (by path), each with its depth."""
    t = offices
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.c.office_id, t.c.name, t.c.kind, t.c.parent_id, t.c.path, t.c.closed,
                   t.c.points_per_hour)
            .where(scope_filter(scope, t.c.office_id)).order_by(t.c.path)
        ).all()
    top = min((row.path.count("/") for row in rows), default=0)
    return [
        {"id": r.office_id, "name": r.name, "kind": r.kind, "parent_id": r.parent_id,
         "closed": r.closed, "points_per_hour": r.points_per_hour,
         "depth": r.path.count("/") - top}
        for r in rows
    ]


def recent_audit_events(engine: Engine, scope: ReadScope, before: int | None = None,
                        limit: int = 50) -> list[dict[str, Any]]:
    """The newest events of the scope first, optionally before a position (older pages)."""
    t = audit_events
    query = select(t).where(scope_filter(scope, t.c.office_id))
    if before is not None:
        query = query.where(t.c.position < before)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.position.desc()).limit(limit)).all()
    return [
        {"position": r.position, "at": r.at, "type": r.event_type,
         "aggregate_id": r.aggregate_id, "actor_kind": r.actor_kind, "actor_id": r.actor_id,
         "actor_role": r.actor_role, "reason": r.reason}
        for r in rows
    ]


def pending_records(engine: Engine, scope: ReadScope, *, activity_id: str | None = None,
                    starts: datetime | None = None, ends: datetime | None = None,
                    limit: int = 200) -> list[dict[str, Any]]:
    """Records awaiting approval in the scope, oldest service first, with their activity —
    optionally of one activity, or of services begun in [starts, ends)."""
    r, a = service_records, activities
    query = (select(r, a.c.title).join(a, a.c.activity_id == r.c.activity_id)
             .where(scope_filter(scope, r.c.office_id, r.c.volunteer_id),
                    r.c.status == "pending"))
    if activity_id:
        query = query.where(r.c.activity_id == activity_id)
    if starts is not None:
        query = query.where(r.c.started_at >= starts)
    if ends is not None:
        query = query.where(r.c.started_at < ends)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(r.c.started_at, r.c.record_id).limit(limit)).all()
    return [
        {"id": row.record_id, "volunteer_id": row.volunteer_id, "activity_id": row.activity_id,
         "office_id": row.office_id, "title": row.title, "category": row.category,
         "started_at": row.started_at, "ended_at": row.ended_at, "minutes": row.minutes,
         "source": row.source, "note": row.note,
         "flags": [f for f in (row.flags or "").split(",") if f]}
        for row in rows
    ]


def activities_with_pending(engine: Engine, scope: ReadScope, limit: int = 200
                            ) -> list[dict[str, Any]]:
    """The activities that have records awaiting approval, newest first (the filter's list)."""
    r, a = service_records, activities
    with engine.connect() as conn:
        rows = conn.execute(
            select(a.c.activity_id, a.c.title, a.c.starts_at, func.count())
            .join(r, r.c.activity_id == a.c.activity_id)
            .where(scope_filter(scope, r.c.office_id, r.c.volunteer_id), r.c.status == "pending")
            .group_by(a.c.activity_id, a.c.title, a.c.starts_at)
            .order_by(a.c.starts_at.desc(), a.c.activity_id).limit(limit)
        ).all()
    return [{"id": row[0], "title": row[1], "starts_at": row[2], "pending": int(row[3])}
            for row in rows]


def fund_income_by_donor_type(engine: Engine, fund_id: str, start: date, end: date
                              ) -> dict[str, int]:
    """Income of a fund booked in [start, end], by donor type (fen; voids net out)."""
    j = fund_journal
    with engine.connect() as conn:
        rows = conn.execute(
            select(j.c.account, func.sum(j.c.credit_fen - j.c.debit_fen))
            .where(j.c.fund_id == fund_id, j.c.account.startswith(DONATION_INCOME + ":"),
                   j.c.booked_on >= start, j.c.booked_on <= end)
            .group_by(j.c.account).order_by(j.c.account)
        ).all()
    return {account.split(":", 1)[1]: int(amount) for account, amount in rows if amount}


def fund_monthly_cash(engine: Engine, fund_id: str, start: date, end: date
                      ) -> dict[tuple[int, int], tuple[int, int]]:
    """Cash in and out of a fund by (year, month) of the day booked, within [start, end]."""
    j = fund_journal
    year, month = func.extract("year", j.c.booked_on), func.extract("month", j.c.booked_on)
    with engine.connect() as conn:
        rows = conn.execute(
            select(year, month, func.sum(j.c.debit_fen), func.sum(j.c.credit_fen))
            .where(j.c.fund_id == fund_id, j.c.account == CASH, j.c.booked_on >= start,
                   j.c.booked_on <= end)
            .group_by(year, month)
        ).all()
    return {(int(y), int(m)): (int(debit or 0), int(credit or 0)) for y, m, debit, credit in rows}


def entry_counterparts(engine: Engine, passbook_no: str, refs: list[str]
                       ) -> dict[str, dict[str, str]]:
    """For passbook entries by their refs: the other passbook of a transfer (its volunteer)
    and the activity of a service or correction — what a passbook line is about."""
    if not refs:
        return {}
    e, p = passbook_entries, passbooks
    found: dict[str, dict[str, str]] = {}
    with engine.connect() as conn:
        own = select(p.c.passbook_id).where(p.c.passbook_no == passbook_no).scalar_subquery()
        for ref, volunteer_id, passbook in conn.execute(
            select(e.c.ref, p.c.volunteer_id, p.c.passbook_no)
            .join(p, p.c.passbook_id == e.c.passbook_id)
            .where(e.c.ref.in_(refs), e.c.passbook_id != own,
                   e.c.kind.in_(("transfer_in", "transfer_out")))
        ):
            found[ref] = {"volunteer_id": volunteer_id, "passbook_no": passbook}
        r, a = service_records, activities
        for record_id, title in conn.execute(
            select(r.c.record_id, a.c.title).join(a, a.c.activity_id == r.c.activity_id)
            .where(r.c.record_id.in_(refs))
        ):
            found[record_id] = {"activity": title}
    return found
