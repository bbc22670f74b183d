"""NetSuite OneWorld subsidiaries (issue 12): each document's and customer's subsidiary, and
the subsidiary table. Stored rows keep NULL until the next sync reads them.

Revision ID: 0006
Revises: 0005
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("netsuite_transaction", sa.Column("subsidiary", sa.BigInteger(), nullable=True))
    op.add_column("netsuite_customer", sa.Column("subsidiary", sa.BigInteger(), nullable=True))
    op.add_column("crm_sales_order_line", sa.Column("subsidiary", sa.BigInteger(), nullable=True))
    op.add_column(
        "billing_schedule_line", sa.Column("subsidiary_id", sa.BigInteger(), nullable=True)
    )
    op.add_column(
        "billing_schedule_line", sa.Column("subsidiary_name", sa.String(length=255), nullable=True)
    )
    op.create_table(
        "netsuite_subsidiary",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=255), nullable=True),
        sa.Column("currency", sa.BigInteger(), nullable=True),
        sa.Column("parent", sa.BigInteger(), nullable=True),
        sa.Column("is_elimination", sa.Boolean(), nullable=False),
        sa.Column("is_inactive", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    # In a OneWorld account (or one whose features are not known yet) stored documents and
    # customers lack their subsidiary: the next sync re-reads them all (a full load of those
    # streams). Without OneWorld there is nothing to read, and nothing is reset.
    profiles = op.get_bind().execute(sa.text("SELECT profile FROM netsuite_account_profile"))
    features = [json.loads(text).get("features") or {} for (text,) in profiles]
    if not features or any(f.get("oneworld") is not False for f in features):
        op.execute(
            "DELETE FROM sync_state WHERE stream IN "
            "('transactions:CustInvc', 'transactions:CustCred', 'customers')"
        )


def downgrade() -> None:
    op.drop_table("netsuite_subsidiary")
    with op.batch_alter_table("billing_schedule_line") as batch:
        batch.drop_column("subsidiary_name")
        batch.drop_column("subsidiary_id")
    for table in ("crm_sales_order_line", "netsuite_customer", "netsuite_transaction"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("subsidiary")
