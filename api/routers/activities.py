"""Activities (志愿服务活动) and their QR codes."""

from __future__ import annotations

import io
from typing import Annotated, Any, Literal

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Query, Response

from api.deps import CurrentActor, ReadModels, Services
from api.schemas import ActivityCancel, ActivityCreate, ActivityEdit, ActivityOut, Created
from projections import queries
from timebank.application.authz import ACTIVITIES
from timebank.domain.service import Activity

router = APIRouter(prefix="/activities", tags=["activities"])
office_router = APIRouter(tags=["activities"])

OPTION_FIELDS = ("latitude", "longitude", "radius_m", "capacity", "approval_policy",
                 "geofence_mode", "content", "person_in_charge_id", "beneficiary", "minors",
                 "required_training", "requires_insurance", "insurance_ref")


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
        **{name: getattr(activity, name) for name in OPTION_FIELDS},
        "person_in_charge_id": (str(activity.person_in_charge_id)
                                if activity.person_in_charge_id else None),
    }


@router.post("", status_code=201, response_model=Created)
def plan_activity(body: ActivityCreate, actor: CurrentActor, services: Services) -> dict[str, Any]:
    activity = services.plan_activity(
        actor, body.office_id, body.title, body.category, body.starts_at, body.ends_at,
        body.location, **{name: getattr(body, name) for name in OPTION_FIELDS},
    )
    return {"id": str(activity.id)}


@router.get("/{activity_id}", response_model=ActivityOut)
def read_activity(activity_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    return activity_out(services.read_activity(actor, activity_id))


@router.patch("/{activity_id}", response_model=ActivityOut)
def edit_activity(
    activity_id: str, body: ActivityEdit, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    changes = body.model_dump(exclude_unset=True)
    return activity_out(services.edit_activity(actor, activity_id, changes))


@router.post("/{activity_id}/cancel", response_model=ActivityOut)
def cancel_activity(
    activity_id: str, body: ActivityCancel, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    return activity_out(services.cancel_activity(actor, activity_id, body.reason))


Action = Annotated[Literal["check_in", "check_out"], Query(description="签到 or 签退")]
Mode = Annotated[
    Literal["printable", "live"],
    Query(description="printable: valid for the window plus grace; live: rotates every 30 s"),
]


@router.get("/{activity_id}/qr.png", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def qr_png(
    activity_id: str, actor: CurrentActor, services: Services, action: Action = "check_in",
    mode: Mode = "printable",
) -> Response:
    token = services.scan_token(actor, activity_id, action, mode)
    image = qrcode.make(services.scan_url(token), box_size=10, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), media_type="image/png",
                    headers={"Cache-Control": "no-store"})


@router.get("/{activity_id}/qr.svg", response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def qr_svg(
    activity_id: str, actor: CurrentActor, services: Services, action: Action = "check_in",
    mode: Mode = "printable",
) -> Response:
    token = services.scan_token(actor, activity_id, action, mode)
    image = qrcode.make(services.scan_url(token), image_factory=qrcode.image.svg.SvgPathImage)
    return Response(image.to_string(), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@office_router.get("/offices/{office_id}/activities", response_model=list[ActivityOut])
def office_activities(
    office_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> list[dict[str, Any]]:
    scope = services.read_scope(actor, ACTIVITIES, office_id)
    return queries.activities_of_offices(read_models.engine, scope, limit, offset)
