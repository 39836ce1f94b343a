"""Activities for lists, the coordinator's console and the forgotten-check-out sweeper."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, update

from projections.base import Projection, handles
from projections.tables import activities
from timebank.domain.service import Activity, ServiceRecord


class ActivitiesProjection(Projection):
    name = "activities"
    tables = (activities,)

    @handles(Activity.Created)
    def created(self, conn: Connection, event: Any) -> None:
        conn.execute(insert(activities).values(
            activity_id=str(event.originator_id), office_id=str(event.office_id),
            title=event.title, category=event.category, starts_at=event.starts_at,
            ends_at=event.ends_at, location=event.location, capacity=event.capacity,
            approval_policy=event.approval_policy, cancelled=False, checked_in=0,
        ))

    @handles(Activity.Edited)
    def edited(self, conn: Connection, event: Any) -> None:
        plan = event.plan
        conn.execute(update(activities)
                     .where(activities.c.activity_id == str(event.originator_id))
                     .values(title=plan["title"], category=plan["category"],
                             starts_at=plan["starts_at"], ends_at=plan["ends_at"],
                             location=plan["location"], capacity=plan["capacity"],
                             approval_policy=plan["approval_policy"]))

    @handles(Activity.Cancelled)
    def cancelled(self, conn: Connection, event: Any) -> None:
        conn.execute(update(activities)
                     .where(activities.c.activity_id == str(event.originator_id))
                     .values(cancelled=True))

    @handles(ServiceRecord.Entered)
    def entered(self, conn: Connection, event: Any) -> None:
        if event.ended_at is None:  # a scan: someone is checked in
            conn.execute(update(activities)
                         .where(activities.c.activity_id == str(event.activity_id))
                         .values(checked_in=activities.c.checked_in + 1))
