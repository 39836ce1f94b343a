"""Daily audit checkpoints: the chain head of a day, signed with the server's key.

Published on the transparency page, a checkpoint makes a later rewrite of history
visible: the rewritten chain would no longer pass through the published head.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from timebank.domain.ids import NAMESPACE


def checkpoint_id_for(day: date) -> UUID:
    return uuid5(NAMESPACE, f"checkpoint:{day.isoformat()}")


class Checkpoint(Aggregate):
    @staticmethod
    def create_id(day: str, **_: Any) -> UUID:
        return checkpoint_id_for(date.fromisoformat(day))

    @event("Recorded")
    def __init__(self, day: str, position: int, chain_hash: str, signature: str,
                 public_key: str) -> None:
        self.day = day
        self.position = position
        self.chain_hash = chain_hash
        self.signature = signature
        self.public_key = public_key
