"""service requests (需求发布 → 接单 → 确认评价)

Revision ID: service_requests
Revises: staff_accounts
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_requests"
down_revision = "staff_accounts"
branch_labels = None
depends_on = None

UUID = sa.String(length=36)
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "service_requests",
        sa.Column("request_id", UUID, primary_key=True),
        sa.Column("bank_id", UUID, nullable=False),
        sa.Column("office_id", UUID, nullable=False),
        sa.Column("beneficiary_id", UUID, nullable=False),
        sa.Column("poster_id", UUID, nullable=True),
        sa.Column("posted_by", sa.String(length=10), nullable=False),
        sa.Column("volunteer_id", UUID, nullable=True),
        sa.Column("dispatched", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("payer", sa.String(length=15), nullable=False),
        sa.Column("status", sa.String(length=15), nullable=False),
        sa.Column("starts_at", UTC_TIME, nullable=False),
        sa.Column("ends_at", UTC_TIME, nullable=False),
        sa.Column("served_minutes", sa.Integer(), nullable=False),
        sa.Column("paid_minutes", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("posted_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
    )
    op.create_index("ix_service_requests_office", "service_requests",
                    ["office_id", "status", "starts_at"])
    op.create_index("ix_service_requests_beneficiary", "service_requests",
                    ["beneficiary_id", "posted_at"])
    op.create_index("ix_service_requests_volunteer", "service_requests",
                    ["volunteer_id", "starts_at"])
    op.create_index("ix_service_requests_poster", "service_requests",
                    ["poster_id", "posted_at"])


def downgrade() -> None:
    op.drop_table("service_requests")
