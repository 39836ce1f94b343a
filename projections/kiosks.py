"""Kiosks, stock levels, redemption history and each kiosk's daily sales."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, insert, select, update

from projections.base import Projection, add_to_row, handles
from projections.tables import catalog_items, kiosk_daily_sales, kiosks, redemptions
from timebank.domain.kiosks import CANCELLED, MADE, CatalogItem, Kiosk, Redemption
from timebank.domain.values import shanghai_date


class KiosksProjection(Projection):
    name = "kiosks"
    tables = (kiosks, catalog_items, redemptions, kiosk_daily_sales)

    @handles(Kiosk.Registered)
    def registered(self, conn: Connection, event: Any) -> None:
        conn.execute(insert(kiosks).values(
            kiosk_id=str(event.originator_id), office_id=str(event.office_id), name=event.name,
            revoked=False, registered_at=event.timestamp,
        ))

    @handles(Kiosk.KeyRevoked)
    def revoked(self, conn: Connection, event: Any) -> None:
        conn.execute(update(kiosks).where(kiosks.c.kiosk_id == str(event.originator_id))
                     .values(revoked=True))

    # -- catalog ---------------------------------------------------------------------------
    @handles(CatalogItem.Listed)
    def listed(self, conn: Connection, event: Any) -> None:
        conn.execute(insert(catalog_items).values(
            item_id=str(event.originator_id), office_id=str(event.office_id), sku=event.sku,
            name=event.name, points=event.points, stock=event.stock, active=True,
            sponsor=event.sponsor,
        ))

    def _update_item(self, conn: Connection, event: Any, **values: Any) -> None:
        conn.execute(update(catalog_items)
                     .where(catalog_items.c.item_id == str(event.originator_id)).values(**values))

    @handles(CatalogItem.Restocked)
    def restocked(self, conn: Connection, event: Any) -> None:
        self._update_item(conn, event, stock=catalog_items.c.stock + event.quantity)

    @handles(CatalogItem.StockTaken)
    def taken(self, conn: Connection, event: Any) -> None:
        self._update_item(conn, event, stock=catalog_items.c.stock - event.quantity)

    @handles(CatalogItem.StockReturned)
    def returned(self, conn: Connection, event: Any) -> None:
        self._update_item(conn, event, stock=catalog_items.c.stock + event.quantity)

    @handles(CatalogItem.Repriced)
    def repriced(self, conn: Connection, event: Any) -> None:
        self._update_item(conn, event, points=event.points)

    @handles(CatalogItem.ActivityChanged)
    def activity_changed(self, conn: Connection, event: Any) -> None:
        self._update_item(conn, event, active=event.active)

    # -- redemptions -----------------------------------------------------------------------------
    @handles(Redemption.Made)
    def made(self, conn: Connection, event: Any) -> None:
        conn.execute(insert(redemptions).values(
            redemption_id=str(event.originator_id), kiosk_id=str(event.kiosk_id),
            office_id=str(event.office_id), passbook_no=event.passbook_no,
            lines=json.dumps(event.lines, sort_keys=True, ensure_ascii=False),
            points_spent=event.points_spent, status=MADE, made_at=event.timestamp,
            occurred_at=event.occurred_at, offline_sequence=event.offline_sequence,
            cancelled_at=None, cancel_reason=None,
        ))
        add_to_row(conn, kiosk_daily_sales,
                   {"kiosk_id": str(event.kiosk_id), "day": shanghai_date(event.timestamp)},
                   {"redemptions": 1, "points_spent": event.points_spent})

    @handles(Redemption.Cancelled)
    def cancelled(self, conn: Connection, event: Any) -> None:
        row = conn.execute(select(redemptions.c.kiosk_id, redemptions.c.points_spent).where(
            redemptions.c.redemption_id == str(event.originator_id))).one()
        conn.execute(update(redemptions)
                     .where(redemptions.c.redemption_id == str(event.originator_id))
                     .values(status=CANCELLED, cancelled_at=event.timestamp,
                             cancel_reason=event.reason))
        add_to_row(conn, kiosk_daily_sales,
                   {"kiosk_id": row.kiosk_id, "day": shanghai_date(event.timestamp)},
                   {"cancellations": 1, "points_returned": row.points_spent})
