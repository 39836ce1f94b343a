"""Service requests (需求发布 → 派单/接单 → 完成 → 确认评价): the requester posts, the office
dispatches or a volunteer of the area takes, the volunteer marks it done, the requester
confirms and rates it — and the hours move as the bank's rules said at posting."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.deps import (
    CurrentActor,
    IdempotencyKey,
    ReadModels,
    RequestPartition,
    Services,
    idempotency_for,
)
from api.schemas_requests import (
    Dispatch,
    ElderStatusIn,
    ElderStatusOut,
    PoolGrant,
    PoolGrantOut,
    RequestConfirmation,
    RequestDone,
    RequestReason,
    RequestResolution,
    RequestStatus,
    ServedSummary,
    ServiceRequestCreate,
    ServiceRequestLine,
    ServiceRequestOut,
)
from projections import request_queries
from timebank.domain.time_accounts import minutes_of_hours
from timebank.interbank import CityTransfers

router = APIRouter(tags=["service requests"])


def minutes_or_none(hours: str) -> int:
    """"0" (nothing found served) or an amount of hours."""
    return 0 if hours.strip() in ("0", "0.0", "0.00") else minutes_of_hours(hours)


@router.post("/service-requests", status_code=201, response_model=ServiceRequestOut)
def post_request(request: Request, body: ServiceRequestCreate, actor: CurrentActor,
                 partition: RequestPartition, idempotency_key: IdempotencyKey = None
                 ) -> dict[str, Any]:
    """需求发布: the elder, a family member (relation; where the beneficiary pays, from the
    caller's own hours), or staff of the beneficiary's office (代办). Hours the beneficiary
    pays are held at once for the whole window. With `beneficiary_bank_id` naming another
    bank of the city, a family member pays from their hours here for care given there."""
    idem = idempotency_for(partition.app, idempotency_key, actor, "service-request",
                           body.model_dump(mode="json"))
    city: CityTransfers = request.app.state.city_transfers
    return city.post_need(partition, actor, body.beneficiary_bank_id, body.beneficiary_passbook,
                          body.category, body.relation or "", body.place, body.notes,
                          body.starts_at, body.ends_at, idem)


@router.get("/service-requests", response_model=list[ServiceRequestLine])
def list_requests(
    actor: CurrentActor, services: Services, read_models: ReadModels,
    view: Annotated[str, Query(pattern="^(mine|open|all)$",
                               description="Volunteers: mine, open (in their area) or all."
                               )] = "all",
    status: Annotated[RequestStatus | None, Query()] = None,
    office_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    scope = services.request_list_scope(actor, office_id)
    return request_queries.list_requests(read_models.engine, scope, view, status, limit,
                                         offset)


@router.get("/service-requests/{request_id}", response_model=ServiceRequestOut)
def read_request(request_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    return services.read_request(actor, request_id)


@router.post("/service-requests/{request_id}/take", response_model=ServiceRequestOut)
def take_request(request_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    """接单: a volunteer of the area (their branch, or the bank if it says so). Of two takes
    the first wins; the other answers 409 `request_taken`. A retry of one's own answers
    the request."""
    return services.take_request(actor, request_id)


@router.post("/service-requests/{request_id}/dispatch", response_model=ServiceRequestOut)
def dispatch_request(request_id: str, body: Dispatch, actor: CurrentActor,
                     services: Services) -> dict[str, Any]:
    """派单: staff of the request's office give it to a volunteer of the bank."""
    return services.dispatch_request(actor, request_id, body.volunteer_id)


@router.post("/service-requests/{request_id}/give-back", response_model=ServiceRequestOut)
def give_back_request(request_id: str, body: RequestReason, actor: CurrentActor,
                      services: Services) -> dict[str, Any]:
    return services.give_back_request(actor, request_id, body.reason)


@router.post("/service-requests/{request_id}/done", response_model=ServiceRequestOut)
def mark_done(request_id: str, body: RequestDone, actor: CurrentActor,
              services: Services) -> dict[str, Any]:
    return services.mark_request_done(actor, request_id, minutes_of_hours(body.hours),
                                      body.note)


@router.post("/service-requests/{request_id}/confirm", response_model=ServiceRequestOut)
def confirm_request(request_id: str, body: RequestConfirmation, actor: CurrentActor,
                    services: Services, idempotency_key: IdempotencyKey = None
                    ) -> dict[str, Any]:
    """确认评价: the beneficiary, whoever posted it, or staff for them; the hours move in the
    same save. `Idempotency-Key` required."""
    idem = idempotency_for(services, idempotency_key, actor, f"request-confirm:{request_id}",
                           body.model_dump())
    return services.confirm_request(actor, request_id, body.rating, body.comment, idem)


@router.post("/service-requests/{request_id}/dispute", response_model=ServiceRequestOut)
def dispute_request(request_id: str, body: RequestReason, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    return services.dispute_request(actor, request_id, body.reason)


@router.post("/service-requests/{request_id}/resolve", response_model=ServiceRequestOut)
def resolve_request(request_id: str, body: RequestResolution, actor: CurrentActor,
                    services: Services, idempotency_key: IdempotencyKey = None
                    ) -> dict[str, Any]:
    """A branch or bank administrator decides a dispute. `Idempotency-Key` required."""
    idem = idempotency_for(services, idempotency_key, actor, f"request-resolve:{request_id}",
                           body.model_dump())
    return services.resolve_request(actor, request_id, minutes_or_none(body.hours),
                                    body.reason, idem)


@router.post("/service-requests/{request_id}/cancel", response_model=ServiceRequestOut)
def cancel_request(request_id: str, body: RequestReason, actor: CurrentActor,
                   services: Services) -> dict[str, Any]:
    return services.cancel_request(actor, request_id, body.reason)


@router.post("/service-requests/{request_id}/no-show", response_model=ServiceRequestOut)
def report_no_show(request_id: str, body: RequestReason, actor: CurrentActor,
                   services: Services) -> dict[str, Any]:
    return services.report_no_show(actor, request_id, body.reason)


@router.put("/volunteers/{volunteer_id}/elder-status", response_model=ElderStatusOut)
def record_elder_status(volunteer_id: str, body: ElderStatusIn, actor: CurrentActor,
                        services: Services) -> dict[str, Any]:
    """Staff of the elder's office record living alone, minimum income, disability, with the
    evidence seen: what the bank's rule for hours from its pool reads."""
    volunteer = services.record_elder_status(actor, volunteer_id, body.living_alone,
                                             body.minimum_income, body.disabled,
                                             body.evidence)
    return {"volunteer_id": str(volunteer.id), **(volunteer.elder_status or {})}


@router.post("/hours-pool-grants", status_code=201, response_model=PoolGrantOut)
def grant_pool_hours(body: PoolGrant, actor: CurrentActor, services: Services,
                     idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    """The bank's pool grants hours to a priority elder's time account (under the bank's
    rule as it stands), theirs from then on to withdraw as care. Branch or bank
    administrators of the elder's office; `Idempotency-Key` required."""
    idem = idempotency_for(services, idempotency_key, actor, "pool-grant", body.model_dump())
    return services.grant_pool_hours(actor, body.passbook, minutes_of_hours(body.hours),
                                     body.reason, idem)


@router.get("/volunteers/{volunteer_id}/requests-served", response_model=ServedSummary)
def requests_served(volunteer_id: str, actor: CurrentActor, services: Services,
                    read_models: ReadModels) -> dict[str, Any]:
    """What requests add to a volunteer's record: services confirmed, their hours, the
    average rating, no-shows (the volunteer, or staff of their subtree)."""
    volunteer = services.read_time_account(actor, volunteer_id)
    return request_queries.served_summary(read_models.engine, str(volunteer.id))
