"""staff accounts as their administrators' list shows them

Revision ID: staff_accounts
Revises: certificate_register
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "staff_accounts"
down_revision = "certificate_register"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("user_id", sa.String(length=36), primary_key=True),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("must_change_password", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("changed_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_staff_accounts_office", "staff_accounts", ["office_id"])


def downgrade() -> None:
    op.drop_table("staff_accounts")
