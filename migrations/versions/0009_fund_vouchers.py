"""fund vouchers: 记账凭证 numbers per legal entity and month, assigned on the read side

Revision ID: fund_vouchers
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fund_vouchers"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "voucher_funds",
        sa.Column("fund_id", sa.String(length=36), nullable=False),
        sa.Column("entity_fund_id", sa.String(length=36), nullable=False),
        sa.PrimaryKeyConstraint("fund_id"),
    )
    op.create_table(
        "voucher_counters",
        sa.Column("counter_key", sa.String(length=46), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("counter_key"),
    )
    op.create_table(
        "fund_vouchers",
        sa.Column("voucher_key", sa.String(length=48), nullable=False),
        sa.Column("fund_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("entity_fund_id", sa.String(length=36), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("voucher_no", sa.String(length=16), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("voucher_key"),
        sa.UniqueConstraint("entity_fund_id", "period", "number",
                            name="uq_fund_vouchers_number"),
    )
    op.create_index("ix_fund_vouchers_entry", "fund_vouchers", ["fund_id", "version"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("ix_fund_vouchers_entry", table_name="fund_vouchers")
    op.drop_table("fund_vouchers")
    op.drop_table("voucher_counters")
    op.drop_table("voucher_funds")
