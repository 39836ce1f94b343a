"""A volunteer's own record (/me/records, 我的志愿记录): what the office keeps about them
(basic data, services with their evaluations), and the consents that are theirs to give or
withdraw. The same services, gates and events as the API."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.web.form_values import local_datetime
from api.web.i18n import LANGUAGES
from api.web.people_pages import coded_message
from api.web.rendering import render
from api.web.sessions import check_csrf, page_actor, page_engine, page_runner, page_services
from projections import queries, record_queries, request_queries
from timebank.application.authz import SERVICE_RECORDS, VOLUNTEER_RECORDS
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, shanghai_date, utc_now

router = APIRouter(include_in_schema=False)


def volunteer_actor(request: Request) -> Actor | None:
    actor = page_actor(request)
    return actor if actor is not None and actor.kind == "volunteer" else None


def back_to_records(request: Request, outcome: dict[str, str], anchor: str = "") -> Response:
    """After a form: back to the page with the outcome as codes, in the form's language."""
    lang = request.query_params.get("lang")
    query = {**outcome, **({"lang": lang} if lang in LANGUAGES else {})}
    return RedirectResponse("/me/records?" + urlencode(query) + anchor, status_code=303)


@router.get("/me/records", response_class=HTMLResponse)
def my_records(request: Request, done: str = "", error: str = "",
               field: str = "") -> Response:
    actor = volunteer_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    volunteer = actor.volunteer or services.load_volunteer(actor.id)
    catch_up_for_read(page_runner(request))
    person = services.personal_data(volunteer)
    records = queries.records_with_titles(
        page_engine(request), services.read_scope(actor, SERVICE_RECORDS), limit=200)
    return render(request, "my_records.html", volunteer=volunteer, person=person,
                  age=person.age_on(shanghai_date(utc_now())),
                  guardian=services.guardian_of(volunteer),
                  national_no=services.national_number(volunteer), records=records,
                  star=queries.star_level(page_engine(request), str(volunteer.id)),
                  tz=SHANGHAI, done=done,
                  staff_names=services.usernames(
                      [r["person_in_charge_id"] for r in records]
                      + [r["recorder_id"] for r in records]),
                  error=coded_message(request, error, field) if error else None,
                  **extra_sections(request, services, actor, volunteer))


def extra_sections(request: Request, services: Any, actor: Actor,
                   volunteer: Any) -> dict[str, Any]:
    """The record's other parts: training, awards, complaints, corrections asked for."""
    engine = page_engine(request)
    mine = services.read_scope(actor, VOLUNTEER_RECORDS)
    today = shanghai_date(utc_now())
    return {
        "trainings": record_queries.trainings_of(engine, str(volunteer.id)),
        "awards": record_queries.awards_of(engine, str(volunteer.id)),
        "requests_served": request_queries.served_summary(engine, str(volunteer.id)),
        "complaints": record_queries.list_complaints(engine, mine),
        "corrections": record_queries.list_corrections(engine, mine, today),
        "missing_choices": [
            a for a in queries.activities_of_offices(
                engine, services.missing_entry_scope(actor), limit=60)
            if not a["cancelled"] and a["starts_at"] <= utc_now()],
    }


@router.post("/me/records/corrections")
def ask_correction(
    request: Request,
    kind: Annotated[str, Form(max_length=10)] = "",
    record_id: Annotated[str, Form(max_length=64)] = "",
    hours: Annotated[str, Form(max_length=10)] = "",
    activity_id: Annotated[str, Form(max_length=64)] = "",
    started_at: Annotated[str, Form(max_length=20)] = "",
    ended_at: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """更正申请 from the volunteer's own page: a wrong entry, or a missing one."""
    actor = volunteer_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        if kind == "wrong":
            services.ask_correction(actor, "wrong", reason, service_record_id=record_id,
                                    hours=hours or None)
        else:
            services.ask_correction(
                actor, "missing", reason, activity_id=activity_id,
                started_at=local_datetime(started_at, "started_at"),
                ended_at=local_datetime(ended_at, "ended_at"))
    except DomainError as exc:
        return back_to_records(request, {"error": exc.code,
                                         "field": str(exc.context.get("field", ""))},
                               "#corrections")
    return back_to_records(request, {"done": "correction"}, "#corrections")


@router.post("/me/records/location-consent")
def my_location_consent(
    request: Request,
    given: Annotated[str, Form(max_length=5)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = volunteer_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    try:
        check_csrf(request, csrf)
        page_services(request).set_location_consent(actor, actor.id, given == "yes")
    except DomainError as exc:
        return back_to_records(request, {"error": exc.code}, "#consents")
    return back_to_records(request, {"done": "consent"}, "#consents")
