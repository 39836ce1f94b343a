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
from api.login_sessions import end_login, login_token
from api.rate_limits import client_address, guard_login, login_tries_left, phone_bucket
from api.web.error_pages import error_page as layout_error_page
from api.web.form_values import refusal_text, whole_number
from api.web.i18n import language_of, texts
from api.web.my_certificates import issued_certificate
from api.web.rendering import back_to_me, render
from api.web.sessions import (
    check_csrf,
    end_session,
    gathered,
    page_actor,
    page_engine,
    page_runner,
    page_services,
    session_claims,
    start_session,
    use_partition,
)
from projections import kiosk_queries, page_queries, queries
from projections.tables import activities
from timebank.application.authz import OPERATIONS, SERVICE_RECORDS
from timebank.domain.errors import MESSAGES, DomainError
from timebank.domain.values import SHANGHAI, utc_now
from timebank.security.api_keys import ApiKeys
from timebank.security.cards import card_payload

router = APIRouter(include_in_schema=False)


def qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12)
    return image.to_string(encoding="unicode")


def page_message(request: Request, exc: DomainError) -> str:
    retry_at = exc.context.get("retry_at") if exc.code == "rate_limited" else None
    if retry_at is not None:  # when the person may try again, in Beijing time
        moment = retry_at.astimezone(SHANGHAI).strftime("%H:%M")
        return texts(language_of(request))["rate_limited_until"].format(time=moment)
    return exc.message_zh if language_of(request) == "zh" else exc.message


def login_refusal(request: Request, exc: DomainError, kind: str, account: str) -> str:
    """A refused login in words, with the tries left from this address after a wrong one."""
    message = page_message(request, exc)
    if exc.code in ("wrong_phone_or_pin", "invalid_credentials"):
        left = login_tries_left(request.app.state.rate_limiter, kind, account,
                                client_address(request))
        if left is not None:
            message += texts(language_of(request))["login_tries_left"].format(n=left)
    return message


def coded_message(request: Request, code: str, field: str = "") -> str | None:
    """The words for an error code (and the form field it names) passed along a redirect;
    None for anything else. Only words of our own tables reach the page."""
    if code not in MESSAGES:
        return None
    return refusal_text(request, DomainError(code, field=field) if field else DomainError(code))


def error_page(request: Request, exc: DomainError) -> HTMLResponse:
    """A refusal as a page in the site's layout (api/web/error_pages.py)."""
    return layout_error_page(request, exc)


def _safe_next(next_url: str, default: str) -> str:
    # Only our own paths: never an open redirect to another site.
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else default


# -- volunteers -----------------------------------------------------------------------------
@router.get("/me", response_class=HTMLResponse)
def my_passbook(request: Request, given: Annotated[int, Query(ge=0, le=10**9)] = 0,
                gift_error: str = "", cert: Annotated[str, Query(max_length=500)] = "",
                cert_error: str = "", cert_field: str = "",
                to: Annotated[str, Query(max_length=20)] = ""
                ) -> Response:
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
    gift_result = (t["gift_done_to"].format(points=given, balance=passbook["balance_points"],
                                            name=_recipient_name(services, actor,
                                                                 volunteer.passbook_no, to),
                                            passbook=to[-4:])
                   if given and to else
                   t["gift_done"].format(points=given, balance=passbook["balance_points"])
                   if given else coded_message(request, gift_error))
    history = list(reversed(passbook["entries"]))
    counterparts = page_queries.entry_counterparts(engine, volunteer.passbook_no,
                                                   [entry["ref"] for entry in history])
    for entry in history:
        other = counterparts.get(entry["ref"], {})
        if "volunteer_id" in other:  # the other passbook of a gift, masked
            person = services.personal_data(services.load_volunteer(other["volunteer_id"]))
            entry["counterpart"] = t["history_person"].format(
                name=person.name_masked, passbook=other["passbook_no"][-4:])
        else:
            entry["counterpart"] = other.get("activity", "")
    return render(request, "me.html", name=services.personal_data(volunteer).name,
                  passbook=passbook, history=history, card_svg=card, tz=SHANGHAI,
                  gift_result=gift_result,
                  gift_ok=bool(given), gift_key=uuid.uuid4().hex,
                  records=queries.records_with_titles(
                      engine, services.read_scope(actor, SERVICE_RECORDS), limit=30),
                  certificate=issued_certificate(services, actor, cert) if cert else None,
                  cert_error=(t["no_services_in_period"] if cert_error == "no_services"
                              else coded_message(request, cert_error, cert_field)),
                  cert_from=date(today.year, 1, 1).isoformat(),
                  cert_to=today.isoformat(),
                  star_level=queries.star_level(engine, actor.id)["level"])


def _recipient_name(services: Any, actor: Any, own_passbook: str, to: str) -> str:
    try:
        return services.gift_recipient(actor, own_passbook, to)["name_masked"]
    except DomainError:
        return "—"


@router.post("/me/give/check", response_class=HTMLResponse)
def check_gift(
    request: Request,
    to_passbook: Annotated[str, Form(max_length=20)],
    points: Annotated[str, Form(max_length=10)],
    key: Annotated[str, Form(max_length=64)],
    note: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Before 转赠: whom the points go to (masked), for the giver to confirm or go back."""
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/me", status_code=303)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        amount = whole_number(points, "points")
        if amount <= 0:
            raise DomainError("invalid_points")
        volunteer = services.load_volunteer(actor.id)
        recipient = services.gift_recipient(actor, volunteer.passbook_no, to_passbook.strip())
    except DomainError as exc:
        return back_to_me(request, {"gift_error": exc.code}, "#give")
    return render(request, "give_confirm.html", recipient=recipient, points=amount, note=note,
                  key=key)


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
        outcome = {"given": str(amount), "to": to_passbook.strip()}
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
        guard_login(request.app.state.rate_limiter, "login", phone_bucket(phone),
                    client_address(request))
        # The session names the partition the phone is registered in, as the API's token does.
        home = runtime.partitions.for_phone(phone)
        volunteer = home.app.authenticate_volunteer(phone, pin)
    except DomainError as exc:
        return render(request, "login.html", STATUS_BY_CODE.get(exc.code, 400),
                      heading_key="my_passbook", action="/me/login", next_url=next, staff=False,
                      error=login_refusal(request, exc, "login", phone_bucket(phone)))
    response = RedirectResponse(_safe_next(next, "/me"), status_code=303)
    start_session(request, response, login_token(request, home, "volunteer", volunteer),
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
    # Logout ends the session's token, not just the cookie (the account's other sessions
    # go on; the sessions page ends those).
    end_login(request, session_claims(request), actor)
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
        raise PageAnswer(error_page(request, exc)) from exc
    return actor


@router.get("/staff/login", response_class=HTMLResponse)
def staff_login_page(request: Request, next: str = "/staff") -> Response:
    return render(request, "login.html", heading_key="staff_login", action="/staff/login",
                  next_url=next, staff=True, error=None)


@router.post("/staff/login", response_class=HTMLResponse)
def staff_login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    runtime = request.app.state.runtime
    try:
        check_csrf(request, csrf)
        address = client_address(request)
        guard_login(request.app.state.rate_limiter, "staff-login", username.strip().lower(),
                    address)
        home = runtime.partitions.for_username(username)
        user = home.app.authenticate_user(username, password, source=address)
    except DomainError as exc:
        if exc.code == "password_change_required":  # the one step open after a reset
            return RedirectResponse("/staff/password-expired?" + urlencode(
                {"username": username, "next": next}), status_code=303)
        return render(request, "login.html", STATUS_BY_CODE.get(exc.code, 400),
                      heading_key="staff_login", action="/staff/login", next_url=next,
                      staff=True,
                      error=login_refusal(request, exc, "staff-login", username.strip().lower()))
    response = RedirectResponse(_safe_next(next, "/staff"), status_code=303)
    start_session(request, response, login_token(request, home, "user", user),
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
             "status": row["status"], "source": row["source"]} for row in rows]


@router.get("/staff/kiosk-simulator", response_class=HTMLResponse)
def kiosk_simulator(request: Request) -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    # The goods of the office one works for, so the form can be filled in at once.
    services = page_services(request)
    catalog: list[dict[str, Any]] = []
    try:
        scope = services.read_scope(actor, OPERATIONS)
        # A system administrator's first office may live in any partition.
        offices = sorted(gathered(request, actor,
                                  lambda p: queries.open_savings_offices(p.engine, scope)),
                         key=lambda o: (o["name"], o["id"]))
        if offices:
            use_partition(request, offices[0]["id"])
            catch_up_for_read(page_runner(request))
            catalog = kiosk_queries.catalog(page_engine(request), offices[0]["id"])
    except DomainError:
        catalog = []
    return render(request, "kiosk_simulator.html", result=None, ok=False, catalog=catalog,
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
    # The kiosk's own path: its key leads to its bank's partition, as in the API.
    services = use_partition(request, ApiKeys.kiosk_id_of(api_key)).app
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
