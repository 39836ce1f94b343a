"""The entries a foundation's books need beyond gifts, grants and running costs: releasing a
restriction with a second person, money held as agent (受托代理), goods given out, and the
year-end closing of the legal entity (issue 13)."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from timebank.application.authz import BANK_ADMIN, require_scope
from timebank.application.funds import FundServices, shanghai_now
from timebank.application.idempotency import Idempotency
from timebank.application.retry import retry_on_conflict
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.funds import Fund
from timebank.domain.releases import ReleaseRequest


class BooksServices(FundServices):
    # -- releasing a restriction with a second person --------------------------------------
    @retry_on_conflict
    def request_release(self, actor: Actor, fund_id: UUID | str, purpose: str,
                        amount_fen: int, reason: str) -> ReleaseRequest:
        """A treasurer asks; nothing moves until someone else approves."""
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        request = ReleaseRequest.request(fund.id, purpose, amount_fen, reason, actor.record())
        self.save(request)
        return request

    def load_release(self, request_id: UUID | str) -> ReleaseRequest:
        return self.load(ReleaseRequest, request_id, "release request")

    def authorize_release_approver(self, actor: Actor, fund: Fund) -> None:
        """A bank admin of the fund's bank (or a system administrator)."""
        require_scope(actor, self.load_office(fund.bank_id), (BANK_ADMIN,))

    @retry_on_conflict
    def approve_release(self, actor: Actor, request_id: UUID | str) -> ReleaseRequest:
        request = self.load_release(request_id)
        fund = self.load_fund(request.fund_id)
        self.authorize_release_approver(actor, fund)
        request.check_approver(actor.record())
        entry_id = uuid4()
        fund.release_restriction(entry_id, request.purpose, request.amount_fen, request.reason,
                                 actor.record(), today=shanghai_now().date(),
                                 requested_by=request.requested_by)
        request.approve(entry_id, actor.record())
        self.save(request, fund)
        return request

    @retry_on_conflict
    def decline_release(self, actor: Actor, request_id: UUID | str,
                        reason: str) -> ReleaseRequest:
        request = self.load_release(request_id)
        self.authorize_release_approver(actor, self.load_fund(request.fund_id))
        request.decline(reason, actor.record())
        self.save(request)
        return request

    # -- money held as agent -----------------------------------------------------------------
    @retry_on_conflict
    def receive_custodial(
        self, actor: Actor, fund_id: UUID | str, amount_fen: int, beneficiary: str,
        donor_name: str | None, donor_type: str, idem: Idempotency | None,
        booked_on: date | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        host = self.load_fund(fund.host_fund_id) if fund.host_fund_id else None
        entry_id = uuid4()
        donor = (donor_name or "").strip()[:100] or None
        sealed = None
        if donor:  # personal data, sealed under the entry's own key (erasable)
            self.vault.create_key(entry_id)
            sealed = self.vault.seal(entry_id, {"donor": donor})["donor"]
        fund.receive_custodial(entry_id, amount_fen, beneficiary, donor_type, sealed,
                               shanghai_now().date(), actor.record(), booked_on=booked_on,
                               host_closed_until=host.closed_until if host else None)
        body = {"entry_id": str(entry_id), "amount_fen": amount_fen,
                "held_for_beneficiary_fen": fund.custodial[beneficiary.strip()]}
        self.save_with(fund, idem=idem, status=201, body=body)
        return body

    @retry_on_conflict
    def pay_custodial(
        self, actor: Actor, fund_id: UUID | str, amount_fen: int, beneficiary: str,
        idem: Idempotency | None, booked_on: date | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        host = self.load_fund(fund.host_fund_id) if fund.host_fund_id else None
        entry_id = uuid4()
        fund.pay_custodial(entry_id, amount_fen, beneficiary, shanghai_now().date(),
                           actor.record(), booked_on=booked_on,
                           host_closed_until=host.closed_until if host else None)
        body = {"entry_id": str(entry_id), "amount_fen": amount_fen,
                "held_for_beneficiary_fen": fund.custodial.get(beneficiary.strip(), 0)}
        self.save_with(fund, idem=idem, status=201, body=body)
        return body

    # -- goods given out ---------------------------------------------------------------------
    @retry_on_conflict
    def distribute_in_kind(
        self, actor: Actor, fund_id: UUID | str, amount_fen: int, purpose: str | None,
        description: str, quantity: int, unit: str, recipient: str,
        idem: Idempotency | None, booked_on: date | None = None,
        grant_id: UUID | str | None = None,
    ) -> dict[str, Any]:
        if (replayed := self.replay(idem)) is not None:
            return replayed
        fund = self.load_fund(fund_id)
        self.authorize_fund(actor, fund, write=True)
        grant = None
        if grant_id:
            grant = self.load_grant(grant_id)
            if grant.fund_id != fund.id:
                raise DomainError("not_found", "grant not found.")
        host = self.load_fund(fund.host_fund_id) if fund.host_fund_id else None
        entry_id = uuid4()
        fund.distribute_in_kind(entry_id, amount_fen, purpose, description, quantity, unit,
                                recipient, shanghai_now().date(), actor.record(),
                                booked_on=booked_on,
                                host_closed_until=host.closed_until if host else None,
                                grant_id=grant.id if grant else None)
        body = {"entry_id": str(entry_id), "amount_fen": amount_fen, "quantity": quantity}
        self.save_with(fund, idem=idem, status=201, body=body)
        return body

    # -- the legal entity's year-end closing -------------------------------------------------
    @retry_on_conflict
    def close_entity_year(self, actor: Actor, fund_id: UUID | str, year: int, reason: str,
                          hosted_before: list[str] | None = None) -> list[Fund]:
        """结转 of the legal entity: the foundation and every fund it hosts, in one save.
        `hosted_before`: funds opened under it before hosting was recorded on the host (the
        read side knows them; they are long past any lag)."""
        head = self.entity_fund(actor, fund_id, write=True)
        members = [head, *(self.load_fund(f) for f in dict.fromkeys(
            [*head.hosted, *(hosted_before or [])]))]
        today = shanghai_now().date()
        closed: list[Fund] = []
        refusal: DomainError | None = None
        for fund in members:
            try:
                fund.close_year(year, today, reason, actor.record())
            except DomainError as exc:
                if exc.code != "invalid_state":
                    raise
                refusal = exc  # this one was closed already, with nothing new to carry
            else:
                closed.append(fund)
        if not closed and refusal is not None:
            raise refusal
        self.save(*closed)
        return members
