"""Who may do what, where: roles scoped to an office and everything under it.

One place for every permission rule. The API and the CLI both reach the domain through
the application services, which call these checks, so no entrance can skip them.
"""

from __future__ import annotations

from timebank.domain.actors import ADMIN_ROLE, Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import BANK, BRANCH, SAVINGS_OFFICE, Office

COORDINATOR, BRANCH_ADMIN, BANK_ADMIN = "coordinator", "branch_admin", "bank_admin"
TREASURER, AUDITOR = "treasurer", "auditor"

# Staff who run volunteers, activities and service records.
OPERATORS = (COORDINATOR, BRANCH_ADMIN, BANK_ADMIN)
# Staff who may read totals and records of their part of the tree.
READERS = (COORDINATOR, BRANCH_ADMIN, BANK_ADMIN, TREASURER, AUDITOR)

# Community funds: treasurers write, auditors and bank admins read (and treasurers).
FUND_WRITERS = (TREASURER,)
FUND_READERS = (TREASURER, AUDITOR, BANK_ADMIN)

# Which office kinds each role may open (admin opens banks).
MAY_OPEN = {
    BANK: (ADMIN_ROLE,),
    BRANCH: (BANK_ADMIN,),
    SAVINGS_OFFICE: (BANK_ADMIN, BRANCH_ADMIN),
}

# Which roles each role may grant, within its own subtree.
MAY_GRANT = {
    ADMIN_ROLE: (ADMIN_ROLE, BANK_ADMIN, BRANCH_ADMIN, COORDINATOR, TREASURER, AUDITOR),
    BANK_ADMIN: (BANK_ADMIN, BRANCH_ADMIN, COORDINATOR, TREASURER, AUDITOR),
    BRANCH_ADMIN: (COORDINATOR,),
}


def require_staff(actor: Actor, roles: tuple[str, ...]) -> None:
    if actor.kind not in ("user", "system"):
        raise DomainError("forbidden")
    if actor.role != ADMIN_ROLE and actor.role not in roles:
        raise DomainError("forbidden")


def in_scope(actor: Actor, office: Office) -> bool:
    if actor.role == ADMIN_ROLE and actor.kind in ("user", "system"):
        return True
    return actor.office_id is not None and office.is_within(actor.office_id)


def require_scope(actor: Actor, office: Office, roles: tuple[str, ...]) -> None:
    """The actor holds one of `roles` at `office` or above it."""
    require_staff(actor, roles)
    if not in_scope(actor, office):
        raise DomainError("forbidden")


def require_may_open(actor: Actor, kind: str, parent: Office | None) -> None:
    roles = MAY_OPEN.get(kind, ())
    if parent is None:
        require_staff(actor, roles)
    else:
        require_scope(actor, parent, roles)


def require_may_grant(actor: Actor, role: str, office: Office | None) -> None:
    allowed = MAY_GRANT.get(actor.role or "", ()) if actor.kind in ("user", "system") else ()
    if role not in allowed:
        raise DomainError("forbidden")
    if office is None:
        # Only system administrators work without an office.
        if actor.role != ADMIN_ROLE or role != ADMIN_ROLE:
            raise DomainError("forbidden")
        return
    if not in_scope(actor, office):
        raise DomainError("forbidden")
