"""Questions about volunteers' records answered from the read models: training, awards,
complaints (and, as they are added, corrections asked for and certificates issued)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from projections.scoping import scope_filter
from projections.tables import (
    awards,
    complaints,
    correction_requests,
    passbooks,
    trainings,
)
from projections.tables import certificate_register as certificate_register_table
from timebank.domain.corrections import PENDING, is_overdue
from timebank.domain.reading import ReadScope
from timebank.domain.values import hours_text


def trainings_of(engine: Engine, volunteer_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(trainings).where(trainings.c.volunteer_id == volunteer_id)
            .order_by(trainings.c.held_on, trainings.c.training_id)).mappings().all()
    return [{"id": r["training_id"], "volunteer_id": r["volunteer_id"], "name": r["name"],
             "held_on": r["held_on"], "hours": hours_text(r["minutes"]),
             "provider": r["provider"], "office_id": r["office_id"],
             "recorded_at": r["recorded_at"], "recorded_by": r["recorded_by"]} for r in rows]


def awards_of(engine: Engine, volunteer_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(awards).where(awards.c.volunteer_id == volunteer_id)
            .order_by(awards.c.awarded_on, awards.c.award_id)).mappings().all()
    return [{"id": r["award_id"], "volunteer_id": r["volunteer_id"], "title": r["title"],
             "awarded_by": r["awarded_by"], "awarded_on": r["awarded_on"],
             "office_id": r["office_id"], "recorded_at": r["recorded_at"],
             "recorded_by": r["recorded_by"]} for r in rows]


def _complaint(r: Any) -> dict[str, Any]:
    return {"id": r["complaint_id"], "service_record_id": r["service_record_id"],
            "volunteer_id": r["volunteer_id"], "office_id": r["office_id"],
            "complainant_kind": r["complainant_kind"], "summary": r["summary"],
            "received_on": r["received_on"], "status": r["status"],
            "investigation_note": r["investigation_note"], "outcome": r["outcome"],
            "finding": r["finding"], "resolved_at": r["resolved_at"]}


def list_complaints(engine: Engine, scope: ReadScope, status: str | None = None,
                    volunteer_id: str | None = None, limit: int = 100,
                    offset: int = 0) -> list[dict[str, Any]]:
    query = select(complaints).where(
        scope_filter(scope, complaints.c.office_id, complaints.c.volunteer_id))
    if status:
        query = query.where(complaints.c.status == status)
    if volunteer_id:
        query = query.where(complaints.c.volunteer_id == volunteer_id)
    query = query.order_by(complaints.c.received_at.desc(), complaints.c.complaint_id)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_complaint(r) for r in rows]


def complaint(engine: Engine, complaint_id: str) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(complaints).where(
            complaints.c.complaint_id == complaint_id)).mappings().one_or_none()
    return _complaint(row) if row is not None else None


def _correction(r: Any, today: date) -> dict[str, Any]:
    return {"id": r["request_id"], "volunteer_id": r["volunteer_id"],
            "office_id": r["office_id"], "kind": r["kind"],
            "service_record_id": r["service_record_id"], "activity_id": r["activity_id"],
            "claimed_hours": r["claimed_hours"], "claimed_started_at": r["claimed_started_at"],
            "claimed_ended_at": r["claimed_ended_at"], "reason": r["reason"],
            "requested_at": r["requested_at"], "due_on": r["due_on"], "status": r["status"],
            "overdue": is_overdue(r["status"], r["due_on"], today), "outcome": r["outcome"],
            "result_record_id": r["result_record_id"], "result_hours": r["result_hours"],
            "answer": r["answer"], "answered_at": r["answered_at"]}


def list_corrections(engine: Engine, scope: ReadScope, today: date, status: str | None = None,
                     overdue: bool = False, volunteer_id: str | None = None,
                     limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The queue, oldest due first; `overdue`: pending past their due date (the branch's
    flag)."""
    c = correction_requests
    query = select(c).where(scope_filter(scope, c.c.office_id, c.c.volunteer_id))
    if overdue:
        query = query.where(c.c.status == PENDING, c.c.due_on < today)
    elif status:
        query = query.where(c.c.status == status)
    if volunteer_id:
        query = query.where(c.c.volunteer_id == volunteer_id)
    query = query.order_by(c.c.due_on, c.c.requested_at, c.c.request_id)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_correction(r, today) for r in rows]


def count_overdue_corrections(engine: Engine, scope: ReadScope, today: date) -> int:
    """Pending requests past their due date in a scope: what a branch is warned of."""
    c = correction_requests
    with engine.connect() as conn:
        return int(conn.execute(
            select(func.count()).select_from(c)
            .where(scope_filter(scope, c.c.office_id, c.c.volunteer_id),
                   c.c.status == PENDING, c.c.due_on < today)).scalar_one())


def correction(engine: Engine, request_id: str, today: date) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(select(correction_requests).where(
            correction_requests.c.request_id == request_id)).mappings().one_or_none()
    return _correction(row, today) if row is not None else None


def _certificate(r: Any) -> dict[str, Any]:
    return {"serial": r["serial"], "volunteer_id": r["volunteer_id"],
            "office_id": r["office_id"], "issuer": r["issuer"], "issued_at": r["issued_at"],
            "issued_on": r["issued_on"], "period_from": r["period_from"],
            "period_to": r["period_to"], "total_hours": r["total_hours"],
            "total_services": r["total_services"], "issued_by": r["issued_by"],
            "status": r["status"], "revoked_at": r["revoked_at"],
            "revocation_reason": r["revocation_reason"]}


def certificate_register(engine: Engine, scope: ReadScope, serial: str | None = None,
                         volunteer_id: str | None = None, status: str | None = None,
                         issued_from: date | None = None, issued_to: date | None = None,
                         limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """The register of certificates issued, newest first; `serial` matches a prefix."""
    c = certificate_register_table
    query = select(c).where(scope_filter(scope, c.c.office_id, c.c.volunteer_id))
    if serial:
        query = query.where(c.c.serial.startswith(serial.strip().upper()))
    if volunteer_id:
        query = query.where(c.c.volunteer_id == volunteer_id)
    if status:
        query = query.where(c.c.status == status)
    if issued_from:
        query = query.where(c.c.issued_on >= issued_from)
    if issued_to:
        query = query.where(c.c.issued_on <= issued_to)
    query = query.order_by(c.c.issued_at.desc(), c.c.serial).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [_certificate(r) for r in conn.execute(query).mappings().all()]


def volunteer_id_of_passbook(engine: Engine, passbook_no: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(select(passbooks.c.volunteer_id).where(
            passbooks.c.passbook_no == passbook_no.strip())).scalar_one_or_none()
