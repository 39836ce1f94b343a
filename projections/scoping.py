"""A read scope as a query filter: the one translation of "what may this reader see".

The application decides the scope (`timebank/application/authz.py`); every query of a list
that belongs to offices or to a person takes it and filters through `scope_filter`.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Engine, select, true

from projections.offices import subtree_path
from projections.tables import offices
from timebank.domain.errors import DomainError
from timebank.domain.reading import ReadScope


def scope_filter(
    scope: ReadScope,
    office: ColumnElement[str],
    owner: ColumnElement[str] | None = None,
) -> ColumnElement[bool]:
    """The rows a scope lets through: those of any office, of an office in its subtree (by
    the office column), or the reader's own (by the owner column).

    A subtree is the path prefix of its root office, so an office the read models do not
    know yet simply matches nothing. The one refusal: an "own" scope over rows that belong
    to no one."""
    if scope.kind == "everything":
        return true()
    if scope.kind == "subtree":
        # Ids are UUIDs: no LIKE wildcard to escape, and the prefix keeps the path index.
        in_subtree = offices.c.path.startswith(subtree_path(scope.office_chain))
        if office is offices.c.office_id:
            return in_subtree
        return office.in_(select(offices.c.office_id).where(in_subtree))
    if owner is None:
        raise DomainError("forbidden")
    return owner == scope.owner_id


def scoped_office_ids(engine: Engine, scope: ReadScope) -> list[str] | None:
    """The offices a scope covers, for queries that take a list of offices (None: all)."""
    if scope.kind == "everything":
        return None
    with engine.connect() as conn:
        return list(conn.execute(
            select(offices.c.office_id).where(scope_filter(scope, offices.c.office_id))
        ).scalars())
