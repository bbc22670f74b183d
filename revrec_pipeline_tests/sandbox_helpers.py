"""Helpers for tests that run the pipeline against the bundled sandbox over a real socket."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from revrec_pipeline.netsuite.extract import CREDIT_MEMO, INVOICE, Extractor
from revrec_pipeline.netsuite.resource import NetSuiteResource
from revrec_pipeline.sandbox import NetSuiteSandbox
from revrec_pipeline.store import RevRecStore, schema

EXTRACT_TABLES = (
    "netsuite_customer",
    "netsuite_item",
    "netsuite_currency",
    "netsuite_transaction",
    "netsuite_transaction_line",
)


def netsuite_resource(sandbox: NetSuiteSandbox, **overrides) -> NetSuiteResource:
    config = sandbox.config
    values = {
        "account_id": config.account_id,
        "consumer_key": config.consumer_key,
        "consumer_secret": config.consumer_secret,
        "token_id": config.token_id,
        "token_secret": config.token_secret,
        "base_url": sandbox.url,
        "timezone": config.timezone,
        "max_concurrency": 4,
        "backoff_base_seconds": 0.01,
        "timeout_seconds": 10.0,
        **overrides,
    }
    return NetSuiteResource(**values)


def extractor(
    sandbox: NetSuiteSandbox,
    store: RevRecStore,
    min_shard_documents: int = 50,
    profile=None,
    client=None,
    **overrides,
) -> Extractor:
    """Small shards, so that even test-sized data is fetched in parallel. Without `profile`, the
    extractor discovers the account's (or uses the one stored), as a sync does."""
    resource = netsuite_resource(sandbox, **overrides)
    return Extractor(
        client or resource.get_client(),
        store,
        ZoneInfo(resource.timezone),
        overlap=timedelta(minutes=resource.overlap_minutes),
        min_shard_documents=min_shard_documents,
        profile=profile,
    )


def extract_all(sandbox: NetSuiteSandbox, store: RevRecStore, **overrides) -> dict:
    ex = extractor(sandbox, store, **overrides)
    results = {
        "customers": ex.extract_customers(),
        "items": ex.extract_items(),
        "currencies": ex.extract_currencies(),
        "invoices": ex.extract_transactions(INVOICE),
        "credit_memos": ex.extract_transactions(CREDIT_MEMO),
    }
    results["stats"] = ex.client.stats.as_dict()
    return results


def store_state(store: RevRecStore) -> dict[str, list[tuple]]:
    """Every extracted row, comparable between stores (watermark timestamps included)."""
    state = {table: store.snapshot(table) for table in EXTRACT_TABLES}
    state["sync_state"] = [row[:2] for row in store.snapshot("sync_state")]
    return state


# Independent statement of SPEC §4's rules, written against the sandbox's own tables: the store
# holds every non-mainline, non-tax line of a pulled document; it is a billing line unless it
# is a COGS or technical line or a structural item type.
EXPECTED_LINES_SQL = """
SELECT tl."transaction" AS transaction_id, tl.id AS line_id, tl.foreignamount AS amount,
  CASE WHEN COALESCE(tl.iscogs, 'F') <> 'T' AND COALESCE(tl.donotdisplayline, 'F') <> 'T'
        AND COALESCE(tl.itemtype, '') NOT IN ('Subtotal', 'Description', 'Group', 'EndGroup')
       THEN 1 ELSE 0 END AS billing
FROM transactionline tl JOIN "transaction" t ON t.id = tl."transaction"
WHERE t.type IN ('CustInvc', 'CustCred')
  AND t.voided = 'F' AND t.posting = 'T'
  AND (t.approvalstatus IS NULL OR t.approvalstatus IN (2, '2'))
  AND NOT (t.type = 'CustInvc' AND t.status IN ('D', 'E'))
  AND tl.mainline = 'F' AND tl.taxline = 'F'
ORDER BY 1, 2
"""


def expected_lines(sandbox: NetSuiteSandbox) -> list[tuple[int, int, int, bool]]:
    """(transaction, line, cents, is billing line) that SPEC §4 says the store must hold."""
    from decimal import Decimal

    return [
        (
            int(r["transaction_id"]),
            int(r["line_id"]),
            int(Decimal(str(r["amount"] or 0)) * 100),
            bool(r["billing"]),
        )
        for r in sandbox.execute(EXPECTED_LINES_SQL)
    ]


def stored_lines(store: RevRecStore) -> list[tuple[int, int, int, bool]]:
    table = schema.netsuite_transaction_line
    with store.read() as conn:
        rows = conn.execute(
            select(
                table.c.transaction_id,
                table.c.line_id,
                table.c.foreign_amount_cents,
                table.c.is_billing_line,
            ).order_by(table.c.transaction_id, table.c.line_id)
        )
        return [(row[0], row[1], row[2], bool(row[3])) for row in rows]
