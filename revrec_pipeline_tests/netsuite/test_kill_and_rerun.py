"""A run killed with SIGKILL midway, then re-run, leaves the store as a clean run does."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline_tests.sandbox_helpers import extract_all, netsuite_resource, store_state


def test_sigkill_midway_then_rerun_equals_a_clean_run(database_url, sqlite_database_url, tmp_path):
    dataset = generate_dataset(seed=9, size=5000)
    with NetSuiteSandbox(SandboxConfig(latency_ms=40), dataset) as sb:
        resource = netsuite_resource(sb)
        settings = {
            **resource.model_dump(),
            "database_url": database_url,
        }
        env = {**os.environ, "EXTRACT_SETTINGS": json.dumps(settings)}
        process = subprocess.Popen(
            [sys.executable, "-m", "revrec_pipeline_tests.netsuite.extract_subprocess"],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        # The account profile is discovered first; count the extraction's requests after it.
        assert process.stdout.readline().strip() == "profiled"
        profiled = sb.stats.suiteql_requests
        # Kill once a stream has committed while others still read (on PostgreSQL the small
        # ones commit first; on SQLite, one writer at a time, the invoices do).
        watching = RevRecStore(database_url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, "the extraction finished before it could be killed"
            marks = watching.watermarks()
            if any(marks.get(stream) is not None for stream in STREAM_ROWS):
                break
            time.sleep(0.01)
        assert sb.stats.suiteql_requests > profiled
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL

        killed = RevRecStore(database_url)
        killed.create_all()
        at_kill = {stream: stream_rows(killed, stream) for stream in STREAM_ROWS}
        marks_at_kill = killed.watermarks()
        sb.config.latency_ms = 0
        extract_all(sb, killed)

        clean = RevRecStore(
            sqlite_database_url
            if database_url != sqlite_database_url
            else f"sqlite:///{tmp_path / 'clean.db'}"
        )
        clean.create_all()
        extract_all(sb, clean)
    assert store_state(killed) == store_state(clean)
    assert len(store_state(clean)["netsuite_transaction_line"]) > 1000
    # The streams ran side by side, each in its own transaction: at the kill each one had
    # committed whole (its watermark and exactly a clean run's rows) or left nothing.
    whole = {s for s in STREAM_ROWS if marks_at_kill.get(s) is not None}
    for stream in STREAM_ROWS:
        expected = stream_rows(clean, stream) if stream in whole else ([], [])
        assert at_kill[stream] == expected, stream
    assert whole, "no stream had committed at the kill"


# Each stream's rows: (its records, its lines).
STREAM_ROWS = {
    "customers": ("netsuite_customer", None),
    "items": ("netsuite_item", None),
    "transactions:CustInvc": ("netsuite_transaction", "CustInvc"),
    "transactions:CustCred": ("netsuite_transaction", "CustCred"),
}


def stream_rows(store: RevRecStore, stream: str) -> tuple[list, list]:
    table, kind = STREAM_ROWS[stream]
    if kind is None:
        return store.snapshot(table), []
    ids = {row[0] for row in store.snapshot(table) if row[1] == kind}
    headers = [row for row in store.snapshot(table) if row[0] in ids]
    return headers, [row for row in store.snapshot("netsuite_transaction_line") if row[0] in ids]
