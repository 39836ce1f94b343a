"""Community funds (社区基金会 / 专项基金 / 楼组自治金): double-entry books in integer fen.

A `Fund` is its own journal: every movement is one event carrying a balanced set of
postings. Cash is kept by class — unrestricted, or restricted to a purpose (定向) — so the
fund can refuse, inside one aggregate, to pay restricted money to another purpose.
A `Grant` is a community project's life: proposed → voted → approved | rejected →
disbursed in tranches → closed (or cancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain import cash_timeline, lots
from timebank.domain.chart import (
    ASSET,
    CASH,
    COST,
    CUSTODIAL_ASSETS,
    CUSTODIAL_LIABILITIES,
    DONATION_INCOME,
    EXPENSE,
    GOVERNMENT_GRANT_INCOME,
    GRANT_EXPENSE,
    GRANTS_PAYABLE,
    IN_KIND_ASSETS,
    INCOME,
    NET_ASSETS,
    account_type,
)
from timebank.domain.errors import DomainError
from timebank.domain.values import SHANGHAI, shanghai_date
from timebank.domain.vocabulary import DONOR_TYPE, EXPENSE_KIND, FUND_KIND

FOUNDATION, SPECIAL, BUILDING = "foundation", "special", "building"
# The sets of codes, with their labels, live in the one vocabulary.
FUND_KINDS = FUND_KIND.codes  # foundation, special, building
DONOR_TYPES = DONOR_TYPE.codes  # government, enterprise, individual, resident, bazaar
EXPENSE_KINDS = EXPENSE_KIND.codes  # 业务活动成本 / 管理费用 / 筹资费用

UNRESTRICTED = "unrestricted"
MAX_FEN = 10**13  # a hundred billion yuan: beyond any community fund

# Accounts of the chart (one chart for every fund, `timebank/domain/chart.py`; a posting
# also names its class). Assets whose lots are traced to donations:
ASSET_ACCOUNTS = (CASH, IN_KIND_ASSETS)
CUSTODIAL = "custodial"  # the class of money held as agent (受托代理): neither restricted nor not


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


GOVERNMENT = "government"
GOVERNMENT_SERIES = "GOV"


def income_account(donor_type: str) -> str:
    """捐赠收入 by donor type; government money is 政府补助收入."""
    if donor_type == GOVERNMENT:
        return GOVERNMENT_GRANT_INCOME
    return f"{DONATION_INCOME}:{donor_type}"


def receipt_series(year: str, donor_type: str) -> str:
    """Donation receipts are numbered per year; government grants' acknowledgements in a
    series of their own (`2026-GOV-000001`)."""
    return f"{year}-{GOVERNMENT_SERIES}" if donor_type == GOVERNMENT else year


def receipt_kind(receipt_no: str) -> str:
    return "government_grant" if f"-{GOVERNMENT_SERIES}-" in receipt_no else "donation"


def holding_key(account: str, fund_class: str) -> str:
    """A holding of the cash timeline: an asset account and a class."""
    return f"{account}|{fund_class}"


def recorded_day(state: dict[str, Any]) -> str:
    """For upcasters: the Shanghai day an event was recorded (its date when it had none)."""
    stamp = state["timestamp"]
    if isinstance(stamp, str):
        stamp = datetime.fromisoformat(stamp)
    return shanghai_date(stamp).isoformat()


@dataclass(frozen=True)
class Gift:
    """What a donation's entry made: its receipt number, its postings and its lot (where
    the gift sits in its holding's queue, `timebank/domain/lots.py`) — what the donation's
    own aggregate keeps, so the fund does not have to."""

    receipt_no: str
    postings: list[dict[str, Any]]
    lot: dict[str, Any]


def gift_lot(account: str, fund_class: str, start: int, end: int,
             whole: bool = True) -> dict[str, Any]:
    return {"account": account, "class": fund_class, "start": start, "end": end,
            "whole": whole}


DEFAULT_INDICATOR_LIMITS = {
    "min_charitable_ratio": "0.70",  # charitable spending / income of the basis period
    "max_management_ratio": "0.10",  # management costs / total spending
    "basis": "previous_year",  # or "three_year_average"
}


class Fund(Aggregate):
    """Version 2 keeps bounded state: balances by class, one queue per holding, receipt
    counters. Version 1 kept every donation and every lot, so loading, copying and
    snapshotting a fund grew with each gift it ever took (see docs/design-decisions.md,
    "A fund's state is bounded"). Donations recorded since are `Donation` aggregates;
    those recorded under version 1 stay in `legacy_donations`, which no longer grows."""

    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        """A version-1 snapshot: its lots become queues, its donations legacy records."""
        queues: dict[str, dict[str, Any]] = {}
        legacy: dict[str, dict[str, Any]] = {
            donation_id: {**record, "lots": []}
            for donation_id, record in state.pop("donations", {}).items()
        }
        for lot in state.pop("lots", []):
            queue = queues.setdefault(lot["account"], {}).setdefault(lot["class"],
                                                                     lots.new_queue())
            start, end = lots.add(queue, lot["remaining"])
            if lot["donation"] in legacy:
                legacy[lot["donation"]]["lots"].append(
                    gift_lot(lot["account"], lot["class"], start, end, lot["whole"]))
        state["queues"] = queues
        state["legacy_donations"] = legacy

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        """A version-2 snapshot: its balances start the cash timeline at the end of the day
        it was taken — its history is not in it, so an entry dated before that day may not
        take money out (the check stays on the safe side); liabilities, period totals,
        closed years and money held as agent start empty (version 2 had none)."""
        timeline = cash_timeline.new_timeline()
        for account, holding in ((CASH, state.get("cash", {})),
                                 (IN_KIND_ASSETS, state.get("in_kind", {}))):
            for fund_class, amount in holding.items():
                timeline["base"][holding_key(account, fund_class)] = amount
        taken_on = shanghai_date(state["_modified_on"])
        timeline["folded_until"] = (taken_on - timedelta(days=1)).isoformat()
        state["timeline"] = timeline
        state["payable"] = {}
        state["period_totals"] = {}
        state["closed_years"] = []
        state["custodial"] = {}
        state["hosted"] = []  # funds hosted before version 3 are found on the read side

    class Opened(Aggregate.Created):
        name: str
        kind: str
        host_fund_id: UUID | None
        office_id: UUID
        bank_id: UUID
        actor: dict[str, Any]

    @event(Opened)
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
        self.in_kind: dict[str, int] = {}
        # account -> class -> queue of lots (oldest money first), see timebank/domain/lots.py
        self.queues: dict[str, dict[str, dict[str, Any]]] = {}
        self.closed_until: str | None = None  # ISO date: no entry may be dated on or before it
        self.receipts: dict[str, int] = {}  # year -> last receipt number issued
        # Donations recorded by version 1 of this class (before `Donation` aggregates): what a
        # void, an erasure or a change of purpose needs of them. Never grows any more.
        self.legacy_donations: dict[str, dict[str, Any]] = {}
        self.min_turnout = 0
        self.two_thirds = False
        # Cash (and goods, and money held as agent) by holding at every date, bounded:
        # timebank/domain/cash_timeline.py. What a backdated entry is checked against.
        self.timeline: dict[str, Any] = cash_timeline.new_timeline()
        self.payable: dict[str, int] = {}  # class -> grants approved and not yet paid (应付款项)
        # year -> "account|class" -> net debit of the year's income and costs not yet closed
        # into net assets (结转): what a year-end closing carries. Empty once closed.
        self.period_totals: dict[str, dict[str, int]] = {}
        self.closed_years: list[int] = []
        self.custodial: dict[str, int] = {}  # beneficiary -> money held for them (受托代理)
        self.hosted: list[str] = []  # ids of the funds this foundation hosts (one legal person)
        # Charity indicators (慈善组织支出指标): limits depend on the organisation's type and
        # size, so each fund records its own. Ratios are decimal strings ("0.70").
        self.indicator_limits: dict[str, str] = dict(DEFAULT_INDICATOR_LIMITS)

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

    def host(self, fund_id: UUID, actor: dict[str, Any]) -> None:
        """A fund opened under this foundation is part of its legal person: recorded here, so
        the entity's commands (a year-end closing) know its members from the write side."""
        self._hosted(fund_id=fund_id, actor=actor)

    class Hosted(Aggregate.Event):
        fund_id: UUID
        actor: dict[str, Any]

    @event(Hosted)
    def _hosted(self, fund_id: UUID, actor: dict[str, Any]) -> None:
        self.hosted.append(str(fund_id))

    # -- the books -------------------------------------------------------------------------
    @property
    def balance(self) -> int:
        return sum(self.cash.values())

    def available_for(self, purpose: str | None) -> int:
        """Money a grant of `purpose` may use: its restricted money, then unrestricted."""
        own = self.cash.get(restricted_class(purpose), 0) if purpose else 0
        return own + self.cash.get(UNRESTRICTED, 0)

    def queue(self, account: str, fund_class: str) -> dict[str, Any]:
        """A holding's queue, for reading (a fresh empty one if it never held anything)."""
        return self.queues.get(account, {}).get(fund_class) or lots.new_queue()

    def _holding(self, account: str, fund_class: str) -> dict[str, Any]:
        return self.queues.setdefault(account, {}).setdefault(fund_class, lots.new_queue())

    def _apply_postings(
        self, postings: list[dict[str, Any]], taken: list[list[int]] | None = None
    ) -> None:
        """Balances by class, and the queues that say whose money each class holds.

        Money going out of a class is its oldest money (the tracing rule), unless the entry
        names the parts it took (`taken`: a void takes its own gift, a consented change of
        purpose the named gifts' money); money coming in joins the back of its class's
        queue — a gift, or money moved by a release or a change of purpose, which the
        donations concerned record as their lots.
        """
        for line in postings:
            holding = {CASH: self.cash, IN_KIND_ASSETS: self.in_kind}.get(line["account"])
            if holding is not None:
                holding[line["class"]] = (
                    holding.get(line["class"], 0) + line["debit_fen"] - line["credit_fen"]
                )
        for line in postings:
            if line["account"] in ASSET_ACCOUNTS and line["credit_fen"]:
                queue = self._holding(line["account"], line["class"])
                if taken is None:
                    lots.take_oldest(queue, line["credit_fen"])
                else:
                    lots.mark_taken(queue, taken)
        for line in postings:
            if line["account"] in ASSET_ACCOUNTS and line["debit_fen"]:
                lots.add(self._holding(line["account"], line["class"]), line["debit_fen"])

    def lot_is_whole(self, lot: dict[str, Any]) -> bool:
        """Nothing of this gift was spent, released or moved yet."""
        return bool(lot["whole"]) and self.queue(lot["account"], lot["class"])["out"] <= lot[
            "start"] and lots.remaining(self.queue(lot["account"], lot["class"]), lot["start"],
                                        lot["end"]) == lot["end"] - lot["start"]

    def own_lot(self, record: dict[str, Any]) -> dict[str, Any] | None:
        """A donation's own gift, while it is whole (what a void may take back)."""
        for lot in record["lots"]:
            if self.lot_is_whole(lot):
                return lot
        return None

    def _book(self, postings: list[dict[str, Any]], day: str,
              taken: list[list[int]] | None = None) -> None:
        """An entry on `day`: balances and queues, the cash timeline, grants payable and the
        year's income and costs (what a closing will carry into net assets)."""
        self._apply_postings(postings, taken)
        when = date.fromisoformat(day)
        totals = self.period_totals.setdefault(day[:4], {})
        for line in postings:
            net = line["debit_fen"] - line["credit_fen"]
            kind = account_type(line["account"])
            if kind == ASSET:
                cash_timeline.move(self.timeline, holding_key(line["account"], line["class"]),
                                   when, net)
            elif line["account"] == GRANTS_PAYABLE:
                self.payable[line["class"]] = self.payable.get(line["class"], 0) - net
                if not self.payable[line["class"]]:
                    del self.payable[line["class"]]
            elif kind in (INCOME, COST):
                key = holding_key(line["account"], line["class"])
                totals[key] = totals.get(key, 0) + net
                if not totals[key]:
                    del totals[key]
        if not totals:
            del self.period_totals[day[:4]]

    def check_dated(self, postings: list[dict[str, Any]], day: date) -> None:
        """No holding may go below zero on `day` or any later day (issue 13, item 7)."""
        moves: dict[str, int] = {}
        for line in postings:
            if account_type(line["account"]) == ASSET:
                key = holding_key(line["account"], line["class"])
                moves[key] = moves.get(key, 0) + line["debit_fen"] - line["credit_fen"]
        for key, net in moves.items():
            if net < 0 and cash_timeline.lowest_from(self.timeline, key, day) + net < 0:
                raise DomainError(
                    "insufficient_funds",
                    f"{key.split('|', 1)[1]} would fall below zero on or after {day}.")

    def free(self, fund_class: str) -> int:
        """Money of a class not yet owed to approved grants."""
        return self.cash.get(fund_class, 0) - self.payable.get(fund_class, 0)

    # -- periods -----------------------------------------------------------------------------
    def check_date(self, booked_on: date, today: date, host_closed_until: str | None = None
                   ) -> str:
        """An entry's date: not in the future, not before the fund existed, not inside a
        closed period — the fund's own or, for a hosted fund, its host's."""
        if booked_on > today:
            raise DomainError("invalid_input", "booked_on cannot be in the future.",
                              field="booked_on")
        if booked_on < shanghai_date(self.created_on):
            raise DomainError("invalid_input", "booked_on is before the fund was opened.",
                              field="booked_on")
        for closed in (self.closed_until, host_closed_until):
            if closed is not None and booked_on.isoformat() <= closed:
                raise DomainError("period_closed", f"The books are closed up to {closed}.")
        return booked_on.isoformat()

    def issue_receipt_number(self, series: str, fund_id: UUID, donation_id: UUID) -> str:
        """A host numbers the receipts of the funds it hosts: one sequence per legal entity
        and series (`2026` for donations, `2026-GOV` for government grants)."""
        number = self.receipts.get(series, 0) + 1
        receipt_no = f"{series}-{number:06d}"
        self._receipt_number_issued(receipt_no=receipt_no, fund_id=fund_id,
                                    donation_id=donation_id)
        return receipt_no

    class ReceiptNumberIssued(Aggregate.Event):
        receipt_no: str
        fund_id: UUID
        donation_id: UUID

    @event(ReceiptNumberIssued)
    def _receipt_number_issued(self, receipt_no: str, fund_id: UUID, donation_id: UUID) -> None:
        series, _, number = receipt_no.rpartition("-")
        self.receipts[series] = int(number)

    def close_period(self, until: date, today: date, reason: str, actor: dict[str, Any]) -> None:
        if until >= today:
            raise DomainError("invalid_input", "Only past days can be closed.", field="until")
        if self.closed_until is not None and until.isoformat() <= self.closed_until:
            raise DomainError("invalid_state", f"Already closed up to {self.closed_until}.")
        self._period_closed(until=until.isoformat(), reason=reason, actor=actor)

    class PeriodClosed(Aggregate.Event):
        until: str
        reason: str
        actor: dict[str, Any]

    @event(PeriodClosed)
    def _period_closed(self, until: str, reason: str, actor: dict[str, Any]) -> None:
        self.closed_until = until
        cash_timeline.fold(self.timeline, date.fromisoformat(until))

    def reopen_period(self, from_day: date, reason: str, actor: dict[str, Any]) -> None:
        """A recorded reopening: entries dated from `from_day` on are allowed again (a closed
        year among them can be closed again, carrying what was added)."""
        if self.closed_until is None or from_day.isoformat() > self.closed_until:
            raise DomainError("invalid_state", "That day is not in a closed period.")
        if not (reason or "").strip():
            raise DomainError("invalid_input", "A reopening needs a reason.", field="reason")
        until = (from_day - timedelta(days=1)).isoformat()
        self._period_reopened(closed_until=until, reason=reason.strip(), actor=actor)

    class PeriodReopened(Aggregate.Event):
        closed_until: str
        reason: str
        actor: dict[str, Any]

    @event(PeriodReopened)
    def _period_reopened(self, closed_until: str, reason: str, actor: dict[str, Any]) -> None:
        self.closed_until = closed_until
        self.closed_years = [y for y in self.closed_years if f"{y}-12-31" <= closed_until]

    def set_vote_rule(self, min_turnout: int, two_thirds: bool, actor: dict[str, Any]) -> None:
        if isinstance(min_turnout, bool) or not isinstance(min_turnout, int) or min_turnout < 0:
            raise DomainError("invalid_input", "min_turnout: a whole number from 0.",
                              field="min_turnout")
        self._vote_rule_set(min_turnout=min_turnout, two_thirds=two_thirds, actor=actor)

    @event("VoteRuleSet")
    def _vote_rule_set(self, min_turnout: int, two_thirds: bool, actor: dict[str, Any]) -> None:
        self.min_turnout = min_turnout
        self.two_thirds = two_thirds

    def set_indicator_limits(self, limits: dict[str, str], actor: dict[str, Any]) -> None:
        merged = dict(self.indicator_limits)
        for name in ("min_charitable_ratio", "max_management_ratio"):
            if name in limits:
                try:
                    value = Decimal(str(limits[name]))
                except (InvalidOperation, ValueError) as exc:
                    raise DomainError("invalid_input", f"{name}: a ratio from 0 to 1.",
                                      field=name) from exc
                if not (value.is_finite() and 0 <= value <= 1):
                    raise DomainError("invalid_input", f"{name}: a ratio from 0 to 1.",
                                      field=name)
                merged[name] = format(value, "f")
        if "basis" in limits:
            if limits["basis"] not in ("previous_year", "three_year_average"):
                raise DomainError("invalid_input", "basis: previous_year or three_year_average.",
                                  field="basis")
            merged["basis"] = limits["basis"]
        self._indicator_limits_set(limits=merged, actor=actor)

    @event("IndicatorLimitsSet")
    def _indicator_limits_set(self, limits: dict[str, str], actor: dict[str, Any]) -> None:
        self.indicator_limits = dict(limits)

    def vote_passes(self, votes_for: int, votes_against: int, votes_abstain: int) -> bool:
        if votes_for == 0 or votes_for + votes_against + votes_abstain < self.min_turnout:
            return False  # nobody for it: no decision, whatever the rule
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
        in_kind_description: str | None = None,
        booked_on: date | None = None,
        host: Fund | None = None,
    ) -> Gift:
        """Money (or goods at a valuation) in, a receipt number out: gap-free per fund and
        year of the entry's date, never reused. The gift's own record (`Donation`) is made
        from the answer and saved with the fund."""
        amount_fen = check_fen(amount_fen)
        if donor_type not in DONOR_TYPES:
            raise DomainError("invalid_input", f"donor_type: one of {', '.join(DONOR_TYPES)}.",
                              field="donor_type")
        purpose = check_purpose(restricted_purpose)
        fund_class = restricted_class(purpose) if purpose else UNRESTRICTED
        today = received_at.date()
        entry_date = self.check_date(booked_on or today, today,
                                     host.closed_until if host else None)
        goods = (in_kind_description or "").strip()[:200] or None
        asset = IN_KIND_ASSETS if goods else CASH
        # Government money is 政府补助收入, acknowledged by a receipt of its own series — not
        # a 公益事业捐赠票据 (rules.md: government grants are not donations).
        series = receipt_series(entry_date[:4], donor_type)
        if host is not None:
            receipt_no = host.issue_receipt_number(series, self.id, donation_id)
        else:
            receipt_no = f"{series}-{self.receipts.get(series, 0) + 1:06d}"
        postings = balanced([
            posting(asset, fund_class, debit=amount_fen),
            posting(income_account(donor_type), fund_class, credit=amount_fen),
        ])
        start = self.queue(asset, fund_class)["in"]
        lot = gift_lot(asset, fund_class, start, start + amount_fen)
        self._donation_received(
            donation_id=donation_id,
            amount_fen=amount_fen,
            donor_type=donor_type,
            donor_sealed=None if anonymous else donor_sealed,
            anonymous=anonymous,
            restricted_purpose=purpose,
            receipt_no=receipt_no,
            postings=postings,
            actor=actor,
            in_kind_description=goods,
            booked_on=entry_date,
            lot=lot,
        )
        return Gift(receipt_no=receipt_no, postings=postings, lot=lot)

    class DonationReceived(Aggregate.Event):
        """Version 2 names the gift's lot (where it sits in its class's queue); the gift's
        own record is a `Donation` aggregate. Version 1 gifts had none and live on in the
        fund's `legacy_donations`. Version 3 always has its date (`booked_on`): earlier
        gifts without one were booked on the day they were recorded."""

        class_version = 3
        donation_id: UUID
        amount_fen: int
        donor_type: str
        donor_sealed: str | None
        anonymous: bool
        restricted_purpose: str | None
        receipt_no: str
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        in_kind_description: str | None
        booked_on: str | None
        lot: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("in_kind_description", None)
            state.setdefault("booked_on", None)
            state["lot"] = None  # a version-1 gift: the fund keeps its record

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["booked_on"] = state.get("booked_on") or recorded_day(state)

    @event(DonationReceived)
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
        in_kind_description: str | None = None,
        booked_on: str | None = None,
        lot: dict[str, Any] | None = None,
    ) -> None:
        series, _, number = receipt_no.rpartition("-")
        if self.host_fund_id is None:  # a hosted fund's numbers are its host's
            self.receipts[series] = int(number)
        if lot is None:
            asset = postings[0]
            start = self.queue(asset["account"], asset["class"])["in"]
            self.legacy_donations[str(donation_id)] = {
                "postings": postings, "voided": False, "receipt_no": receipt_no,
                "donor_sealed": donor_sealed,
                "lots": [gift_lot(asset["account"], asset["class"], start,
                                  start + asset["debit_fen"])],
            }
        assert booked_on is not None  # version 3: every gift has its day
        self._book(postings, booked_on)

    def void_donation(self, donation_id: UUID, reason: str, actor: dict[str, Any],
                      record: dict[str, Any] | None = None, today: date | None = None) -> None:
        """A reversal naming the entry it reverses; the receipt number stays used.
        `record` is the donation's (`Donation.record()`); a version-1 gift's is the fund's."""
        record = record or self.legacy_donations.get(str(donation_id))
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
        lot = self.own_lot(record)
        if lot is None:
            # Spent, released or repurposed, even in part: voiding it now would take
            # another donor's money. Correct what it paid for first.
            raise DomainError("insufficient_funds",
                              "The donation was already spent or its purpose changed.")
        day = today or shanghai_date(datetime.now(SHANGHAI))
        self.check_dated(reversal, day)
        self._donation_voided(donation_id=donation_id, reason=reason,
                              postings=balanced(reversal), actor=actor,
                              taken=[[lot["start"], lot["end"]]], booked_on=day.isoformat())

    def erase_donor(self, donation_id: UUID, reason: str, actor: dict[str, Any],
                    record: dict[str, Any] | None = None) -> None:
        """The donor's name is sealed under the donation's key; its destruction is recorded."""
        record = record or self.legacy_donations.get(str(donation_id))
        if record is None:
            raise DomainError("not_found", "donation not found.")
        if record.get("donor_erased"):
            raise DomainError("invalid_state", "The donor's data is already erased.")
        self._donor_erased(donation_id=donation_id, reason=reason, actor=actor)

    class DonorErased(Aggregate.Event):
        donation_id: UUID
        reason: str
        actor: dict[str, Any]

    @event(DonorErased)
    def _donor_erased(self, donation_id: UUID, reason: str, actor: dict[str, Any]) -> None:
        if str(donation_id) in self.legacy_donations:
            self.legacy_donations[str(donation_id)]["donor_erased"] = True

    class DonationVoided(Aggregate.Event):
        """Version 2 names the part of the queue it took back (the gift's whole lot);
        version 3 its day (earlier voids: the day they were recorded)."""

        class_version = 3
        donation_id: UUID
        reason: str
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        taken: list[list[int]] | None
        booked_on: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["taken"] = None  # a version-1 gift's lot, found in the fund's records

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["booked_on"] = recorded_day(state)

    @event(DonationVoided)
    def _donation_voided(
        self, donation_id: UUID, reason: str, postings: list[dict[str, Any]],
        actor: dict[str, Any], taken: list[list[int]] | None, booked_on: str,
    ) -> None:
        legacy = self.legacy_donations.get(str(donation_id))
        if legacy is not None:
            legacy["voided"] = True
            if taken is None:
                lot = self.own_lot(legacy)
                taken = [[lot["start"], lot["end"]]] if lot else []
        self._book(postings, booked_on, taken=taken or [])

    def commit_grant(self, grant_id: UUID, amount_fen: int, purpose: str | None,
                     today: date, actor: dict[str, Any]) -> dict[str, int]:
        """An approved grant is owed (应付款项) and its cost recognised on approval — the
        制度's accrual basis (权责发生制). The liability is restricted to the grant's purpose as
        far as money of that purpose is not already owed, the rest unrestricted; its tranches
        pay it by those classes. Answers the amount owed by class."""
        amount_fen = check_fen(amount_fen)
        own = restricted_class(purpose) if purpose else None
        from_restricted = min(amount_fen, max(self.free(own), 0)) if own else 0
        allocation = {c: a for c, a in ((own, from_restricted),
                                        (UNRESTRICTED, amount_fen - from_restricted))
                      if c and a}
        lines: list[dict[str, Any]] = []
        for fund_class, part in allocation.items():
            lines += [posting(GRANT_EXPENSE, fund_class, debit=part),
                      posting(GRANTS_PAYABLE, fund_class, credit=part)]
        self._grant_committed(grant_id=grant_id, amount_fen=amount_fen, allocation=allocation,
                              postings=balanced(lines), booked_on=today.isoformat(),
                              actor=actor)
        return allocation

    class GrantCommitted(Aggregate.Event):
        grant_id: UUID
        amount_fen: int
        allocation: dict[str, int]
        postings: list[dict[str, Any]]
        booked_on: str
        actor: dict[str, Any]

    @event(GrantCommitted)
    def _grant_committed(self, grant_id: UUID, amount_fen: int, allocation: dict[str, int],
                         postings: list[dict[str, Any]], booked_on: str,
                         actor: dict[str, Any]) -> None:
        self._book(postings, booked_on)

    def release_commitment(self, grant_id: UUID, left: dict[str, int], today: date,
                           reason: str, actor: dict[str, Any]) -> None:
        """A grant closed or cancelled with money unpaid: what is no longer owed stops being
        a liability and a cost (in the year it ends)."""
        lines: list[dict[str, Any]] = []
        for fund_class, part in left.items():
            if part:
                lines += [posting(GRANTS_PAYABLE, fund_class, debit=part),
                          posting(GRANT_EXPENSE, fund_class, credit=part)]
        if not lines:
            return
        self._commitment_released(grant_id=grant_id, amount_fen=sum(left.values()),
                                  postings=balanced(lines), booked_on=today.isoformat(),
                                  reason=reason, actor=actor)

    class CommitmentReleased(Aggregate.Event):
        grant_id: UUID
        amount_fen: int
        postings: list[dict[str, Any]]
        booked_on: str
        reason: str
        actor: dict[str, Any]

    @event(CommitmentReleased)
    def _commitment_released(self, grant_id: UUID, amount_fen: int,
                             postings: list[dict[str, Any]], booked_on: str, reason: str,
                             actor: dict[str, Any]) -> None:
        self._book(postings, booked_on)

    def pay_grant(
        self, grant_id: UUID, disbursement_id: UUID, amount_fen: int, purpose: str | None,
        actor: dict[str, Any], today: date | None = None,
        owed: dict[str, int] | None = None,
    ) -> dict[str, int]:
        """A tranche. A grant approved since liabilities are recorded (`owed`: what it is
        still owed by class) pays its liability, restricted part first; an older grant
        spends restricted money of its purpose first, then unrestricted money. Answers what
        the tranche took by class."""
        amount_fen = check_fen(amount_fen)
        day = today or shanghai_date(datetime.now(SHANGHAI))
        if owed is not None:
            parts: dict[str, int] = {}
            left = amount_fen
            for fund_class in sorted(owed, key=lambda c: c == UNRESTRICTED):
                part = min(left, owed[fund_class])
                if part:
                    parts[fund_class] = part
                    left -= part
            for fund_class, part in parts.items():
                if part > self.cash.get(fund_class, 0):
                    if fund_class == UNRESTRICTED and part <= self.balance:
                        raise DomainError("restricted_purpose_mismatch")
                    raise DomainError("insufficient_funds")
            lines = []
            for fund_class, part in parts.items():
                lines += [posting(GRANTS_PAYABLE, fund_class, debit=part),
                          posting(CASH, fund_class, credit=part)]
        else:
            if amount_fen > self.available_for(purpose):
                if amount_fen <= self.balance:
                    raise DomainError("restricted_purpose_mismatch")
                raise DomainError("insufficient_funds")
            from_restricted = min(amount_fen, self.cash.get(restricted_class(purpose), 0)
                                  if purpose else 0)
            parts = {c: a for c, a in ((restricted_class(purpose or ""), from_restricted),
                                       (UNRESTRICTED, amount_fen - from_restricted)) if a}
            lines = []
            for fund_class, part in parts.items():
                lines += [posting(GRANT_EXPENSE, fund_class, debit=part),
                          posting(CASH, fund_class, credit=part)]
        self.check_dated(lines, day)
        self._grant_paid(grant_id=grant_id, disbursement_id=disbursement_id,
                         amount_fen=amount_fen, postings=balanced(lines), actor=actor,
                         booked_on=day.isoformat())
        return parts

    class GrantPaid(Aggregate.Event):
        """Version 2 has its day (earlier tranches: the day they were recorded)."""

        class_version = 2
        grant_id: UUID
        disbursement_id: UUID
        amount_fen: int
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        booked_on: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["booked_on"] = recorded_day(state)

    @event(GrantPaid)
    def _grant_paid(
        self, grant_id: UUID, disbursement_id: UUID, amount_fen: int,
        postings: list[dict[str, Any]], actor: dict[str, Any], booked_on: str,
    ) -> None:
        self._book(postings, booked_on)

    def pay_expense(
        self,
        expense_id: UUID,
        allocations: list[tuple[str, int]],
        allocation_method: str | None,
        description: str,
        today: date,
        actor: dict[str, Any],
        booked_on: date | None = None,
        decision: dict[str, Any] | None = None,
        host_closed_until: str | None = None,
    ) -> int:
        """Running costs from unrestricted money; a shared cost split between kinds names the
        method it was allocated by; a building fund spends only on a residents' decision."""
        if not allocations:
            raise DomainError("invalid_input", "An expense needs a kind and an amount.",
                              field="kind")
        lines: list[dict[str, Any]] = []
        for kind, amount in allocations:
            if kind not in EXPENSE_KINDS:
                raise DomainError("invalid_input",
                                  f"kind: one of {', '.join(EXPENSE_KINDS)}.", field="kind")
            lines.append(posting(f"{EXPENSE}:{kind}", UNRESTRICTED, debit=check_fen(amount)))
        method = (allocation_method or "").strip()[:500] or None
        if len(allocations) > 1 and method is None:
            raise DomainError("invalid_input", "A shared cost records its allocation method.",
                              field="allocation_method")
        total = sum(line["debit_fen"] for line in lines)
        if self.kind == BUILDING:
            self._check_decision(decision)
        entry_date = self.check_date(booked_on or today, today, host_closed_until)
        if total > self.cash.get(UNRESTRICTED, 0):
            raise DomainError("insufficient_funds")
        lines.append(posting(CASH, UNRESTRICTED, credit=total))
        # Dated in the past, it must leave every later day's cash at zero or more, not only
        # today's (issue 13, item 7).
        self.check_dated(lines, date.fromisoformat(entry_date))
        self._expense_paid(
            expense_id=expense_id, amount_fen=total,
            kind=allocations[0][0] if len(allocations) == 1 else "shared",
            description=(description or "").strip()[:500],
            postings=balanced(lines), actor=actor, allocation_method=method,
            booked_on=entry_date, decision=decision,
        )
        return total

    def _check_decision(self, decision: dict[str, Any] | None) -> None:
        """楼组自治金: spending needs the residents' decision, meeting the fund's rule."""
        if not decision or not str(decision.get("minutes") or "").strip():
            raise DomainError("decision_required")
        votes = [decision.get(k, 0) for k in ("votes_for", "votes_against", "votes_abstain")]
        if any(isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in votes):
            raise DomainError("invalid_input", "votes: whole numbers from 0.", field="decision")
        if not self.vote_passes(*votes):
            raise DomainError("decision_required", "The residents' vote did not pass.")

    def release_restriction(
        self, entry_id: UUID, purpose: str, amount_fen: int, reason: str,
        actor: dict[str, Any], today: date | None = None,
        consent: dict[str, Any] | None = None, donation_ids: list[str] | None = None,
        records: dict[str, dict[str, Any]] | None = None,
        requested_by: dict[str, Any] | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """限定性净资产转为非限定性: an explicit reclassification with its reason, and either
        the donors' recorded consent (only their money is released, as a change of purpose
        moves it) or a second person's approval (`requested_by` is the treasurer who asked,
        `actor` the one who approved; the class's oldest money is released). Answers the lots
        of each donation touched (with consent), for their `Donation` to record."""
        purpose = check_purpose(purpose) or ""
        amount_fen = check_fen(amount_fen)
        if not (reason or "").strip():
            raise DomainError("invalid_input", "A release names its reason.", field="reason")
        source = restricted_class(purpose)
        if amount_fen > self.free(source):
            raise DomainError("insufficient_funds",
                              f"Not that much restricted to {purpose} and not owed.")
        taken: list[list[int]] | None = None
        donor_lots: dict[str, list[dict[str, Any]]] | None = None
        gifts: list[str] | None = None
        if consent is not None:
            if not str(consent.get("document") or "").strip():
                raise DomainError("consent_required")
            gifts = [str(d) for d in donation_ids or []]
            if not gifts:
                raise DomainError("consent_required", "Name the donations the consent covers.")
            known = self._known(gifts, records)
            if amount_fen > self._held_by(known, source):
                raise DomainError("insufficient_funds",
                                  f"Those donations hold less than that for {purpose}.")
            taken, donor_lots = self._plan_move(known, source, UNRESTRICTED, amount_fen)
        elif requested_by is None or requested_by.get("id") == actor.get("id"):
            raise DomainError("second_approver_required")
        day = today or shanghai_date(datetime.now(SHANGHAI))
        lines = [posting(CASH, UNRESTRICTED, debit=amount_fen),
                 posting(CASH, source, credit=amount_fen)]
        self.check_dated(lines, day)
        self._restriction_released(
            entry_id=entry_id, purpose=purpose, amount_fen=amount_fen, reason=reason.strip(),
            postings=balanced(lines), actor=actor, booked_on=day.isoformat(),
            consent={k: str(v)[:500] for k, v in consent.items()} if consent else None,
            donation_ids=gifts, taken=taken, donor_lots=donor_lots,
            requested_by=requested_by, approved_by=None if consent else actor,
        )
        return donor_lots or {}

    class RestrictionReleased(Aggregate.Event):
        """Version 2 records how it was allowed — the donors' consent (and the gifts whose
        money moved), or who requested it and who approved it — and its day. Version-1
        releases were a treasurer's alone."""

        class_version = 2
        entry_id: UUID
        purpose: str
        amount_fen: int
        reason: str
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        booked_on: str
        consent: dict[str, Any] | None
        donation_ids: list[str] | None
        taken: list[list[int]] | None
        donor_lots: dict[str, list[dict[str, Any]]] | None
        requested_by: dict[str, Any] | None
        approved_by: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["booked_on"] = recorded_day(state)
            state.update(consent=None, donation_ids=None, taken=None, donor_lots=None,
                         requested_by=state["actor"], approved_by=None)

    @event(RestrictionReleased)
    def _restriction_released(
        self, entry_id: UUID, purpose: str, amount_fen: int, reason: str,
        postings: list[dict[str, Any]], actor: dict[str, Any], booked_on: str,
        consent: dict[str, Any] | None, donation_ids: list[str] | None,
        taken: list[list[int]] | None, donor_lots: dict[str, list[dict[str, Any]]] | None,
        requested_by: dict[str, Any] | None, approved_by: dict[str, Any] | None,
    ) -> None:
        for donation_id, after in (donor_lots or {}).items():
            if donation_id in self.legacy_donations:
                self.legacy_donations[donation_id]["lots"] = [dict(lot) for lot in after]
        self._book(postings, booked_on, taken=taken)

    def _known(self, gifts: list[str], records: dict[str, dict[str, Any]] | None
               ) -> dict[str, dict[str, Any]]:
        """The named gifts' records: a version-1 gift's is the fund's, the others' their own."""
        return {**{g: self.legacy_donations[g] for g in gifts if g in self.legacy_donations},
                **{g: r for g, r in (records or {}).items() if g in gifts}}

    def _held_by(self, known: dict[str, dict[str, Any]], source_class: str) -> int:
        source_queue = self.queue(CASH, source_class)
        return sum(lots.remaining(source_queue, lot["start"], lot["end"])
                   for record in known.values() for lot in record["lots"]
                   if lot["account"] == CASH and lot["class"] == source_class)

    def change_purpose(
        self, entry_id: UUID, from_purpose: str, to_purpose: str, amount_fen: int,
        consent: dict[str, Any], actor: dict[str, Any], donation_ids: list[str] | None = None,
        records: dict[str, dict[str, Any]] | None = None, today: date | None = None,
    ) -> dict[str, list[dict[str, Any]]]:
        """A restricted gift's purpose changes only with its donor's recorded consent, and
        only that donor's money moves. `records` are the named donations' own records
        (`Donation.record()`; a version-1 gift's is the fund's). Answers the lots of each
        donation touched, as they are after the change, for their `Donation` to record."""
        source = check_purpose(from_purpose) or ""
        target = check_purpose(to_purpose) or ""
        amount_fen = check_fen(amount_fen)
        if not source or not target or source == target:
            raise DomainError("invalid_input", "Two different purposes are needed.",
                              field="to_purpose")
        if not consent or not str(consent.get("document") or "").strip():
            raise DomainError("consent_required")
        gifts = [str(d) for d in donation_ids or []]
        if not gifts:
            raise DomainError("consent_required", "Name the donations the consent covers.")
        known = self._known(gifts, records)
        if amount_fen > min(self._held_by(known, restricted_class(source)),
                            self.free(restricted_class(source))):
            raise DomainError("insufficient_funds",
                              f"Those donations hold less than that for {source}.")
        taken, donor_lots = self._plan_move(known, restricted_class(source),
                                            restricted_class(target), amount_fen)
        day = today or shanghai_date(datetime.now(SHANGHAI))
        lines = [posting(CASH, restricted_class(target), debit=amount_fen),
                 posting(CASH, restricted_class(source), credit=amount_fen)]
        self.check_dated(lines, day)
        self._purpose_changed(
            entry_id=entry_id, from_purpose=source, to_purpose=target, amount_fen=amount_fen,
            donation_ids=gifts,
            consent={k: str(v)[:500] for k, v in consent.items()},
            postings=balanced(lines),
            actor=actor, taken=taken, donor_lots=donor_lots, booked_on=day.isoformat(),
        )
        return donor_lots

    def _plan_purpose_change(
        self, records: dict[str, dict[str, Any]], source: str, target: str, amount: int
    ) -> tuple[list[list[int]], dict[str, list[dict[str, Any]]]]:
        return self._plan_move(records, restricted_class(source), restricted_class(target),
                               amount)

    def _plan_move(
        self, records: dict[str, dict[str, Any]], source_class: str, target_class: str,
        amount: int,
    ) -> tuple[list[list[int]], dict[str, list[dict[str, Any]]]]:
        """The named gifts' money in `source_class`, oldest lot first, moved to the back of
        `target_class`'s queue: the parts taken, and each touched donation's lots after."""
        queue = {k: (list(map(list, v)) if k == "holes" else v)
                 for k, v in self.queue(CASH, source_class).items()}
        pieces = sorted(
            (lot["start"], donation_id, index)
            for donation_id, record in records.items()
            for index, lot in enumerate(record["lots"])
            if lot["account"] == CASH and lot["class"] == source_class
        )
        after = {donation_id: [dict(lot) for lot in record["lots"]]
                 for donation_id, record in records.items()}
        touched: list[str] = []
        taken: list[list[int]] = []
        next_start = self.queue(CASH, target_class)["in"]
        for _start, donation_id, index in pieces:
            if amount <= 0:
                break
            lot = after[donation_id][index]
            parts = lots.take_from(queue, lot["start"], lot["end"], amount)
            got = sum(b - a for a, b in parts)
            if not got:
                continue
            lot["whole"] = False
            taken += parts
            amount -= got
            after[donation_id].append(
                gift_lot(CASH, target_class, next_start, next_start + got, whole=False))
            next_start += got
            if donation_id not in touched:
                touched.append(donation_id)
        return taken, {donation_id: after[donation_id] for donation_id in touched}

    class PurposeChanged(Aggregate.Event):
        """Version 2 names the parts of the source's queue it took and the lots of each
        donation touched afterwards (the donations record those lots themselves); version 3
        its day (earlier changes: the day they were recorded)."""

        class_version = 3
        entry_id: UUID
        from_purpose: str
        to_purpose: str
        amount_fen: int
        consent: dict[str, Any]
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        donation_ids: list[str] | None
        taken: list[list[int]] | None
        donor_lots: dict[str, list[dict[str, Any]]] | None
        booked_on: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("donation_ids", None)
            state["taken"] = None  # version-1 gifts: planned again from the fund's records
            state["donor_lots"] = None

        @staticmethod
        def upcast_v2_v3(state: dict[str, Any]) -> None:
            state["booked_on"] = recorded_day(state)

    @event(PurposeChanged)
    def _purpose_changed(
        self, entry_id: UUID, from_purpose: str, to_purpose: str, amount_fen: int,
        consent: dict[str, Any], postings: list[dict[str, Any]], actor: dict[str, Any],
        donation_ids: list[str] | None = None, taken: list[list[int]] | None = None,
        donor_lots: dict[str, list[dict[str, Any]]] | None = None, booked_on: str = "",
    ) -> None:
        if taken is None or donor_lots is None:
            named = {str(d): self.legacy_donations[str(d)] for d in donation_ids or []
                     if str(d) in self.legacy_donations}
            taken, donor_lots = self._plan_purpose_change(named, from_purpose, to_purpose,
                                                          amount_fen)
        for donation_id, after in donor_lots.items():
            if donation_id in self.legacy_donations:
                self.legacy_donations[donation_id]["lots"] = [dict(lot) for lot in after]
        self._book(postings, booked_on, taken=taken)

    class ExpensePaid(Aggregate.Event):
        """Version 2 always has its day (earlier expenses without one: the day recorded)."""

        class_version = 2
        expense_id: UUID
        amount_fen: int
        kind: str
        description: str
        postings: list[dict[str, Any]]
        actor: dict[str, Any]
        allocation_method: str | None
        booked_on: str
        decision: dict[str, Any] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state.setdefault("allocation_method", None)
            state.setdefault("decision", None)
            state["booked_on"] = state.get("booked_on") or recorded_day(state)

    @event(ExpensePaid)
    def _expense_paid(
        self, expense_id: UUID, amount_fen: int, kind: str, description: str,
        postings: list[dict[str, Any]], actor: dict[str, Any],
        allocation_method: str | None = None, booked_on: str = "",
        decision: dict[str, Any] | None = None,
    ) -> None:
        self._book(postings, booked_on)


    # -- money held as agent (受托代理) --------------------------------------------------------
    def receive_custodial(
        self, entry_id: UUID, amount_fen: int, beneficiary: str, donor_type: str,
        donor_sealed: str | None, today: date, actor: dict[str, Any],
        booked_on: date | None = None, host_closed_until: str | None = None,
    ) -> None:
        """Money a donor directs to a beneficiary they name is held as agent: 受托代理资产
        against 受托代理负债, never income, and passed on without being a programme cost."""
        amount_fen = check_fen(amount_fen)
        beneficiary = check_beneficiary(beneficiary)
        if donor_type not in DONOR_TYPES:
            raise DomainError("invalid_input", f"donor_type: one of {', '.join(DONOR_TYPES)}.",
                              field="donor_type")
        day = self.check_date(booked_on or today, today, host_closed_until)
        self._custodial_received(
            entry_id=entry_id, amount_fen=amount_fen, beneficiary=beneficiary,
            donor_type=donor_type, donor_sealed=donor_sealed,
            postings=balanced([posting(CUSTODIAL_ASSETS, CUSTODIAL, debit=amount_fen),
                               posting(CUSTODIAL_LIABILITIES, CUSTODIAL, credit=amount_fen)]),
            booked_on=day, actor=actor)

    class CustodialReceived(Aggregate.Event):
        entry_id: UUID
        amount_fen: int
        beneficiary: str
        donor_type: str
        donor_sealed: str | None
        postings: list[dict[str, Any]]
        booked_on: str
        actor: dict[str, Any]

    @event(CustodialReceived)
    def _custodial_received(self, entry_id: UUID, amount_fen: int, beneficiary: str,
                            donor_type: str, donor_sealed: str | None,
                            postings: list[dict[str, Any]], booked_on: str,
                            actor: dict[str, Any]) -> None:
        self.custodial[beneficiary] = self.custodial.get(beneficiary, 0) + amount_fen
        self._book(postings, booked_on)

    def pay_custodial(
        self, entry_id: UUID, amount_fen: int, beneficiary: str, today: date,
        actor: dict[str, Any], booked_on: date | None = None,
        host_closed_until: str | None = None,
    ) -> None:
        """Passing held money on to its beneficiary: the liability is settled."""
        amount_fen = check_fen(amount_fen)
        beneficiary = check_beneficiary(beneficiary)
        if amount_fen > self.custodial.get(beneficiary, 0):
            raise DomainError("insufficient_funds", "Not that much is held for them.")
        day = self.check_date(booked_on or today, today, host_closed_until)
        lines = [posting(CUSTODIAL_LIABILITIES, CUSTODIAL, debit=amount_fen),
                 posting(CUSTODIAL_ASSETS, CUSTODIAL, credit=amount_fen)]
        self.check_dated(lines, date.fromisoformat(day))
        self._custodial_paid(entry_id=entry_id, amount_fen=amount_fen,
                             beneficiary=beneficiary, postings=balanced(lines), booked_on=day,
                             actor=actor)

    class CustodialPaid(Aggregate.Event):
        entry_id: UUID
        amount_fen: int
        beneficiary: str
        postings: list[dict[str, Any]]
        booked_on: str
        actor: dict[str, Any]

    @event(CustodialPaid)
    def _custodial_paid(self, entry_id: UUID, amount_fen: int, beneficiary: str,
                        postings: list[dict[str, Any]], booked_on: str,
                        actor: dict[str, Any]) -> None:
        self.custodial[beneficiary] -= amount_fen
        if not self.custodial[beneficiary]:
            del self.custodial[beneficiary]
        self._book(postings, booked_on)

    # -- goods given out (实物资助) -------------------------------------------------------------
    def distribute_in_kind(
        self, entry_id: UUID, amount_fen: int, purpose: str | None, description: str,
        quantity: int, unit: str, recipient: str, today: date, actor: dict[str, Any],
        booked_on: date | None = None, host_closed_until: str | None = None,
        grant_id: UUID | None = None,
    ) -> None:
        """Donated goods handed to a project or beneficiary: the goods' value leaves 存货 and
        is a programme cost (业务活动成本) of its class."""
        amount_fen = check_fen(amount_fen)
        fund_class = restricted_class(purpose) if check_purpose(purpose) else UNRESTRICTED
        what = (description or "").strip()[:200]
        if not what:
            raise DomainError("invalid_input", "description: what was given.",
                              field="description")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise DomainError("invalid_input", "quantity: a whole number above 0.",
                              field="quantity")
        to = (recipient or "").strip()[:200]
        if not to:
            raise DomainError("invalid_input", "recipient: the project or beneficiary.",
                              field="recipient")
        if amount_fen > self.in_kind.get(fund_class, 0):
            raise DomainError("insufficient_funds", "Not that much in goods of that class.")
        day = self.check_date(booked_on or today, today, host_closed_until)
        lines = [posting(f"{EXPENSE}:charitable", fund_class, debit=amount_fen),
                 posting(IN_KIND_ASSETS, fund_class, credit=amount_fen)]
        self.check_dated(lines, date.fromisoformat(day))
        self._in_kind_distributed(
            entry_id=entry_id, amount_fen=amount_fen, description=what, quantity=quantity,
            unit=(unit or "").strip()[:20], recipient=to, grant_id=grant_id,
            postings=balanced(lines), booked_on=day, actor=actor)

    class InKindDistributed(Aggregate.Event):
        entry_id: UUID
        amount_fen: int
        description: str
        quantity: int
        unit: str
        recipient: str
        grant_id: UUID | None
        postings: list[dict[str, Any]]
        booked_on: str
        actor: dict[str, Any]

    @event(InKindDistributed)
    def _in_kind_distributed(self, entry_id: UUID, amount_fen: int, description: str,
                             quantity: int, unit: str, recipient: str, grant_id: UUID | None,
                             postings: list[dict[str, Any]], booked_on: str,
                             actor: dict[str, Any]) -> None:
        self._book(postings, booked_on)

    # -- year-end closing (结转) ----------------------------------------------------------------
    def close_year(self, year: int, today: date, reason: str, actor: dict[str, Any]) -> None:
        """Carry the year's income and costs into net assets, each in its class (the 制度's
        结转: unrestricted income and costs into 非限定性净资产, restricted into 限定性净资产),
        and close the books up to 31 December. The next year opens with the balance-sheet
        accounts only."""
        end = date(year, 12, 31)
        if end >= today:
            raise DomainError("invalid_input", "Only a year that has ended can be closed.",
                              field="year")
        totals = self.period_totals.get(str(year), {})
        if year in self.closed_years and not totals:
            raise DomainError("invalid_state", f"{year} is already closed.")
        # Later periods may already be closed (结账): the closing moves no balance-sheet total
        # and no figure of any period's statement of activities, so it is still made.
        lines: list[dict[str, Any]] = []
        for key, net in sorted(totals.items()):
            account, fund_class = key.split("|", 1)
            if net > 0:  # a cost: debit balance
                lines += [posting(NET_ASSETS, fund_class, debit=net),
                          posting(account, fund_class, credit=net)]
            elif net < 0:  # income: credit balance
                lines += [posting(account, fund_class, debit=-net),
                          posting(NET_ASSETS, fund_class, credit=-net)]
        if lines:
            balanced(lines)
        self._year_closed(year=year, postings=lines, booked_on=end.isoformat(),
                          reason=(reason or "").strip()[:500] or f"{year} 年度结转",
                          actor=actor)

    class YearClosed(Aggregate.Event):
        year: int
        postings: list[dict[str, Any]]
        booked_on: str
        reason: str
        actor: dict[str, Any]

    @event(YearClosed)
    def _year_closed(self, year: int, postings: list[dict[str, Any]], booked_on: str,
                     reason: str, actor: dict[str, Any]) -> None:
        if postings:
            self._book(postings, booked_on)
        if year not in self.closed_years:
            self.closed_years.append(year)
        if self.closed_until is None or self.closed_until < booked_on:
            self.closed_until = booked_on
        cash_timeline.fold(self.timeline, date.fromisoformat(booked_on))


def check_beneficiary(beneficiary: str | None) -> str:
    text = (beneficiary or "").strip()
    if not 1 <= len(text) <= 100:
        raise DomainError("invalid_input", "beneficiary: 1 to 100 characters.",
                          field="beneficiary")
    return text


PROPOSED, APPROVED, REJECTED, CLOSED, CANCELLED = (
    "proposed", "approved", "rejected", "closed", "cancelled"
)


class Grant(Aggregate):
    class Proposed(Aggregate.Created):
        fund_id: UUID
        project: str
        amount_fen: int
        purpose: str | None
        actor: dict[str, Any]

    @event(Proposed)
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
        # What the fund owes for it by class, since approval (None: approved before grants
        # were liabilities — its tranches are costs when paid).
        self.owed: dict[str, int] | None = None

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

    def check_vote(self, votes_for: int, votes_against: int, votes_abstain: int,
                   minutes: str) -> str:
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
        return minutes[:5000]

    def record_vote(
        self, votes_for: int, votes_against: int, votes_abstain: int, minutes: str,
        passed: bool, actor: dict[str, Any], owed: dict[str, int] | None = None,
    ) -> None:
        """居民议事: the vote and its minutes; the fund's rule decided `passed`, and the fund
        recorded what it owes when it passed."""
        minutes = self.check_vote(votes_for, votes_against, votes_abstain, minutes)
        self._voted(votes_for=votes_for, votes_against=votes_against,
                    votes_abstain=votes_abstain, minutes=minutes, passed=passed,
                    actor=actor, owed=owed if passed else None)

    class Voted(Aggregate.Event):
        """Version 2 records what the fund owes by class once the grant passed."""

        class_version = 2
        votes_for: int
        votes_against: int
        votes_abstain: int
        minutes: str
        passed: bool
        actor: dict[str, Any]
        owed: dict[str, int] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["owed"] = None  # approved before grants were liabilities

    @event(Voted)
    def _voted(
        self, votes_for: int, votes_against: int, votes_abstain: int, minutes: str,
        passed: bool, actor: dict[str, Any], owed: dict[str, int] | None,
    ) -> None:
        self.status = APPROVED if passed else REJECTED
        self.owed = dict(owed) if owed is not None else None

    def disburse(self, amount_fen: int) -> None:
        """Checks only: the money moves in the fund's books, saved with this grant."""
        if self.status != APPROVED:
            raise DomainError("grant_not_approved")
        if self.disbursed_fen + check_fen(amount_fen) > self.amount_fen:
            raise DomainError("exceeds_grant",
                              f"{self.amount_fen - self.disbursed_fen} fen left to pay.")

    def record_disbursement(self, disbursement_id: UUID, amount_fen: int,
                            actor: dict[str, Any], paid: dict[str, int] | None = None) -> None:
        self.disburse(amount_fen)
        self._disbursed(disbursement_id=disbursement_id, amount_fen=amount_fen, actor=actor,
                        paid=paid if self.owed is not None else None)

    class Disbursed(Aggregate.Event):
        """Version 2 records which classes of the liability the tranche paid."""

        class_version = 2
        disbursement_id: UUID
        amount_fen: int
        actor: dict[str, Any]
        paid: dict[str, int] | None

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["paid"] = None

    @event(Disbursed)
    def _disbursed(self, disbursement_id: UUID, amount_fen: int, actor: dict[str, Any],
                   paid: dict[str, int] | None) -> None:
        self.disbursed_fen += amount_fen
        if self.owed is not None and paid:
            for fund_class, part in paid.items():
                self.owed[fund_class] = self.owed.get(fund_class, 0) - part
            self.owed = {c: a for c, a in self.owed.items() if a}

    def close(self, report: str, actor: dict[str, Any]) -> None:
        if self.status != APPROVED:
            raise DomainError("grant_not_approved")
        report = (report or "").strip()
        if not report:
            raise DomainError("invalid_input", "A closing report is required.", field="report")
        self._closed(report=report[:10000], unpaid_fen=self.amount_fen - self.disbursed_fen,
                     actor=actor)

    class Closed(Aggregate.Event):
        report: str
        unpaid_fen: int
        actor: dict[str, Any]

    @event(Closed)
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

    class Cancelled(Aggregate.Event):
        reason: str
        unpaid_fen: int
        actor: dict[str, Any]

    @event(Cancelled)
    def _cancelled(self, reason: str, unpaid_fen: int, actor: dict[str, Any]) -> None:
        self.status = CANCELLED
