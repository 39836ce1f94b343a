from __future__ import annotations

from fastapi import APIRouter

from api.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/health", response_model=Health)
def health() -> dict[str, str]:
    return {"status": "ok"}
