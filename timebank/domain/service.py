"""Activities (志愿服务活动) and service records (服务记录).

A service record goes (checked_in →) pending → approved | rejected. Corrections are appended as
compensating events; the original figures stay in the history.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.ages import (
    MINORS_CLOSED,
    MINORS_GROUP_ONLY,
    MINORS_OPEN,
    Attendee,
    check_minors_policy,
)
from timebank.domain.errors import DomainError
from timebank.domain.values import MAX_SERVICE_MINUTES, require_aware
from timebank.domain.vocabulary import APPROVAL_POLICY, GEOFENCE_MODE

CHECKED_IN, PENDING, APPROVED, REJECTED = "checked_in", "pending", "approved", "rejected"
AUTO_CLOSED, OUTSIDE_AREA, NO_POSITION = "auto_closed", "outside_area", "no_position"
# A scan whose volunteer has not consented to the use of their location: taken, never
# refused by the geofence, and flagged for review instead (PIPL: location is sensitive).
NO_LOCATION_CONSENT = "no_location_consent"


def _check_text(value: str, field: str, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError(
            "invalid_input", f"{field} must be 1 to {max_len} characters.", field=field
        )
    return text


MANUAL_APPROVAL, AUTO_ON_CHECKOUT = "manual", "auto_on_checkout"
APPROVAL_POLICIES = APPROVAL_POLICY.codes  # labels in the vocabulary
GEOFENCE_REFUSE, GEOFENCE_FLAG = "refuse", "flag"
GEOFENCE_MODES = GEOFENCE_MODE.codes
MAX_RADIUS_M = 50_000
DEFAULT_RADIUS_M = 200
MAX_CAPACITY = 100_000
EARTH_RADIUS_M = 6_371_000


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance (haversine): plenty for "is the phone at the community centre"."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _check_place(
    latitude: float | None, longitude: float | None, radius_m: int | None
) -> tuple[float | None, float | None, int | None]:
    if latitude is None and longitude is None:
        return None, None, None
    if latitude is None or longitude is None:
        raise DomainError("invalid_input", "latitude and longitude go together.", field="latitude")
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise DomainError("invalid_input", "latitude/longitude out of range.", field="latitude")
    radius = DEFAULT_RADIUS_M if radius_m is None else radius_m
    if isinstance(radius, bool) or not isinstance(radius, int) or not 10 <= radius <= MAX_RADIUS_M:
        raise DomainError("invalid_input", "radius_m: 10 to 50000 metres.", field="radius_m")
    return float(latitude), float(longitude), radius


def _check_options(capacity: int | None, approval_policy: str, geofence_mode: str) -> None:
    if capacity is not None and (
        isinstance(capacity, bool)
        or not isinstance(capacity, int)
        or not 1 <= capacity <= MAX_CAPACITY
    ):
        raise DomainError("invalid_input", "capacity: 1 to 100000.", field="capacity")
    if approval_policy not in APPROVAL_POLICIES:
        raise DomainError(
            "invalid_input",
            f"approval_policy: one of {APPROVAL_POLICIES}.",
            field="approval_policy",
        )
    if geofence_mode not in GEOFENCE_MODES:
        raise DomainError(
            "invalid_input", f"geofence_mode: one of {GEOFENCE_MODES}.", field="geofence_mode"
        )


# What an activity's plan holds besides its office: every field `Created` has after
# `location`, in the order `Edited.plan` carries them.
PLAN_FIELDS = (
    "title", "category", "starts_at", "ends_at", "location", "latitude", "longitude",
    "radius_m", "capacity", "approval_policy", "geofence_mode", "content",
    "person_in_charge_id", "beneficiary", "minors", "required_training",
    "requires_insurance", "insurance_ref",
)


class Activity(Aggregate):
    class Created(Aggregate.Created):
        """Version 2 records what a service entry needs (content, the person in charge, a
        beneficiary) and who may attend (minors, a training, insurance)."""

        class_version = 2
        office_id: UUID
        bank_id: UUID
        title: str
        category: str
        starts_at: datetime
        ends_at: datetime
        location: str
        actor: dict[str, Any]
        latitude: float | None = None
        longitude: float | None = None
        radius_m: int | None = None
        capacity: int | None = None
        approval_policy: str = MANUAL_APPROVAL
        geofence_mode: str = GEOFENCE_FLAG
        content: str = ""
        person_in_charge_id: UUID | None = None
        beneficiary: str = ""
        minors: str = MINORS_CLOSED
        required_training: str = ""
        requires_insurance: bool = False
        insurance_ref: str = ""

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 kept none of these, and admitted anybody: minors were not refused.
            state.update(content="", person_in_charge_id=None, beneficiary="",
                         minors=MINORS_OPEN, required_training="", requires_insurance=False,
                         insurance_ref="")

    @event(Created)
    def __init__(
        self,
        office_id: UUID,
        bank_id: UUID,
        title: str,
        category: str,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        actor: dict[str, Any],
        latitude: float | None = None,
        longitude: float | None = None,
        radius_m: int | None = None,
        capacity: int | None = None,
        approval_policy: str = MANUAL_APPROVAL,
        geofence_mode: str = GEOFENCE_FLAG,
        content: str = "",
        person_in_charge_id: UUID | None = None,
        beneficiary: str = "",
        minors: str = MINORS_CLOSED,
        required_training: str = "",
        requires_insurance: bool = False,
        insurance_ref: str = "",
    ) -> None:
        self.office_id = office_id
        self.bank_id = bank_id
        self.title = title
        self.category = category
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.location = location
        self.latitude = latitude
        self.longitude = longitude
        self.radius_m = radius_m
        self.capacity = capacity
        self.approval_policy = approval_policy
        self.geofence_mode = geofence_mode
        self.content = content
        self.person_in_charge_id = person_in_charge_id
        self.beneficiary = beneficiary
        self.minors = minors
        self.required_training = required_training
        self.requires_insurance = requires_insurance
        self.insurance_ref = insurance_ref
        self.cancelled = False
        self.admitted: list[str] = []

    @classmethod
    def plan(
        cls,
        office_id: UUID,
        bank_id: UUID,
        title: str,
        category: str,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        actor: dict[str, Any],
        latitude: float | None = None,
        longitude: float | None = None,
        radius_m: int | None = None,
        capacity: int | None = None,
        approval_policy: str = MANUAL_APPROVAL,
        geofence_mode: str = GEOFENCE_FLAG,
        content: str = "",
        person_in_charge_id: UUID | None = None,
        beneficiary: str = "",
        minors: str = MINORS_CLOSED,
        required_training: str = "",
        requires_insurance: bool = False,
        insurance_ref: str = "",
    ) -> Activity:
        starts_at = require_aware(starts_at, "starts_at")
        ends_at = require_aware(ends_at, "ends_at")
        if ends_at <= starts_at:
            raise DomainError("invalid_time_range", field="ends_at")
        latitude, longitude, radius_m = _check_place(latitude, longitude, radius_m)
        _check_options(capacity, approval_policy, geofence_mode)
        return cls(
            office_id=office_id,
            bank_id=bank_id,
            title=_check_text(title, "title", 200),
            category=_check_text(category, "category", 50),
            starts_at=starts_at,
            ends_at=ends_at,
            location=_check_text(location, "location", 200, required=False),
            actor=actor,
            latitude=latitude,
            longitude=longitude,
            radius_m=radius_m,
            capacity=capacity,
            approval_policy=approval_policy,
            geofence_mode=geofence_mode,
            content=_check_text(content, "content", 500, required=False),
            person_in_charge_id=person_in_charge_id,
            beneficiary=_check_text(beneficiary, "beneficiary", 200, required=False),
            minors=check_minors_policy(minors),
            required_training=_check_text(required_training, "required_training", 100,
                                          required=False),
            requires_insurance=bool(requires_insurance),
            insurance_ref=_check_text(insurance_ref, "insurance_ref", 100, required=False),
        )

    def edit(self, changes: dict[str, Any], actor: dict[str, Any]) -> None:
        """Change some of the plan; the event carries the whole new plan, so it reads alone."""
        if self.cancelled:
            raise DomainError("activity_cancelled")
        allowed = set(PLAN_FIELDS)
        unknown = set(changes) - allowed
        if unknown:
            raise DomainError(
                "invalid_input",
                f"cannot edit {', '.join(sorted(unknown))}.",
                field=sorted(unknown)[0],
            )
        plan = {name: getattr(self, name) for name in allowed} | changes
        checked = Activity.plan(office_id=self.office_id, bank_id=self.bank_id, actor=actor, **plan)
        new_plan = {name: getattr(checked, name) for name in allowed}
        if new_plan["capacity"] is not None and new_plan["capacity"] < len(self.admitted):
            raise DomainError(
                "invalid_input", "capacity below the volunteers already admitted.", field="capacity"
            )
        if all(new_plan[name] == getattr(self, name) for name in allowed):
            return
        self._edited(plan=new_plan, actor=actor)

    class Edited(Aggregate.Event):
        # The whole new plan: every field of PLAN_FIELDS when it was recorded (an edit made
        # before version 2 of `Created` holds only the fields of version 1, and leaves the
        # others as they were).
        plan: dict[str, Any]
        actor: dict[str, Any]

    @event(Edited)
    def _edited(self, plan: dict[str, Any], actor: dict[str, Any]) -> None:
        for name, value in plan.items():
            setattr(self, name, value)

    def cancel(self, actor: dict[str, Any], reason: str) -> None:
        if self.cancelled:
            raise DomainError("activity_cancelled")
        self._cancelled(actor=actor, reason=reason)

    class Cancelled(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Cancelled)
    def _cancelled(self, actor: dict[str, Any], reason: str) -> None:
        self.cancelled = True

    def admit(self, volunteer_id: UUID) -> None:
        """Only activities with a capacity keep a roster: the others are not a hot spot."""
        if self.capacity is None:
            return
        if len(self.admitted) >= self.capacity:
            raise DomainError("activity_full")
        self._admitted(volunteer_id=volunteer_id)

    class Admitted(Aggregate.Event):
        volunteer_id: UUID

    @event(Admitted)
    def _admitted(self, volunteer_id: UUID) -> None:
        self.admitted.append(str(volunteer_id))

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        return self.starts_at < ends_at and starts_at < self.ends_at

    # -- the rules of attendance: `grace` is how long before and after the window its codes
    # work (a setting of the deployment, TIMEBANK_SCAN_GRACE_MINUTES).
    def scans_open_at(self, grace: timedelta) -> datetime:
        return self.starts_at - grace

    def scans_close_at(self, grace: timedelta) -> datetime:
        """When its codes stop working, and when a forgotten check-out is closed."""
        return self.ends_at + grace

    def check_open_for_scans(self, now: datetime, grace: timedelta) -> None:
        """A scan at `now` is taken only inside the window plus grace, and never once cancelled."""
        if self.cancelled:
            raise DomainError("activity_cancelled")
        if self.requires_insurance and not self.insurance_ref:
            raise DomainError("insurance_required")
        if now < self.scans_open_at(grace):
            raise DomainError("activity_not_open")
        if now > self.scans_close_at(grace):
            raise DomainError("token_expired")

    def longest_service_minutes(self, grace: timedelta) -> int:
        """No attendance counts more than the activity's length plus grace."""
        return int((self.ends_at - self.starts_at + grace).total_seconds() // 60)

    def check_service_times(self, started_at: datetime, ended_at: datetime,
                            grace: timedelta) -> None:
        """Service entered by hand (代录) lies inside the window plus grace."""
        opens, closes = self.scans_open_at(grace), self.scans_close_at(grace)
        if started_at < opens or ended_at > closes:
            # Named the time to correct: the start, unless only the end lies outside.
            field = "started_at" if not opens <= started_at <= closes else "ended_at"
            raise DomainError("outside_window", field=field)

    def check_attendee(self, attendee: Attendee, by_scan: bool) -> None:
        """Who may attend: a minor needs a guardian's consent on record and an activity
        open to minors (a group-only activity takes minors only as a coordinator's entry for
        a group, never by their own scan); an activity that requires a training takes only
        volunteers who attended it."""
        if attendee.is_minor:
            if not attendee.guardian_consent:
                raise DomainError("guardian_consent_required")
            if self.minors == MINORS_CLOSED:
                raise DomainError("minors_not_admitted")
            if self.minors == MINORS_GROUP_ONLY and by_scan:
                raise DomainError("minors_group_only")
        if self.required_training and self.required_training not in attendee.trainings:
            raise DomainError("training_required", f"Required: {self.required_training}.",
                              training=self.required_training)

    def place_flags(self, position: tuple[float, float] | None,
                    location_consent: bool = True) -> list[str]:
        """The geofence: nothing to say inside the area (or without one); outside it, or
        without a position, a flag for review, or a refusal when the activity says so.
        Without the volunteer's consent to use their location, the position is not looked
        at and the scan is flagged for review, never refused."""
        if self.latitude is None or self.longitude is None:
            return []
        if not location_consent:
            return [NO_LOCATION_CONSENT]
        if position is None:
            # Withholding the position must not be a way around the geofence.
            if self.geofence_mode == GEOFENCE_REFUSE:
                raise DomainError("outside_area", "This activity needs the phone's position.")
            return [NO_POSITION]
        if distance_m(self.latitude, self.longitude, *position) <= (self.radius_m or 0):
            return []
        if self.geofence_mode == GEOFENCE_REFUSE:
            raise DomainError("outside_area")
        return [OUTSIDE_AREA]


# Ratings of a service (服务评价): one to five, by the organiser and by the beneficiary.
RATINGS = (1, 2, 3, 4, 5)
ORGANISER, BENEFICIARY = "organiser", "beneficiary"
BENEFICIARY_PERSON, BENEFICIARY_GROUP = "person", "group"
BENEFICIARY_KINDS = (BENEFICIARY_PERSON, BENEFICIARY_GROUP)


def check_rating(rating: object) -> int:
    if isinstance(rating, bool) or not isinstance(rating, int) or rating not in RATINGS:
        raise DomainError("invalid_input", "rating: a whole number from 1 to 5.", field="rating")
    return rating


def check_beneficiary(kind: str, name_sealed: str | None, label: str,
                      volunteer_id: UUID | None) -> dict[str, Any]:
    """服务对象: a group (named in `label`, e.g. 樱花社区独居老人) or a person — a registered
    volunteer (`volunteer_id`, who may then confirm the service themselves) or someone named
    only in `name_sealed` (sealed by the application: a third person's data)."""
    if kind not in BENEFICIARY_KINDS:
        raise DomainError("invalid_input", f"beneficiary kind: one of {BENEFICIARY_KINDS}.",
                          field="beneficiary.kind")
    label = _check_text(label, "beneficiary.label", 200, required=kind == BENEFICIARY_GROUP)
    if kind == BENEFICIARY_PERSON and name_sealed is None and volunteer_id is None:
        raise DomainError("invalid_input", "a person beneficiary is named or registered.",
                          field="beneficiary.name")
    return {"kind": kind, "label": label, "name_sealed": name_sealed,
            "volunteer_id": str(volunteer_id) if volunteer_id else None}


def staff_id(actor: dict[str, Any]) -> str | None:
    """The staff account behind an act, if a staff account did it."""
    return actor.get("id") if actor.get("kind") == "user" else None


class ServiceRecord(Aggregate):
    class Entered(Aggregate.Created):
        """Version 2 records the activity's person in charge (活动负责人) when the service
        was entered, and the beneficiary (服务对象) when one is known."""

        class_version = 2
        volunteer_id: UUID
        passbook_id: UUID
        activity_id: UUID
        office_id: UUID
        category: str
        started_at: datetime
        ended_at: datetime | None  # None: opened by a check-in scan
        minutes: int
        source: str  # "scan" | "manual"
        note: str
        actor: dict[str, Any]
        flags: list[str] | None = None
        person_in_charge_id: UUID | None = None
        beneficiary: dict[str, Any] | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 kept neither.
            state.update(person_in_charge_id=None, beneficiary=None)

    @event(Entered)
    def __init__(
        self,
        volunteer_id: UUID,
        passbook_id: UUID,
        activity_id: UUID,
        office_id: UUID,
        category: str,
        started_at: datetime,
        ended_at: datetime | None,
        minutes: int,
        source: str,
        note: str,
        actor: dict[str, Any],
        id: UUID | None = None,
        flags: list[str] | None = None,
        person_in_charge_id: UUID | None = None,
        beneficiary: dict[str, Any] | None = None,
    ) -> None:
        self.volunteer_id = volunteer_id
        self.passbook_id = passbook_id
        self.activity_id = activity_id
        self.office_id = office_id
        self.category = category
        self.started_at = started_at
        self.ended_at = ended_at
        self.minutes = minutes
        # A scan opens the record; a manual entry (代录) arrives complete.
        self.status = CHECKED_IN if ended_at is None else PENDING
        self.flags: list[str] = list(flags or [])
        self.points = 0
        self.points_per_hour = 0
        self.multiplier = "1"
        self.source = source
        self.person_in_charge_id = person_in_charge_id
        self.beneficiary = beneficiary
        self.entered_by = staff_id(actor)
        self.approved_by: str | None = None
        self.organiser_rating: int | None = None
        self.beneficiary_confirmation: dict[str, Any] | None = None
        # The time account its hours were stored in, when its category is a time-bank
        # service of the bank (timebank.domain.time_accounts); corrections follow it there.
        self.time_account_id: UUID | None = None

    @property
    def recorder_id(self) -> str | None:
        """记录人: the staff account that made the entry part of the volunteer's record — who
        entered it by hand (代录), else who approved it; an activity's own rule approving a
        scan (auto-approval) was set by its person in charge."""
        return recorder_of(self.source, self.entered_by, self.approved_by,
                           self.person_in_charge_id, self.status == APPROVED)

    @classmethod
    def enter_manually(
        cls,
        volunteer_id: UUID,
        passbook_id: UUID,
        activity: Activity,
        started_at: datetime,
        ended_at: datetime,
        note: str,
        actor: dict[str, Any],
        record_id: UUID | None = None,
        beneficiary: dict[str, Any] | None = None,
    ) -> ServiceRecord:
        """代录: a coordinator records attendance on the volunteer's behalf."""
        if activity.cancelled:
            raise DomainError("activity_cancelled")
        started_at = require_aware(started_at, "started_at")
        ended_at = require_aware(ended_at, "ended_at")
        if ended_at <= started_at:
            raise DomainError("invalid_time_range", field="ended_at")
        seconds = (ended_at - started_at).total_seconds()
        minutes = int(seconds // 60)
        if seconds > MAX_SERVICE_MINUTES * 60:
            raise DomainError("invalid_hours", field="ended_at")
        return cls(
            volunteer_id=volunteer_id,
            passbook_id=passbook_id,
            activity_id=activity.id,
            office_id=activity.office_id,
            category=activity.category,
            started_at=started_at,
            ended_at=ended_at,
            minutes=minutes,
            source="manual",
            note=_check_text(note, "note", 500, required=False),
            actor=actor,
            id=record_id,
            person_in_charge_id=activity.person_in_charge_id,
            beneficiary=beneficiary or activity_beneficiary(activity),
        )

    @classmethod
    def check_in(
        cls,
        record_id: UUID,
        volunteer_id: UUID,
        passbook_id: UUID,
        activity: Activity,
        at: datetime,
        flags: list[str],
        actor: dict[str, Any],
    ) -> ServiceRecord:
        """签到: a scan opens the record; the check-out closes it."""
        if activity.cancelled:
            raise DomainError("activity_cancelled")
        return cls(
            id=record_id,
            volunteer_id=volunteer_id,
            passbook_id=passbook_id,
            activity_id=activity.id,
            office_id=activity.office_id,
            category=activity.category,
            started_at=require_aware(at),
            ended_at=None,
            minutes=0,
            source="scan",
            note="",
            actor=actor,
            flags=flags,
            person_in_charge_id=activity.person_in_charge_id,
            beneficiary=activity_beneficiary(activity),
        )

    def check_out(
        self, at: datetime, cap_minutes: int, flags: list[str], actor: dict[str, Any]
    ) -> None:
        """签退: hours run from check-in, capped at the activity's length plus grace."""
        if self.status != CHECKED_IN:
            raise DomainError("not_checked_in")
        at = require_aware(at)
        elapsed = max(int((at - self.started_at).total_seconds() // 60), 0)
        self._checked_out(
            ended_at=at,
            minutes=min(elapsed, cap_minutes),
            flags=[f for f in flags if f not in self.flags],
            actor=actor,
        )

    class CheckedOut(Aggregate.Event):
        ended_at: datetime
        minutes: int
        flags: list[str]  # the flags this check-out adds
        actor: dict[str, Any]

    @event(CheckedOut)
    def _checked_out(
        self, ended_at: datetime, minutes: int, flags: list[str], actor: dict[str, Any]
    ) -> None:
        self.ended_at = ended_at
        self.minutes = minutes
        self.flags = [*self.flags, *flags]
        self.status = PENDING

    def auto_close(self, closed_at: datetime, cap_minutes: int, actor: dict[str, Any]) -> None:
        """A forgotten check-out: closed at the window's end plus grace, flagged for review."""
        if self.status != CHECKED_IN:
            raise DomainError("not_checked_in")
        elapsed = max(int((closed_at - self.started_at).total_seconds() // 60), 0)
        self._auto_closed(ended_at=closed_at, minutes=min(elapsed, cap_minutes), actor=actor)

    class AutoClosed(Aggregate.Event):
        ended_at: datetime
        minutes: int
        actor: dict[str, Any]

    @event(AutoClosed)
    def _auto_closed(self, ended_at: datetime, minutes: int, actor: dict[str, Any]) -> None:
        self.ended_at = ended_at
        self.minutes = minutes
        self.flags = [*self.flags, AUTO_CLOSED]
        self.status = PENDING

    def approve(
        self, points_per_hour: int, multiplier: str, points: int, actor: dict[str, Any]
    ) -> None:
        if self.status != PENDING:
            raise DomainError("not_pending")
        self._approved(
            minutes=self.minutes,
            points=points,
            points_per_hour=points_per_hour,
            multiplier=multiplier,
            actor=actor,
        )

    class Approved(Aggregate.Event):
        minutes: int
        points: int
        points_per_hour: int  # the bank's rule applied, kept for corrections
        multiplier: str
        actor: dict[str, Any]

    @event(Approved)
    def _approved(
        self,
        minutes: int,
        points: int,
        points_per_hour: int,
        multiplier: str,
        actor: dict[str, Any],
    ) -> None:
        self.status = APPROVED
        self.points = points
        self.points_per_hour = points_per_hour
        self.multiplier = multiplier
        self.approved_by = staff_id(actor)

    def reject(self, reason: str, actor: dict[str, Any]) -> None:
        if self.status != PENDING:
            raise DomainError("not_pending")
        reason = _check_text(reason, "reason", 500)
        self._rejected(reason=reason, actor=actor)

    class Rejected(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    @event(Rejected)
    def _rejected(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = REJECTED

    def correct(self, minutes: int, points: int, reason: str, actor: dict[str, Any]) -> int:
        """Record corrected hours; returns the change of points (0 while pending)."""
        if self.status not in (PENDING, APPROVED):
            raise DomainError("not_approved")
        if not 0 <= minutes <= MAX_SERVICE_MINUTES:
            raise DomainError("invalid_hours")
        reason = _check_text(reason, "reason", 500)
        points_delta = points - self.points if self.status == APPROVED else 0
        self._corrected(
            previous_minutes=self.minutes,
            minutes=minutes,
            points_delta=points_delta,
            reason=reason,
            actor=actor,
        )
        return points_delta

    class Corrected(Aggregate.Event):
        previous_minutes: int
        minutes: int
        points_delta: int
        reason: str
        actor: dict[str, Any]

    @event(Corrected)
    def _corrected(
        self,
        previous_minutes: int,
        minutes: int,
        points_delta: int,
        reason: str,
        actor: dict[str, Any],
    ) -> None:
        self.minutes = minutes
        self.points += points_delta

    # -- what makes the entry complete: its beneficiary and its evaluations -----------------
    def name_beneficiary(self, beneficiary: dict[str, Any], actor: dict[str, Any]) -> None:
        """Name (or change) the beneficiary, until the beneficiary has confirmed."""
        if self.status in (CHECKED_IN, REJECTED):
            raise DomainError("not_approved")
        if self.beneficiary_confirmation is not None:
            raise DomainError("invalid_state", "The beneficiary has already confirmed.")
        self._beneficiary_named(beneficiary=beneficiary, actor=actor)

    class BeneficiaryNamed(Aggregate.Event):
        beneficiary: dict[str, Any]
        actor: dict[str, Any]

    @event(BeneficiaryNamed)
    def _beneficiary_named(self, beneficiary: dict[str, Any], actor: dict[str, Any]) -> None:
        self.beneficiary = beneficiary

    def evaluate(self, rating: int, comment: str, actor: dict[str, Any]) -> None:
        """The organiser's evaluation (服务质量评价) of a pending or approved service. A
        later evaluation replaces the earlier one; both stay in the history."""
        if self.status in (CHECKED_IN, REJECTED):
            raise DomainError("not_approved")
        self._evaluated(rating=check_rating(rating),
                        comment=_check_text(comment, "comment", 500, required=False),
                        actor=actor)

    class Evaluated(Aggregate.Event):
        rating: int
        comment: str
        actor: dict[str, Any]

    @event(Evaluated)
    def _evaluated(self, rating: int, comment: str, actor: dict[str, Any]) -> None:
        self.organiser_rating = rating

    def confirm_by_beneficiary(self, confirmed: bool, rating: int | None, comment: str,
                               on_behalf: bool, actor: dict[str, Any]) -> None:
        """The beneficiary confirms (or disputes) that the service took place, and rates it:
        once. `on_behalf`: staff recorded what the beneficiary said (代确认)."""
        if self.beneficiary is None:
            raise DomainError("invalid_state", "This service names no beneficiary.")
        if self.status in (CHECKED_IN, REJECTED):
            raise DomainError("not_approved")
        if self.beneficiary_confirmation is not None:
            raise DomainError("invalid_state", "The beneficiary has already confirmed.")
        self._beneficiary_confirmed(
            confirmed=bool(confirmed),
            rating=check_rating(rating) if rating is not None else None,
            comment=_check_text(comment, "comment", 500, required=False),
            on_behalf=bool(on_behalf), actor=actor)

    class BeneficiaryConfirmed(Aggregate.Event):
        confirmed: bool  # False: the beneficiary says the service did not take place
        rating: int | None
        comment: str
        on_behalf: bool
        actor: dict[str, Any]

    @event(BeneficiaryConfirmed)
    def _beneficiary_confirmed(self, confirmed: bool, rating: int | None, comment: str,
                               on_behalf: bool, actor: dict[str, Any]) -> None:
        self.beneficiary_confirmation = {"confirmed": confirmed, "rating": rating}


    def store_hours(self, account_id: UUID, actor: dict[str, Any]) -> None:
        """At approval: the record's hours were stored in this time account (saved with it)."""
        if self.status != APPROVED or self.time_account_id is not None:
            raise DomainError("invalid_state")
        self._hours_stored(account_id=account_id, minutes=self.minutes, actor=actor)

    class HoursStored(Aggregate.Event):
        account_id: UUID
        minutes: int
        actor: dict[str, Any]

    @event(HoursStored)
    def _hours_stored(self, account_id: UUID, minutes: int, actor: dict[str, Any]) -> None:
        self.time_account_id = account_id


def activity_beneficiary(activity: Activity) -> dict[str, Any] | None:
    """The beneficiary an activity names (a group), given to each of its entries."""
    if not activity.beneficiary:
        return None
    return check_beneficiary(BENEFICIARY_GROUP, None, activity.beneficiary, None)


def recorder_of(source: str, entered_by: str | None, approved_by: str | None,
                person_in_charge_id: UUID | str | None, approved: bool) -> str | None:
    """记录人 (see ServiceRecord.recorder_id), one rule for the aggregate and the read side."""
    if source == "manual" and entered_by:
        return entered_by
    if approved_by:
        return approved_by
    if approved and person_in_charge_id:
        return str(person_in_charge_id)
    return None
