"""Ages, minors and who may attend what (《志愿服务条例》; PIPL; youth-league practice).

A volunteer's age comes from the birth date in their resident ID number, or from a birth date
given at registration when there is no ID number. Under 14 a person cannot register on their
own; from 14 to 18 a guardian's consent must be on record (who, relation, when). Volunteers
registered before ages were kept, with neither an ID number nor a birth date, are treated as
adults and listed for staff to complete.

An activity says whether minors may attend (`closed`, `open`, or `group_only`: only entered
by the coordinator as part of a group, never by their own scan), may require a training (by
name) and may require an insurance reference before it opens for scanning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from timebank.domain.errors import DomainError

# Below this age nobody registers on their own; below ADULT_AGE a guardian must consent.
MIN_REGISTRATION_AGE = 14
ADULT_AGE = 18

# What registration learnt of a person's age: a plain fact that keeps the birth date sealed.
ADULT, MINOR, UNKNOWN = "adult", "minor", "unknown"
AGE_BANDS = (ADULT, MINOR, UNKNOWN)

# Who an activity admits below ADULT_AGE.
MINORS_CLOSED, MINORS_OPEN, MINORS_GROUP_ONLY = "closed", "open", "group_only"
MINORS_POLICIES = (MINORS_CLOSED, MINORS_OPEN, MINORS_GROUP_ONLY)

GUARDIAN_RELATIONS = ("parent", "grandparent", "sibling", "other_relative", "legal_guardian")


def birth_date_from_id(id_number: str) -> date:
    """The birth date in an 18-character resident ID number (GB 11643), positions 7–14."""
    return datetime.strptime(id_number[6:14], "%Y%m%d").date()


def age_on(birth: date, day: date) -> int:
    """Whole years completed on `day` (a birthday on 29 February counts on 1 March)."""
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - (1 if before_birthday else 0)


def check_birth_date(birth: date, today: date) -> date:
    if birth > today or birth.year < 1900:
        raise DomainError("invalid_input", "birth_date is not a possible birth date.",
                          field="birth_date")
    return birth


def registration_age_band(birth: date | None, today: date, guardian_consent: bool) -> str:
    """The band a registration records, or the refusal the rules require."""
    if birth is None:
        return UNKNOWN
    age = age_on(birth, today)
    if age < MIN_REGISTRATION_AGE:
        raise DomainError("volunteer_too_young", field="birth_date")
    if age < ADULT_AGE:
        if not guardian_consent:
            raise DomainError("guardian_consent_required", field="guardian")
        return MINOR
    return ADULT


def check_guardian(name: str, relation: str, consented_on: date, today: date) -> tuple[str, str]:
    name = (name or "").strip()
    if not 1 <= len(name) <= 50:
        raise DomainError("invalid_input", "guardian name: 1 to 50 characters.",
                          field="guardian.name")
    if relation not in GUARDIAN_RELATIONS:
        raise DomainError("invalid_input", f"guardian relation: one of {GUARDIAN_RELATIONS}.",
                          field="guardian.relation")
    if consented_on > today:
        raise DomainError("invalid_input", "a consent cannot be dated in the future.",
                          field="guardian.consented_on")
    return name, relation


@dataclass(frozen=True)
class Attendee:
    """What the activity's rules need to know of a volunteer, gathered by the application
    (the age is opened from sealed data only when the registration did not settle it)."""

    is_minor: bool  # under ADULT_AGE today (an unknown age counts as an adult's)
    guardian_consent: bool = False
    trainings: frozenset[str] = field(default_factory=frozenset)
    location_consent: bool = False


def check_minors_policy(policy: str) -> str:
    if policy not in MINORS_POLICIES:
        raise DomainError("invalid_input", f"minors: one of {MINORS_POLICIES}.", field="minors")
    return policy
