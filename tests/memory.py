"""The application on the library's in-memory event store: service tests without a database.

The personal-data vault is the real one, keeping its wrapped keys in an in-memory SQLite
database; kiosk key use is remembered in a dict. Nothing touches the disk.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

from timebank.application import TimebankApp
from timebank.domain.values import utc_now
from timebank.infrastructure.tables import metadata
from timebank.security.personal_data import PersonalDataVault
from timebank.settings import Settings

SECRET = "memory-test-secret-not-for-production-0123456789"
IN_MEMORY_STORE = {"PERSISTENCE_MODULE": "eventsourcing.popo"}


class MemoryKioskUsage:
    """When each kiosk key was last used, in this process only."""

    def __init__(self) -> None:
        self.seen: dict[UUID, datetime] = {}

    def touch(self, kiosk_id: UUID) -> None:
        self.seen[kiosk_id] = utc_now()

    def last_used(self, kiosk_id: UUID) -> datetime | None:
        return self.seen.get(kiosk_id)


def memory_vault(secret: str = SECRET) -> PersonalDataVault:
    engine = create_engine("sqlite://", poolclass=StaticPool,
                           connect_args={"check_same_thread": False})
    metadata.create_all(engine)
    return PersonalDataVault(engine, secret)


def memory_app(**settings: object) -> TimebankApp:
    """A fresh application on an empty in-memory store (settings as keyword overrides)."""
    chosen = Settings(_env_file=None, secret_key=SECRET, group_commit=False,  # type: ignore[call-arg]
                      **settings)  # type: ignore[arg-type]
    return TimebankApp(chosen, memory_vault(), MemoryKioskUsage(), store_env=IN_MEMORY_STORE)
