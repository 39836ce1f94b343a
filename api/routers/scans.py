"""POST /scans: a volunteer's phone checks in or out with a scanned activity code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Services
from api.schemas import ScanRequest, ScanResult

router = APIRouter(prefix="/scans", tags=["activities"])


@router.post("", response_model=ScanResult)
def scan(body: ScanRequest, actor: CurrentActor, services: Services) -> dict[str, Any]:
    position = (
        (body.latitude, body.longitude)
        if body.latitude is not None and body.longitude is not None
        else None
    )
    return services.scan(actor, body.token, position, body.action, body.activity_id)
