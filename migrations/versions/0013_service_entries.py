"""service entries: the person in charge, the recorder, the beneficiary and evaluations

Revision ID: service_entries
Revises: service_day_rollups
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "service_entries"
down_revision = "service_day_rollups"
branch_labels = None
depends_on = None

RECORD_COLUMNS = (
    ("person_in_charge_id", sa.String(length=36)),
    ("entered_by", sa.String(length=36)),
    ("approved_by", sa.String(length=36)),
    ("recorder_id", sa.String(length=36)),
    ("beneficiary_kind", sa.String(length=10)),
    ("beneficiary_label", sa.String(length=200)),
    ("beneficiary_name_sealed", sa.Text()),
    ("beneficiary_volunteer_id", sa.String(length=36)),
    ("organiser_rating", sa.Integer()),
    ("beneficiary_confirmed", sa.Boolean()),
    ("beneficiary_rating", sa.Integer()),
)
ACTIVITY_COLUMNS = (
    ("content", sa.Text()),
    ("person_in_charge_id", sa.String(length=36)),
    ("beneficiary", sa.String(length=200)),
    ("minors", sa.String(length=20)),
    ("required_training", sa.String(length=100)),
    ("requires_insurance", sa.Boolean()),
    ("insurance_ref", sa.String(length=100)),
)


def upgrade() -> None:
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        for name, column_type in RECORD_COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=True))
    with op.batch_alter_table("activities", schema=None) as batch_op:
        for name, column_type in ACTIVITY_COLUMNS:
            batch_op.add_column(sa.Column(name, column_type, nullable=True))
    op.create_table(
        "service_evaluations",
        sa.Column("record_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=True),
        sa.Column("on_behalf", sa.Boolean(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("by_kind", sa.String(length=20), nullable=True),
        sa.Column("by_id", sa.String(length=36), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("record_id", "version"),
    )
    op.create_index("ix_service_evaluations_volunteer", "service_evaluations",
                    ["volunteer_id"])
    op.create_index("ix_service_evaluations_office", "service_evaluations", ["office_id"])


def downgrade() -> None:
    op.drop_table("service_evaluations")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        for name, _type in reversed(ACTIVITY_COLUMNS):
            batch_op.drop_column(name)
    with op.batch_alter_table("service_records", schema=None) as batch_op:
        for name, _type in reversed(RECORD_COLUMNS):
            batch_op.drop_column(name)
