"""A service entry made complete (志愿服务记录): its beneficiary (服务对象), the organiser's
evaluation and the beneficiary's confirmation and rating, and the history of evaluations."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, ReadModels, Services, catch_up_for_read
from api.routers.service_records import beneficiary_given, with_names
from api.schemas import BeneficiaryIn, ServiceRecordOut
from api.schemas_records import BeneficiaryConfirmation, Evaluation, EvaluationOut
from projections import queries
from timebank.domain.errors import DomainError

router = APIRouter(prefix="/service-records", tags=["service records"])


def _record(services: Any, read_models: Any, record_id: str) -> dict[str, Any]:
    catch_up_for_read(read_models)  # the command just made: read it back
    row = queries.service_record(read_models.engine, record_id)
    if row is None:
        raise DomainError("not_found", "service record not found.")
    return with_names(services, [row])[0]


@router.post("/{record_id}/beneficiary", response_model=ServiceRecordOut)
def name_beneficiary(record_id: str, body: BeneficiaryIn, actor: CurrentActor,
                     services: Services, read_models: ReadModels) -> dict[str, Any]:
    record = services.name_beneficiary(actor, record_id, beneficiary_given(body))
    return _record(services, read_models, str(record.id))


@router.post("/{record_id}/evaluation", response_model=ServiceRecordOut)
def evaluate(record_id: str, body: Evaluation, actor: CurrentActor, services: Services,
             read_models: ReadModels) -> dict[str, Any]:
    record = services.evaluate_service_record(actor, record_id, body.rating, body.comment)
    return _record(services, read_models, str(record.id))


@router.post("/{record_id}/beneficiary-confirmation", response_model=ServiceRecordOut)
def confirm(record_id: str, body: BeneficiaryConfirmation, actor: CurrentActor,
            services: Services, read_models: ReadModels) -> dict[str, Any]:
    record = services.confirm_service_record(actor, record_id, body.confirmed, body.rating,
                                             body.comment)
    return _record(services, read_models, str(record.id))


@router.get("/{record_id}/evaluations", response_model=list[EvaluationOut])
def evaluations(record_id: str, actor: CurrentActor, services: Services,
                read_models: ReadModels) -> list[dict[str, Any]]:
    record = services.read_service_record(actor, record_id)
    return queries.evaluations_of(read_models.engine, str(record.id))
