"""通存通兑 on the read side: the sending bank's transfers (the driver's list of pending work)
and each bank's books with every other bank, per Shanghai day of the credit.

A bank's row with a counterparty counts what it sent (posted transfers, from its own log)
and what it received (accepted credits, from its own log). Both books date a transfer by
the moment the receiving bank credited it, so a clearing report over any period finds the
same figure on both sides once every transfer is settled. Care withdrawn in another bank
counts what its service used, when the request ended there (the rest of the hold returned).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from projections.base import AnyEvent, Projection, Rows, add_to_rows, handles
from projections.tables import interbank_ledger, interbank_transfers
from timebank.domain.interbank import (
    CARE,
    PENDING,
    POSTED,
    VOIDED,
    InterbankCredit,
    InterbankTransfer,
)
from timebank.domain.values import shanghai_date


class InterbankProjection(Projection):
    name = "interbank"
    tables = (interbank_transfers, interbank_ledger)

    def __init__(self) -> None:
        self._transfers = Rows(interbank_transfers)
        self.begin_batch(None)  # type: ignore[arg-type]

    def begin_batch(self, conn: Connection) -> None:
        self._transfers.reset()
        self._ledger: dict[tuple[str, str, Any], dict[str, int]] = defaultdict(
            lambda: defaultdict(int))

    def prefetch(self, conn: Connection, events: Sequence[AnyEvent]) -> None:
        requested = {str(e.originator_id) for e in events
                     if isinstance(e, InterbankTransfer.Requested)}
        self._transfers.load(conn, {
            str(e.originator_id) for e in events
            if isinstance(e, (InterbankTransfer.Posted, InterbankTransfer.Voided))},
            created=requested)

    def end_batch(self, conn: Connection) -> None:
        self._transfers.flush(conn)
        add_to_rows(conn, interbank_ledger, self._ledger)
        self.begin_batch(conn)

    @handles(InterbankTransfer.Requested)
    def requested(self, conn: Connection, event: InterbankTransfer.Requested) -> None:
        self._transfers.add({
            "transfer_id": str(event.originator_id),
            "from_bank_id": str(event.from_bank_id),
            "to_bank_id": str(event.to_bank_id),
            "from_passbook_no": event.from_passbook_no,
            "to_passbook_no": event.to_passbook_no,
            "minutes": event.minutes,
            "status": PENDING,
            "requested_at": event.timestamp,
            "deadline": event.deadline,
            "decided_at": None,
            "reason": None,
            "purpose": event.purpose,
            "returned_minutes": 0,
        })

    @handles(InterbankTransfer.Posted)
    def posted(self, conn: Connection, event: InterbankTransfer.Posted) -> None:
        row = self._transfers.change(conn, str(event.originator_id), status=POSTED,
                                     decided_at=event.credited_at,
                                     returned_minutes=event.returned_minutes)
        if row is None:
            raise LookupError(f"transfer {event.originator_id} was never requested")
        day = shanghai_date(event.credited_at)
        totals = self._ledger[(row["from_bank_id"], row["to_bank_id"], day)]
        totals["sent_minutes"] += row["minutes"] - event.returned_minutes
        totals["sent_count"] += 1

    @handles(InterbankTransfer.Voided)
    def voided(self, conn: Connection, event: InterbankTransfer.Voided) -> None:
        self._transfers.change(conn, str(event.originator_id), status=VOIDED,
                               decided_at=event.refused_at, reason=event.reason)

    @handles(InterbankCredit.Decided)
    def decided(self, conn: Connection, event: InterbankCredit.Decided) -> None:
        if not event.accepted or event.purpose == CARE:
            return  # accepted care is received when its request ends (care_settled)
        day = shanghai_date(event.timestamp)
        totals = self._ledger[(str(event.to_bank_id), str(event.from_bank_id), day)]
        totals["received_minutes"] += event.minutes
        totals["received_count"] += 1

    @handles(InterbankCredit.CareSettled)
    def care_settled(self, conn: Connection, event: InterbankCredit.CareSettled) -> None:
        if not event.paid_minutes:
            return  # ended without a service: the other bank voids its hold
        day = shanghai_date(event.settled_at)
        totals = self._ledger[(str(event.to_bank_id), str(event.from_bank_id), day)]
        totals["received_minutes"] += event.paid_minutes
        totals["received_count"] += 1
