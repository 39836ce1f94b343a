"""The office tree and the volunteers' index (no personal data): what lists and rollups join on."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import offices, volunteers
from timebank.domain.offices import Office
from timebank.domain.volunteers import Volunteer


def subtree_path(office_chain: Sequence[Any]) -> str:
    """"/<bank>/<branch>/<office>/": every office under the chain's last has this prefix."""
    return "/" + "/".join(str(i) for i in office_chain) + "/"


def office_path(event: Office.Opened) -> str:
    return subtree_path([*event.ancestor_ids, event.originator_id])


class OfficesProjection(Projection):
    name = "offices"
    tables = (offices, volunteers)

    def __init__(self) -> None:
        self._offices = Rows(offices)
        self._volunteers = Rows(volunteers)

    def begin_batch(self, conn: Connection) -> None:
        self._offices.reset()
        self._volunteers.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        self._offices.load(conn, {
            str(e.originator_id) for e in events
            if isinstance(e, (Office.Renamed, Office.Closed, Office.PointRulesChanged))},
            created={str(e.originator_id) for e in events if isinstance(e, Office.Opened)})
        self._volunteers.load(
            conn, {str(e.originator_id) for e in events if isinstance(e, Volunteer.Moved)},
            created={str(e.originator_id) for e in events if isinstance(e, Volunteer.Registered)})

    def end_batch(self, conn: Connection) -> None:
        self._offices.flush(conn)
        self._volunteers.flush(conn)

    @handles(Office.Opened)
    def opened(self, conn: Connection, event: Office.Opened) -> None:
        self._offices.add(dict(
            office_id=str(event.originator_id),
            name=event.name,
            kind=event.kind,
            parent_id=str(event.parent_id) if event.parent_id else None,
            bank_id=str(event.ancestor_ids[0] if event.ancestor_ids else event.originator_id),
            path=office_path(event),
            closed=False,
            opened_at=event.timestamp,
            points_per_hour=event.points_per_hour,
        ))

    @handles(Office.Renamed)
    def renamed(self, conn: Connection, event: Office.Renamed) -> None:
        self._offices.change(conn, str(event.originator_id), name=event.name)

    @handles(Office.Closed)
    def closed(self, conn: Connection, event: Office.Closed) -> None:
        self._offices.change(conn, str(event.originator_id), closed=True)

    @handles(Office.PointRulesChanged)
    def rules_changed(self, conn: Connection, event: Office.PointRulesChanged) -> None:
        # A projection cannot see time pass: a change announced ahead leaves the column
        # as it was (points are computed from the bank's events, never from this row).
        if event.effective_from <= event.timestamp:
            self._offices.change(conn, str(event.originator_id),
                                 points_per_hour=event.points_per_hour)

    @handles(Volunteer.Registered)
    def registered(self, conn: Connection, event: Volunteer.Registered) -> None:
        self._volunteers.add(dict(
            volunteer_id=str(event.originator_id),
            passbook_no=event.passbook_no,
            office_id=str(event.office_id),
            bank_id=str(event.bank_id),
            registered_at=event.timestamp,
        ))

    @handles(Volunteer.Moved)
    def moved(self, conn: Connection, event: Volunteer.Moved) -> None:
        self._volunteers.change(conn, str(event.originator_id),
                                office_id=str(event.to_office_id))
