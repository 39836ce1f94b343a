"""Service requests and who pays for their hours (timebank/domain/service_requests.py).

Every command loads, decides with the aggregates and saves once: a confirmation saves the
request, the paying account (or the pool) and the volunteer's account together, so no hour
is lost or counted twice whatever fails; a retried confirmation with the same
Idempotency-Key answers what the first one did. Two volunteers taking one request race on
the request's version: the first save wins, the other is retried and finds it taken.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, RecordConflictError

from timebank.application.authz import (
    COMPLAINT_DECIDERS,
    OPERATORS,
    SERVICE_REQUESTS,
    read_scope,
    require_read,
    require_scope,
)
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.application.time_accounts import GiftServices
from timebank.domain.actors import SYSTEM, Actor
from timebank.domain.errors import DomainError
from timebank.domain.ids import passbook_id_for
from timebank.domain.interbank import (
    BANK_CLOSED,
    CARE,
    CARE_NOT_OFFERED,
    NO_SUCH_PASSBOOK,
    RECIPIENT_INACTIVE,
    InterbankCredit,
    InterbankTransfer,
    care_request_id_for,
    interbank_credit_id_for,
)
from timebank.domain.offices import BRANCH, SAVINGS_OFFICE, Office
from timebank.domain.reading import ReadScope
from timebank.domain.service_requests import (
    FAMILY,
    SELF,
    STAFF,
    ServiceRequest,
    check_window,
    hold_ref,
)
from timebank.domain.time_accounts import (
    CARE_PAID,
    POOL_GRANT,
    POOL_GRANTED,
    POOL_PAID,
    RELATIONS,
    SERVICE,
    HoursPool,
    TimeAccount,
    time_account_id_for,
)
from timebank.domain.time_rules import BENEFICIARY, POOL, TAKE_BANK, TimeBankRules
from timebank.domain.values import hours_text, is_valid_passbook_no, shanghai_date, utc_now
from timebank.domain.volunteers import Passbook, Volunteer

SETTLED = "settled"  # why a request's hold is released at confirmation
# How many times opening care paid from another bank is tried again after a concurrent save.
OPEN_ATTEMPTS = 5
# Why the bank refuses to open care paid from another bank, by the error it would answer.
CARE_REFUSALS = {"not_found": NO_SUCH_PASSBOOK, "volunteer_inactive": RECIPIENT_INACTIVE,
                 "office_closed": BANK_CLOSED}


@dataclass(frozen=True)
class RequestListScope:
    """What a list of requests may show: `rows` (a staff subtree, or a volunteer's own), and
    for a volunteer also the open requests of `open_area` (where they may take one)."""

    rows: ReadScope
    open_area: ReadScope | None = None


class RequestServices(GiftServices):
    # -- who is who ------------------------------------------------------------------------
    def volunteer_of_passbook(self, passbook_no: str) -> Volunteer:
        if not is_valid_passbook_no(passbook_no):
            raise DomainError("not_found", f"Passbook {passbook_no!r} not found.")
        passbook = self.load(Passbook, passbook_id_for(passbook_no), "passbook")
        return self.load(Volunteer, passbook.volunteer_id, "volunteer")

    def _area_root(self, volunteer: Volunteer, rules: TimeBankRules) -> Office:
        """Where a volunteer may take requests: their savings office's branch (街道), or the
        whole bank when the bank widens it."""
        office = self.load_office(volunteer.office_id)
        if rules.take_area == TAKE_BANK or not office.ancestor_ids:
            return self.bank_of(office)
        if office.kind == SAVINGS_OFFICE and office.parent_id is not None:
            return self.load_office(office.parent_id)
        return office if office.kind == BRANCH else self.bank_of(office)

    def _is_party(self, actor: Actor, request: ServiceRequest) -> bool:
        return actor.kind == "volunteer" and actor.id in (
            str(request.beneficiary_id), str(request.volunteer_id),
            str(request.poster.get("id")) if request.poster.get("kind") == "volunteer" else "")

    def _requester_or_staff(self, actor: Actor, request: ServiceRequest) -> bool:
        """The beneficiary or whoever posted it (→ False), or staff of the office (→ True,
        acting on the beneficiary's behalf). Anyone else: refused."""
        if actor.kind == "volunteer":
            poster = request.poster
            if actor.id == str(request.beneficiary_id) or (
                    poster.get("kind") == "volunteer" and poster.get("id") == actor.id):
                return False
            raise DomainError("forbidden")
        require_scope(actor, self.load_office(request.office_id), OPERATORS)
        return True

    def _taker_or_staff(self, actor: Actor, request: ServiceRequest) -> None:
        if actor.kind == "volunteer":
            if actor.id != str(request.volunteer_id):
                raise DomainError("forbidden")
            return
        require_scope(actor, self.load_office(request.office_id), OPERATORS)

    def load_request(self, request_id: UUID | str) -> ServiceRequest:
        return self.load(ServiceRequest, request_id, "service request")

    @retry_on_conflict
    def record_elder_status(self, actor: Actor, volunteer_id: UUID | str, living_alone: bool,
                            minimum_income: bool, disabled: bool, evidence: str) -> Volunteer:
        """Staff of the elder's office record their circumstances with the evidence seen
        (低保证, 残疾证, 独居核实…): what the bank's rule for hours from its pool reads."""
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        require_scope(actor, self.load_office(volunteer.office_id), OPERATORS)
        evidence = (evidence or "").strip()
        if not 1 <= len(evidence) <= 500:
            raise DomainError("invalid_input", "evidence must be 1 to 500 characters.",
                              field="evidence")
        sealed = self.vault.seal(volunteer.id, {"evidence": evidence})["evidence"]
        assert sealed is not None
        volunteer.record_elder_status(living_alone, minimum_income, disabled, sealed,
                                      actor.record())
        self.save(volunteer)
        return volunteer

    @retry_on_conflict
    def grant_pool_hours(self, actor: Actor, passbook_no: str, minutes: int, reason: str,
                         idem: Idempotency | None) -> dict[str, Any]:
        """The pool grants hours to a priority elder's account (发放), by the bank's rule as it
        stands: from then on they are the elder's to withdraw as care. Branch or bank
        administrators of the elder's office."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        elder = self.volunteer_of_passbook(passbook_no)
        office = self.load_office(elder.office_id)
        require_scope(actor, office, COMPLAINT_DECIDERS)
        reason = (reason or "").strip()
        if not 1 <= len(reason) <= 500:
            raise DomainError("invalid_input", "reason is 1 to 500 characters.", field="reason")
        if not elder.active:
            raise DomainError("volunteer_inactive")
        self._require_priority(elder, self.time_rules_of(office))
        pool = self.pool_of(elder.bank_id, actor)
        account = self.time_account_for(elder, actor)
        pool.debit(minutes, POOL_GRANTED, str(account.id), actor.record(), reason=reason)
        account.credit(minutes, POOL_GRANT, str(pool.id), actor.record(), counterparty=reason)
        body = {"passbook_no": elder.passbook_no, "hours": hours_text(minutes),
                "balance_hours": hours_text(account.balance),
                "pool_balance_hours": hours_text(pool.balance)}
        self.save_with(pool, account, idem=idem, status=201, body=body)
        return body

    def _payer_for(self, beneficiary: Volunteer, category: str
                   ) -> tuple[TimeBankRules, str]:
        """Who pays for `category` given to this active beneficiary of an open office, by
        the bank's rules in force (`not_time_bank_service` if the bank counts it not)."""
        if not beneficiary.active:
            raise DomainError("volunteer_inactive")
        office = self.load_office(beneficiary.office_id)
        self.ensure_open_path(office)
        rules = self.time_rules_of(office)
        payer = rules.payer_for(category)
        if payer is None:
            raise DomainError("not_time_bank_service", field="category")
        return rules, payer

    def _require_care_age(self, beneficiary: Volunteer, rules: TimeBankRules) -> int:
        """The beneficiary's age, if it is the bank's care age or more."""
        age = self.personal_data(beneficiary).age_on(shanghai_date(utc_now()))  # type: ignore[attr-defined]
        if age is None or age < rules.care_from_age:
            raise DomainError("care_age_not_reached",
                              f"The bank's rules: from {rules.care_from_age}.")
        return age

    def _require_priority(self, elder: Volunteer, rules: TimeBankRules) -> int:
        """The elder's age, if they are of care age and a priority elder under the rules."""
        age = self._require_care_age(elder, rules)
        status = elder.elder_status or {}
        if not rules.is_priority(age, status.get("living_alone", False),
                                 status.get("minimum_income", False),
                                 status.get("disabled", False)):
            raise DomainError("not_priority_elder")
        return age

    # -- posting ---------------------------------------------------------------------------
    @retry_on_conflict
    def post_request(self, actor: Actor, beneficiary_passbook: str | None, category: str,
                     place: str, notes: str, starts_at: datetime, ends_at: datetime,
                     relation: str, idem: Idempotency | None) -> dict[str, Any]:
        """需求发布: by the beneficiary, a family member (relation recorded; pays from their
        own stored hours where the beneficiary pays), or staff for them (代办)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        window = check_window(starts_at, ends_at)
        place = (place or "").strip()
        if not 1 <= len(place) <= 200:
            raise DomainError("invalid_input", "place must be 1 to 200 characters.",
                              field="place")
        if len(notes or "") > 500:
            raise DomainError("invalid_input", "notes is at most 500 characters.",
                              field="notes")
        poster: Volunteer | None = None
        if actor.kind == "volunteer":
            poster = self.load(Volunteer, actor.id, "volunteer")
            if beneficiary_passbook in (None, "", poster.passbook_no):
                beneficiary, posted_by = poster, SELF
            else:
                beneficiary, posted_by = self.volunteer_of_passbook(beneficiary_passbook), FAMILY
                if relation not in RELATIONS:
                    raise DomainError("invalid_input", "relation is one of "
                                      f"{', '.join(RELATIONS)}.", field="relation")
                if beneficiary.bank_id != poster.bank_id:
                    raise DomainError("office_mismatch", "The beneficiary's bank is another: "
                                      "name it (beneficiary_bank_id) to pay from your "
                                      "hours here.")
        else:
            if not beneficiary_passbook:
                raise DomainError("invalid_input", "Staff name the beneficiary's passbook.",
                                  field="beneficiary_passbook")
            beneficiary, posted_by = self.volunteer_of_passbook(beneficiary_passbook), STAFF
            require_scope(actor, self.load_office(beneficiary.office_id), OPERATORS)
        rules, payer = self._payer_for(beneficiary, category)
        request_id = uuid4()
        paying: TimeAccount | None = None
        if payer == POOL:
            self._require_priority(beneficiary, rules)
        elif payer == BENEFICIARY:
            self._require_care_age(beneficiary, rules)
            paying = self.time_account_for(poster if posted_by == FAMILY and poster
                                           else beneficiary, actor)
            paying.reserve(hold_ref(request_id), window, actor.record())
        sealed = self.vault.seal(beneficiary.id, {"place": place, "notes": (notes or "").strip()
                                                  or None})
        request = ServiceRequest.post(
            id=request_id, bank_id=beneficiary.bank_id, office_id=beneficiary.office_id,
            beneficiary_id=beneficiary.id, posted_by=posted_by, relation=relation or "",
            category=category, place_sealed=sealed["place"], notes_sealed=sealed["notes"],
            starts_at=starts_at, ends_at=ends_at, payer=payer,
            payer_account_id=paying.id if paying else None,
            held_minutes=window if paying else 0, actor=actor.record())
        body = self.request_out(request, actor)
        self.save_with(request, *([paying] if paying else []), idem=idem, status=201,
                       body=self.sealed_answer(body, beneficiary.id))
        return body

    # -- care paid from another bank of the city (通存通兑) -----------------------------------
    def check_care_beneficiary(self, bank_id: UUID, beneficiary_passbook: str,
                               category: str) -> Volunteer:
        """Reading only: may this passbook of this bank receive `category` paid from hours
        stored in another bank? Its owner is active, in an open office, of the bank's care
        age, and the bank lets the beneficiary's hours pay for that category."""
        beneficiary = self.volunteer_of_passbook(beneficiary_passbook)
        if beneficiary.bank_id != UUID(str(bank_id)):
            raise DomainError("not_found", f"Passbook {beneficiary_passbook!r} not found.")
        rules, payer = self._payer_for(beneficiary, category)
        if payer != BENEFICIARY:
            raise DomainError("care_not_offered", field="category")
        self._require_care_age(beneficiary, rules)
        return beneficiary

    def in_own_bank(self, actor: Actor, bank_id: UUID | str) -> bool:
        """Whether `bank_id` is the calling volunteer's own bank (staff: always, so that
        their 代办 is checked as ever)."""
        if actor.kind != "volunteer":
            return True
        return str(self.load(Volunteer, actor.id, "volunteer").bank_id) == str(bank_id)

    def open_care_request(self, transfer: InterbankTransfer, details: dict[str, Any],
                          now: datetime | None = None) -> InterbankCredit:
        """The one decision on a care transfer here: the request opened (saved with the
        accepted decision) or refused. A second caller (a restarted driver) gets the first's:
        the decision's id is derived from the transfer's, so the store refuses a second."""
        for _attempt in range(OPEN_ATTEMPTS):
            if (existing := self.interbank_credit(transfer.id)) is not None:  # type: ignore[attr-defined]
                return existing
            refusal, beneficiary = self._care_refusal(transfer, details, now or utc_now())
            opened = [] if beneficiary is None else [
                self._remote_request(transfer, details, beneficiary)]
            credit = InterbankCredit.decide(
                transfer.id, transfer.from_bank_id, transfer.from_passbook_no,
                transfer.to_bank_id, transfer.to_passbook_no, transfer.minutes, None,
                refusal, SYSTEM.record(), purpose=CARE)
            try:
                self.save(credit, *opened)
                return credit
            except (RecordConflictError, IntegrityError):
                continue  # decided concurrently: look again
        raise DomainError("conflict")

    def _care_refusal(self, transfer: InterbankTransfer, details: dict[str, Any],
                      now: datetime) -> tuple[str, Volunteer | None]:
        refusal, bank = self.receiving_bank_refusal(transfer, now)  # type: ignore[attr-defined]
        if bank is None:
            return refusal, None
        try:
            beneficiary = self.check_care_beneficiary(bank.id, transfer.to_passbook_no,
                                                      details["category"])
        except DomainError as exc:
            return CARE_REFUSALS.get(exc.code, CARE_NOT_OFFERED), None
        return "", beneficiary

    def _remote_request(self, transfer: InterbankTransfer, details: dict[str, Any],
                        beneficiary: Volunteer) -> ServiceRequest:
        sealed = self.vault.seal(beneficiary.id, {"place": details["place"],
                                                  "notes": details["notes"]})
        return ServiceRequest.post(
            id=care_request_id_for(transfer.id), bank_id=beneficiary.bank_id,
            office_id=beneficiary.office_id, beneficiary_id=beneficiary.id, posted_by=FAMILY,
            relation=details["relation"], category=details["category"],
            place_sealed=sealed["place"], notes_sealed=sealed["notes"],
            starts_at=details["starts_at"], ends_at=details["ends_at"], payer=BENEFICIARY,
            payer_account_id=None, held_minutes=transfer.minutes,
            actor=transfer.requested_by, remote_payer={
                "bank_id": str(transfer.from_bank_id),
                "passbook_no": transfer.from_passbook_no,
                "transfer_id": str(transfer.id)})

    def _settle_remote(self, request: ServiceRequest, minutes: int,
                       actor: Actor) -> InterbankCredit:
        """The request paid from another bank ended: its decision here records what was
        paid (0: nothing), which that bank's hold then follows."""
        assert request.remote_payer is not None
        credit = self.load(InterbankCredit,
                           interbank_credit_id_for(request.remote_payer["transfer_id"]),
                           "inter-bank credit")
        credit.settle_care(minutes, request.status, utc_now(), actor.record())
        return credit

    # -- taking ----------------------------------------------------------------------------
    @retry_on_conflict
    def take_request(self, actor: Actor, request_id: UUID | str) -> dict[str, Any]:
        """接单: a volunteer of the area takes an open request. A retry of one's own take
        answers the request as it is."""
        if actor.kind != "volunteer":
            raise DomainError("forbidden")
        request = self.load_request(request_id)
        if str(request.volunteer_id) == actor.id and request.status != "posted":
            return self.request_out(request, actor)
        volunteer = self.load(Volunteer, actor.id, "volunteer")
        self._check_server(request, volunteer)
        rules = self.time_rules_of(self.load_office(request.office_id))
        if volunteer.bank_id != request.bank_id or not self.load_office(
                request.office_id).is_within(self._area_root(volunteer, rules).id):
            raise DomainError("outside_take_area")
        request.take(volunteer.id, False, actor.record())
        self.save(request)
        return self.request_out(request, actor)

    @retry_on_conflict
    def dispatch_request(self, actor: Actor, request_id: UUID | str,
                         volunteer_id: UUID | str) -> dict[str, Any]:
        """派单: the savings office (or above it) gives an open request to a volunteer of
        the bank."""
        request = self.load_request(request_id)
        require_scope(actor, self.load_office(request.office_id), OPERATORS)
        volunteer = self.load(Volunteer, volunteer_id, "volunteer")
        if volunteer.bank_id != request.bank_id:
            raise DomainError("office_mismatch", "The volunteer is another bank's.")
        self._check_server(request, volunteer)
        request.take(volunteer.id, True, actor.record())
        self.save(request)
        return self.request_out(request, actor)

    def _check_server(self, request: ServiceRequest, volunteer: Volunteer) -> None:
        if not volunteer.active:
            raise DomainError("volunteer_inactive")
        if request.payer_account_id is not None and \
                request.payer_account_id == time_account_id_for(volunteer.passbook_no):
            raise DomainError("invalid_input", "Whoever pays for a request does not serve it.",
                              field="volunteer_id")

    @retry_on_conflict
    def give_back_request(self, actor: Actor, request_id: UUID | str,
                          reason: str) -> dict[str, Any]:
        request = self.load_request(request_id)
        self._taker_or_staff(actor, request)
        request.give_back(reason, actor.record())
        self.save(request)
        return self.request_out(request, actor)

    # -- the service and its confirmation --------------------------------------------------
    @retry_on_conflict
    def mark_request_done(self, actor: Actor, request_id: UUID | str, minutes: int,
                          note: str) -> dict[str, Any]:
        request = self.load_request(request_id)
        self._taker_or_staff(actor, request)
        request.mark_done(minutes, note, actor.record())
        self.save(request)
        return self.request_out(request, actor)

    @retry_on_conflict
    def confirm_request(self, actor: Actor, request_id: UUID | str, rating: int,
                        comment: str, idem: Idempotency | None) -> dict[str, Any]:
        """确认评价, and the hours move: the volunteer's account is credited what was marked
        done, paid as the request records."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        request = self.load_request(request_id)
        on_behalf = self._requester_or_staff(actor, request)
        request.confirm(rating, comment, on_behalf, actor.record())
        touched = self._settle(request, request.paid_minutes, actor)
        body = self.request_out(request, actor)
        self.save_with(request, *touched, idem=idem, status=200,
                       body=self.sealed_answer(body, request.beneficiary_id))
        return body

    @retry_on_conflict
    def dispute_request(self, actor: Actor, request_id: UUID | str,
                        reason: str) -> dict[str, Any]:
        request = self.load_request(request_id)
        self._requester_or_staff(actor, request)
        request.dispute(reason, actor.record())
        self.save(request)
        return self.request_out(request, actor)

    @retry_on_conflict
    def resolve_request(self, actor: Actor, request_id: UUID | str, minutes: int,
                        reason: str, idem: Idempotency | None) -> dict[str, Any]:
        """A branch or bank administrator decides a dispute: the hours found served move (0:
        none; what was held returns)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        request = self.load_request(request_id)
        require_scope(actor, self.load_office(request.office_id), COMPLAINT_DECIDERS)
        request.resolve(minutes, reason, actor.record())
        touched = self._settle(request, request.paid_minutes, actor)
        body = self.request_out(request, actor)
        self.save_with(request, *touched, idem=idem, status=200,
                       body=self.sealed_answer(body, request.beneficiary_id))
        return body

    # -- ending without a service ----------------------------------------------------------
    @retry_on_conflict
    def cancel_request(self, actor: Actor, request_id: UUID | str,
                       reason: str) -> dict[str, Any]:
        request = self.load_request(request_id)
        self._requester_or_staff(actor, request)
        request.cancel(reason, actor.record())
        touched = self._release_hold(request, "cancelled", actor)
        self.save(request, *touched)
        return self.request_out(request, actor)

    @retry_on_conflict
    def report_no_show(self, actor: Actor, request_id: UUID | str,
                       note: str) -> dict[str, Any]:
        request = self.load_request(request_id)
        self._requester_or_staff(actor, request)
        request.no_show(note, actor.record())
        touched = self._release_hold(request, "no_show", actor)
        self.save(request, *touched)
        return self.request_out(request, actor)

    # -- the hours --------------------------------------------------------------------------
    def _release_hold(self, request: ServiceRequest, reason: str,
                      actor: Actor) -> list[Aggregate]:
        if request.remote_payer is not None:
            return [self._settle_remote(request, 0, actor)]
        if request.payer_account_id is None:
            return []
        account = self.load_time_account(request.payer_account_id)
        account.release_reservation(hold_ref(request.id), reason, actor.record())
        return [account]

    def _settle(self, request: ServiceRequest, minutes: int, actor: Actor) -> list[Aggregate]:
        """What the request's confirmation (or resolution) moves: the payer pays `minutes`,
        the volunteer stores them (the storage cap applies); a hold returns whole first.
        Care paid from another bank records what was paid; that bank's hold follows."""
        if request.remote_payer is not None:
            touched: list[Aggregate] = [self._settle_remote(request, minutes, actor)]
            if minutes:
                volunteer = self.load(Volunteer, request.volunteer_id, "volunteer")
                rules = self.time_rules_of(self.load_office(request.office_id))
                touched.extend(self.store_capped(self.time_account_for(volunteer, actor),
                                                 minutes, SERVICE, str(request.id), rules,
                                                 actor))
            return touched
        touched = self._release_hold(request, SETTLED, actor)
        if minutes == 0:
            return touched
        volunteer = self.load(Volunteer, request.volunteer_id, "volunteer")
        earner = self.time_account_for(volunteer, actor)
        ref = str(request.id)
        pool: HoursPool | None = None
        if request.payer == BENEFICIARY:
            paying = touched[0]
            assert isinstance(paying, TimeAccount)
            paying.debit(minutes, CARE_PAID, ref, actor.record(),
                         counterparty=volunteer.passbook_no)
        elif request.payer == POOL:
            pool = self.pool_of(request.bank_id, actor)
            pool.debit(minutes, POOL_PAID, ref, actor.record(), reason=volunteer.passbook_no)
        rules = self.time_rules_of(self.load_office(request.office_id))
        stored = self.store_capped(earner, minutes, SERVICE, ref, rules, actor, pool=pool)
        touched.extend(stored)
        if pool is not None and not any(a is pool for a in stored):
            touched.append(pool)
        return touched

    # -- reading ----------------------------------------------------------------------------
    def read_request(self, actor: Actor, request_id: UUID | str) -> dict[str, Any]:
        """The parties and staff of the office tree read a request; a volunteer of the area
        reads an open one (without its place); to anyone else it does not exist."""
        request = self.load_request(request_id)
        if actor.kind == "volunteer" and not self._is_party(actor, request):
            if request.status != "posted" or not self._in_area_of(actor, request):
                raise DomainError("not_found", "service request not found.")
        elif actor.kind != "volunteer":
            require_read(actor, SERVICE_REQUESTS, self.load_office(request.office_id))
        return self.request_out(request, actor)

    def _in_area_of(self, actor: Actor, request: ServiceRequest) -> bool:
        volunteer = self.load(Volunteer, actor.id, "volunteer")
        rules = self.time_rules_of(self.load_office(request.office_id))
        return volunteer.bank_id == request.bank_id and self.load_office(
            request.office_id).is_within(self._area_root(volunteer, rules).id)

    def request_list_scope(self, actor: Actor, office_id: UUID | str | None = None
                           ) -> RequestListScope:
        if actor.kind == "volunteer":
            volunteer = self.load(Volunteer, actor.id, "volunteer")
            rules = self.time_rules_of(self.load_office(volunteer.office_id))
            return RequestListScope(read_scope(actor, SERVICE_REQUESTS, None),
                                    ReadScope.subtree(self._area_root(volunteer, rules)))
        return RequestListScope(self.read_scope(actor, SERVICE_REQUESTS,  # type: ignore[attr-defined]
                                                office_id))

    def request_out(self, request: ServiceRequest, actor: Actor) -> dict[str, Any]:
        """The request as the API shows it; the place and notes only to the parties and
        staff (a volunteer browsing open requests sees the area and the time)."""
        shown = actor.kind != "volunteer" or self._is_party(actor, request)
        opened: dict[str, str | None] = {"place": None, "notes": None}
        if shown:
            opened = self.vault.open(request.beneficiary_id, {
                "place": request.place_sealed, "notes": request.notes_sealed})
        return {
            "request_id": str(request.id),
            "status": request.status,
            "bank_id": str(request.bank_id),
            "office_id": str(request.office_id),
            "beneficiary_id": str(request.beneficiary_id),
            "posted_by": request.posted_by,
            "relation": request.relation or None,
            "category": request.category,
            "place": opened["place"],
            "notes": opened["notes"],
            "starts_at": request.starts_at,
            "ends_at": request.ends_at,
            "payer": request.payer,
            "held_hours": hours_text(request.held_minutes),
            "volunteer_id": str(request.volunteer_id) if request.volunteer_id else None,
            "dispatched": request.dispatched,
            "served_hours": hours_text(request.minutes),
            "paid_hours": hours_text(request.paid_minutes),
            "rating": request.rating,
            "paid_from": {"bank_id": request.remote_payer["bank_id"],
                          "passbook": request.remote_payer["passbook_no"],
                          "transfer_id": request.remote_payer["transfer_id"]}
            if request.remote_payer else None,
            "posted_at": request.created_on,
            "updated_at": request.modified_on,
        }
