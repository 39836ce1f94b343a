"""The front door (`/`), each person's start page (`/staff` sends staff to theirs), the
coordinator's day, the auditor's trail and check, and the favicon."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from api.deps import catch_up_for_read, require_current
from api.web.coordinator_pages import activity_state, window_text
from api.web.error_pages import error_page
from api.web.people_pages import redirect_to_login, staff_actor
from api.web.rendering import render
from api.web.sessions import gathered, page_actor, page_engine, page_runner, page_services
from api.web.staff_nav import start_path
from projections import audit_queries, fund_queries, page_queries
from timebank.application.authz import (
    AUDIT_TRAIL,
    OPERATIONS,
    require_reader,
)
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, hours_text, utc_now

router = APIRouter(include_in_schema=False)

FAVICON = Path(__file__).parent / "static" / "favicon.svg"
QUEUE_PREVIEW = 5


@router.get("/", response_class=HTMLResponse)
def front_door(request: Request) -> Response:
    """What this is, the two logins, and what anyone may read (funds' public accounts):
    every bank's funds, whichever partition keeps its books, in the order they opened."""
    funds = gathered(request, None, lambda p: fund_queries.funds_of_offices(p.engine, None),
                     public=True)
    return render(request, "index.html",
                  funds=sorted(funds, key=lambda f: (f["opened_at"], f["id"])))


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return FileResponse(FAVICON, media_type="image/svg+xml",
                        headers={"Cache-Control": "public, max-age=86400"})


@router.get("/staff", response_class=HTMLResponse)
@router.get("/staff/", response_class=HTMLResponse)
def start(request: Request) -> Response:
    """Staff land here after logging in and go on to their role's start page."""
    actor = page_actor(request)
    if actor is None:
        return redirect_to_login(request)
    return RedirectResponse(start_path(actor), status_code=303)


# -- the coordinator's day --------------------------------------------------------------------
@router.get("/staff/today", response_class=HTMLResponse)
def today(request: Request, office_id: str = "") -> Response:
    """Today's activities of the coordinator's offices with their codes, and the approvals
    waiting."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    engine = page_engine(request)
    try:
        scope = services.read_scope(actor, OPERATIONS, office_id or None)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(page_runner(request))
    now = utc_now()
    day = now.astimezone(SHANGHAI).date()
    start_of_day = datetime.combine(day, time(0), SHANGHAI)
    rows = page_queries.activities_between(engine, scope, start_of_day,
                                           start_of_day + timedelta(days=1))
    todays = [{**row, "state": activity_state(row, now),
               "window": window_text(row["starts_at"], row["ends_at"])} for row in rows]
    pending = page_queries.count_service_records(engine, scope, "pending")
    # The oldest first, with their activity: what the queue holds, as the approvals page shows.
    preview = page_queries.pending_records(engine, scope, limit=QUEUE_PREVIEW)
    return render(request, "today.html", activities=todays, day=day, pending=pending,
                  preview=[{**_named(services, row), "hours": hours_text(row["minutes"] or 0)}
                           for row in preview], tz=SHANGHAI,
                  office_id=office_id)


def _named(services: Any, row: dict[str, Any]) -> dict[str, Any]:
    person = services.personal_data(services.load_volunteer(row["volunteer_id"]))
    return {**row, "name_masked": person.name_masked}


# -- the auditor's trail and check ------------------------------------------------------------
AUDIT_PAGE = 50


@router.get("/staff/audit", response_class=HTMLResponse)
def audit(request: Request,
          before: Annotated[int | None, Query(ge=1, le=2**62)] = None,
          check: str = "") -> Response:
    """The newest events of the reader's subtree, older pages by position, and (asked for)
    the recomputation of the whole chain against the signed checkpoints."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    runner = page_runner(request)
    try:
        scope = services.read_scope(actor, AUDIT_TRAIL)
        verdict = None
        if check:
            require_reader(actor, AUDIT_TRAIL)
            require_current(runner, ("audit",))
            verdict = audit_queries.verify_chain(services.recorder, page_engine(request),
                                                 services.mapper,
                                                 services.trusted_checkpoint_keys)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(runner)
    events = page_queries.recent_audit_events(page_engine(request), scope, before,
                                              AUDIT_PAGE)
    older = events[-1]["position"] if len(events) == AUDIT_PAGE else None
    return render(request, "audit.html", events=events, verdict=verdict, older=older,
                  tz=SHANGHAI)
