"""Alembic migrations: an empty store and one at the first revision with data both reach head
with the schema of `schema.py` and nothing lost."""

from __future__ import annotations

from datetime import date, datetime

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from revrec_pipeline.cli import main
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.db import head_revision


def schema_differences(store: RevRecStore) -> list:
    with store.engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), schema.metadata)


def test_empty_database_upgrades_to_the_schema(database_url):
    store = RevRecStore(database_url)
    assert store.upgrade() == (None, head_revision())
    assert schema_differences(store) == []
    assert store.upgrade() == (head_revision(), head_revision())  # idempotent


def test_first_revision_with_data_upgrades_without_loss(database_url):
    store = RevRecStore(database_url)
    assert store.upgrade("0001") == (None, "0001")
    tables = set(inspect(store.engine).get_table_names())
    assert "netsuite_transaction" in tables and "billing_schedule_line" not in tables
    with store.write() as conn:
        conn.execute(schema.crm_customer.insert(), [{"customer_id": "C1", "customer_name": "Acme"}])
        conn.execute(
            schema.crm_sales_order_line.insert(),
            [
                {
                    "order_number": "SO-1",
                    "order_item_number": "1",
                    "customer_id": "C1",
                    "product_code": "P",
                    "service_start_date": date(2026, 1, 1),
                    "service_end_date": date(2026, 12, 31),
                    "amount_cents": 1200000,
                    "currency": "USD",
                    "recognition": "ratable",
                }
            ],
        )
        conn.execute(
            schema.netsuite_transaction.insert(),
            [
                {
                    "id": 7,
                    "type": "CustInvc",
                    "tranid": "INV7",
                    "trandate": date(2026, 1, 5),
                    "entity": 3,
                    "last_modified_at": datetime(2026, 1, 5, 12),
                }
            ],
        )
        # The line table as revision 0001 made it (the current one has more columns).
        lines_0001 = sa.table(
            "netsuite_transaction_line",
            sa.column("transaction_id"),
            sa.column("line_id"),
            sa.column("foreign_amount_cents"),
        )
        conn.execute(
            lines_0001.insert(),
            [{"transaction_id": 7, "line_id": 1, "foreign_amount_cents": -123456}],
        )
        conn.execute(
            schema.sync_state.insert(),
            [
                {
                    "stream": stream,
                    "watermark_at": datetime(2026, 1, 5, 12),
                    "updated_at": datetime(2026, 1, 5, 12),
                }
                for stream in ("customers", "transactions:CustInvc")
            ],
        )
    tables = (
        "crm_customer",
        "crm_sales_order_line",
        "netsuite_transaction",
        "netsuite_transaction_line",
        "sync_state",
    )

    def rows_as_at_0001() -> dict[str, list[dict]]:
        """Each table's rows, limited to the columns revision 0001 gave it."""
        with store.read() as conn:
            return {
                t: [dict(r._mapping) for r in conn.execute(sa.text(f"SELECT * FROM {t}"))]
                for t in tables
            }

    before = rows_as_at_0001()
    assert store.upgrade() == ("0001", head_revision())
    after = rows_as_at_0001()
    # Revision 0004 resets the document streams' watermarks (the next sync re-reads every
    # document so that each stored line gets its billing-line verdict) and 0006 the customers'
    # too, the account's features being unknown (each needs its OneWorld subsidiary). Nothing
    # else changes.
    assert after["sync_state"] == []
    before["sync_state"] = []
    assert {
        t: [{k: row[k] for k in before[t][0]} for row in after[t]] for t in tables if before[t]
    } == {t: rows for t, rows in before.items() if rows}
    # The audit columns added later default as the old behaviour had it: billed, not COGS.
    line = after["netsuite_transaction_line"][0]
    assert (line["is_billing_line"], line["iscogs"], line["itemtype"]) in (
        (True, False, None),
        (1, 0, None),
    )
    assert schema_differences(store) == []
    assert store.count("billing_schedule_line") == 0


def test_cli_db_upgrade(monkeypatch, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    monkeypatch.setenv("REVREC_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    assert f"from revision (empty) to {head_revision()}" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"already at revision {head_revision()}" in capsys.readouterr().out


def test_a_store_made_before_migrations_is_adopted(database_url):
    store = RevRecStore(database_url)
    schema.metadata.create_all(store.engine)  # how stores were made before Alembic
    with store.write() as conn:
        conn.execute(schema.crm_customer.insert(), [{"customer_id": "C1", "customer_name": "Acme"}])
    assert store.revision() is None
    assert store.upgrade() == (None, head_revision())
    assert store.snapshot("crm_customer") == [("C1", "Acme")]


@pytest.mark.parametrize("oneworld", [False, True])
def test_subsidiaries_revision_resets_the_streams_only_where_oneworld_may_be_on(
    database_url, oneworld
):
    """0006: a OneWorld account's documents and customers are re-read for their subsidiary;
    an account known to lack OneWorld keeps its watermarks (nothing new to read)."""
    from revrec_pipeline.netsuite.profile import AccountProfile

    store = RevRecStore(database_url)
    assert store.upgrade("0005") == (None, "0005")
    streams = ("customers", "items", "transactions:CustInvc", "transactions:CustCred")
    stamp = datetime(2026, 1, 5)
    with store.write() as conn:
        conn.execute(
            schema.sync_state.insert(),
            [{"stream": s, "watermark_at": stamp, "updated_at": stamp} for s in streams],
        )
        profile = AccountProfile("1234567", {"oneworld": oneworld})
        conn.execute(
            schema.netsuite_account_profile.insert().values(
                account_id="1234567", profile=profile.to_json(), discovered_at=stamp
            )
        )
    assert store.upgrade() == ("0005", head_revision())
    assert sorted(store.watermarks()) == (["items"] if oneworld else sorted(streams))
