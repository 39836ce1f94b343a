"""Community funds (社区基金会 / 专项基金 / 楼组自治金): double-entry books in integer fen.

A `Fund` is its own journal: every movement is one event carrying a balanced set of
postings. Cash is kept by class — unrestricted, or restricted to a purpose (定向) — so the
fund can refuse, inside one aggregate, to pay restricted money to another purpose.
A `Grant` is a community project's life: proposed → voted → approved | rejected →
disbursed in tranches → closed (or cancelled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.errors import DomainError

FOUNDATION, SPECIAL, BUILDING = "foundation", "special", "building"
FUND_KINDS = (FOUNDATION, SPECIAL, BUILDING)
DONOR_TYPES = ("government", "enterprise", "individual", "resident", "bazaar")
EXPENSE_KINDS = ("charitable", "management", "fundraising")  # 业务活动成本 / 管理费用 / 筹资费用

UNRESTRICTED = "unrestricted"
MAX_FEN = 10**13  # a hundred billion yuan: beyond any community fund

# Accounts of the chart (one chart for every fund; a posting also names its cash class).
CASH = "cash"
DONATION_INCOME = "donation_income"  # + ":" + donor type
GRANT_EXPENSE = "grant_expense"  # 业务活动成本 — grants paid
EXPENSE = "expense"  # + ":" + expense kind
DEBIT_NORMAL = (CASH, GRANT_EXPENSE, EXPENSE)


def restricted_class(purpose: str) -> str:
    return f"restricted:{purpose}"


def check_fen(amount: Any, field: str = "amount_fen") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= MAX_FEN:
        raise DomainError("invalid_input", f"{field}: a whole number of fen above 0.",
                          field=field)
    return amount


def check_purpose(purpose: str | None) -> str | None:
    text = (purpose or "").strip()
    if len(text) > 100:
        raise DomainError("invalid_input", "purpose: at most 100 characters.", field="purpose")
    return text or None


def posting(account: str, fund_class: str, debit: int = 0, credit: int = 0) -> dict[str, Any]:
    return {"account": account, "class": fund_class, "debit_fen": debit, "credit_fen": credit}


def balanced(postings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The one rule of double entry, checked where every entry is made."""
    debits = sum(p["debit_fen"] for p in postings)
    credits = sum(p["credit_fen"] for p in postings)
    if debits != credits or debits <= 0:
        raise AssertionError(f"unbalanced entry: {debits} != {credits}")
    return postings


class Fund(Aggregate):
    @event("Opened")
    def __init__(
        self,
        name: str,
        kind: str,
        host_fund_id: UUID | None,
        office_id: UUID,
        bank_id: UUID,
        actor: dict[str, Any],
    ) -> None:
        self.name = name
        self.kind = kind
        self.host_fund_id = host_fund_id
        self.office_id = office_id
        self.bank_id = bank_id
        self.cash: dict[str, int] = {}
        self.receipts: dict[str, int] = {}  # year -> last receipt number issued
        self.donations: dict[str, dict[str, Any]] = {}  # donation id -> what a void needs
        self.min_turnout = 0
        self.two_thirds = False

    @classmethod
    def open(
        cls, name: str, kind: str, host: Fund | None, office_id: UUID, bank_id: UUID,
        actor: dict[str, Any],
    ) -> Fund:
        name = (name or "").strip()
        if not 1 <= len(name) <= 100:
            raise DomainError("invalid_input", "name must be 1 to 100 characters.", field="name")
        if kind not in FUND_KINDS:
            raise DomainError("invalid_input", f"kind: one of {', '.join(FUND_KINDS)}.",
                              field="kind")
        if kind == SPECIAL and host is None:
            raise DomainError("invalid_fund_host", "A special fund is hosted by a foundation.")
        if host is not None and host.kind != FOUNDATION:
            # A special fund belongs to exactly one foundation and has no sub-funds.
            raise DomainError("invalid_fund_host", "Only a foundation hosts other funds.")
        if kind == FOUNDATION and host is not None:
            raise DomainError("invalid_fund_host", "A foundation is not hosted by another fund.")
        return cls(name=name, kind=kind, host_fund_id=host.id if host else None,
                   office_id=office_id, bank_id=bank_id, actor=actor)

    # -- the books -------------------------------------------------------------------------
    @property
    def balance(self) -> int:
        return sum(self.cash.values())

    def available_for(self, purpose: str | None) -> int:
        """Money a grant of `purpose` may use: its restricted money, then unrestricted."""
        own = self.cash.get(restricted_class(purpose), 0) if purpose else 0
        return own + self.cash.get(UNRESTRICTED, 0)

    def _apply_postings(self, postings: list[dict[str, Any]]) -> None:
        for line in postings:
            if line["account"] == CASH:
                self.cash[line["class"]] = (
                    self.cash.get(line["class"], 0) + line["debit_fen"] - line["credit_fen"]
                )

    def set_vote_rule(self, min_turnout: int, two_thirds: bool, actor: dict[str, Any]) -> None:
        if isinstance(min_turnout, bool) or not isinstance(min_turnout, int) or min_turnout < 0:
            raise DomainError("invalid_input", "min_turnout: a whole number from 0.",
                              field="min_turnout")
        self._vote_rule_set(min_turnout=min_turnout, two_thirds=two_thirds, actor=actor)

    @event("VoteRuleSet")
    def _vote_rule_set(self, min_turnout: int, two_thirds: bool, actor: dict[str, Any]) -> None:
        self.min_turnout = min_turnout
        self.two_thirds = two_thirds

    def vote_passes(self, votes_for: int, votes_against: int, votes_abstain: int) -> bool:
        if votes_for + votes_against + votes_abstain < self.min_turnout:
            return False
        if self.two_thirds:
            return 3 * votes_for >= 2 * (votes_for + votes_against + votes_abstain)
        return votes_for > votes_against

    def receive_donation(
        self,
        donation_id: UUID,
        amount_fen: int,
        donor_type: str,
        donor_sealed: str | None,
        anonymous: bool,
        restricted_purpose: str | None,
        received_at: datetime,
        actor: dict[str, Any],
    ) -> str:
        """Cash in, a receipt number out: gap-free per fund and year, never reused."""
        amount_fen = check_fen(amount_fen)
        if donor_type not in DONOR_TYPES:
            raise DomainError("invalid_input", f"donor_type: one of {', '.join(DONOR_TYPES)}.",
                              field="donor_type")
        purpose = check_purpose(restricted_purpose)
        fund_class = restricted_class(purpose) if purpose else UNRESTRICTED
        year = str(received_at.year)
        number = self.receipts.get(year, 0) + 1
        receipt_no = f"{year}-{number:06d}"
        self._donation_received(
            donation_id=donation_id,
            amount_fen=amount_fen,
            donor_type=donor_type,
            donor_sealed=None if anonymous else donor_sealed,
            anonymous=anonymous,
            restricted_purpose=purpose,
            receipt_no=receipt_no,
            postings=balanced([
                posting(CASH, fund_class, debit=amount_fen),
                posting(f"{DONATION_INCOME}:{donor_type}", fund_class, credit=amount_fen),
            ]),
            actor=actor,
        )
        return receipt_no

    @event("DonationReceived")
    def _donation_received(
        self,
        donation_id: UUID,
        amount_fen: int,
        donor_type: str,
        donor_sealed: str | None,
        anonymous: bool,
        restricted_purpose: str | None,
        receipt_no: str,
        postings: list[dict[str, Any]],
        actor: dict[str, Any],
    ) -> None:
        year, number = receipt_no.split("-")
        self.receipts[year] = int(number)
        self.donations[str(donation_id)] = {"postings": postings, "voided": False,
                                            "receipt_no": receipt_no,
                                            "donor_sealed": donor_sealed}
        self._apply_postings(postings)

    def void_donation(self, donation_id: UUID, reason: str, actor: dict[str, Any]) -> None:
        """A reversal naming the entry it reverses; the receipt number stays used."""
        record = self.donations.get(str(donation_id))
        if record is None:
            raise DomainError("not_found", "donation not found.")
        if record["voided"]:
            raise DomainError("invalid_state", "The donation is already voided.")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("invalid_input", "A void needs a reason.", field="reason")
        reversal = [
            posting(p["account"], p["class"], debit=p["credit_fen"], credit=p["debit_fen"])
            for p in record["postings"]
        ]
        for line in reversal:
            if line["account"] == CASH and self.cash.get(line["class"], 0) < line["credit_fen"]:
                raise DomainError("insufficient_funds", "The donation was already spent.")
        self._donation_voided(donation_id=donation_id, reason=reason,
                              postings=balanced(reversal), actor=actor)

    @event("DonationVoided")
    def _donation_voided(
        self, donation_id: UUID, reason: str, postings: list[dict[str, Any]],
        actor: dict[str, Any],
    ) -> None:
        self.donations[str(donation_id)]["voided"] = True
        self._apply_postings(postings)

    def pay_grant(
        self, grant_id: UUID, disbursement_id: UUID, amount_fen: int, purpose: str | None,
        actor: dict[str, Any],
    ) -> None:
        """Restricted money of the grant's purpose first, then unrestricted money."""
        amount_fen = check_fen(amount_fen)
        if amount_fen > self.available_for(purpose):
            if amount_fen <= self.balance:
                raise DomainError("restricted_purpose_mismatch")
            raise DomainError("insufficient_funds")
        from_restricted = min(amount_fen, self.cash.get(restricted_class(purpose), 0)
                              if purpose else 0)
        lines = []
        for fund_class, part in ((restricted_class(purpose or ""), from_restricted),
                                 (UNRESTRICTED, amount_fen - from_restricted)):
            if part:
                lines += [posting(GRANT_EXPENSE, fund_class, debit=part),
                          posting(CASH, fund_class, credit=part)]
        self._grant_paid(grant_id=grant_id, disbursement_id=disbursement_id,
                         amount_fen=amount_fen, postings=balanced(lines), actor=actor)

    @event("GrantPaid")
    def _grant_paid(
        self, grant_id: UUID, disbursement_id: UUID, amount_fen: int,
        postings: list[dict[str, Any]], actor: dict[str, Any],
    ) -> None:
        self._apply_postings(postings)

    def pay_expense(
        self, expense_id: UUID, amount_fen: int, kind: str, description: str,
        actor: dict[str, Any],
    ) -> None:
        """Running costs come from unrestricted money only."""
        amount_fen = check_fen(amount_fen)
        if kind not in EXPENSE_KINDS:
            raise DomainError("invalid_input", f"kind: one of {', '.join(EXPENSE_KINDS)}.",
                              field="kind")
        if amount_fen > self.cash.get(UNRESTRICTED, 0):
            raise DomainError("insufficient_funds")
        self._expense_paid(
            expense_id=expense_id, amount_fen=amount_fen, kind=kind,
            description=(description or "").strip()[:500],
            postings=balanced([posting(f"{EXPENSE}:{kind}", UNRESTRICTED, debit=amount_fen),
                               posting(CASH, UNRESTRICTED, credit=amount_fen)]),
            actor=actor,
        )

    @event("ExpensePaid")
    def _expense_paid(
        self, expense_id: UUID, amount_fen: int, kind: str, description: str,
        postings: list[dict[str, Any]], actor: dict[str, Any],
    ) -> None:
        self._apply_postings(postings)


PROPOSED, APPROVED, REJECTED, CLOSED, CANCELLED = (
    "proposed", "approved", "rejected", "closed", "cancelled"
)


class Grant(Aggregate):
    @event("Proposed")
    def __init__(
        self, fund_id: UUID, project: str, amount_fen: int, purpose: str | None,
        actor: dict[str, Any],
    ) -> None:
        self.fund_id = fund_id
        self.project = project
        self.amount_fen = amount_fen
        self.purpose = purpose
        self.status = PROPOSED
        self.disbursed_fen = 0

    @classmethod
    def propose(
        cls, fund: Fund, project: str, amount_fen: int, purpose: str | None,
        actor: dict[str, Any],
    ) -> Grant:
        project = (project or "").strip()
        if not 1 <= len(project) <= 200:
            raise DomainError("invalid_input", "project: 1 to 200 characters.", field="project")
        return cls(fund_id=fund.id, project=project, amount_fen=check_fen(amount_fen),
                   purpose=check_purpose(purpose), actor=actor)

    def record_vote(
        self, votes_for: int, votes_against: int, votes_abstain: int, minutes: str,
        passed: bool, actor: dict[str, Any],
    ) -> None:
        """居民议事: the vote and its minutes; the fund's rule decided `passed`."""
        if self.status != PROPOSED:
            raise DomainError("grant_not_proposed")
        for name, value in (("votes_for", votes_for), ("votes_against", votes_against),
                            ("votes_abstain", votes_abstain)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise DomainError("invalid_input", f"{name}: a whole number from 0.", field=name)
        minutes = (minutes or "").strip()
        if not minutes:
            raise DomainError("invalid_input", "The meeting's minutes are required.",
                              field="minutes")
        self._voted(votes_for=votes_for, votes_against=votes_against,
                    votes_abstain=votes_abstain, minutes=minutes[:5000], passed=passed,
                    actor=actor)

    @event("Voted")
    def _voted(
        self, votes_for: int, votes_against: int, votes_abstain: int, minutes: str,
        passed: bool, actor: dict[str, Any],
    ) -> None:
        self.status = APPROVED if passed else REJECTED

    def disburse(self, amount_fen: int) -> None:
        """Checks only: the money moves in the fund's books, saved with this grant."""
        if self.status != APPROVED:
            raise DomainError("grant_not_approved")
        if self.disbursed_fen + check_fen(amount_fen) > self.amount_fen:
            raise DomainError("exceeds_grant",
                              f"{self.amount_fen - self.disbursed_fen} fen left to pay.")

    def record_disbursement(self, disbursement_id: UUID, amount_fen: int,
                            actor: dict[str, Any]) -> None:
        self.disburse(amount_fen)
        self._disbursed(disbursement_id=disbursement_id, amount_fen=amount_fen, actor=actor)

    @event("Disbursed")
    def _disbursed(self, disbursement_id: UUID, amount_fen: int, actor: dict[str, Any]) -> None:
        self.disbursed_fen += amount_fen

    def close(self, report: str, actor: dict[str, Any]) -> None:
        if self.status != APPROVED:
            raise DomainError("grant_not_approved")
        report = (report or "").strip()
        if not report:
            raise DomainError("invalid_input", "A closing report is required.", field="report")
        self._closed(report=report[:10000], unpaid_fen=self.amount_fen - self.disbursed_fen,
                     actor=actor)

    @event("Closed")
    def _closed(self, report: str, unpaid_fen: int, actor: dict[str, Any]) -> None:
        self.status = CLOSED

    def cancel(self, reason: str, actor: dict[str, Any]) -> None:
        """What was not paid is no longer owed; what was paid stays in the books."""
        if self.status not in (PROPOSED, APPROVED):
            raise DomainError("invalid_state", "Only an open grant can be cancelled.")
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("invalid_input", "A cancellation needs a reason.", field="reason")
        self._cancelled(reason=reason[:2000], unpaid_fen=self.amount_fen - self.disbursed_fen,
                        actor=actor)

    @event("Cancelled")
    def _cancelled(self, reason: str, unpaid_fen: int, actor: dict[str, Any]) -> None:
        self.status = CANCELLED
