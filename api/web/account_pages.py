"""The account lifecycle from the pages (issue 17), calling the same commands as the API:

- `/account`: one's own account — change the password (staff) or the PIN (volunteers) with
  the old one, list the open sessions, end one or all;
- `/staff/password-expired`: the one step open after an administrator's reset (the login
  page sends the account here instead of logging it in);
- `/staff/accounts`: the staff accounts of the administrator's part of the tree — disable,
  enable, reset the password, change the role, end every session;
- `/staff/volunteers/{id}/pin-reset`: a PIN reset at the savings office, the identity
  document checked and recorded.

Outcomes come back as codes after a redirect, never as text a link could plant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.errors import STATUS_BY_CODE
from api.login_sessions import login_token
from api.rate_limits import client_address, guard_login
from api.web.error_pages import error_page
from api.web.form_values import refusal_text
from api.web.people_pages import redirect_to_login, staff_actor, staff_posting
from api.web.rendering import render
from api.web.sessions import (
    check_csrf,
    end_session,
    gathered,
    page_actor,
    page_partition,
    page_services,
    session_claims,
    start_session,
)
from projections import page_queries
from projections.staff_queries import staff_list
from timebank.application.authz import ADMINISTRATION
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI

router = APIRouter(include_in_schema=False)

ACCOUNT_DONE = ("password_changed", "pin_changed", "session_ended")
STAFF_DONE = ("deactivate", "reactivate", "reset", "role", "sessions")


def _login_path(actor: Any) -> str:
    return "/staff/login" if actor is not None and actor.kind == "user" else "/me"


def _shown(iso_time: str) -> str:
    """A stored UTC time as Shanghai shows it."""
    return datetime.fromisoformat(iso_time).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def _safe_next(next_url: str, default: str) -> str:
    return next_url if next_url.startswith("/") and not next_url.startswith("//") else default


# -- one's own account ------------------------------------------------------------------------
def _account_page(request: Request, actor: Any, *, status: int = 200, error: str | None = None,
                  done: str = "") -> Response:
    claims = session_claims(request)
    services = page_services(request)
    sessions = [{**s, "current": claims is not None and s["session_id"] == claims.session,
                 "opened_at": _shown(s["opened_at"]), "expires_at": _shown(s["expires_at"])}
                for s in services.open_sessions(actor)]
    return render(request, "account.html", status, staff=actor.kind == "user",
                  sessions=sessions, error=error,
                  done=done if done in ACCOUNT_DONE else "")


@router.get("/account", response_class=HTMLResponse)
def my_account(request: Request, done: str = "") -> Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    return _account_page(request, actor, done=done)


def _signed_in_again(request: Request, kind: str, account: Any, done: str) -> Response:
    """After a change of secret every session ended, this one too: a new one for this page."""
    response = RedirectResponse("/account?" + urlencode({"done": done}), status_code=303)
    start_session(request, response, login_token(request, page_partition(request), kind, account),
                  request.app.state.runtime.signer.ttl_seconds)
    return response


@router.post("/account/password", response_class=HTMLResponse)
def change_my_password(
    request: Request,
    old_password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    address = client_address(request)
    try:
        guard_login(request.app.state.rate_limiter, "staff-login", f"user:{actor.id}", address)
        user = page_services(request).change_own_password(actor, old_password, new_password,
                                                          source=address)
    except DomainError as exc:
        return _account_page(request, actor, status=STATUS_BY_CODE.get(exc.code, 400),
                             error=refusal_text(request, exc))
    return _signed_in_again(request, "user", user, "password_changed")


@router.post("/account/pin", response_class=HTMLResponse)
def change_my_pin(
    request: Request,
    old_pin: Annotated[str, Form(max_length=20)],
    new_pin: Annotated[str, Form(max_length=20)],
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = page_actor(request)
    if actor is None or actor.kind != "volunteer":
        return RedirectResponse("/me", status_code=303)
    try:
        check_csrf(request, csrf)
        guard_login(request.app.state.rate_limiter, "login", f"volunteer:{actor.id}",
                    client_address(request))
        volunteer = page_services(request).change_own_pin(actor, old_pin, new_pin)
    except DomainError as exc:
        return _account_page(request, actor, status=STATUS_BY_CODE.get(exc.code, 400),
                             error=refusal_text(request, exc))
    return _signed_in_again(request, "volunteer", volunteer, "pin_changed")


@router.post("/account/sessions/end", response_class=HTMLResponse)
def end_my_session(
    request: Request,
    session_id: Annotated[str, Form(max_length=64)] = "",
    everywhere: Annotated[str, Form(max_length=10)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = page_actor(request)
    if actor is None:
        return RedirectResponse("/me", status_code=303)
    claims = session_claims(request)
    services = page_services(request)
    try:
        check_csrf(request, csrf)
        if everywhere:
            services.revoke_sessions(actor.kind, actor.id, actor, "signed out everywhere")
        else:
            services.close_session(actor, session_id, "ended on the sessions page")
    except DomainError as exc:
        return _account_page(request, actor, status=STATUS_BY_CODE.get(exc.code, 400),
                             error=refusal_text(request, exc))
    if everywhere or (claims is not None and claims.session == session_id):
        response = RedirectResponse(_login_path(actor), status_code=303)
        end_session(response)
        return response
    return RedirectResponse("/account?done=session_ended", status_code=303)


# -- the forced change after a reset ----------------------------------------------------------
@router.get("/staff/password-expired", response_class=HTMLResponse)
def expired_password_page(request: Request, username: str = "", next: str = "/staff") -> Response:
    return render(request, "password_expired.html", username=username[:64], next_url=next,
                  error=None)


@router.post("/staff/password-expired", response_class=HTMLResponse)
def change_expired_password(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    new_password: Annotated[str, Form(max_length=256)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "/staff",
) -> Response:
    runtime = request.app.state.runtime
    address = client_address(request)
    try:
        check_csrf(request, csrf)
        guard_login(request.app.state.rate_limiter, "staff-login", username.strip().lower(),
                    address)
        home = runtime.partitions.for_username(username)
        user = home.app.change_expired_password(username, password, new_password,
                                                source=address)
    except DomainError as exc:
        return render(request, "password_expired.html", STATUS_BY_CODE.get(exc.code, 400),
                      username=username, next_url=next, error=refusal_text(request, exc))
    response = RedirectResponse(_safe_next(next, "/staff"), status_code=303)
    start_session(request, response, login_token(request, home, "user", user),
                  runtime.signer.ttl_seconds)
    return response


# -- the staff list ---------------------------------------------------------------------------
def _staff_page(request: Request, actor: Any, *, status: int = 200, error: str | None = None,
                done: str = "") -> Response:
    services = page_services(request)
    try:
        scope = services.read_scope(actor, ADMINISTRATION)
    except DomainError as exc:
        return error_page(request, exc)
    # A system administrator's list spans every partition: the directory's accounts (the
    # administrators) first, then each bank partition's, by office.
    accounts = gathered(request, actor, lambda p: staff_list(p.engine, scope))
    offices = [o for o in gathered(request, actor,
                                   lambda p: page_queries.office_tree(p.engine, scope))
               if not o["closed"]]
    grantable = services.manageable_roles(actor)
    return render(request, "staff_accounts.html", status, accounts=accounts, offices=offices,
                  grantable=grantable, me=actor.id, error=error,
                  done=done if done in STAFF_DONE else "")


@router.get("/staff/accounts", response_class=HTMLResponse)
def staff_accounts(request: Request, done: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return _staff_page(request, actor, done=done)


@router.post("/staff/accounts/{user_id}", response_class=HTMLResponse)
def manage_staff_account(
    request: Request,
    user_id: str,
    action: Annotated[str, Form(max_length=20)],
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
    temporary_password: Annotated[str, Form(max_length=256)] = "",
    role: Annotated[str, Form(max_length=20)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    services = page_services(request)
    reason = reason.strip()
    try:
        if not reason:
            raise DomainError("invalid_input", "Give a reason.", field="reason")
        if action == "deactivate":
            services.deactivate_user(actor, user_id, reason)
        elif action == "reactivate":
            services.reactivate_user(actor, user_id, reason)
        elif action == "reset":
            services.reset_password(actor, user_id, temporary_password, reason)
        elif action == "role":
            services.change_user_role(actor, user_id, role, office_id or None, reason)
        elif action == "sessions":
            services.revoke_user_sessions(actor, user_id, reason)
        else:
            raise DomainError("invalid_input", "Unknown action.", field="action")
    except DomainError as exc:
        return _staff_page(request, actor, status=STATUS_BY_CODE.get(exc.code, 400),
                           error=refusal_text(request, exc))
    return RedirectResponse("/staff/accounts?" + urlencode({"done": action}), status_code=303)


# -- a PIN reset at the savings office --------------------------------------------------------
def _pin_reset_page(request: Request, volunteer_id: str, *, status: int = 200,
                    error: str | None = None, done: bool = False) -> Response:
    return render(request, "pin_reset.html", status, volunteer_id=volunteer_id, error=error,
                  done=done)


@router.get("/staff/volunteers/{volunteer_id}/pin-reset", response_class=HTMLResponse)
def pin_reset_page(request: Request, volunteer_id: str, done: str = "") -> Response:
    if staff_actor(request) is None:
        return redirect_to_login(request)
    return _pin_reset_page(request, volunteer_id, done=done == "1")


@router.post("/staff/volunteers/{volunteer_id}/pin-reset", response_class=HTMLResponse)
def reset_pin(
    request: Request,
    volunteer_id: str,
    new_pin: Annotated[str, Form(max_length=20)],
    document: Annotated[str, Form(max_length=30)],
    document_number: Annotated[str, Form(max_length=30)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    csrf: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    actor = staff_posting(request, csrf)
    try:
        page_services(request).reset_pin(actor, volunteer_id, new_pin, document,
                                         document_number.strip() or None,
                                         reason.strip() or "忘记密码")
    except DomainError as exc:
        return _pin_reset_page(request, volunteer_id, status=STATUS_BY_CODE.get(exc.code, 400),
                               error=refusal_text(request, exc))
    return RedirectResponse(f"/staff/volunteers/{volunteer_id}/pin-reset?done=1",
                            status_code=303)
