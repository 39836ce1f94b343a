"""Corrections asked by volunteers (更正申请): a volunteer reports a wrong or missing entry;
the recording office's queue with due dates (overdue requests flagged to the branch); the
answer — a correction or late entry, or a refusal with its reason."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentActor, ReadModels, Services, catch_up_for_read
from api.schemas_records import (
    CorrectionAccept,
    CorrectionAsk,
    CorrectionRefuse,
    CorrectionRequestOut,
)
from projections import record_queries
from timebank.application.authz import VOLUNTEER_RECORDS
from timebank.domain.errors import DomainError
from timebank.domain.values import shanghai_date, utc_now

router = APIRouter(prefix="/correction-requests", tags=["corrections"])


def _out(services: Any, read_models: Any, actor: Any, request_id: str) -> dict[str, Any]:
    request = services.read_correction(actor, request_id)
    catch_up_for_read(read_models)
    row = record_queries.correction(read_models.engine, str(request.id),
                                    shanghai_date(utc_now()))
    if row is None:
        raise DomainError("not_found", "correction request not found.")
    return row


@router.post("", status_code=201, response_model=CorrectionRequestOut)
def ask(body: CorrectionAsk, actor: CurrentActor, services: Services,
        read_models: ReadModels) -> dict[str, Any]:
    request = services.ask_correction(actor, body.kind, body.reason, body.service_record_id,
                                      body.activity_id, body.hours, body.started_at,
                                      body.ended_at)
    return _out(services, read_models, actor, str(request.id))


@router.get("", response_model=list[CorrectionRequestOut])
def queue(
    actor: CurrentActor, services: Services, read_models: ReadModels,
    office_id: str | None = None,
    status: Literal["pending", "accepted", "refused"] | None = None,
    overdue: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    """Staff: the queue of their subtree (or `office_id`'s), due first; `overdue=true` lists
    the pending ones past their due date. A volunteer: their own requests."""
    scope = services.read_scope(actor, VOLUNTEER_RECORDS, office_id)
    return record_queries.list_corrections(read_models.engine, scope, shanghai_date(utc_now()),
                                           status, overdue, limit=limit, offset=offset)


@router.get("/{request_id}", response_model=CorrectionRequestOut)
def read(request_id: str, actor: CurrentActor, services: Services,
         read_models: ReadModels) -> dict[str, Any]:
    return _out(services, read_models, actor, request_id)


@router.post("/{request_id}/accept", response_model=CorrectionRequestOut)
def accept(request_id: str, body: CorrectionAccept, actor: CurrentActor, services: Services,
           read_models: ReadModels) -> dict[str, Any]:
    services.accept_correction(actor, request_id, body.note, body.hours, body.started_at,
                               body.ended_at)
    return _out(services, read_models, actor, request_id)


@router.post("/{request_id}/refuse", response_model=CorrectionRequestOut)
def refuse(request_id: str, body: CorrectionRefuse, actor: CurrentActor, services: Services,
           read_models: ReadModels) -> dict[str, Any]:
    services.refuse_correction(actor, request_id, body.reason)
    return _out(services, read_models, actor, request_id)
