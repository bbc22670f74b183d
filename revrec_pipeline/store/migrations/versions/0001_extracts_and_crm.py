"""NetSuite extracts, sync state and CRM data (issue 2).

Revision ID: 0001
Revises: None
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "crm_customer",
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("customer_name", sa.String(length=512), nullable=False),
        sa.PrimaryKeyConstraint("customer_id"),
    )
    op.create_table(
        "netsuite_currency",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("symbol", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "netsuite_customer",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entityid", sa.String(length=255), nullable=True),
        sa.Column("companyname", sa.String(length=255), nullable=True),
        sa.Column("altname", sa.String(length=255), nullable=True),
        sa.Column("isperson", sa.Boolean(), nullable=False),
        sa.Column("firstname", sa.String(length=255), nullable=True),
        sa.Column("lastname", sa.String(length=255), nullable=True),
        sa.Column("externalid", sa.String(length=255), nullable=True),
        sa.Column("last_modified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "netsuite_item",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("itemid", sa.String(length=255), nullable=True),
        sa.Column("displayname", sa.String(length=255), nullable=True),
        sa.Column("itemtype", sa.String(length=64), nullable=True),
        sa.Column("last_modified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "netsuite_transaction",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("tranid", sa.String(length=64), nullable=True),
        sa.Column("trandate", sa.Date(), nullable=False),
        sa.Column("entity", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=True),
        sa.Column("currency", sa.BigInteger(), nullable=True),
        sa.Column("exchangerate", sa.Numeric(precision=24, scale=12), nullable=True),
        sa.Column("createdfrom", sa.BigInteger(), nullable=True),
        sa.Column("approvalstatus", sa.String(length=8), nullable=True),
        sa.Column("last_modified_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_netsuite_transaction_type_entity",
        "netsuite_transaction",
        ["type", "entity"],
        unique=False,
    )
    op.create_table(
        "sync_state",
        sa.Column("stream", sa.String(length=64), nullable=False),
        sa.Column("watermark_at", sa.DateTime(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("stream"),
    )
    op.create_table(
        "crm_sales_order_line",
        sa.Column("order_number", sa.String(length=255), nullable=False),
        sa.Column("order_item_number", sa.String(length=255), nullable=False),
        sa.Column("customer_id", sa.String(length=255), nullable=False),
        sa.Column("product_code", sa.String(length=255), nullable=False),
        sa.Column("service_start_date", sa.Date(), nullable=False),
        sa.Column("service_end_date", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("recognition", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["crm_customer.customer_id"],
        ),
        sa.PrimaryKeyConstraint("order_number", "order_item_number"),
    )
    op.create_table(
        "netsuite_transaction_line",
        sa.Column("transaction_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("line_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("uniquekey", sa.BigInteger(), nullable=True),
        sa.Column("item", sa.BigInteger(), nullable=True),
        sa.Column("quantity", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("rate", sa.Numeric(precision=24, scale=8), nullable=True),
        sa.Column("foreign_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("net_amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("memo", sa.Text(), nullable=True),
        sa.Column("department", sa.BigInteger(), nullable=True),
        sa.Column("class_id", sa.BigInteger(), nullable=True),
        sa.Column("location", sa.BigInteger(), nullable=True),
        sa.Column("revrec_start_date", sa.Date(), nullable=True),
        sa.Column("revrec_end_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["transaction_id"], ["netsuite_transaction.id"], ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("transaction_id", "line_id"),
    )


def downgrade() -> None:
    op.drop_table("netsuite_transaction_line")
    op.drop_table("crm_sales_order_line")
    op.drop_table("sync_state")
    op.drop_table("netsuite_transaction")
    op.drop_table("netsuite_item")
    op.drop_table("netsuite_customer")
    op.drop_table("netsuite_currency")
    op.drop_table("crm_customer")
