"""Kiosks, stock levels, redemption history and each kiosk's daily sales."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, add_to_rows, handles
from projections.tables import catalog_items, kiosk_daily_sales, kiosks, redemptions
from timebank.domain.kiosks import CANCELLED, MADE, CatalogItem, Kiosk, Redemption
from timebank.domain.values import shanghai_date


class KiosksProjection(Projection):
    name = "kiosks"
    tables = (kiosks, catalog_items, redemptions, kiosk_daily_sales)

    def __init__(self) -> None:
        self._kiosks = Rows(kiosks)
        self._items = Rows(catalog_items)
        self._redemptions = Rows(redemptions)
        self.begin_batch(None)  # type: ignore[arg-type]

    def begin_batch(self, conn: Connection) -> None:
        for rows in (self._kiosks, self._items, self._redemptions):
            rows.reset()
        self._sales: dict[tuple[str, Any], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        ids = {type(e): set() for e in events}
        for e in events:
            ids[type(e)].add(str(e.originator_id))
        self._kiosks.load(conn, ids.get(Kiosk.KeyRevoked, ()),
                          created=ids.get(Kiosk.Registered, ()))
        self._items.load(conn, set().union(*(
            ids.get(cls, set()) for cls in (CatalogItem.Restocked, CatalogItem.StockTaken,
                                            CatalogItem.StockReturned, CatalogItem.Repriced,
                                            CatalogItem.ActivityChanged))),
            created=ids.get(CatalogItem.Listed, ()))
        self._redemptions.load(conn, ids.get(Redemption.Cancelled, ()),
                               created=ids.get(Redemption.Made, ()))

    def end_batch(self, conn: Connection) -> None:
        for rows in (self._kiosks, self._items, self._redemptions):
            rows.flush(conn)
        add_to_rows(conn, kiosk_daily_sales, self._sales)
        self.begin_batch(conn)

    def _sale(self, kiosk_id: str, event: AnyEvent, **increments: int) -> None:
        totals = self._sales[(kiosk_id, shanghai_date(event.timestamp))]
        for name, amount in increments.items():
            totals[name] += amount

    @handles(Kiosk.Registered)
    def registered(self, conn: Connection, event: Kiosk.Registered) -> None:
        self._kiosks.add(dict(
            kiosk_id=str(event.originator_id), office_id=str(event.office_id), name=event.name,
            revoked=False, registered_at=event.timestamp,
        ))

    @handles(Kiosk.KeyRevoked)
    def revoked(self, conn: Connection, event: Kiosk.KeyRevoked) -> None:
        self._kiosks.change(conn, str(event.originator_id), revoked=True)

    # -- catalog ---------------------------------------------------------------------------
    @handles(CatalogItem.Listed)
    def listed(self, conn: Connection, event: CatalogItem.Listed) -> None:
        self._items.add(dict(
            item_id=str(event.originator_id), office_id=str(event.office_id), sku=event.sku,
            name=event.name, points=event.points, stock=event.stock, active=True,
            sponsor=event.sponsor,
        ))

    def _stock(self, conn: Connection,
               event: CatalogItem.Restocked | CatalogItem.StockTaken | CatalogItem.StockReturned,
               change: int) -> None:
        item = self._items.get(conn, str(event.originator_id))
        if item is not None:
            self._items.change(conn, str(event.originator_id), stock=item["stock"] + change)

    @handles(CatalogItem.Restocked)
    def restocked(self, conn: Connection, event: CatalogItem.Restocked) -> None:
        self._stock(conn, event, event.quantity)

    @handles(CatalogItem.StockTaken)
    def taken(self, conn: Connection, event: CatalogItem.StockTaken) -> None:
        self._stock(conn, event, -event.quantity)

    @handles(CatalogItem.StockReturned)
    def returned(self, conn: Connection, event: CatalogItem.StockReturned) -> None:
        self._stock(conn, event, event.quantity)

    @handles(CatalogItem.Repriced)
    def repriced(self, conn: Connection, event: CatalogItem.Repriced) -> None:
        self._items.change(conn, str(event.originator_id), points=event.points)

    @handles(CatalogItem.ActivityChanged)
    def activity_changed(self, conn: Connection, event: CatalogItem.ActivityChanged) -> None:
        self._items.change(conn, str(event.originator_id), active=event.active)

    # -- redemptions -----------------------------------------------------------------------------
    @handles(Redemption.Made)
    def made(self, conn: Connection, event: Redemption.Made) -> None:
        self._redemptions.add(dict(
            redemption_id=str(event.originator_id), kiosk_id=str(event.kiosk_id),
            office_id=str(event.office_id), passbook_no=event.passbook_no,
            lines=json.dumps(event.lines, sort_keys=True, ensure_ascii=False),
            points_spent=event.points_spent, status=MADE, made_at=event.timestamp,
            occurred_at=event.occurred_at, offline_sequence=event.offline_sequence,
            cancelled_at=None, cancel_reason=None,
        ))
        self._sale(str(event.kiosk_id), event, redemptions=1, points_spent=event.points_spent)

    @handles(Redemption.Cancelled)
    def cancelled(self, conn: Connection, event: Redemption.Cancelled) -> None:
        redemption = self._redemptions.change(
            conn, str(event.originator_id), status=CANCELLED, cancelled_at=event.timestamp,
            cancel_reason=event.reason)
        if redemption is None:
            raise LookupError(f"redemption {event.originator_id} was never made")
        self._sale(redemption["kiosk_id"], event, cancellations=1,
                   points_returned=redemption["points_spent"])
