"""Service-record lists for coordinators: by office, status, volunteer or activity."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles, write_rows
from projections.tables import service_evaluations, service_records
from timebank.domain.service import (
    APPROVED,
    AUTO_CLOSED,
    BENEFICIARY,
    CHECKED_IN,
    ORGANISER,
    PENDING,
    REJECTED,
    ServiceRecord,
    recorder_of,
    staff_id,
)


def _beneficiary_columns(beneficiary: dict[str, Any] | None) -> dict[str, Any]:
    beneficiary = beneficiary or {}
    return {
        "beneficiary_kind": beneficiary.get("kind"),
        "beneficiary_label": beneficiary.get("label") or None,
        "beneficiary_name_sealed": beneficiary.get("name_sealed"),
        "beneficiary_volunteer_id": beneficiary.get("volunteer_id"),
    }


class ServiceRecordsProjection(Projection):
    name = "service_records"
    tables = (service_records, service_evaluations)

    def __init__(self) -> None:
        self._records = Rows(service_records)
        self._evaluations: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        self._records.reset()
        self._evaluations = []

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        entered = {str(e.originator_id) for e in events if isinstance(e, ServiceRecord.Entered)}
        self._records.load(conn, {str(e.originator_id) for e in events}, created=entered)

    def end_batch(self, conn: Connection) -> None:
        self._records.flush(conn)
        write_rows(conn, service_evaluations, self._evaluations)
        self._evaluations = []

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
            "person_in_charge_id": (str(event.person_in_charge_id)
                                    if event.person_in_charge_id else None),
            "entered_by": staff_id(event.actor),
            "approved_by": None,
            "recorder_id": recorder_of(event.source, staff_id(event.actor), None,
                                       event.person_in_charge_id, False),
            **_beneficiary_columns(event.beneficiary),
            "organiser_rating": None,
            "beneficiary_confirmed": None,
            "beneficiary_rating": None,
        })

    def _update(self, conn: Connection, event: ServiceRecord.Event,
                **values: Any) -> dict[str, Any] | None:
        return self._records.change(conn, str(event.originator_id), **values)

    @handles(ServiceRecord.Approved)
    def approved(self, conn: Connection, event: ServiceRecord.Approved) -> None:
        record = self._records.get(conn, str(event.originator_id))
        if record is None:
            return
        approved_by = staff_id(event.actor)
        self._update(conn, event, status=APPROVED, points=event.points,
                     decided_at=event.timestamp, approved_by=approved_by,
                     recorder_id=recorder_of(record["source"], record["entered_by"],
                                             approved_by, record["person_in_charge_id"], True))

    @handles(ServiceRecord.BeneficiaryNamed)
    def beneficiary_named(self, conn: Connection,
                          event: ServiceRecord.BeneficiaryNamed) -> None:
        self._update(conn, event, **_beneficiary_columns(event.beneficiary))

    @handles(ServiceRecord.Evaluated)
    def evaluated(self, conn: Connection, event: ServiceRecord.Evaluated) -> None:
        record = self._update(conn, event, organiser_rating=event.rating)
        if record is not None:
            self._evaluation(record, event, ORGANISER, rating=event.rating, confirmed=None,
                             on_behalf=False, comment=event.comment)

    @handles(ServiceRecord.BeneficiaryConfirmed)
    def beneficiary_confirmed(self, conn: Connection,
                              event: ServiceRecord.BeneficiaryConfirmed) -> None:
        record = self._update(conn, event, beneficiary_confirmed=event.confirmed,
                              beneficiary_rating=event.rating)
        if record is not None:
            self._evaluation(record, event, BENEFICIARY, rating=event.rating,
                             confirmed=event.confirmed, on_behalf=event.on_behalf,
                             comment=event.comment)

    def _evaluation(self, record: dict[str, Any],
                    event: ServiceRecord.Evaluated | ServiceRecord.BeneficiaryConfirmed,
                    kind: str, **values: Any) -> None:
        self._evaluations.append({
            "record_id": record["record_id"], "version": event.originator_version,
            "volunteer_id": record["volunteer_id"], "office_id": record["office_id"],
            "kind": kind, **values, "by_kind": event.actor.get("kind"),
            "by_id": event.actor.get("id"), "at": event.timestamp})

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
