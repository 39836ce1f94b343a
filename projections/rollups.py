"""Office totals per Shanghai calendar day, attributed to the volunteer's office at the time.

A volunteer's points and hours count where the volunteer belongs (their savings office's
"deposits"). When a volunteer moves, their balance and membership move with them on that day.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from projections.base import Projection, add_to_row, handles
from projections.tables import office_daily_totals, rollup_members
from timebank.domain.ids import passbook_id_for
from timebank.domain.values import shanghai_date
from timebank.domain.volunteers import (
    CORRECTION,
    REDEMPTION,
    REDEMPTION_CANCELLED,
    SERVICE,
    Passbook,
    Volunteer,
)


class RollupsProjection(Projection):
    name = "rollups"
    tables = (rollup_members, office_daily_totals)

    def _add(self, conn: Connection, office_id: str, event: Any, **increments: int) -> None:
        add_to_row(
            conn,
            office_daily_totals,
            {"office_id": office_id, "day": shanghai_date(event.timestamp)},
            increments,
        )

    @handles(Volunteer.Registered)
    def registered(self, conn: Connection, event: Any) -> None:
        office_id = str(event.office_id)
        conn.execute(
            insert(rollup_members).values(
                volunteer_id=str(event.originator_id),
                passbook_id=str(passbook_id_for(event.passbook_no)),
                office_id=office_id,
                balance=0,
            )
        )
        self._add(conn, office_id, event, volunteers_net=1)

    @handles(Volunteer.Moved)
    def moved(self, conn: Connection, event: Any) -> None:
        member = conn.execute(
            select(rollup_members.c.balance).where(
                rollup_members.c.volunteer_id == str(event.originator_id)
            )
        ).one()
        self._add(conn, str(event.from_office_id), event, volunteers_net=-1,
                  points_net=-member.balance)
        self._add(conn, str(event.to_office_id), event, volunteers_net=1,
                  points_net=member.balance)
        conn.execute(
            update(rollup_members)
            .where(rollup_members.c.volunteer_id == str(event.originator_id))
            .values(office_id=str(event.to_office_id))
        )

    def _member_office(self, conn: Connection, event: Any, signed_points: int) -> str:
        member = conn.execute(
            select(rollup_members.c.office_id).where(
                rollup_members.c.passbook_id == str(event.originator_id)
            )
        ).one()
        conn.execute(
            update(rollup_members)
            .where(rollup_members.c.passbook_id == str(event.originator_id))
            .values(balance=rollup_members.c.balance + signed_points)
        )
        return str(member.office_id)

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Any) -> None:
        office_id = self._member_office(conn, event, event.points)
        increments = {"points_net": event.points}
        if event.kind in (SERVICE, CORRECTION):
            increments.update(points_earned=event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION_CANCELLED:
            increments.update(points_redeemed=-event.points)
        self._add(conn, office_id, event, **increments)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Any) -> None:
        office_id = self._member_office(conn, event, -event.points)
        increments = {"points_net": -event.points}
        if event.kind == CORRECTION:
            increments.update(points_earned=-event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION:
            increments.update(points_redeemed=event.points)
        self._add(conn, office_id, event, **increments)
