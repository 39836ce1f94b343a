"""Pages people use: a volunteer's own passbook (/me) and the coordinator's live check-in
code and pending approvals (/staff/…). Same sessions, roles and scopes as the API."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read
from api.errors import STATUS_BY_CODE
from api.rate_limits import LOGIN_LIMIT, phone_bucket
from api.web.form_values import refusal_text, whole_number
from api.web.i18n import language_of, texts
from api.web.my_certificates import issued_certificate
from api.web.rendering import back_to_me, render
from api.web.sessions import (
    check_csrf,
    end_session,
    page_actor,
    page_engine,
    page_runner,
    page_services,
    start_session,
)
from projections import kiosk_queries, queries
from projections.tables import activities
from timebank.application.authz import OPERATIONS, SERVICE_RECORDS
from timebank.domain.errors import MESSAGES, DomainError
from timebank.domain.values import SHANGHAI, utc_now
from timebank.security.cards import card_payload

router = APIRouter(include_in_schema=False)


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return image.to_string(encoding="unicode")


def page_message(request: Request, exc: DomainError) -> str:
    return MESSAGES[exc.code][1] if language_of(request) == "zh" else exc.message


def coded_message(request: Request, code: str, field: str = "") -> str | None:
    """The words for an error code (and the form field it names) passed along a redirect;
    None for anything else. Only words of our own tables reach the page."""
    if code not in MESSAGES:
        return None
    return refusal_text(request, DomainError(code, field=field) if field else DomainError(code))


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    return HTMLResponse(page_message(request, exc),
                        status_code=STATUS_BY_CODE.get(exc.code, 400))


def _safe_next(next_url: str, default: str) -> str:
    # Only our own paths: never an open redirect to another site.
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else default


# -- volunteers -----------------------------------------------------------------------------
@router.get("/me", response_class=HTMLResponse)
def my_passbook(request: Request, given: Annotated[int, Query(ge=0, le=10**9)] = 0,
                gift_error: str = "", cert: str = "", cert_error: str = "",
                cert_field: str = "") -> Response:
    """The volunteer's passbook. Outcomes of the forms arrive as codes and numbers, never as
    text: the page says only what it itself words (no message planted in a link)."""
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return render(request, "login.html", heading_key="my_passbook", action="/me/login",
                      next_url="/me", staff=False, error=None)
    services = page_services(request)
    engine = page_engine(request)
    volunteer = services.load_volunteer(actor.id)
    catch_up_for_read(page_runner(request))
    passbook = queries.passbook_view(engine, volunteer.passbook_no, limit=30)
    card = qr_svg(card_payload(services.settings.resolved_secret_key, volunteer.passbook_no))
    today = utc_now().astimezone(SHANGHAI).date()
    t = texts(language_of(request))
    gift_result = (t["gift_done"].format(points=given, balance=passbook["balance_points"])
                   if given else coded_message(request, gift_error))
    return render(request, "me.html", name=services.personal_data(volunteer).name,
                  passbook=passbook, card_svg=card, tz=SHANGHAI, gift_result=gift_result,
                  gift_ok=bool(given), gift_key=uuid.uuid4().hex,
                  records=queries.records_with_titles(
                      engine, services.read_scope(actor, SERVICE_RECORDS), limit=30),
                  certificate=issued_certificate(services, actor, cert) if cert else None,
                  cert_error=(t["no_services_in_period"] if cert_error == "no_services"
                              else coded_message(request, cert_error, cert_field)),
                  cert_from=date(today.year, 1, 1).isoformat(),
                  cert_to=today.isoformat())


@router.post("/me/give")
def give_points(
    request: Request,
    to_passbook: Annotated[str, Form(max_length=20)],
    points: Annotated[str, Form(max_length=10)],
    key: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """转赠 from the volunteer's own page; the form's key makes a double submit harmless."""
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        amount = whole_number(points, "points")
        volunteer = services.load_volunteer(actor.id)
        idem = services.idempotency(f"volunteer:{actor.id}:transfer", key,
                                    {"to": to_passbook, "points": amount, "note": note})
        services.transfer_points(actor, volunteer.passbook_no, to_passbook.strip(), amount,
                                 note, idem)
        outcome = {"given": str(amount)}
    except DomainError as exc:
        outcome = {"gift_error": exc.code}
    return back_to_me(request, outcome)


@router.post("/me/login", response_class=HTMLResponse)
def my_login(
    request: Request,
    phone: Annotated[str, Form(max_length=20)],
    pin: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=200)] = "/me",
) -> Response:
    runtime = request.app.state.runtime
    try:
        check_csrf(request, csrf)
        request.app.state.rate_limiter.hit_limit("login", phone_bucket(phone), LOGIN_LIMIT)
        # The session names the partition the phone is registered in, as the API's token does.
        home = runtime.partitions.for_phone(phone)
        volunteer = home.app.authenticate_volunteer(phone, pin)
    except DomainError as exc:
        return render(request, "login.html", STATUS_BY_CODE.get(exc.code, 400),
                      heading_key="my_passbook", action="/me/login", next_url=next, staff=False,
                      error=page_message(request, exc))
    response = RedirectResponse(_safe_next(next, "/me"), status_code=303)
    start_session(request, response,
                  runtime.signer.issue(str(volunteer.id), "volunteer", home.token_claim),
                  runtime.signer.ttl_seconds)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    actor = page_actor(request)
    # Staff leave to their own login page, volunteers to theirs.
    home = "/staff/login" if actor is not None and actor.kind == "user" else "/me"
    try:
        check_csrf(request, csrf)
    except DomainError:
        return RedirectResponse(home, status_code=303)
    response = RedirectResponse(home, status_code=303)
    end_session(response)
    return response


# -- staff ----------------------------------------------------------------------------------
def staff_actor(request: Request) -> Any:
    actor = page_actor(request)
    return actor if actor is not None and actor.kind == "user" else None


def redirect_to_login(request: Request) -> Response:
    target = request.url.path + ("?" + request.url.query if request.url.query else "")
    return RedirectResponse("/staff/login?" + urlencode({"next": target}), status_code=303)


class PageAnswer(Exception):
    """What a page sends instead of itself (the login, a refusal); api/app.py sends it."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def staff_posting(request: Request, csrf: str) -> Any:
    """The staff member behind a form post, its CSRF token checked; else PageAnswer."""
    actor = staff_actor(request)
    if actor is None:
        raise PageAnswer(redirect_to_login(request))
    try:
        check_csrf(request, csrf)
    except DomainError as exc:
        raise PageAnswer(HTMLResponse(page_message(request, exc), status_code=403)) from exc
    return actor


@router.get("/staff/login", response_class=HTMLResponse)
def staff_login_page(request: Request, next: str = "/staff/approvals") -> Response:
    return render(request, "login.html", heading_key="staff_login", action="/staff/login",
                  next_url=next, staff=True, error=None)


@router.post("/staff/login", response_class=HTMLResponse)
def staff_login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff/approvals",
) -> Response:
    runtime = request.app.state.runtime
    try:
        check_csrf(request, csrf)
        request.app.state.rate_limiter.hit_limit("staff-login", username.strip().lower(),
                                                 LOGIN_LIMIT)
        home = runtime.partitions.for_username(username)
        user = home.app.authenticate_user(username, password)
    except DomainError as exc:
        return render(request, "login.html", STATUS_BY_CODE.get(exc.code, 400),
                      heading_key="staff_login", action="/staff/login", next_url=next,
                      staff=True,
                      error=page_message(request, exc))
    response = RedirectResponse(_safe_next(next, "/staff/approvals"), status_code=303)
    start_session(request, response, runtime.signer.issue(str(user.id), "user", home.token_claim),
                  runtime.signer.ttl_seconds)
    return response


@router.get("/staff/activities/{activity_id}/live", response_class=HTMLResponse)
def live_code(request: Request, activity_id: str, action: str = "check_in") -> Response:
    """The full-screen code for the door: a fresh live token at every refresh."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    if action not in ("check_in", "check_out"):
        action = "check_in"
    try:
        token = services.scan_token(actor, activity_id, action, "live")
        activity = services.load_activity(activity_id)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    with page_engine(request).connect() as conn:
        checked_in = conn.execute(
            activities.select().with_only_columns(activities.c.checked_in)
            .where(activities.c.activity_id == str(activity.id))
        ).scalar_one_or_none() or 0
    url = services.scan_url(token)
    period = services.settings.live_qr_period_seconds
    return render(request, "live_qr.html", activity=activity, action=action, scan_url=url,
                  qr_svg=qr_svg(url), checked_in=checked_in, refresh=max(period - 5, 5),
                  arrivals=_latest_arrivals(request, actor, activity))


LIVE_ARRIVALS = 12


def _latest_arrivals(request: Request, actor: Any, activity: Any) -> list[dict[str, str]]:
    """Who came in last, newest first: masked names only (the screen faces the door)."""
    services = page_services(request)
    scope = services.read_scope(actor, SERVICE_RECORDS, activity.office_id)
    rows = queries.list_service_records(page_engine(request), scope,
                                        activity_id=str(activity.id), limit=LIVE_ARRIVALS)
    return [{"name": services.personal_data(services.load_volunteer(row["volunteer_id"]))
             .name_masked,
             "at": row["started_at"].astimezone(SHANGHAI).strftime("%H:%M"),
             "status": row["status"]} for row in rows]


@router.get("/staff/approvals", response_class=HTMLResponse)
def approvals(request: Request, office_id: str = "", done: int = 0) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    office_id = office_id or (str(actor.office_id) if actor.office_id else "")
    try:
        office = services.load_office(office_id)
        scope = services.read_scope(actor, OPERATIONS, office.id)
    except DomainError as exc:
        return error_page(request, exc)
    engine = page_engine(request)
    catch_up_for_read(page_runner(request))
    records = queries.list_service_records(engine, scope, "pending")
    return render(request, "approvals.html", records=records, office_id=str(office.id),
                  done=done, tz=SHANGHAI)


@router.post("/staff/approvals")
def approve_selected(
    request: Request,
    office_id: str = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    ids: Annotated[list[str] | None, Form(max_length=500)] = None,
) -> Response:
    actor = staff_posting(request, csrf)
    ids = (ids or [])[:500]
    results = page_services(request).approve_many(actor, ids)
    done = sum(1 for result in results if result.get("status") == "approved")
    return RedirectResponse("/staff/approvals?" + urlencode(
        {"office_id": office_id, "done": done}), status_code=303)


@router.get("/staff/kiosk-simulator", response_class=HTMLResponse)
def kiosk_simulator(request: Request) -> Response:
    if staff_actor(request) is None:
        return redirect_to_login(request)
    return render(request, "kiosk_simulator.html", result=None, ok=False, catalog=[],
                  form_key=uuid.uuid4().hex)


@router.post("/staff/kiosk-simulator", response_class=HTMLResponse)
def kiosk_simulator_redeem(
    request: Request,
    api_key: Annotated[str, Form(max_length=200)],
    passbook: Annotated[str, Form(max_length=200)],
    pin: Annotated[str, Form(max_length=20)],
    sku: Annotated[str, Form(max_length=40)],
    quantity: Annotated[str, Form(max_length=3)] = "1",
    csrf: Annotated[str, Form(max_length=100)] = "",
    key: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """The kiosk's own path: its key, the passbook lookup, the PIN, one idempotent save
    (the form's hidden key: a double submit answers with the first redemption)."""
    if staff_actor(request) is None:
        return redirect_to_login(request)
    services = page_services(request)
    catalog: list[dict[str, Any]] = []
    try:
        check_csrf(request, csrf)
        kiosk = services.authenticate_kiosk(api_key)
        catch_up_for_read(page_runner(request))
        catalog = kiosk_queries.catalog(page_engine(request), str(kiosk.office_id))
        seen = services.kiosk_passbook_view(kiosk, passbook)
        count = whole_number(quantity, "quantity")
        idem = services.idempotency(f"kiosk:{kiosk.id}:simulator", key or uuid.uuid4().hex,
                                    {"passbook": passbook, "sku": sku, "quantity": count})
        body = services.redeem(kiosk, passbook, pin, [{"sku": sku, "quantity": count}], idem)
        result = texts(language_of(request))["kiosk_sim_done"].format(
            name=seen["name_masked"], points=body["points_spent"],
            balance=body["balance_after"], redemption=body["redemption_id"])
        ok = True
    except DomainError as exc:
        result, ok = page_message(request, exc), False
    # A fresh key for the next redemption; a resubmission of this one keeps its own.
    return render(request, "kiosk_simulator.html", result=result, ok=ok, catalog=catalog,
                  form_key=uuid.uuid4().hex if ok else key or uuid.uuid4().hex)
