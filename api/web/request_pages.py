"""Service requests on a phone (/me/requests) and for the savings office (/staff/requests):
post a need (for oneself, for family, or — staff — for an elder without a phone), take an
open one of one's area, mark it done, confirm and rate it, or cancel, report a no-show,
dispute; staff dispatch (派单), confirm on the elder's behalf and resolve disputes. The same
services, gates and events as the API (api/routers/service_requests.py)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.routers.service_requests import minutes_or_none
from api.web.form_values import local_datetime
from api.web.i18n import LANGUAGES
from api.web.people_pages import coded_message
from api.web.rendering import render
from api.web.sessions import (
    check_csrf,
    gathered,
    page_actor,
    page_engine,
    page_partition,
    page_runner,
    page_services,
)
from projections import request_queries, time_queries
from timebank.application.idempotency import Idempotency
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.time_accounts import RELATIONS, minutes_of_hours
from timebank.domain.values import SHANGHAI
from timebank.domain.volunteers import Volunteer

router = APIRouter(include_in_schema=False)

# What a form may ask of a request, by the button that sent it.
STEPS = ("take", "give_back", "done", "confirm", "dispute", "cancel", "no_show", "dispatch",
         "resolve")


def _back(request: Request, path: str, outcome: dict[str, str]) -> Response:
    lang = request.query_params.get("lang")
    query = {**outcome, **({"lang": lang} if lang in LANGUAGES else {})}
    return RedirectResponse(f"{path}?" + urlencode(query), status_code=303)


def _idem(services: Any, actor: Actor, operation: str, key: str,
          payload: dict[str, Any]) -> Idempotency | None:
    """The form's own key (made when the page was drawn): a form sent twice — a double tap,
    a retry after a lost answer — is done once."""
    if not key:
        return None
    return services.idempotency(f"{actor.kind}:{actor.id}:{operation}", key[:200], payload)


def _page_context(request: Request, services: Any, actor: Actor, view: str,
                  office_id: str | None = None) -> dict[str, Any]:
    catch_up_for_read(page_runner(request))
    engine = page_engine(request)
    scope = services.request_list_scope(actor, office_id)
    return {"scope": scope, "engine": engine,
            "rows": request_queries.list_requests(engine, scope, view, limit=100)}


# -- the volunteer's (and the requester's) page ---------------------------------------------
@router.get("/me/requests", response_class=HTMLResponse)
def my_requests(request: Request, done: str = "", error: str = "",
                field: str = "") -> Response:
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    context = _page_context(request, services, actor, "mine")
    open_rows = request_queries.list_requests(context["engine"], context["scope"], "open",
                                              status="posted", limit=50)
    me = services.load(Volunteer, actor.id, "volunteer")
    banks = _other_banks(request, actor, str(me.bank_id))
    names = {bank["bank_id"]: bank["name"] for bank in banks}
    care = [{**row, "bank_name": names.get(row["to_bank_id"], "—")}
            for row in time_queries.care_holds_of(context["engine"], me.passbook_no)]
    return render(request, "requests.html", mine=context["rows"], open_rows=open_rows,
                  me=actor.id, relations=RELATIONS, tz=SHANGHAI, staff=False,
                  form_key=str(uuid.uuid4()), done=done, other_banks=banks,
                  care_elsewhere=care,
                  error=coded_message(request, error, field) if error else None)


def _other_banks(request: Request, actor: Actor, own_bank_id: str) -> list[dict[str, str]]:
    """The city's other open banks, from every partition's read models (names are public):
    where a family member's care can be paid from the caller's hours here."""
    found = gathered(request, actor, lambda p: time_queries.open_banks(p.engine), public=True)
    unique = {bank["bank_id"]: bank for bank in found if bank["bank_id"] != own_bank_id}
    return sorted(unique.values(), key=lambda bank: bank["name"])


@router.post("/me/requests")
def post_my_request(
    request: Request,
    category: Annotated[str, Form(max_length=30)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    notes: Annotated[str, Form(max_length=500)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    ends_at: Annotated[str, Form(max_length=20)] = "",
    beneficiary_passbook: Annotated[str, Form(max_length=20)] = "",
    relation: Annotated[str, Form(max_length=20)] = "",
    form_key: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    beneficiary_bank_id: Annotated[str, Form(max_length=36)] = "",
) -> Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    path = "/me/requests" if actor.kind == "volunteer" else "/staff/requests"
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        payload = {"category": category, "place": place, "notes": notes,
                   "starts_at": starts_at, "ends_at": ends_at,
                   "beneficiary_passbook": beneficiary_passbook, "relation": relation,
                   "beneficiary_bank_id": beneficiary_bank_id}
        idem = _idem(services, actor, "service-request-page", form_key, payload)
        starts, ends = (local_datetime(starts_at, "starts_at"),
                        local_datetime(ends_at, "ends_at"))
        # In the caller's bank, or (通存通兑) care in a family member's other bank.
        request.app.state.city_transfers.post_need(
            page_partition(request), actor, beneficiary_bank_id.strip(),
            beneficiary_passbook.strip(), category, relation, place, notes, starts, ends, idem)
    except DomainError as exc:
        return _back(request, path, {"error": exc.code,
                                     "field": str(exc.context.get("field", ""))})
    return _back(request, path, {"done": "posted"})


@router.post("/me/requests/{request_id}")
@router.post("/staff/requests/{request_id}")
def request_step(
    request: Request,
    request_id: str,
    step: Annotated[str, Form(max_length=20)] = "",
    hours: Annotated[str, Form(max_length=12)] = "",
    rating: Annotated[str, Form(max_length=1)] = "",
    text: Annotated[str, Form(max_length=500)] = "",
    passbook: Annotated[str, Form(max_length=20)] = "",
    form_key: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    path = "/me/requests" if actor.kind == "volunteer" else "/staff/requests"
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        if step not in STEPS:
            raise DomainError("invalid_input", "Unknown step.", field="step")
        _do_step(services, actor, request_id, step, hours, rating, text, passbook, form_key)
    except DomainError as exc:
        return _back(request, path, {"error": exc.code,
                                     "field": str(exc.context.get("field", ""))})
    return _back(request, path, {"done": step})


def _do_step(services: Any, actor: Actor, request_id: str, step: str, hours: str,
             rating: str, text: str, passbook: str, form_key: str) -> None:
    if step == "take":
        services.take_request(actor, request_id)
    elif step == "give_back":
        services.give_back_request(actor, request_id, text)
    elif step == "done":
        services.mark_request_done(actor, request_id, minutes_of_hours(hours), text)
    elif step == "confirm":
        if not rating.isdigit():
            raise DomainError("invalid_input", "rating: 1 to 5.", field="rating")
        payload = {"rating": int(rating), "comment": text}
        services.confirm_request(actor, request_id, int(rating), text, _idem(
            services, actor, f"request-confirm-page:{request_id}", form_key, payload))
    elif step == "dispute":
        services.dispute_request(actor, request_id, text)
    elif step == "cancel":
        services.cancel_request(actor, request_id, text)
    elif step == "no_show":
        services.report_no_show(actor, request_id, text)
    elif step == "dispatch":
        volunteer = services.volunteer_of_passbook(passbook.strip())
        services.dispatch_request(actor, request_id, volunteer.id)
    else:  # resolve
        payload = {"hours": hours, "reason": text}
        services.resolve_request(actor, request_id, minutes_or_none(hours or "0"), text, _idem(
            services, actor, f"request-resolve-page:{request_id}", form_key, payload))


# -- the savings office's page -------------------------------------------------------------
@router.get("/staff/requests", response_class=HTMLResponse)
def staff_requests(request: Request, done: str = "", error: str = "",
                   field: str = "") -> Response:
    actor = page_actor(request)
    if actor is None or actor.kind == "volunteer":
        return RedirectResponse("/staff/login?next=/staff/requests", status_code=303)
    services = page_services(request)
    try:
        scope = services.request_list_scope(actor, None)
    except DomainError as exc:
        from api.web.people_pages import error_page

        return error_page(request, exc)
    # A system administrator's list spans every partition, newest first.
    rows = sorted(gathered(request, actor, lambda p: request_queries.list_requests(
        p.engine, scope, "all", limit=100)),
        key=lambda row: (row["posted_at"], row["request_id"]), reverse=True)[:100]
    return render(request, "requests.html", mine=rows, open_rows=[],
                  me=actor.id, relations=RELATIONS, tz=SHANGHAI, staff=True,
                  form_key=str(uuid.uuid4()), done=done,
                  error=coded_message(request, error, field) if error else None)


@router.post("/staff/requests")
def post_staff_request(
    request: Request,
    category: Annotated[str, Form(max_length=30)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    notes: Annotated[str, Form(max_length=500)] = "",
    starts_at: Annotated[str, Form(max_length=20)] = "",
    ends_at: Annotated[str, Form(max_length=20)] = "",
    beneficiary_passbook: Annotated[str, Form(max_length=20)] = "",
    form_key: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """代办: staff post for an elder without a phone."""
    return post_my_request(request, category, place, notes, starts_at, ends_at,
                           beneficiary_passbook, "", form_key, csrf)


@router.post("/staff/requests/elders/status")
def record_elder_status_page(
    request: Request,
    passbook: Annotated[str, Form(max_length=20)] = "",
    living_alone: Annotated[str, Form(max_length=3)] = "",
    minimum_income: Annotated[str, Form(max_length=3)] = "",
    disabled: Annotated[str, Form(max_length=3)] = "",
    evidence: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """老人情况登记: what staff saw, with the evidence (the pool's rule reads it)."""
    actor = page_actor(request)
    if actor is None or actor.kind == "volunteer":
        return RedirectResponse("/staff/login?next=/staff/requests", status_code=303)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        elder = services.volunteer_of_passbook(passbook.strip())
        services.record_elder_status(actor, elder.id, living_alone == "yes",
                                     minimum_income == "yes", disabled == "yes", evidence)
    except DomainError as exc:
        return _back(request, "/staff/requests", {"error": exc.code,
                                                  "field": str(exc.context.get("field", ""))})
    return _back(request, "/staff/requests", {"done": "elder_status"})


@router.post("/staff/requests/elders/grant")
def grant_pool_hours_page(
    request: Request,
    passbook: Annotated[str, Form(max_length=20)] = "",
    hours: Annotated[str, Form(max_length=12)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    form_key: Annotated[str, Form(max_length=100)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """公益时间池发放 to a priority elder."""
    actor = page_actor(request)
    if actor is None or actor.kind == "volunteer":
        return RedirectResponse("/staff/login?next=/staff/requests", status_code=303)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        payload = {"passbook": passbook, "hours": hours, "reason": reason}
        services.grant_pool_hours(actor, passbook.strip(), minutes_of_hours(hours), reason,
                                  _idem(services, actor, "pool-grant-page", form_key, payload))
    except DomainError as exc:
        return _back(request, "/staff/requests", {"error": exc.code,
                                                  "field": str(exc.context.get("field", ""))})
    return _back(request, "/staff/requests", {"done": "grant"})
