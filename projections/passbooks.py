"""Passbook balances and their history (爱心存折明细), one row per passbook event.

Within a batch, balances are kept in memory and written once per touched passbook, and
entries are inserted together: a batch costs a few statements, not three per event.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from projections.base import Projection, handles
from projections.tables import passbook_entries, passbooks
from timebank.domain.volunteers import CORRECTION, SERVICE, Passbook

HOUR_KINDS = (SERVICE, CORRECTION)


class PassbooksProjection(Projection):
    name = "passbooks"
    tables = (passbooks, passbook_entries)

    def __init__(self) -> None:
        self._books: dict[str, dict[str, int]] = {}  # passbook id -> balance, total_minutes
        self._entries: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        self._books = {}
        self._entries = []

    def end_batch(self, conn: Connection) -> None:
        for passbook_id, book in self._books.items():
            conn.execute(
                update(passbooks)
                .where(passbooks.c.passbook_id == passbook_id)
                .values(balance=book["balance"], total_minutes=book["total_minutes"])
            )
        if self._entries:
            conn.execute(insert(passbook_entries), self._entries)
        self._books, self._entries = {}, []

    @handles(Passbook.Opened)
    def opened(self, conn: Connection, event: Any) -> None:
        conn.execute(
            insert(passbooks).values(
                passbook_id=str(event.originator_id),
                passbook_no=event.passbook_no,
                volunteer_id=str(event.volunteer_id),
                balance=0,
                total_minutes=0,
            )
        )
        self._books[str(event.originator_id)] = {"balance": 0, "total_minutes": 0}

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, event.points)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, -event.points)

    def _book(self, conn: Connection, passbook_id: str) -> dict[str, int]:
        book = self._books.get(passbook_id)
        if book is None:
            row = conn.execute(
                select(passbooks.c.balance, passbooks.c.total_minutes).where(
                    passbooks.c.passbook_id == passbook_id
                )
            ).one()
            book = {"balance": row.balance, "total_minutes": row.total_minutes}
            self._books[passbook_id] = book
        return book

    def _entry(self, conn: Connection, event: Any, signed_points: int) -> None:
        passbook_id = str(event.originator_id)
        minutes = event.minutes if event.kind in HOUR_KINDS else 0
        book = self._book(conn, passbook_id)
        book["balance"] += signed_points
        book["total_minutes"] += minutes
        self._entries.append(
            {
                "passbook_id": passbook_id,
                "version": event.originator_version,
                "at": event.timestamp,
                "kind": event.kind,
                "minutes": minutes,
                "points": signed_points,
                "balance_after": book["balance"],
                "ref": event.ref,
            }
        )
