"""NetSuite OneWorld subsidiaries (issue 12): each document's and customer's subsidiary, and
the subsidiary table. Stored rows keep NULL until the next sync reads them.

Revision ID: 0006
Revises: 0005
"""

import json
import warnings
from contextlib import contextmanager

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
    # Journals per subsidiary: "" (no OneWorld) for everything planned so far, and the
    # subsidiary joins the keys of the details and of the mapping rows.
    for table in ("journal_posting", "superseded_journal_posting"):
        op.add_column(
            table, sa.Column("subsidiary", sa.String(length=32), nullable=False, server_default="")
        )
    _rekey(
        "journal_detail",
        ["period", "event", "customer_id", "currency", "product_code", "subsidiary"],
    )
    _rekey(
        "superseded_journal_detail",
        ["reopen_id", "event", "customer_id", "currency", "product_code", "subsidiary"],
    )
    with _new_primary_key("journal_mapping") as batch:
        batch.create_primary_key(
            "pk_journal_mapping", ["account_type", "product_code", "subsidiary"]
        )
    conn = op.get_bind()
    profiles = conn.execute(sa.text("SELECT profile FROM netsuite_account_profile"))
    features = [json.loads(text).get("features") or {} for (text,) in profiles]
    oneworld = not features or any(f.get("oneworld") is not False for f in features)
    if not oneworld:
        return
    # In a OneWorld account (or one whose features are not known yet) stored documents and
    # customers lack their subsidiary: the next sync re-reads them all (a full load of those
    # streams). Without OneWorld there is nothing to read, and nothing is reset.
    op.execute(
        "DELETE FROM sync_state WHERE stream IN "
        "('transactions:CustInvc', 'transactions:CustCred', 'customers')"
    )
    # Entries planned so far were posted to the mapping's one subsidiary (sent with every
    # entry of a OneWorld account): they are that subsidiary's, so the next plan counts them
    # as already posted there. Their external ids stay as they are.
    named = conn.execute(
        sa.text("SELECT DISTINCT subsidiary FROM journal_mapping WHERE subsidiary <> ''")
    ).scalars()
    subsidiaries = list(named)
    if len(subsidiaries) == 1:
        for table in (
            "journal_detail",
            "journal_posting",
            "superseded_journal_detail",
            "superseded_journal_posting",
        ):
            conn.execute(
                sa.text(f"UPDATE {table} SET subsidiary = :subsidiary"),
                {"subsidiary": subsidiaries[0]},
            )


@contextmanager
def _new_primary_key(table: str):
    """A batch that copies the table with a new primary key. SQLAlchemy warns that the copy's
    key differs from the reflected one, which is the point here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*specifies columns .* as primary_key=True")
        with op.batch_alter_table(table, recreate="always") as batch:
            yield batch


def _rekey(table: str, key: list[str]) -> None:
    """Add `subsidiary` ("" for every existing row) and make it part of the primary key."""
    with _new_primary_key(table) as batch:
        batch.add_column(
            sa.Column("subsidiary", sa.String(length=32), nullable=False, server_default="")
        )
        batch.create_primary_key(f"pk_{table}", key)


def downgrade() -> None:
    """Back to one plan per (event, currency): only for a store planned without subsidiaries
    or in a single one (several would collide on the old keys)."""
    for table, key in (
        ("journal_detail", ["period", "event", "customer_id", "currency", "product_code"]),
        (
            "superseded_journal_detail",
            ["reopen_id", "event", "customer_id", "currency", "product_code"],
        ),
        ("journal_mapping", ["account_type", "product_code"]),
    ):
        with _new_primary_key(table) as batch:
            if table != "journal_mapping":
                batch.drop_column("subsidiary")
            batch.create_primary_key(f"pk_{table}", key)
    for table in ("journal_posting", "superseded_journal_posting"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("subsidiary")
    op.drop_table("netsuite_subsidiary")
    with op.batch_alter_table("billing_schedule_line") as batch:
        batch.drop_column("subsidiary_name")
        batch.drop_column("subsidiary_id")
    for table in ("crm_sales_order_line", "netsuite_customer", "netsuite_transaction"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("subsidiary")
