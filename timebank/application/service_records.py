"""Activities and service records: manual entry (代录), approval, rejection, correction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import RecordConflictError

from timebank.application.authz import (
    ACTIVITIES,
    OPERATORS,
    SERVICE_RECORDS,
    require_may_take_charge,
    require_read,
    require_scope,
)
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.application.time_accounts import TimeAccountServices
from timebank.domain.actors import Actor
from timebank.domain.ages import Attendee
from timebank.domain.attendance import attendance_record_id_for
from timebank.domain.errors import DomainError
from timebank.domain.ids import idempotency_id_for
from timebank.domain.offices import SAVINGS_OFFICE, Office
from timebank.domain.service import (
    APPROVED,
    BENEFICIARY_PERSON,
    Activity,
    ServiceRecord,
    check_beneficiary,
)
from timebank.domain.values import (
    hours_text,
    minutes_from_hours,
    points_for,
    require_aware,
    shanghai_date,
    utc_now,
)
from timebank.domain.volunteers import CORRECTION, SERVICE, Passbook, Volunteer

# A clock a few minutes ahead on a coordinator's tablet is not a service in the future.
FUTURE_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class BeneficiaryGiven:
    """服务对象 as a request names it: a group by `label`, or a person — a registered
    volunteer (`volunteer_id`) or someone named (`name`, kept sealed)."""

    kind: str
    label: str = ""
    name: str = ""
    volunteer_id: str | None = None


class ServiceRecordServices(TimeAccountServices):
    # VolunteerServices' and UserServices' (the application combines them): what an
    # activity's rules need of a volunteer on a day, and a staff account as an actor.
    attendee: Callable[[Volunteer, date], Attendee]
    actor_for_user: Callable[..., Actor | None]

    @property
    def scan_grace(self) -> timedelta:
        """How long before and after an activity its codes and entries are taken."""
        return timedelta(minutes=self.settings.scan_grace_minutes)

    def plan_activity(
        self,
        actor: Actor,
        office_id: UUID | str,
        title: str,
        category: str,
        starts_at: datetime,
        ends_at: datetime,
        location: str,
        **options: Any,
    ) -> Activity:
        """Options: latitude, longitude, radius_m, capacity, approval_policy, geofence_mode,
        content, person_in_charge_id (the planner when not given), beneficiary, minors,
        required_training, requires_insurance, insurance_ref."""
        office = self.load_office(office_id)
        require_scope(actor, office, OPERATORS)
        self.ensure_open_path(office)
        if office.kind != SAVINGS_OFFICE:
            raise DomainError(
                "invalid_input", "Activities belong to a savings office.", field="office_id"
            )
        person = options.get("person_in_charge_id")
        if person is None and actor.kind == "user":
            person = actor.id
        options["person_in_charge_id"] = (
            self._person_in_charge(person, office, actor) if person is not None else None)
        activity = Activity.plan(
            office_id=office.id,
            bank_id=office.bank_id,
            title=title,
            category=category,
            starts_at=starts_at,
            ends_at=ends_at,
            location=location,
            actor=actor.record(),
            **{name: value for name, value in options.items() if value is not None},
        )
        self.save(activity)
        return activity

    @retry_on_conflict
    def edit_activity(
        self, actor: Actor, activity_id: UUID | str, changes: dict[str, Any]
    ) -> Activity:
        activity = self.load_activity(activity_id)
        office = self.load_office(activity.office_id)
        require_scope(actor, office, OPERATORS)
        if changes.get("person_in_charge_id") is not None:
            changes = {**changes, "person_in_charge_id": self._person_in_charge(
                changes["person_in_charge_id"], office, actor)}
        activity.edit(changes, actor.record())
        self.save(activity)
        return activity

    def _person_in_charge(self, user_id: UUID | str, office: Office, actor: Actor) -> UUID:
        # The planner themselves as authenticated: a system administrator's account lives
        # in the directory, not in the partition of the bank they plan for.
        person = actor if actor.kind == "user" and str(user_id) == actor.id \
            else self.actor_for_user(user_id)
        if person is None:
            raise DomainError("invalid_input", "No such staff account.",
                              field="person_in_charge_id")
        require_may_take_charge(person, office)
        return UUID(person.id)

    def load_activity(self, activity_id: UUID | str) -> Activity:
        return self.load(Activity, activity_id, "activity")

    def read_activity(self, actor: Actor, activity_id: UUID | str) -> Activity:
        """Staff of its subtree read an activity; a volunteer of its bank too (they scan its
        codes), and to any other volunteer it does not exist."""
        activity = self.load_activity(activity_id)
        if actor.kind == "volunteer":
            if self.load(Volunteer, actor.id, "volunteer").bank_id != activity.bank_id:
                raise DomainError("not_found", "activity not found.")
            return activity
        require_read(actor, ACTIVITIES, self.load_office(activity.office_id))
        return activity

    @retry_on_conflict
    def cancel_activity(self, actor: Actor, activity_id: UUID | str, reason: str) -> Activity:
        activity = self.load_activity(activity_id)
        require_scope(actor, self.load_office(activity.office_id), OPERATORS)
        activity.cancel(actor.record(), reason)
        self.save(activity)
        return activity

    def enter_service_record(
        self,
        actor: Actor,
        volunteer_id: UUID | str,
        activity_id: UUID | str,
        started_at: datetime,
        ended_at: datetime,
        note: str,
        idem: Idempotency | None = None,
        beneficiary: BeneficiaryGiven | None = None,
    ) -> ServiceRecord:
        """`idem` (optional) makes a resubmitted form answer with the record it entered;
        without a `beneficiary`, the activity's (if it names one)."""
        if (replayed := self.replay(idem)) is not None:
            return self.load_service_record(replayed["id"])
        activity = self.load_activity(activity_id)
        require_scope(actor, self.load_office(activity.office_id), OPERATORS)
        record = self.manual_entry(actor, volunteer_id, activity, started_at, ended_at, note,
                                   beneficiary)
        try:
            self.save_with(record, idem=idem, body={"id": str(record.id), "status": record.status})
        except RecordConflictError as exc:
            # A concurrent submit of the same form stored it first: that one is our answer.
            if (replayed := self.replay(idem)) is not None:
                return self.load_service_record(replayed["id"])
            raise DomainError("already_recorded") from exc
        return record

    def manual_entry(self, actor: Actor, volunteer_id: UUID | str, activity: Activity,
                     started_at: datetime, ended_at: datetime, note: str,
                     beneficiary: BeneficiaryGiven | None = None) -> ServiceRecord:
        """A service entered by hand, under the activity's rules; the caller has checked the
        actor runs the activity's office, and saves it."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        if not volunteer.active:
            raise DomainError("volunteer_inactive")
        if volunteer.bank_id != activity.bank_id:
            raise DomainError("office_mismatch")
        started_at = require_aware(started_at, "started_at")
        ended_at = require_aware(ended_at, "ended_at")
        # An end still to come first: while the activity runs, that is the problem to name,
        # even when the end also lies past the activity's window.
        if ended_at > utc_now() + FUTURE_SKEW:
            raise DomainError(
                "invalid_time_range", "Service cannot end in the future.", field="ended_at",
                en="Service cannot end in the future: while the activity is still running, "
                   "enter now or an earlier end time.",
                zh="服务结束时间不能晚于现在：活动还在进行时，请填写现在或更早的结束时间。",
            )
        activity.check_service_times(started_at, ended_at, self.scan_grace)
        activity.check_attendee(self.attendee(volunteer, shanghai_date(started_at)),
                                by_scan=False)
        # One record per volunteer and activity, whether scanned or entered: a retried or
        # repeated entry cannot pay the same attendance twice (the store refuses a second
        # record of that id; no need to ask first).
        record_id = attendance_record_id_for(activity.id, volunteer.id)
        if self.exists(record_id):
            raise DomainError("already_recorded")
        return ServiceRecord.enter_manually(
            volunteer_id=volunteer.id,
            passbook_id=volunteer.passbook_id,
            activity=activity,
            started_at=started_at,
            ended_at=ended_at,
            note=note,
            actor=actor.record(),
            record_id=record_id,
            beneficiary=(self._beneficiary(record_id, beneficiary, activity.bank_id)
                         if beneficiary is not None else None),
        )

    def load_service_record(self, record_id: UUID | str) -> ServiceRecord:
        return self.load(ServiceRecord, record_id, "service record")

    def read_service_record(self, actor: Actor, record_id: UUID | str) -> ServiceRecord:
        """The volunteer's own record, or one of a reader's subtree."""
        record = self.load_service_record(record_id)
        require_read(actor, SERVICE_RECORDS, self.load_office(record.office_id),
                     str(record.volunteer_id))
        return record

    def _authorize_record(self, actor: Actor, record: ServiceRecord) -> Office:
        office = self.view_office(record.office_id)
        require_scope(actor, office, OPERATORS)
        return office

    @retry_on_conflict
    def approve_service_record(
        self, actor: Actor, record_id: UUID | str, idem: Idempotency | None = None
    ) -> dict[str, Any]:
        """Points under the bank's rules in force now; record and passbook saved together."""
        self._prefetch_for_record(record_id, idem, passbook=True)
        if (replayed := self.replay(idem)) is not None:
            return replayed
        record = self.load_service_record(record_id)
        office = self._authorize_record(actor, record)
        self.ensure_open_path(office)  # a closed office mints no more points
        approved = self.approve_into_passbook(record, office, actor)
        body = {
            "id": str(record.id),
            "status": APPROVED,
            "hours": hours_text(record.minutes),
            "points": record.points,
        }
        self.save_with(record, *approved, idem=idem, status=200, body=body)
        return body

    def _prefetch_for_record(
        self, record_id: UUID | str, idem: Idempotency | None, passbook: bool
    ) -> None:
        """What a decision on a record reads, in one round trip: the record, the idempotency
        record, and — from the cache, they never change — its offices and passbook."""
        try:
            uid = record_id if isinstance(record_id, UUID) else UUID(str(record_id))
        except ValueError:
            return
        cached = self.peek(ServiceRecord, uid)
        self.prefetch(
            uid,
            idempotency_id_for(idem.scope, idem.key) if idem is not None else None,
            *(self.office_chain(cached.office_id) if cached is not None else ()),
            cached.passbook_id if cached is not None and passbook else None,
        )

    def approve_into_passbook(
        self, record: ServiceRecord, office: Office, actor: Actor
    ) -> list[Aggregate]:
        """Points under the bank's rules in force now, and the hours of a time-bank service
        stored in the volunteer's time account (time_accounts.py); returns what the caller
        saves with the record. A time-bank category earns points only if the bank says so:
        otherwise its rate is recorded as 0, so a later correction moves no points either."""
        bank = self.bank_of(office)
        rules = bank.rules_in_force()
        multiplier = Decimal(rules.category_multipliers.get(record.category, "1"))
        rate = rules.points_per_hour if bank.time_rules().earns_points(record.category) else 0
        points = points_for(record.minutes, rate, multiplier)
        record.approve(rate, str(multiplier), points, actor.record())
        passbook = self.load(Passbook, record.passbook_id, "passbook")
        passbook.credit(points, SERVICE, str(record.id), actor.record(), minutes=record.minutes)
        return [passbook, *self.store_service_hours(record, bank, actor)]

    def approve_many(self, actor: Actor, record_ids: list[str]) -> list[dict[str, Any]]:
        """Bulk approval: each record on its own, so one refusal does not block the others."""
        results = []
        for record_id in record_ids:
            try:
                results.append(self.approve_service_record(actor, record_id))
            except DomainError as exc:
                results.append(
                    {
                        "id": record_id,
                        "status": "refused",
                        "error": {
                            "code": exc.code,
                            "message": exc.message,
                            "message_zh": exc.message_zh,
                        },
                    }
                )
        return results

    @retry_on_conflict
    def reject_service_record(
        self, actor: Actor, record_id: UUID | str, reason: str
    ) -> ServiceRecord:
        self._prefetch_for_record(record_id, None, passbook=False)
        record = self.load_service_record(record_id)
        self._authorize_record(actor, record)
        record.reject(reason, actor.record())
        self.save(record)
        return record

    @retry_on_conflict
    def correct_service_record(
        self,
        actor: Actor,
        record_id: UUID | str,
        hours: str,
        reason: str,
        idem: Idempotency | None = None,
    ) -> dict[str, Any]:
        """A compensating entry: the approved points move by the difference, at the
        rate the record was approved with, so a later change of rules does not leak in."""
        self._prefetch_for_record(record_id, idem, passbook=True)
        if (replayed := self.replay(idem)) is not None:
            return replayed
        record = self.load_service_record(record_id)
        self.ensure_open_path(self._authorize_record(actor, record))
        aggregates, body = self.corrected(actor, record, hours, reason)
        self.save_with(*aggregates, idem=idem, status=200, body=body)
        return body

    def corrected(self, actor: Actor, record: ServiceRecord, hours: str,
                  reason: str) -> tuple[list[Any], dict[str, Any]]:
        """The correction's aggregates (the record, and the passbook if points move) and its
        answer; the caller saves them, with whatever else belongs in the same save."""
        minutes = minutes_from_hours(hours)
        activity = self.load_activity(record.activity_id)
        cap = activity.longest_service_minutes(self.scan_grace)
        if minutes > cap:
            raise DomainError("invalid_hours", f"At most {hours_text(cap)} for this activity.")
        previous_minutes = record.minutes
        new_points = (
            points_for(minutes, record.points_per_hour, Decimal(record.multiplier))
            if record.status == APPROVED
            else 0
        )
        delta = record.correct(minutes, new_points, reason, actor.record())
        aggregates: list[Any] = [record]
        if delta != 0 or (record.status == APPROVED and minutes != previous_minutes):
            passbook = self.load(Passbook, record.passbook_id, "passbook")
            ref = str(record.id)
            minutes_delta = minutes - previous_minutes
            if delta >= 0:
                passbook.credit(delta, CORRECTION, ref, actor.record(), minutes=minutes_delta)
            else:
                passbook.debit(-delta, CORRECTION, ref, actor.record(), minutes=minutes_delta)
            aggregates.append(passbook)
        if record.status == APPROVED:
            aggregates += self.correct_stored_hours(record, minutes - previous_minutes, actor)
        body = {
            "id": str(record.id),
            "status": record.status,
            "hours": hours_text(record.minutes),
            "points": record.points,
            "points_delta": delta,
        }
        return aggregates, body

    # -- a complete entry: its beneficiary and its evaluations -------------------------------
    def _beneficiary(self, record_id: UUID, given: BeneficiaryGiven,
                     bank_id: UUID) -> dict[str, Any]:
        """The beneficiary as events keep it: a person's name sealed under a key of the
        record's own (a third person's data: erasing the volunteer does not reach it)."""
        volunteer_id = None
        if given.volunteer_id:
            beneficiary = self.load(Volunteer, given.volunteer_id, "volunteer")
            if beneficiary.bank_id != bank_id:
                raise DomainError("office_mismatch")
            volunteer_id = beneficiary.id
        name_sealed = None
        name = (given.name or "").strip()
        if given.kind == BENEFICIARY_PERSON and name:
            if len(name) > 50:
                raise DomainError("invalid_input", "beneficiary name: 1 to 50 characters.",
                                  field="beneficiary.name")
            if not self.vault.has_key(record_id):
                self.vault.create_key(record_id)
            name_sealed = self.vault.seal(record_id, {"name": name})["name"]
        return check_beneficiary(given.kind, name_sealed, given.label, volunteer_id)

    def beneficiary_name(self, record_id: UUID | str, name_sealed: str | None) -> str | None:
        if name_sealed is None:
            return None
        return self.vault.open(UUID(str(record_id)), {"name": name_sealed})["name"]

    @retry_on_conflict
    def name_beneficiary(self, actor: Actor, record_id: UUID | str,
                         given: BeneficiaryGiven) -> ServiceRecord:
        """Staff name (or change) the beneficiary of an entry until they have confirmed."""
        record = self.load_service_record(record_id)
        office = self._authorize_record(actor, record)
        record.name_beneficiary(self._beneficiary(record.id, given, office.bank_id),
                                actor.record())
        self.save(record)
        return record

    @retry_on_conflict
    def evaluate_service_record(self, actor: Actor, record_id: UUID | str, rating: int,
                                comment: str = "") -> ServiceRecord:
        """The organiser's evaluation: an operator of the office that recorded the service."""
        record = self.load_service_record(record_id)
        self._authorize_record(actor, record)
        record.evaluate(rating, comment, actor.record())
        self.save(record)
        return record

    @retry_on_conflict
    def confirm_service_record(self, actor: Actor, record_id: UUID | str, confirmed: bool,
                               rating: int | None, comment: str = "") -> ServiceRecord:
        """The beneficiary confirms and rates: themselves when they are a registered
        volunteer, or an operator of the office records it for them (代确认)."""
        record = self.load_service_record(record_id)
        beneficiary = record.beneficiary or {}
        if actor.kind == "volunteer":
            if not beneficiary.get("volunteer_id") or actor.id != beneficiary["volunteer_id"]:
                raise DomainError("forbidden")
            on_behalf = False
        else:
            self._authorize_record(actor, record)
            on_behalf = True
        record.confirm_by_beneficiary(confirmed, rating, comment, on_behalf, actor.record())
        self.save(record)
        return record
