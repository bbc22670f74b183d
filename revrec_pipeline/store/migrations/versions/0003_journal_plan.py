"""A marker per period whose journal plan is frozen, even when it posts nothing (issue 4).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "journal_plan",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("planned_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("period"),
    )
    # Periods planned before this revision are those with postings.
    op.execute(
        "INSERT INTO journal_plan (period, entries, planned_at) "
        "SELECT period, COUNT(*), MIN(COALESCE(posted_at, tran_date)) FROM journal_posting "
        "GROUP BY period"
    )


def downgrade() -> None:
    op.drop_table("journal_plan")
