"""Complaints about a service (投诉): received by the recording office, investigated and
decided by a branch or bank administrator; the outcome joins the volunteer's record."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentActor, ReadModels, Services, catch_up_for_read
from api.schemas import Created
from api.schemas_records import ComplaintDecision, ComplaintIn, ComplaintOut, ComplaintStep
from projections import record_queries
from timebank.application.authz import VOLUNTEER_RECORDS
from timebank.domain.errors import DomainError

router = APIRouter(prefix="/complaints", tags=["complaints"])


def _out(services: Any, read_models: Any, actor: Any, complaint_id: str) -> dict[str, Any]:
    complaint = services.read_complaint(actor, complaint_id)
    catch_up_for_read(read_models)
    row = record_queries.complaint(read_models.engine, str(complaint.id))
    if row is None:
        raise DomainError("not_found", "complaint not found.")
    return {**row, "complainant": services.complainant_of(actor, complaint)}


@router.post("", status_code=201, response_model=Created)
def receive_complaint(body: ComplaintIn, actor: CurrentActor,
                      services: Services) -> dict[str, Any]:
    complaint = services.receive_complaint(actor, body.service_record_id,
                                           body.complainant_kind, body.complainant,
                                           body.summary, body.received_on)
    return {"id": str(complaint.id)}


@router.get("", response_model=list[ComplaintOut])
def list_complaints(
    actor: CurrentActor, services: Services, read_models: ReadModels,
    office_id: str | None = None,
    status: Literal["received", "investigating", "resolved"] | None = None,
    volunteer_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Staff: their subtree's (or `office_id`'s); a volunteer: complaints about their own
    services (without who complained)."""
    scope = services.read_scope(actor, VOLUNTEER_RECORDS, office_id)
    return record_queries.list_complaints(read_models.engine, scope, status, volunteer_id,
                                          limit, offset)


@router.get("/{complaint_id}", response_model=ComplaintOut)
def read_complaint(complaint_id: str, actor: CurrentActor, services: Services,
                   read_models: ReadModels) -> dict[str, Any]:
    return _out(services, read_models, actor, complaint_id)


@router.post("/{complaint_id}/investigate", response_model=ComplaintOut)
def investigate(complaint_id: str, body: ComplaintStep, actor: CurrentActor,
                services: Services, read_models: ReadModels) -> dict[str, Any]:
    services.investigate_complaint(actor, complaint_id, body.note)
    return _out(services, read_models, actor, complaint_id)


@router.post("/{complaint_id}/resolve", response_model=ComplaintOut)
def resolve(complaint_id: str, body: ComplaintDecision, actor: CurrentActor,
            services: Services, read_models: ReadModels) -> dict[str, Any]:
    services.resolve_complaint(actor, complaint_id, body.outcome, body.finding)
    return _out(services, read_models, actor, complaint_id)
