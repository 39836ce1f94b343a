"""city rollup

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "city_daily_totals",
        sa.Column("partition", sa.String(length=64), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("volunteers_net", sa.Integer(), nullable=False),
        sa.Column("approved_minutes", sa.BigInteger(), nullable=False),
        sa.Column("points_earned", sa.BigInteger(), nullable=False),
        sa.Column("points_redeemed", sa.BigInteger(), nullable=False),
        sa.Column("points_net", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("partition", "day"),
    )


def downgrade() -> None:
    op.drop_table("city_daily_totals")
