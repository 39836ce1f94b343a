"""The staff list: the accounts of a read scope, with their office's name."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, select

from projections.scoping import scope_filter
from projections.tables import offices, staff_accounts
from timebank.domain.reading import ReadScope


def staff_list(engine: Engine, scope: ReadScope) -> list[dict[str, Any]]:
    """Accounts of the scope's offices (administrators without an office only for a scope of
    everything), by office path then username."""
    s, o = staff_accounts, offices
    query = (select(s, o.c.name.label("office_name"))
             .select_from(s.outerjoin(o, o.c.office_id == s.c.office_id))
             .where(scope_filter(scope, s.c.office_id))
             .order_by(o.c.path.nulls_first(), s.c.username))
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]
