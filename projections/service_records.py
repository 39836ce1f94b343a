"""Service-record lists for coordinators: by office, status, volunteer or activity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import service_records
from timebank.domain.service import (
    APPROVED,
    AUTO_CLOSED,
    CHECKED_IN,
    PENDING,
    REJECTED,
    ServiceRecord,
)


class ServiceRecordsProjection(Projection):
    name = "service_records"
    tables = (service_records,)

    def __init__(self) -> None:
        self._records = Rows(service_records)

    def begin_batch(self, conn: Connection) -> None:
        self._records.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        entered = {str(e.originator_id) for e in events if isinstance(e, ServiceRecord.Entered)}
        self._records.load(conn, {str(e.originator_id) for e in events}, created=entered)

    def end_batch(self, conn: Connection) -> None:
        self._records.flush(conn)

    @handles(ServiceRecord.Entered)
    def entered(self, conn: Connection, event: ServiceRecord.Entered) -> None:
        self._records.add({
            "record_id": str(event.originator_id),
            "volunteer_id": str(event.volunteer_id),
            "activity_id": str(event.activity_id),
            "office_id": str(event.office_id),
            "category": event.category,
            "started_at": event.started_at,
            "ended_at": event.ended_at,
            "minutes": event.minutes,
            "status": CHECKED_IN if event.ended_at is None else PENDING,
            "flags": ",".join(event.flags or []),
            "points": 0,
            "source": event.source,
            "note": event.note,
            "entered_at": event.timestamp,
            "decided_at": None,
            "reason": None,
            "corrections": 0,
        })

    def _update(self, conn: Connection, event: ServiceRecord.Event, **values: Any) -> None:
        self._records.change(conn, str(event.originator_id), **values)

    @handles(ServiceRecord.Approved)
    def approved(self, conn: Connection, event: ServiceRecord.Approved) -> None:
        self._update(conn, event, status=APPROVED, points=event.points,
                     decided_at=event.timestamp)

    @handles(ServiceRecord.Rejected)
    def rejected(self, conn: Connection, event: ServiceRecord.Rejected) -> None:
        self._update(conn, event, status=REJECTED, reason=event.reason,
                     decided_at=event.timestamp)

    @handles(ServiceRecord.Corrected)
    def corrected(self, conn: Connection, event: ServiceRecord.Corrected) -> None:
        record = self._records.get(conn, str(event.originator_id))
        if record is not None:
            self._update(conn, event, minutes=event.minutes,
                         points=record["points"] + event.points_delta, reason=event.reason,
                         corrections=record["corrections"] + 1)

    @handles(ServiceRecord.CheckedOut)
    def checked_out(self, conn: Connection, event: ServiceRecord.CheckedOut) -> None:
        self._closed(conn, event, event.flags)

    @handles(ServiceRecord.AutoClosed)
    def auto_closed(self, conn: Connection, event: ServiceRecord.AutoClosed) -> None:
        self._closed(conn, event, [AUTO_CLOSED])

    def _closed(self, conn: Connection, event: ServiceRecord.CheckedOut | ServiceRecord.AutoClosed,
                new_flags: list[str]) -> None:
        record = self._records.get(conn, str(event.originator_id))
        if record is None:
            raise LookupError(f"service record {event.originator_id} was never entered")
        flags = [f for f in record["flags"].split(",") if f] + list(new_flags)
        self._update(conn, event, ended_at=event.ended_at, minutes=event.minutes,
                     status=PENDING, flags=",".join(flags))
