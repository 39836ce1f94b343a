"""签到 / 签退 by QR code: signed tokens, the scanning rules, and closing forgotten check-outs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from timebank.application.authz import OPERATORS, require_scope
from timebank.application.retry import retry_on_conflict
from timebank.application.service_records import ServiceRecordServices
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.attendance import Presence, attendance_record_id_for, presence_id_for
from timebank.domain.errors import DomainError
from timebank.domain.service import AUTO_ON_CHECKOUT, CHECKED_IN, Activity, ServiceRecord
from timebank.domain.values import hours_text, shanghai_date, utc_now
from timebank.domain.volunteers import Volunteer
from timebank.security.qr_tokens import LIVE, PRINTABLE, ScanClaims, ScanTokens


class ScanServices(ServiceRecordServices):
    scan_tokens: ScanTokens
    # Counts a volunteer's scans (raises rate_limited past TIMEBANK_SCANS_PER_MINUTE): set
    # by the serving process, whose rate-limit store it uses; no limit elsewhere.
    scan_limit: Callable[[str], None] = staticmethod(lambda _volunteer_id: None)

    # -- codes -------------------------------------------------------------------------------
    def scan_token(
        self,
        actor: Actor,
        activity_id: UUID | str,
        action: str,
        mode: str = PRINTABLE,
        now: datetime | None = None,
    ) -> str:
        activity = self.load(Activity, activity_id, "activity")
        require_scope(actor, self.load_office(activity.office_id), OPERATORS)
        if activity.cancelled:
            raise DomainError("activity_cancelled")
        now = now or utc_now()
        if mode == LIVE:
            period = self.settings.live_qr_period_seconds
            window_start = int(now.timestamp()) // period * period
            expires_at = datetime.fromtimestamp(window_start + 2 * period, tz=now.tzinfo)
        else:
            expires_at = activity.scans_close_at(self.scan_grace)
        return self.scan_tokens.issue(activity.id, action, mode, expires_at)

    def scan_url(self, token: str) -> str:
        return f"{self.settings.public_base_url.rstrip('/')}/scan?t={token}"

    def read_scan_token(
        self, token: str, now: datetime | None = None
    ) -> tuple[ScanClaims, Activity]:
        """A genuine, unexpired token and its activity, open for scanning now."""
        now = now or utc_now()
        claims = self.scan_tokens.verify(token, now)
        return claims, self._activity_open_for_scans(claims, now)

    def _activity_open_for_scans(self, claims: ScanClaims, now: datetime) -> Activity:
        try:
            activity = self.view(Activity, claims.activity_id, "activity")
        except DomainError as exc:
            raise DomainError("invalid_token") from exc
        activity.check_open_for_scans(now, self.scan_grace)
        return activity

    # -- scanning ----------------------------------------------------------------------------
    def scan(
        self,
        actor: Actor,
        token: str,
        position: tuple[float, float] | None = None,
        expected_action: str | None = None,
        expected_activity: str | None = None,
        now: datetime | None = None,
        *,
        generation: int | None = None,
        session: str | None = None,
    ) -> dict[str, Any]:
        """签到 or 签退 with a scanned code, from the API or the scan page alike.

        With `generation`, `actor` is only what a volunteer's verified bearer token names:
        the command checks the account behind it (active, tokens of that generation and
        that `session` still valid) from the read of the volunteer it makes with the others,
        instead of a read of its own first — one round trip less per scan."""
        # Counted once per request, whatever its answer, and not again on a retry.
        self.scan_limit(actor.id)
        return self._scan(actor, token, position, expected_action, expected_activity, now,
                          generation, session)

    @retry_on_conflict
    def _scan(
        self,
        actor: Actor,
        token: str,
        position: tuple[float, float] | None,
        expected_action: str | None,
        expected_activity: str | None,
        now: datetime | None,
        generation: int | None = None,
        session: str | None = None,
    ) -> dict[str, Any]:
        if actor.kind != "volunteer":
            raise DomainError("forbidden", "Scans are made by volunteers with their own login.")
        now = now or utc_now()
        try:
            claims = self.scan_tokens.verify(token, now)
        except DomainError:
            if generation is not None:
                self._account_behind(actor, generation, session)  # a refused login first
            raise
        self._prefetch_for_scan(actor, claims)
        if generation is not None:
            actor = self._account_behind(actor, generation, session)
        activity = self._activity_open_for_scans(claims, now)
        if expected_action and expected_action != claims.action:
            raise DomainError("invalid_token", "The code is for another action.")
        if expected_activity and expected_activity != str(activity.id):
            raise DomainError("invalid_token", "The code is for another activity.")
        bank_id, passbook_id = self._volunteer_facts(actor)
        if bank_id != activity.bank_id:
            raise DomainError("invalid_token", "The code belongs to another bank's activity.")
        # A closed office's printed codes check nobody in or out (and mint nothing).
        self.ensure_open_path(self.view_office(activity.office_id))
        # Who may attend is decided at the check-in; the location consent wherever the
        # activity has a geofence. The volunteer is the one this request's login loaded.
        attendee = None
        if claims.action == "check_in" or activity.latitude is not None:
            volunteer = actor.volunteer or self.view(Volunteer, actor.id, "volunteer")
            attendee = self.attendee(volunteer, shanghai_date(now))
        flags = activity.place_flags(position, attendee.location_consent if attendee else True)
        volunteer_id = UUID(actor.id)
        if claims.action == "check_in":
            assert attendee is not None
            activity.check_attendee(attendee, by_scan=True)
            record = self._check_in(actor, volunteer_id, passbook_id, activity, now, flags)
        else:
            record = self._check_out(actor, volunteer_id, activity, now, flags)
        return {
            "service_record_id": str(record.id),
            "action": claims.action,
            "at": now,
            "status": record.status,
            "hours": hours_text(record.minutes),
            "points": record.points,
            "flags": list(record.flags),
            "activity": {
                "id": str(activity.id),
                "title": activity.title,
                "location": activity.location,
            },
        }

    def _account_behind(self, holder: Actor, generation: int, session: str | None) -> Actor:
        """The volunteer a bearer token names, still active, with that token generation and
        session (read with the scan's other reads when they came first), or 401."""
        actor = self.actor_for_volunteer(  # type: ignore[attr-defined]
            holder.id, holder.request_id, generation, session)
        if actor is None:
            raise DomainError("unauthenticated")
        return actor

    def _prefetch_for_scan(self, actor: Actor, claims: ScanClaims) -> None:
        """Everything a scan reads, in one round trip: the activity, the volunteer's presence,
        the attendance record, and — known from the cache, they never change — the
        activity's offices and, when a check-out approves at once, the passbook."""
        try:
            volunteer_id, activity_id = UUID(actor.id), UUID(str(claims.activity_id))
        except ValueError:
            return
        activity = self.peek(Activity, activity_id)
        offices = self.office_chain(activity.office_id) if activity is not None else []
        paying = (claims.action == "check_out" and activity is not None
                  and activity.approval_policy == AUTO_ON_CHECKOUT)
        self.prefetch(
            activity_id,
            presence_id_for(volunteer_id),
            attendance_record_id_for(activity_id, volunteer_id),
            None if actor.passbook_id is not None else volunteer_id,
            actor.passbook_id if paying else None,
            *offices,
        )

    def _volunteer_facts(self, actor: Actor) -> tuple[UUID, UUID]:
        """The scanning volunteer's bank and passbook: from the login that already loaded the
        volunteer in this request (they never change), else loaded here."""
        if actor.bank_id is not None and actor.passbook_id is not None:
            return actor.bank_id, actor.passbook_id
        volunteer = self.view(Volunteer, actor.id, "volunteer")
        return volunteer.bank_id, volunteer.passbook_id

    def _presence(self, volunteer_id: UUID) -> Presence:
        try:
            presence = self.repository.get(presence_id_for(volunteer_id))
        except AggregateNotFoundError:
            return Presence(volunteer_id=volunteer_id)
        assert isinstance(presence, Presence)
        return presence

    def _check_in(
        self,
        actor: Actor,
        volunteer_id: UUID,
        passbook_id: UUID,
        activity: Activity,
        now: datetime,
        flags: list[str],
    ) -> ServiceRecord:
        record_id = attendance_record_id_for(activity.id, volunteer_id)
        if self.exists(record_id):
            raise DomainError("already_checked_in")
        presence = self._presence(volunteer_id)
        others: list[Any] = []
        if presence.open_record_id is not None:
            assert presence.open_starts_at and presence.open_ends_at
            if activity.overlaps(presence.open_starts_at, presence.open_ends_at):
                raise DomainError("overlapping_activity")
            # The open one is of another, earlier time: its check-out was forgotten.
            stale = self.load(ServiceRecord, presence.open_record_id, "service record")
            stale_activity = self.view(Activity, stale.activity_id, "activity")
            if stale.status == CHECKED_IN:
                stale.auto_close(
                    min(now, stale_activity.scans_close_at(self.scan_grace)),
                    stale_activity.longest_service_minutes(self.scan_grace),
                    SYSTEM.record(),
                )
                others.append(stale)
            presence.close(stale.id)
        if activity.capacity is not None:
            # A roster to change: the command's own copy, not the cached one it read.
            activity = self.load(Activity, activity.id, "activity")
            activity.admit(volunteer_id)
            others.append(activity)
        record = ServiceRecord.check_in(
            record_id=record_id,
            volunteer_id=volunteer_id,
            passbook_id=passbook_id,
            activity=activity,
            at=now,
            flags=flags,
            actor=actor.record(),
        )
        presence.open(record.id, activity.id, activity.starts_at, activity.ends_at)
        self.save(record, presence, *others)
        return record

    def _check_out(
        self,
        actor: Actor,
        volunteer_id: UUID,
        activity: Activity,
        now: datetime,
        flags: list[str],
    ) -> ServiceRecord:
        record_id = attendance_record_id_for(activity.id, volunteer_id)
        try:
            record = self.load(ServiceRecord, record_id, "service record")
        except DomainError as exc:
            raise DomainError("not_checked_in") from exc
        record.check_out(now, activity.longest_service_minutes(self.scan_grace), flags,
                         actor.record())
        presence = self._presence(volunteer_id)
        presence.close(record.id)
        aggregates: list[Any] = [record, presence]
        normal = not record.flags and now <= activity.scans_close_at(self.scan_grace)
        if activity.approval_policy == AUTO_ON_CHECKOUT and normal:
            office = self.view_office(activity.office_id)
            aggregates += self.approve_into_passbook(record, office, SYSTEM)
        self.save(*aggregates)
        return record

    @retry_on_conflict
    def auto_close_attendance(
        self, record_id: UUID | str, now: datetime | None = None
    ) -> ServiceRecord | None:
        """Close a forgotten check-out once its window plus grace has passed (a system act)."""
        now = now or utc_now()
        record = self.load(ServiceRecord, record_id, "service record")
        if record.status != CHECKED_IN:
            return None
        activity = self.load(Activity, record.activity_id, "activity")
        closes_at = activity.scans_close_at(self.scan_grace)
        if now < closes_at:
            return None
        record.auto_close(closes_at, activity.longest_service_minutes(self.scan_grace),
                          SYSTEM.record())
        presence = self._presence(record.volunteer_id)
        presence.close(record.id)
        self.save(record, presence)
        return record
