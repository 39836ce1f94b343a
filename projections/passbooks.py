"""Passbook balances and their history (爱心存折明细), one row per passbook event.

Within a batch, the balances of the passbooks it touches are read once, kept in memory
and written back once; entries are inserted together.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles, write_rows
from projections.tables import passbook_entries, passbooks
from timebank.domain.volunteers import CORRECTION, SERVICE, Passbook

HOUR_KINDS = (SERVICE, CORRECTION)


class PassbooksProjection(Projection):
    name = "passbooks"
    tables = (passbooks, passbook_entries)

    def __init__(self) -> None:
        self._books = Rows(passbooks)
        self._entries: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        self._books.reset()
        self._entries = []

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        opened = {str(e.originator_id) for e in events if isinstance(e, Passbook.Opened)}
        self._books.load(conn, {str(e.originator_id) for e in events}, created=opened)

    def end_batch(self, conn: Connection) -> None:
        self._books.flush(conn)
        if self._entries:
            write_rows(conn, passbook_entries, self._entries)
        self._entries = []

    @handles(Passbook.Opened)
    def opened(self, conn: Connection, event: Passbook.Opened) -> None:
        self._books.add({
            "passbook_id": str(event.originator_id),
            "passbook_no": event.passbook_no,
            "volunteer_id": str(event.volunteer_id),
            "balance": 0,
            "total_minutes": 0,
        })

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Passbook.PointsCredited) -> None:
        self._entry(conn, event, event.points)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Passbook.PointsDebited) -> None:
        self._entry(conn, event, -event.points)

    def _entry(self, conn: Connection, event: Passbook.PointsCredited | Passbook.PointsDebited,
               signed_points: int) -> None:
        passbook_id = str(event.originator_id)
        minutes = event.minutes if event.kind in HOUR_KINDS else 0
        book = self._books.get(conn, passbook_id)
        if book is None:
            raise LookupError(f"passbook {passbook_id} was never opened")
        balance = book["balance"] + signed_points
        self._books.change(conn, passbook_id, balance=balance,
                           total_minutes=book["total_minutes"] + minutes)
        self._entries.append(
            {
                "passbook_id": passbook_id,
                "version": event.originator_version,
                "at": event.timestamp,
                "kind": event.kind,
                "minutes": minutes,
                "points": signed_points,
                "balance_after": balance,
                "ref": event.ref,
            }
        )
