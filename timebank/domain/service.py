"""Activities (志愿服务活动) and service records (服务记录).

A service record goes pending → approved | rejected. Corrections are appended as
compensating events; the original figures stay in the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.values import MAX_SERVICE_MINUTES, require_aware

PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


def _check_text(value: str, field: str, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError("invalid_input", f"{field} must be 1 to {max_len} characters.")
    return text


class Activity(Aggregate):
    @event("Created")
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
    ) -> None:
        self.office_id = office_id
        self.bank_id = bank_id
        self.title = title
        self.category = category
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.location = location
        self.cancelled = False

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
    ) -> Activity:
        starts_at = require_aware(starts_at, "starts_at")
        ends_at = require_aware(ends_at, "ends_at")
        if ends_at <= starts_at:
            raise DomainError("invalid_time_range")
        return cls(
            office_id=office_id,
            bank_id=bank_id,
            title=_check_text(title, "title", 200),
            category=_check_text(category, "category", 50),
            starts_at=starts_at,
            ends_at=ends_at,
            location=_check_text(location, "location", 200, required=False),
            actor=actor,
        )

    def cancel(self, actor: dict[str, Any], reason: str) -> None:
        if self.cancelled:
            raise DomainError("activity_cancelled")
        self._cancelled(actor=actor, reason=reason)

    @event("Cancelled")
    def _cancelled(self, actor: dict[str, Any], reason: str) -> None:
        self.cancelled = True


class ServiceRecord(Aggregate):
    @event("Entered")
    def __init__(
        self,
        volunteer_id: UUID,
        passbook_id: UUID,
        activity_id: UUID,
        office_id: UUID,
        category: str,
        started_at: datetime,
        ended_at: datetime,
        minutes: int,
        source: str,
        note: str,
        actor: dict[str, Any],
    ) -> None:
        self.volunteer_id = volunteer_id
        self.passbook_id = passbook_id
        self.activity_id = activity_id
        self.office_id = office_id
        self.category = category
        self.started_at = started_at
        self.ended_at = ended_at
        self.minutes = minutes
        self.status = PENDING
        self.points = 0
        self.points_per_hour = 0
        self.multiplier = "1"

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
    ) -> ServiceRecord:
        """代录: a coordinator records attendance on the volunteer's behalf."""
        if activity.cancelled:
            raise DomainError("activity_cancelled")
        started_at = require_aware(started_at, "started_at")
        ended_at = require_aware(ended_at, "ended_at")
        if ended_at <= started_at:
            raise DomainError("invalid_time_range")
        seconds = (ended_at - started_at).total_seconds()
        minutes = int(seconds // 60)
        if seconds > MAX_SERVICE_MINUTES * 60:
            raise DomainError("invalid_hours")
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
        )

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

    @event("Approved")
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

    def reject(self, reason: str, actor: dict[str, Any]) -> None:
        if self.status != PENDING:
            raise DomainError("not_pending")
        reason = _check_text(reason, "reason", 500)
        self._rejected(reason=reason, actor=actor)

    @event("Rejected")
    def _rejected(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = REJECTED

    def correct(
        self, minutes: int, points: int, reason: str, actor: dict[str, Any]
    ) -> int:
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

    @event("Corrected")
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
