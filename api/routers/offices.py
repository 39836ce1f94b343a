"""The office tree, its rollups and the bank's point rules."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from api.deps import CurrentActor, ReadModels, Services
from api.schemas import (
    OfficeClose,
    OfficeCreate,
    OfficeOut,
    OfficeRename,
    PointRules,
    PointRulesCancel,
    PointRulesOut,
    Rollup,
)
from projections import queries
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office

router = APIRouter(prefix="/offices", tags=["offices"])


def office_out(office: Office) -> dict[str, Any]:
    return {
        "id": str(office.id),
        "name": office.name,
        "kind": office.kind,
        "parent_id": str(office.parent_id) if office.parent_id else None,
        "closed": office.closed,
    }


def rules_out(bank: Office) -> dict[str, Any]:
    in_force = bank.rules_in_force()
    return {
        "bank_id": str(bank.id),
        "points_per_hour": in_force.points_per_hour,
        "category_multipliers": in_force.category_multipliers,
        "version": in_force.version,
        "effective_from": in_force.effective_from,
        "announced": [
            {"version": r.version, "effective_from": r.effective_from,
             "points_per_hour": r.points_per_hour, "category_multipliers": r.category_multipliers}
            for r in bank.announced_rules()],
    }


@router.post("", status_code=201, response_model=OfficeOut)
def open_office(body: OfficeCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    office = services.open_office(actor, body.name, body.kind, body.parent_id)
    return office_out(office)


@router.get("/{office_id}", response_model=OfficeOut)
def read_office(office_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    return office_out(services.read_office(actor, office_id))


@router.post("/{office_id}/rename", response_model=OfficeOut)
def rename_office(
    office_id: str, body: OfficeRename, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return office_out(services.rename_office(actor, office_id, body.name, body.reason))


@router.post("/{office_id}/close", response_model=OfficeOut)
def close_office(
    office_id: str, body: OfficeClose, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return office_out(services.close_office(actor, office_id, body.reason))


@router.put("/{bank_id}/point-rules", response_model=PointRulesOut)
def change_point_rules(
    bank_id: str, body: PointRules, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    bank = services.change_point_rules(
        actor, bank_id, body.points_per_hour, dict(body.category_multipliers),
        body.effective_from,
    )
    return rules_out(bank)


@router.post("/{bank_id}/point-rules/{version}/cancel", response_model=PointRulesOut)
def cancel_point_rules_change(
    bank_id: str, version: int, body: PointRulesCancel, actor: CurrentActor,
    services: Services,
) -> dict[str, Any]:
    """Withdraw a change of point rules announced ahead, before it takes effect."""
    return rules_out(services.cancel_point_rules_change(actor, bank_id, version, body.reason))


@router.get("/{bank_id}/point-rules", response_model=PointRulesOut)
def read_point_rules(bank_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    office = services.read_office(actor, bank_id)
    return rules_out(services.bank_of(office))


@router.get("/{office_id}/rollup", response_model=Rollup)
def office_rollup(
    office_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
    basis: Annotated[Literal["service", "approval"], Query(description=(
        "Which day a service's hours and points count on within from/to: `service` "
        "(default) the day the service was done; `approval` the day they were approved "
        "into the passbook (how rollups read before 2026-12)."))] = "service",
) -> dict[str, Any]:
    office = services.read_office(actor, office_id)
    if date_from and date_to and date_to < date_from:
        raise DomainError("invalid_time_range", field="to")
    result = queries.rollup(read_models.engine, str(office.id), date_from, date_to, basis)
    if result is None:
        raise DomainError("not_found", "office not found.")
    return result
