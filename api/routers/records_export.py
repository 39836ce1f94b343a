"""Exports of volunteers' records (记录导出), version 1 of docs/records-export.md: a volunteer's
whole record (the volunteer's own copy, or their office's), and an office subtree's records of
a period. Each is a ZIP of JSON Lines and CSV files, one per kind, and is recorded."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import CurrentActor, ReadModels, Services
from api.documents.records_export import MEDIA_TYPE, build_export, filename
from timebank.domain.errors import DomainError

router = APIRouter(tags=["volunteers"])

ZIP_RESPONSE = {200: {"content": {MEDIA_TYPE: {}}}}


def zip_response(data: bytes, name: str) -> Response:
    return Response(data, media_type=MEDIA_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@router.get("/volunteers/{volunteer_id}/records-export.zip", response_class=Response,
            responses=ZIP_RESPONSE)
def export_volunteer_records(volunteer_id: str, actor: CurrentActor, services: Services,
                             read_models: ReadModels) -> Response:
    """The volunteer's whole record: the volunteer (their own copy) or operators over
    their office."""
    volunteer, scope = services.volunteer_export_scope(actor, volunteer_id)
    office = services.load_office(volunteer.office_id)
    data = build_export(services, read_models.engine, actor, scope, office, volunteer)
    return zip_response(data, filename(volunteer.passbook_no))


@router.get("/offices/{office_id}/records-export.zip", response_class=Response,
            responses=ZIP_RESPONSE)
def export_office_records(
    office_id: str, actor: CurrentActor, services: Services, read_models: ReadModels,
    date_from: Annotated[date | None, Query(alias="from")] = None,
    date_to: Annotated[date | None, Query(alias="to")] = None,
) -> Response:
    """What the office's subtree recorded in the period (each kind by its own date), and
    its volunteers: operators over the office."""
    if date_from and date_to and date_to < date_from:
        raise DomainError("invalid_time_range", field="to")
    office, scope = services.office_export_scope(actor, office_id)
    data = build_export(services, read_models.engine, actor, scope, office, None,
                        date_from, date_to)
    return zip_response(data, filename(str(office.id)[:8], date_from, date_to))
