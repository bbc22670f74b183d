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
- A sync (`extract_all`) runs its streams side by side within the client's one concurrency
  budget, each still in its own transaction (`_Transaction`).

What is asked of NetSuite is in `queries` (built from the account's profile), how it is paged
in `paging`, and how rows become store rows in `rows`.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NoReturn
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select

from revrec_pipeline.netsuite.client import PAGE_SIZE, NetSuiteClient, RequestStats
from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.netsuite.paging import (
    LINES_PER_RANGE,
    MIN_SHARD_DOCUMENTS,
    LineRanges,
    few_collections,
    id_shards,
    parallel_pages,
)
from revrec_pipeline.netsuite.profile import AccountProfile
from revrec_pipeline.netsuite.queries import (
    ALL_IDS,
    CREDIT_MEMO,
    INVOICE,
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
    header_fields,
    is_true,
    item_row,
    line_fields,
    pulled_ids,
    subsidiary_row,
    to_columns,
    to_local,
    to_utc_or_none,
)
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, chunked, upsert, utcnow, write_columns
from revrec_pipeline.store.profile import current_profile

CHUNK = 500  # ids per store statement
CLOCK_MARGIN = timedelta(minutes=5)  # how far NetSuite's clock may run ahead of ours
DELETION_MARGIN = timedelta(days=1)  # deleteddate may be in another zone than the account's
MOVED_RETRIES = 3  # another sync committing the same stream meanwhile: read it again

# The streams of a sync, by name (the `netsuite` assets' order).
CUSTOMERS, ITEMS, INVOICES, CREDIT_MEMOS = "customers", "items", "invoices", "credit_memos"
SYNC_STREAMS = (CUSTOMERS, ITEMS, INVOICES, CREDIT_MEMOS)
WRITE_ORDER = (INVOICES, CREDIT_MEMOS, CUSTOMERS, ITEMS)  # the largest first (_WriteOrder)
DOCUMENT_TYPES = {INVOICES: INVOICE, CREDIT_MEMOS: CREDIT_MEMO}


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
    request_stats: dict[str, int] = field(default_factory=dict)  # this stream's own requests
    started_s: float = 0.0  # since the sync began
    finished_s: float = 0.0
    waited_s: float = 0.0  # read on while another stream held the store's one writer (SQLite)

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
class SyncResult:
    """A sync of several streams: what each did, and what failed (the others committed)."""

    streams: dict[str, StreamResult] = field(default_factory=dict)
    failures: dict[str, BaseException] = field(default_factory=dict)
    currencies: int = 0  # rows refreshed (0: the stored list sufficed, no request)
    subsidiaries: int = 0
    seconds: float = 0.0
    request_stats: dict[str, int] = field(default_factory=dict)  # the whole sync's

    def raise_failures(self) -> None:
        """Raise what failed: the error itself when every stream failed the same way (bad
        credentials, no network); else one sentence naming each failed stream."""
        if not self.failures:
            return
        first = next(iter(self.failures.values()))
        if not self.streams and len({str(exc) for exc in self.failures.values()}) == 1:
            raise first
        failed = "; ".join(
            f"{name.replace('_', ' ')}: {exc}" for name, exc in self.failures.items()
        )
        committed = ", ".join(name.replace("_", " ") for name in self.streams) or "none"
        message = (
            f"NetSuite sync failed for {failed} (committed: {committed}; a failed stream "
            "wrote nothing and keeps its watermark)"
        )
        kinds = {type(exc) for exc in self.failures.values()}
        # One kind of failure (NetSuite unreachable, say) keeps its type for the caller.
        if len(kinds) == 1 and isinstance(first, NetSuiteError):
            raise type(first)(message, first.status, first.code, attempts=first.attempts) from first
        raise NetSuiteError(message) from first


class WatermarksMoved(Exception):
    """Another sync committed this stream while this one read it: its reads are stale."""

    def __init__(self, found: dict[str, datetime | None]) -> None:
        super().__init__("watermarks moved")
        self.found = found


class _WriteOrder:
    """SQLite admits one writer at a time: a sync's streams take their turns largest first
    (WRITE_ORDER), so that what waits in memory meanwhile is the smaller streams' writes."""

    def __init__(self, names: Sequence[str]) -> None:
        self._pending = [name for name in WRITE_ORDER if name in names]
        self._changed = threading.Condition()

    def may_write(self, name: str, wait: bool) -> bool:
        with self._changed:
            while name in self._pending and self._pending[0] != name:
                if not wait:
                    return False
                self._changed.wait()
            return True

    def finished(self, name: str) -> None:
        with self._changed:
            if name in self._pending:
                self._pending.remove(name)
            self._changed.notify_all()


class _Transaction:
    """A stream's store transaction, opened as soon as the store admits its writer: at once on
    PostgreSQL, whose writers run side by side; on SQLite (one writer at a time) when the
    stream writing before it commits. Until then its writes wait here in order, so that its
    reads from NetSuite go on while another stream writes. Opening it takes the streams' row
    locks and checks that their watermarks are still the ones its windows started from."""

    def __init__(
        self,
        store: RevRecStore,
        stack: ExitStack,
        watermarks: dict[str, datetime | None],
        order: tuple[_WriteOrder, str] | None = None,
    ) -> None:
        self.store, self._stack, self.expected, self.order = store, stack, watermarks, order
        self.conn: Connection | None = None
        self._waiting: list[tuple[Callable[..., Any], tuple]] = []
        self._wait_began: float | None = None
        self.waited_s = 0.0

    def open(self, wait: bool = True) -> bool:
        if self.conn is not None:
            return True
        if self._wait_began is None:
            self._wait_began = time.perf_counter()
        if self.order is not None and not self.order[0].may_write(self.order[1], wait):
            return False
        if not self.store.writer_turn.acquire(blocking=wait):
            return False
        self.waited_s = time.perf_counter() - self._wait_began
        self._stack.callback(self.store.writer_turn.release)  # after the commit (LIFO)
        conn = self._stack.enter_context(self.store.write())
        found = {stream: self.store.lock_stream(conn, stream) for stream in self.expected}
        if found != self.expected:
            raise WatermarksMoved(found)
        self.conn = conn
        for write, args in self._waiting:
            write(conn, *args)
        self._waiting.clear()
        return True

    def write(self, write: Callable[..., Any], *args: Any) -> None:
        """Run `write(conn, *args)` in the transaction, now if it is open, else once it is."""
        if self.open(wait=False):
            write(self.conn, *args)
        else:
            self._waiting.append((write, args))

    def set_watermark(self, stream: str, watermark: datetime | None) -> None:
        self.open()
        self.store.set_watermark(self.conn, stream, watermark)


def _delete_ids(table, column) -> Callable[[Connection, Sequence[int]], int]:
    def delete_rows(conn: Connection, ids: Sequence[int]) -> int:
        return sum(
            conn.execute(delete(table).where(column.in_(chunk))).rowcount
            for chunk in chunked(ids, CHUNK)
        )

    return delete_rows


_delete_lines = _delete_ids(
    schema.netsuite_transaction_line, schema.netsuite_transaction_line.c.transaction_id
)
_delete_headers = _delete_ids(schema.netsuite_transaction, schema.netsuite_transaction.c.id)


def delete_documents(conn: Connection, ids: Sequence[int]) -> int:
    _delete_lines(conn, ids)
    return _delete_headers(conn, ids)


class _DocumentWriter:
    """Turns header and line pages of one document stream into writes of its transaction.
    What was read (ids seen and pulled, the latest stamp) is known at once; the writes may
    wait for the transaction (`_Transaction`)."""

    def __init__(self, tx: _Transaction, zone: ZoneInfo, result: StreamResult, latest) -> None:
        self.tx, self.zone, self.result = tx, zone, result
        self.latest: datetime | None = latest
        self.seen: set[int] = set()  # every header read, pulled or not
        self.pulled: set[int] = set()

    def _write_headers(self, conn: Connection, keep: dict[str, list], dropped: list[int]) -> None:
        self.result.removed += delete_documents(conn, dropped)
        _delete_lines(conn, keep["id"])  # lines are replaced whole
        write_columns(conn, schema.netsuite_transaction, keep, update=True)

    def headers(self, page: list[dict]) -> None:
        pulled = [row for row in page if is_true(row.get("ispulled"))]
        keep = to_columns(pulled, header_fields(self.zone))
        dropped = [int(row["id"]) for row in page if not is_true(row.get("ispulled"))]
        self.tx.write(self._write_headers, keep, dropped)
        self.result.upserted += len(pulled)
        self.pulled.update(keep["id"])
        self.seen.update(int(row["id"]) for row in page)
        stamps = {to_utc_or_none(row.get("lastmodifieddate"), self.zone) for row in page}
        self.latest = _later(self.latest, max(filter(None, stamps), default=None))

    def lines(self, page: list[dict]) -> None:
        lines = to_columns(page, line_fields(self.zone))
        documents, pulled = lines["transaction_id"], self.pulled
        if not pulled.issuperset(documents):
            # A document changed between its header and line reads is taken whole by the
            # next run.
            keep = [i for i, doc in enumerate(documents) if doc in pulled]
            lines = {name: [values[i] for i in keep] for name, values in lines.items()}
        count = len(lines["transaction_id"])
        if count:
            self.tx.write(write_columns, schema.netsuite_transaction_line, lines)
            self.result.lines += count
            stamps = [stamp for stamp in lines["line_last_modified_at"] if stamp is not None]
            self.latest = _later(self.latest, max(stamps, default=None))


class Extractor:
    """Extracts streams from one NetSuite account into one store.

    `profile`: the account's features and optional columns; by default the stored profile
    while fresh, otherwise discovered (and stored) before the first stream."""

    def __init__(
        self,
        client: NetSuiteClient,
        store: RevRecStore,
        zone: ZoneInfo,
        overlap: timedelta = timedelta(hours=1),
        progress: Callable[[str], None] | None = None,
        min_shard_documents: int = MIN_SHARD_DOCUMENTS,
        profile: AccountProfile | None = None,
        lines_per_range: int = LINES_PER_RANGE,
    ) -> None:
        self.client = client
        self.store = store
        self.zone = zone
        self.overlap = overlap
        self.progress = progress or (lambda message: None)
        self.min_shard_documents = min_shard_documents
        self.lines_per_range = lines_per_range
        self._profile = profile
        self._discovering: Future | None = None  # a sync's profile, read beside its streams
        self._order: tuple[_WriteOrder, str] | None = None  # a sync's stream, on SQLite

    @property
    def profile(self) -> AccountProfile:
        if self._profile is None:
            discovering = self._discovering
            self._profile = (
                discovering.result()
                if discovering is not None
                else current_profile(self.store, self.client)
            )
        return self._profile

    def _for_stream(self, order: _WriteOrder | None = None, name: str = "") -> Extractor:
        """This extractor with a client of its own request counts (the same account budget,
        the totals still adding up in this client's stats); `order`: a sync's turns to write,
        this stream's `name` among them."""
        mine = copy.copy(self)
        mine._order = (order, name) if order is not None else None
        mine.client = copy.copy(self.client)
        mine.client.stats = RequestStats(parent=self.client.stats)
        return mine

    # -- a sync: the streams side by side --------------------------------------------------

    def extract_all(self, streams: Sequence[str] = SYNC_STREAMS) -> SyncResult:
        """Run `streams` (names in SYNC_STREAMS) side by side, each in its own transaction,
        then refresh currencies and subsidiaries where a stored row names one unknown. A
        failed stream leaves the others committed; `SyncResult.failures` says which."""
        syncing = self._for_stream()  # its own request counts
        sync = syncing._extract_all(streams)
        if self._profile is None and syncing._profile is not None:
            self._profile = syncing._profile  # discovered by this sync: not again
        return sync

    def _extract_all(self, streams: Sequence[str]) -> SyncResult:
        began = time.perf_counter()
        sync = SyncResult()
        unknown = [name for name in streams if name not in SYNC_STREAMS]
        if unknown:
            raise ValueError(f"unknown NetSuite streams {unknown}; expected some of {SYNC_STREAMS}")
        marks = self.store.watermarks()
        order = _WriteOrder(streams) if self.store.one_writer else None
        work: dict[str, Callable[[], Any]] = {
            name: (lambda name=name: self._for_stream(order, name)._run_stream(name, marks, began))
            for name in streams
        }
        # A first sync needs the reference lists: read them beside the streams.
        if self._references_empty(schema.netsuite_currency):
            work["currencies"] = lambda: self._for_stream().extract_currencies()
        if self._references_empty(schema.netsuite_subsidiary):  # asked only with OneWorld
            work["subsidiaries"] = lambda: self._for_stream().extract_subsidiaries()
        with ThreadPoolExecutor(max_workers=len(work) + 1, thread_name_prefix="stream") as pool:
            if self._profile is None and self._discovering is None:
                # Stale or missing: profiled beside the streams' first queries (sizes,
                # deletions), which name no optional column; the rest wait for it. No stream
                # writes before it, so its store write never waits behind theirs.
                self._discovering = pool.submit(current_profile, self.store, self.client)
            futures = {name: pool.submit(run) for name, run in work.items()}
            for name, future in futures.items():
                try:
                    outcome = future.result()
                except BaseException as exc:  # the other streams go on and commit
                    sync.failures[name] = exc
                    continue
                if name in ("currencies", "subsidiaries"):
                    setattr(sync, name, outcome)
                else:
                    sync.streams[name] = outcome
        if "currencies" not in sync.failures:
            sync.currencies += self.extract_currencies(when_needed=True)
        if "subsidiaries" not in sync.failures:
            sync.subsidiaries += self.extract_subsidiaries(when_needed=True)
        sync.seconds = time.perf_counter() - began
        sync.request_stats = self.client.stats.as_dict()
        return sync

    def _run_stream(self, name: str, marks: dict, began: float) -> StreamResult:
        try:
            with few_collections():
                return self._run_stream_once_committed(name, marks, began)
        finally:
            if self._order is not None:
                self._order[0].finished(name)  # committed or failed: the next one's turn

    def _run_stream_once_committed(self, name: str, marks: dict, began: float) -> StreamResult:
        started = time.perf_counter() - began
        for _ in range(MOVED_RETRIES):
            try:
                if name in DOCUMENT_TYPES:
                    result = self._transactions(DOCUMENT_TYPES[name], marks)
                elif name == CUSTOMERS:
                    result = self._entities(
                        "customers", "customer", schema.netsuite_customer, customer_row, marks
                    )
                else:
                    result = self._entities(
                        "items", "item", schema.netsuite_item, item_row, marks, deleted=None
                    )
                break
            except WatermarksMoved as moved:
                self.progress(f"{name}: another sync committed it meanwhile; reading it again")
                marks = {**marks, **moved.found}
        else:
            raise NetSuiteError(
                f"NetSuite stream {name} kept being committed by another sync while this one "
                f"read it ({MOVED_RETRIES} times); nothing of it was written; run the sync again."
            )
        result.started_s, result.finished_s = started, time.perf_counter() - began
        self.progress(
            f"{result.stream}: {result.upserted} rows, {result.lines} lines, "
            f"{result.request_stats.get('requests', 0)} requests, "
            f"{result.finished_s - result.started_s:.1f} s"
        )
        return result

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

    @staticmethod
    def _beside(read: Callable[..., Any], *args: Any) -> Future:
        """Run a read on its own thread, beside the stream's other pages."""
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="beside")
        future = pool.submit(read, *args)
        pool.shutdown(wait=False)
        return future

    def _start_deletions(self, kind: str, watermark: datetime | None) -> Future:
        """Read DeletedRecord beside the stream's other pages."""
        return self._beside(
            self._deleted_ids, kind, self._window_start(watermark, wider=DELETION_MARGIN)
        )

    def _finish_deletions(
        self,
        tx: _Transaction,
        stream: str,
        read: Future,
        result: StreamResult,
        delete_rows: Callable[[Connection, Sequence[int]], int],
        run_started: datetime,
    ) -> None:
        ids, latest = read.result()
        tx.open()
        result.deleted += delete_rows(tx.conn, ids)
        mark = capped(latest, run_started)
        previous = tx.expected[stream]
        if mark and (previous is None or mark > previous):
            tx.set_watermark(stream, mark)

    # -- documents ---------------------------------------------------------------------------

    def extract_transactions(self, tran_type: str) -> StreamResult:
        """One document stream alone (a sync runs it with the others: `extract_all`)."""
        name = next(name for name, kind in DOCUMENT_TYPES.items() if kind == tran_type)
        return self._alone(name)

    def _alone(self, name: str) -> StreamResult:
        self.profile  # noqa: B018 - before the stream's transaction: discovery writes the store
        return self._for_stream()._run_stream(name, self.store.watermarks(), time.perf_counter())

    def _transactions(self, tran_type: str, marks: dict) -> StreamResult:
        stream, deleted_stream = f"transactions:{tran_type}", f"deleted:{tran_type}"
        result = StreamResult(stream)
        run_started = utcnow()
        watermark = result.previous_watermark = marks.get(stream)
        start = self._window_start(watermark)
        with ExitStack() as stack:
            tx = _Transaction(
                self.store,
                stack,
                {stream: watermark, deleted_stream: marks.get(deleted_stream)},
                self._order,
            )
            writer = _DocumentWriter(tx, self.zone, result, watermark)
            line_changes: Future | None = None
            if start is None:  # a full load: id-range shards from one size query, first
                sizing = DocumentQueries(None, tran_type, start)
                shards = [(lo, hi, True) for lo, hi in self._shards(sizing.size())]
            deleted = self._start_deletions(tran_type, tx.expected[deleted_stream])
            documents = DocumentQueries(self.profile, tran_type, start)  # may wait for it
            if start is not None:
                line_changes = self._beside(self._changed_line_documents, documents)
                shards = self._window_shards(documents, writer)
            result.shards = len(shards)
            self.progress(f"{stream}: window from {start or 'the beginning'}, {len(shards)} shards")

            line_ranges = LineRanges(self.lines_per_range)

            def fetch_shard(shard: tuple[int, int, bool]) -> Iterator[tuple[str, list[dict]]]:
                # Headers (unless already read), then lines, of one id range: shards overlap
                # each other's phases, and a shard's headers reach the writer before its lines.
                lo, hi, with_headers = shard
                if not with_headers:
                    for page in self._pages(documents.lines(), [lo, hi]):
                        yield "lines", page
                    return
                pulled: list[int] = []
                for page in self._pages(documents.headers(), [hi], after=lo):
                    pulled += pulled_ids(page)
                    yield "headers", page
                # The lines in ranges of the pulled ids (none when none is pulled), so that
                # no page has NetSuite sort the rest of a large shard's lines.
                for below, top, count in line_ranges.ranges(lo, hi, pulled):
                    lines = 0
                    for page in self._pages(documents.lines(), [below, top]):
                        lines += len(page)
                        yield "lines", page
                    line_ranges.record(count, lines)

            pieces: list[Callable[[], Iterator[tuple[str, list[dict]]]]] = [
                partial(fetch_shard, shard) for shard in shards
            ]
            # A window of one range has all its headers read already, so the documents whose
            # lines alone changed are known as soon as their query answers: they are read beside
            # the window's line pages rather than after them.
            early = line_changes is not None and shards == [(0, ALL_IDS, False)]
            if early:
                pieces.append(partial(self._line_change_pages, documents, writer, line_changes))
            self._apply(writer, self._parallel(pieces, lambda piece: piece()))
            if line_changes is not None and not early:
                self._apply(writer, self._line_change_pages(documents, writer, line_changes))

            self._finish_deletions(
                tx, deleted_stream, deleted, result, delete_documents, run_started
            )
            result.watermark = capped(writer.latest, run_started)
            tx.set_watermark(stream, result.watermark)
            result.waited_s = tx.waited_s
            result.request_stats = self.client.stats.as_dict()
        return result

    def _window_shards(
        self, documents: DocumentQueries, writer: _DocumentWriter
    ) -> list[tuple[int, int, bool]]:
        """An incremental window's shards. Most windows fit one page of headers: read it
        first, and when it is not full the window is one range whose headers are read (no
        size query, one round trip less). A full page means a large window: the rest is
        split by a size query, as a full load is."""
        pages = self._pages(documents.headers(), [ALL_IDS], after=0)
        first = next(pages, [])
        pages.close()
        writer.headers(first)
        if len(first) < PAGE_SIZE:
            return [(0, ALL_IDS, False)]
        last = int(first[-1]["id"])
        sizing = DocumentQueries(None, documents.tran_type, documents.start)
        rest = [(max(lo, last), hi, True) for lo, hi in self._shards(sizing.size()) if hi > last]
        return [(0, last, False), *rest]

    @staticmethod
    def _apply(writer: _DocumentWriter, pages: Iterator[tuple[str, list[dict]]]) -> None:
        for kind, page in pages:
            if kind == "headers":
                writer.headers(page)
            else:
                writer.lines(page)

    def _changed_line_documents(self, documents: DocumentQueries) -> list[int]:
        return [
            int(row["transaction"])
            for page in self._pages(documents.changed_lines())
            for row in page
        ]

    def _line_change_pages(
        self, documents: DocumentQueries, writer: _DocumentWriter, read: Future
    ) -> Iterator[tuple[str, list[dict]]]:
        """Documents whose lines changed in the window but whose header did not (`read`
        beside the window's pages), read again whole (their headers, and beside them the lines
        of those still pulled) in id lists NetSuite accepts. Needs every header of the window
        in `writer`."""
        changed = [doc for doc in read.result() if doc not in writer.seen]
        writer.result.line_changes = len(changed)
        if changed:
            self.progress(f"{documents.stream}: {len(changed)} documents with only line changes")

        def fetch_documents(ids: list[int]) -> Iterator[tuple[str, list[dict]]]:
            # Both reads at once (one round trip, not two); the lines reach the writer after
            # the headers, which replace the documents' stored lines. At most MAX_IN_LIST
            # documents' lines wait in memory.
            lines = self._beside(lambda: list(self._pages(documents.lines_by_id(ids))))
            for page in self._pages(documents.headers_by_id(ids)):
                yield "headers", page
            for page in lines.result():
                yield "lines", page

        yield from self._parallel(list(chunked(changed, MAX_IN_LIST)), fetch_documents)

    # -- customers, items, currencies --------------------------------------------------------

    def extract_customers(self) -> StreamResult:
        """Customers alone (a sync runs them with the others: `extract_all`)."""
        return self._alone(CUSTOMERS)

    def extract_items(self) -> StreamResult:
        return self._alone(ITEMS)

    def _entities(
        self, stream, table_name, table, to_row, marks, deleted: str | None = "customer"
    ) -> StreamResult:
        result = StreamResult(stream)
        run_started = utcnow()
        watermark = result.previous_watermark = marks.get(stream)
        start = self._window_start(watermark)
        deleted_stream = f"deleted:{deleted}" if deleted else None
        with ExitStack() as stack:
            expected = {stream: watermark}
            if deleted_stream:
                expected[deleted_stream] = marks.get(deleted_stream)
            tx = _Transaction(self.store, stack, expected, self._order)
            read_deleted = (
                self._start_deletions(deleted, expected[deleted_stream]) if deleted else None
            )
            # Incremental windows over customers and items are small: one range, no size query.
            sizing = EntityQueries(table_name, start)  # no optional column: no profile needed
            shards = [(0, ALL_IDS)] if watermark is not None else self._shards(sizing.size())
            result.shards = len(shards)
            entities = EntityQueries(table_name, start, self.profile)  # may wait for it

            def fetch_shard(shard: tuple[int, int]) -> Iterator[list[dict]]:
                lo, hi = shard
                return self._pages(entities.rows(), [hi], after=lo)

            latest = watermark
            for page in self._parallel(shards, fetch_shard):
                rows = [to_row(row, self.zone) for row in page]
                tx.write(upsert, table, rows)
                result.upserted += len(rows)
                for row in rows:
                    latest = _later(latest, row["last_modified_at"])
            if read_deleted:
                self._finish_deletions(
                    tx,
                    deleted_stream,
                    read_deleted,
                    result,
                    _delete_ids(table, table.c.id),
                    run_started,
                )
            result.watermark = capped(latest, run_started)
            tx.set_watermark(stream, result.watermark)
            result.waited_s = tx.waited_s
            result.request_stats = self.client.stats.as_dict()
        return result

    def _references_empty(self, known) -> bool:
        with self.store.read() as conn:
            return not conn.execute(select(func.count()).select_from(known)).scalar_one()

    def _references_unknown(self, known, references) -> bool:
        """`known` (a reference table) is empty, or a stored row's column in `references`
        names an id it does not hold."""
        if self._references_empty(known):
            return True
        with self.store.read() as conn:
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

    def _replace_reference(self, table, rows: list[dict]) -> None:
        """Replace a reference list whole, in its turn among the writers."""
        with ExitStack() as stack:
            tx = _Transaction(self.store, stack, {})
            tx.open()
            tx.conn.execute(delete(table))
            if rows:
                tx.conn.execute(table.insert(), rows)

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
        self._replace_reference(
            schema.netsuite_currency, [{"id": int(r["id"]), "symbol": r["symbol"]} for r in rows]
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
        self._replace_reference(schema.netsuite_subsidiary, rows)
        return len(rows)
