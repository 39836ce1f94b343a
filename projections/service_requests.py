"""Service requests on the read side: one row per request, its status and parties, for the
lists of requesters, volunteers and offices. Nothing personal: the place and notes stay
sealed in the log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import service_requests
from timebank.domain.service_requests import (
    CANCELLED,
    CONFIRMED,
    DISMISSED,
    DISPUTED,
    DONE,
    NO_SHOW,
    POSTED,
    TAKEN,
    ServiceRequest,
)

Changed = (ServiceRequest.Taken | ServiceRequest.GivenBack | ServiceRequest.Done
           | ServiceRequest.Confirmed | ServiceRequest.Disputed | ServiceRequest.Resolved
           | ServiceRequest.Cancelled | ServiceRequest.NoShow)


class ServiceRequestsProjection(Projection):
    name = "service_requests"
    tables = (service_requests,)

    def __init__(self) -> None:
        self._rows = Rows(service_requests)

    def begin_batch(self, conn: Connection) -> None:
        self._rows.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        posted = {str(e.originator_id) for e in events
                  if isinstance(e, ServiceRequest.Published)}
        self._rows.load(conn, {str(e.originator_id) for e in events
                               if isinstance(e, ServiceRequest.Event)}, created=posted)

    def end_batch(self, conn: Connection) -> None:
        self._rows.flush(conn)

    @handles(ServiceRequest.Published)
    def posted(self, conn: Connection, event: ServiceRequest.Published) -> None:
        poster = event.actor
        self._rows.add({
            "request_id": str(event.originator_id),
            "bank_id": str(event.bank_id),
            "office_id": str(event.office_id),
            "beneficiary_id": str(event.beneficiary_id),
            "poster_id": poster.get("id") if poster.get("kind") == "volunteer" else None,
            "posted_by": event.posted_by,
            "volunteer_id": None,
            "dispatched": False,
            "category": event.category,
            "payer": event.payer,
            "paid_from_bank_id": (event.remote_payer or {}).get("bank_id"),
            "status": POSTED,
            "starts_at": event.starts_at,
            "ends_at": event.ends_at,
            "served_minutes": 0,
            "paid_minutes": 0,
            "rating": None,
            "posted_at": event.timestamp,
            "updated_at": event.timestamp,
        })

    @handles(ServiceRequest.Taken, ServiceRequest.GivenBack, ServiceRequest.Done,
             ServiceRequest.Confirmed, ServiceRequest.Disputed, ServiceRequest.Resolved,
             ServiceRequest.Cancelled, ServiceRequest.NoShow)
    def changed(self, conn: Connection, event: Changed) -> None:
        change: dict[str, Any] = {"updated_at": event.timestamp}
        if isinstance(event, ServiceRequest.Taken):
            change.update(status=TAKEN, volunteer_id=str(event.volunteer_id),
                          dispatched=event.dispatched)
        elif isinstance(event, ServiceRequest.GivenBack):
            change.update(status=POSTED, volunteer_id=None, dispatched=False)
        elif isinstance(event, ServiceRequest.Done):
            change.update(status=DONE, served_minutes=event.minutes)
        elif isinstance(event, ServiceRequest.Confirmed):
            change.update(status=CONFIRMED, paid_minutes=event.minutes, rating=event.rating)
        elif isinstance(event, ServiceRequest.Disputed):
            change.update(status=DISPUTED)
        elif isinstance(event, ServiceRequest.Resolved):
            change.update(status=CONFIRMED if event.minutes else DISMISSED,
                          paid_minutes=event.minutes)
        elif isinstance(event, ServiceRequest.Cancelled):
            change.update(status=CANCELLED)
        else:
            change.update(status=NO_SHOW)
        if self._rows.change(conn, str(event.originator_id), **change) is None:
            raise LookupError(f"service request {event.originator_id} was never posted")
