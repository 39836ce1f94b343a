"""grant reporting: when a grant was closed or cancelled and what it left unpaid (disclosure
reminders), each payment of a grant (grants paid in a year, for the annual report), and who
recorded a donation (经办人) with its financial e-receipt number (receipts)

Grants that ended, and payments made, before this revision get their figures when the funds
projection is rebuilt (`timebank projections rebuild funds`); until then they raise no
reminder and count in no year's payments.

Revision ID: grant_reporting
Revises: fund_vouchers
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "grant_reporting"
down_revision = "fund_vouchers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("grants", sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("grants", sa.Column("unpaid_at_end_fen", sa.BigInteger(), nullable=True))
    op.add_column("donations", sa.Column("recorded_by", sa.String(length=100), nullable=True))
    op.add_column("donations", sa.Column("e_receipt_no", sa.String(length=64), nullable=True))
    op.create_table(
        "grant_payments",
        sa.Column("disbursement_id", sa.String(length=36), nullable=False),
        sa.Column("grant_id", sa.String(length=36), nullable=False),
        sa.Column("fund_id", sa.String(length=36), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("disbursement_id"),
    )
    op.create_index("ix_grant_payments_grant", "grant_payments", ["grant_id"])


def downgrade() -> None:
    op.drop_index("ix_grant_payments_grant", table_name="grant_payments")
    op.drop_table("grant_payments")
    op.drop_column("donations", "e_receipt_no")
    op.drop_column("donations", "recorded_by")
    op.drop_column("grants", "unpaid_at_end_fen")
    op.drop_column("grants", "ended_at")
