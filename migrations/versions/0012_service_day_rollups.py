"""service day rollups: hours and points by the day the service was done

Revision ID: service_day_rollups
Revises: time_accounts

The rollups projection now also counts approved hours and points earned by service day.
Its new tables start empty, so the projection is reset here (its rows and its position)
and replays the log into all four tables at the next start, as a rebuild does.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_day_rollups"
down_revision = "time_accounts"
branch_labels = None
depends_on = None

ROLLUP_TABLES = ("rollup_members", "office_daily_totals")


def upgrade() -> None:
    op.create_table(
        "service_days",
        sa.Column("record_id", sa.String(length=36), primary_key=True),
        sa.Column("day", sa.Date(), nullable=False),
    )
    op.create_table(
        "office_service_days",
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("approved_minutes", sa.BigInteger(), nullable=False),
        sa.Column("points_earned", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("office_id", "day"),
    )
    for table in ROLLUP_TABLES:
        op.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
    op.execute(sa.text("DELETE FROM projection_positions WHERE name = 'rollups'"))


def downgrade() -> None:
    op.drop_table("office_service_days")
    op.drop_table("service_days")
