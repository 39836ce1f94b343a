"""Questions about kiosks answered from the read models."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import Engine, select

from projections.tables import catalog_items, kiosk_daily_sales, kiosks, redemptions


def catalog(engine: Engine, office_id: str, only_active: bool = True) -> list[dict[str, Any]]:
    query = select(catalog_items).where(catalog_items.c.office_id == office_id)
    if only_active:
        query = query.where(catalog_items.c.active.is_(True))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(catalog_items.c.sku)).all()
    return [
        {"sku": r.sku, "name": r.name, "points": r.points, "stock": r.stock, "active": r.active,
         "sponsor": r.sponsor}
        for r in rows
    ]


def office_kiosks(engine: Engine, office_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(kiosks).where(kiosks.c.office_id == office_id).order_by(kiosks.c.registered_at)
        ).all()
    return [{"kiosk_id": r.kiosk_id, "office_id": r.office_id, "name": r.name,
             "revoked": r.revoked} for r in rows]


def passbook_redemptions(
    engine: Engine, passbook_no: str, limit: int = 100
) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(redemptions)
            .where(redemptions.c.passbook_no == passbook_no)
            .order_by(redemptions.c.made_at.desc(), redemptions.c.redemption_id)
            .limit(limit)
        ).all()
    return [
        {
            "redemption_id": r.redemption_id, "kiosk_id": r.kiosk_id, "office_id": r.office_id,
            "passbook_no": r.passbook_no, "lines": json.loads(r.lines),
            "points_spent": r.points_spent, "status": r.status, "made_at": r.made_at,
            "occurred_at": r.occurred_at, "cancelled_at": r.cancelled_at,
        }
        for r in rows
    ]


def daily_sales(
    engine: Engine, kiosk_id: str, date_from: date | None, date_to: date | None
) -> list[dict[str, Any]]:
    t = kiosk_daily_sales
    query = select(t).where(t.c.kiosk_id == kiosk_id)
    if date_from:
        query = query.where(t.c.day >= date_from)
    if date_to:
        query = query.where(t.c.day <= date_to)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(t.c.day)).all()
    return [
        {"day": r.day.isoformat(), "redemptions": r.redemptions, "points_spent": r.points_spent,
         "cancellations": r.cancellations, "points_returned": r.points_returned}
        for r in rows
    ]
