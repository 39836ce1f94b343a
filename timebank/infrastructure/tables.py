"""Write-side tables kept beside the event store (created by the Alembic migrations)."""

from __future__ import annotations

from sqlalchemy import Column, MetaData, String, Table, Text

from timebank.infrastructure.types import UtcDateTime

metadata = MetaData()

# One data key per person, wrapped with the server key. Destroying a row is how a person's
# data is erased (crypto-shredding): the events keep only ciphertext.
personal_data_keys = Table(
    "personal_data_keys",
    metadata,
    Column("subject_id", String(36), primary_key=True),
    Column("wrapped_key", Text, nullable=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("destroyed_at", UtcDateTime(), nullable=True),
)

# When each kiosk key was last used: operational metadata, not a ledger fact, so not an event.
kiosk_key_usage = Table(
    "kiosk_key_usage",
    metadata,
    Column("kiosk_id", String(36), primary_key=True),
    Column("last_used_at", UtcDateTime(), nullable=False),
)
