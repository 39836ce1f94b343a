"""Star levels (星级志愿者): each volunteer's approved service minutes (corrections included,
training never) and the level they reached under their bank's rules as they stood then."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, delete, or_, select

from projections.base import LOAD_CHUNK, AnyEvent, Projection, Rows, handles, write_rows
from projections.tables import bank_record_rules, star_levels, star_milestones
from timebank.domain.ids import passbook_id_for
from timebank.domain.offices import BANK, Office
from timebank.domain.stars import (
    FIRST_CORRECTION_DAYS,
    FIRST_STAR_THRESHOLDS_HOURS,
    star_changes,
)
from timebank.domain.volunteers import CORRECTION, SERVICE, Passbook, Volunteer


def _numbers(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


class StarsProjection(Projection):
    name = "stars"
    tables = (bank_record_rules, star_levels, star_milestones)

    def __init__(self) -> None:
        self._rules = Rows(bank_record_rules)
        self._levels = Rows(star_levels, key="passbook_id")
        self._milestones: dict[tuple[str, int], dict[str, Any]] = {}
        self._by_volunteer: dict[str, str] = {}

    def begin_batch(self, conn: Connection) -> None:
        self._rules.reset()
        self._levels.reset()
        self._milestones = {}
        self._by_volunteer = {}

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        registered = {str(passbook_id_for(e.passbook_no)) for e in events
                      if isinstance(e, Volunteer.Registered)}
        self._levels.load(conn, {str(e.originator_id) for e in events
                                 if isinstance(e, Passbook.PointsCredited
                                               | Passbook.PointsDebited)
                                 and e.kind in (SERVICE, CORRECTION)}, created=registered)

    def end_batch(self, conn: Connection) -> None:
        self._rules.flush(conn)
        self._levels.flush(conn)
        # Milestones are few (a level reached or lost): rewritten whole, by their two keys.
        keys = sorted(self._milestones)
        for start in range(0, len(keys), LOAD_CHUNK // 2):
            chunk = keys[start:start + LOAD_CHUNK // 2]
            conn.execute(delete(star_milestones).where(or_(*(
                and_(star_milestones.c.volunteer_id == volunteer, star_milestones.c.level == level)
                for volunteer, level in chunk))))
        write_rows(conn, star_milestones, [self._milestones[key] for key in keys])
        self._milestones = {}

    @handles(Office.Opened)
    def opened(self, conn: Connection, event: Office.Opened) -> None:
        if event.kind == BANK:
            self._rules.add({"bank_id": str(event.originator_id),
                             "star_thresholds_hours": ",".join(
                                 map(str, FIRST_STAR_THRESHOLDS_HOURS)),
                             "correction_days": FIRST_CORRECTION_DAYS})

    @handles(Office.RecordRulesChanged)
    def rules_changed(self, conn: Connection, event: Office.RecordRulesChanged) -> None:
        self._rules.change(conn, str(event.originator_id),
                           star_thresholds_hours=",".join(map(str, event.star_thresholds_hours)),
                           correction_days=event.correction_days)

    @handles(Volunteer.Registered)
    def registered(self, conn: Connection, event: Volunteer.Registered) -> None:
        passbook_id = str(passbook_id_for(event.passbook_no))
        self._levels.add({"volunteer_id": str(event.originator_id), "passbook_id": passbook_id,
                          "bank_id": str(event.bank_id), "office_id": str(event.office_id),
                          "service_minutes": 0, "level": 0, "reached_at_minutes": "",
                          "level_since": None})
        self._by_volunteer[str(event.originator_id)] = passbook_id

    @handles(Volunteer.Moved)
    def moved(self, conn: Connection, event: Volunteer.Moved) -> None:
        volunteer_id = str(event.originator_id)
        passbook_id = self._by_volunteer.get(volunteer_id) or conn.execute(
            select(star_levels.c.passbook_id).where(star_levels.c.volunteer_id == volunteer_id)
        ).scalar_one()
        self._levels.change(conn, passbook_id, office_id=str(event.to_office_id))

    @handles(Passbook.PointsCredited)
    def credited(self, conn: Connection, event: Passbook.PointsCredited) -> None:
        if event.kind in (SERVICE, CORRECTION):
            self._hours(conn, event, event.minutes)

    @handles(Passbook.PointsDebited)
    def debited(self, conn: Connection, event: Passbook.PointsDebited) -> None:
        if event.kind == CORRECTION:
            self._hours(conn, event, event.minutes)

    def _hours(self, conn: Connection, event: Passbook.PointsCredited | Passbook.PointsDebited,
               minutes: int) -> None:
        row = self._levels.get(conn, str(event.originator_id))
        if row is None or minutes == 0:
            return
        rules = self._rules.get(conn, row["bank_id"])
        thresholds = tuple(_numbers(rules["star_thresholds_hours"])) if rules else \
            FIRST_STAR_THRESHOLDS_HOURS
        total = row["service_minutes"] + minutes
        reached = _numbers(row["reached_at_minutes"])
        changes = star_changes(total, reached, thresholds)
        for change in changes:
            key = (row["volunteer_id"], change.level)
            if change.reached:
                reached.append(change.threshold_minutes)
                self._milestones[key] = {
                    "volunteer_id": row["volunteer_id"], "level": change.level,
                    "reached_at": event.timestamp,
                    "threshold_hours": change.threshold_minutes // 60, "lost_at": None}
            else:
                reached.pop()
                lost = self._milestones.get(key) or self._milestone(conn, key)
                if lost is not None:
                    self._milestones[key] = {**lost, "lost_at": event.timestamp}
        self._levels.change(conn, str(event.originator_id), service_minutes=total,
                            level=len(reached),
                            reached_at_minutes=",".join(map(str, reached)),
                            level_since=event.timestamp if changes else row["level_since"])

    def _milestone(self, conn: Connection, key: tuple[str, int]) -> dict[str, Any] | None:
        row = conn.execute(select(star_milestones).where(
            star_milestones.c.volunteer_id == key[0],
            star_milestones.c.level == key[1])).mappings().one_or_none()
        return dict(row) if row is not None else None
