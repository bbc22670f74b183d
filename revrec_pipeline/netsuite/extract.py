"""Incremental extraction of NetSuite records into the RevRec store (SPEC §4).

Each stream is one all-or-nothing store transaction: headers, their replaced lines, deletions
and the new watermark commit together, so a run killed midway leaves the store as it was.

- Windows: `lastmodifieddate >= watermark - overlap` (account time zone), deduped by id, so a
  late commit stamped a little before the previous watermark is still read.
- Paging: keyset on a unique key inside id-range shards fetched in parallel (never offsets).
- Documents: every changed header is read (excluded ones too, so a document that becomes voided
  or unapproved leaves the store); its lines are replaced as a whole.
- Deletions: `DeletedRecord`, type compared case-insensitively in both known forms.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, select

from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, chunked, upsert, utcnow

NS_DATETIME = "YYYY-MM-DD HH24:MI:SS"
PY_DATETIME = "%Y-%m-%d %H:%M:%S"
INVOICE, CREDIT_MEMO = "CustInvc", "CustCred"
# DeletedRecord.type is unconfirmed: record-type ids or transaction codes (SPEC §4).
DELETED_TYPES = {
    INVOICE: ("invoice", "custinvc"),
    CREDIT_MEMO: ("creditmemo", "custcred"),
    "customer": ("customer",),
}
APPROVED = "2"
NOT_PULLED_INVOICE_STATUSES = ("D", "E")  # pending approval, rejected
SHARDS_PER_SLOT = 8  # more shards than slots, so the last shards leave no slot idle for long
MIN_SHARD_DOCUMENTS = 500
CHUNK = 500
ALL_IDS = 10**15  # above any NetSuite internal id
CLOCK_MARGIN = timedelta(minutes=5)  # how far NetSuite's clock may run ahead of ours


# -- conversions ------------------------------------------------------------------------------


def to_utc(local: str, zone: ZoneInfo) -> datetime:
    """A NetSuite account-local 'YYYY-MM-DD HH24:MI:SS' as naive UTC."""
    aware = datetime.strptime(local, PY_DATETIME).replace(tzinfo=zone)
    return aware.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def to_local(utc: datetime, zone: ZoneInfo) -> str:
    return utc.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).strftime(PY_DATETIME)


def to_cents(value: str | None) -> int | None:
    if value is None or value == "":
        return None
    return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def to_int(value: str | None) -> int | None:
    return None if value in (None, "") else int(value)


def to_decimal(value: str | None) -> Decimal | None:
    return None if value in (None, "") else Decimal(value)


def to_date(value: str | None) -> date | None:
    return None if not value else date.fromisoformat(value[:10])


def capped(latest: datetime | None, run_started: datetime) -> datetime | None:
    """The new watermark: the latest stamp read, but never past the run's start (less a clock
    margin). A long run reads early shards before late edits; the next window re-reads them."""
    if latest is None:
        return None
    return min(latest, run_started - CLOCK_MARGIN)


def is_true(value: str | None) -> bool:
    return value == "T"


def is_pulled(header: dict[str, Any]) -> bool:
    """SPEC §4: voided, non-posting, unapproved and draft/rejected documents are not pulled."""
    if is_true(header.get("voided")) or not is_true(header.get("posting")):
        return False
    approval = header.get("approvalstatus")
    if approval not in (None, "", APPROVED):
        return False
    return not (
        header.get("type") == INVOICE and header.get("status") in NOT_PULLED_INVOICE_STATUSES
    )


def pulled_filter_sql(alias: str, tran_type: str) -> str:
    """The same rule as `is_pulled`, as SuiteQL, for the line query (NULLs as is_pulled
    reads them: a missing voided flag or status does not exclude a document)."""
    sql = (
        f"NVL({alias}.voided, 'F') = 'F' AND {alias}.posting = 'T' "
        f"AND ({alias}.approvalstatus IS NULL OR {alias}.approvalstatus = {APPROVED})"
    )
    if tran_type == INVOICE:
        statuses = ", ".join(f"'{s}'" for s in NOT_PULLED_INVOICE_STATUSES)
        sql += f" AND NVL({alias}.status, '-') NOT IN ({statuses})"
    return sql


# -- results ----------------------------------------------------------------------------------


@dataclass
class StreamResult:
    stream: str
    upserted: int = 0
    removed: int = 0  # excluded on change (voided, unapproved...) or deleted in NetSuite
    lines: int = 0
    deleted: int = 0
    shards: int = 0
    previous_watermark: datetime | None = None
    watermark: datetime | None = None
    request_stats: dict[str, int] = field(default_factory=dict)

    def metadata(self) -> dict[str, Any]:
        return {
            "rows_upserted": self.upserted,
            "rows_removed": self.removed,
            "lines": self.lines,
            "deleted_in_netsuite": self.deleted,
            "shards": self.shards,
            **self.request_stats,
            "previous_watermark_utc": str(self.previous_watermark or ""),
            "watermark_utc": str(self.watermark or ""),
        }


class Extractor:
    """Extracts streams from one NetSuite account into one store."""

    def __init__(
        self,
        client: NetSuiteClient,
        store: RevRecStore,
        zone: ZoneInfo,
        overlap: timedelta = timedelta(hours=1),
        progress: Callable[[str], None] | None = None,
        min_shard_documents: int = MIN_SHARD_DOCUMENTS,
    ) -> None:
        self.client = client
        self.store = store
        self.zone = zone
        self.overlap = overlap
        self.progress = progress or (lambda message: None)
        self.min_shard_documents = min_shard_documents

    # -- windows and shards ------------------------------------------------------------------

    def _window_start(self, watermark: datetime | None) -> str | None:
        if watermark is None:
            return None
        return to_local(watermark - self.overlap, self.zone)

    def _window(self, alias: str, start: str | None) -> tuple[list[str], list[Any]]:
        """The window's SuiteQL conditions and parameters; none on a full load."""
        if start is None:
            return [], []
        return [f"{alias}lastmodifieddate >= TO_TIMESTAMP(?, '{NS_DATETIME}')"], [start]

    def _shards(self, table: str, where: str, params: list[Any]) -> list[tuple[int, int]]:
        """Split the matching ids into ranges (lo, hi]: fetched in parallel, keyset inside."""
        rows = self.client.query_small(
            f"SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM {table} WHERE {where}", params
        )
        row = rows[0] if rows else {}
        count = int(row.get("n") or 0)
        if not count:
            return []
        lo, hi = int(row["lo"]) - 1, int(row["hi"])
        wanted = min(
            self.client.max_concurrency * SHARDS_PER_SLOT, -(-count // self.min_shard_documents)
        )
        step = max(1, -(-(hi - lo) // max(1, wanted)))
        return [(start, min(start + step, hi)) for start in range(lo, hi, step)]

    def _parallel_pages(
        self, shards: list[tuple[int, int]], fetch: Callable[[int, int], Iterator[Any]]
    ) -> Iterator[Any]:
        """Fetch shards on worker threads; yield what they produce here, on the writer's thread
        (in order within a shard, interleaved across shards)."""
        if not shards:
            return
        pages: queue.Queue[Any] = queue.Queue(maxsize=self.client.max_concurrency * 4)
        done = object()
        stop = threading.Event()

        def work(shard: tuple[int, int]) -> None:
            try:
                if stop.is_set():  # another shard failed: do not start this one
                    return
                for page in fetch(*shard):
                    if stop.is_set():
                        return
                    pages.put(page)
            except BaseException as exc:  # surfaced on the writer's thread
                pages.put(exc)
            finally:
                pages.put(done)

        with ThreadPoolExecutor(max_workers=self.client.max_concurrency) as pool:
            for shard in shards:
                pool.submit(work, shard)
            remaining = len(shards)
            try:
                while remaining:
                    item = pages.get()
                    if item is done:
                        remaining -= 1
                    elif isinstance(item, BaseException):
                        raise item
                    else:
                        yield item
            finally:
                stop.set()
                while remaining:  # drain so blocked workers can finish
                    if pages.get() is done:
                        remaining -= 1

    # -- deletions ---------------------------------------------------------------------------

    def _deleted_ids(self, kind: str, start: str | None) -> tuple[list[int], datetime | None]:
        types = ", ".join(f"'{t}'" for t in DELETED_TYPES[kind])
        window = f" AND deleteddate >= TO_TIMESTAMP(?, '{NS_DATETIME}')" if start else ""
        params = [start] if start else []
        query = (
            f"SELECT recordid, type, TO_CHAR(deleteddate, '{NS_DATETIME}') AS deleteddate "
            f"FROM DeletedRecord WHERE LOWER(type) IN ({types}){window} "
            "AND recordid > ? ORDER BY recordid"
        )
        ids: list[int] = []
        latest: datetime | None = None
        for page in self.client.query_keyset(query, params, key="recordid", after=0):
            for row in page:
                ids.append(int(row["recordid"]))
                stamp = to_utc(row["deleteddate"], self.zone) if row.get("deleteddate") else None
                if stamp and (latest is None or stamp > latest):
                    latest = stamp
        return ids, latest

    def _start_deletions(self, conn: Connection, kind: str) -> tuple[str, datetime | None, Any]:
        """Lock the deletion stream and start reading DeletedRecord beside the other pages."""
        stream = f"deleted:{kind}"
        watermark = self.store.lock_stream(conn, stream)
        pool = ThreadPoolExecutor(max_workers=1)
        future = pool.submit(self._deleted_ids, kind, self._window_start(watermark))
        pool.shutdown(wait=False)
        return stream, watermark, future

    def _finish_deletions(
        self, conn: Connection, started: tuple, result: StreamResult, delete_rows: Callable
    ) -> None:
        stream, watermark, future = started
        ids, latest = future.result()
        result.deleted += delete_rows(conn, ids)
        if latest and (watermark is None or latest > watermark):
            self.store.set_watermark(conn, stream, latest)

    # -- streams -----------------------------------------------------------------------------

    def extract_transactions(self, tran_type: str) -> StreamResult:
        stream = f"transactions:{tran_type}"
        result = StreamResult(stream)
        headers_t, lines_t = schema.netsuite_transaction, schema.netsuite_transaction_line

        def delete_documents(conn: Connection, ids: list[int]) -> int:
            removed = 0
            for chunk in chunked(ids, CHUNK):
                conn.execute(delete(lines_t).where(lines_t.c.transaction_id.in_(chunk)))
                removed += conn.execute(delete(headers_t).where(headers_t.c.id.in_(chunk))).rowcount
            return removed

        run_started = utcnow()
        with self.store.write() as conn:
            watermark = self.store.lock_stream(conn, stream)
            result.previous_watermark = watermark
            start = self._window_start(watermark)
            window, window_params = self._window("", start)
            where = " AND ".join([f"type IN ('{tran_type}')", *window])
            shards = self._shards("transaction", where, window_params)
            result.shards = len(shards)
            self.progress(f"{stream}: window from {start or 'the beginning'}, {len(shards)} shards")

            header_query = (
                "SELECT id, tranid, type, TO_CHAR(trandate, 'YYYY-MM-DD') AS trandate, entity, "
                "status, currency, exchangerate, posting, voided, createdfrom, approvalstatus, "
                f"TO_CHAR(lastmodifieddate, '{NS_DATETIME}') AS lastmodifieddate "
                f"FROM transaction WHERE {where} AND id <= ? AND id > ? ORDER BY id"
            )

            line_window, _ = self._window("t.", start)
            line_where = " AND ".join([f"t.type IN ('{tran_type}')", *line_window])
            line_query = (
                "SELECT tl.uniquekey, tl.transaction, tl.id, tl.item, tl.quantity, tl.rate, "
                "tl.netamount, tl.foreignamount, tl.memo, tl.department, tl.class, tl.location, "
                "TO_CHAR(tl.revrecstartdate, 'YYYY-MM-DD') AS revrecstartdate, "
                "TO_CHAR(tl.revrecenddate, 'YYYY-MM-DD') AS revrecenddate "
                "FROM transactionline tl INNER JOIN transaction t ON t.id = tl.transaction "
                f"WHERE {line_where} AND {pulled_filter_sql('t', tran_type)} "
                "AND tl.mainline = 'F' AND tl.taxline = 'F' "
                # The range on tl.transaction (not t.id) lets NetSuite use the line table's
                # transaction index: each page then reads only its own shard's lines.
                "AND tl.transaction > ? AND tl.transaction <= ? AND tl.uniquekey > ? "
                "ORDER BY tl.uniquekey"
            )

            def fetch_shard(lo: int, hi: int) -> Iterator[tuple[str, list[dict]]]:
                # Headers, then lines, of one id range: shards overlap each other's phases, and
                # a shard's headers always reach the writer before its lines.
                for page in self.client.query_keyset(
                    header_query, [*window_params, hi], key="id", after=lo
                ):
                    yield "headers", page
                for page in self.client.query_keyset(
                    line_query, [*window_params, lo, hi], key="tl.uniquekey", after=0
                ):
                    yield "lines", page

            pulled: set[int] = set()
            latest = watermark
            deletions = self._start_deletions(conn, tran_type)
            for kind, page in self._parallel_pages(shards, fetch_shard):
                if kind == "lines":
                    # A document changed between the two reads is taken whole by the next run.
                    rows = [line_row(row) for row in page if int(row["transaction"]) in pulled]
                    if rows:
                        conn.execute(lines_t.insert(), rows)
                        result.lines += len(rows)
                    continue
                keep = [header_row(row, self.zone) for row in page if is_pulled(row)]
                kept_ids = [row["id"] for row in keep]
                dropped_ids = [int(row["id"]) for row in page if not is_pulled(row)]
                result.removed += delete_documents(conn, dropped_ids)
                for chunk in chunked(kept_ids, CHUNK):  # lines are replaced whole
                    conn.execute(delete(lines_t).where(lines_t.c.transaction_id.in_(chunk)))
                upsert(conn, headers_t, keep)
                result.upserted += len(keep)
                pulled.update(kept_ids)
                for row in page:
                    stamp = to_utc(row["lastmodifieddate"], self.zone)
                    latest = stamp if latest is None or stamp > latest else latest

            self._finish_deletions(conn, deletions, result, delete_documents)
            result.watermark = capped(latest, run_started)
            self.store.set_watermark(conn, stream, result.watermark)
            result.request_stats = self.client.stats.as_dict()
        return result

    def extract_customers(self) -> StreamResult:
        columns = "id, entityid, companyname, altname, isperson, firstname, lastname, externalid"
        return self._extract_entities(
            "customers", "customer", columns, schema.netsuite_customer, customer_row, "customer"
        )

    def extract_items(self) -> StreamResult:
        return self._extract_entities(
            "items",
            "item",
            "id, itemid, displayname, itemtype",
            schema.netsuite_item,
            item_row,
            None,
        )

    def _unknown_currencies(self) -> bool:
        headers, currencies = schema.netsuite_transaction, schema.netsuite_currency
        with self.store.read() as conn:
            unknown = conn.execute(
                select(headers.c.id)
                .where(headers.c.currency.is_not(None))
                .where(headers.c.currency.not_in(select(currencies.c.id)))
                .limit(1)
            ).first()
        return unknown is not None

    def _extract_entities(self, stream, table_name, columns, table, to_row, deleted_kind):
        result = StreamResult(stream)

        def delete_entities(conn: Connection, ids: list[int]) -> int:
            return sum(
                conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount
                for chunk in chunked(ids, CHUNK)
            )

        run_started = utcnow()
        with self.store.write() as conn:
            watermark = self.store.lock_stream(conn, stream)
            result.previous_watermark = watermark
            start = self._window_start(watermark)
            window, params = self._window("", start)
            deletions = self._start_deletions(conn, deleted_kind) if deleted_kind else None
            where = " AND ".join(window) or "id > 0"
            # Incremental windows over customers and items are small: one range, no size query.
            shards = (
                [(0, ALL_IDS)] if watermark is not None else self._shards(table_name, where, params)
            )
            result.shards = len(shards)
            query = (
                f"SELECT {columns}, TO_CHAR(lastmodifieddate, '{NS_DATETIME}') AS lastmodifieddate "
                f"FROM {table_name} WHERE {where} AND id <= ? AND id > ? ORDER BY id"
            )

            def fetch_shard(lo: int, hi: int) -> Iterator[list[dict]]:
                return self.client.query_keyset(query, [*params, hi], key="id", after=lo)

            latest = watermark
            for page in self._parallel_pages(shards, fetch_shard):
                rows = [to_row(row, self.zone) for row in page]
                upsert(conn, table, rows)
                result.upserted += len(rows)
                for row in rows:
                    stamp = row["last_modified_at"]
                    latest = stamp if latest is None or stamp > latest else latest
            if deletions:
                self._finish_deletions(conn, deletions, result, delete_entities)
            result.watermark = capped(latest, run_started)
            self.store.set_watermark(conn, stream, result.watermark)
            result.request_stats = self.client.stats.as_dict()
        return result

    def extract_currencies(self, when_needed: bool = False) -> int:
        """Refresh the currency list; with `when_needed`, only when a stored document names a
        currency the store does not know (currencies hardly change: no request per sync)."""
        if when_needed and not self._unknown_currencies():
            return 0
        rows = self.client.query_small("SELECT id, symbol FROM currency")
        with self.store.write() as conn:
            conn.execute(delete(schema.netsuite_currency))
            if rows:
                conn.execute(
                    schema.netsuite_currency.insert(),
                    [{"id": int(r["id"]), "symbol": r["symbol"]} for r in rows],
                )
        return len(rows)


# -- row mapping ------------------------------------------------------------------------------


def header_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "type": row["type"],
        "tranid": row.get("tranid"),
        "trandate": to_date(row["trandate"]),
        "entity": int(row["entity"]),
        "status": row.get("status"),
        "currency": to_int(row.get("currency")),
        "exchangerate": to_decimal(row.get("exchangerate")),
        "createdfrom": to_int(row.get("createdfrom")),
        "approvalstatus": row.get("approvalstatus"),
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }


def line_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "transaction_id": int(row["transaction"]),
        "line_id": int(row["id"]),
        "uniquekey": to_int(row.get("uniquekey")),
        "item": to_int(row.get("item")),
        "quantity": to_decimal(row.get("quantity")),
        "rate": to_decimal(row.get("rate")),
        "foreign_amount_cents": to_cents(row.get("foreignamount")) or 0,
        "net_amount_cents": to_cents(row.get("netamount")),
        "memo": row.get("memo"),
        "department": to_int(row.get("department")),
        "class_id": to_int(row.get("class")),
        "location": to_int(row.get("location")),
        "revrec_start_date": to_date(row.get("revrecstartdate")),
        "revrec_end_date": to_date(row.get("revrecenddate")),
    }


def customer_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "entityid": row.get("entityid"),
        "companyname": row.get("companyname"),
        "altname": row.get("altname"),
        "isperson": is_true(row.get("isperson")),
        "firstname": row.get("firstname"),
        "lastname": row.get("lastname"),
        "externalid": row.get("externalid"),
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }


def item_row(row: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    return {
        "id": int(row["id"]),
        "itemid": row.get("itemid"),
        "displayname": row.get("displayname"),
        "itemtype": row.get("itemtype"),
        "last_modified_at": to_utc(row["lastmodifieddate"], zone),
    }
