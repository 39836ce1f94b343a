"""inter-bank transfers: what for (a transfer, or care withdrawn in another bank), and what a
care hold returned

Revision ID: interbank_purpose
Revises: service_requests
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "interbank_purpose"
down_revision = "service_requests"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interbank_transfers") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=10), nullable=False,
                                   server_default="transfer"))
        batch.add_column(sa.Column("returned_minutes", sa.BigInteger(), nullable=False,
                                   server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("interbank_transfers") as batch:
        batch.drop_column("returned_minutes")
        batch.drop_column("purpose")
