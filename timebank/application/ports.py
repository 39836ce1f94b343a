"""What the application needs from the world besides its event store, as interfaces: the
real ones live in timebank/security and timebank/infrastructure; tests may pass others."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID


class Vault(Protocol):
    """Personal data sealed with a key per person (security/personal_data.py)."""

    def blind_index(self, value: str) -> str: ...

    def create_key(self, subject_id: UUID) -> None: ...

    def seal(self, subject_id: UUID, values: dict[str, str | None]) -> dict[str, str | None]: ...

    def open(self, subject_id: UUID, sealed: dict[str, str | None]) -> dict[str, str | None]: ...

    def has_key(self, subject_id: UUID) -> bool: ...

    def destroy_key(self, subject_id: UUID) -> bool: ...


class KioskUsageLog(Protocol):
    """When each kiosk key was last used (infrastructure/kiosk_usage.py)."""

    def touch(self, kiosk_id: UUID) -> None: ...

    def last_used(self, kiosk_id: UUID) -> datetime | None: ...
