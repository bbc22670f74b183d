"""The close cycle (issue 11): reopens with their superseded plans, and GL tie-out results.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True)


def _reopen_id() -> sa.Column:
    return sa.Column(
        "reopen_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=False
    )


def upgrade() -> None:
    op.create_table(
        "period_reopen",
        _id(),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("reopened_at", sa.DateTime(), nullable=False),
        sa.Column("planned_at", sa.DateTime(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_period_reopen_period", "period_reopen", ["period"])
    op.create_table(
        "superseded_journal_posting",
        _reopen_id(),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("tran_date", sa.Date(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("debit_cents", sa.BigInteger(), nullable=False),
        sa.Column("credit_cents", sa.BigInteger(), nullable=False),
        sa.Column("lines", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("netsuite_id", sa.String(length=32), nullable=True),
        sa.Column("posted_at", sa.DateTime(), nullable=True),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("settled", sa.String(length=16), nullable=True),
        sa.Column("settled_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["reopen_id"], ["period_reopen.id"]),
        sa.PrimaryKeyConstraint("reopen_id", "external_id"),
    )
    op.create_index(
        "ix_superseded_journal_posting_period", "superseded_journal_posting", ["period"]
    )
    op.create_table(
        "superseded_journal_detail",
        _reopen_id(),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product_code", sa.String(length=255), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["reopen_id"], ["period_reopen.id"]),
        sa.PrimaryKeyConstraint("reopen_id", "event", "customer_id", "currency", "product_code"),
    )
    op.create_table(
        "gl_tieout",
        _id(),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("entries_checked", sa.Integer(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_gl_tieout_period", "gl_tieout", ["period"])


def downgrade() -> None:
    op.drop_table("gl_tieout")
    op.drop_table("superseded_journal_detail")
    op.drop_table("superseded_journal_posting")
    op.drop_table("period_reopen")
