"""Downloads of volunteers' records from the pages (docs/records-export.md): a volunteer's
own copy from /me, a volunteer's record from the staff record page, and an office's records
of a period from /staff/records. The same archive, gates and audit event as the API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import catch_up_for_read
from api.documents.records_export import build_export, filename
from api.routers.records_export import zip_response
from api.web.coordinator_pages import operated_office
from api.web.people_pages import error_page, redirect_to_login, staff_actor
from api.web.sessions import page_actor, page_engine, page_runner, page_services
from timebank.domain.errors import DomainError

router = APIRouter(include_in_schema=False)


def _volunteer_export(request: Request, actor: object, volunteer_id: str) -> Response:
    services = page_services(request)
    try:
        volunteer, scope = services.volunteer_export_scope(actor, volunteer_id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    data = build_export(services, page_engine(request), actor, scope,
                        services.load_office(volunteer.office_id), volunteer)
    return zip_response(data, filename(volunteer.passbook_no))


@router.get("/me/records-export.zip")
def my_records_export(request: Request) -> Response:
    """个人信息查阅、复制: the volunteer's whole record, theirs to take."""
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/me", status_code=303)
    return _volunteer_export(request, actor, actor.id)


@router.get("/staff/volunteers/{volunteer_id}/records-export.zip")
def volunteer_records_export(request: Request, volunteer_id: str) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _volunteer_export(request, actor, volunteer_id)


def _day(value: str, field: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise DomainError("invalid_input", f"{field}: a date.", field=field) from exc


@router.get("/staff/records/export.zip")
def office_records_export(
    request: Request,
    office_id: Annotated[str, Query(max_length=64)] = "",
    date_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    date_to: Annotated[str, Query(alias="to", max_length=10)] = "",
) -> Response:
    """The office's (by default the staff member's own) records of a period."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    try:
        start, end = _day(date_from, "from"), _day(date_to, "to")
        if start and end and end < start:
            raise DomainError("invalid_time_range", field="to")
        chosen = operated_office(request, actor, office_id)
        services = page_services(request)  # the office's partition
        office, scope = services.office_export_scope(actor, chosen.id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    data = build_export(services, page_engine(request), actor, scope, office, None,
                        start, end)
    return zip_response(data, filename(str(office.id)[:8], start, end))
