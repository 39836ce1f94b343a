"""The funds' journal, donations and grants: what statements and lists are made of."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from projections.base import Projection, Rows, handles, write_rows
from projections.tables import donations, fund_journal, funds, grant_payments, grants
from timebank.domain.chart import CLOSING_ENTRY
from timebank.domain.e_receipts import EReceipt
from timebank.domain.funds import Fund, Grant


class FundsProjection(Projection):
    name = "funds"
    tables = (funds, fund_journal, donations, grants, grant_payments)

    def __init__(self) -> None:
        self._funds = Rows(funds)
        self._donations = Rows(donations)
        self._grants = Rows(grants)
        self._journal_rows: list[dict[str, Any]] = []
        self._payments: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        for rows in (self._funds, self._donations, self._grants):
            rows.reset()
        self._journal_rows = []
        self._payments = []

    def prefetch(self, conn: Connection, events: Sequence[Any]) -> None:
        self._donations.load(
            conn, {str(e.donation_id) for e in events
                   if isinstance(e, (Fund.DonationVoided, EReceipt.Recorded,
                                     EReceipt.Corrected))},
            created={str(e.donation_id) for e in events if isinstance(e, Fund.DonationReceived)})
        self._grants.load(
            conn, {str(e.originator_id) for e in events
                   if isinstance(e, (Grant.Voted, Grant.Disbursed, Grant.Closed, Grant.Cancelled))},
            created={str(e.originator_id) for e in events if isinstance(e, Grant.Proposed)})

    def end_batch(self, conn: Connection) -> None:
        for rows in (self._funds, self._donations, self._grants):
            rows.flush(conn)
        if self._journal_rows:
            write_rows(conn, fund_journal, self._journal_rows)
        write_rows(conn, grant_payments, self._payments)
        self._journal_rows = []
        self._payments = []

    @handles(Fund.Opened)
    def opened(self, conn: Connection, event: Fund.Opened) -> None:
        self._funds.add(dict(
            fund_id=str(event.originator_id), name=event.name, kind=event.kind,
            host_fund_id=str(event.host_fund_id) if event.host_fund_id else None,
            office_id=str(event.office_id), bank_id=str(event.bank_id),
            opened_at=event.timestamp,
        ))

    def _journal(self, conn: Connection, event: Any, kind: str, ref: Any) -> None:
        # Every entry carries its day (a backdated one its own; upcasters gave older entries
        # the day they were recorded).
        booked_on = date.fromisoformat(event.booked_on)
        self._journal_rows.extend(
            {
                "fund_id": str(event.originator_id), "version": event.originator_version,
                "line_no": n, "booked_at": event.timestamp,
                "booked_on": booked_on, "entry_kind": kind,
                "ref": str(ref), "account": line["account"], "fund_class": line["class"],
                "debit_fen": line["debit_fen"], "credit_fen": line["credit_fen"],
            }
            for n, line in enumerate(event.postings, start=1)
        )

    @handles(Fund.DonationReceived)
    def donation(self, conn: Connection, event: Fund.DonationReceived) -> None:
        goods = event.in_kind_description
        self._journal(conn, event, "donation_in_kind" if goods else "donation",
                      event.donation_id)
        self._donations.add(dict(
            donation_id=str(event.donation_id), fund_id=str(event.originator_id),
            amount_fen=event.amount_fen, donor_type=event.donor_type,
            anonymous=event.anonymous, restricted_purpose=event.restricted_purpose,
            receipt_no=event.receipt_no, received_at=event.timestamp, status="received",
            voided_at=None, void_reason=None, in_kind=goods,
            recorded_by=(event.actor or {}).get("id"), e_receipt_no=None,
        ))

    @handles(Fund.DonationVoided)
    def voided(self, conn: Connection, event: Fund.DonationVoided) -> None:
        self._journal(conn, event, "donation_void", event.donation_id)
        self._donations.change(conn, str(event.donation_id), status="voided",
                               voided_at=event.timestamp, void_reason=event.reason)

    @handles(EReceipt.Recorded, EReceipt.Corrected)
    def e_receipt(self, conn: Connection,
                  event: EReceipt.Recorded | EReceipt.Corrected) -> None:
        self._donations.change(conn, str(event.donation_id), e_receipt_no=event.e_receipt_no)

    @handles(Fund.GrantPaid)
    def grant_paid(self, conn: Connection, event: Fund.GrantPaid) -> None:
        self._journal(conn, event, "disbursement", event.disbursement_id)
        self._payments.append({
            "disbursement_id": str(event.disbursement_id), "grant_id": str(event.grant_id),
            "fund_id": str(event.originator_id), "amount_fen": event.amount_fen,
            "booked_on": date.fromisoformat(event.booked_on)})

    @handles(Fund.GrantCommitted)
    def grant_committed(self, conn: Connection, event: Fund.GrantCommitted) -> None:
        self._journal(conn, event, "grant_commitment", event.grant_id)

    @handles(Fund.CommitmentReleased)
    def commitment_released(self, conn: Connection, event: Fund.CommitmentReleased) -> None:
        self._journal(conn, event, "commitment_release", event.grant_id)

    @handles(Fund.ExpensePaid)
    def expense(self, conn: Connection, event: Fund.ExpensePaid) -> None:
        self._journal(conn, event, "expense", event.expense_id)

    @handles(Fund.RestrictionReleased)
    def released(self, conn: Connection, event: Fund.RestrictionReleased) -> None:
        self._journal(conn, event, "reclassification", event.entry_id)

    @handles(Fund.PurposeChanged)
    def repurposed(self, conn: Connection, event: Fund.PurposeChanged) -> None:
        self._journal(conn, event, "purpose_change", event.entry_id)

    @handles(Fund.CustodialReceived)
    def custodial_received(self, conn: Connection, event: Fund.CustodialReceived) -> None:
        self._journal(conn, event, "custodial_receipt", event.entry_id)

    @handles(Fund.CustodialPaid)
    def custodial_paid(self, conn: Connection, event: Fund.CustodialPaid) -> None:
        self._journal(conn, event, "custodial_payment", event.entry_id)

    @handles(Fund.InKindDistributed)
    def in_kind_given(self, conn: Connection, event: Fund.InKindDistributed) -> None:
        self._journal(conn, event, "in_kind_distribution", event.entry_id)

    @handles(Fund.YearClosed)
    def year_closed(self, conn: Connection, event: Fund.YearClosed) -> None:
        self._journal(conn, event, CLOSING_ENTRY, event.originator_id)

    @handles(Grant.Proposed)
    def proposed(self, conn: Connection, event: Grant.Proposed) -> None:
        self._grants.add(dict(
            grant_id=str(event.originator_id), fund_id=str(event.fund_id),
            project=event.project, amount_fen=event.amount_fen, purpose=event.purpose,
            status="proposed", disbursed_fen=0, proposed_at=event.timestamp, decided_at=None,
            votes_for=None, votes_against=None, votes_abstain=None, ended_at=None,
            unpaid_at_end_fen=None,
        ))

    def _grant(self, conn: Connection, event: Any, **values: Any) -> None:
        self._grants.change(conn, str(event.originator_id), **values)

    @handles(Grant.Voted)
    def voted(self, conn: Connection, event: Grant.Voted) -> None:
        self._grant(conn, event, status="approved" if event.passed else "rejected",
                    decided_at=event.timestamp, votes_for=event.votes_for,
                    votes_against=event.votes_against, votes_abstain=event.votes_abstain)

    @handles(Grant.Disbursed)
    def disbursed(self, conn: Connection, event: Grant.Disbursed) -> None:
        grant = self._grants.get(conn, str(event.originator_id))
        if grant is not None:
            self._grant(conn, event, disbursed_fen=grant["disbursed_fen"] + event.amount_fen)

    @handles(Grant.Closed)
    def closed(self, conn: Connection, event: Grant.Closed) -> None:
        self._grant(conn, event, status="closed", ended_at=event.timestamp,
                    unpaid_at_end_fen=event.unpaid_fen)

    @handles(Grant.Cancelled)
    def cancelled(self, conn: Connection, event: Grant.Cancelled) -> None:
        self._grant(conn, event, status="cancelled", ended_at=event.timestamp,
                    unpaid_at_end_fen=event.unpaid_fen)
