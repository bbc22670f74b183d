"""Id-range shards and the parallel page reader (SPEC §3: keyset paging, never offsets).

A stream's window is split into id ranges `(lo, hi]` from one `MIN(id), MAX(id), COUNT(id)`
query; each range is read by keyset on its own worker thread, and every page is handed to the
single writer thread (the store transaction) in the order its range produced it.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

SHARDS_PER_SLOT = 8  # more shards than slots, so the last shards leave no slot idle for long
MIN_SHARD_DOCUMENTS = 500

Work = TypeVar("Work")


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
