"""Id-range shards and the parallel page reader (SPEC §3: keyset paging, never offsets).

A stream's window is split into id ranges `(lo, hi]` from one `MIN(id), MAX(id), COUNT(id)`
query; each range is read by keyset on its own worker thread, and every page is handed to the
single writer thread (the store transaction) in the order its range produced it.
"""

from __future__ import annotations

import gc
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

SHARDS_PER_SLOT = 8  # more shards than slots, so the last shards leave no slot idle for long
MIN_SHARD_DOCUMENTS = 500
# A line page is sorted from what is left of its id range: ranges of about this many lines
# keep each page's sort small however large the shard (about 3% more line requests).
LINES_PER_RANGE = 8_000
GUESSED_LINES_PER_DOCUMENT = 16  # before a stream's first range has told (a high guess: small)

Work = TypeVar("Work")

# Containers allocated and not yet freed before CPython's cycle collector runs, while pages
# are read (its default, 700, is about a third of one page's rows).
PAGE_READING_GC_THRESHOLD = 50_000
_gc_lock = threading.Lock()
_gc_readers = 0
_gc_saved: tuple[int, ...] = ()


@contextmanager
def few_collections() -> Iterator[None]:
    """Raise the cycle collector's first threshold while pages are read. A page's thousand rows
    are a few thousand dicts and lists, freed by reference counting once written; at the
    default threshold the collector traverses each page's live rows again and again (a fifth
    of the client's CPU at 1M lines). It still runs once 50,000 containers outlive their page.
    Restored when the last reader in the process leaves (streams and syncs may overlap)."""
    global _gc_readers, _gc_saved
    with _gc_lock:
        if not _gc_readers:
            _gc_saved = gc.get_threshold()
            first, *rest = _gc_saved
            gc.set_threshold(max(first, PAGE_READING_GC_THRESHOLD), *rest)
        _gc_readers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_readers -= 1
            if not _gc_readers:
                gc.set_threshold(*_gc_saved)


def id_shards(
    size_row: dict[str, Any] | None, slots: int, min_shard_documents: int = MIN_SHARD_DOCUMENTS
) -> list[tuple[int, int]]:
    """Split the ids a size query found (`lo`, `hi`, `n`) into ranges (lo, hi]."""
    row = size_row or {}
    count = int(row.get("n") or 0)
    if not count:
        return []
    lo, hi = int(row["lo"]) - 1, int(row["hi"])
    wanted = min(slots * SHARDS_PER_SLOT, -(-count // max(1, min_shard_documents)))
    step = max(1, -(-(hi - lo) // max(1, wanted)))
    return [(start, min(start + step, hi)) for start in range(lo, hi, step)]


class LineRanges:
    """Cuts a shard's line reads into id ranges of about `LINES_PER_RANGE` lines, from the ids
    of the shard's documents (its headers are read first) and the lines per document the
    stream's finished ranges have shown so far. One per stream, shared by its shards."""

    def __init__(self, lines_per_range: int = LINES_PER_RANGE) -> None:
        self.lines_per_range = lines_per_range
        self.first = max(1, lines_per_range // GUESSED_LINES_PER_DOCUMENT)
        self._documents = self._lines = 0
        self._lock = threading.Lock()

    def documents_per_range(self) -> int:
        with self._lock:
            if not self._documents:
                return self.first
            if not self._lines:  # documents without lines so far: one range for the rest
                return 1 << 62
            return max(1, self.lines_per_range * self._documents // self._lines)

    def record(self, documents: int, lines: int) -> None:
        with self._lock:
            self._documents += documents
            self._lines += lines

    def ranges(self, lo: int, hi: int, ids: Sequence[int]) -> Iterator[tuple[int, int, int]]:
        """`(lo', hi', documents)` ranges covering (lo, hi] that together hold `ids` (sorted,
        within the range); none for no ids. Each range's size is decided when it is asked for,
        so that it learns from the ranges read before it (`record`)."""
        start, below = 0, lo
        while start < len(ids):
            wanted = self.documents_per_range()
            end = start + wanted
            if len(ids) - end < wanted // 4:  # a small remainder joins this range
                end = len(ids)
            top = hi if end == len(ids) else ids[end - 1]
            yield below, top, end - start
            start, below = end, top


def parallel_pages(
    work: Sequence[Work], fetch: Callable[[Work], Iterator[Any]], slots: int
) -> Iterator[Any]:
    """Run `fetch` for each piece of work on worker threads; yield what they produce here, on
    the caller's thread (in order within a piece, interleaved across pieces). The first
    failure stops the rest and is raised here."""
    if not work:
        return
    pages: queue.Queue[Any] = queue.Queue(maxsize=slots * 4)
    done = object()
    stop = threading.Event()

    def run(piece: Work) -> None:
        try:
            if stop.is_set():  # another piece failed: do not start this one
                return
            for page in fetch(piece):
                if stop.is_set():
                    return
                pages.put(page)
        except BaseException as exc:  # surfaced on the caller's thread
            pages.put(exc)
        finally:
            pages.put(done)

    # Up to two workers a slot: the client's semaphore keeps the requests within the budget,
    # and a shard between two requests (turning a page into rows, waiting for the writer)
    # leaves its slot to another rather than idle; a small stream's last shard starts at once.
    with ThreadPoolExecutor(max_workers=max(1, min(len(work), 2 * slots))) as pool:
        for piece in work:
            pool.submit(run, piece)
        remaining = len(work)
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
