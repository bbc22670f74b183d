"""Incremental extraction of NetSuite records into the RevRec store (SPEC §4): the streams.

Each stream is one all-or-nothing store transaction: headers, their replaced lines, deletions
and the new watermark commit together, so a run killed midway leaves the store as it was.

- Windows: `lastmodifieddate >= watermark - overlap` (account time zone), deduped by id, so a
  late commit stamped a little before the previous watermark is still read. The watermark is
  the latest stamp read, never past the run's start.
- Documents: every header changed in the window is read (excluded ones too, so a document that
  becomes voided or unapproved leaves the store) and its lines are replaced whole; then the
  documents whose lines changed in the window without their header are re-read whole by id.
- Deletions: `DeletedRecord`, in a window one day wider than the stream's (the zone of
  `deleteddate` is unconfirmed), removed from the store in the same transaction.

What is asked of NetSuite is in `queries` (built from the account's profile), how it is paged
in `paging`, and how rows become store rows in `rows`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select

from revrec_pipeline.netsuite.client import NetSuiteClient
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.paging import MIN_SHARD_DOCUMENTS, id_shards, parallel_pages
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.queries import (
    ALL_IDS,
    MAX_IN_LIST,
    DocumentQueries,
    EntityQueries,
    Query,
    currencies,
    deletions,
    explain,
    subsidiaries,
)
from revrec_pipeline.netsuite.rows import (
    customer_row,
    header_row,
    is_true,
    item_row,
    line_row,
    subsidiary_row,
    to_local,
    to_utc_or_none,
)
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, chunked, upsert, utcnow
from revrec_pipeline.store.profile import current_profile

CHUNK = 500  # ids per store statement
CLOCK_MARGIN = timedelta(minutes=5)  # how far NetSuite's clock may run ahead of ours
DELETION_MARGIN = timedelta(days=1)  # deleteddate may be in another zone than the account's


def capped(latest: datetime | None, run_started: datetime) -> datetime | None:
    """The new watermark: the latest stamp read, but never past the run's start (less a clock
    margin). A long run reads early shards before late edits; the next window re-reads them."""
    if latest is None:
        return None
    return min(latest, run_started - CLOCK_MARGIN)


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None or (b is not None and b > a) else a


def _raise_explained(query: Query, exc: NetSuiteError) -> NoReturn:
    """Re-raise a failed query's error, as one sentence naming the stream and its fields when
    it is a query problem (queries.explain)."""
    explained = explain(query, exc)
    if explained is exc:
        raise exc
    raise explained from exc


@dataclass
class StreamResult:
    stream: str
    upserted: int = 0
    removed: int = 0  # excluded on change (voided, unapproved...) or deleted in NetSuite
    lines: int = 0
    deleted: int = 0
    line_changes: int = 0  # documents re-read because only their lines changed
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
            "documents_with_line_only_changes": self.line_changes,
            "shards": self.shards,
            **self.request_stats,
            "previous_watermark_utc": str(self.previous_watermark or ""),
            "watermark_utc": str(self.watermark or ""),
        }


@dataclass
class _Deletions:
    stream: str
    watermark: datetime | None
    future: Future


class _DocumentWriter:
    """Applies header and line pages of one document stream to its open store transaction."""

    def __init__(self, conn: Connection, zone: ZoneInfo, result: StreamResult, latest) -> None:
        self.conn, self.zone, self.result = conn, zone, result
        self.latest: datetime | None = latest
        self.seen: set[int] = set()  # every header read, pulled or not
        self.pulled: set[int] = set()

    def delete_documents(self, conn: Connection, ids: Sequence[int]) -> int:
        lines, headers = schema.netsuite_transaction_line, schema.netsuite_transaction
        removed = 0
        for chunk in chunked(ids, CHUNK):
            conn.execute(delete(lines).where(lines.c.transaction_id.in_(chunk)))
            removed += conn.execute(delete(headers).where(headers.c.id.in_(chunk))).rowcount
        return removed

    def headers(self, page: list[dict]) -> None:
        lines = schema.netsuite_transaction_line
        keep = [header_row(row, self.zone) for row in page if is_true(row.get("ispulled"))]
        dropped = [int(row["id"]) for row in page if not is_true(row.get("ispulled"))]
        self.result.removed += self.delete_documents(self.conn, dropped)
        kept_ids = [row["id"] for row in keep]
        for chunk in chunked(kept_ids, CHUNK):  # lines are replaced whole
            self.conn.execute(delete(lines).where(lines.c.transaction_id.in_(chunk)))
        upsert(self.conn, schema.netsuite_transaction, keep)
        self.result.upserted += len(keep)
        self.pulled.update(kept_ids)
        self.seen.update(int(row["id"]) for row in page)
        for row in page:
            self.latest = _later(self.latest, to_utc_or_none(row["lastmodifieddate"], self.zone))

    def lines(self, page: list[dict]) -> None:
        # A document changed between its header and line reads is taken whole by the next run.
        rows = [line_row(row, self.zone) for row in page if int(row["transaction"]) in self.pulled]
        if rows:
            self.conn.execute(schema.netsuite_transaction_line.insert(), rows)
            self.result.lines += len(rows)
        for row in rows:
            self.latest = _later(self.latest, row["line_last_modified_at"])


class Extractor:
    """Extracts streams from one NetSuite account into one store.

    `profile`: the account's features and optional columns; by default the stored profile
    while fresh, otherwise discovered (and stored) before the first document stream."""

    def __init__(
        self,
        client: NetSuiteClient,
        store: RevRecStore,
        zone: ZoneInfo,
        overlap: timedelta = timedelta(hours=1),
        progress: Callable[[str], None] | None = None,
        min_shard_documents: int = MIN_SHARD_DOCUMENTS,
        profile: AccountProfile | None = None,
    ) -> None:
        self.client = client
        self.store = store
        self.zone = zone
        self.overlap = overlap
        self.progress = progress or (lambda message: None)
        self.min_shard_documents = min_shard_documents
        self._profile = profile

    @property
    def profile(self) -> AccountProfile:
        if self._profile is None:
            self._profile = current_profile(self.store, self.client)
        return self._profile

    # -- asking NetSuite ---------------------------------------------------------------------

    def _pages(self, query: Query, params: Sequence[Any] = (), after: Any = 0) -> Iterator[list]:
        try:
            yield from self.client.query_keyset(query.text, params, key=query.key, after=after)
        except NetSuiteError as exc:
            _raise_explained(query, exc)

    def _rows(self, query: Query) -> list[dict[str, Any]]:
        try:
            return self.client.query_small(query.text)
        except NetSuiteError as exc:
            _raise_explained(query, exc)

    def _shards(self, size: Query) -> list[tuple[int, int]]:
        rows = self._rows(size)
        slots = self.client.max_concurrency
        return id_shards(rows[0] if rows else None, slots, self.min_shard_documents)

    def _parallel(self, work: Sequence, fetch: Callable[[Any], Iterator]) -> Iterator:
        return parallel_pages(work, fetch, self.client.max_concurrency)

    def _window_start(self, watermark: datetime | None, wider: timedelta = timedelta(0)):
        if watermark is None:
            return None
        return to_local(watermark - self.overlap - wider, self.zone)

    # -- deletions ---------------------------------------------------------------------------

    def _deleted_ids(self, kind: str, start: str | None) -> tuple[list[int], datetime | None]:
        ids: list[int] = []
        latest: datetime | None = None
        for page in self._pages(deletions(kind, start)):
            for row in page:
                ids.append(int(row["recordid"]))
                latest = _later(latest, to_utc_or_none(row.get("deleteddate"), self.zone))
        return ids, latest

    def _start_deletions(self, conn: Connection, kind: str) -> _Deletions:
        """Lock the deletion stream and start reading DeletedRecord beside the other pages."""
        stream = f"deleted:{kind}"
        watermark = self.store.lock_stream(conn, stream)
        pool = ThreadPoolExecutor(max_workers=1)
        start = self._window_start(watermark, wider=DELETION_MARGIN)
        future = pool.submit(self._deleted_ids, kind, start)
        pool.shutdown(wait=False)
        return _Deletions(stream, watermark, future)

    def _finish_deletions(
        self,
        conn: Connection,
        started: _Deletions,
        result: StreamResult,
        delete_rows: Callable[[Connection, list[int]], int],
        run_started: datetime,
    ) -> None:
        ids, latest = started.future.result()
        result.deleted += delete_rows(conn, ids)
        mark = capped(latest, run_started)
        if mark and (started.watermark is None or mark > started.watermark):
            self.store.set_watermark(conn, started.stream, mark)

    # -- documents ---------------------------------------------------------------------------

    def extract_transactions(self, tran_type: str) -> StreamResult:
        stream = f"transactions:{tran_type}"
        result = StreamResult(stream)
        profile = self.profile  # before the store transaction: discovery writes the store
        run_started = utcnow()
        with self.store.write() as conn:
            watermark = self.store.lock_stream(conn, stream)
            result.previous_watermark = watermark
            start = self._window_start(watermark)
            documents = DocumentQueries(profile, tran_type, start)
            writer = _DocumentWriter(conn, self.zone, result, watermark)
            shards = self._shards(documents.size())
            result.shards = len(shards)
            self.progress(f"{stream}: window from {start or 'the beginning'}, {len(shards)} shards")
            pending_deletions = self._start_deletions(conn, tran_type)

            def fetch_shard(shard: tuple[int, int]) -> Iterator[tuple[str, list[dict]]]:
                # Headers, then lines, of one id range: shards overlap each other's phases, and
                # a shard's headers always reach the writer before its lines.
                lo, hi = shard
                for page in self._pages(documents.headers(), [hi], after=lo):
                    yield "headers", page
                for page in self._pages(documents.lines(), [lo, hi]):
                    yield "lines", page

            self._apply(writer, self._parallel(shards, fetch_shard))
            if start is not None:
                self._reread_line_changes(documents, writer)

            self._finish_deletions(
                conn, pending_deletions, result, writer.delete_documents, run_started
            )
            result.watermark = capped(writer.latest, run_started)
            self.store.set_watermark(conn, stream, result.watermark)
            result.request_stats = self.client.stats.as_dict()
        return result

    @staticmethod
    def _apply(writer: _DocumentWriter, pages: Iterator[tuple[str, list[dict]]]) -> None:
        for kind, page in pages:
            if kind == "headers":
                writer.headers(page)
            else:
                writer.lines(page)

    def _reread_line_changes(self, documents: DocumentQueries, writer: _DocumentWriter) -> None:
        """Documents whose lines changed in the window but whose header did not, read again
        whole (headers, then the lines of those still pulled) in id lists NetSuite accepts."""
        changed = [
            doc
            for page in self._pages(documents.changed_lines())
            for doc in (int(row["transaction"]) for row in page)
            if doc not in writer.seen
        ]
        writer.result.line_changes = len(changed)
        if changed:
            self.progress(f"{documents.stream}: {len(changed)} documents with only line changes")

        def fetch_documents(ids: list[int]) -> Iterator[tuple[str, list[dict]]]:
            pulled: list[int] = []
            for page in self._pages(documents.headers_by_id(ids)):
                pulled += [int(row["id"]) for row in page if is_true(row.get("ispulled"))]
                yield "headers", page
            if pulled:
                for page in self._pages(documents.lines_by_id(pulled)):
                    yield "lines", page

        self._apply(writer, self._parallel(list(chunked(changed, MAX_IN_LIST)), fetch_documents))

    # -- customers, items, currencies --------------------------------------------------------

    def extract_customers(self) -> StreamResult:
        return self._extract_entities(
            "customers", "customer", schema.netsuite_customer, customer_row, "customer"
        )

    def extract_items(self) -> StreamResult:
        return self._extract_entities("items", "item", schema.netsuite_item, item_row, None)

    def _extract_entities(self, stream, table_name, table, to_row, deleted_kind) -> StreamResult:
        result = StreamResult(stream)

        def delete_entities(conn: Connection, ids: list[int]) -> int:
            return sum(
                conn.execute(delete(table).where(table.c.id.in_(chunk))).rowcount
                for chunk in chunked(ids, CHUNK)
            )

        run_started = utcnow()
        profile = self.profile  # before the store transaction: discovery writes the store
        with self.store.write() as conn:
            watermark = self.store.lock_stream(conn, stream)
            result.previous_watermark = watermark
            entities = EntityQueries(table_name, self._window_start(watermark), profile)
            pending_deletions = self._start_deletions(conn, deleted_kind) if deleted_kind else None
            # Incremental windows over customers and items are small: one range, no size query.
            shards = [(0, ALL_IDS)] if watermark is not None else self._shards(entities.size())
            result.shards = len(shards)

            def fetch_shard(shard: tuple[int, int]) -> Iterator[list[dict]]:
                lo, hi = shard
                return self._pages(entities.rows(), [hi], after=lo)

            latest = watermark
            for page in self._parallel(shards, fetch_shard):
                rows = [to_row(row, self.zone) for row in page]
                upsert(conn, table, rows)
                result.upserted += len(rows)
                for row in rows:
                    latest = _later(latest, row["last_modified_at"])
            if pending_deletions:
                self._finish_deletions(
                    conn, pending_deletions, result, delete_entities, run_started
                )
            result.watermark = capped(latest, run_started)
            self.store.set_watermark(conn, stream, result.watermark)
            result.request_stats = self.client.stats.as_dict()
        return result

    def _references_unknown(self, known, references) -> bool:
        """`known` (a reference table) is empty, or a stored row's column in `references`
        names an id it does not hold."""
        with self.store.read() as conn:
            if not conn.execute(select(func.count()).select_from(known)).scalar_one():
                return True
            return any(
                conn.execute(
                    select(column.table.c.id)
                    .where(column.is_not(None))
                    .where(column.not_in(select(known.c.id)))
                    .limit(1)
                ).first()
                is not None
                for column in references
            )

    def _currencies_needed(self) -> bool:
        """No currency known yet, or a stored document names one the store does not know."""
        return self._references_unknown(
            schema.netsuite_currency, [schema.netsuite_transaction.c.currency]
        )

    def extract_currencies(self, when_needed: bool = False) -> int:
        """Refresh the currency list; with `when_needed`, only when the store lacks one a
        document needs (currencies hardly change: no request per sync)."""
        if when_needed and not self._currencies_needed():
            return 0
        rows = self._rows(currencies())
        with self.store.write() as conn:
            conn.execute(delete(schema.netsuite_currency))
            if rows:
                conn.execute(
                    schema.netsuite_currency.insert(),
                    [{"id": int(r["id"]), "symbol": r["symbol"]} for r in rows],
                )
        return len(rows)

    def _subsidiaries_needed(self) -> bool:
        """OneWorld only: no subsidiary known yet, or a stored document or customer names one
        the store does not know."""
        if not self.profile.feature("oneworld"):
            return False
        return self._references_unknown(
            schema.netsuite_subsidiary,
            [schema.netsuite_transaction.c.subsidiary, schema.netsuite_customer.c.subsidiary],
        )

    def extract_subsidiaries(self, when_needed: bool = False) -> int:
        """OneWorld: refresh the subsidiary table (id, name, base currency, parent,
        elimination, inactive); with `when_needed`, only when the store lacks one it needs.
        Without OneWorld there is no such table: nothing is asked."""
        if not self.profile.feature("oneworld"):
            return 0
        if when_needed and not self._subsidiaries_needed():
            return 0
        rows = [subsidiary_row(r) for r in self._rows(subsidiaries())]
        with self.store.write() as conn:
            conn.execute(delete(schema.netsuite_subsidiary))
            if rows:
                conn.execute(schema.netsuite_subsidiary.insert(), rows)
        return len(rows)
