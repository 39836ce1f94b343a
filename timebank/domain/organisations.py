"""The legal person a foundation's books report for (慈善组织): what the charity-law indicators
need to know of it — its organisation type and since when it has public-fundraising status —
and the basis its treasurer chose for the indicators.

Its own small aggregate (id derived from the foundation's fund id), so that the `Fund`
journal does not grow with it and setting it never conflicts with a donation.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.ids import organisation_id_for
from timebank.domain.indicators import Profile, check_profile


class Organisation(Aggregate):
    class Registered(Aggregate.Created):
        entity_fund_id: UUID
        organisation_type: str
        public_fundraising_since: str | None
        indicator_basis: str
        actor: dict[str, Any]

    @staticmethod
    def create_id(entity_fund_id: UUID) -> UUID:
        return organisation_id_for(entity_fund_id)

    @event(Registered)
    def __init__(self, entity_fund_id: UUID, organisation_type: str,
                 public_fundraising_since: str | None, indicator_basis: str,
                 actor: dict[str, Any]) -> None:
        self.entity_fund_id = entity_fund_id
        self.organisation_type = organisation_type
        self.public_fundraising_since = public_fundraising_since
        self.indicator_basis = indicator_basis

    @classmethod
    def register(cls, entity_fund_id: UUID, organisation_type: Any, since: Any, basis: Any,
                 actor: dict[str, Any]) -> Organisation:
        profile = check_profile(organisation_type, since, basis)
        return cls(entity_fund_id=entity_fund_id, organisation_type=profile.organisation_type,
                   public_fundraising_since=_iso(profile.public_fundraising_since),
                   indicator_basis=profile.basis, actor=actor)

    class ProfileChanged(Aggregate.Event):
        organisation_type: str
        public_fundraising_since: str | None
        indicator_basis: str
        actor: dict[str, Any]

    def change(self, organisation_type: Any, since: Any, basis: Any,
               actor: dict[str, Any]) -> None:
        profile = check_profile(organisation_type, since, basis)
        self._changed(organisation_type=profile.organisation_type,
                      public_fundraising_since=_iso(profile.public_fundraising_since),
                      indicator_basis=profile.basis, actor=actor)

    @event(ProfileChanged)
    def _changed(self, organisation_type: str, public_fundraising_since: str | None,
                 indicator_basis: str, actor: dict[str, Any]) -> None:
        self.organisation_type = organisation_type
        self.public_fundraising_since = public_fundraising_since
        self.indicator_basis = indicator_basis

    @property
    def profile(self) -> Profile:
        since = self.public_fundraising_since
        return Profile(self.organisation_type, date.fromisoformat(since) if since else None,
                       self.indicator_basis)


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None
