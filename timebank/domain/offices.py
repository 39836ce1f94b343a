"""The office tree: bank (区级总行) → branch (街道分行) → savings office (社区储蓄所).

A bank owns its point rules. Changes of rules are events, each with the moment it takes
effect (now, or a time announced ahead); points are computed when hours are approved, with
the rules in force then, so a change is never retroactive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.stars import (
    FIRST_CORRECTION_DAYS,
    FIRST_STAR_THRESHOLDS_HOURS,
    check_correction_days,
    check_thresholds,
)
from timebank.domain.time_rules import TimeBankRules
from timebank.domain.values import require_aware, utc_now
from timebank.domain.vocabulary import OFFICE_KIND

BANK, BRANCH, SAVINGS_OFFICE = "bank", "branch", "savings_office"
KINDS = OFFICE_KIND.codes  # bank, branch, savings_office (labels in the vocabulary)
PARENT_KIND: dict[str, str | None] = {BANK: None, BRANCH: BANK, SAVINGS_OFFICE: BRANCH}

DEFAULT_POINTS_PER_HOUR = 10
MAX_POINTS_PER_HOUR = 10_000
MAX_MULTIPLIER = Decimal("10")
# How far ahead a change of point rules may be announced.
MAX_RULES_NOTICE = timedelta(days=366)


@dataclass(frozen=True)
class PointRuleSet:
    """One change of a bank's point rules: from `effective_from` on, until a later one."""

    version: int
    effective_from: datetime | None  # None: the rules a bank opened with
    points_per_hour: int
    category_multipliers: dict[str, str]
    cancelled: bool = False


def check_tier(kind: str, parent: Office | None) -> None:
    """The contract's tier rule, in one place."""
    if kind not in KINDS:
        raise DomainError("invalid_input", f"kind must be one of {', '.join(KINDS)}.", field="kind")
    expected = PARENT_KIND[kind]
    actual = parent.kind if parent is not None else None
    if expected != actual:
        raise DomainError("invalid_parent")
    if parent is not None and parent.closed:
        raise DomainError("office_closed")


def normalise_multipliers(raw: dict[str, Any]) -> dict[str, str]:
    multipliers: dict[str, str] = {}
    for category, value in (raw or {}).items():
        try:
            multiplier = Decimal(str(value))
        except (InvalidOperation, ValueError) as exc:
            raise DomainError("invalid_point_rules", f"bad multiplier for {category!r}") from exc
        category = str(category).strip()
        if (
            not category
            or not multiplier.is_finite()
            or multiplier <= 0
            or multiplier > MAX_MULTIPLIER
        ):
            raise DomainError("invalid_point_rules", f"bad multiplier for {category!r}")
        multipliers[category] = format(multiplier.normalize(), "f")
    return multipliers


def opening_points_per_hour(kind: str) -> int:
    """A bank opens with the default rule; branches and savings offices have none."""
    return DEFAULT_POINTS_PER_HOUR if kind == BANK else 0


class Office(Aggregate):
    class Opened(Aggregate.Created):
        """Version 2 records the points per hour the office opened with. Version 1 left it
        to a constant of the code, so changing that constant would have changed the rules
        of every bank already open when its events were replayed."""

        class_version = 2
        name: str
        kind: str
        parent_id: UUID | None
        ancestor_ids: list[UUID]
        actor: dict[str, Any]
        points_per_hour: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # What version 1 gave every office it opened: 10 points an hour for a bank.
            state["points_per_hour"] = 10 if state["kind"] == BANK else 0

    @event(Opened)
    def __init__(
        self,
        name: str,
        kind: str,
        parent_id: UUID | None,
        ancestor_ids: list[UUID],
        actor: dict[str, Any],
        points_per_hour: int,
    ) -> None:
        self.name = name
        self.kind = kind
        self.parent_id = parent_id
        # Root first; an office never moves, so its ancestry is a fact of its opening.
        self.ancestor_ids = list(ancestor_ids)
        self.closed = False
        # Every change of point rules, in the order recorded (opening rules first); which
        # is in force depends on the moment asked about (rules_at).
        self.point_rule_sets: list[PointRuleSet] = [
            PointRuleSet(1 if kind == BANK else 0, None, points_per_hour, {})]
        # The rules of volunteers' records (timebank/domain/stars.py), a bank's.
        self.star_thresholds_hours = FIRST_STAR_THRESHOLDS_HOURS
        self.correction_days = FIRST_CORRECTION_DAYS
        # What a certificate it issues names (2015 guidance): its person in charge, the
        # handling officer and a contact.
        self.issuer_profile: dict[str, str] | None = None
        # The time-bank rules in force (timebank.domain.time_rules); none until a bank sets them.
        self.time_bank_rules: dict[str, Any] = {}

    @classmethod
    def open(
        cls, name: str, kind: str, parent: Office | None, actor: dict[str, Any]
    ) -> Office:
        check_tier(kind, parent)
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        ancestors = [*parent.ancestor_ids, parent.id] if parent else []
        return cls(
            name=name,
            kind=kind,
            parent_id=parent.id if parent else None,
            ancestor_ids=ancestors,
            actor=actor,
            points_per_hour=opening_points_per_hour(kind),
        )

    @property
    def bank_id(self) -> UUID:
        return self.ancestor_ids[0] if self.ancestor_ids else self.id

    def is_within(self, office_id: UUID) -> bool:
        """True when this office is `office_id` or lies under it."""
        return office_id == self.id or office_id in self.ancestor_ids

    def ensure_open(self) -> None:
        if self.closed:
            raise DomainError("office_closed")

    def rename(self, name: str, actor: dict[str, Any], reason: str = "") -> None:
        self.ensure_open()
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        self._renamed(name=name, actor=actor, reason=reason)

    class Renamed(Aggregate.Event):
        name: str
        actor: dict[str, Any]
        reason: str

    @event(Renamed)
    def _renamed(self, name: str, actor: dict[str, Any], reason: str) -> None:
        self.name = name

    def close(self, actor: dict[str, Any], reason: str) -> None:
        self.ensure_open()
        self._closed(actor=actor, reason=reason)

    class Closed(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Closed)
    def _closed(self, actor: dict[str, Any], reason: str) -> None:
        self.closed = True

    def change_point_rules(
        self, points_per_hour: int, category_multipliers: dict[str, Any], actor: dict[str, Any],
        effective_from: datetime | None = None,
    ) -> None:
        """New rules from `effective_from` (now when not given; never in the past)."""
        if self.kind != BANK:
            raise DomainError("office_not_bank")
        self.ensure_open()
        if (
            isinstance(points_per_hour, bool)
            or not isinstance(points_per_hour, int)
            or not 0 < points_per_hour <= MAX_POINTS_PER_HOUR
        ):
            raise DomainError("invalid_point_rules", "points_per_hour must be 1 to 10000.")
        now = utc_now()
        if effective_from is None:
            effective_from = now
        effective_from = require_aware(effective_from, "effective_from")
        # A minute of grace: a form filled in with "now" arrives a little later.
        if not now - timedelta(minutes=1) <= effective_from <= now + MAX_RULES_NOTICE:
            raise DomainError("invalid_rules_effective_from", field="effective_from")
        self._point_rules_changed(
            points_per_hour=points_per_hour,
            category_multipliers=normalise_multipliers(category_multipliers),
            actor=actor,
            effective_from=max(effective_from, now),
        )

    class PointRulesChanged(Aggregate.Event):
        """Version 2 records when the rules take effect, which may be ahead of the change.
        Version 1 rules took effect as they were recorded."""

        class_version = 2
        points_per_hour: int
        category_multipliers: dict[str, str]
        actor: dict[str, Any]
        effective_from: datetime

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["effective_from"] = state["timestamp"]

    @event(PointRulesChanged)
    def _point_rules_changed(
        self, points_per_hour: int, category_multipliers: dict[str, str], actor: dict[str, Any],
        effective_from: datetime,
    ) -> None:
        self.point_rule_sets.append(PointRuleSet(
            self.point_rule_sets[-1].version + 1, effective_from, points_per_hour,
            dict(category_multipliers)))

    def cancel_point_rules_change(self, version: int, actor: dict[str, Any],
                                  reason: str) -> None:
        """Withdraw an announced change before it takes effect (one in force stays: a
        newer change replaces it)."""
        if self.kind != BANK:
            raise DomainError("office_not_bank")
        self.ensure_open()
        reason = (reason or "").strip()
        if not 1 <= len(reason) <= 500:
            raise DomainError("invalid_input", "reason: 1 to 500 characters.", field="reason")
        found = [r for r in self.point_rule_sets if r.version == version and r.effective_from]
        if not found or found[0].cancelled:
            raise DomainError("not_found", "no such announced change of point rules.")
        if found[0].effective_from <= utc_now():
            raise DomainError("rules_already_in_force")
        self._point_rules_change_cancelled(version=version, actor=actor, reason=reason)

    class PointRulesChangeCancelled(Aggregate.Event):
        version: int
        actor: dict[str, Any]
        reason: str

    @event(PointRulesChangeCancelled)
    def _point_rules_change_cancelled(self, version: int, actor: dict[str, Any],
                                      reason: str) -> None:
        self.point_rule_sets = [
            PointRuleSet(r.version, r.effective_from, r.points_per_hour,
                         r.category_multipliers, cancelled=True) if r.version == version else r
            for r in self.point_rule_sets]

    def rules_at(self, moment: datetime) -> PointRuleSet:
        """The rules in force at `moment`: of the changes not withdrawn that took effect by
        then, the latest to take effect (of two at the same moment, the later recorded)."""
        in_force = self.point_rule_sets[0]
        for rules in self.point_rule_sets[1:]:
            if rules.cancelled or rules.effective_from is None or rules.effective_from > moment:
                continue
            if in_force.effective_from is None or rules.effective_from >= in_force.effective_from:
                in_force = rules
        return in_force

    def rules_in_force(self) -> PointRuleSet:
        return self.rules_at(utc_now())

    def announced_rules(self) -> list[PointRuleSet]:
        """Changes to come, soonest first."""
        now = utc_now()
        return sorted((r for r in self.point_rule_sets[1:]
                       if not r.cancelled and r.effective_from and r.effective_from > now),
                      key=lambda r: (r.effective_from, r.version))

    @property
    def points_per_hour(self) -> int:
        return self.rules_in_force().points_per_hour

    @property
    def category_multipliers(self) -> dict[str, str]:
        return self.rules_in_force().category_multipliers

    @property
    def rules_version(self) -> int:
        return self.rules_in_force().version

    def multiplier_for(self, category: str) -> Decimal:
        return Decimal(self.category_multipliers.get(category, "1"))

    def change_record_rules(self, star_thresholds_hours: list[int], correction_days: int,
                            actor: dict[str, Any]) -> None:
        """星级 thresholds and the days to answer a correction request: from now on."""
        if self.kind != BANK:
            raise DomainError("office_not_bank")
        self.ensure_open()
        self._record_rules_changed(
            star_thresholds_hours=list(check_thresholds(star_thresholds_hours)),
            correction_days=check_correction_days(correction_days), actor=actor)

    class RecordRulesChanged(Aggregate.Event):
        star_thresholds_hours: list[int]
        correction_days: int
        actor: dict[str, Any]

    @event(RecordRulesChanged)
    def _record_rules_changed(self, star_thresholds_hours: list[int], correction_days: int,
                              actor: dict[str, Any]) -> None:
        self.star_thresholds_hours = tuple(star_thresholds_hours)
        self.correction_days = correction_days

    def set_issuer_profile(self, person_in_charge: str, handling_officer: str, contact: str,
                           actor: dict[str, Any]) -> None:
        """志愿服务记录证明 name the issuer's person in charge (负责人), the handling officer
        (经办人) and a contact (联系方式)."""
        self.ensure_open()
        values = {}
        for field, value, limit in (("person_in_charge", person_in_charge, 50),
                                    ("handling_officer", handling_officer, 50),
                                    ("contact", contact, 100)):
            text = (value or "").strip()
            if not 1 <= len(text) <= limit:
                raise DomainError("invalid_input", f"{field}: 1 to {limit} characters.",
                                  field=field)
            values[field] = text
        self._issuer_profile_set(**values, actor=actor)

    class IssuerProfileSet(Aggregate.Event):
        person_in_charge: str
        handling_officer: str
        contact: str
        actor: dict[str, Any]

    @event(IssuerProfileSet)
    def _issuer_profile_set(self, person_in_charge: str, handling_officer: str, contact: str,
                            actor: dict[str, Any]) -> None:
        self.issuer_profile = {"person_in_charge": person_in_charge,
                               "handling_officer": handling_officer, "contact": contact}
    # -- time-bank rules: recorded whole with every change, applied as they stand then -----
    def change_time_bank_rules(self, rules: TimeBankRules, actor: dict[str, Any]) -> None:
        if self.kind != BANK:
            raise DomainError("office_not_bank")
        self.ensure_open()
        self._time_bank_rules_changed(rules=rules.as_record(), actor=actor)

    class TimeBankRulesChanged(Aggregate.Event):
        rules: dict[str, Any]  # every field of TimeBankRules, written out
        actor: dict[str, Any]

    @event(TimeBankRulesChanged)
    def _time_bank_rules_changed(self, rules: dict[str, Any], actor: dict[str, Any]) -> None:
        self.time_bank_rules = dict(rules)

    def time_rules(self) -> TimeBankRules:
        return TimeBankRules.from_record(self.time_bank_rules)
