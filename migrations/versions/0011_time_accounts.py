"""time accounts, the hours pool and inter-bank transfers (通存通兑)

Revision ID: time_accounts
Revises: grant_reporting
Create Date: 2026-12-03 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "time_accounts"
down_revision = "grant_reporting"
branch_labels = None
depends_on = None

UUID = sa.String(length=36)


def upgrade() -> None:
    op.create_table(
        "time_accounts",
        sa.Column("account_id", UUID, primary_key=True),
        sa.Column("owner", sa.String(length=10), nullable=False),
        sa.Column("passbook_no", sa.String(length=20), nullable=False, unique=True),
        sa.Column("volunteer_id", UUID, nullable=True),
        sa.Column("bank_id", UUID, nullable=False),
        sa.Column("office_id", UUID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("balance_minutes", sa.BigInteger(), nullable=False),
        sa.Column("reserved_minutes", sa.BigInteger(), nullable=False),
        sa.Column("stored_minutes", sa.BigInteger(), nullable=False),
        sa.Column("over_cap_minutes", sa.BigInteger(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_time_accounts_volunteer", "time_accounts", ["volunteer_id"])
    op.create_index("ix_time_accounts_office", "time_accounts", ["office_id"])
    op.create_table(
        "time_entries",
        sa.Column("account_id", UUID, primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("reserved_minutes", sa.BigInteger(), nullable=False),
        sa.Column("balance_after", sa.BigInteger(), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("counterparty", sa.String(length=120), nullable=False),
    )
    op.create_table(
        "hours_pools",
        sa.Column("pool_id", UUID, primary_key=True),
        sa.Column("bank_id", UUID, nullable=False, unique=True),
        sa.Column("balance_minutes", sa.BigInteger(), nullable=False),
        sa.Column("funded_minutes", sa.BigInteger(), nullable=False),
        sa.Column("donated_minutes", sa.BigInteger(), nullable=False),
        sa.Column("over_cap_minutes", sa.BigInteger(), nullable=False),
        sa.Column("granted_minutes", sa.BigInteger(), nullable=False),
        sa.Column("paid_minutes", sa.BigInteger(), nullable=False),
    )
    op.create_table(
        "interbank_transfers",
        sa.Column("transfer_id", UUID, primary_key=True),
        sa.Column("from_bank_id", UUID, nullable=False),
        sa.Column("to_bank_id", UUID, nullable=False),
        sa.Column("from_passbook_no", sa.String(length=20), nullable=False),
        sa.Column("to_passbook_no", sa.String(length=20), nullable=False),
        sa.Column("minutes", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(length=30), nullable=True),
    )
    op.create_index("ix_interbank_transfers_status", "interbank_transfers",
                    ["status", "requested_at"])
    op.create_index("ix_interbank_transfers_from", "interbank_transfers",
                    ["from_passbook_no", "requested_at"])
    op.create_table(
        "interbank_ledger",
        sa.Column("bank_id", UUID, nullable=False),
        sa.Column("counterparty_bank_id", UUID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("sent_minutes", sa.BigInteger(), nullable=False),
        sa.Column("received_minutes", sa.BigInteger(), nullable=False),
        sa.Column("sent_count", sa.Integer(), nullable=False),
        sa.Column("received_count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bank_id", "counterparty_bank_id", "day"),
    )


def downgrade() -> None:
    for table in ("interbank_ledger", "interbank_transfers", "hours_pools", "time_entries",
                  "time_accounts"):
        op.drop_table(table)
