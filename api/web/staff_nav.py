"""The staff pages' navigation bar: the links a role may follow, nothing it may not.

The pages themselves still refuse what is out of scope; the bar only spares staff the
links that would be refused.
"""

from __future__ import annotations

from fastapi import Request

from api.web.sessions import page_actor
from timebank.application.authz import FUNDS, OFFICE_FIGURES, OPERATIONS, Readable, may_read
from timebank.domain.actors import Actor

# (path, text key, what the page lists): shown to those who may read that somewhere.
LINKS: tuple[tuple[str, str, Readable], ...] = (
    ("/staff/activities", "nav_activities", OPERATIONS),
    ("/staff/entries", "nav_entries", OPERATIONS),
    ("/staff/volunteers", "nav_volunteers", OPERATIONS),
    ("/staff/approvals", "nav_approvals", OPERATIONS),
    ("/staff/kiosk-simulator", "nav_kiosk", OPERATIONS),
    ("/staff/funds", "nav_funds", FUNDS),
)


def links_for(actor: Actor, current_path: str) -> list[dict[str, object]]:
    links = [(path, key) for path, key, readable in LINKS if may_read(actor, readable)]
    if actor.office_id is not None and may_read(actor, OFFICE_FIGURES):
        links.append((f"/staff/offices/{actor.office_id}", "nav_district"))
    return [{"href": path, "key": key, "current": current_path.startswith(path)}
            for path, key in links]


def staff_nav(request: Request) -> list[dict[str, object]]:
    """The bar for a staff page viewed by a logged-in staff member; none elsewhere."""
    if not request.url.path.startswith("/staff/"):
        return []
    actor = page_actor(request)
    if actor is None or actor.kind != "user":
        return []
    return links_for(actor, request.url.path)
