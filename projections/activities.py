"""Activities for lists, the coordinator's console and the forgotten-check-out sweeper."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles
from projections.tables import activities
from timebank.domain.service import Activity, ServiceRecord

RECORD_FIELDS = ("content", "beneficiary", "minors", "required_training",
                 "requires_insurance", "insurance_ref")


def _record_columns(plan: dict[str, Any]) -> dict[str, Any]:
    """What a service entry takes from its activity, from a `Created` event or a plan."""
    person = plan.get("person_in_charge_id")
    return {"person_in_charge_id": str(person) if person else None,
            **{name: plan[name] for name in RECORD_FIELDS if name in plan}}


class ActivitiesProjection(Projection):
    name = "activities"
    tables = (activities,)

    def __init__(self) -> None:
        self._activities = Rows(activities)

    def begin_batch(self, conn: Connection) -> None:
        self._activities.reset()

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        created = {str(e.originator_id) for e in events if isinstance(e, Activity.Created)}
        self._activities.load(conn, {
            str(e.activity_id) if isinstance(e, ServiceRecord.Entered) else str(e.originator_id)
            for e in events if not isinstance(e, Activity.Created)
            and not (isinstance(e, ServiceRecord.Entered) and e.ended_at is not None)},
            created=created)

    def end_batch(self, conn: Connection) -> None:
        self._activities.flush(conn)

    @handles(Activity.Created)
    def created(self, conn: Connection, event: Activity.Created) -> None:
        self._activities.add(dict(
            activity_id=str(event.originator_id), office_id=str(event.office_id),
            title=event.title, category=event.category, starts_at=event.starts_at,
            ends_at=event.ends_at, location=event.location, capacity=event.capacity,
            approval_policy=event.approval_policy, cancelled=False, checked_in=0,
            **_record_columns({name: getattr(event, name)
                               for name in (*RECORD_FIELDS, "person_in_charge_id")}),
        ))

    @handles(Activity.Edited)
    def edited(self, conn: Connection, event: Activity.Edited) -> None:
        plan = event.plan
        self._activities.change(
            conn, str(event.originator_id), title=plan["title"], category=plan["category"],
            starts_at=plan["starts_at"], ends_at=plan["ends_at"], location=plan["location"],
            capacity=plan["capacity"], approval_policy=plan["approval_policy"],
            # An edit recorded before version 2 of the plan leaves these as they were.
            **{name: value for name, value in _record_columns(plan).items()
               if name in plan})

    @handles(Activity.Cancelled)
    def cancelled(self, conn: Connection, event: Activity.Cancelled) -> None:
        self._activities.change(conn, str(event.originator_id), cancelled=True)

    @handles(ServiceRecord.Entered)
    def entered(self, conn: Connection, event: ServiceRecord.Entered) -> None:
        if event.ended_at is None:  # a scan: someone is checked in
            activity = self._activities.get(conn, str(event.activity_id))
            if activity is not None:
                self._activities.change(conn, str(event.activity_id),
                                        checked_in=activity["checked_in"] + 1)
