"""the register of certificates issued

Revision ID: certificate_register
Revises: star_levels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "certificate_register"
down_revision = "star_levels"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "certificate_register",
        sa.Column("certificate_id", sa.String(length=36), primary_key=True),
        sa.Column("serial", sa.String(length=40), nullable=False, unique=True),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=True),
        sa.Column("issuer", sa.String(length=300), nullable=False),
        sa.Column("issued_at", UTC_TIME, nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("period_from", sa.Date(), nullable=False),
        sa.Column("period_to", sa.Date(), nullable=False),
        sa.Column("total_hours", sa.String(length=12), nullable=False),
        sa.Column("total_services", sa.Integer(), nullable=False),
        sa.Column("issued_by_kind", sa.String(length=20), nullable=True),
        sa.Column("issued_by", sa.String(length=36), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=36), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
    )
    op.create_index("ix_certificate_register_office_issued", "certificate_register",
                    ["office_id", "issued_at"])
    op.create_index("ix_certificate_register_volunteer", "certificate_register",
                    ["volunteer_id"])


def downgrade() -> None:
    op.drop_table("certificate_register")
