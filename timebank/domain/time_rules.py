"""A bank's time-bank rules (时间银行规则): which services store hours, who pays for them,
from what age care may be withdrawn, the storage cap and the yearly limit on giving.

The rules are recorded whole with every change (an event of the bank's `Office`), and every
command applies the rules in force when it runs, so a change is never retroactive: an
approval, a confirmation or a gift records what it moved.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from timebank.domain.errors import DomainError

# Who pays for the hours of a time-bank service.
MINTED = "minted"  # public-welfare service: the bank creates the hours (as points today)
BENEFICIARY = "beneficiary"  # mutual aid: the served person's own stored hours pay
POOL = "pool"  # the bank's public pool pays
PAYERS = (MINTED, BENEFICIARY, POOL)

# Where volunteers may take open requests: their savings office and the other offices of
# its branch (街道), unless the bank widens it to the whole bank.
TAKE_BRANCH, TAKE_BANK = "branch", "bank"
TAKE_AREAS = (TAKE_BRANCH, TAKE_BANK)

# rules.md: Shanghai withdraws care from 65 (60 in hardship); the default is 60.
DEFAULT_CARE_FROM_AGE = 60
MAX_HOURS_SETTING = 100_000


@dataclass(frozen=True)
class PriorityRule:
    """One way an elder qualifies for hours from the pool: every condition named holds.
    Nanjing: 80 or older and living alone; or 60–79 on minimum income and disabled."""

    min_age: int = 0
    max_age: int | None = None
    living_alone: bool = False
    minimum_income: bool = False
    disabled: bool = False

    def admits(self, age: int, living_alone: bool, minimum_income: bool,
               disabled: bool) -> bool:
        return (age >= self.min_age and (self.max_age is None or age <= self.max_age)
                and (living_alone or not self.living_alone)
                and (minimum_income or not self.minimum_income)
                and (disabled or not self.disabled))


@dataclass(frozen=True)
class TimeBankRules:
    # category -> payer; a category not named here is not a time-bank service.
    payers: dict[str, str] = field(default_factory=dict)
    # Time-bank categories that also earn points (the others store hours only).
    points_too: tuple[str, ...] = ()
    care_from_age: int = DEFAULT_CARE_FROM_AGE
    storage_cap_hours: int | None = None  # lifetime, per person; off unless set (Nanjing 1,500)
    gift_limit_hours_per_year: int | None = None  # gifts and donations; off unless set
    take_area: str = TAKE_BRANCH
    priority: tuple[PriorityRule, ...] = ()

    def payer_for(self, category: str) -> str | None:
        return self.payers.get(category)

    def earns_points(self, category: str) -> bool:
        return category not in self.payers or category in self.points_too

    @property
    def storage_cap_minutes(self) -> int | None:
        return None if self.storage_cap_hours is None else self.storage_cap_hours * 60

    @property
    def gift_limit_minutes(self) -> int | None:
        return (None if self.gift_limit_hours_per_year is None
                else self.gift_limit_hours_per_year * 60)

    def is_priority(self, age: int, living_alone: bool, minimum_income: bool,
                    disabled: bool) -> bool:
        return any(rule.admits(age, living_alone, minimum_income, disabled)
                   for rule in self.priority)

    def as_record(self) -> dict[str, Any]:
        """What the event stores: plain JSON values, every field written out."""
        record = asdict(self)
        record["points_too"] = list(self.points_too)
        record["priority"] = [asdict(rule) for rule in self.priority]
        return record

    @classmethod
    def from_record(cls, record: dict[str, Any] | None) -> TimeBankRules:
        """The rules as an event stored them (trusted: they were checked when made)."""
        if not record:
            return cls()
        return cls(
            payers=dict(record.get("payers", {})),
            points_too=tuple(record.get("points_too", ())),
            care_from_age=int(record.get("care_from_age", DEFAULT_CARE_FROM_AGE)),
            storage_cap_hours=record.get("storage_cap_hours"),
            gift_limit_hours_per_year=record.get("gift_limit_hours_per_year"),
            take_area=record.get("take_area", TAKE_BRANCH),
            priority=tuple(PriorityRule(**rule) for rule in record.get("priority", ())),
        )

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> TimeBankRules:
        """Rules as a bank administrator sends them, checked; `invalid_time_rules` if not."""
        if not isinstance(raw, dict):
            raise DomainError("invalid_time_rules")
        payers_raw = raw.get("payers", {})
        if not isinstance(payers_raw, dict):
            raise DomainError("invalid_time_rules", "payers maps categories to payers.")
        payers: dict[str, str] = {}
        for category, payer in payers_raw.items():
            name = str(category).strip()
            if not name or len(name) > 50 or payer not in PAYERS:
                raise DomainError("invalid_time_rules",
                                  f"payer of {category!r} is one of {', '.join(PAYERS)}.")
            payers[name] = payer
        points_too = raw.get("points_too", [])
        if not isinstance(points_too, list) or any(c not in payers for c in points_too):
            raise DomainError("invalid_time_rules",
                              "points_too names time-bank categories only.")
        take_area = raw.get("take_area", TAKE_BRANCH)
        if take_area not in TAKE_AREAS:
            raise DomainError("invalid_time_rules", "take_area is branch or bank.")
        priority_raw = raw.get("priority", [])
        if not isinstance(priority_raw, list):
            raise DomainError("invalid_time_rules", "priority is a list of rules.")
        priority = []
        for rule in priority_raw:
            if not isinstance(rule, dict) or set(rule) - set(PriorityRule.__dataclass_fields__):
                raise DomainError("invalid_time_rules", "a priority rule names min_age, "
                                  "max_age, living_alone, minimum_income, disabled.")
            min_age = _whole(rule.get("min_age", 0), "min_age", 0, 150)
            max_age = rule.get("max_age")
            if max_age is not None:
                max_age = _whole(max_age, "max_age", min_age, 150)
            flags = {k: rule.get(k, False) for k in ("living_alone", "minimum_income",
                                                     "disabled")}
            if any(not isinstance(v, bool) for v in flags.values()):
                raise DomainError("invalid_time_rules", "conditions are true or false.")
            priority.append(PriorityRule(min_age=min_age, max_age=max_age, **flags))
        cap = raw.get("storage_cap_hours")
        limit = raw.get("gift_limit_hours_per_year")
        return cls(
            payers=payers,
            points_too=tuple(sorted(set(points_too))),
            care_from_age=_whole(raw.get("care_from_age", DEFAULT_CARE_FROM_AGE),
                                 "care_from_age", 0, 150),
            storage_cap_hours=None if cap is None else _whole(cap, "storage_cap_hours", 1,
                                                              MAX_HOURS_SETTING),
            gift_limit_hours_per_year=None if limit is None else _whole(
                limit, "gift_limit_hours_per_year", 0, MAX_HOURS_SETTING),
            take_area=take_area,
            priority=tuple(priority),
        )


def _whole(value: object, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError("invalid_time_rules", f"{name} is a whole number from {low} to "
                          f"{high}.")
    return value
