"""Helpers for tests that run the pipeline against the bundled sandbox over a real socket."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.netsuite.extract import Extractor
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


class RecordingClient(NetSuiteClient):
    """The real client, keeping every SuiteQL statement and its parameters as sent."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sent: list[tuple[str, list[str]]] = []
        self._sent_lock = threading.Lock()

    def suiteql_page(self, query, params=(), **kwargs):
        with self._sent_lock:
            self.sent.append((query, [str(p) for p in params]))
        return super().suiteql_page(query, params, **kwargs)


def recording_client(sandbox: NetSuiteSandbox, **overrides) -> RecordingClient:
    resource = netsuite_resource(sandbox, **overrides)
    return RecordingClient(
        resource.resolved_base_url(),
        resource.account_id,
        resource._auth(),
        max_concurrency=resource.max_concurrency,
        timeout_seconds=resource.timeout_seconds,
        max_attempts=resource.max_attempts,
        backoff_base_seconds=resource.backoff_base_seconds,
    )


def extractor(
    sandbox: NetSuiteSandbox,
    store: RevRecStore,
    min_shard_documents: int = 50,
    profile=None,
    client=None,
    lines_per_range: int = 40,
    **overrides,
) -> Extractor:
    """Small shards and line ranges, so that even test-sized data is fetched in parallel and
    a shard's lines in several ranges. Without `profile`, the
    extractor discovers the account's (or uses the one stored), as a sync does."""
    resource = netsuite_resource(sandbox, **overrides)
    return Extractor(
        client or resource.get_client(),
        store,
        ZoneInfo(resource.timezone),
        overlap=timedelta(minutes=resource.overlap_minutes),
        min_shard_documents=min_shard_documents,
        profile=profile,
        lines_per_range=lines_per_range,
    )


def extract_all(sandbox: NetSuiteSandbox, store: RevRecStore, **overrides) -> dict:
    """A sync as the `netsuite` assets run it: every stream side by side (`extract_all`)."""
    sync = extractor(sandbox, store, **overrides).extract_all()
    sync.raise_failures()
    return {**sync.streams, "currencies": sync.currencies, "stats": sync.request_stats}


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


# -- NetSuite data the sandbox's generator and mutations may not make (written to its SQLite) ---


def line_only_changes(
    sandbox: NetSuiteSandbox, tran_type: str, window_start: str, posted_only: bool = False
) -> set[int]:
    """Documents with a line changed since `window_start` (account-local) whose header was
    not: what a sync must re-read for their lines alone (`posted_only`: the posted, non-voided
    ones among them, which it then stores)."""
    posted = " AND t.posting = 'T' AND t.voided = 'F'" if posted_only else ""
    rows = sandbox.execute(
        'SELECT DISTINCT t.id FROM "transaction" t JOIN transactionline tl '
        f'ON tl."transaction" = t.id WHERE t.type = ?{posted} '
        "AND tl.linelastmodifieddate >= ? AND t.lastmodifieddate < ?",
        (tran_type, window_start, window_start),
    )
    return {row["id"] for row in rows}


def add_item(sandbox: NetSuiteSandbox, item_id: int, itemid: str, itemtype: str) -> int:
    stamp = sandbox.now_local().strftime("%Y-%m-%d %H:%M:%S")
    sandbox.execute(
        "INSERT INTO item (id, itemid, displayname, fullname, itemtype, isinactive, "
        "lastmodifieddate) VALUES (?, ?, ?, ?, ?, 'F', ?)",
        (item_id, itemid, itemid, itemid, itemtype, stamp),
    )
    return item_id


def add_line(
    sandbox: NetSuiteSandbox,
    tran_id: int,
    *,
    item: int | None,
    itemtype: str | None,
    amount: str | None,
    iscogs: bool = False,
    donotdisplayline: bool = False,
    modified_at=None,
) -> int:
    """Append a line (GL-signed `amount` in document currency) to a document; stamps only the
    line's linelastmodifieddate, never the header. Returns the line id."""
    from decimal import Decimal

    stamp = (modified_at or sandbox.now_local()).strftime("%Y-%m-%d %H:%M:%S")
    header = sandbox.execute(
        'SELECT t.entity, t.exchangerate, ml.createdfrom FROM "transaction" t '
        "JOIN transactionline ml ON ml.\"transaction\" = t.id AND ml.mainline = 'T' "
        "WHERE t.id = ?",
        (tran_id,),
    )[0]
    line_id = sandbox.execute(
        'SELECT MAX(id) + 1 AS n FROM transactionline WHERE "transaction" = ?', (tran_id,)
    )[0]["n"]
    value = None if amount is None else float(Decimal(amount))
    net = None if value is None else round(value * float(header["exchangerate"] or 1), 2)
    sandbox.execute(
        'INSERT INTO transactionline ("transaction", id, linesequencenumber, mainline, taxline, '
        "item, itemtype, foreignamount, netamount, account, entity, subsidiary, department, "
        "class, location, createdfrom, linelastmodifieddate, iscogs, donotdisplayline) "
        "VALUES (?, ?, ?, 'F', 'F', ?, ?, ?, ?, 58, ?, 1, 1, 1, 1, ?, ?, ?, ?)",
        (
            tran_id,
            line_id,
            line_id,
            item,
            itemtype,
            value,
            net,
            header["entity"],
            header["createdfrom"],
            stamp,
            "T" if iscogs else "F",
            "T" if donotdisplayline else "F",
        ),
    )
    return line_id


def edit_line_only(sandbox: NetSuiteSandbox, tran_id: int, line_id: int, amount: str) -> None:
    """Change a line's amount and linelastmodifieddate without touching its header (NetSuite
    does this: reference §9)."""
    from decimal import Decimal

    stamp = sandbox.now_local().strftime("%Y-%m-%d %H:%M:%S")
    sandbox.execute(
        "UPDATE transactionline SET foreignamount = ?, linelastmodifieddate = ? "
        'WHERE "transaction" = ? AND id = ?',
        (float(Decimal(amount)), stamp, tran_id, line_id),
    )


def delete_document(
    sandbox: NetSuiteSandbox,
    tran_id: int,
    type_value: str | None,
    recordtypeid: str | None,
    zone: str = "account",
) -> None:
    """Delete a document and log it in DeletedRecord with `type` and `recordtypeid` as given and
    `deleteddate` in the account's zone or in UTC (forms still unconfirmed, reference §9)."""
    from datetime import UTC, datetime

    local = sandbox.now_local()
    utc = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    stamp = (local if zone == "account" else utc).strftime("%Y-%m-%d %H:%M:%S")
    sandbox.execute('DELETE FROM transactionline WHERE "transaction" = ?', (tran_id,))
    sandbox.execute('DELETE FROM "transaction" WHERE id = ?', (tran_id,))
    sandbox.execute(
        "INSERT INTO deletedrecord (recordid, type, recordtypeid, name, deleteddate, "
        "deleteddateusertz, context, deletedby, iscustomrecord, iscustomtransaction) "
        "VALUES (?, ?, ?, ?, ?, ?, 'UI', -5, 'F', 'F')",
        (
            tran_id,
            type_value,
            recordtypeid,
            f"#{tran_id}",
            stamp,
            local.strftime("%Y-%m-%d %H:%M:%S"),
        ),
    )


def serve_sandbox(*options: str, **popen) -> tuple[subprocess.Popen, int]:
    """`revrec sandbox serve --size tiny` with `options` on a free port, as a user runs it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    command = [sys.executable, "-m", "revrec_pipeline", "sandbox", "serve", "--size", "tiny"]
    return subprocess.Popen([*command, "--port", str(port), *options], **popen), port


def wait_until_serving(port: int, timeout: float = 30) -> str:
    """The URL of a sandbox started with serve_sandbox, once it answers."""
    import time

    import requests

    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{url}/sandbox/v1/stats", timeout=1)
            return url
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def stored_segments(store: RevRecStore) -> list[tuple]:
    """The distinct (department, class, location) of every stored line."""
    table = schema.netsuite_transaction_line
    with store.read() as conn:
        return conn.execute(
            select(table.c.department, table.c.class_id, table.c.location).distinct()
        ).all()
