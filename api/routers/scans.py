"""POST /scans: a volunteer's phone checks in or out with a scanned activity code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import BearerClaims, Services, actor_of
from api.schemas import ScanRequest, ScanResult

router = APIRouter(prefix="/scans", tags=["activities"])


@router.post("", response_model=ScanResult)
async def scan(
    body: ScanRequest, request: Request, claims: BearerClaims, services: Services
) -> dict[str, Any]:
    position = (
        (body.latitude, body.longitude)
        if body.latitude is not None and body.longitude is not None
        else None
    )

    def work() -> dict[str, Any]:  # the account's check and the command: one hop
        actor = actor_of(request, claims)
        return services.scan(actor, body.token, position, body.action, body.activity_id)

    return await run_in_threadpool(work)
