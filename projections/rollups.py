"""Office totals per Shanghai calendar day, attributed to the volunteer's office at the time.

A volunteer's points and hours count where the volunteer belongs (their savings office's
"deposits"). When a volunteer moves, their balance and membership move with them on that day.
Within a batch, members are read once and kept in memory, and the daily totals are summed
in memory and added to their rows with one upsert at its end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from projections.base import AnyEvent, Projection, Rows, add_to_rows, handles
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

    def __init__(self) -> None:
        # Members by passbook id (unique): passbook events name the passbook.
        self._members = Rows(rollup_members, key="passbook_id")
        self.begin_batch(None)  # type: ignore[arg-type]

    def begin_batch(self, conn: Connection) -> None:
        self._members.reset()
        self._by_volunteer: dict[str, str] = {}
        self._totals: dict[tuple[str, Any], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        registered = {str(passbook_id_for(e.passbook_no)) for e in events
                      if isinstance(e, Volunteer.Registered)}
        self._members.load(conn, {
            str(e.originator_id) for e in events
            if isinstance(e, (Passbook.PointsCredited, Passbook.PointsDebited))},
            created=registered)

    def end_batch(self, conn: Connection) -> None:
        self._members.flush(conn)
        add_to_rows(conn, office_daily_totals, self._totals)
        self.begin_batch(conn)

    def _add(self, office_id: str, event: AnyEvent, **increments: int) -> None:
        totals = self._totals[(office_id, shanghai_date(event.timestamp))]
        for name, amount in increments.items():
            totals[name] += amount

    def _member(self, conn: Connection, passbook_id: str) -> dict[str, Any]:
        member = self._members.get(conn, passbook_id)
        if member is None:
            raise LookupError(f"no rollup member has passbook {passbook_id}")
        return member

    @handles(Volunteer.Registered)
    def registered(self, conn: Connection, event: Volunteer.Registered) -> None:
        office_id = str(event.office_id)
        passbook_id = str(passbook_id_for(event.passbook_no))
        self._members.add({"volunteer_id": str(event.originator_id),
                           "passbook_id": passbook_id, "office_id": office_id, "balance": 0})
        self._by_volunteer[str(event.originator_id)] = passbook_id
        self._add(office_id, event, volunteers_net=1)

    @handles(Volunteer.Moved)
    def moved(self, conn: Connection, event: Volunteer.Moved) -> None:
        volunteer_id = str(event.originator_id)
        # Moves are rare: one lookup each, unless the volunteer registered in this batch.
        passbook_id = self._by_volunteer.get(volunteer_id) or conn.execute(
            select(rollup_members.c.passbook_id).where(
                rollup_members.c.volunteer_id == volunteer_id)
        ).scalar_one()
        member = self._member(conn, passbook_id)
        self._add(str(event.from_office_id), event, volunteers_net=-1,
                  points_net=-member["balance"])
        self._add(str(event.to_office_id), event, volunteers_net=1,
                  points_net=member["balance"])
        self._members.change(conn, passbook_id, office_id=str(event.to_office_id))

    def _move_points(self, conn: Connection,
                     event: Passbook.PointsCredited | Passbook.PointsDebited,
                     signed_points: int) -> str:
        passbook_id = str(event.originator_id)
        member = self._member(conn, passbook_id)
        self._members.change(conn, passbook_id, balance=member["balance"] + signed_points)
        return str(member["office_id"])

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Passbook.PointsCredited) -> None:
        office_id = self._move_points(conn, event, event.points)
        increments = {"points_net": event.points}
        if event.kind in (SERVICE, CORRECTION):
            increments.update(points_earned=event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION_CANCELLED:
            increments.update(points_redeemed=-event.points)
        self._add(office_id, event, **increments)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Passbook.PointsDebited) -> None:
        office_id = self._move_points(conn, event, -event.points)
        increments = {"points_net": -event.points}
        if event.kind == CORRECTION:
            increments.update(points_earned=-event.points, approved_minutes=event.minutes)
        elif event.kind == REDEMPTION:
            increments.update(points_redeemed=event.points)
        self._add(office_id, event, **increments)
