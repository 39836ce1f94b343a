"""Questions answered from the read models: passbooks, service-record lists, rollups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Engine, and_, case, func, select

from projections.scoping import scope_filter
from projections.tables import (
    activities,
    office_daily_totals,
    office_service_days,
    offices,
    passbook_entries,
    passbooks,
    service_evaluations,
    service_records,
    star_levels,
    star_milestones,
)
from timebank.domain.reading import ReadScope
from timebank.domain.values import SHANGHAI, hours_text, shanghai_date


def passbook_view(engine: Engine, passbook_no: str, limit: int | None = None) -> dict[str, Any]:
    with engine.connect() as conn:
        book = conn.execute(
            select(passbooks).where(passbooks.c.passbook_no == passbook_no)
        ).one_or_none()
        if book is None:
            return {"passbook_no": passbook_no, "balance_points": 0, "total_hours": "0.00",
                    "entries": []}
        query = (
            select(passbook_entries)
            .where(passbook_entries.c.passbook_id == book.passbook_id)
            .order_by(passbook_entries.c.version.desc())
        )
        if limit is not None:
            query = query.limit(limit)
        rows = list(reversed(conn.execute(query).all()))
    return {
        "passbook_no": book.passbook_no,
        "balance_points": book.balance,
        "total_hours": hours_text(book.total_minutes),
        "entries": [
            {
                "at": row.at,
                "kind": row.kind,
                "hours": hours_text(row.minutes),
                "points": row.points,
                "balance_after": row.balance_after,
                "ref": row.ref,
            }
            for row in rows
        ],
    }


def office_path(engine: Engine, office_id: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(
            select(offices.c.path).where(offices.c.office_id == office_id)
        ).scalar_one_or_none()


def list_service_records(
    engine: Engine,
    scope: ReadScope,
    status: str | None = None,
    volunteer_id: str | None = None,
    activity_id: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    query = select(service_records).where(records_in(scope))
    if status:
        query = query.where(service_records.c.status == status)
    if volunteer_id:
        query = query.where(service_records.c.volunteer_id == volunteer_id)
    if activity_id:
        query = query.where(service_records.c.activity_id == activity_id)
    query = query.order_by(
        service_records.c.entered_at.desc(), service_records.c.record_id
    ).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [_record_row(row) for row in conn.execute(query).all()]


def records_in(scope: ReadScope) -> Any:
    return scope_filter(scope, service_records.c.office_id, service_records.c.volunteer_id)


def service_record(engine: Engine, record_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(
            select(service_records).where(service_records.c.record_id == record_id)
        ).one_or_none()
    return _record_row(row) if row is not None else None


def _record_row(row: Any) -> dict[str, Any]:
    return {
        "id": row.record_id,
        "volunteer_id": row.volunteer_id,
        "activity_id": row.activity_id,
        "office_id": row.office_id,
        "category": row.category,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
        "hours": hours_text(row.minutes),
        "status": row.status,
        "points": row.points,
        "source": row.source,
        "note": row.note,
        "reason": row.reason,
        "entered_at": row.entered_at,
        "decided_at": row.decided_at,
        "flags": [f for f in (row.flags or "").split(",") if f],
        "person_in_charge_id": row.person_in_charge_id,
        "recorder_id": row.recorder_id,
        # A person's name stays sealed here; the API opens it for those who may read it.
        "beneficiary": {"kind": row.beneficiary_kind, "label": row.beneficiary_label or "",
                        "name_sealed": row.beneficiary_name_sealed,
                        "volunteer_id": row.beneficiary_volunteer_id}
        if row.beneficiary_kind else None,
        "organiser_rating": row.organiser_rating,
        "beneficiary_confirmed": row.beneficiary_confirmed,
        "beneficiary_rating": row.beneficiary_rating,
    }


@dataclass
class RollupNode:
    office_id: str
    kind: str
    name: str
    volunteers: int = 0
    approved_minutes: int = 0
    points_earned: int = 0
    points_redeemed: int = 0
    points_balance: int = 0
    # Volunteers at each star level (星级), as they stand now.
    stars: dict[int, int] = field(default_factory=dict)
    children: list[RollupNode] = field(default_factory=list)

    def add(self, other: RollupNode) -> None:
        for level, count in other.stars.items():
            self.stars[level] = self.stars.get(level, 0) + count
        self.volunteers += other.volunteers
        self.approved_minutes += other.approved_minutes
        self.points_earned += other.points_earned
        self.points_redeemed += other.points_redeemed
        self.points_balance += other.points_balance

    def as_dict(self) -> dict[str, Any]:
        return {
            "office_id": self.office_id,
            "kind": self.kind,
            "name": self.name,
            "totals": {
                "volunteers": self.volunteers,
                "approved_hours": hours_text(self.approved_minutes),
                "points_earned": self.points_earned,
                "points_redeemed": self.points_redeemed,
                "points_balance": self.points_balance,
                "star_volunteers": {str(level): count
                                    for level, count in sorted(self.stars.items())},
            },
            "children": [child.as_dict() for child in self.children],
        }


SERVICE_BASIS, APPROVAL_BASIS = "service", "approval"


def rollup(
    engine: Engine, office_id: str, date_from: date | None, date_to: date | None,
    basis: str = SERVICE_BASIS,
) -> dict[str, Any] | None:
    """Totals of an office's whole subtree: flows within [from, to], stocks as of `to`.

    Hours and points earned count by the day the service was done (`basis="service"`), or
    by the day they were approved into the passbook (`basis="approval"`, the reading before
    service days were kept); points redeemed by the day of the redemption."""
    with engine.connect() as conn:
        root_path = conn.execute(
            select(offices.c.path).where(offices.c.office_id == office_id)
        ).scalar_one_or_none()
        if root_path is None:
            return None
        tree = conn.execute(
            select(offices.c.office_id, offices.c.kind, offices.c.name, offices.c.parent_id)
            .where(offices.c.path.startswith(root_path))
            .order_by(offices.c.path)
        ).all()
        t = office_daily_totals
        in_range = [t.c.day <= date_to] if date_to else []
        flow_window = and_(
            *(([t.c.day >= date_from] if date_from else []) + in_range)
        ) if (date_from or date_to) else None

        def flow(column: Any) -> Any:
            if flow_window is None:
                return func.coalesce(func.sum(column), 0)
            return func.coalesce(func.sum(case((flow_window, column), else_=0)), 0)

        subtree = select(offices.c.office_id).where(offices.c.path.startswith(root_path))
        sums = conn.execute(
            select(
                t.c.office_id,
                func.coalesce(func.sum(t.c.volunteers_net), 0),
                flow(t.c.approved_minutes),
                flow(t.c.points_earned),
                flow(t.c.points_redeemed),
                func.coalesce(func.sum(t.c.points_net), 0),
            )
            .where(t.c.office_id.in_(subtree), *in_range)
            .group_by(t.c.office_id)
        ).all()
        by_service_day = None
        if basis == SERVICE_BASIS and (date_from or date_to):
            s = office_service_days
            by_service_day = conn.execute(
                select(s.c.office_id, func.coalesce(func.sum(s.c.approved_minutes), 0),
                       func.coalesce(func.sum(s.c.points_earned), 0))
                .where(s.c.office_id.in_(subtree),
                       *([s.c.day >= date_from] if date_from else []),
                       *([s.c.day <= date_to] if date_to else []))
                .group_by(s.c.office_id)
            ).all()
        stars = conn.execute(
            select(star_levels.c.office_id, star_levels.c.level, func.count())
            .where(star_levels.c.office_id.in_(subtree), star_levels.c.level > 0)
            .group_by(star_levels.c.office_id, star_levels.c.level)
        ).all()
    nodes = {row.office_id: RollupNode(row.office_id, row.kind, row.name) for row in tree}
    for office, volunteers, minutes, earned, redeemed, balance in sums:
        node = nodes[office]
        node.volunteers, node.approved_minutes = int(volunteers), int(minutes)
        node.points_earned, node.points_redeemed = int(earned), int(redeemed)
        node.points_balance = int(balance)
    if by_service_day is not None:
        for node in nodes.values():
            node.approved_minutes = node.points_earned = 0
        for office, minutes, earned in by_service_day:
            nodes[office].approved_minutes, nodes[office].points_earned = int(minutes), int(earned)
    for office, level, count in stars:
        if office in nodes:
            nodes[office].stars[int(level)] = int(count)
    # Paths sort parents before children; fold totals upwards from the leaves.
    for row in reversed(tree):
        if row.office_id != office_id and row.parent_id in nodes:
            parent = nodes[row.parent_id]
            parent.children.insert(0, nodes[row.office_id])
            parent.add(nodes[row.office_id])
    return nodes[office_id].as_dict()


def overdue_check_ins(engine: Engine, closes_before: Any, limit: int = 500) -> list[str]:
    """Records still checked in whose activity ended before `closes_before` (minus grace)."""
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(service_records.c.record_id)
                .join(activities, activities.c.activity_id == service_records.c.activity_id)
                .where(service_records.c.status == "checked_in")
                .where(activities.c.ends_at < closes_before)
                .limit(limit)
            ).scalars()
        )


def activities_of_offices(engine: Engine, scope: ReadScope, limit: int = 200,
                          offset: int = 0) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(activities).where(scope_filter(scope, activities.c.office_id))
            .order_by(activities.c.starts_at.desc(), activities.c.activity_id)
            .limit(limit).offset(offset)
        ).all()
    return [
        {"id": r.activity_id, "office_id": r.office_id, "title": r.title,
         "category": r.category, "starts_at": r.starts_at, "ends_at": r.ends_at,
         "location": r.location, "capacity": r.capacity, "approval_policy": r.approval_policy,
         "cancelled": r.cancelled, "checked_in": r.checked_in}
        for r in rows
    ]


def approved_services(
    engine: Engine, volunteer_id: str, date_from: date, date_to: date
) -> list[dict[str, Any]]:
    """A volunteer's approved service in a period (Shanghai dates), oldest first."""
    # The period's bounds as instants, so the database reads only the period's rows.
    since = datetime.combine(date_from, time(), SHANGHAI).astimezone(UTC)
    until = datetime.combine(date_to + timedelta(days=1), time(), SHANGHAI).astimezone(UTC)
    with engine.connect() as conn:
        rows = conn.execute(
            select(service_records.c.started_at, service_records.c.minutes,
                   service_records.c.office_id, activities.c.title, activities.c.location,
                   activities.c.content)
            .join(activities, activities.c.activity_id == service_records.c.activity_id)
            .where(service_records.c.volunteer_id == volunteer_id)
            .where(service_records.c.status == "approved")
            .where(service_records.c.started_at >= since)
            .where(service_records.c.started_at < until)
            .where(service_records.c.minutes > 0)
            .order_by(service_records.c.started_at, service_records.c.record_id)
        ).all()
    return [
        {"date": shanghai_date(row.started_at).isoformat(), "activity": row.title,
         "place": row.location, "minutes": row.minutes, "office_id": row.office_id,
         "content": row.content or ""}
        for row in rows
    ]


def office_names(engine: Engine, office_id: str) -> list[str]:
    """Names from the bank down to the office: 示范区公益银行 / 东湖街道分行 / 樱花社区储蓄所."""
    path = office_path(engine, office_id)
    if path is None:
        return []
    ids = [part for part in path.split("/") if part]
    with engine.connect() as conn:
        names = {
            office_id: name
            for office_id, name in conn.execute(
                select(offices.c.office_id, offices.c.name).where(offices.c.office_id.in_(ids))
            )
        }
    return [names[i] for i in ids if i in names]


def records_with_titles(engine: Engine, scope: ReadScope, limit: int = 50,
                        volunteer_id: str | None = None) -> list[dict[str, Any]]:
    """Service records (a volunteer's own, on /me; one volunteer's, for staff), newest
    first, with their activity's title, place and content."""
    query = (
        select(service_records, activities.c.title, activities.c.location,
               activities.c.content)
        .join(activities, activities.c.activity_id == service_records.c.activity_id)
        .where(records_in(scope))
    )
    if volunteer_id is not None:
        query = query.where(service_records.c.volunteer_id == volunteer_id)
    with engine.connect() as conn:
        rows = conn.execute(
            query.order_by(service_records.c.started_at.desc(), service_records.c.record_id)
            .limit(limit)
        ).all()
    return [{**_record_row(row), "title": row.title, "location": row.location,
             "content": row.content or ""} for row in rows]


def open_savings_offices(engine: Engine, scope: ReadScope) -> list[dict[str, str]]:
    """The open savings offices of a scope, by name: where volunteers and activities go."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(offices.c.office_id, offices.c.name)
            .where(scope_filter(scope, offices.c.office_id), offices.c.kind == "savings_office",
                   offices.c.closed.is_(False))
            .order_by(offices.c.name, offices.c.office_id)
        ).all()
    return [{"id": row.office_id, "name": row.name} for row in rows]


def monthly_service(engine: Engine, scope: ReadScope, date_from: date, date_to: date
                    ) -> dict[tuple[int, int], tuple[int, int]]:
    """Approved minutes and points earned by (year, month) of the day the service was done
    (Shanghai days), in a scope and period."""
    t = office_service_days
    year, month = func.extract("year", t.c.day), func.extract("month", t.c.day)
    with engine.connect() as conn:
        rows = conn.execute(
            select(year, month, func.sum(t.c.approved_minutes), func.sum(t.c.points_earned))
            .where(scope_filter(scope, t.c.office_id), t.c.day >= date_from, t.c.day <= date_to)
            .group_by(year, month)
        ).all()
    totals: dict[tuple[int, int], tuple[int, int]] = {}
    for y, m, minutes, earned in rows:
        key = (int(y), int(m))
        before = totals.get(key, (0, 0))
        totals[key] = (before[0] + int(minutes or 0), before[1] + int(earned or 0))
    return totals


def evaluations_of(engine: Engine, record_id: str) -> list[dict[str, Any]]:
    """Every evaluation of a service, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(service_evaluations).where(service_evaluations.c.record_id == record_id)
            .order_by(service_evaluations.c.version)
        ).mappings().all()
    return [{"kind": r["kind"], "rating": r["rating"], "confirmed": r["confirmed"],
             "on_behalf": r["on_behalf"], "comment": r["comment"], "by_kind": r["by_kind"],
             "by_id": r["by_id"], "at": r["at"]} for r in rows]


def star_level(engine: Engine, volunteer_id: str) -> dict[str, Any]:
    """A volunteer's star level (星级) and when each level was reached."""
    with engine.connect() as conn:
        row = conn.execute(select(star_levels).where(
            star_levels.c.volunteer_id == volunteer_id)).mappings().one_or_none()
        milestones = conn.execute(
            select(star_milestones).where(star_milestones.c.volunteer_id == volunteer_id,
                                          star_milestones.c.lost_at.is_(None))
            .order_by(star_milestones.c.level)).mappings().all()
    return {"level": row["level"] if row else 0,
            "service_hours": hours_text(row["service_minutes"] if row else 0),
            "reached": [{"level": m["level"], "reached_at": m["reached_at"],
                         "threshold_hours": m["threshold_hours"]} for m in milestones]}
