"""A sync runs its streams side by side within one concurrency budget (issue 13), each still
all-or-nothing in its own store transaction, on SQLite (one writer at a time) and PostgreSQL."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from revrec_pipeline.netsuite.extract import SYNC_STREAMS, WatermarksMoved, _Transaction
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store.db import utcnow
from revrec_pipeline_tests.sandbox_helpers import (
    RecordingClient,
    edit_line_only,
    expected_lines,
    extractor,
    netsuite_resource,
    store_state,
    stored_lines,
)


@pytest.fixture(scope="module")
def dataset():
    return generate_dataset(seed=13, size=3000)


def test_the_streams_overlap_within_the_budget_and_store_what_one_at_a_time_would(
    dataset, store, tmp_path
):
    with NetSuiteSandbox(SandboxConfig(latency_ms=30, max_concurrency=4), dataset) as sb:
        ex = extractor(sb, store, max_concurrency=3)
        ex.profile  # noqa: B018 - discovered first: the streams' own requests are counted below
        sb.reset_stats()
        sync = ex.extract_all()
        assert not sync.failures
        assert set(sync.streams) == set(SYNC_STREAMS)
        # Never more in flight than the client's one budget, so NetSuite never refused one.
        assert sb.stats.max_in_flight <= 3 and sb.stats.rejected_429 == 0
        assert sb.stats.max_in_flight == 3
        # Every stream was under way before the first of them finished.
        spans = {name: (r.started_s, r.finished_s) for name, r in sync.streams.items()}
        first_finish = min(end for _, end in spans.values())
        assert all(start < first_finish for start, _ in spans.values()), spans
        if store.one_writer:  # SQLite: the writers took turns, the largest stream first
            order = sorted(sync.streams.values(), key=lambda r: r.finished_s)
            assert [r.stream for r in order][:2] == [
                "transactions:CustInvc",
                "transactions:CustCred",
            ]
            assert all(r.waited_s > 0 for r in order[1:])
        # Each stream counts its own requests; with the reference lists they make the total.
        own = sum(r.request_stats["requests"] for r in sync.streams.values())
        assert all(r.request_stats["requests"] > 0 for r in sync.streams.values())
        # The first sync's reference lists, read beside the streams, whole.
        assert sync.currencies == len(sb.execute("SELECT id FROM currency"))
        assert sync.subsidiaries == len(sb.execute("SELECT id FROM subsidiary")) > 0
        assert own + 2 == sync.request_stats["requests"]  # and one query for each list
        assert sync.request_stats["requests"] == sb.stats.suiteql_requests
        assert stored_lines(store) == expected_lines(sb)

        # The same account read one stream after another gives the same store, row for row.
        from revrec_pipeline.store import RevRecStore

        one_by_one = RevRecStore(f"sqlite:///{tmp_path / 'one-by-one.db'}")
        one_by_one.create_all()
        alone = extractor(sb, one_by_one)
        alone.extract_customers()
        alone.extract_items()
        alone.extract_currencies()
        for kind in ("CustInvc", "CustCred"):
            alone.extract_transactions(kind)
        alone.extract_subsidiaries()
        mine, theirs = store_state(store), store_state(one_by_one)
        mine.pop("sync_state"), theirs.pop("sync_state")
        assert mine == theirs

        # An incremental sync with nothing changed: the same store, fewer requests, and no
        # reference list asked again.
        again = ex.extract_all()
        assert again.currencies == again.subsidiaries == 0
        assert again.request_stats["requests"] < sync.request_stats["requests"]
        after = store_state(store)
        after.pop("sync_state")
        assert after == mine


def test_a_failing_stream_leaves_the_others_committed(dataset, store):
    """Credit memos fail (the account answers their size query with a 400 every time); the
    other streams commit, credit memos leave nothing and keep no watermark."""
    with NetSuiteSandbox(SandboxConfig(latency_ms=5), dataset) as sb:
        ex = extractor(sb, store)
        ex.profile  # noqa: B018
        sb.fail_requests_matching("'CustCred'", status=400, times=100)
        sync = ex.extract_all()
        assert set(sync.failures) == {"credit_memos"}
        assert set(sync.streams) == {"customers", "items", "invoices"}
        marks = store.watermarks()
        assert marks["transactions:CustInvc"] is not None
        assert marks.get("transactions:CustCred") is None
        assert store.count_documents("CustCred") == 0
        assert store.count_documents("CustInvc") > 0
        with pytest.raises(Exception, match="credit memos"):
            sync.raise_failures()


def test_a_stream_committed_by_another_sync_meanwhile_is_read_again(store):
    """The windows start from the watermarks read before the streams; a stream whose
    watermark another sync moved in between refuses its stale reads when it opens."""
    stream = "transactions:CustInvc"
    before = store.watermarks().get(stream)
    with store.write() as conn:
        store.lock_stream(conn, stream)
        store.set_watermark(conn, stream, utcnow().replace(microsecond=0))
    moved = store.watermarks()[stream]
    with ExitStack() as stack:
        tx = _Transaction(store, stack, {stream: before})
        with pytest.raises(WatermarksMoved) as caught:
            tx.open()
    assert caught.value.found == {stream: moved}
    with ExitStack() as stack:  # from the committed watermark it opens, and the turn is free
        tx = _Transaction(store, stack, {stream: moved})
        assert tx.open()
    assert store.writer_turn.acquire(blocking=False)
    store.writer_turn.release()


def test_an_incremental_window_larger_than_a_page_is_sharded_and_read_whole(store, tmp_path):
    """Most incremental windows fit one page of headers (read first, no size query); a mass
    edit fills it, and the rest of the window is split by a size query and read whole."""
    from revrec_pipeline.store import RevRecStore

    with NetSuiteSandbox(SandboxConfig(), generate_dataset(seed=17, size=8000)) as sb:
        ex = extractor(sb, store)
        ex.extract_all().raise_failures()
        invoices = [
            row["id"]
            for row in sb.execute(
                'SELECT id FROM "transaction" WHERE type = ? ORDER BY id', ("CustInvc",)
            )
        ]
        assert len(invoices) > 1000
        small = invoices[:3]
        for tran_id in small:  # a daily change: one page, one range
            sb.update_transaction(tran_id, memo="edited")
        daily = ex.extract_all()
        assert daily.streams["invoices"].shards == 1
        assert daily.streams["invoices"].upserted >= len(small)
        for tran_id in invoices:  # a mass edit: more than one page of headers
            sb.update_transaction(tran_id, memo="mass edit")
        mass = ex.extract_all()
        assert mass.streams["invoices"].shards > 2
        seen = mass.streams["invoices"]
        assert seen.upserted > 1000 and seen.lines > 0
        assert stored_lines(store) == expected_lines(sb)
        clean = RevRecStore(f"sqlite:///{tmp_path / 'clean.db'}")
        clean.create_all()
        extractor(sb, clean).extract_all().raise_failures()
        mine, theirs = store_state(store), store_state(clean)
        mine.pop("sync_state"), theirs.pop("sync_state")
        assert mine == theirs


class TimedClient(RecordingClient):
    """The real client, keeping when each SuiteQL request was sent and answered."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.spans: list[tuple[float, float, str]] = []

    def suiteql_page(self, query, params=(), **kwargs):
        begin = time.perf_counter()
        try:
            return super().suiteql_page(query, params, **kwargs)
        finally:
            with self._sent_lock:
                self.spans.append((begin, time.perf_counter(), query))


def test_documents_with_only_line_changes_are_read_beside_the_windows_line_pages(dataset, store):
    """A window of one range has its headers before its lines are asked for, so the documents
    whose lines alone changed are re-read as soon as their query answers, not after the last
    line page, their headers and lines at once: two round trips less on the critical path of
    a daily sync."""
    with NetSuiteSandbox(SandboxConfig(latency_ms=60, max_concurrency=4), dataset) as sb:
        extractor(sb, store).extract_all().raise_failures()
        tran = sb.execute(
            "SELECT id FROM \"transaction\" WHERE type = 'CustInvc' AND posting = 'T' "
            "AND voided = 'F' AND status NOT IN ('D', 'E') ORDER BY lastmodifieddate, id LIMIT 1"
        )[0]["id"]
        line = sb.execute(
            'SELECT MIN(id) AS id FROM transactionline WHERE "transaction" = ? AND '
            "mainline = 'F' AND taxline = 'F' AND COALESCE(iscogs, 'F') = 'F'",
            (tran,),
        )[0]["id"]
        edit_line_only(sb, tran, line, "-432.10")
        touched = sb.execute(
            "SELECT id FROM \"transaction\" WHERE type = 'CustInvc' ORDER BY id DESC LIMIT 3"
        )
        for row in touched:  # headers in the window too, so the window has line pages
            sb.execute(
                'UPDATE "transaction" SET lastmodifieddate = ? WHERE id = ?',
                (sb.now_local().strftime("%Y-%m-%d %H:%M:%S"), row["id"]),
            )
        client = TimedClient(**_client_settings(sb))
        sync = extractor(sb, store, client=client).extract_all()
        sync.raise_failures()
        expected = expected_lines(sb)
    assert sync.streams["invoices"].line_changes >= 1
    assert stored_lines(store) == expected
    invoices = [s for s in client.spans if "'CustInvc'" in s[2]]
    reread = [s for s in invoices if "t.id IN (" in s[2]]
    window_lines = [s for s in invoices if "tl.transaction > ?" in s[2]]
    assert reread and window_lines
    # The re-read's first request went out before the window's last line page came back.
    assert min(s[0] for s in reread) < max(s[1] for s in window_lines)
    # Its lines were asked for beside its headers, not after them: one round trip, not two.
    reread_lines = [s for s in invoices if "tl.transaction IN (" in s[2]]
    assert reread_lines
    assert min(s[0] for s in reread_lines) < min(s[1] for s in reread)


def _client_settings(sandbox) -> dict:
    resource = netsuite_resource(sandbox)
    return {
        "base_url": resource.resolved_base_url(),
        "account_id": resource.account_id,
        "auth": resource._auth(),
        "max_concurrency": resource.max_concurrency,
        "timeout_seconds": resource.timeout_seconds,
        "max_attempts": resource.max_attempts,
        "backoff_base_seconds": resource.backoff_base_seconds,
    }
