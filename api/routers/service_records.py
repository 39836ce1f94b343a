"""Service records: manual entry (代录), lists, approval, rejection, correction."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from api.command_threads import run_command
from api.deps import (
    BearerClaims,
    CurrentActor,
    IdempotencyKey,
    ReadModels,
    Services,
    actor_of,
    idempotency_for,
)
from api.schemas import (
    BeneficiaryIn,
    BulkApprove,
    BulkResult,
    Correction,
    CorrectionOut,
    Rejection,
    ServiceRecordCreate,
    ServiceRecordCreated,
    ServiceRecordDecision,
    ServiceRecordOut,
)
from projections import queries
from timebank.application.authz import SERVICE_RECORDS
from timebank.application.service_records import BeneficiaryGiven
from timebank.domain.errors import DomainError
from timebank.domain.service import ServiceRecord
from timebank.domain.values import hours_text

router = APIRouter(prefix="/service-records", tags=["service records"])


def record_out(record: ServiceRecord) -> dict[str, Any]:
    return {"id": str(record.id), "status": record.status}


def beneficiary_given(body: BeneficiaryIn) -> BeneficiaryGiven:
    return BeneficiaryGiven(kind=body.kind, label=body.label, name=body.name,
                            volunteer_id=body.volunteer_id)


def with_names(services: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A person beneficiary's name opened for a reader who may read the record."""
    for row in rows:
        beneficiary = row.get("beneficiary")
        if beneficiary is not None:
            beneficiary["name"] = services.beneficiary_name(row["id"],
                                                            beneficiary.pop("name_sealed"))
    return rows


@router.post("", status_code=201, response_model=ServiceRecordCreated)
def enter_service_record(
    body: ServiceRecordCreate, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    record = services.enter_service_record(
        actor, body.volunteer_id, body.activity_id, body.started_at, body.ended_at, body.note,
        beneficiary=beneficiary_given(body.beneficiary) if body.beneficiary else None,
    )
    return record_out(record)


@router.get("", response_model=list[ServiceRecordOut])
def list_service_records(
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    office_id: str | None = None,
    status: Literal["checked_in", "pending", "approved", "rejected"] | None = None,
    volunteer_id: str | None = None,
    activity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Staff: their office's subtree (or `office_id`'s); a volunteer: their own records."""
    scope = services.read_scope(actor, SERVICE_RECORDS, office_id)
    return with_names(services, queries.list_service_records(
        read_models.engine, scope, status, volunteer_id, activity_id, limit, offset
    ))


@router.post("/approve", response_model=list[BulkResult])
def approve_many(body: BulkApprove, actor: CurrentActor, services: Services) -> list[Any]:
    """Approve many records at once; each answers for itself (approved, or why not)."""
    return services.approve_many(actor, body.ids)


@router.get("/{record_id}", response_model=ServiceRecordOut)
def read_service_record(
    record_id: str, actor: CurrentActor, services: Services, read_models: ReadModels
) -> dict[str, Any]:
    record = services.read_service_record(actor, record_id)
    row = queries.service_record(read_models.engine, str(record.id))
    if row is None:
        raise DomainError("not_found", "service record not found.")
    return with_names(services, [row])[0]


@router.post("/{record_id}/approve", response_model=ServiceRecordDecision)
async def approve(
    record_id: str,
    request: Request,
    claims: BearerClaims,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    def work() -> dict[str, Any]:  # the account's check and the command: one hop
        actor = actor_of(request, claims)
        idem = idempotency_for(
            services, idempotency_key, actor, f"approve:{record_id}", {}, required=False
        )
        return services.approve_service_record(actor, record_id, idem)

    return await run_command(request, work)


@router.post("/{record_id}/reject", response_model=ServiceRecordDecision)
def reject(
    record_id: str, body: Rejection, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    record = services.reject_service_record(actor, record_id, body.reason)
    return {
        "id": str(record.id),
        "status": record.status,
        "hours": hours_text(record.minutes),
        "points": record.points,
    }


@router.post("/{record_id}/correct", response_model=CorrectionOut)
def correct(
    record_id: str,
    body: Correction,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services,
        idempotency_key,
        actor,
        f"correct:{record_id}",
        body.model_dump(mode="json"),
        required=False,
    )
    return services.correct_service_record(actor, record_id, str(body.hours), body.reason, idem)
