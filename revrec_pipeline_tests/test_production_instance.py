"""The repository's dagster.yaml (production instance) against the machine's PostgreSQL: it
loads, stores runs and events in PostgreSQL, queues runs and limits the netsuite pool."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from revrec_pipeline.assets.crm import crm_customers, crm_sales_orders
from revrec_pipeline.definitions import build_definitions
from revrec_pipeline.partitions import POSTING_RUN_TAG
from revrec_pipeline.settings import load_settings
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline_tests.conftest import postgres_url

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def dagster_database():
    base = postgres_url()
    if not base:
        pytest.skip("REVREC_TEST_POSTGRES_URL is not set")
    name = f"dagster_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base), name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_production_dagster_yaml_on_postgres(dagster_database, tmp_path, monkeypatch):
    url, database = dagster_database
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    for name, value in {
        "DAGSTER_HOME": str(home),
        "DAGSTER_PG_USERNAME": url.username or "postgres",
        "DAGSTER_PG_PASSWORD": url.password or "",
        "DAGSTER_PG_HOST": url.host or "127.0.0.1",
        "DAGSTER_PG_PORT": str(url.port or 5432),
        "DAGSTER_PG_DB": database,
        "REVREC_HOME": str(tmp_path / "revrec"),
    }.items():
        monkeypatch.setenv(name, value)

    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] == 300

        defs = build_definitions(load_settings())
        job = defs.resolve_job_def("invoice_sync_job")
        # Assets that need no NetSuite: the CRM tables, on the production instance.
        result = dg.materialize(
            [crm_customers, crm_sales_orders],
            resources={"store": StoreResource(database_url=load_settings().database_url)},
            instance=instance,
        )
        assert result.success
        stored = instance.get_run_by_id(result.run_id)
        assert stored is not None and stored.is_success
        assert job.name == "invoice_sync_job"
        # The netsuite pool: every NetSuite step shares its single slot.
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1
        assert instance.event_log_storage.initialize_concurrency_limit_to_default("netsuite")
        assert instance.event_log_storage.get_concurrency_info("netsuite").slot_count == 1
        run_queue = instance.get_concurrency_config().run_queue_config
        assert run_queue.max_concurrent_runs == 4
        # One journal posting run at a time (the tag the posting runs carry).
        assert run_queue.tag_concurrency_limits == [
            {"key": POSTING_RUN_TAG[0], "value": POSTING_RUN_TAG[1], "limit": 1}
        ]
