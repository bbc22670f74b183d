"""Invoice flow (billing schedule, periods, jobs) and journals (issues 3 and 4).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounting_period",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("opened_at", sa.DateTime(), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("period"),
    )
    op.create_table(
        "billing_schedule_line",
        sa.Column("netsuite_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("netsuite_customer_id", sa.BigInteger(), nullable=False),
        sa.Column("netsuite_customer_name", sa.String(length=512), nullable=True),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("customer_name", sa.String(length=512), nullable=True),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("document_number", sa.String(length=64), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("product_code", sa.String(length=255), nullable=True),
        sa.Column("product_name", sa.String(length=512), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("service_start_date", sa.Date(), nullable=True),
        sa.Column("service_end_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("netsuite_id", "line_id"),
    )
    op.create_index(
        "ix_billing_schedule_line_customer_period",
        "billing_schedule_line",
        ["customer_id", "period"],
        unique=False,
    )
    op.create_table(
        "invoice_job",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("run_id", sa.String(length=64), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("billing_lines", sa.BigInteger(), nullable=False),
        sa.Column("pending_lines", sa.BigInteger(), nullable=False),
        sa.Column("excluded_cents", sa.BigInteger(), nullable=False),
        sa.Column("recon_status", sa.String(length=16), nullable=False),
        sa.Column("recon_difference_cents", sa.BigInteger(), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "journal_detail",
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("event", sa.String(length=16), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("product_code", sa.String(length=255), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("period", "event", "customer_id", "currency", "product_code"),
    )
    op.create_table(
        "journal_mapping",
        sa.Column("account_type", sa.String(length=32), nullable=False),
        sa.Column("product_code", sa.String(length=255), nullable=False),
        sa.Column("netsuite_account_id", sa.String(length=32), nullable=False),
        sa.Column("segments", sa.Text(), nullable=False),
        sa.Column("subsidiary", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("account_type", "product_code"),
    )
    op.create_table(
        "journal_posting",
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
        sa.PrimaryKeyConstraint("external_id"),
    )
    op.create_index(op.f("ix_journal_posting_period"), "journal_posting", ["period"], unique=False)
    op.create_table(
        "notice",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("period", sa.String(length=7), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "period_close",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("period_close")
    op.drop_table("notice")
    op.drop_table("journal_posting")
    op.drop_table("journal_mapping")
    op.drop_table("journal_detail")
    op.drop_table("invoice_job")
    op.drop_table("billing_schedule_line")
    op.drop_table("accounting_period")
