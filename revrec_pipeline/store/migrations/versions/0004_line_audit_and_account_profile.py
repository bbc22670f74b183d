"""Billing-line audit columns on extracted lines, and the NetSuite account profile (issue 9).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = "netsuite_transaction_line"
    op.add_column(table, sa.Column("itemtype", sa.String(length=32), nullable=True))
    op.add_column(
        table, sa.Column("iscogs", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(
        table,
        sa.Column("donotdisplayline", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    # Lines stored before this revision were all treated as billing lines.
    op.add_column(
        table,
        sa.Column("is_billing_line", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.add_column(table, sa.Column("line_last_modified_at", sa.DateTime(), nullable=True))
    # Lines stored before this revision include COGS, Subtotal, EndGroup and technical lines
    # flagged as billing lines: the next sync re-reads every document (a full load of the
    # document streams), so each line gets the billing-line verdict NetSuite computes.
    op.execute(
        "DELETE FROM sync_state WHERE stream IN ('transactions:CustInvc', 'transactions:CustCred')"
    )
    op.create_table(
        "netsuite_account_profile",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("discovered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("netsuite_account_profile")
    for column in (
        "line_last_modified_at",
        "is_billing_line",
        "donotdisplayline",
        "iscogs",
        "itemtype",
    ):
        with op.batch_alter_table("netsuite_transaction_line") as batch:
            batch.drop_column(column)
