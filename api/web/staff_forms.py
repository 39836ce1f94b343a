"""The coordinator's two everyday forms: entering service hours for a volunteer (代录) and
registering a volunteer. Both call the same commands as the API, in the same scopes."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.errors import STATUS_BY_CODE
from api.web.coordinator_pages import operated_office, window_text
from api.web.form_values import calendar_date, local_datetime, local_input, refusal_text
from api.web.people_pages import (
    error_page,
    redirect_to_login,
    staff_actor,
    staff_posting,
)
from api.web.rendering import render
from api.web.sessions import page_engine, page_runner, page_services
from projections import queries
from timebank.application.authz import OPERATIONS
from timebank.application.volunteers import Guardian
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.values import is_valid_passbook_no, utc_now
from timebank.domain.volunteers import Volunteer

router = APIRouter(include_in_schema=False)


def find_volunteer(services: Any, passbook_or_phone: str) -> Volunteer:
    """By passbook number (12 digits, Luhn) or by mobile phone, as staff know them."""
    value = passbook_or_phone.strip().replace(" ", "")
    if is_valid_passbook_no(value):
        try:
            return services.load_volunteer(services.load_passbook(value).volunteer_id)
        except DomainError:
            pass
    else:
        volunteer = services.find_volunteer_by_phone(value)
        if volunteer is not None:
            return volunteer
    raise DomainError("not_found", "No volunteer with this passbook or phone.",
                      field="volunteer")


# -- 代录 -----------------------------------------------------------------------------------
def _entry_form(request: Request, actor: Actor, office: Office, *, status: int = 200,
                form: dict[str, str] | None = None, error: str | None = None,
                done: dict[str, Any] | None = None) -> HTMLResponse:
    engine = page_engine(request)
    catch_up_for_read(page_runner(request))
    scope = page_services(request).read_scope(actor, OPERATIONS, office.id)
    choices = [
        {**row, "window": window_text(row["starts_at"], row["ends_at"])}
        for row in queries.activities_of_offices(engine, scope, limit=100)
        if not row["cancelled"]
    ]
    form = dict(form or {})
    chosen = next((row for row in choices if row["id"] == form.get("activity_id")), None)
    if chosen is not None:  # the chosen activity's window is the likeliest service time
        form.setdefault("started_at", local_input(chosen["starts_at"]))
        # Still running: service cannot end in the future, so it ends now at the latest.
        now = utc_now().replace(second=0, microsecond=0)
        ends = chosen["ends_at"] if chosen["ends_at"] <= now or now <= chosen["starts_at"] \
            else now
        form.setdefault("ended_at", local_input(ends))
    return render(request, "service_entry.html", status, keep_query={"office_id": str(office.id)},
                  office=office, activities=choices, form=form, error=error, done=done,
                  key=form.get("key") or uuid.uuid4().hex)


def _entered(request: Request, actor: Actor, record_id: str) -> dict[str, Any] | None:
    """What the last entry recorded, for its confirmation; only inside the actor's scope."""
    services = page_services(request)
    try:
        record = services.read_service_record(actor, record_id)
    except DomainError:
        return None
    catch_up_for_read(page_runner(request))  # the entry just saved, not a stale row
    row = queries.service_record(page_engine(request), str(record.id))
    if row is None:
        return None
    person = services.personal_data(services.load_volunteer(record.volunteer_id))
    return {**row, "name_masked": person.name_masked}


@router.get("/staff/entries", response_class=HTMLResponse)
def entry_form(request: Request, office_id: str = "", activity_id: str = "",
               done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _entry_form(request, actor, office, form={"activity_id": activity_id},
                       done=_entered(request, actor, done) if done else None)


@router.post("/staff/entries", response_class=HTMLResponse)
def enter_service(
    request: Request,
    activity_id: Annotated[str, Form(max_length=64)] = "",
    volunteer: Annotated[str, Form(max_length=30)] = "",
    started_at: Annotated[str, Form(max_length=30)] = "",
    ended_at: Annotated[str, Form(max_length=30)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """代录; the form's hidden key makes a double submit answer with the first record."""
    actor = staff_posting(request, csrf)
    services = page_services(request)
    form = {"activity_id": activity_id, "volunteer": volunteer, "started_at": started_at,
            "ended_at": ended_at, "note": note, "key": key}
    try:
        if not key:
            raise DomainError("invalid_input", "The form has no key; reload it.", field="key")
        start = local_datetime(started_at, "started_at")
        end = local_datetime(ended_at, "ended_at")
        # The activity's scope first: only its operators may look volunteers up by phone.
        activity = services.load_activity(activity_id)
        services.read_scope(actor, OPERATIONS, activity.office_id)
        person = find_volunteer(services, volunteer)
        idem = services.idempotency(
            f"user:{actor.id}:service-record-entry", key,
            {"activity_id": activity_id, "volunteer_id": str(person.id),
             "started_at": start.isoformat(), "ended_at": end.isoformat(), "note": note})
        record = services.enter_service_record(actor, person.id, activity_id, start, end,
                                               note.strip(), idem)
    except DomainError as exc:
        try:
            office = operated_office(request, actor, office_id)
        except DomainError as scope_exc:
            return error_page(request, scope_exc)
        # A refusal stored nothing: the redrawn form gets a fresh key, so that changing
        # a field and sending again is a new request, not a reused key.
        return _entry_form(request, actor, office, status=STATUS_BY_CODE.get(exc.code, 400),
                           form={**form, "key": ""}, error=refusal_text(request, exc))
    return RedirectResponse("/staff/entries?" + urlencode(
        {"office_id": office_id, "activity_id": activity_id, "done": str(record.id)}),
        status_code=303)


# -- volunteer registration -----------------------------------------------------------------
def _registration_form(request: Request, actor: Actor, office: Office, *, status: int = 200,
                       form: dict[str, str] | None = None, error: str | None = None,
                       done: dict[str, str] | None = None) -> HTMLResponse:
    engine = page_engine(request)
    catch_up_for_read(page_runner(request))
    scope = page_services(request).read_scope(actor, OPERATIONS, office.id)
    return render(request, "volunteer_registration.html", status,
                  keep_query={"office_id": str(office.id)}, office=office,
                  target_offices=queries.open_savings_offices(engine, scope),
                  form=form or {}, error=error, done=done)


@router.get("/staff/volunteers", response_class=HTMLResponse)
def registration_form(request: Request, office_id: str = "", done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
    except DomainError as exc:
        return error_page(request, exc)
    services = page_services(request)  # the office's partition
    registered = None
    if done:
        try:
            volunteer = services.load_volunteer(done)
            services.authorize_volunteer_read(actor, volunteer)
            registered = {"passbook_no": volunteer.passbook_no,
                          "name_masked": services.personal_data(volunteer).name_masked}
        except DomainError:
            registered = None
    return _registration_form(request, actor, office, done=registered)


@router.post("/staff/volunteers", response_class=HTMLResponse)
def register_volunteer(
    request: Request,
    office_id: Annotated[str, Form(max_length=64)] = "",
    name: Annotated[str, Form(max_length=50)] = "",
    phone: Annotated[str, Form(max_length=20)] = "",
    id_number: Annotated[str, Form(max_length=18)] = "",
    pin: Annotated[str, Form(max_length=6)] = "",
    birth_date: Annotated[str, Form(max_length=10)] = "",
    guardian_name: Annotated[str, Form(max_length=50)] = "",
    guardian_relation: Annotated[str, Form(max_length=20)] = "",
    guardian_consented_on: Annotated[str, Form(max_length=10)] = "",
    guardian_phone: Annotated[str, Form(max_length=20)] = "",
    console_office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    try:
        # The guardian only when named: an adult's form leaves the fieldset empty.
        guardian = Guardian(
            name=guardian_name, relation=guardian_relation,
            consented_on=calendar_date(guardian_consented_on, "guardian"),
            phone=guardian_phone.strip()) if guardian_name.strip() else None
        volunteer = services.register_volunteer(
            actor, name, phone, id_number.strip() or None, office_id, pin,
            birth_date=calendar_date(birth_date, "birth_date") if birth_date.strip() else None,
            guardian=guardian)
    except DomainError as exc:
        try:
            office = operated_office(request, actor, console_office_id or office_id)
        except DomainError as scope_exc:
            return error_page(request, scope_exc)
        # The PIN is never sent back into the page.
        form = {"office_id": office_id, "name": name, "phone": phone, "id_number": id_number,
                "birth_date": birth_date, "guardian_name": guardian_name,
                "guardian_relation": guardian_relation,
                "guardian_consented_on": guardian_consented_on,
                "guardian_phone": guardian_phone}
        return _registration_form(request, actor, office,
                                  status=STATUS_BY_CODE.get(exc.code, 400),
                                  form=form, error=refusal_text(request, exc))
    return RedirectResponse("/staff/volunteers?" + urlencode(
        {"office_id": console_office_id or office_id, "done": str(volunteer.id)}),
        status_code=303)
