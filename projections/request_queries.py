"""Lists of service requests, filtered by the scope the application decided
(`RequestListScope`): a staff subtree, or a volunteer's own plus the open requests of the
area where they may take one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, and_, or_, select

from projections.scoping import scope_filter
from projections.tables import service_requests as t
from timebank.application.service_requests import RequestListScope
from timebank.domain.service_requests import POSTED
from timebank.domain.values import hours_text

VIEWS = ("mine", "open", "all")


def list_requests(engine: Engine, scope: RequestListScope, view: str = "all",
                  status: str | None = None, limit: int = 50, offset: int = 0
                  ) -> list[dict[str, Any]]:
    """`view` for a volunteer: `mine` (as beneficiary, poster or the one who took it),
    `open` (posted in their area), `all` (both). Staff see their subtree whatever the view.
    Soonest first for open requests, newest first otherwise."""
    rows = scope.rows
    if rows.kind == "own":
        me = rows.owner_id
        own = or_(t.c.beneficiary_id == me, t.c.poster_id == me, t.c.volunteer_id == me)
        open_here = (and_(t.c.status == POSTED, scope_filter(scope.open_area, t.c.office_id))
                     if scope.open_area is not None else None)
        if view == "mine" or open_here is None:
            where = own
        elif view == "open":
            where = and_(open_here, t.c.beneficiary_id != me)
        else:
            where = or_(own, open_here)
    else:
        where = scope_filter(rows, t.c.office_id)
    query = select(t).where(where)
    if status:
        query = query.where(t.c.status == status)
    order = ((t.c.starts_at, t.c.request_id) if view == "open"
             else (t.c.posted_at.desc(), t.c.request_id))
    query = query.order_by(*order).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [row_out(dict(r)) for r in conn.execute(query).mappings()]


def row_out(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "request_id": row["request_id"],
        "status": row["status"],
        "office_id": row["office_id"],
        "beneficiary_id": row["beneficiary_id"],
        "posted_by": row["posted_by"],
        "category": row["category"],
        "payer": row["payer"],
        "paid_from_bank_id": row["paid_from_bank_id"],
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "volunteer_id": row["volunteer_id"],
        "dispatched": row["dispatched"],
        "served_hours": hours_text(row["served_minutes"]),
        "paid_hours": hours_text(row["paid_minutes"]),
        "rating": row["rating"],
        "posted_at": row["posted_at"],
    }


def served_summary(engine: Engine, volunteer_id: str) -> dict[str, Any]:
    """What requests add to a volunteer's record: confirmed services, hours, average
    rating, and no-shows."""
    from sqlalchemy import func

    with engine.connect() as conn:
        confirmed = conn.execute(
            select(func.count(), func.coalesce(func.sum(t.c.paid_minutes), 0),
                   func.avg(t.c.rating))
            .where(t.c.volunteer_id == str(volunteer_id), t.c.status == "confirmed")).one()
        no_shows = conn.execute(select(func.count()).where(
            t.c.volunteer_id == str(volunteer_id), t.c.status == "no_show")).scalar_one()
    average = None if confirmed[2] is None else f"{float(confirmed[2]):.1f}"
    return {"confirmed": confirmed[0], "hours": hours_text(int(confirmed[1])),
            "average_rating": average, "no_shows": no_shows}
