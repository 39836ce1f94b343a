"""service requests: the other bank of the city whose time account pays (care paid there)

Revision ID: request_paid_from
Revises: interbank_purpose
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "request_paid_from"
down_revision = "interbank_purpose"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("service_requests") as batch:
        batch.add_column(sa.Column("paid_from_bank_id", sa.String(length=36), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("service_requests") as batch:
        batch.drop_column("paid_from_bank_id")
