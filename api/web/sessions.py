"""Page sessions: the bearer token in an HttpOnly cookie, and double-submit CSRF tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from uuid import UUID

from fastapi import Request, Response

from api.deps import catch_up_for_read
from timebank.application.authz import ADMINISTRATION
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.values import is_valid_passbook_no
from timebank.partitions import DIRECTORY, Partition
from timebank.security.tokens import TokenClaims

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from projections.runner import ProjectionRunner
    from timebank.application import TimebankApp

T = TypeVar("T")

SESSION_COOKIE = "tb_session"
CSRF_COOKIE = "tb_csrf"


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_claims(request: Request) -> TokenClaims | None:
    """The page session's token claims (signature and expiry checked), or None."""
    return _session_claims(request)


def _session_claims(request: Request) -> TokenClaims | None:
    token = request.cookies.get(SESSION_COOKIE)
    return request.app.state.runtime.signer.verify(token) if token else None


def page_partition(request: Request) -> Partition:
    """The partition a page works in: the one a public page's subject lives in (chosen with
    `use_partition`), else the session's (its token names it, as the API's does), else the
    directory. With one database, always the directory."""
    chosen = getattr(request.state, "page_partition", None)
    if chosen is not None:
        return chosen
    partitions = request.app.state.runtime.partitions
    claims = _session_claims(request)
    try:
        found = partitions.get(claims.partition if claims else None)
    except KeyError:  # a session of a partition no longer configured: nobody's
        found = partitions.directory
    if found is partitions.directory and partitions.banks:
        # A directory session (a system administrator) or none: as in the API, the first id
        # the page names (its path, then its query, then a staff member's form) that lives
        # in a bank partition decides.
        staff = claims is not None and claims.kind == "user"
        named = [*(v for k, v in request.path_params.items() if k.endswith("_id")),
                 *(v for k, v in request.query_params.items() if k.endswith("_id")),
                 *(getattr(request.state, "form_ids", ()) if staff else ())]
        found = next((p for p in map(partitions.locate, named) if p.key != DIRECTORY),
                     partitions.directory)
    request.state.page_partition = found
    return found


def use_partition(request: Request, aggregate_id: UUID | str | None) -> Partition:
    """A public page (a certificate, a fund, a scan code) works where its subject lives."""
    found = request.app.state.runtime.partitions.locate(aggregate_id)
    request.state.page_partition = found
    return found


async def note_form_ids(request: Request) -> None:
    """Every page route's dependency: the ids a posted form names (its `…_id` fields, the
    selected `ids`, and the passbook of a passbook number), so that a system
    administrator's form about an office, a kiosk, a record or a passbook acts in the
    partition that holds it (`page_partition`). The form is parsed once: the route reads
    the same parsed form."""
    if request.method != "POST" or not request.app.state.runtime.partitions.banks:
        return
    if "form" not in request.headers.get("content-type", ""):
        return
    form = await request.form()
    request.state.form_ids = [
        str(passbook_id_for(value.strip())) if key.endswith("passbook") else value
        for key, value in form.multi_items()
        if isinstance(value, str) and (
            key.endswith("_id") or key == "ids"
            or (key.endswith("passbook") and is_valid_passbook_no(value.strip())))]


def spans_partitions(request: Request, actor: Actor | None) -> bool:
    """Whether a page lists what every partition holds: with bank partitions configured,
    for a directory session whom the read gate lets administer everything (a system
    administrator)."""
    partitions = request.app.state.runtime.partitions
    if actor is None or actor.kind != "user" or not partitions.banks:
        return False
    claims = _session_claims(request)
    if claims is None or claims.partition is not None:
        return False
    try:
        scope = partitions.directory.app.read_scope(actor, ADMINISTRATION)
    except DomainError:
        return False
    return scope.kind == "everything"


def gathered(request: Request, actor: Actor | None,
             rows_of: Callable[[Partition], list[T]], *, public: bool = False) -> list[T]:
    """A page's list: its rows from every partition for a system administrator, or for
    anyone when the list is `public` (the directory's first, then each bank partition's
    in the order configured), else from the page's partition alone; each partition's read
    models caught up first."""
    partitions = request.app.state.runtime.partitions
    every = public or spans_partitions(request, actor)
    chosen = partitions.all() if every else [page_partition(request)]
    rows: list[T] = []
    for partition in chosen:
        catch_up_for_read(request.app.state.runners[partition.key])
        rows.extend(rows_of(partition))
    return rows


def page_services(request: Request) -> TimebankApp:
    return page_partition(request).app


def page_engine(request: Request) -> Engine:
    return page_partition(request).engine


def page_runner(request: Request) -> ProjectionRunner:
    return request.app.state.runners[page_partition(request).key]


def page_actor(request: Request) -> Actor | None:
    """The logged-in person, found in the partition their session names (not the page's:
    a public page of another bank still knows who is looking)."""
    claims = _session_claims(request)
    if claims is None:
        return None
    partitions = request.app.state.runtime.partitions
    try:
        home = partitions.get(claims.partition).app
    except KeyError:
        return None
    rid = getattr(request.state, "request_id", None)
    if claims.kind == "volunteer":
        return home.actor_for_volunteer(claims.subject, rid, claims.generation, claims.session)
    return home.actor_for_user(claims.subject, rid, claims.generation, claims.session)


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
