"""The staff's list of funds they may read, each linking to its dashboard (the nav's 基金)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.web.people_pages import error_page, redirect_to_login, staff_actor
from api.web.rendering import render
from api.web.sessions import gathered, page_services
from projections import fund_queries
from projections.scoping import scoped_office_ids
from timebank.application.authz import FUNDS
from timebank.domain.errors import DomainError

router = APIRouter(include_in_schema=False)


@router.get("/staff/funds", response_class=HTMLResponse)
def fund_list(request: Request) -> Response:
    """The funds of the reader's subtree (every fund for a system administrator)."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = page_services(request)
    try:
        scope = services.read_scope(actor, FUNDS)
    except DomainError as exc:
        return error_page(request, exc)
    funds = gathered(request, actor, lambda p: fund_queries.funds_of_offices(
        p.engine, scoped_office_ids(p.engine, scope)))
    return render(request, "fund_list.html",
                  funds=sorted(funds, key=lambda f: (f["opened_at"], f["id"])))
