"""Volunteers and their passbooks (爱心存折)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import CurrentActor, ReadModels, Services
from api.schemas import (
    EraseRequest,
    PassbookAt,
    PassbookOut,
    VolunteerCreate,
    VolunteerCreated,
    VolunteerMove,
    VolunteerOut,
)
from projections import queries
from timebank.application.volunteers import Guardian
from timebank.domain.values import shanghai_date, utc_now
from timebank.security.cards import card_png

router = APIRouter(prefix="/volunteers", tags=["volunteers"])


def _mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) == 11 else "*" * len(phone)


@router.post("", status_code=201, response_model=VolunteerCreated)
def register_volunteer(
    body: VolunteerCreate, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    guardian = Guardian(name=body.guardian.name, relation=body.guardian.relation,
                        consented_on=body.guardian.consented_on,
                        phone=body.guardian.phone) if body.guardian else None
    volunteer = services.register_volunteer(
        actor, body.name, body.phone, body.id_number, body.office_id, body.pin,
        birth_date=body.birth_date, guardian=guardian,
    )
    return {"id": str(volunteer.id), "passbook_no": volunteer.passbook_no}


@router.get("/{volunteer_id}", response_model=VolunteerOut)
def read_volunteer(volunteer_id: str, actor: CurrentActor, services: Services) -> dict[str, Any]:
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_read(actor, volunteer)
    return volunteer_out(services, volunteer)


def volunteer_out(services: Any, volunteer: Any) -> dict[str, Any]:
    person = services.personal_data(volunteer)
    return {
        "id": str(volunteer.id),
        "passbook_no": volunteer.passbook_no,
        "office_id": str(volunteer.office_id),
        "name": person.name,
        "phone_masked": _mask_phone(person.phone),
        "active": volunteer.active,
        "age": person.age_on(shanghai_date(utc_now())),
        "age_band": volunteer.age_band,
        "age_needs_completing": volunteer.age_needs_completing,
        "guardian": services.guardian_of(volunteer),
        "location_consent": volunteer.location_consent,
        "national_no": services.national_number(volunteer),
    }


@router.post("/{volunteer_id}/move", response_model=VolunteerOut)
def move_volunteer(
    volunteer_id: str, body: VolunteerMove, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    services.move_volunteer(actor, volunteer_id, body.office_id, body.reason)
    return read_volunteer(volunteer_id, actor, services)


@router.get("/{volunteer_id}/passbook", response_model=PassbookOut)
def read_passbook(
    volunteer_id: str,
    actor: CurrentActor,
    services: Services,
    read_models: ReadModels,
    limit: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_read(actor, volunteer)
    return {**queries.passbook_view(read_models.engine, volunteer.passbook_no, limit),
            "star_level": queries.star_level(read_models.engine, str(volunteer.id))["level"]}


@router.get("/{volunteer_id}/passbook/at", response_model=PassbookAt)
def passbook_at(
    volunteer_id: str,
    actor: CurrentActor,
    services: Services,
    at: Annotated[datetime, Query(description="The instant, with a UTC offset.")],
) -> dict[str, Any]:
    """The passbook as recorded at an instant, and as corrected since."""
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_read(actor, volunteer)
    return services.passbook_at(volunteer, at)


@router.post("/{volunteer_id}/erase", response_model=VolunteerOut)
def erase_volunteer(
    volunteer_id: str, body: EraseRequest, actor: CurrentActor, services: Services
) -> dict[str, Any]:
    """个人信息删除 (administrators): names, phone and ID become unreadable everywhere;
    balances, hours and the audit chain stay intact."""
    services.erase_volunteer(actor, volunteer_id, body.reason)
    return read_volunteer(volunteer_id, actor, services)


@router.get(
    "/{volunteer_id}/passbook/card.png",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}}},
)
def passbook_card(volunteer_id: str, actor: CurrentActor, services: Services) -> Response:
    volunteer = services.load_volunteer(volunteer_id)
    services.authorize_volunteer_read(actor, volunteer)
    png = card_png(services.settings.resolved_secret_key, volunteer.passbook_no)
    return Response(content=png, media_type="image/png", headers={"Cache-Control": "no-store"})
