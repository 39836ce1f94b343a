"""A plain eventsourcing equivalent of a scan and an approval: the reference of
`benchmarks/commands.py`.

What an application written straight from the library's documentation does for the same
commands, with the library's defaults on PostgreSQL (its recorder, no aggregate cache):
the volunteer loaded for the bearer token, the same QR signature check, the activity, the
presence and an `in repository` probe before a check-in, one save of the record and the
presence; an approval loads the record, its office, the bank and the passbook and saves
record and passbook together. Its aggregates keep only what these commands decide on, so
its domain work is smaller than the project's: the comparison is generous to it.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.security.qr_tokens import ScanTokens


def presence_id(volunteer_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"plain-presence:{volunteer_id}")


def record_id(activity_id: UUID, volunteer_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"plain-record:{activity_id}:{volunteer_id}")


class Office(Aggregate):
    @event("Opened")
    def __init__(self, name: str, bank_id: UUID | None, points_per_hour: int) -> None:
        self.name, self.bank_id, self.points_per_hour = name, bank_id, points_per_hour


class Volunteer(Aggregate):
    @event("Registered")
    def __init__(self, bank_id: UUID, passbook_id: UUID) -> None:
        self.bank_id, self.passbook_id, self.active = bank_id, passbook_id, True


class Passbook(Aggregate):
    @event("Opened")
    def __init__(self) -> None:
        self.balance = 0

    @event("Credited")
    def credit(self, points: int, ref: str) -> None:
        self.balance += points


class Activity(Aggregate):
    @event("Planned")
    def __init__(self, office_id: UUID, bank_id: UUID, starts_at: datetime,
                 ends_at: datetime) -> None:
        self.office_id, self.bank_id = office_id, bank_id
        self.starts_at, self.ends_at = starts_at, ends_at


class Presence(Aggregate):
    @staticmethod
    def create_id(volunteer_id: UUID) -> UUID:
        return presence_id(volunteer_id)

    @event("Started")
    def __init__(self, volunteer_id: UUID) -> None:
        self.volunteer_id = volunteer_id
        self.open_record_id: UUID | None = None

    @event("Opened")
    def open(self, record_id: UUID) -> None:
        self.open_record_id = record_id

    @event("Closed")
    def close(self) -> None:
        self.open_record_id = None


class Record(Aggregate):
    @staticmethod
    def create_id(activity_id: UUID, volunteer_id: UUID, **_: object) -> UUID:
        return record_id(activity_id, volunteer_id)

    @event("CheckedIn")
    def __init__(self, activity_id: UUID, volunteer_id: UUID, office_id: UUID,
                 passbook_id: UUID, at: datetime) -> None:
        self.activity_id, self.volunteer_id = activity_id, volunteer_id
        self.office_id, self.passbook_id = office_id, passbook_id
        self.started_at, self.minutes, self.status, self.points = at, 0, "checked_in", 0

    @event("CheckedOut")
    def check_out(self, at: datetime) -> None:
        self.minutes = int((at - self.started_at).total_seconds() // 60)
        self.status = "pending"

    @event("Approved")
    def approve(self, points: int) -> None:
        self.status, self.points = "approved", points


class PlainApp(Application[UUID]):
    def __init__(self, env: dict[str, str], secret: str) -> None:
        super().__init__(env=env)
        self.scan_tokens = ScanTokens(secret)

    # -- set-up ------------------------------------------------------------------------------
    def district(self) -> tuple[Office, Office]:
        bank = Office("bank", None, 10)
        office = Office("office", bank.id, 0)
        self.save(bank, office)
        return bank, office

    def volunteer(self, bank: Office) -> Volunteer:
        passbook = Passbook()
        volunteer = Volunteer(bank.id, passbook.id)
        self.save(volunteer, passbook)
        return volunteer

    def activity(self, office: Office, starts_at: datetime, ends_at: datetime) -> Activity:
        activity = Activity(office.id, office.bank_id or office.id, starts_at, ends_at)
        self.save(activity)
        return activity

    # -- the commands ------------------------------------------------------------------------
    def authenticate(self, volunteer_id: UUID) -> Volunteer:
        volunteer = self.repository.get(volunteer_id)
        if not volunteer.active:
            raise DomainError("unauthenticated")
        return volunteer

    def scan(self, volunteer_id: UUID, token: str, now: datetime) -> Record:
        volunteer = self.authenticate(volunteer_id)
        claims = self.scan_tokens.verify(token, now)
        activity = self.repository.get(claims.activity_id)
        if volunteer.bank_id != activity.bank_id:
            raise DomainError("invalid_token")
        if claims.action == "check_in":
            rid = record_id(activity.id, volunteer.id)
            if rid in self.repository:
                raise DomainError("already_checked_in")
            try:
                presence = self.repository.get(presence_id(volunteer.id))
            except AggregateNotFoundError:
                presence = Presence(volunteer.id)
            record = Record(activity.id, volunteer.id, activity.office_id,
                            volunteer.passbook_id, now)
            presence.open(record.id)
            self.save(record, presence)
            return record
        record = self.repository.get(record_id(activity.id, volunteer.id))
        presence = self.repository.get(presence_id(volunteer.id))
        record.check_out(now)
        presence.close()
        self.save(record, presence)
        return record

    def approve(self, rid: UUID) -> int:
        record = self.repository.get(rid)
        office = self.repository.get(record.office_id)
        bank = self.repository.get(office.bank_id or office.id)
        passbook = self.repository.get(record.passbook_id)
        points = record.minutes * bank.points_per_hour // 60
        record.approve(points)
        passbook.credit(points, str(uuid4()))
        self.save(record, passbook)
        return points
