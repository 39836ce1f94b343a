"""Approvals that say what they approve: each record awaiting approval with its volunteer
(masked), activity, service date, category, hours and the points approving it would credit
under the bank's rules in force now; filters by activity and service date; nothing
selected until the coordinator selects it; approve or reject (with a reason) the selection."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.web.error_pages import error_page
from api.web.people_pages import redirect_to_login, staff_actor, staff_posting
from api.web.rendering import render
from api.web.sessions import gathered, page_services, spans_partitions
from projections import page_queries
from timebank.application.authz import OPERATIONS
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, hours_text, points_for
from timebank.partitions import Partition

router = APIRouter(include_in_schema=False)

MAX_SELECTED = 500
MAX_LISTED = 200  # a page of records awaiting approval


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), SHANGHAI)


class PointsAtTodaysRules:
    """The points approving a record now would credit: its bank's rules in force now, as
    approval computes them (one load of each office and bank per page)."""

    def __init__(self, services: Any) -> None:
        self.services = services
        self.banks: dict[str, Any] = {}

    def __call__(self, office_id: str, category: str, minutes: int) -> int:
        if office_id not in self.banks:
            self.banks[office_id] = self.services.bank_of(self.services.load_office(office_id))
        bank = self.banks[office_id]
        return points_for(minutes, bank.points_per_hour, bank.multiplier_for(category))


@router.get("/staff/approvals", response_class=HTMLResponse)
def approvals(request: Request, office_id: str = "", activity_id: str = "", date_from: str = "",
              date_to: str = "", done: int = 0, rejected: int = 0, refused: int = 0,
              problem: str = "") -> Response:
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    try:
        scope = services.read_scope(actor, OPERATIONS, office_id or None)
    except DomainError as exc:
        return error_page(request, exc)
    first, last = _day(date_from), _day(date_to)

    def records_of(partition: Partition) -> list[dict[str, Any]]:
        rows = page_queries.pending_records(
            partition.engine, scope, activity_id=activity_id or None,
            starts=_start_of(first) if first else None,
            ends=_start_of(last + timedelta(days=1)) if last else None)
        app, points = partition.app, PointsAtTodaysRules(partition.app)
        return [{**row, "hours": hours_text(row["minutes"]),
                 "points": points(row["office_id"], row["category"], row["minutes"]),
                 "name_masked": app.personal_data(
                     app.load_volunteer(row["volunteer_id"])).name_masked}
                for row in rows]

    # A system administrator's queue spans every partition, oldest service first.
    records = sorted(gathered(request, actor, records_of),
                     key=lambda row: (row["started_at"], row["id"]))[:MAX_LISTED]
    pending_activities = sorted(
        gathered(request, actor,
                 lambda p: page_queries.activities_with_pending(p.engine, scope)),
        key=lambda row: row["starts_at"], reverse=True)
    filters = {"office_id": office_id, "activity_id": activity_id,
               "date_from": first.isoformat() if first else "",
               "date_to": last.isoformat() if last else ""}
    return render(request, "approvals.html", records=records, filters=filters,
                  activities=pending_activities,
                  done=done, rejected=rejected, refused=refused,
                  problem=problem if problem in ("no_selection", "no_reason") else "",
                  tz=SHANGHAI)


@router.post("/staff/approvals")
def decide_selected(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    ids: Annotated[list[str] | None, Form(max_length=500)] = None,
    decision: Annotated[str, Form(max_length=10)] = "approve",
    reason: Annotated[str, Form(max_length=500)] = "",
    office_id: Annotated[str, Form(max_length=64)] = "",
    activity_id: Annotated[str, Form(max_length=64)] = "",
    date_from: Annotated[str, Form(max_length=10)] = "",
    date_to: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Approves, or rejects with the reason given, each selected record on its own: one
    that cannot be decided (already decided, out of scope) does not stop the others."""
    actor = staff_posting(request, csrf)
    selected = (ids or [])[:MAX_SELECTED]
    outcome = _decide(request, actor, selected, decision, reason)
    filters = {"office_id": office_id, "activity_id": activity_id, "date_from": date_from,
               "date_to": date_to}
    query = {**{k: v for k, v in filters.items() if v}, **outcome}
    return RedirectResponse("/staff/approvals?" + urlencode(query), status_code=303)


def _decide(request: Request, actor: Any, selected: list[str], decision: str,
            reason: str) -> dict[str, str | int]:
    """Each selected record decided in the partition holding it (a system administrator's
    selection may span several); the counts summed."""
    if not selected or not spans_partitions(request, actor):
        return _decide_in(page_services(request), actor, selected, decision, reason)
    by_partition: dict[str, list[str]] = {}
    partitions = request.app.state.runtime.partitions
    for record_id in selected:
        by_partition.setdefault(partitions.locate(record_id).key, []).append(record_id)
    outcome: dict[str, str | int] = {}
    for key, ids in by_partition.items():
        for name, count in _decide_in(partitions.get(key).app, actor, ids, decision,
                                      reason).items():
            outcome[name] = count if isinstance(count, str) else int(
                outcome.get(name, 0)) + count
    return outcome


def _decide_in(services: Any, actor: Any, selected: list[str], decision: str,
               reason: str) -> dict[str, str | int]:
    outcome: dict[str, str | int] = {}
    if not selected:
        outcome["problem"] = "no_selection"
    elif decision == "reject" and not reason.strip():
        outcome["problem"] = "no_reason"
    elif decision == "reject":
        rejected = refused = 0
        for record_id in selected:
            try:
                services.reject_service_record(actor, record_id, reason.strip())
                rejected += 1
            except DomainError:
                refused += 1
        outcome.update(rejected=rejected, refused=refused)
    else:
        results = services.approve_many(actor, selected)
        approved = sum(1 for result in results if result.get("status") == "approved")
        outcome.update(done=approved, refused=len(results) - approved)
    return outcome
