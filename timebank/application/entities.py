"""The legal entity a foundation's books report for: the foundation with the funds it hosts,
and its organisation profile (type, public-fundraising status, indicator basis)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from timebank.application.authz import FUND_READERS, FUND_WRITERS, require_scope
from timebank.application.base import BaseServices
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.e_receipts import EReceipt, check_number
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund
from timebank.domain.ids import e_receipt_id_for, organisation_id_for
from timebank.domain.indicators import Profile
from timebank.domain.organisations import Organisation
from timebank.domain.users import User


class EntityServices(BaseServices):
    def entity_fund(self, actor: Actor, fund_id: UUID | str, write: bool = False) -> Fund:
        """The fund at the head of the legal entity `fund_id` belongs to (a hosted fund's
        host; a foundation or a fund hosted by none is its own), if the actor may read it —
        or change it, with `write`. Its readers read the whole entity's figures."""
        fund = self.load(Fund, fund_id, "fund")
        if fund.host_fund_id is not None:
            fund = self.load(Fund, fund.host_fund_id, "fund")
        require_scope(actor, self.load_office(fund.office_id),
                      FUND_WRITERS if write else FUND_READERS)
        return fund

    def organisation(self, entity_fund_id: UUID) -> Organisation | None:
        try:
            found = self.repository.get(organisation_id_for(entity_fund_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, Organisation) else None

    def entity_profile(self, entity_fund_id: UUID) -> tuple[Profile, bool]:
        """The recorded profile, or the rule's default (a foundation without public-fundraising
        status, prior-year basis) and False."""
        organisation = self.organisation(entity_fund_id)
        if organisation is None:
            return Profile(), False
        return organisation.profile, True

    def officer_name(self, actor_id: str | None) -> str | None:
        """经办人: the username of the staff account that recorded an entry."""
        if not actor_id:
            return None
        try:
            user = self.repository.get(UUID(actor_id))
        except (AggregateNotFoundError, ValueError):
            return None
        return user.username if isinstance(user, User) else None

    @retry_on_conflict
    def set_organisation(
        self, actor: Actor, fund_id: UUID | str, organisation_type: Any,
        public_fundraising_since: date | None, indicator_basis: Any,
    ) -> tuple[Fund, Organisation]:
        fund = self.entity_fund(actor, fund_id, write=True)
        organisation = self.organisation(fund.id)
        if organisation is None:
            organisation = Organisation.register(
                fund.id, organisation_type, public_fundraising_since, indicator_basis,
                actor.record())
        else:
            organisation.change(organisation_type, public_fundraising_since, indicator_basis,
                                actor.record())
        self.save(organisation)
        return fund, organisation

    @retry_on_conflict
    def record_e_receipt(self, actor: Actor, fund_id: UUID | str, donation_id: UUID | str,
                         number: Any) -> EReceipt:
        """The finance authority's e-receipt number of a gift, once issued (or corrected)."""
        fund = self.load(Fund, fund_id, "fund")
        require_scope(actor, self.load_office(fund.office_id), FUND_WRITERS)
        try:
            gift = UUID(str(donation_id))
        except ValueError as exc:
            raise DomainError("not_found", "donation not found.") from exc
        if not self.gift_of_fund(fund, gift):
            raise DomainError("not_found", "donation not found.")
        number = check_number(number)
        try:
            record = self.repository.get(e_receipt_id_for(gift))
        except AggregateNotFoundError:
            record = EReceipt(donation_id=gift, fund_id=fund.id, e_receipt_no=number,
                              actor=actor.record())
        else:
            assert isinstance(record, EReceipt)
            record.correct(number, actor.record())
        self.save(record)
        return record

    def gift_of_fund(self, fund: Fund, donation_id: UUID) -> bool:
        """Whether the fund took this gift (from the write side, never a projection)."""
        return self.donation_of(fund, donation_id)[1] is not None
