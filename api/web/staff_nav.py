"""The staff pages' navigation bar: the links a role may follow, nothing it may not.

The pages themselves still refuse what is out of scope; the bar only spares staff the
links that would be refused.
"""

from __future__ import annotations

from fastapi import Request

from api.web.sessions import page_actor
from timebank.application.authz import FUND_READERS, OPERATORS, READERS
from timebank.domain.actors import ADMIN_ROLE, Actor

# (path, text key, roles that may follow it); admins may follow every link.
LINKS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("/staff/activities", "nav_activities", OPERATORS),
    ("/staff/entries", "nav_entries", OPERATORS),
    ("/staff/volunteers", "nav_volunteers", OPERATORS),
    ("/staff/approvals", "nav_approvals", OPERATORS),
    ("/staff/kiosk-simulator", "nav_kiosk", OPERATORS),
    ("/staff/funds", "nav_funds", FUND_READERS),
)


def links_for(actor: Actor, current_path: str) -> list[dict[str, object]]:
    def allowed(roles: tuple[str, ...]) -> bool:
        return actor.role == ADMIN_ROLE or actor.role in roles

    links = [(path, key) for path, key, roles in LINKS if allowed(roles)]
    if actor.office_id is not None and allowed(READERS):
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
