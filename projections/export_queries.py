"""The rows of an export of volunteers' records, from the read models (the format and the
field names: timebank/domain/export_format.py; personal data is added by the application,
which opens it under each person's key).

A scope says whose rows: a volunteer's own (everything of theirs), or an office subtree's
(what its offices recorded: services, training, awards, complaints, certificates). An
optional period (Shanghai dates, inclusive) narrows each kind by its own date: the day a
service was done, a training held, an award given, a complaint received, a certificate
issued. The volunteers listed are the scope's own and everyone the other rows name."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, and_, func, or_, select, true

from projections.scoping import scope_filter
from projections.tables import (
    activities,
    awards,
    certificate_register,
    complaints,
    offices,
    service_evaluations,
    service_records,
    star_levels,
    trainings,
    volunteers,
)
from timebank.domain.reading import ReadScope
from timebank.domain.values import SHANGHAI, hours_text, shanghai_date


def _instant(day: date) -> datetime:
    return datetime.combine(day, time(), SHANGHAI).astimezone(UTC)


def _days(column: Any, date_from: date | None, date_to: date | None,
          instants: bool = False) -> ColumnElement[bool]:
    """The period on a date column, or on a time column by its Shanghai day."""
    conditions: list[ColumnElement[bool]] = []
    if date_from is not None:
        conditions.append(column >= (_instant(date_from) if instants else date_from))
    if date_to is not None:
        conditions.append(column < _instant(date_to + timedelta(days=1)) if instants
                          else column <= date_to)
    return and_(true(), *conditions)


def _records_where(scope: ReadScope, date_from: date | None,
                   date_to: date | None) -> ColumnElement[bool]:
    return and_(scope_filter(scope, service_records.c.office_id, service_records.c.volunteer_id),
                _days(service_records.c.started_at, date_from, date_to, instants=True))


def service_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
                 date_to: date | None = None) -> list[dict[str, Any]]:
    r = service_records
    query = (
        select(r, activities.c.title, activities.c.location, activities.c.content,
               offices.c.name.label("office_name"))
        .join(activities, activities.c.activity_id == r.c.activity_id)
        .outerjoin(offices, offices.c.office_id == r.c.office_id)
        .where(_records_where(scope, date_from, date_to))
        .order_by(r.c.started_at, r.c.record_id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{
        "record_id": row["record_id"], "volunteer_id": row["volunteer_id"],
        "activity_id": row["activity_id"], "activity_name": row["title"],
        "category": row["category"], "content": row["content"] or "",
        "place": row["location"], "service_date": shanghai_date(row["started_at"]),
        "started_at": row["started_at"], "ended_at": row["ended_at"],
        "minutes": row["minutes"], "hours": hours_text(row["minutes"]),
        "status": row["status"], "points": row["points"], "source": row["source"],
        "office_id": row["office_id"], "office_name": row["office_name"],
        "person_in_charge_id": row["person_in_charge_id"],
        "recorder_id": row["recorder_id"], "beneficiary_kind": row["beneficiary_kind"],
        "beneficiary_label": row["beneficiary_label"],
        "organiser_rating": row["organiser_rating"],
        "beneficiary_confirmed": row["beneficiary_confirmed"],
        "beneficiary_rating": row["beneficiary_rating"], "corrections": row["corrections"],
        "entered_at": row["entered_at"], "decided_at": row["decided_at"]} for row in rows]


def evaluation_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
                    date_to: date | None = None) -> list[dict[str, Any]]:
    """Every evaluation of the exported services, in the order made (`sequence` counts
    from 1 within a service)."""
    e = service_evaluations
    query = (select(e).join(service_records, service_records.c.record_id == e.c.record_id)
             .where(_records_where(scope, date_from, date_to))
             .order_by(e.c.record_id, e.c.version))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    out: list[dict[str, Any]] = []
    for row in rows:
        previous = out[-1] if out and out[-1]["record_id"] == row["record_id"] else None
        out.append({"record_id": row["record_id"], "volunteer_id": row["volunteer_id"],
                    "sequence": previous["sequence"] + 1 if previous else 1,
                    "kind": row["kind"], "rating": row["rating"],
                    "confirmed": row["confirmed"], "on_behalf": row["on_behalf"],
                    "comment": row["comment"], "by_kind": row["by_kind"],
                    "by_id": row["by_id"], "at": row["at"]})
    return out


def training_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
                  date_to: date | None = None) -> list[dict[str, Any]]:
    t = trainings
    query = (select(t).where(scope_filter(scope, t.c.office_id, t.c.volunteer_id),
                             _days(t.c.held_on, date_from, date_to))
             .order_by(t.c.held_on, t.c.training_id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"training_id": r["training_id"], "volunteer_id": r["volunteer_id"],
             "name": r["name"], "held_on": r["held_on"], "minutes": r["minutes"],
             "hours": hours_text(r["minutes"]), "provider": r["provider"],
             "office_id": r["office_id"], "recorded_at": r["recorded_at"],
             "recorded_by": r["recorded_by"]} for r in rows]


def award_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
               date_to: date | None = None) -> list[dict[str, Any]]:
    a = awards
    query = (select(a).where(scope_filter(scope, a.c.office_id, a.c.volunteer_id),
                             _days(a.c.awarded_on, date_from, date_to))
             .order_by(a.c.awarded_on, a.c.award_id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"award_id": r["award_id"], "volunteer_id": r["volunteer_id"],
             "title": r["title"], "awarded_by": r["awarded_by"],
             "awarded_on": r["awarded_on"], "office_id": r["office_id"],
             "recorded_at": r["recorded_at"], "recorded_by": r["recorded_by"]} for r in rows]


def complaint_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
                   date_to: date | None = None) -> list[dict[str, Any]]:
    """Complaints about the scope's services; who complained is never exported."""
    c = complaints
    query = (select(c).where(scope_filter(scope, c.c.office_id, c.c.volunteer_id),
                             _days(c.c.received_on, date_from, date_to))
             .order_by(c.c.received_on, c.c.complaint_id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"complaint_id": r["complaint_id"], "service_record_id": r["service_record_id"],
             "volunteer_id": r["volunteer_id"], "office_id": r["office_id"],
             "complainant_kind": r["complainant_kind"], "summary": r["summary"],
             "received_on": r["received_on"], "status": r["status"], "outcome": r["outcome"],
             "finding": r["finding"], "resolved_at": r["resolved_at"]} for r in rows]


def certificate_rows(engine: Engine, scope: ReadScope, date_from: date | None = None,
                     date_to: date | None = None) -> list[dict[str, Any]]:
    c = certificate_register
    query = (select(c).where(scope_filter(scope, c.c.office_id, c.c.volunteer_id),
                             _days(c.c.issued_on, date_from, date_to))
             .order_by(c.c.issued_at, c.c.serial))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"serial": r["serial"], "volunteer_id": r["volunteer_id"],
             "office_id": r["office_id"], "issuer": r["issuer"], "issued_on": r["issued_on"],
             "period_from": r["period_from"], "period_to": r["period_to"],
             "total_hours": r["total_hours"], "total_services": r["total_services"],
             "status": r["status"], "revoked_at": r["revoked_at"],
             "revocation_reason": r["revocation_reason"]} for r in rows]


def volunteer_rows(engine: Engine, scope: ReadScope,
                   named: set[str]) -> list[dict[str, Any]]:
    """The volunteers of the scope and those `named` by other rows: what the read models
    know of them (the person's own data is sealed in the log, not here), with their star
    level, approved service hours and training hours to this day."""
    v = volunteers
    training_minutes = (select(trainings.c.volunteer_id,
                               func.sum(trainings.c.minutes).label("minutes"))
                        .group_by(trainings.c.volunteer_id).subquery())
    wanted = scope_filter(scope, v.c.office_id, v.c.volunteer_id)
    if named:
        wanted = or_(wanted, v.c.volunteer_id.in_(sorted(named)))
    query = (
        select(v, offices.c.name.label("office_name"), star_levels.c.level,
               star_levels.c.service_minutes, training_minutes.c.minutes)
        .outerjoin(offices, offices.c.office_id == v.c.office_id)
        .outerjoin(star_levels, star_levels.c.volunteer_id == v.c.volunteer_id)
        .outerjoin(training_minutes, training_minutes.c.volunteer_id == v.c.volunteer_id)
        .where(wanted).order_by(v.c.registered_at, v.c.volunteer_id))
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [{"volunteer_id": r["volunteer_id"], "volunteer_no": r["passbook_no"],
             "office_id": r["office_id"], "office_name": r["office_name"],
             "bank_id": r["bank_id"], "registered_at": r["registered_at"],
             "star_level": r["level"] or 0,
             "service_hours": hours_text(int(r["service_minutes"] or 0)),
             "training_hours": hours_text(int(r["minutes"] or 0))} for r in rows]
