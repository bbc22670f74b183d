"""The parallel page reader: every shard of a small stream under way at once."""

from __future__ import annotations

import itertools
import threading

import pytest

from revrec_pipeline.netsuite.paging import id_shards, parallel_pages


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
