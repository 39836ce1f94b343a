"""The scan page `/scan?t=…`: log in with phone + PIN, confirm, see the record."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import STATUS_BY_CODE
from api.login_sessions import end_login, login_token
from api.rate_limits import client_address, guard_login, phone_bucket
from api.web.form_values import optional_float
from api.web.people_pages import login_refusal, page_message
from api.web.rendering import render
from api.web.sessions import (
    check_csrf,
    end_session,
    page_actor,
    page_partition,
    session_claims,
    start_session,
    use_partition,
)
from timebank.application import TimebankApp
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, utc_now

router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    keep = {"t": context["token"]} if "token" in context else None
    return render(request, name, status, keep_query=keep, **context)


def _error_page(request: Request, exc: DomainError) -> HTMLResponse:
    return _render(request, "scan_error.html", STATUS_BY_CODE.get(exc.code, 400),
                   message=page_message(request, exc))


def _window(activity: Any) -> str:
    start = activity.starts_at.astimezone(SHANGHAI)
    end = activity.ends_at.astimezone(SHANGHAI)
    return f"{start:%Y-%m-%d %H:%M} – {end:%H:%M}"


def _activity_partition(request: Request, token: str) -> TimebankApp:
    """A scan page works where the code's activity lives (a forged code: the directory,
    which refuses it as ever)."""
    services: TimebankApp = request.app.state.runtime.app
    try:
        activity_id = services.scan_tokens.verify(token, utc_now()).activity_id
    except DomainError:
        activity_id = None
    return use_partition(request, activity_id).app


@router.get("/scan", response_class=HTMLResponse)
def scan_page(request: Request, t: str = "") -> Response:
    services = _activity_partition(request, t)
    try:
        claims, activity = services.read_scan_token(t)
    except DomainError as exc:
        return _error_page(request, exc)
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return _render(request, "scan_login.html", token=t, action=claims.action,
                       activity=activity, error=None)
    # Without the volunteer's consent the page does not ask the phone for its position.
    consented = actor.volunteer is not None and actor.volunteer.location_consent
    return _render(request, "scan_confirm.html", token=t, action=claims.action,
                   activity=activity, window=_window(activity), location_consent=consented)


@router.post("/scan/login", response_class=HTMLResponse)
def scan_login(
    request: Request,
    t: Annotated[str, Form(max_length=200)],
    phone: Annotated[str, Form(max_length=20)],
    pin: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    runtime = request.app.state.runtime
    services = _activity_partition(request, t)
    try:
        check_csrf(request, csrf)
        claims, activity = services.read_scan_token(t)
    except DomainError as exc:
        return _error_page(request, exc)
    try:
        guard_login(request.app.state.rate_limiter, "login", phone_bucket(phone),
                    client_address(request))
        # The volunteer logs in where the activity is: a code scans into its own bank.
        volunteer = services.authenticate_volunteer(phone, pin)
    except DomainError as exc:
        return _render(request, "scan_login.html", STATUS_BY_CODE.get(exc.code, 400),
                       token=t, action=claims.action, activity=activity,
                       error=login_refusal(request, exc, "login", phone_bucket(phone)))
    response = RedirectResponse("/scan?" + urlencode({"t": t}), status_code=303)
    start_session(request, response,
                  login_token(request, page_partition(request), "volunteer", volunteer),
                  runtime.signer.ttl_seconds)
    return response


@router.post("/scan/confirm", response_class=HTMLResponse)
def scan_confirm(
    request: Request,
    t: Annotated[str, Form(max_length=200)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    latitude: Annotated[str, Form(max_length=20)] = "",
    longitude: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    services = _activity_partition(request, t)
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/scan?" + urlencode({"t": t}), status_code=303)
    try:
        check_csrf(request, csrf)
        position = _position(latitude, longitude)
        result = services.scan(actor, t, position)
    except DomainError as exc:
        return _error_page(request, exc)
    return _render(request, "scan_result.html", result=result)


@router.post("/scan/logout")
def scan_logout(
    request: Request,
    t: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        check_csrf(request, csrf)
    except DomainError as exc:
        return _error_page(request, exc)
    # The session's token stops working, not just the cookie.
    end_login(request, session_claims(request), page_actor(request))
    response = RedirectResponse("/scan?" + urlencode({"t": t}), status_code=303)
    end_session(response)
    return response


def _position(latitude: str, longitude: str) -> tuple[float, float] | None:
    if not latitude or not longitude:
        return None
    try:
        lat, lng = optional_float(latitude, "latitude"), optional_float(longitude, "longitude")
    except DomainError:
        return None
    if lat is None or lng is None:
        return None
    if -90 <= lat <= 90 and -180 <= lng <= 180:
        return lat, lng
    return None
