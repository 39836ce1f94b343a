"""Office totals per Shanghai calendar day, attributed to the volunteer's office at the time.

A volunteer's points and hours count where the volunteer belongs (their savings office's
"deposits"). When a volunteer moves, their balance and membership move with them on that day.
Hours and points earned are counted twice over: by the day they were approved into the
passbook (`office_daily_totals`, with the balance, which reconciles on every date) and by
the day the service was done (`office_service_days`: a November service approved in
December counts in November), the same office either way.
Within a batch, members are read once and kept in memory, and the daily totals are summed
in memory and added to their rows with one upsert at its end.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select

from projections.base import AnyEvent, Projection, Rows, add_to_rows, handles
from projections.tables import (
    office_daily_totals,
    office_service_days,
    rollup_members,
    service_days,
)
from timebank.domain.ids import passbook_id_for
from timebank.domain.service import ServiceRecord
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
    tables = (rollup_members, office_daily_totals, service_days, office_service_days)

    def __init__(self) -> None:
        # Members by passbook id (unique): passbook events name the passbook.
        self._members = Rows(rollup_members, key="passbook_id")
        self._service_days = Rows(service_days, key="record_id")
        self.begin_batch(None)  # type: ignore[arg-type]

    def begin_batch(self, conn: Connection) -> None:
        self._members.reset()
        self._service_days.reset()
        self._by_volunteer: dict[str, str] = {}
        self._totals: dict[tuple[str, Any], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))
        self._by_service_day: dict[tuple[str, Any], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        registered = {str(passbook_id_for(e.passbook_no)) for e in events
                      if isinstance(e, Volunteer.Registered)}
        self._members.load(conn, {
            str(e.originator_id) for e in events
            if isinstance(e, (Passbook.PointsCredited, Passbook.PointsDebited))},
            created=registered)
        entered = {str(e.originator_id) for e in events if isinstance(e, ServiceRecord.Entered)}
        self._service_days.load(conn, {
            e.ref for e in events
            if isinstance(e, (Passbook.PointsCredited, Passbook.PointsDebited))
            and e.kind in (SERVICE, CORRECTION)}, created=entered)

    def end_batch(self, conn: Connection) -> None:
        self._members.flush(conn)
        self._service_days.flush(conn)
        add_to_rows(conn, office_daily_totals, self._totals)
        add_to_rows(conn, office_service_days, self._by_service_day)
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

    def _add_to_service_day(self, conn: Connection, office_id: str, record_id: str,
                            minutes: int, points: int) -> None:
        served = self._service_days.get(conn, record_id)
        if served is None:
            raise LookupError(f"no service day for record {record_id}")
        totals = self._by_service_day[(office_id, served["day"])]
        totals["approved_minutes"] += minutes
        totals["points_earned"] += points

    @handles(ServiceRecord.Entered)
    def entered(self, conn: Connection, event: ServiceRecord.Entered) -> None:
        self._service_days.add({"record_id": str(event.originator_id),
                                "day": shanghai_date(event.started_at)})

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
            self._add_to_service_day(conn, office_id, event.ref, event.minutes, event.points)
        elif event.kind == REDEMPTION_CANCELLED:
            increments.update(points_redeemed=-event.points)
        self._add(office_id, event, **increments)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Passbook.PointsDebited) -> None:
        office_id = self._move_points(conn, event, -event.points)
        increments = {"points_net": -event.points}
        if event.kind == CORRECTION:
            increments.update(points_earned=-event.points, approved_minutes=event.minutes)
            self._add_to_service_day(conn, office_id, event.ref, event.minutes, -event.points)
        elif event.kind == REDEMPTION:
            increments.update(points_redeemed=event.points)
        self._add(office_id, event, **increments)
