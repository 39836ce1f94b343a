"""Page sessions: the bearer token in an HttpOnly cookie, and double-submit CSRF tokens."""

from __future__ import annotations

import hmac
import secrets

from fastapi import Request, Response

from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError

SESSION_COOKIE = "tb_session"
CSRF_COOKIE = "tb_csrf"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def page_actor(request: Request) -> Actor | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    runtime = request.app.state.runtime
    claims = runtime.signer.verify(token)
    if claims is None:
        return None
    rid = getattr(request.state, "request_id", None)
    if claims.kind == "volunteer":
        return runtime.app.actor_for_volunteer(claims.subject, rid, claims.generation)
    return runtime.app.actor_for_user(claims.subject, rid, claims.generation)


def start_session(request: Request, response: Response, token: str, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")


def end_session(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/")


def csrf_token(request: Request) -> str:
    """The form's CSRF value: the cookie's, or a new one that `remember_csrf` will set."""
    existing = request.cookies.get(CSRF_COOKIE)
    if existing and len(existing) >= 32:
        return existing
    if not hasattr(request.state, "new_csrf"):
        request.state.new_csrf = secrets.token_urlsafe(32)
    return request.state.new_csrf


def remember_csrf(request: Request, response: Response) -> None:
    new = getattr(request.state, "new_csrf", None)
    if new:
        response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict",
                            secure=_secure(request), path="/")


def check_csrf(request: Request, submitted: str | None) -> None:
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise DomainError("forbidden", "The form expired; please reload the page.")
