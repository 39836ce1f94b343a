"""通存通兑 across the city: requests checked against the receiving bank, and the process
that drives pending inter-bank transfers through their steps (timebank/domain/interbank.py).

The process may be killed at any moment and started again, several may run at once, and
any bank's database may be down for a while: every step is one save in one store, decided
by its aggregates (the receiving bank's decision has an id derived from the transfer's, a
settled transfer refuses a second settlement), so running a step again changes nothing.
Which transfers are pending is read from each partition's `interbank_transfers` read model
(the outbox: a transfer is written to it, exactly once, from the sending bank's log); the
read model only says where to look, the aggregates decide.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from timebank.application.idempotency import Idempotency
from timebank.domain.actors import Actor
from timebank.domain.errors import DomainError
from timebank.domain.interbank import PENDING
from timebank.domain.offices import BANK
from timebank.partitions import Partition, Partitions

log = logging.getLogger(__name__)

PendingFinder = Callable[[Partition], Iterable[str]]


@dataclass
class DriveReport:
    posted: int = 0
    voided: int = 0
    still_pending: int = 0
    failed: list[str] = field(default_factory=list)  # partitions or transfers that failed

    @property
    def idle(self) -> bool:
        """Nothing was pending anywhere (and every partition could be asked)."""
        return not self.failed and not (self.settled or self.still_pending)

    @property
    def settled(self) -> int:
        return self.posted + self.voided


class CityTransfers:
    def __init__(self, partitions: Partitions) -> None:
        self.partitions = partitions

    def request(self, home: Partition, actor: Actor, from_passbook: str, to_bank_id: str,
                to_passbook: str, minutes: int, note: str,
                idem: Idempotency | None) -> dict[str, Any]:
        """Step 1, after checking (reading only) that the receiving bank is another open
        bank of the city."""
        if (replayed := home.app.replay(idem)) is not None:
            return replayed
        try:
            bank_id = UUID(str(to_bank_id))
        except ValueError as exc:
            raise DomainError("not_found", "bank not found.") from exc
        bank = self.partitions.locate(bank_id).app.load_office(bank_id)
        if bank.kind != BANK:
            raise DomainError("invalid_input", "to_bank_id names a bank.", field="to_bank_id")
        bank.ensure_open()
        return home.app.request_interbank_transfer(actor, from_passbook, bank_id, to_passbook,
                                                   minutes, note, idem)

    def advance(self, home: Partition, transfer_id: str | UUID) -> str:
        """Steps 2 and 3 for one transfer of `home` (the sending bank's partition); its
        status afterwards."""
        transfer = home.app.load_interbank_transfer(transfer_id)
        if transfer.status != PENDING:
            return transfer.status
        receiver = self.partitions.locate(transfer.to_bank_id)
        credit = receiver.app.decide_interbank_credit(transfer)
        settled = home.app.settle_interbank_transfer(
            transfer.id, credit.accepted, credit.reason, credit.decided_at)
        return settled.status

    def drive(self, pending: PendingFinder) -> DriveReport:
        """One pass over every partition's pending transfers. A failure (a database down)
        is logged and left for the next pass; the others go on."""
        report = DriveReport()
        for home in self.partitions.all():
            try:
                transfer_ids = list(pending(home))
            except Exception:
                log.exception("inter-bank: cannot list pending transfers of %s", home.key)
                report.failed.append(home.key)
                continue
            for transfer_id in transfer_ids:
                try:
                    status = self.advance(home, transfer_id)
                except Exception:
                    log.exception("inter-bank transfer %s: step failed; retried later",
                                  transfer_id)
                    report.failed.append(str(transfer_id))
                    continue
                if status == PENDING:
                    report.still_pending += 1
                elif status == "posted":
                    report.posted += 1
                else:
                    report.voided += 1
        return report
