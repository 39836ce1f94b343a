"""Office tree commands: open, rename, close, and the bank's point rules."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from timebank.application.authz import (
    BANK_ADMIN,
    BRANCH_ADMIN,
    OFFICE_FIGURES,
    require_may_open,
    require_read,
    require_scope,
)
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.offices import Office, check_tier


class OfficeServices(BaseServices):
    def open_office(
        self, actor: Actor, name: str, kind: str, parent_id: UUID | str | None
    ) -> Office:
        parent = None
        if parent_id:
            try:
                parent = self.load_office(parent_id)
            except DomainError as exc:
                raise DomainError("invalid_parent", "The parent office does not exist.") from exc
        # Validate the tier first: a wrong tier is 422 whoever asks.
        check_tier(kind, parent)
        require_may_open(actor, kind, parent)
        if parent is not None:
            self.ensure_open_path(parent)
        office = Office.open(name=name, kind=kind, parent=parent, actor=actor.record())
        self.save(office)
        return office

    @retry_on_conflict
    def rename_office(self, actor: Actor, office_id: UUID | str, name: str, reason: str) -> Office:
        office = self.load_office(office_id)
        require_scope(actor, office, (BANK_ADMIN, BRANCH_ADMIN))
        office.rename(name, actor.record(), reason)
        self.save(office)
        return office

    @retry_on_conflict
    def close_office(self, actor: Actor, office_id: UUID | str, reason: str) -> Office:
        office = self.load_office(office_id)
        require_scope(actor, office, (BANK_ADMIN, BRANCH_ADMIN))
        office.close(actor.record(), reason)
        self.save(office)
        return office

    @retry_on_conflict
    def change_point_rules(
        self,
        actor: Actor,
        bank_id: UUID | str,
        points_per_hour: int,
        category_multipliers: dict[str, Any],
        effective_from: datetime | None = None,
    ) -> Office:
        """New rules from now, or from `effective_from` when announced ahead."""
        bank = self.load_office(bank_id)
        require_scope(actor, bank, (BANK_ADMIN,))
        bank.change_point_rules(points_per_hour, category_multipliers, actor.record(),
                                effective_from)
        self.save(bank)
        return bank

    @retry_on_conflict
    def cancel_point_rules_change(self, actor: Actor, bank_id: UUID | str, version: int,
                                  reason: str) -> Office:
        """Withdraw an announced change of rules before it takes effect."""
        bank = self.load_office(bank_id)
        require_scope(actor, bank, (BANK_ADMIN,))
        bank.cancel_point_rules_change(version, actor.record(), reason)
        self.save(bank)
        return bank

    def read_office(self, actor: Actor, office_id: UUID | str) -> Office:
        """An office the actor may look at (its own subtree)."""
        office = self.load_office(office_id)
        require_read(actor, OFFICE_FIGURES, office)
        return office
