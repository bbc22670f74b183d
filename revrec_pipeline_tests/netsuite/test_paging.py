"""The parallel page reader: every shard of a small stream under way at once."""

from __future__ import annotations

import gc
import itertools
import threading

import pytest

from revrec_pipeline.netsuite.paging import (
    PAGE_READING_GC_THRESHOLD,
    LineRanges,
    few_collections,
    id_shards,
    parallel_pages,
)


def test_a_stream_with_one_shard_more_than_slots_starts_every_shard_at_once():
    """Five shards on four slots: the fifth must not wait for a worker (the client's semaphore
    keeps the requests within the budget), or it becomes the sync's tail."""
    shards = list(range(5))
    all_started = threading.Barrier(len(shards), timeout=5)

    def fetch(shard: int):
        all_started.wait()  # broken (BrokenBarrierError) unless all five run at once
        yield shard

    assert sorted(parallel_pages(shards, fetch, slots=4)) == shards


def test_workers_stay_within_two_a_slot():
    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def fetch(shard: int):
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            if running == 4:
                release.set()
        release.wait(timeout=5)
        with lock:
            running -= 1
        yield shard

    assert sorted(parallel_pages(list(range(20)), fetch, slots=2)) == list(range(20))
    assert most == 4


def test_a_failing_shard_is_raised_on_the_callers_thread():
    def fetch(shard: int):
        if shard == 3:
            raise RuntimeError("page 3 failed")
        yield shard

    with pytest.raises(RuntimeError, match="page 3 failed"):
        list(parallel_pages(list(range(6)), fetch, slots=2))


def test_shards_split_the_id_range_without_gaps():
    shards = id_shards({"lo": 1, "hi": 10_000, "n": 9_000}, slots=4, min_shard_documents=500)
    assert shards[0][0] == 0 and shards[-1][1] == 10_000
    assert all(a[1] == b[0] for a, b in itertools.pairwise(shards))
    assert len(shards) == 18  # 9,000 documents in shards of at least 500


def _cover(ranges, lo: int, hi: int, ids: list[int]) -> None:
    """The ranges tile (lo, hi] and each holds the ids it says it holds."""
    assert ranges[0][0] == lo and ranges[-1][1] == hi
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    for below, top, count in ranges:
        assert count == sum(below < doc <= top for doc in ids)


def test_line_ranges_start_from_the_first_guess_then_follow_the_lines_per_document():
    splitter = LineRanges(lines_per_range=1_600)
    ids = list(range(10, 10_010, 10))  # 1,000 pulled documents in (0, 20_000]
    ranges = []
    for below, top, count in splitter.ranges(0, 20_000, ids):
        ranges.append((below, top, count))
        splitter.record(count, count * 4)  # four lines a document
    _cover(ranges, 0, 20_000, ids)
    # The first range takes the guess (16 lines a document); every later one 1,600 / 4.
    assert [count for _, _, count in ranges] == [100, 400, 400, 100]


def test_line_ranges_fold_a_small_remainder_into_the_last_range():
    splitter = LineRanges(lines_per_range=1_600)
    ranges = list(splitter.ranges(0, 500, list(range(1, 121))))  # 120 documents: 100 + 20
    assert ranges == [(0, 500, 120)]


def test_line_ranges_of_a_shard_without_pulled_documents_ask_nothing():
    assert list(LineRanges().ranges(0, 500, [])) == []


def test_line_ranges_of_documents_without_lines_become_one_range():
    splitter = LineRanges(lines_per_range=160)
    ids = list(range(1, 101))
    first = next(splitter.ranges(0, 100, ids))
    splitter.record(first[2], 0)
    ranges = [first, *splitter.ranges(first[1], 100, ids[first[2] :])]
    _cover(ranges, 0, 100, ids)
    assert len(ranges) == 2


def test_page_reading_raises_the_collector_threshold_until_the_last_reader_leaves():
    before = gc.get_threshold()
    first, second = few_collections(), few_collections()
    first.__enter__()
    second.__enter__()  # overlapping readers (two streams): the first one's exit keeps it
    assert gc.get_threshold()[0] == max(before[0], PAGE_READING_GC_THRESHOLD)
    assert gc.get_threshold()[1:] == before[1:]
    first.__exit__(None, None, None)
    assert gc.get_threshold()[0] == max(before[0], PAGE_READING_GC_THRESHOLD)
    second.__exit__(None, None, None)
    assert gc.get_threshold() == before
