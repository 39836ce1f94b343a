"""volunteer records: training, awards, complaints and corrections asked for

Revision ID: volunteer_records
Revises: service_entries
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "volunteer_records"
down_revision = "service_entries"
branch_labels = None
depends_on = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "trainings",
        sa.Column("training_id", sa.String(length=36), primary_key=True),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_trainings_volunteer", "trainings", ["volunteer_id"])
    op.create_index("ix_trainings_office", "trainings", ["office_id"])
    op.create_table(
        "awards",
        sa.Column("award_id", sa.String(length=36), primary_key=True),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("awarded_by", sa.String(length=200), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTC_TIME, nullable=False),
        sa.Column("recorded_by", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_awards_volunteer", "awards", ["volunteer_id"])
    op.create_index("ix_awards_office", "awards", ["office_id"])
    op.create_table(
        "complaints",
        sa.Column("complaint_id", sa.String(length=36), primary_key=True),
        sa.Column("service_record_id", sa.String(length=36), nullable=False),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("complainant_kind", sa.String(length=20), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_at", UTC_TIME, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("investigation_note", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("finding", sa.Text(), nullable=True),
        sa.Column("resolved_at", UTC_TIME, nullable=True),
        sa.Column("resolved_by", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_complaints_office_status", "complaints", ["office_id", "status"])
    op.create_index("ix_complaints_volunteer", "complaints", ["volunteer_id"])
    op.create_table(
        "correction_requests",
        sa.Column("request_id", sa.String(length=36), primary_key=True),
        sa.Column("volunteer_id", sa.String(length=36), nullable=False),
        sa.Column("office_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("service_record_id", sa.String(length=36), nullable=True),
        sa.Column("activity_id", sa.String(length=36), nullable=True),
        sa.Column("claimed_hours", sa.String(length=10), nullable=True),
        sa.Column("claimed_started_at", UTC_TIME, nullable=True),
        sa.Column("claimed_ended_at", UTC_TIME, nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("requested_at", UTC_TIME, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("result_record_id", sa.String(length=36), nullable=True),
        sa.Column("result_hours", sa.String(length=10), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC_TIME, nullable=True),
        sa.Column("answered_by", sa.String(length=36), nullable=True),
    )
    op.create_index("ix_correction_requests_office_status", "correction_requests",
                    ["office_id", "status", "due_on"])
    op.create_index("ix_correction_requests_volunteer", "correction_requests",
                    ["volunteer_id"])


def downgrade() -> None:
    for table in ("correction_requests", "complaints", "awards", "trainings"):
        op.drop_table(table)
