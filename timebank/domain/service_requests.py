"""Service requests (需求发布 → 派单/接单 → 完成 → 确认评价): mutual aid in the time bank.

An elder posts a need, or a family member for them, or staff for someone without a phone
(代办). The savings office dispatches it to a volunteer (派单), or a volunteer of the area
takes it (接单). The volunteer marks it done with the time served; the beneficiary (or whoever
posted it, or staff for them) confirms and rates it, and the hours move then — paid as the
bank's rules said when the need was posted (`payer`, never changed afterwards):

- `minted`: the bank creates the hours in the volunteer's time account;
- `beneficiary`: a passbook's stored hours pay (the beneficiary's, or the family member's who
  posted and chose to pay); the hours of the whole time window are held at posting, so
  the confirmation can never overdraw it, and what was not served returns;
- `pool`: the bank's public pool pays, for a priority elder (the bank's rule, at posting).

A request lives a few events: posted, taken (perhaps given back and taken again), done,
then confirmed, disputed and resolved, cancelled, or a no-show. Each is an event with its
actor and time. The place and the notes are personal data: sealed (the application seals
them under the beneficiary's key, so erasing the beneficiary erases them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError
from timebank.domain.service import check_rating
from timebank.domain.time_rules import PAYERS
from timebank.domain.values import require_aware
from timebank.domain.vocabulary import REQUEST_CATEGORY, REQUEST_POSTER

POSTED, TAKEN, DONE, CONFIRMED = "posted", "taken", "done", "confirmed"
DISPUTED, DISMISSED, CANCELLED, NO_SHOW = "disputed", "dismissed", "cancelled", "no_show"
OPEN_STATES = (POSTED, TAKEN, DONE, DISPUTED)
SELF, FAMILY, STAFF = REQUEST_POSTER.codes
CATEGORIES = REQUEST_CATEGORY.codes

# A time window is at most twelve hours: longer care is several requests.
MAX_WINDOW_MINUTES = 12 * 60


def hold_ref(request_id: UUID | str) -> str:
    """The key of the hours a request holds in the paying time account."""
    return f"request:{request_id}"


def check_window(starts_at: datetime, ends_at: datetime) -> int:
    starts_at = require_aware(starts_at, "starts_at")
    ends_at = require_aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise DomainError("invalid_time_range", field="ends_at")
    minutes = int((ends_at - starts_at).total_seconds() // 60)
    if not 1 <= minutes <= MAX_WINDOW_MINUTES:
        raise DomainError("invalid_time_range", "A time window is at most 12 hours.",
                          field="ends_at")
    return minutes


def _text(value: str | None, field: str, max_len: int, required: bool = False) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > max_len:
        raise DomainError("invalid_input", f"{field} must be {1 if required else 0} to "
                          f"{max_len} characters.", field=field)
    return text


class ServiceRequest(Aggregate):
    class Published(Aggregate.Created):
        bank_id: UUID
        office_id: UUID  # the beneficiary's savings office: whose staff dispatch it
        beneficiary_id: UUID  # a registered person (volunteer record with a passbook)
        posted_by: str  # SELF | FAMILY | STAFF
        relation: str  # the family member's relation to the beneficiary ("" otherwise)
        category: str
        place_sealed: str | None
        notes_sealed: str | None
        starts_at: datetime
        ends_at: datetime
        payer: str  # one of PAYERS, from the bank's rules in force at posting
        payer_account_id: UUID | None  # the time account that pays (payer "beneficiary")
        held_minutes: int  # held in that account at posting (the whole window), or 0
        actor: dict[str, Any]
        # Care paid from a time account in another bank of the city (通存通兑): that bank,
        # passbook and inter-bank transfer, which holds the window's hours there.
        remote_payer: dict[str, str] | None = None

        class_version = 2

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.update(remote_payer=None)  # version 1 was paid within the bank only

    @event(Published)
    def __init__(self, id: UUID, bank_id: UUID, office_id: UUID, beneficiary_id: UUID,
                 posted_by: str, relation: str, category: str, place_sealed: str | None,
                 notes_sealed: str | None, starts_at: datetime, ends_at: datetime,
                 payer: str, payer_account_id: UUID | None, held_minutes: int,
                 actor: dict[str, Any], remote_payer: dict[str, str] | None = None) -> None:
        self.bank_id = bank_id
        self.office_id = office_id
        self.beneficiary_id = beneficiary_id
        self.posted_by = posted_by
        self.poster = actor
        self.relation = relation
        self.category = category
        self.place_sealed = place_sealed
        self.notes_sealed = notes_sealed
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.payer = payer
        self.payer_account_id = payer_account_id
        self.held_minutes = held_minutes
        self.remote_payer = remote_payer
        self.status = POSTED
        self.volunteer_id: UUID | None = None
        self.dispatched = False
        self.minutes = 0  # served, as the volunteer marked it done
        self.paid_minutes = 0
        self.rating: int | None = None

    @classmethod
    def post(cls, id: UUID, bank_id: UUID, office_id: UUID, beneficiary_id: UUID,
             posted_by: str, relation: str, category: str, place_sealed: str | None,
             notes_sealed: str | None, starts_at: datetime, ends_at: datetime, payer: str,
             payer_account_id: UUID | None, held_minutes: int,
             actor: dict[str, Any], remote_payer: dict[str, str] | None = None
             ) -> ServiceRequest:
        if category not in CATEGORIES:
            raise DomainError("invalid_input", f"category is one of {', '.join(CATEGORIES)}.",
                              field="category")
        if posted_by not in REQUEST_POSTER.codes or payer not in PAYERS:
            raise ValueError((posted_by, payer))
        window = check_window(starts_at, ends_at)
        if held_minutes not in (0, window):
            raise ValueError("a request holds its whole window or nothing")
        if remote_payer is not None and (payer_account_id is not None or not held_minutes):
            raise ValueError("care paid from another bank is held there, whole")
        return cls(id=id, bank_id=bank_id, office_id=office_id,
                   beneficiary_id=beneficiary_id, posted_by=posted_by,
                   relation=relation if posted_by == FAMILY else "", category=category,
                   place_sealed=place_sealed, notes_sealed=notes_sealed,
                   starts_at=require_aware(starts_at), ends_at=require_aware(ends_at),
                   payer=payer, payer_account_id=payer_account_id,
                   held_minutes=held_minutes, actor=actor, remote_payer=remote_payer)

    @property
    def window_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def _require(self, *states: str) -> None:
        if self.status not in states:
            raise DomainError("request_not_in_state", f"The request is {self.status}.",
                              status=self.status)

    # -- taking ----------------------------------------------------------------------------
    def take(self, volunteer_id: UUID, dispatched: bool, actor: dict[str, Any]) -> None:
        """接单 (or 派单 by the office: `dispatched`). Two takes of one request: the first
        saved wins; the other finds it taken (`request_taken`)."""
        if self.status == TAKEN:
            raise DomainError("request_taken")
        self._require(POSTED)
        if volunteer_id == self.beneficiary_id:
            raise DomainError("invalid_input", "Nobody serves their own request.",
                              field="volunteer_id")
        self._taken(volunteer_id=volunteer_id, dispatched=dispatched, actor=actor)

    class Taken(Aggregate.Event):
        volunteer_id: UUID
        dispatched: bool  # 派单 by staff (True) or 接单 by the volunteer (False)
        actor: dict[str, Any]

    @event(Taken)
    def _taken(self, volunteer_id: UUID, dispatched: bool, actor: dict[str, Any]) -> None:
        self.volunteer_id = volunteer_id
        self.dispatched = dispatched
        self.status = TAKEN

    def give_back(self, reason: str, actor: dict[str, Any]) -> None:
        """The volunteer cannot come after all (or staff take the dispatch back): the request
        is open again for someone else."""
        self._require(TAKEN)
        self._given_back(volunteer_id=self.volunteer_id,
                         reason=_text(reason, "reason", 500), actor=actor)

    class GivenBack(Aggregate.Event):
        volunteer_id: UUID
        reason: str
        actor: dict[str, Any]

    @event(GivenBack)
    def _given_back(self, volunteer_id: UUID, reason: str, actor: dict[str, Any]) -> None:
        self.volunteer_id = None
        self.dispatched = False
        self.status = POSTED

    # -- the service ------------------------------------------------------------------------
    def mark_done(self, minutes: int, note: str, actor: dict[str, Any]) -> None:
        """The volunteer (or staff) says the service was given, and for how long: at most
        the window (what a paying account holds)."""
        self._require(TAKEN)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or \
                not 0 < minutes <= self.window_minutes:
            raise DomainError("invalid_hours", "The time served is more than 0 and at most "
                              "the request's time window.",
                              zh="服务时长须大于 0 且不超过需求的时间段。")
        self._done(minutes=minutes, note=_text(note, "note", 500), actor=actor)

    class Done(Aggregate.Event):
        minutes: int
        note: str
        actor: dict[str, Any]

    @event(Done)
    def _done(self, minutes: int, note: str, actor: dict[str, Any]) -> None:
        self.minutes = minutes
        self.status = DONE

    def confirm(self, rating: int, comment: str, on_behalf: bool,
                actor: dict[str, Any]) -> None:
        """确认评价: the service took place as marked; the hours move in the same save."""
        self._require(DONE)
        self._confirmed(minutes=self.minutes, rating=check_rating(rating),
                        comment=_text(comment, "comment", 500), on_behalf=bool(on_behalf),
                        actor=actor)

    class Confirmed(Aggregate.Event):
        minutes: int  # what the volunteer's account is credited
        rating: int
        comment: str
        on_behalf: bool  # staff recorded what the beneficiary said (代确认)
        actor: dict[str, Any]

    @event(Confirmed)
    def _confirmed(self, minutes: int, rating: int, comment: str, on_behalf: bool,
                   actor: dict[str, Any]) -> None:
        self.paid_minutes = minutes
        self.rating = rating
        self.status = CONFIRMED

    def dispute(self, reason: str, actor: dict[str, Any]) -> None:
        """The beneficiary says the service did not take place as marked: staff decide."""
        self._require(DONE)
        self._disputed(reason=_text(reason, "reason", 500, required=True), actor=actor)

    class Disputed(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    @event(Disputed)
    def _disputed(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = DISPUTED

    def resolve(self, minutes: int, reason: str, actor: dict[str, Any]) -> None:
        """Staff decide a dispute: the hours found served (0: none, the request is
        dismissed), at most what was marked done. Recorded with who and why."""
        self._require(DISPUTED)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or \
                not 0 <= minutes <= self.minutes:
            raise DomainError("invalid_hours", "The hours found served are at most the hours "
                              "marked done.", zh="核定时长不能超过志愿者登记的服务时长。")
        self._resolved(minutes=minutes, reason=_text(reason, "reason", 500, required=True),
                       actor=actor)

    class Resolved(Aggregate.Event):
        minutes: int  # credited to the volunteer (0: dismissed)
        reason: str
        actor: dict[str, Any]

    @event(Resolved)
    def _resolved(self, minutes: int, reason: str, actor: dict[str, Any]) -> None:
        self.paid_minutes = minutes
        self.status = CONFIRMED if minutes else DISMISSED

    # -- ending without a service -----------------------------------------------------------
    def cancel(self, reason: str, actor: dict[str, Any]) -> None:
        """Before the service is marked done; what the request held returns."""
        self._require(POSTED, TAKEN)
        self._cancelled(reason=_text(reason, "reason", 500), actor=actor)

    class Cancelled(Aggregate.Event):
        reason: str
        actor: dict[str, Any]

    @event(Cancelled)
    def _cancelled(self, reason: str, actor: dict[str, Any]) -> None:
        self.status = CANCELLED

    def no_show(self, note: str, actor: dict[str, Any]) -> None:
        """The volunteer who took it did not come: it ends, on their record; what the
        request held returns (a new need is a new request)."""
        self._require(TAKEN)
        self._no_show(volunteer_id=self.volunteer_id, note=_text(note, "note", 500),
                      actor=actor)

    class NoShow(Aggregate.Event):
        volunteer_id: UUID
        note: str
        actor: dict[str, Any]

    @event(NoShow)
    def _no_show(self, volunteer_id: UUID, note: str, actor: dict[str, Any]) -> None:
        self.status = NO_SHOW
