"""Kiosks (爱心超市): staff manage kiosks and catalogs; kiosks redeem with their API key."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from api.command_threads import run_command
from api.deps import (
    CurrentActor,
    CurrentKiosk,
    IdempotencyKey,
    KioskKey,
    KioskOrStaff,
    ReadModels,
    Services,
    idempotency_for,
)
from api.schemas import (
    CatalogItemCreate,
    CatalogItemOut,
    CatalogItemPatch,
    KioskCreate,
    KioskCreated,
    KioskDailySales,
    KioskKeyRotated,
    KioskKeyRotation,
    KioskOut,
    KioskPassbook,
    KioskRevoke,
    OfflineBatch,
    OfflineBatchOut,
    RedemptionCancel,
    RedemptionCancelled,
    RedemptionCreate,
    RedemptionHistoryItem,
    RedemptionOut,
)
from projections import kiosk_queries
from timebank.application.kiosks import catalog_item_body
from timebank.domain.errors import DomainError
from timebank.domain.kiosks import CatalogItem
from timebank.domain.values import utc_now

staff_router = APIRouter(tags=["kiosks (staff)"])
kiosk_router = APIRouter(prefix="/kiosk", tags=["kiosk API"])


def item_out(item: CatalogItem) -> dict[str, Any]:
    return {
        "sku": item.sku,
        "name": item.name,
        "points": item.points,
        "stock": item.stock,
        "active": item.active,
        "sponsor": item.sponsor,
    }


# -- staff ---------------------------------------------------------------------------------
@staff_router.post("/kiosks", status_code=201, response_model=KioskCreated)
def register_kiosk(body: KioskCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    kiosk, api_key = services.register_kiosk(actor, body.office_id, body.name)
    return {"kiosk_id": str(kiosk.id), "api_key": api_key}


@staff_router.get("/kiosks/{kiosk_id}", response_model=KioskOut)
def read_kiosk(kiosk_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    kiosk = services.authorize_kiosk_read(actor, kiosk_id)
    return {
        "kiosk_id": str(kiosk.id),
        "office_id": str(kiosk.office_id),
        "name": kiosk.name,
        "revoked": kiosk.revoked,
        "last_used_at": services.kiosk_usage.last_used(kiosk.id),
        "replaced_keys_valid_until": kiosk.replaced_keys_valid_until(utc_now()),
    }


@staff_router.post("/kiosks/{kiosk_id}/revoke", response_model=KioskOut)
def revoke_kiosk(
    kiosk_id: str, body: KioskRevoke, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    services.revoke_kiosk(actor, kiosk_id, body.reason)
    return read_kiosk(kiosk_id, actor, services)


@staff_router.post("/kiosks/{kiosk_id}/key-rotation", status_code=201,
                   response_model=KioskKeyRotated)
def rotate_kiosk_key(
    kiosk_id: str, body: KioskKeyRotation, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    kiosk, api_key = services.rotate_kiosk_key(
        actor, kiosk_id, timedelta(hours=body.grace_hours), body.reason)
    return {
        "kiosk_id": str(kiosk.id),
        "api_key": api_key,
        "replaced_keys_valid_until": kiosk.replaced_keys_valid_until(utc_now()),
    }


@staff_router.get("/kiosks/{kiosk_id}/sales", response_model=list[KioskDailySales])
def kiosk_sales(
    kiosk_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> list[dict[str, Any]]:
    kiosk = services.authorize_kiosk_read(actor, kiosk_id)
    return kiosk_queries.daily_sales(read_models.engine, str(kiosk.id), date_from, date_to)


@staff_router.get("/offices/{office_id}/kiosks", response_model=list[KioskOut])
def office_kiosks(
    office_id: str, actor: CurrentActor, services: Services, read_models: ReadModels
) -> list[dict[str, Any]]:
    office = services.read_office(actor, office_id)
    return kiosk_queries.office_kiosks(read_models.engine, str(office.id))


@staff_router.post("/offices/{office_id}/catalog", status_code=201, response_model=CatalogItemOut)
def list_catalog_item(
    office_id: str, body: CatalogItemCreate, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    item = services.list_catalog_item(
        actor, office_id, body.sku, body.name, body.points, body.stock, body.sponsor
    )
    return catalog_item_body(item)


@staff_router.get("/offices/{office_id}/catalog", response_model=list[CatalogItemOut])
def office_catalog(
    office_id: str, actor: CurrentActor, services: Services, read_models: ReadModels
) -> list[dict[str, Any]]:
    office = services.read_office(actor, office_id)
    return kiosk_queries.catalog(read_models.engine, str(office.id), only_active=False)


@staff_router.patch("/offices/{office_id}/catalog/{sku}", response_model=CatalogItemOut)
def update_catalog_item(
    office_id: str,
    sku: str,
    body: CatalogItemPatch,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services,
        idempotency_key,
        actor,
        f"catalog:{office_id}:{sku}",
        body.model_dump(mode="json"),
        required=False,
    )
    return services.update_catalog_item(
        actor,
        office_id,
        sku,
        points=body.points,
        stock=body.stock,
        restock=body.restock,
        active=body.active,
        reason=body.reason,
        idem=idem,
    )


@staff_router.get(
    "/volunteers/{volunteer_id}/redemptions", response_model=list[RedemptionHistoryItem]
)
def volunteer_redemptions(
    volunteer_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_read(actor, volunteer)
    return kiosk_queries.passbook_redemptions(read_models.engine, volunteer.passbook_no, limit)


# -- the kiosk API -------------------------------------------------------------------------
@kiosk_router.get("/catalog", response_model=list[CatalogItemOut])
def kiosk_catalog(kiosk: CurrentKiosk, read_models: ReadModels) -> list[dict[str, Any]]:
    return kiosk_queries.catalog(read_models.engine, str(kiosk.office_id))


@kiosk_router.get("/passbooks/{passbook_no}", response_model=KioskPassbook)
def kiosk_passbook(passbook_no: str, kiosk: CurrentKiosk, services: Services) -> dict[str, Any]:
    return services.kiosk_passbook_view(kiosk, passbook_no)


@kiosk_router.post("/redemptions", status_code=201, response_model=RedemptionOut)
async def redeem(
    body: RedemptionCreate,
    request: Request,
    key: KioskKey,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    payload = body.model_dump(mode="json")

    def work() -> dict[str, Any]:  # the key's check and the command: one hop
        kiosk = services.authenticate_kiosk(key, getattr(request.state, "request_id", None))
        idem = idempotency_for(services, idempotency_key, kiosk, "redeem", payload)
        return services.redeem(
            kiosk, body.passbook_no, body.pin, [line.model_dump() for line in body.items], idem
        )

    return await run_command(request, work)


@kiosk_router.post(
    "/redemptions/batch",
    response_model=OfflineBatchOut,
    summary="Offline queue: apply a reconnected kiosk's redemptions in sequence order",
    description=(
        "Each entry carries the kiosk's own `sequence` number. Entries are applied in "
        "sequence order, each at most once: an entry already applied answers "
        "`already_applied` with its first result; a refused entry answers `refused` with "
        "the error (code, message, message_zh) and changes nothing. The same sequence "
        "number with a different body is refused with `idempotency_key_reused`."
    ),
)
def redeem_offline_batch(
    body: OfflineBatch, kiosk: CurrentKiosk, services: Services
) -> dict[str, Any]:
    entries = [
        {**entry.model_dump(mode="json"), "occurred_at": entry.occurred_at}
        for entry in body.redemptions
    ]
    if len({e["sequence"] for e in entries}) != len(entries):
        raise DomainError(
            "invalid_input", "Sequence numbers repeat within the batch.", field="redemptions"
        )
    return {"results": services.redeem_offline_batch(kiosk, entries)}


@kiosk_router.post("/redemptions/{redemption_id}/cancel", response_model=RedemptionCancelled)
def cancel_redemption(
    redemption_id: str,
    actor: KioskOrStaff,
    services: Services,
    body: RedemptionCancel | None = None,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    reason = body.reason if body else ""
    idem = idempotency_for(
        services,
        idempotency_key,
        actor,
        f"cancel:{redemption_id}",
        {"reason": reason},
        required=False,
    )
    return services.cancel_redemption(actor, redemption_id, reason, idem)
