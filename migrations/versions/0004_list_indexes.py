"""indexes for record lists and subtree (path prefix) searches

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_service_records_entered", "service_records", ["entered_at"])
    if op.get_bind().dialect.name == "postgresql":
        # LIKE 'prefix%' uses a b-tree only with the pattern operator class (non-C locales).
        op.execute("CREATE INDEX ix_offices_path_pattern ON offices (path text_pattern_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_offices_path_pattern")
    op.drop_index("ix_service_records_entered", table_name="service_records")
