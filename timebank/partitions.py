"""Bank partitions: each bank's write side and read models in a database of its own.

The directory is the default database (`TIMEBANK_DATABASE_URL`): system administrators, the
username claims of every partitioned bank's staff, and any bank opened over HTTP.
`TIMEBANK_BANK_DATABASES` names further partitions; `timebank banks open --partition KEY`
opens a bank in one, and the bank's offices, staff, volunteers, activities, kiosks and funds
then live in that partition's store only. Each store keeps its own guarantees (uniqueness by
aggregate id, idempotency records, optimistic concurrency); no command writes to two stores
except a new staff account, whose username is claimed in the directory first.

With no partitions configured the directory is the only partition, and every request is
routed to it: exactly the single-database deployment.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import RecordConflictError
from sqlalchemy import Engine

from timebank.application import TimebankApp
from timebank.domain.actors import Actor
from timebank.domain.directory import UsernameClaim
from timebank.domain.errors import DomainError
from timebank.domain.ids import user_id_for
from timebank.domain.offices import BANK, Office
from timebank.domain.users import normalise_username
from timebank.security.personal_data import PersonalDataVault
from timebank.settings import Settings

DIRECTORY = "directory"
# Where an id lives never changes; the cache only bounds its memory.
LOCATED_CACHE_SIZE = 100_000


@dataclass
class Partition:
    key: str
    settings: Settings
    engine: Engine
    vault: PersonalDataVault
    app: TimebankApp

    @property
    def token_claim(self) -> str | None:
        """What a bearer token carries to come back here (nothing for the directory)."""
        return None if self.key == DIRECTORY else self.key

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


class Partitions:
    def __init__(self, directory: Partition, banks: dict[str, Partition]) -> None:
        self.directory = directory
        self.banks = banks
        self._located: dict[UUID, str] = {}
        self._lock = threading.Lock()
        for partition in banks.values():
            partition.app.claim_username = self._claimer(partition.key)  # type: ignore[method-assign]

    def all(self) -> list[Partition]:
        return [self.directory, *self.banks.values()]

    def get(self, key: str | None) -> Partition:
        """The partition named by a token; KeyError for one no longer configured."""
        if not key or key == DIRECTORY:
            return self.directory
        return self.banks[key]

    # -- routing by what a request names -----------------------------------------------------
    def locate(self, aggregate_id: UUID | str | None) -> Partition:
        """The partition holding an aggregate (an office, a kiosk, …); the directory when none
        does, which then answers 404 as it always has."""
        if not self.banks or aggregate_id is None:
            return self.directory
        try:
            uid = aggregate_id if isinstance(aggregate_id, UUID) else UUID(str(aggregate_id))
        except ValueError:
            return self.directory
        key = self._located.get(uid)
        if key is None:
            # Ids are random UUIDs: an aggregate exists in one store at most.
            found = next((p for p in self.all() if uid in p.app.repository), None)
            if found is None:
                return self.directory
            with self._lock:
                if len(self._located) >= LOCATED_CACHE_SIZE:
                    self._located.clear()
                self._located[uid] = key = found.key
        return self.get(key)

    def for_username(self, username: str) -> Partition:
        """Where a staff account lives: a claim in the directory names its bank partition."""
        if not self.banks:
            return self.directory
        try:
            found = self.directory.app.repository.get(user_id_for(normalise_username(username)))
        except (AggregateNotFoundError, DomainError):
            return self.directory
        if isinstance(found, UsernameClaim) and found.partition in self.banks:
            return self.banks[found.partition]
        return self.directory

    def for_phone(self, phone: str) -> Partition:
        """Where a volunteer's phone is registered. A phone is unique within a store; one
        registered in two banks logs in to the first of them (directory, then setting order)."""
        for partition in self.all() if self.banks else ():
            if partition.app.find_volunteer_by_phone(phone) is not None:
                return partition
        return self.directory

    # -- commands that start in the directory ------------------------------------------------
    def open_bank(self, actor: Actor, name: str, key: str) -> Office:
        """Open a bank in its partition (`timebank banks open`); its tree then grows there."""
        if key not in self.banks:
            raise DomainError("invalid_input", f"no bank partition {key!r} is configured.",
                              field="partition")
        bank = self.banks[key].app.open_office(actor, name, BANK, None)
        with self._lock:
            self._located[bank.id] = key
        return bank

    def _claimer(self, key: str) -> Any:
        directory = self.directory.app

        def claim_username(username: str, actor: Actor) -> None:
            # Claim first: a claim left behind by a failed save only ever admits this same
            # partition, whose own store then decides, so a username never lives twice.
            uid = user_id_for(username)
            for _attempt in range(2):
                try:
                    found = directory.repository.get(uid)
                except AggregateNotFoundError:
                    try:
                        directory.save(UsernameClaim(username, key, actor.record()))
                        return
                    except RecordConflictError:
                        continue  # claimed concurrently: look at who won
                if isinstance(found, UsernameClaim) and found.partition == key:
                    return
                break
            raise DomainError("username_taken")

        return claim_username

    def close(self) -> None:
        for partition in self.all():
            partition.close()


def build_partition(key: str, settings: Settings, migrate: bool) -> Partition:
    from timebank.infrastructure.database import exclusive_setup, make_engine
    from timebank.infrastructure.kiosk_usage import KioskUsage
    from timebank.infrastructure.log_notifications import install_trigger
    from timebank.infrastructure.migrations import upgrade

    engine = make_engine(settings)
    with exclusive_setup(engine):  # workers starting together take turns here
        if migrate:
            upgrade(settings)
        secret = settings.resolved_secret_key
        vault = PersonalDataVault(engine, secret, settings.var_dir / "erased_subjects")
        if migrate:
            # A restored backup may predate erasures: apply every recorded one again.
            vault.reapply_erasures()
        app = TimebankApp(settings, vault, KioskUsage(engine))
        if migrate and engine.dialect.name == "postgresql":
            # Followers in other processes are woken by writes (LISTEN/NOTIFY).
            install_trigger(engine, app.recorder.events_table_name)
    return Partition(key, settings, engine, vault, app)


def build_partitions(settings: Settings, migrate: bool) -> Partitions:
    directory = build_partition(DIRECTORY, settings, migrate)
    banks: dict[str, Partition] = {}
    try:
        for key in settings.bank_databases:
            banks[key] = build_partition(key, settings.for_bank_partition(key), migrate)
    except BaseException:
        for partition in (directory, *banks.values()):
            partition.close()
        raise
    return Partitions(directory, banks)
