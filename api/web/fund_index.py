"""The staff's list of funds they may read, each linking to its dashboard (the nav's 基金)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import catch_up_for_read
from api.web.people_pages import error_page, redirect_to_login, staff_actor
from api.web.rendering import render
from projections import fund_queries, queries
from timebank.application.authz import FUND_READERS, require_scope, require_staff
from timebank.domain.errors import DomainError

router = APIRouter(include_in_schema=False)


@router.get("/staff/funds", response_class=HTMLResponse)
def fund_list(request: Request) -> Response:
    """The funds of the reader's subtree (every fund for a system administrator)."""
    actor = staff_actor(request)
    if actor is None:
        return redirect_to_login(request)
    services = request.app.state.runtime.app
    engine = request.app.state.runtime.engine
    try:
        require_staff(actor, FUND_READERS)
        if actor.office_id is not None:
            require_scope(actor, services.load_office(actor.office_id), FUND_READERS)
    except DomainError as exc:
        return error_page(request, exc)
    catch_up_for_read(request.app.state.runner)
    office_ids = None
    if actor.office_id is not None:
        prefix = queries.office_path(engine, str(actor.office_id)) or "/none/"
        office_ids = queries.subtree_office_ids(engine, prefix)
    elif not actor.is_admin:
        office_ids = []
    return render(request, "fund_list.html", funds=fund_queries.funds_of_offices(engine,
                                                                               office_ids))
