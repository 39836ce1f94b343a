"""记账凭证 numbers: consecutive per legal entity and month, assigned on the read side in the
order of the log, so that no aggregate has to hold the entity's sequence (a foundation and
the funds it hosts write their journals independently; a shared counter on the write side
would make every entry of every hosted fund conflict with every other).

A journal entry is one event with postings; its voucher is `YYYY-MM-NNNN`, the month of the
day it is booked on (a backdated entry takes the next number of its own month). Rebuilding
replays the log in the same order and gives the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection

from projections.base import Projection, Rows, handles
from projections.tables import fund_vouchers, voucher_counters, voucher_funds
from timebank.domain.funds import Fund

JOURNAL_EVENTS = (Fund.DonationReceived, Fund.DonationVoided, Fund.GrantPaid, Fund.ExpensePaid,
                  Fund.RestrictionReleased, Fund.PurposeChanged, Fund.GrantCommitted,
                  Fund.CommitmentReleased, Fund.CustodialReceived, Fund.CustodialPaid,
                  Fund.InKindDistributed, Fund.YearClosed)
JournalEvent = (Fund.DonationReceived | Fund.DonationVoided | Fund.GrantPaid | Fund.ExpensePaid
                | Fund.RestrictionReleased | Fund.PurposeChanged | Fund.GrantCommitted
                | Fund.CommitmentReleased | Fund.CustodialReceived | Fund.CustodialPaid
                | Fund.InKindDistributed | Fund.YearClosed)


def entry_day(event: Any) -> date:
    """The day an entry is booked on (every entry carries it)."""
    return date.fromisoformat(event.booked_on)


def voucher_no(period: str, number: int) -> str:
    return f"{period}-{number:04d}"


class VouchersProjection(Projection):
    name = "vouchers"
    tables = (voucher_funds, voucher_counters, fund_vouchers)

    def __init__(self) -> None:
        self._funds = Rows(voucher_funds)
        self._counters = Rows(voucher_counters)
        self._vouchers = Rows(fund_vouchers, key="voucher_key")

    def begin_batch(self, conn: Connection) -> None:
        for rows in (self._funds, self._counters, self._vouchers):
            rows.reset()

    def prefetch(self, conn: Connection, events: Sequence[Any]) -> None:
        self._funds.load(
            conn, {str(e.originator_id) for e in events if isinstance(e, JOURNAL_EVENTS)},
            created={str(e.originator_id) for e in events if isinstance(e, Fund.Opened)})

    def end_batch(self, conn: Connection) -> None:
        for rows in (self._funds, self._counters, self._vouchers):
            rows.flush(conn)

    @handles(Fund.Opened)
    def opened(self, conn: Connection, event: Fund.Opened) -> None:
        fund_id = str(event.originator_id)
        entity = str(event.host_fund_id) if event.host_fund_id else fund_id
        self._funds.add({"fund_id": fund_id, "entity_fund_id": entity})

    @handles(*JOURNAL_EVENTS)
    def entry(self, conn: Connection, event: JournalEvent) -> None:
        if not event.postings:
            return  # a closing with nothing to carry is no entry
        fund_id = str(event.originator_id)
        fund = self._funds.get(conn, fund_id)
        entity = fund["entity_fund_id"] if fund else fund_id
        day = entry_day(event)
        period = f"{day.year:04d}-{day.month:02d}"
        key = f"{entity}:{period}"
        counter = self._counters.get(conn, key)
        if counter is None:
            counter = {"counter_key": key, "last_number": 0}
            self._counters.add(counter)
        number = counter["last_number"] + 1
        self._counters.change(conn, key, last_number=number)
        self._vouchers.add({
            "voucher_key": f"{fund_id}:{event.originator_version}", "fund_id": fund_id,
            "version": event.originator_version, "entity_fund_id": entity, "period": period,
            "number": number, "voucher_no": voucher_no(period, number), "booked_on": day,
        })
