"""Volunteers (志愿者) and their passbooks (爱心存折).

A `Volunteer` holds who the person is (encrypted; see timebank.security.personal_data)
and where they belong. A `Passbook` is the points account: small events, many of them,
over decades — so it is snapshotted and kept separate from the person.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.ages import MINOR, UNKNOWN
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for, phone_claim_id_for
from timebank.domain.sessions import with_opened
from timebank.domain.values import SHANGHAI

# Passbook entry kinds, as shown in the passbook history.
SERVICE = "service"
CORRECTION = "correction"
TRANSFER_IN = "transfer_in"
TRANSFER_OUT = "transfer_out"
REDEMPTION = "redemption"
REDEMPTION_CANCELLED = "redemption_cancelled"

CREDIT_KINDS = (SERVICE, CORRECTION, TRANSFER_IN, REDEMPTION_CANCELLED)
DEBIT_KINDS = (CORRECTION, TRANSFER_OUT, REDEMPTION)

# Five wrong PINs in a row lock the passbook for a quarter of an hour.
PIN_ATTEMPTS_BEFORE_LOCK = 5
PIN_LOCK_DURATION = timedelta(minutes=15)


def _check_points(points: object) -> None:
    # Zero is allowed: a one-minute record approved at a low rate earns nothing.
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise DomainError("invalid_points")


class Volunteer(Aggregate):
    class Registered(Aggregate.Created):
        """Version 2 records what registration learnt of the person's age (`age_band`, a
        plain fact: adult, minor or unknown) and the birth date given when there is no ID
        number (sealed like the rest of the person's data)."""

        class_version = 2
        office_id: UUID
        bank_id: UUID
        passbook_no: str
        name_sealed: str
        phone_sealed: str
        id_number_sealed: str | None
        phone_index: str
        pin_hash: str
        actor: dict[str, Any]
        age_band: str = UNKNOWN
        birth_date_sealed: str | None = None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            # Version 1 did not look at ages: an ID number, if any, still tells the age.
            state.update(age_band=UNKNOWN, birth_date_sealed=None)

    @event(Registered)
    def __init__(
        self,
        id: UUID,  # chosen by the caller: the person's data key is made before the event
        office_id: UUID,
        bank_id: UUID,
        passbook_no: str,
        name_sealed: str,
        phone_sealed: str,
        id_number_sealed: str | None,
        phone_index: str,
        pin_hash: str,
        actor: dict[str, Any],
        age_band: str = UNKNOWN,
        birth_date_sealed: str | None = None,
    ) -> None:
        self.office_id = office_id
        self.bank_id = bank_id
        self.passbook_no = passbook_no
        self.name_sealed = name_sealed
        self.phone_sealed = phone_sealed
        self.id_number_sealed = id_number_sealed
        self.phone_index = phone_index
        self.pin_hash = pin_hash
        self.active = True
        self.erased = False
        # Tokens carry it; a PIN change, an erasure or a logout raises it (see User).
        self.token_generation = 0
        # The open sessions (timebank/domain/sessions.py): session id -> when, from where.
        self.sessions: dict[str, dict[str, Any]] = {}
        self.age_band = age_band
        self.birth_date_sealed = birth_date_sealed
        self.guardian_consent: dict[str, Any] | None = None
        self.location_consent = False
        self.national_no_sealed: str | None = None
        # Trainings attended, by name (an activity may require one): training id -> name.
        self.trainings: dict[str, str] = {}
        self.awards: list[str] = []
        # What staff recorded, with evidence, of an elder's circumstances (the bank's rule
        # for hours from its pool reads it): living alone, minimum income, disabled.
        self.elder_status: dict[str, bool] | None = None

    @property
    def passbook_id(self) -> UUID:
        return passbook_id_for(self.passbook_no)

    @property
    def phone_claim_id(self) -> UUID:
        return phone_claim_id_for(self.phone_index)

    def erase(self, actor: dict[str, Any], reason: str) -> None:
        """The key is destroyed beside this event; the sealed data stays unreadable."""
        self._erased(actor=actor, reason=reason)

    class Erased(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(Erased)
    def _erased(self, actor: dict[str, Any], reason: str) -> None:
        self.erased = True
        self.active = False
        self._end_every_session()

    def _end_every_session(self) -> None:
        self.token_generation += 1
        self.sessions = {}

    def revoke_sessions(self, actor: dict[str, Any], reason: str) -> None:
        """Every token issued so far stops working (a logout)."""
        self._sessions_revoked(actor=actor, reason=reason)

    class SessionsRevoked(Aggregate.Event):
        actor: dict[str, Any]
        reason: str

    @event(SessionsRevoked)
    def _sessions_revoked(self, actor: dict[str, Any], reason: str) -> None:
        self._end_every_session()

    def open_session(self, session_id: str, opened_at: datetime, expires_at: datetime,
                     network: str | None, agent: str | None) -> None:
        """A login: the token names `session_id`, which works while it stays open."""
        self._session_opened(session_id=session_id, opened_at=opened_at,
                             expires_at=expires_at, network=network, agent=agent)

    class SessionOpened(Aggregate.Event):
        session_id: str
        opened_at: datetime
        expires_at: datetime
        network: str | None
        agent: str | None

    @event(SessionOpened)
    def _session_opened(self, session_id: str, opened_at: datetime, expires_at: datetime,
                        network: str | None, agent: str | None) -> None:
        self.sessions = with_opened(self.sessions, session_id, opened_at, expires_at,
                                    network, agent)

    def close_session(self, session_id: str, actor: dict[str, Any], reason: str) -> None:
        """One session ends (a logout, or revoked from the sessions page)."""
        if session_id not in self.sessions:
            raise DomainError("not_found", "No such open session.")
        self._session_closed(session_id=session_id, actor=actor, reason=reason)

    class SessionClosed(Aggregate.Event):
        session_id: str
        actor: dict[str, Any]
        reason: str

    @event(SessionClosed)
    def _session_closed(self, session_id: str, actor: dict[str, Any], reason: str) -> None:
        self.sessions = {k: v for k, v in self.sessions.items() if k != session_id}

    def move_to(self, office_id: UUID, actor: dict[str, Any], reason: str) -> None:
        if office_id == self.office_id:
            raise DomainError(
                "invalid_input", "The volunteer already belongs to that office.", field="office_id"
            )
        self._moved(
            from_office_id=self.office_id, to_office_id=office_id, actor=actor, reason=reason
        )

    class Moved(Aggregate.Event):
        from_office_id: UUID
        to_office_id: UUID
        actor: dict[str, Any]
        reason: str

    @event(Moved)
    def _moved(
        self, from_office_id: UUID, to_office_id: UUID, actor: dict[str, Any], reason: str
    ) -> None:
        self.office_id = to_office_id

    def change_pin(self, pin_hash: str, actor: dict[str, Any]) -> None:
        self._pin_changed(pin_hash=pin_hash, actor=actor)

    class PinChanged(Aggregate.Event):
        pin_hash: str
        actor: dict[str, Any]

    @event(PinChanged)
    def _pin_changed(self, pin_hash: str, actor: dict[str, Any]) -> None:
        self.pin_hash = pin_hash
        self._end_every_session()

    def reset_pin(self, pin_hash: str, actor: dict[str, Any], identity_check: dict[str, Any],
                  reason: str) -> None:
        """At the savings office, for a volunteer who forgot their PIN: staff check an
        identity document first, and the event says which and who checked it."""
        if not self.active:
            raise DomainError("volunteer_inactive")
        self._pin_reset(pin_hash=pin_hash, actor=actor, identity_check=identity_check,
                        reason=reason)

    class PinReset(Aggregate.Event):
        pin_hash: str
        actor: dict[str, Any]
        # {"document": a kind of identity document, "checked_by": the staff id,
        #  "number_matched": whether its number matched the one on record (None: not asked)}
        identity_check: dict[str, Any]
        reason: str

    @event(PinReset)
    def _pin_reset(self, pin_hash: str, actor: dict[str, Any], identity_check: dict[str, Any],
                   reason: str) -> None:
        self.pin_hash = pin_hash
        self._end_every_session()

    def rehash_pin(self, pin_hash: str) -> None:
        """The same PIN, stored under the current scheme after a successful check (not a
        change of PIN: nothing else about the account changes)."""
        self._pin_rehashed(pin_hash=pin_hash)

    class PinRehashed(Aggregate.Event):
        pin_hash: str

    @event(PinRehashed)
    def _pin_rehashed(self, pin_hash: str) -> None:
        self.pin_hash = pin_hash


    # -- age, guardian and consents ---------------------------------------------------------
    @property
    def age_needs_completing(self) -> bool:
        """Registered before ages were kept, and nothing yet tells the age (staff list)."""
        return self.age_band == UNKNOWN and self.id_number_sealed is None and \
            self.birth_date_sealed is None

    def record_birth_date(self, birth_date_sealed: str, age_band: str,
                          actor: dict[str, Any]) -> None:
        """Staff complete the birth date of a volunteer registered without one."""
        if self.id_number_sealed is not None:
            raise DomainError("invalid_input", "The ID number already gives the birth date.",
                              field="birth_date")
        if age_band == MINOR and self.guardian_consent is None:
            raise DomainError("guardian_consent_required", field="guardian")
        self._birth_date_recorded(birth_date_sealed=birth_date_sealed, age_band=age_band,
                                  actor=actor)

    class BirthDateRecorded(Aggregate.Event):
        birth_date_sealed: str
        age_band: str
        actor: dict[str, Any]

    @event(BirthDateRecorded)
    def _birth_date_recorded(self, birth_date_sealed: str, age_band: str,
                             actor: dict[str, Any]) -> None:
        self.birth_date_sealed = birth_date_sealed
        self.age_band = age_band

    def record_guardian_consent(self, guardian_sealed: str, relation: str, consented_on: date,
                                actor: dict[str, Any]) -> None:
        """监护人同意: who (sealed: a third person's name and phone), their relation, when."""
        self._guardian_consent_recorded(guardian_sealed=guardian_sealed, relation=relation,
                                        consented_on=consented_on.isoformat(), actor=actor)

    class GuardianConsentRecorded(Aggregate.Event):
        guardian_sealed: str
        relation: str
        consented_on: str  # YYYY-MM-DD, the day the guardian consented
        actor: dict[str, Any]

    @event(GuardianConsentRecorded)
    def _guardian_consent_recorded(self, guardian_sealed: str, relation: str,
                                   consented_on: str, actor: dict[str, Any]) -> None:
        self.guardian_consent = {"guardian_sealed": guardian_sealed, "relation": relation,
                                 "consented_on": consented_on}

    def set_location_consent(self, given: bool, actor: dict[str, Any]) -> None:
        """The separate consent to use the phone's location at scans (PIPL Art. 29)."""
        if given == self.location_consent:
            return
        if given:
            self._location_consent_given(actor=actor)
        else:
            self._location_consent_withdrawn(actor=actor)

    class LocationConsentGiven(Aggregate.Event):
        actor: dict[str, Any]

    @event(LocationConsentGiven)
    def _location_consent_given(self, actor: dict[str, Any]) -> None:
        self.location_consent = True

    class LocationConsentWithdrawn(Aggregate.Event):
        actor: dict[str, Any]

    @event(LocationConsentWithdrawn)
    def _location_consent_withdrawn(self, actor: dict[str, Any]) -> None:
        self.location_consent = False

    def record_national_number(self, national_no_sealed: str, actor: dict[str, Any]) -> None:
        """志愿者统一编号, the national volunteer system's number (sealed)."""
        self._national_number_recorded(national_no_sealed=national_no_sealed, actor=actor)

    class NationalNumberRecorded(Aggregate.Event):
        national_no_sealed: str
        actor: dict[str, Any]

    @event(NationalNumberRecorded)
    def _national_number_recorded(self, national_no_sealed: str,
                                  actor: dict[str, Any]) -> None:
        self.national_no_sealed = national_no_sealed


    # -- training and awards (培训记录, 表彰奖励记录): facts of the person's record -----------
    def record_training(self, training_id: str, name: str, held_on: date, minutes: int,
                        provider: str, office_id: UUID, actor: dict[str, Any]) -> None:
        """A training attended: its hours are kept apart from service hours."""
        name = _check_words(name, "name", 100)
        if training_id in self.trainings:
            raise DomainError("invalid_state", "This training is already recorded.")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or \
                not 1 <= minutes <= 24 * 60:
            raise DomainError("invalid_hours", field="hours")
        self._training_recorded(training_id=training_id, name=name,
                                held_on=held_on.isoformat(), minutes=minutes,
                                provider=_check_words(provider, "provider", 100, required=False),
                                office_id=office_id, actor=actor)

    class TrainingRecorded(Aggregate.Event):
        training_id: str
        name: str
        held_on: str  # YYYY-MM-DD
        minutes: int
        provider: str
        office_id: UUID  # the volunteer's office when it was recorded
        actor: dict[str, Any]

    @event(TrainingRecorded)
    def _training_recorded(self, training_id: str, name: str, held_on: str, minutes: int,
                           provider: str, office_id: UUID, actor: dict[str, Any]) -> None:
        self.trainings[training_id] = name

    def record_award(self, award_id: str, title: str, awarded_by: str, awarded_on: date,
                     office_id: UUID, actor: dict[str, Any]) -> None:
        """An award or commendation: what, by whom (the awarding body), when."""
        self._award_recorded(award_id=award_id, title=_check_words(title, "title", 200),
                             awarded_by=_check_words(awarded_by, "awarded_by", 200),
                             awarded_on=awarded_on.isoformat(), office_id=office_id,
                             actor=actor)

    class AwardRecorded(Aggregate.Event):
        award_id: str
        title: str
        awarded_by: str
        awarded_on: str  # YYYY-MM-DD
        office_id: UUID
        actor: dict[str, Any]

    @event(AwardRecorded)
    def _award_recorded(self, award_id: str, title: str, awarded_by: str, awarded_on: str,
                        office_id: UUID, actor: dict[str, Any]) -> None:
        self.awards = [*self.awards, award_id]


    def record_elder_status(self, living_alone: bool, minimum_income: bool, disabled: bool,
                            evidence_sealed: str, actor: dict[str, Any]) -> None:
        """Staff record an elder's circumstances with the evidence seen (sealed: personal
        data); a later record replaces it from then on, never retroactively."""
        if not all(isinstance(v, bool) for v in (living_alone, minimum_income, disabled)):
            raise DomainError("invalid_input", "conditions are true or false.")
        self._elder_status_recorded(living_alone=living_alone, minimum_income=minimum_income,
                                    disabled=disabled, evidence_sealed=evidence_sealed,
                                    actor=actor)

    class ElderStatusRecorded(Aggregate.Event):
        living_alone: bool
        minimum_income: bool
        disabled: bool
        evidence_sealed: str
        actor: dict[str, Any]

    @event(ElderStatusRecorded)
    def _elder_status_recorded(self, living_alone: bool, minimum_income: bool,
                               disabled: bool, evidence_sealed: str,
                               actor: dict[str, Any]) -> None:
        self.elder_status = {"living_alone": living_alone, "minimum_income": minimum_income,
                             "disabled": disabled}


def _check_words(value: str, field: str, max_len: int, required: bool = True) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError("invalid_input", f"{field}: 1 to {max_len} characters.", field=field)
    return text


class PhoneClaim(Aggregate):
    """One volunteer per phone: the claim's id is derived from the phone's blind index and a
    generation. When a holder is erased the claim is released for good; the phone's next
    holder claims the next generation — a new aggregate — so the log never shows the erased
    person and the next holder on one claim (version 1 reclaimed the same one)."""

    @staticmethod
    def create_id(phone_index: str, generation: int = 0, **_: Any) -> UUID:
        return phone_claim_id_for(phone_index, generation)

    class Claimed(Aggregate.Created):
        class_version = 2
        phone_index: str
        volunteer_id: UUID
        generation: int

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["generation"] = 0

    @event(Claimed)
    def __init__(self, phone_index: str, volunteer_id: UUID, generation: int = 0) -> None:
        self.phone_index = phone_index
        self.volunteer_id: UUID | None = volunteer_id
        self.generation = generation

    def release(self, volunteer_id: UUID) -> None:
        if self.volunteer_id == volunteer_id:
            self._released(volunteer_id=volunteer_id)

    @event("Released")
    def _released(self, volunteer_id: UUID) -> None:
        self.volunteer_id = None

    def reclaim(self, volunteer_id: UUID) -> None:
        """Version 1's way of registering a released phone again (kept for its events; new
        holders claim the next generation)."""
        if self.volunteer_id is not None:
            raise DomainError("phone_taken")
        self._reclaimed(volunteer_id=volunteer_id)

    @event("Reclaimed")
    def _reclaimed(self, volunteer_id: UUID) -> None:
        self.volunteer_id = volunteer_id


class Passbook(Aggregate):
    @staticmethod
    def create_id(passbook_no: str, **_: Any) -> UUID:
        return passbook_id_for(passbook_no)

    class Opened(Aggregate.Created):
        passbook_no: str
        volunteer_id: UUID
        actor: dict[str, Any]

    @event(Opened)
    def __init__(self, passbook_no: str, volunteer_id: UUID, actor: dict[str, Any]) -> None:
        self.passbook_no = passbook_no
        self.volunteer_id = volunteer_id
        self.balance = 0
        self.wrong_pins = 0
        self.locked_until: datetime | None = None

    # -- PIN attempts: recorded, because a lock-out must hold across servers and restarts --
    def ensure_unlocked(self, now: datetime) -> None:
        if self.locked_until is not None and now < self.locked_until:
            raise self._locked_refusal("passbook_locked")

    def _locked_refusal(self, code: str) -> DomainError:
        """Says when the lock ends (Beijing time, and the exact instant)."""
        assert self.locked_until is not None
        local = self.locked_until.astimezone(SHANGHAI)
        return DomainError(
            code,
            f"The passbook is locked until {local:%H:%M} Beijing time "
            f"({self.locked_until.isoformat()}); try again then.",
            zh=f"密码连续输错 {PIN_ATTEMPTS_BEFORE_LOCK} 次，存折已锁定，"
               f"北京时间 {local:%H:%M} 后可再试。",
            locked_until=self.locked_until,
        )

    def wrong_pin_refusal(self) -> DomainError:
        """After a wrong PIN is recorded: how many tries remain, or when the lock ends."""
        if self.locked_until is not None:
            return self._locked_refusal("wrong_pin")
        left = PIN_ATTEMPTS_BEFORE_LOCK - self.wrong_pins
        minutes = int(PIN_LOCK_DURATION.total_seconds() // 60)
        return DomainError(
            "wrong_pin",
            f"{left} more {'try' if left == 1 else 'tries'} before the passbook locks for "
            f"{minutes} minutes.",
            zh=f"密码错误，还可再试 {left} 次；再错 {left} 次存折将锁定 {minutes} 分钟。",
            tries_left=left,
        )

    def record_wrong_pin(self, now: datetime, actor: dict[str, Any]) -> None:
        consecutive = self.wrong_pins + 1
        locked_until = now + PIN_LOCK_DURATION if consecutive >= PIN_ATTEMPTS_BEFORE_LOCK else None
        self._pin_rejected(
            consecutive=0 if locked_until else consecutive, locked_until=locked_until, actor=actor
        )

    class PinRejected(Aggregate.Event):
        consecutive: int
        locked_until: datetime | None
        actor: dict[str, Any]

    @event(PinRejected)
    def _pin_rejected(
        self, consecutive: int, locked_until: datetime | None, actor: dict[str, Any]
    ) -> None:
        self.wrong_pins = consecutive
        self.locked_until = locked_until

    def record_right_pin(self, actor: dict[str, Any]) -> None:
        if self.wrong_pins or self.locked_until:
            self._pin_accepted(actor=actor)

    class PinAccepted(Aggregate.Event):
        actor: dict[str, Any]

    @event(PinAccepted)
    def _pin_accepted(self, actor: dict[str, Any]) -> None:
        self.wrong_pins = 0
        self.locked_until = None

    def credit(
        self, points: int, kind: str, ref: str, actor: dict[str, Any], minutes: int = 0
    ) -> None:
        if kind not in CREDIT_KINDS:
            raise ValueError(kind)
        _check_points(points)
        self._credited(points=points, kind=kind, ref=ref, minutes=minutes, actor=actor)

    class PointsCredited(Aggregate.Event):
        points: int
        kind: str  # one of CREDIT_KINDS
        ref: str  # what the points are for: a service record, transfer or redemption
        minutes: int  # service minutes the entry adds (service and corrections)
        actor: dict[str, Any]

    @event(PointsCredited)
    def _credited(
        self, points: int, kind: str, ref: str, minutes: int, actor: dict[str, Any]
    ) -> None:
        self.balance += points

    def debit(
        self, points: int, kind: str, ref: str, actor: dict[str, Any], minutes: int = 0
    ) -> None:
        """Never below zero: this is the invariant concurrent spenders race for."""
        if kind not in DEBIT_KINDS:
            raise ValueError(kind)
        _check_points(points)
        if points > self.balance:
            raise DomainError(
                "insufficient_points",
                f"Balance {self.balance}, needed {points}.",
                balance=self.balance,
            )
        self._debited(points=points, kind=kind, ref=ref, minutes=minutes, actor=actor)

    class PointsDebited(Aggregate.Event):
        points: int
        kind: str  # one of DEBIT_KINDS
        ref: str
        minutes: int  # service minutes the entry takes back (corrections)
        actor: dict[str, Any]

    @event(PointsDebited)
    def _debited(
        self, points: int, kind: str, ref: str, minutes: int, actor: dict[str, Any]
    ) -> None:
        self.balance -= points
