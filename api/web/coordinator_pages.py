"""The coordinator's console: the offices' activities, a form to plan one, the savings
office's totals, and the printable check-in and check-out codes of an activity."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.errors import STATUS_BY_CODE
from api.web.form_values import (
    local_datetime,
    optional_float,
    optional_int,
    refusal_text,
)
from api.web.i18n import language_of
from api.web.people_pages import (
    error_page,
    qr_svg,
    redirect_to_login,
    staff_actor,
    staff_posting,
)
from api.web.rendering import render
from api.web.sessions import (
    gathered,
    page_engine,
    page_runner,
    page_services,
    use_partition,
)
from projections import queries
from timebank.application.authz import OPERATIONS
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office
from timebank.domain.values import SHANGHAI, utc_now
from timebank.domain.vocabulary import SERVICE_CATEGORY

router = APIRouter(include_in_schema=False)

ACTIVITY_FIELDS = ("office_id", "title", "category", "location", "starts_at", "ends_at",
                   "capacity", "approval_policy", "latitude", "longitude", "radius_m",
                   "geofence_mode", "content", "beneficiary", "minors", "required_training",
                   "requires_insurance", "insurance_ref")


def window_text(starts_at: datetime, ends_at: datetime) -> str:
    """Beijing time; the end's date only when it is another day."""
    start, end = starts_at.astimezone(SHANGHAI), ends_at.astimezone(SHANGHAI)
    end_format = "%H:%M" if start.date() == end.date() else "%Y-%m-%d %H:%M"
    return f"{start:%Y-%m-%d %H:%M} – {end.strftime(end_format)}"


def activity_state(row: dict[str, Any], now: datetime) -> str:
    if row["cancelled"]:
        return "cancelled"
    if now < row["starts_at"]:
        return "upcoming"
    return "running" if now <= row["ends_at"] else "ended"


def operated_office(request: Request, actor: Actor, office_id: str) -> Office:
    """The office a staff page works on: the one asked for, else the actor's own (an
    administrator without one gets the first savings office); refused out of scope."""
    services = page_services(request)
    scope = services.read_scope(actor, OPERATIONS, office_id or None)
    if scope.office_id is None:  # everything: an administrator without an office
        first = switchable_offices(request, actor)
        if not first:
            raise DomainError("not_found", "office not found.")
        # The page then works in that office's partition.
        services = use_partition(request, first[0]["id"]).app
        scope = services.read_scope(actor, OPERATIONS, first[0]["id"])
    return services.load_office(scope.office_id)


def switchable_offices(request: Request, actor: Actor) -> list[dict[str, str]]:
    """The open savings offices a staff page may switch to, by name: a system
    administrator's span every partition."""
    scope = page_services(request).read_scope(actor, OPERATIONS)
    return sorted(gathered(request, actor,
                           lambda p: queries.open_savings_offices(p.engine, scope)),
                  key=lambda o: (o["name"], o["id"]))


def _console(request: Request, actor: Actor, office: Office, *, status: int = 200,
             form: dict[str, str] | None = None, error: str | None = None,
             created: bool = False) -> HTMLResponse:
    services = page_services(request)
    engine = page_engine(request)
    catch_up_for_read(page_runner(request))
    scope = services.read_scope(actor, OPERATIONS, office.id)
    now = utc_now()
    activities = [
        {**row, "state": activity_state(row, now),
         "window": window_text(row["starts_at"], row["ends_at"])}
        for row in queries.activities_of_offices(engine, scope, limit=100)
    ]
    rollup = queries.rollup(engine, str(office.id), None, None)
    return render(
        request, "coordinator_console.html", status, keep_query={"office_id": str(office.id)},
        office=office, activities=activities,
        totals=rollup["totals"] if rollup else None,
        switch_offices=switchable_offices(request, actor),
        target_offices=queries.open_savings_offices(engine, scope),
        # The vocabulary's categories, and any other the bank's point rules name.
        categories=SERVICE_CATEGORY.choices(language_of(request),
                                            list(services.bank_of(office).category_multipliers)),
        form=form or {}, error=error, created=created,
    )


@router.get("/staff/activities", response_class=HTMLResponse)
def console(request: Request, office_id: str = "", created: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    try:
        office = operated_office(request, actor, office_id)
    except DomainError as exc:
        return error_page(request, exc)
    return _console(request, actor, office, created=bool(created))


@router.post("/staff/activities", response_class=HTMLResponse)
def plan_activity(
    request: Request,
    office_id: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    category: Annotated[str, Form(max_length=50)] = "",
    location: Annotated[str, Form(max_length=200)] = "",
    starts_at: Annotated[str, Form(max_length=30)] = "",
    ends_at: Annotated[str, Form(max_length=30)] = "",
    capacity: Annotated[str, Form(max_length=10)] = "",
    approval_policy: Annotated[str, Form(max_length=30)] = "manual",
    latitude: Annotated[str, Form(max_length=20)] = "",
    longitude: Annotated[str, Form(max_length=20)] = "",
    radius_m: Annotated[str, Form(max_length=10)] = "",
    geofence_mode: Annotated[str, Form(max_length=10)] = "flag",
    content: Annotated[str, Form(max_length=1000)] = "",
    beneficiary: Annotated[str, Form(max_length=200)] = "",
    minors: Annotated[str, Form(max_length=20)] = "closed",
    required_training: Annotated[str, Form(max_length=100)] = "",
    requires_insurance: Annotated[str, Form(max_length=5)] = "",
    insurance_ref: Annotated[str, Form(max_length=100)] = "",
    console_office_id: Annotated[str, Form(max_length=64)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Plans an activity with the application's own command; a refusal keeps the form."""
    actor = staff_posting(request, csrf)
    form = dict(zip(ACTIVITY_FIELDS, (office_id, title, category, location, starts_at,
                                      ends_at, capacity, approval_policy, latitude, longitude,
                                      radius_m, geofence_mode, content, beneficiary, minors,
                                      required_training, requires_insurance, insurance_ref),
                    strict=True))
    services = page_services(request)
    try:
        activity = services.plan_activity(
            actor, office_id, title, category,
            local_datetime(starts_at, "starts_at"), local_datetime(ends_at, "ends_at"),
            location,
            capacity=optional_int(capacity, "capacity"),
            approval_policy=approval_policy or None,
            latitude=optional_float(latitude, "latitude"),
            longitude=optional_float(longitude, "longitude"),
            radius_m=optional_int(radius_m, "radius_m"),
            geofence_mode=geofence_mode or None,
            # What a service entry takes from its activity, and who may attend it.
            content=content.strip() or None, beneficiary=beneficiary.strip() or None,
            minors=minors or None, required_training=required_training.strip() or None,
            requires_insurance=bool(requires_insurance) or None,
            insurance_ref=insurance_ref.strip() or None,
        )
    except DomainError as exc:
        try:
            office = operated_office(request, actor, console_office_id or office_id)
        except DomainError as scope_exc:
            return error_page(request, scope_exc)
        return _console(request, actor, office, status=STATUS_BY_CODE.get(exc.code, 400),
                        form=form, error=refusal_text(request, exc))
    back = console_office_id or str(activity.office_id)
    return RedirectResponse("/staff/activities?" + urlencode(
        {"office_id": back, "created": str(activity.id)}), status_code=303)


@router.get("/staff/activities/{activity_id}/print", response_class=HTMLResponse)
def printable_codes(request: Request, activity_id: str) -> Response:
    """The check-in and check-out codes to print: valid for the activity plus its grace."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    try:
        codes = {action: services.scan_url(services.scan_token(actor, activity_id, action))
                 for action in ("check_in", "check_out")}
        activity = services.load_activity(activity_id)
    except DomainError as exc:
        return error_page(request, exc)
    return render(request, "printable_codes.html", activity=activity,
                  window=window_text(activity.starts_at, activity.ends_at),
                  codes={action: qr_svg(url) for action, url in codes.items()},
                  urls=codes)
