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
        # Kill once the invoice stream is well under way (its transaction is open).
        deadline = time.monotonic() + 60
        while sb.stats.suiteql_requests < profiled + 8 and time.monotonic() < deadline:
            assert process.poll() is None, "the extraction finished before it could be killed"
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        assert process.returncode == -signal.SIGKILL

        killed = RevRecStore(database_url)
        killed.create_all()
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
