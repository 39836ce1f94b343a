"""Community funds: open funds, take donations, propose and vote grants, pay, void, spend."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from timebank.application.authz import (
    BANK_ADMIN,
    FUND_READERS,
    FUND_WRITERS,
    require_scope,
    require_staff,
)
from timebank.application.base import BaseServices
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import ADMIN_ROLE, Actor
from timebank.domain.donations import Donation
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund, Grant, receipt_kind
from timebank.domain.values import SHANGHAI, utc_now


class FundServices(BaseServices):
    def open_fund(
        self, actor: Actor, name: str, kind: str, host_fund_id: UUID | str | None,
        office_id: UUID | str,
    ) -> Fund:
        office = self.load_office(office_id)
        require_scope(actor, office, FUND_WRITERS)
        self.ensure_open_path(office)
        host = self.load(Fund, host_fund_id, "host fund") if host_fund_id else None
        if host is not None:
            if host.bank_id != office.bank_id:
                raise DomainError("invalid_fund_host", "The host fund belongs to another bank.")
            # Hosting puts entries into the host's books: its treasurers must agree.
            self.authorize_fund(actor, host, write=True)
        fund = Fund.open(name, kind, host, office.id, office.bank_id, actor.record())
        if host is not None:
            host.host(fund.id, actor.record())
        self.save(fund, host)
        return fund

    def donation_of(self, fund: Fund, donation_id: UUID | str
                    ) -> tuple[Donation | None, dict[str, Any] | None]:
        """A gift of this fund: its aggregate (None for a version-1 gift, whose record the
        fund keeps) and its record; (None, None) when the fund has no such gift."""
        key = str(donation_id)
        if key in fund.legacy_donations:
            return None, fund.legacy_donations[key]
        try:
            donation = self.load(Donation, donation_id, "donation")
        except DomainError:
            return None, None
        if donation.fund_id != fund.id:
            return None, None
        return donation, donation.record()

    def donor_name(self, fund: Fund, donation_id: str) -> str | None:
        """Only for callers already authorized to read the fund; None when anonymous."""
        _donation, record = self.donation_of(fund, donation_id)
        sealed = record.get("donor_sealed") if record else None
        if not sealed:
            return None
        return self.vault.open(UUID(donation_id), {"donor": sealed})["donor"]

    @retry_on_conflict
    def erase_donor(
        self, actor: Actor, fund_id: UUID | str, donation_id: UUID | str, reason: str
    ) -> None:
        """A donor's 个人信息删除: the name becomes unreadable; the gift and receipt stay."""
        require_staff(actor, (ADMIN_ROLE,))
        fund = self.load_fund(fund_id)
        try:
            uid = UUID(str(donation_id))
        except ValueError as exc:
            raise DomainError("not_found", "donation not found.") from exc
        donation, record = self.donation_of(fund, uid)
        reason = (reason or "").strip() or "捐赠人申请删除个人信息"
        if record is not None and record.get("donor_erased") and self.vault.has_key(uid):
            self.destroy_personal_key(uid)  # recorded before, key survived: finish it
            return
        fund.erase_donor(uid, reason, actor.record(), record)
        if donation is not None:
            donation.erase_donor(reason, actor.record())
        # The key first, as for a volunteer: complete, or nothing done (audit.py).
        self.destroy_personal_key(uid)
        self.save(fund, donation)

    def load_fund(self, fund_id: UUID | str) -> Fund:
        return self.load(Fund, fund_id, "fund")

    def authorize_fund(self, actor: Actor, fund: Fund, write: bool = False) -> None:
        require_scope(actor, self.load_office(fund.office_id),
                      FUND_WRITERS if write else FUND_READERS)

    @retry_on_conflict
    def set_vote_rule(
        self, actor: Actor, fund_id: UUID | str, min_turnout: int, two_thirds: bool
    ) -> Fund:
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        fund.set_vote_rule(min_turnout, two_thirds, actor.record())
        self.save(fund)
        return fund

    @retry_on_conflict
    def set_indicator_limits(
        self, actor: Actor, fund_id: UUID | str, limits: dict[str, str]
    ) -> Fund:
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        fund.set_indicator_limits(limits, actor.record())
        self.save(fund)
        return fund

    @retry_on_conflict
    def receive_donation(
        self,
        actor: Actor,
        fund_id: UUID | str,
        amount_fen: int,
        donor_name: str | None,
        donor_type: str,
        restricted_purpose: str | None,
        anonymous: bool,
        idem: Idempotency | None,
        in_kind_description: str | None = None,
        booked_on: date | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        with self.hot_aggregate(fund.host_fund_id or fund.id):
            return self._receive_donation(
                actor, self.load_fund(fund.id), amount_fen, donor_name, donor_type,
                restricted_purpose, anonymous, idem, in_kind_description, booked_on)

    def _receive_donation(
        self,
        actor: Actor,
        fund: Fund,
        amount_fen: int,
        donor_name: str | None,
        donor_type: str,
        restricted_purpose: str | None,
        anonymous: bool,
        idem: Idempotency | None,
        in_kind_description: str | None,
        booked_on: date | None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed  # a twin request waited for the fund and was answered first
        donation_id = uuid4()
        donor = (donor_name or "").strip()[:100] or None
        sealed = None
        if donor and not anonymous:
            # A donor's identity is personal data: sealed under its own key (erasable).
            self.vault.create_key(donation_id)
            sealed = self.vault.seal(donation_id, {"donor": donor})["donor"]
        host = self.load_fund(fund.host_fund_id) if fund.host_fund_id else None
        gift = fund.receive_donation(
            donation_id, amount_fen, donor_type, sealed, anonymous, restricted_purpose,
            shanghai_now(), actor.record(), in_kind_description=in_kind_description,
            booked_on=booked_on, host=host,
        )
        donation = Donation(id=donation_id, fund_id=fund.id, receipt_no=gift.receipt_no,
                            postings=gift.postings, donor_sealed=None if anonymous else sealed,
                            lots=[gift.lot], actor=actor.record())
        body = {"donation_id": str(donation_id), "receipt_no": gift.receipt_no,
                "receipt_kind": receipt_kind(gift.receipt_no)}
        self.save_with(fund, donation, *([host] if host else []), idem=idem, status=201,
                       body=body)
        return body

    @retry_on_conflict
    def void_donation(
        self, actor: Actor, fund_id: UUID | str, donation_id: UUID | str, reason: str
    ) -> dict[str, Any]:
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        try:
            uid = UUID(str(donation_id))
        except ValueError as exc:
            raise DomainError("not_found", "donation not found.") from exc
        donation, record = self.donation_of(fund, uid)
        fund.void_donation(uid, reason, actor.record(), record, today=shanghai_now().date())
        if donation is not None:
            donation.void((reason or "").strip(), actor.record())
        self.save(fund, donation)
        assert record is not None  # the fund refused an unknown gift
        return {"donation_id": str(uid), "status": "voided", "receipt_no": record["receipt_no"]}

    def propose_grant(
        self, actor: Actor, fund_id: UUID | str, project: str, amount_fen: int,
        purpose: str | None,
    ) -> Grant:
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        grant = Grant.propose(fund, project, amount_fen, purpose, actor.record())
        self.save(grant)
        return grant

    def load_grant(self, grant_id: UUID | str) -> Grant:
        return self.load(Grant, grant_id, "grant")

    @retry_on_conflict
    def decide_grant(
        self, actor: Actor, grant_id: UUID | str, votes_for: int, votes_against: int,
        votes_abstain: int, minutes: str,
    ) -> Grant:
        grant = self.load_grant(grant_id)
        fund = self.load_fund(grant.fund_id)
        self.authorize_fund(actor, fund, write=True)
        passed = fund.vote_passes(votes_for, votes_against, votes_abstain)
        grant.check_vote(votes_for, votes_against, votes_abstain, minutes)
        owed = None
        if passed:  # owed from approval: a liability and a cost of this year
            owed = fund.commit_grant(grant.id, grant.amount_fen, grant.purpose,
                                     shanghai_now().date(), actor.record())
        grant.record_vote(votes_for, votes_against, votes_abstain, minutes, passed,
                          actor.record(), owed=owed)
        self.save(grant, fund)
        return grant

    @retry_on_conflict
    def disburse_grant(
        self, actor: Actor, grant_id: UUID | str, amount_fen: int, idem: Idempotency | None
    ) -> dict[str, Any]:
        """Never before approval, never beyond it, never below zero, never off-purpose."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        grant = self.load_grant(grant_id)
        fund = self.load_fund(grant.fund_id)
        self.authorize_fund(actor, fund, write=True)
        disbursement_id = uuid4()
        grant.disburse(amount_fen)
        paid = fund.pay_grant(grant.id, disbursement_id, amount_fen, grant.purpose,
                              actor.record(), today=shanghai_now().date(), owed=grant.owed)
        grant.record_disbursement(disbursement_id, amount_fen, actor.record(), paid=paid)
        body = {
            "disbursement_id": str(disbursement_id),
            "grant_id": str(grant.id),
            "amount_fen": amount_fen,
            "disbursed_fen": grant.disbursed_fen,
            "remaining_fen": grant.amount_fen - grant.disbursed_fen,
        }
        self.save_with(grant, fund, idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def close_grant(self, actor: Actor, grant_id: UUID | str, report: str) -> Grant:
        grant = self.load_grant(grant_id)
        fund = self.load_fund(grant.fund_id)
        self.authorize_fund(actor, fund, write=True)
        grant.close(report, actor.record())
        if grant.owed:  # what it will not pay is owed no more
            fund.release_commitment(grant.id, grant.owed, shanghai_now().date(), "结项",
                                    actor.record())
        self.save(grant, fund)
        return grant

    @retry_on_conflict
    def cancel_grant(self, actor: Actor, grant_id: UUID | str, reason: str) -> Grant:
        grant = self.load_grant(grant_id)
        fund = self.load_fund(grant.fund_id)
        self.authorize_fund(actor, fund, write=True)
        grant.cancel(reason, actor.record())
        if grant.owed:
            fund.release_commitment(grant.id, grant.owed, shanghai_now().date(), "撤销",
                                    actor.record())
        self.save(grant, fund)
        return grant

    @retry_on_conflict
    def pay_expense(
        self,
        actor: Actor,
        fund_id: UUID | str,
        allocations: list[tuple[str, int]],
        description: str,
        idem: Idempotency | None,
        allocation_method: str | None = None,
        booked_on: date | None = None,
        decision: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        expense_id = uuid4()
        host = self.load_fund(fund.host_fund_id) if fund.host_fund_id else None
        total = fund.pay_expense(expense_id, allocations, allocation_method, description,
                                 shanghai_now().date(), actor.record(), booked_on, decision,
                                 host.closed_until if host else None)
        body = {"expense_id": str(expense_id), "amount_fen": total,
                "kind": allocations[0][0] if len(allocations) == 1 else "shared"}
        self.save_with(fund, idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def release_restriction(
        self, actor: Actor, fund_id: UUID | str, purpose: str, amount_fen: int, reason: str,
        idem: Idempotency | None, consent: dict[str, Any] | None = None,
        donation_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        """With the donors' recorded consent only; without it a treasurer requests the
        release and a second person approves it (`timebank/application/releases.py`)."""
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        if not consent:
            raise DomainError("second_approver_required")
        entry_id = uuid4()
        named = self.named_donations(fund, donation_ids)
        after = fund.release_restriction(
            entry_id, purpose, amount_fen, reason, actor.record(),
            today=shanghai_now().date(), consent=consent, donation_ids=donation_ids,
            records={donation_id: d.record() for donation_id, d in named.items()})
        for donation_id, lots in after.items():
            if donation_id in named:
                named[donation_id].repurpose(entry_id, lots, actor.record())
        body = {"entry_id": str(entry_id), "amount_fen": amount_fen}
        self.save_with(fund, *named.values(), idem=idem, status=201, body=body)
        return body

    def named_donations(self, fund: Fund, donation_ids: list[str] | None
                        ) -> dict[str, Donation]:
        """The named gifts of this fund that have their own aggregate (version-1 gifts'
        records are the fund's)."""
        named: dict[str, Donation] = {}
        for donation_id in dict.fromkeys(str(d) for d in donation_ids or []):
            donation, _record = self.donation_of(fund, donation_id)
            if donation is not None:
                named[donation_id] = donation
        return named

    @retry_on_conflict
    def change_purpose(
        self, actor: Actor, fund_id: UUID | str, from_purpose: str, to_purpose: str,
        amount_fen: int, consent: dict[str, Any], idem: Idempotency | None,
        donation_ids: list[str] | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        entry_id = uuid4()
        named = self.named_donations(fund, donation_ids)
        after = fund.change_purpose(
            entry_id, from_purpose, to_purpose, amount_fen, consent, actor.record(),
            donation_ids=donation_ids,
            records={donation_id: d.record() for donation_id, d in named.items()},
            today=shanghai_now().date())
        for donation_id, lots in after.items():
            if donation_id in named:
                named[donation_id].repurpose(entry_id, lots, actor.record())
        body = {"entry_id": str(entry_id), "amount_fen": amount_fen}
        self.save_with(fund, *named.values(), idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def close_period(self, actor: Actor, fund_id: UUID | str, until: date, reason: str) -> Fund:
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        fund.close_period(until, shanghai_now().date(), reason, actor.record())
        self.save(fund)
        return fund

    @retry_on_conflict
    def reopen_period(
        self, actor: Actor, fund_id: UUID | str, from_day: date, reason: str
    ) -> Fund:
        """Reopening closed books is not the treasurer's own call: a bank admin records it."""
        fund = self.load_fund(fund_id)
        require_scope(actor, self.load_office(fund.office_id), (BANK_ADMIN,))
        fund.reopen_period(from_day, reason, actor.record())
        self.save(fund)
        return fund


def shanghai_now() -> datetime:
    """Receipts are numbered by the Shanghai calendar year."""
    return utc_now().astimezone(SHANGHAI)
