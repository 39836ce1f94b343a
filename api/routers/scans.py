"""POST /scans: a volunteer's phone checks in or out with a scanned activity code."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.command_threads import run_command
from api.deps import BearerClaims, Services, actor_of
from api.schemas import ScanRequest, ScanResult
from timebank.application.app import TimebankApp
from timebank.domain.actors import Actor
from timebank.security.tokens import TokenClaims

router = APIRouter(prefix="/scans", tags=["activities"])


@router.post("", response_model=ScanResult)
async def scan(
    body: ScanRequest, request: Request, claims: BearerClaims, services: Services
) -> dict[str, Any]:
    return await run_command(request, scan_for, request, claims, services, body)


def scan_for(request: Request, claims: TokenClaims, services: TimebankApp,
             body: ScanRequest) -> dict[str, Any]:
    """The account's check and the command, in one hop to the thread pool (blocking); the
    route above and the lean lane (api/fast_lane.py) both answer with it. A volunteer's
    account is checked by the command itself, with the reads it makes anyway."""
    position = (
        (body.latitude, body.longitude)
        if body.latitude is not None and body.longitude is not None
        else None
    )
    if claims.kind == "volunteer":
        holder = Actor(kind="volunteer", id=claims.subject,
                       request_id=getattr(request.state, "request_id", None))
        return services.scan(holder, body.token, position, body.action, body.activity_id,
                             generation=claims.generation, session=claims.session)
    return services.scan(actor_of(request, claims), body.token, position, body.action,
                         body.activity_id)
