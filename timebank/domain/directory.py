"""The directory's records of things that live in a bank partition (see timebank.partitions).

A `UsernameClaim` stands in the directory's store for a staff account kept in a bank
partition. It shares its id with the `User` it stands for, so the directory's own
optimistic-concurrency check keeps usernames unique across the whole city, and a login
finds the account's bank with one read.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from timebank.domain.ids import user_id_for


class UsernameClaim(Aggregate):
    @staticmethod
    def create_id(username: str, **_: Any) -> UUID:
        return user_id_for(username)

    @event("Claimed")
    def __init__(self, username: str, partition: str, actor: dict[str, Any]) -> None:
        self.username = username
        self.partition = partition
        self.actor = actor
