"""Two periods closed before the daemon looks: under `dagster dev` with the run queue the
project manages (the limits of the shipped dagster.yaml), the period-close sensor's one tick requests both posting runs, the queue runs
them one at a time, and they post in period order, each external id once (SPEC §8)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import dagster as dg
import pytest

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.partitions import POSTING_RUN_TAG
from revrec_pipeline.runner import managed_instance_yaml
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.journals import postings, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment, sandbox_mapping_csv, sync
from revrec_pipeline_tests.ui_smoke_helpers import RUNS_OF_JOB_QUERY, DagsterDev

PERIODS = ["2026-10", "2026-11"]


@pytest.mark.slow
def test_two_closes_post_one_after_the_other_in_period_order(
    tmp_path, sqlite_database_url, monkeypatch
):
    dataset = generate_dataset(seed=3, size="tiny")
    with NetSuiteSandbox(SandboxConfig(), dataset) as sb:
        env = sandbox_environment(sb, tmp_path / "home", sqlite_database_url)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        store = RevRecStore(sqlite_database_url)
        store.create_all()
        customers_csv, orders_csv = dataset.write_crm_csv(tmp_path / "crm")
        import_crm_files(store, Path(customers_csv), Path(orders_csv))
        set_go_live(store, PERIODS[0])
        with dg.instance_for_test() as instance:
            sync(instance)
        replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
        for period in PERIODS:
            close_period(store, period)

        dev = DagsterDev({**os.environ, **env}, tmp_path / "dagster_home", tmp_path / "dev.log")
        try:
            dev.start(120, instance_yaml=managed_instance_yaml())

            def both_done():
                runs = dev.graphql(
                    RUNS_OF_JOB_QUERY, filter={"pipelineName": "journal_posting_job"}
                )
                results = runs["runsOrError"]["results"]
                failed = [r for r in results if r["status"] in ("FAILURE", "CANCELED")]
                if failed:
                    dev.fail(f"posting runs failed: {failed}")
                done = [r for r in results if r["status"] == "SUCCESS"]
                return done if len(done) == len(PERIODS) else None

            started = time.monotonic()
            runs = dev.poll("both posting runs to succeed", both_done, timeout=240)
            print(f"both posting runs done {time.monotonic() - started:.1f} s after the webserver")
        finally:
            survivors = dev.stop()
        assert not survivors, survivors
        held = [e["externalId"] for e in sb.journal_entries()]

    by_period = {{t["key"]: t["value"] for t in r["tags"]}["dagster/partition"]: r for r in runs}
    assert sorted(by_period) == PERIODS
    october, november = (by_period[p] for p in PERIODS)
    assert october["endTime"] <= november["startTime"], "the queue ran them at the same time"
    for run in runs:
        tags = {t["key"]: t["value"] for t in run["tags"]}
        assert tags["dagster/sensor_name"] == "period_close_sensor"
        assert tags[POSTING_RUN_TAG[0]] == POSTING_RUN_TAG[1]
    stored = postings(store)
    assert {p["period"] for p in stored} == set(PERIODS)
    assert {p["status"] for p in stored} == {"posted"}
    assert sorted(held) == sorted(p["external_id"] for p in stored) and len(set(held)) == len(held)
    last_october = max(p["posted_at"] for p in stored if p["period"] == PERIODS[0])
    first_november = min(p["posted_at"] for p in stored if p["period"] == PERIODS[1])
    assert last_october <= first_november
