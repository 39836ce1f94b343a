"""转赠: giving points to another passbook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, IdempotencyKey, Services, idempotency_for
from api.schemas import TransferCreate, TransferOut

router = APIRouter(prefix="/transfers", tags=["passbooks"])


@router.post("", status_code=201, response_model=TransferOut)
def transfer_points(
    body: TransferCreate,
    actor: CurrentActor,
    services: Services,
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    idem = idempotency_for(
        services, idempotency_key, actor, "transfer", body.model_dump(mode="json")
    )
    return services.transfer_points(
        actor, body.from_passbook, body.to_passbook, body.points, body.note, idem
    )
