"""star levels and the banks' rules of records

Revision ID: star_levels
Revises: volunteer_records
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "star_levels"
down_revision = "volunteer_records"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "bank_record_rules",
        sa.Column("bank_id", sa.String(length=36), primary_key=True),
        sa.Column("star_thresholds_hours", sa.String(length=100), nullable=False),
        sa.Column("correction_days", sa.Integer(), nullable=False),
    )
    op.create_table(
        "star_levels",
        sa.Column("volunteer_id", sa.String(length=36), primary_key=True),
        sa.Column("passbook_id", sa.String(length=36), nullable=False, unique=True),
        sa.Column("bank_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("service_minutes", sa.BigInteger(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("reached_at_minutes", sa.String(length=120), nullable=False),
        sa.Column("level_since", UTC_TIME, nullable=True),
    )
    op.create_index("ix_star_levels_office_level", "star_levels", ["office_id", "level"])
    op.create_table(
        "star_milestones",
        sa.Column("volunteer_id", sa.String(length=36), primary_key=True),
        sa.Column("level", sa.Integer(), primary_key=True),
        sa.Column("reached_at", UTC_TIME, nullable=False),
        sa.Column("threshold_hours", sa.Integer(), nullable=False),
        sa.Column("lost_at", UTC_TIME, nullable=True),
    )


def downgrade() -> None:
    for table in ("star_milestones", "star_levels", "bank_record_rules"):
        op.drop_table(table)
