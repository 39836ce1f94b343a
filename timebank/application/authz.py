"""Who may do what, where: roles scoped to an office and everything under it.

One place for every permission rule, for writes and for reads. The API and the CLI both
reach the domain through the application services, which call these checks, so no
entrance can skip them. A read of a list asks `read_scope` for the part of the read
models the actor may see (everything, an office subtree, or their own); the read side
turns that scope into its query filter (`projections/scoping.py`). Routers and pages
never decide a scope themselves (tests/unit/test_read_gate_guard.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from timebank.domain.actors import ADMIN_ROLE, Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import BANK, BRANCH, SAVINGS_OFFICE, Office
from timebank.domain.reading import ReadScope

COORDINATOR, BRANCH_ADMIN, BANK_ADMIN = "coordinator", "branch_admin", "bank_admin"
TREASURER, AUDITOR = "treasurer", "auditor"

# Staff who run volunteers, activities and service records.
OPERATORS = (COORDINATOR, BRANCH_ADMIN, BANK_ADMIN)
# Staff who may read totals and records of their part of the tree.
READERS = (COORDINATOR, BRANCH_ADMIN, BANK_ADMIN, TREASURER, AUDITOR)

# Community funds: treasurers write, auditors and bank admins read (and treasurers).
FUND_WRITERS = (TREASURER,)
FUND_READERS = (TREASURER, AUDITOR, BANK_ADMIN)
# The audit trail of a subtree: auditors and bank admins (administrators see all of it).
AUDIT_READERS = (AUDITOR, BANK_ADMIN)

# Volunteers' records: operators record training; awards and the decision on a complaint
# come from above the community office (a branch or the bank).
TRAINING_RECORDERS = OPERATORS
AWARD_RECORDERS = (BRANCH_ADMIN, BANK_ADMIN)
COMPLAINT_DECIDERS = (BRANCH_ADMIN, BANK_ADMIN)

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


def require_may_take_charge(person: Actor, office: Office) -> None:
    """活动负责人 / 记录人: a staff account that could run the office's activities."""
    if person.kind != "user":
        raise DomainError("invalid_input", "The person in charge is a staff account.",
                          field="person_in_charge_id")
    try:
        require_scope(person, office, OPERATORS)
    except DomainError as exc:
        raise DomainError("invalid_input", "The person in charge does not run this office.",
                          field="person_in_charge_id") from exc


def require_may_open(actor: Actor, kind: str, parent: Office | None) -> None:
    roles = MAY_OPEN.get(kind, ())
    if parent is None:
        require_staff(actor, roles)
    else:
        require_scope(actor, parent, roles)


def require_may_grant(actor: Actor, role: str, office: Office | None) -> None:
    if role not in grantable_roles(actor):
        raise DomainError("forbidden")
    if office is None:
        # Only system administrators work without an office.
        if actor.role != ADMIN_ROLE or role != ADMIN_ROLE:
            raise DomainError("forbidden")
        return
    if not in_scope(actor, office):
        raise DomainError("forbidden")


def grantable_roles(actor: Actor) -> tuple[str, ...]:
    """The roles `actor` may grant (and so manage accounts of) within their subtree."""
    return MAY_GRANT.get(actor.role or "", ()) if actor.kind in ("user", "system") else ()


def require_may_manage(actor: Actor, account_id: object, role: str,
                       office: Office | None) -> None:
    """Disable, enable, reset the password of, or change the role of a staff account: whoever
    may grant its role where it works (`role` and `office` are the account's — and, for a
    role change, also the new ones). Never one's own account: an administrator cannot lock
    themselves out, so there is always one left who acted."""
    if actor.kind == "user" and actor.id == str(account_id):
        raise DomainError("own_account")
    require_may_grant(actor, role, office)


# -- reading --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Readable:
    """A kind of thing on the read side and who may read it: staff holding one of `roles`
    read it in their subtree; with `own`, a volunteer reads their own."""

    name: str
    roles: tuple[str, ...]
    own: bool = False


SERVICE_RECORDS = Readable("service records", READERS, own=True)
# A volunteer's details, passbook, card, redemptions and certificates.
VOLUNTEERS = Readable("volunteers", READERS, own=True)
ACTIVITIES = Readable("activities", READERS)
# The office tree and what is counted by office: rollups, charts, kiosks, catalogs.
OFFICE_FIGURES = Readable("office figures", READERS)
FUNDS = Readable("funds", FUND_READERS)
AUDIT_TRAIL = Readable("audit trail", AUDIT_READERS)
# A volunteer's record beyond their services: training, awards, complaints, corrections
# asked for, certificates issued. A volunteer reads their own.
VOLUNTEER_RECORDS = Readable("volunteers' records", READERS, own=True)
# An export of volunteers' records carries each person's full data (the national system
# matches people by ID number): a volunteer takes their own; operators, their subtree's.
RECORD_EXPORTS = Readable("records exports", OPERATORS, own=True)
# What the operators' pages list to act on: their offices, activities, pending records,
# and volunteers looked up to enter hours for.
OPERATIONS = Readable("operations", OPERATORS)
# The office tree, staff accounts, point rules, kiosks and catalogs, to set up and change:
# administrators everywhere, bank and branch admins in their subtree.
ADMINISTRATION = Readable("administration", (BANK_ADMIN, BRANCH_ADMIN))
# Service requests (需求发布): the parties read theirs (a volunteer's "own": as beneficiary,
# poster or the volunteer who took it), staff those of their office tree.
SERVICE_REQUESTS = Readable("service requests", READERS, own=True)
# The city's clearing between banks (通存通兑) spans every bank: administrators only.
CITY_CLEARING = Readable("city clearing", ())

# Each role's first page after logging in: the work it mostly comes for.
START_OF_ROLE = {
    ADMIN_ROLE: ADMINISTRATION,
    BANK_ADMIN: OFFICE_FIGURES,
    BRANCH_ADMIN: OFFICE_FIGURES,
    COORDINATOR: OPERATIONS,
    TREASURER: FUNDS,
    AUDITOR: AUDIT_TRAIL,
}


def may_read(actor: Actor, readable: Readable) -> bool:
    """Whether the actor may read this kind of thing anywhere (the navigation's question)."""
    if actor.kind == "volunteer":
        return readable.own
    if actor.kind not in ("user", "system"):
        return False
    return actor.role == ADMIN_ROLE or actor.role in readable.roles


def start_of(actor: Actor) -> Readable:
    """What the actor's start page lists: the role's main work (a volunteer's own passbook)."""
    if actor.kind == "volunteer":
        return VOLUNTEERS
    return START_OF_ROLE.get(actor.role or "", OPERATIONS)


def require_reader(actor: Actor, readable: Readable) -> None:
    """For answers that show no office's rows (the audit chain's verdict): the actor holds a
    role that reads `readable` somewhere."""
    if not may_read(actor, readable):
        raise DomainError("forbidden")


def read_scope(actor: Actor, readable: Readable, office: Office | None) -> ReadScope:
    """The part of the read models `actor` may see of `readable`.

    `office` is the office asked about, or the actor's own when none was asked: the scope is
    its subtree, refused unless the actor holds a reading role there. Without an office, an
    administrator reads everything. A volunteer reads only their own, where there is such a
    thing. Every refusal is the same `forbidden`.
    """
    if actor.kind == "volunteer" and readable.own:
        return ReadScope.own(actor.id)
    require_staff(actor, readable.roles)
    if office is None:
        if actor.role == ADMIN_ROLE:
            return ReadScope.everything()
        raise DomainError("forbidden")
    if not in_scope(actor, office):
        raise DomainError("forbidden")
    return ReadScope.subtree(office)


def require_read(
    actor: Actor, readable: Readable, office: Office, owner_id: str | None = None
) -> None:
    """One thing of `office` (and of `owner_id`, if it is someone's) may be read by the actor."""
    if not read_scope(actor, readable, office).covers(office, owner_id):
        raise DomainError("forbidden")
