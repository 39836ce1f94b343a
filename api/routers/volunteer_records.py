"""A volunteer's record beyond registration: the age completed by staff, a guardian's
consent, the consent to use location (the volunteer's own), the national volunteer number,
training attended and awards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import CurrentActor, ReadModels, Services
from api.routers.volunteers import volunteer_out
from api.schemas import VolunteerOut
from api.schemas_records import (
    AwardIn,
    AwardOut,
    BirthDate,
    GuardianConsent,
    LocationConsent,
    LocationConsentOut,
    NationalNumber,
    RecordCreated,
    StarLevelOut,
    TrainingIn,
    TrainingOut,
)
from projections import queries, record_queries
from timebank.application.volunteers import Guardian

router = APIRouter(prefix="/volunteers", tags=["volunteers"])


@router.post("/{volunteer_id}/guardian-consent", response_model=VolunteerOut)
def record_guardian_consent(volunteer_id: str, body: GuardianConsent, actor: CurrentActor,
                            services: Services) -> dict[str, Any]:
    volunteer = services.record_guardian_consent(actor, volunteer_id, Guardian(
        name=body.name, relation=body.relation, consented_on=body.consented_on,
        phone=body.phone))
    return volunteer_out(services, volunteer)


@router.post("/{volunteer_id}/birth-date", response_model=VolunteerOut)
def record_birth_date(volunteer_id: str, body: BirthDate, actor: CurrentActor,
                      services: Services) -> dict[str, Any]:
    volunteer = services.record_birth_date(actor, volunteer_id, body.birth_date)
    return volunteer_out(services, volunteer)


@router.put("/{volunteer_id}/location-consent", response_model=LocationConsentOut)
def set_location_consent(volunteer_id: str, body: LocationConsent, actor: CurrentActor,
                         services: Services) -> dict[str, Any]:
    volunteer = services.set_location_consent(actor, volunteer_id, body.given)
    return {"volunteer_id": str(volunteer.id), "location_consent": volunteer.location_consent}


@router.put("/{volunteer_id}/national-number", response_model=VolunteerOut)
def record_national_number(volunteer_id: str, body: NationalNumber, actor: CurrentActor,
                           services: Services) -> dict[str, Any]:
    volunteer = services.record_national_number(actor, volunteer_id, body.national_no)
    return volunteer_out(services, volunteer)


@router.post("/{volunteer_id}/trainings", status_code=201, response_model=RecordCreated)
def record_training(volunteer_id: str, body: TrainingIn, actor: CurrentActor,
                    services: Services) -> dict[str, Any]:
    return services.record_training(actor, volunteer_id, body.name, body.held_on,
                                    str(body.hours), body.provider)


@router.get("/{volunteer_id}/trainings", response_model=list[TrainingOut])
def list_trainings(volunteer_id: str, actor: CurrentActor, services: Services,
                   read_models: ReadModels) -> list[dict[str, Any]]:
    volunteer = services.read_volunteer_records(actor, volunteer_id)
    return record_queries.trainings_of(read_models.engine, str(volunteer.id))


@router.post("/{volunteer_id}/awards", status_code=201, response_model=RecordCreated)
def record_award(volunteer_id: str, body: AwardIn, actor: CurrentActor,
                 services: Services) -> dict[str, Any]:
    return services.record_award(actor, volunteer_id, body.title, body.awarded_by,
                                 body.awarded_on)


@router.get("/{volunteer_id}/awards", response_model=list[AwardOut])
def list_awards(volunteer_id: str, actor: CurrentActor, services: Services,
                read_models: ReadModels) -> list[dict[str, Any]]:
    volunteer = services.read_volunteer_records(actor, volunteer_id)
    return record_queries.awards_of(read_models.engine, str(volunteer.id))


@router.get("/{volunteer_id}/star-level", response_model=StarLevelOut)
def star_level(volunteer_id: str, actor: CurrentActor, services: Services,
               read_models: ReadModels) -> dict[str, Any]:
    volunteer = services.read_volunteer_records(actor, volunteer_id)
    return {"volunteer_id": str(volunteer.id),
            **queries.star_level(read_models.engine, str(volunteer.id))}
