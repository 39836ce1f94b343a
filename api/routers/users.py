"""Staff accounts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Services
from api.schemas import Created, UserCreate, UserOut
from timebank.domain.errors import DomainError
from timebank.domain.users import User

router = APIRouter(prefix="/users", tags=["users"])


@router.post("", status_code=201, response_model=Created)
def create_user(body: UserCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    user = services.create_user(actor, body.username, body.password, body.role, body.office_id)
    return {"id": str(user.id)}


@router.get("/me", response_model=UserOut)
def me(actor: CurrentActor, services: Services) -> dict[str, Any]:
    if actor.kind != "user":
        raise DomainError("forbidden")
    user = services.load(User, actor.id)
    return {
        "id": str(user.id),
        "username": user.username,
        "role": user.role,
        "office_id": str(user.office_id) if user.office_id else None,
    }
