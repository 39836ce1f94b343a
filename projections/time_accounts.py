"""Time accounts (时间账户), their history, and each bank's hours pool.

Balances and history of the accounts a batch touches are read once and written back once,
like the passbooks' (projections/passbooks.py). An entry's `minutes` is the change of the
available balance and `reserved_minutes` the change of what an inter-bank transfer holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, handles, write_rows
from projections.tables import hours_pools, time_accounts, time_entries
from timebank.domain.time_accounts import (
    OVER_CAP,
    POOL_DONATION,
    POOL_FUNDED,
    POOL_GRANTED,
    POOL_OVER_CAP,
    HoursPool,
    TimeAccount,
)

# Kinds shown for the reservation steps of an inter-bank transfer.
RESERVED, SENT, RETURNED = "interbank_reserved", "interbank_out", "interbank_returned"
# ... and of the hours a service request holds until it is confirmed, cancelled or a no-show.
HELD, HOLD_RETURNED = "care_held", "care_returned"
REQUEST_HOLD = "request:"
POOL_COLUMNS = {POOL_FUNDED: "funded_minutes", POOL_DONATION: "donated_minutes",
                POOL_OVER_CAP: "over_cap_minutes", POOL_GRANTED: "granted_minutes"}

AccountEvent = (TimeAccount.HoursCredited | TimeAccount.HoursDebited | TimeAccount.HoursReserved
                | TimeAccount.ReservationPosted | TimeAccount.ReservationReleased)


class TimeAccountsProjection(Projection):
    name = "time_accounts"
    tables = (time_accounts, time_entries, hours_pools)

    def __init__(self) -> None:
        self._accounts = Rows(time_accounts)
        self._pools = Rows(hours_pools)
        self._entries: list[dict[str, Any]] = []

    def begin_batch(self, conn: Connection) -> None:
        self._accounts.reset()
        self._pools.reset()
        self._entries = []

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        opened = {str(e.originator_id) for e in events
                  if isinstance(e, (TimeAccount.Opened, HoursPool.Opened))}
        ids = {str(e.originator_id) for e in events}
        self._accounts.load(conn, ids, created=opened)
        self._pools.load(conn, ids, created=opened)

    def end_batch(self, conn: Connection) -> None:
        self._accounts.flush(conn)
        self._pools.flush(conn)
        write_rows(conn, time_entries, self._entries)
        self._entries = []

    @handles(TimeAccount.Opened)
    def opened(self, conn: Connection, event: TimeAccount.Opened) -> None:
        self._accounts.add({
            "account_id": str(event.originator_id),
            "owner": event.owner,
            "passbook_no": event.passbook_no,
            "volunteer_id": str(event.volunteer_id) if event.volunteer_id else None,
            "bank_id": str(event.bank_id),
            "office_id": str(event.office_id),
            "name": event.name,
            "balance_minutes": 0,
            "reserved_minutes": 0,
            "stored_minutes": 0,
            "over_cap_minutes": 0,
            "opened_at": event.timestamp,
        })

    @handles(TimeAccount.HoursCredited)
    def credited(self, conn: Connection, event: TimeAccount.HoursCredited) -> None:
        stored = event.minutes if event.kind in ("service", "correction") else 0
        self._entry(conn, event, event.kind, event.minutes, 0, event.ref, event.counterparty,
                    stored=stored)

    @handles(TimeAccount.HoursDebited)
    def debited(self, conn: Connection, event: TimeAccount.HoursDebited) -> None:
        stored = -event.minutes if event.kind == "correction" else 0
        over_cap = event.minutes if event.kind == OVER_CAP else 0
        self._entry(conn, event, event.kind, -event.minutes, 0, event.ref, event.counterparty,
                    stored=stored, over_cap=over_cap)

    @handles(TimeAccount.HoursReserved)
    def reserved(self, conn: Connection, event: TimeAccount.HoursReserved) -> None:
        kind = HELD if event.transfer_id.startswith(REQUEST_HOLD) else RESERVED
        self._entry(conn, event, kind, -event.minutes, event.minutes, event.transfer_id, "")

    @handles(TimeAccount.ReservationPosted)
    def posted(self, conn: Connection, event: TimeAccount.ReservationPosted) -> None:
        self._entry(conn, event, SENT, 0, -event.minutes, event.transfer_id, event.to_bank_id)

    @handles(TimeAccount.ReservationReleased)
    def released(self, conn: Connection, event: TimeAccount.ReservationReleased) -> None:
        kind = HOLD_RETURNED if event.transfer_id.startswith(REQUEST_HOLD) else RETURNED
        self._entry(conn, event, kind, event.minutes, -event.minutes, event.transfer_id,
                    event.reason)

    def _entry(self, conn: Connection, event: AccountEvent, kind: str, minutes: int,
               reserved: int, ref: str, counterparty: str, stored: int = 0,
               over_cap: int = 0) -> None:
        account_id = str(event.originator_id)
        row = self._accounts.get(conn, account_id)
        if row is None:
            raise LookupError(f"time account {account_id} was never opened")
        balance = row["balance_minutes"] + minutes
        self._accounts.change(conn, account_id, balance_minutes=balance,
                              reserved_minutes=row["reserved_minutes"] + reserved,
                              stored_minutes=row["stored_minutes"] + stored,
                              over_cap_minutes=row["over_cap_minutes"] + over_cap)
        self._entries.append({
            "account_id": account_id,
            "version": event.originator_version,
            "at": event.timestamp,
            "kind": kind,
            "minutes": minutes,
            "reserved_minutes": reserved,
            "balance_after": balance,
            "ref": ref,
            "counterparty": counterparty[:120],
        })

    @handles(HoursPool.Opened)
    def pool_opened(self, conn: Connection, event: HoursPool.Opened) -> None:
        self._pools.add({
            "pool_id": str(event.originator_id),
            "bank_id": str(event.bank_id),
            "balance_minutes": 0,
            "funded_minutes": 0,
            "donated_minutes": 0,
            "over_cap_minutes": 0,
            "granted_minutes": 0,
            "paid_minutes": 0,
        })

    @handles(HoursPool.PoolCredited, HoursPool.PoolDebited)
    def pool_moved(self, conn: Connection,
                   event: HoursPool.PoolCredited | HoursPool.PoolDebited) -> None:
        pool_id = str(event.originator_id)
        row = self._pools.get(conn, pool_id)
        if row is None:
            raise LookupError(f"hours pool {pool_id} was never opened")
        signed = event.minutes if isinstance(event, HoursPool.PoolCredited) else -event.minutes
        column = POOL_COLUMNS.get(event.kind, "paid_minutes")
        self._pools.change(conn, pool_id, balance_minutes=row["balance_minutes"] + signed,
                           **{column: row[column] + event.minutes})
