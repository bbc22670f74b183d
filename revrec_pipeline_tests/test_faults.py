"""Fault suite (small sizes): injected 5xx and 429 storms, SIGKILL during the sync (extraction
and load) and during posting, and NetSuite going away mid-run. After each, a re-run leaves the
store and NetSuite's ledger exactly as a clean run does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.netsuite.errors import NetSuiteServerError
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.journals import postings, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import (
    post,
    sandbox_environment,
    sandbox_mapping_csv,
    sync,
)
from revrec_pipeline_tests.sandbox_helpers import extract_all, store_state

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dataset():
    return generate_dataset(seed=21, size=3000)


def clean_state(dataset, tmp_path) -> dict:
    store = RevRecStore(f"sqlite:///{tmp_path / 'clean.db'}")
    store.create_all()
    with NetSuiteSandbox(SandboxConfig(), dataset) as sb:
        extract_all(sb, store)
    return store_state(store)


def test_5xx_at_ten_percent_and_a_429_storm_give_identical_results(dataset, tmp_path):
    expected = clean_state(dataset, tmp_path)
    store = RevRecStore(f"sqlite:///{tmp_path / 'faulty.db'}")
    store.create_all()
    # 10% of requests answered 5xx, and only one request at a time allowed (a 429 storm for a
    # client running four).
    config = SandboxConfig(fault_rate=0.10, fault_seed=5, max_concurrency=1)
    with NetSuiteSandbox(config, dataset) as sb:
        results = extract_all(sb, store, max_attempts=20, backoff_base_seconds=0.02)
        assert sb.stats.injected_faults > 0 and sb.stats.rejected_429 > 0
    assert results["stats"]["retries"] >= 1
    assert store_state(store) == expected


def test_netsuite_restarting_mid_run_then_rerun(dataset, tmp_path):
    expected = clean_state(dataset, tmp_path)
    store = RevRecStore(f"sqlite:///{tmp_path / 'restart.db'}")
    store.create_all()
    sandbox_db = str(tmp_path / "sandbox.db")
    NetSuiteSandbox(SandboxConfig(), dataset, db_path=sandbox_db).close()
    sb = NetSuiteSandbox(SandboxConfig(latency_ms=40), db_path=sandbox_db).start()
    port = int(sb.url.rsplit(":", 1)[1])
    outcome: dict = {}

    def extract() -> None:
        try:
            extract_all(sb, store, max_attempts=6, backoff_base_seconds=0.2)
            outcome["ok"] = True
        except NetSuiteServerError as exc:
            outcome["error"] = str(exc)

    worker = threading.Thread(target=extract)
    worker.start()
    while sb.stats.suiteql_requests < 6:
        time.sleep(0.01)
    sb.stop()  # NetSuite goes away ...
    time.sleep(1.0)
    sb.start(port=port)  # ... and comes back on the same address
    worker.join(timeout=120)
    try:
        # Either the client's retries rode it out, or the run failed with a clear sentence.
        assert outcome.get("ok") or "did not answer" in outcome.get("error", ""), outcome
        sb.config.latency_ms = 0
        extract_all(sb, store)
    finally:
        sb.close()
    assert store_state(store) == expected


def _subprocess_env(sb, tmp_path, database_url) -> dict:
    dagster_home = tmp_path / "dagster_home"
    dagster_home.mkdir(exist_ok=True)
    (dagster_home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return {
        **os.environ,
        **sandbox_environment(sb, tmp_path / "home", database_url),
        "DAGSTER_HOME": str(dagster_home),
    }


def _live_store(sb, dataset, tmp_path, database_url, monkeypatch) -> tuple[dict, RevRecStore]:
    """Environment for this process and for a `revrec` subprocess, and a store with the CRM
    data loaded and go-live set to 2026-10."""
    env = _subprocess_env(sb, tmp_path, database_url)
    for name in (*sandbox_environment(sb, tmp_path / "home", database_url), "DAGSTER_HOME"):
        monkeypatch.setenv(name, env[name])
    store = RevRecStore(database_url)
    store.create_all()
    customers_csv, orders_csv = dataset.write_crm_csv(tmp_path / "crm")
    import_crm_files(store, Path(customers_csv), Path(orders_csv))
    set_go_live(store, "2026-10")
    return env, store


def _kill_when(process: subprocess.Popen, condition, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert process.poll() is None, "the command finished before it could be killed"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("kill_after_s", [0.0, 0.8, 1.6])
def test_sigkill_during_a_sync_then_rerun(
    dataset, tmp_path, sqlite_database_url, kill_after_s, monkeypatch
):
    """Killed at different moments of a sync job (extraction, the billing load, the workbook):
    a re-run leaves the billing schedule exactly as a clean sync does."""
    with NetSuiteSandbox(SandboxConfig(latency_ms=30), dataset) as sb:
        env, store = _live_store(sb, dataset, tmp_path, sqlite_database_url, monkeypatch)
        process = subprocess.Popen(
            [sys.executable, "-m", "revrec_pipeline", "sync"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        first_request: list[float] = []

        def reached() -> bool:
            # Counted from the run's first NetSuite request, so the kill lands mid-run.
            if not first_request and sb.stats.suiteql_requests:
                first_request.append(time.monotonic())
            return bool(first_request) and time.monotonic() - first_request[0] >= kill_after_s

        _kill_when(process, reached)
        sb.config.latency_ms = 0
        with dg.instance_for_test() as instance:
            sync(instance)
            after_rerun = store.snapshot("billing_schedule_line")
            sync(instance)  # a clean sync on top changes nothing
        assert _without_load_time(store.snapshot("billing_schedule_line")) == _without_load_time(
            after_rerun
        )
        assert store.count("billing_schedule_line") > 0


def _without_load_time(rows: list[tuple]) -> list[tuple]:
    return [row[:-1] for row in rows]  # loaded_at is the last column


def test_sigkill_during_posting_then_rerun_posts_each_entry_once(
    dataset, tmp_path, sqlite_database_url, monkeypatch
):
    with NetSuiteSandbox(SandboxConfig(), dataset) as sb:
        env, store = _live_store(sb, dataset, tmp_path, sqlite_database_url, monkeypatch)
        with dg.instance_for_test() as instance:
            sync(instance)
        replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
        close_period(store, "2026-10")

        sb.config.latency_ms = 250
        before = sb.stats.journal_requests
        process = subprocess.Popen(
            [sys.executable, "-m", "revrec_pipeline", "journals", "post", "2026-10"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill mid-posting: some entries are in NetSuite, some not, one perhaps half-recorded.
        _kill_when(process, lambda: sb.stats.journal_requests - before >= 3)
        partial = {e["externalId"] for e in sb.journal_entries()}
        assert partial, "some entries reached NetSuite before the kill"

        sb.config.latency_ms = 0
        with dg.instance_for_test() as instance:
            result = post(instance, "2026-10")
        assert result.success, result.summary()
        planned = {p["external_id"] for p in postings(store, "2026-10")}
        held = [
            e["externalId"]
            for e in sb.journal_entries()
            if str(e.get("externalId", "")).startswith("revrec-2026-10-")
        ]
        assert sorted(held) == sorted(planned)  # every entry exactly once
        assert {p["status"] for p in postings(store, "2026-10")} == {"posted"}
