"""Activities (志愿服务活动)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, Services
from api.schemas import ActivityCreate, ActivityOut, Created
from timebank.application.authz import READERS, require_scope
from timebank.domain.service import Activity

router = APIRouter(prefix="/activities", tags=["activities"])


def activity_out(activity: Activity) -> dict[str, Any]:
    return {
        "id": str(activity.id),
        "office_id": str(activity.office_id),
        "title": activity.title,
        "category": activity.category,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "location": activity.location,
        "cancelled": activity.cancelled,
    }


@router.post("", status_code=201, response_model=Created)
def plan_activity(body: ActivityCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    activity = services.plan_activity(
        actor, body.office_id, body.title, body.category, body.starts_at, body.ends_at,
        body.location,
    )
    return {"id": str(activity.id)}


@router.get("/{activity_id}", response_model=ActivityOut)
def read_activity(activity_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    activity = services.load_activity(activity_id)
    if actor.kind != "volunteer":
        require_scope(actor, services.load_office(activity.office_id), READERS)
    return activity_out(activity)
