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
from api.web.sessions import (
    gathered,
    page_actor,
    page_engine,
    page_partition,
    page_runner,
    page_services,
    spans_partitions,
)
from api.web.staff_nav import start_path
from projections import audit_queries, fund_queries, page_queries
from timebank.application.authz import (
    AUDIT_TRAIL,
    OPERATIONS,
    require_reader,
)
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, hours_text, utc_now
from timebank.partitions import Partition

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
    try:
        scope = services.read_scope(actor, OPERATIONS, office_id or None)
    except DomainError as exc:
        return error_page(request, exc)
    now = utc_now()
    day = now.astimezone(SHANGHAI).date()
    start_of_day = datetime.combine(day, time(0), SHANGHAI)
    # A system administrator's day spans every partition.
    rows = sorted(gathered(request, actor, lambda p: page_queries.activities_between(
        p.engine, scope, start_of_day, start_of_day + timedelta(days=1))),
        key=lambda row: (row["starts_at"], row["id"]))
    todays = [{**row, "state": activity_state(row, now),
               "window": window_text(row["starts_at"], row["ends_at"])} for row in rows]
    pending = sum(gathered(request, actor, lambda p: [
        page_queries.count_service_records(p.engine, scope, "pending")]))
    # The oldest first, with their activity: what the queue holds, as the approvals page shows.
    preview = sorted(gathered(request, actor, lambda p: [
        _named(p.app, row) for row in page_queries.pending_records(
            p.engine, scope, limit=QUEUE_PREVIEW)]),
        key=lambda row: (row["started_at"], row["id"]))[:QUEUE_PREVIEW]
    return render(request, "today.html", activities=todays, day=day, pending=pending,
                  preview=[{**row, "hours": hours_text(row["minutes"] or 0)}
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
          check: str = "", bank_id: Annotated[str, Query(max_length=64)] = "") -> Response:
    """The newest events of the reader's subtree, older pages by position, and (asked for)
    the recomputation of the whole chain against the signed checkpoints. A system
    administrator reads every partition's newest events together, by time, and each
    partition's trail (named by a bank it holds) page by page; the check covers every
    partition's chain, or the named one's."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)  # a bank_id leads an administrator to its partition
    spanning = spans_partitions(request, actor) and not bank_id
    chosen = request.app.state.runtime.partitions.all() if spanning \
        else [page_partition(request)]
    try:
        scope = services.read_scope(actor, AUDIT_TRAIL)
        verdict = None
        if check:
            require_reader(actor, AUDIT_TRAIL)
            verdict = _one_verdict([_verified(request, p) for p in chosen])
    except DomainError as exc:
        return error_page(request, exc)
    if spanning:
        events = sorted(gathered(request, actor, lambda p: page_queries.recent_audit_events(
            p.engine, scope, None, AUDIT_PAGE)),
            key=lambda e: e["at"], reverse=True)[:AUDIT_PAGE]
        older = None
    else:
        catch_up_for_read(page_runner(request))
        events = page_queries.recent_audit_events(page_engine(request), scope, before,
                                                  AUDIT_PAGE)
        older = events[-1]["position"] if len(events) == AUDIT_PAGE else None
    return render(request, "audit.html", events=events, verdict=verdict, older=older,
                  tz=SHANGHAI, bank_id=bank_id, trails=_trails(request, actor, scope))


def _verified(request: Request, partition: Partition) -> dict[str, Any]:
    require_current(request.app.state.runners[partition.key], ("audit",))
    app = partition.app
    return audit_queries.verify_chain(app.recorder, partition.engine, app.mapper,
                                      app.trusted_checkpoint_keys)


def _one_verdict(verdicts: list[dict[str, Any]]) -> dict[str, Any]:
    """Every chain's verdict as one: the first broken one's, with the counts summed."""
    broken = next((v for v in verdicts if not v["ok"]), {})
    return {**broken, "ok": not broken,
            "events_checked": sum(v.get("events_checked") or 0 for v in verdicts),
            "checkpoints_checked": sum(v.get("checkpoints_checked") or 0 for v in verdicts)}


def _trails(request: Request, actor: Any, scope: Any) -> list[dict[str, str]]:
    """For a system administrator with bank partitions: each partition's trail, named by
    its banks and reached by the first of them."""
    if not spans_partitions(request, actor):
        return []
    trails = []
    for banks in gathered(request, actor, lambda p: [[
            o for o in page_queries.office_tree(p.engine, scope) if o["kind"] == "bank"]]):
        if banks:
            trails.append({"bank_id": banks[0]["id"],
                           "banks": "、".join(b["name"] for b in banks)})
    return trails
