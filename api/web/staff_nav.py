"""The pages' navigation bar: the links a role may follow, nothing it may not, and each
person's start page.

The pages themselves still refuse what is out of scope; the bar only spares staff the
links that would be refused. It shows on every page a logged-in person opens (error pages
too), so there is always a way back.
"""

from __future__ import annotations

from fastapi import Request

from api.web.sessions import page_actor
from timebank.application.authz import (
    ADMINISTRATION,
    AUDIT_TRAIL,
    FUNDS,
    OFFICE_FIGURES,
    OPERATIONS,
    VOLUNTEERS,
    Readable,
    may_read,
    start_of,
)
from timebank.domain.actors import Actor

# (path, text key, what the page lists): shown to those who may read that somewhere.
LINKS: tuple[tuple[str, str, Readable], ...] = (
    ("/staff/admin", "nav_admin", ADMINISTRATION),
    ("/staff/accounts", "nav_staff_accounts", ADMINISTRATION),
    ("/staff/today", "nav_today", OPERATIONS),
    ("/staff/activities", "nav_activities", OPERATIONS),
    ("/staff/entries", "nav_entries", OPERATIONS),
    ("/staff/volunteers", "nav_volunteers", OPERATIONS),
    ("/staff/approvals", "nav_approvals", OPERATIONS),
    ("/staff/shop", "nav_shop", OPERATIONS),
    ("/staff/records", "nav_records", OPERATIONS),
    ("/staff/requests", "nav_requests", OPERATIONS),
    ("/staff/corrections", "nav_corrections", OPERATIONS),
    ("/staff/certificates", "nav_certificates", OPERATIONS),
    ("/staff/kiosk-simulator", "nav_kiosk", OPERATIONS),
    ("/staff/funds", "nav_funds", FUNDS),
    ("/staff/audit", "nav_audit", AUDIT_TRAIL),
)

# The start page of each kind of work (timebank.application.authz.start_of picks the kind).
START_PAGES: dict[str, str] = {
    ADMINISTRATION.name: "/staff/admin",
    OPERATIONS.name: "/staff/today",
    FUNDS.name: "/staff/funds",
    AUDIT_TRAIL.name: "/staff/audit",
    VOLUNTEERS.name: "/me",
}


def start_path(actor: Actor) -> str:
    """Where a person lands after logging in: their role's main work."""
    work = start_of(actor)
    if work is OFFICE_FIGURES:
        # Admins of a bank or branch: their subtree's figures and settings.
        return f"/staff/offices/{actor.office_id}" if actor.office_id else "/staff/admin"
    return START_PAGES.get(work.name, "/staff/today")


def links_for(actor: Actor, current_path: str) -> list[dict[str, object]]:
    links = [(path, key) for path, key, readable in LINKS if may_read(actor, readable)]
    if actor.office_id is not None and may_read(actor, OFFICE_FIGURES):
        links.append((f"/staff/offices/{actor.office_id}", "nav_district"))
    start = start_path(actor)
    # The start page first, under its own name; not twice.
    links = [("/staff", "nav_start"), *((p, k) for p, k in links if p != start)]
    return [{"href": path, "key": key,
             "current": current_path == start if path == "/staff"
             else current_path.startswith(path)}
            for path, key in links]


def staff_nav(request: Request) -> list[dict[str, object]]:
    """The bar for whoever is logged in: staff get their pages, a volunteer their passbook;
    nobody logged in, none."""
    actor = page_actor(request)
    if actor is None:
        return []
    account = {"href": "/account", "key": "nav_account",
               "current": request.url.path == "/account"}
    if actor.kind == "volunteer":
        return [{"href": "/me", "key": "nav_passbook", "current": request.url.path == "/me"},
                account]
    if actor.kind != "user":
        return []
    return [*links_for(actor, request.url.path), account]
