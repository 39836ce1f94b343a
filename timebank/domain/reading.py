"""A reader's share of the read models: everything, one office subtree, or their own.

The application decides a scope for an actor and a kind of thing (`application/authz.py`);
the read side turns it into a query filter (`projections/scoping.py`). Nothing else decides
what a list may show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from timebank.domain.offices import Office

ScopeKind = Literal["everything", "subtree", "own"]


@dataclass(frozen=True)
class ReadScope:
    kind: ScopeKind
    # subtree: the root office's ancestry and the office itself, bank first (never moves).
    office_chain: tuple[UUID, ...] = ()
    # own: the person whose things these are (a volunteer's id).
    owner_id: str | None = None

    def __post_init__(self) -> None:
        valid = {
            "everything": not self.office_chain and self.owner_id is None,
            "subtree": bool(self.office_chain) and self.owner_id is None,
            "own": not self.office_chain and bool(self.owner_id),
        }
        if not valid.get(self.kind, False):
            raise ValueError(f"inconsistent read scope: {self!r}")

    @classmethod
    def everything(cls) -> ReadScope:
        return cls("everything")

    @classmethod
    def subtree(cls, office: Office) -> ReadScope:
        return cls("subtree", office_chain=(*office.ancestor_ids, office.id))

    @classmethod
    def own(cls, owner_id: str) -> ReadScope:
        return cls("own", owner_id=str(owner_id))

    @property
    def office_id(self) -> UUID | None:
        """The subtree's root office (None for the other kinds)."""
        return self.office_chain[-1] if self.office_chain else None

    def covers(self, office: Office | None = None, owner_id: str | None = None) -> bool:
        """Whether one thing, of this office and this owner, lies inside the scope."""
        if self.kind == "everything":
            return True
        if self.kind == "subtree":
            root = self.office_chain[-1]
            return office is not None and office.is_within(root)
        return owner_id is not None and str(owner_id) == self.owner_id
