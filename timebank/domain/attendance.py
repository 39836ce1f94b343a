"""Where a volunteer is checked in right now: one open attendance at a time.

A per-volunteer aggregate makes "not checked in to two overlapping activities" an
invariant of one save: two concurrent check-ins race for the same version.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.ids import NAMESPACE


def presence_id_for(volunteer_id: UUID) -> UUID:
    return uuid5(NAMESPACE, f"presence:{volunteer_id}")


def attendance_record_id_for(activity_id: UUID, volunteer_id: UUID) -> UUID:
    """One scanned record per volunteer and activity: a second check-in finds the first."""
    return uuid5(NAMESPACE, f"attendance:{activity_id}:{volunteer_id}")


class Presence(Aggregate):
    @staticmethod
    def create_id(volunteer_id: UUID, **_: Any) -> UUID:
        return presence_id_for(volunteer_id)

    @event("Started")
    def __init__(self, volunteer_id: UUID) -> None:
        self.volunteer_id = volunteer_id
        self.open_record_id: UUID | None = None
        self.open_activity_id: UUID | None = None
        self.open_starts_at: datetime | None = None
        self.open_ends_at: datetime | None = None

    def open(self, record_id: UUID, activity_id: UUID, starts_at: datetime,
             ends_at: datetime) -> None:
        self._opened(record_id=record_id, activity_id=activity_id, starts_at=starts_at,
                     ends_at=ends_at)

    @event("Opened")
    def _opened(self, record_id: UUID, activity_id: UUID, starts_at: datetime,
                ends_at: datetime) -> None:
        self.open_record_id = record_id
        self.open_activity_id = activity_id
        self.open_starts_at = starts_at
        self.open_ends_at = ends_at

    def close(self, record_id: UUID) -> None:
        if self.open_record_id == record_id:
            self._closed(record_id=record_id)

    @event("Closed")
    def _closed(self, record_id: UUID) -> None:
        self.open_record_id = None
        self.open_activity_id = None
        self.open_starts_at = None
        self.open_ends_at = None
