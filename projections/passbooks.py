"""Passbook balances and their history (爱心存折明细), one row per passbook event."""

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

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, event.points)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Any) -> None:
        self._entry(conn, event, -event.points)

    def _entry(self, conn: Connection, event: Any, signed_points: int) -> None:
        passbook_id = str(event.originator_id)
        minutes = event.minutes if event.kind in HOUR_KINDS else 0
        row = conn.execute(
            select(passbooks.c.balance, passbooks.c.total_minutes).where(
                passbooks.c.passbook_id == passbook_id
            )
        ).one()
        balance_after = row.balance + signed_points
        conn.execute(
            update(passbooks)
            .where(passbooks.c.passbook_id == passbook_id)
            .values(balance=balance_after, total_minutes=row.total_minutes + minutes)
        )
        conn.execute(
            insert(passbook_entries).values(
                passbook_id=passbook_id,
                version=event.originator_version,
                at=event.timestamp,
                kind=event.kind,
                minutes=minutes,
                points=signed_points,
                balance_after=balance_after,
                ref=event.ref,
            )
        )
