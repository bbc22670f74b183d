"""The Dagster instances the project configures: the one it manages under REVREC_HOME/dagster
(written by runner.prepare_managed_instance) and the production dagster.yaml it ships."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
from dagster._core.instance.config import dagster_instance_config

from revrec_pipeline.assets.crm import crm_customers
from revrec_pipeline.partitions import POSTING_RUN_TAG
from revrec_pipeline.runner import (
    MANAGED_INSTANCE_VERSION,
    dagster_instance,
    managed_instance_yaml,
    prepare_managed_instance,
)
from revrec_pipeline.settings import load_settings
from revrec_pipeline.store.db import StoreResource

REPO = Path(__file__).resolve().parents[1]
POSTING_LIMIT = {"key": POSTING_RUN_TAG[0], "value": POSTING_RUN_TAG[1], "limit": 1}


def test_the_managed_instance_limits_the_netsuite_pool_and_serializes_posting(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("REVREC_HOME", str(tmp_path / "home"))
    with dagster_instance() as instance:
        folder = tmp_path / "home" / "dagster"
        assert (folder / "dagster.yaml").read_text() == managed_instance_yaml()
        assert instance.is_persistent
        assert Path(instance.root_directory).resolve() == folder.resolve()

        config = instance.get_concurrency_config()
        assert config.pool_config.default_pool_limit == 1
        assert config.pool_config.pool_granularity.value == "op"
        assert config.run_queue_config.tag_concurrency_limits == [POSTING_LIMIT]
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert instance.run_coordinator.dequeue_interval_seconds == 1
        assert instance.run_monitoring_enabled
        assert instance.run_monitoring_settings["free_slots_after_run_end_seconds"] > 0
        assert not instance.telemetry_enabled

        # The netsuite pool takes its one slot from the default as soon as it is used.
        assert instance.event_log_storage.initialize_concurrency_limit_to_default("netsuite")
        assert instance.event_log_storage.get_concurrency_info("netsuite").slot_count == 1

        result = dg.materialize(
            [crm_customers],
            resources={"store": StoreResource(database_url=load_settings().database_url)},
            instance=instance,
        )
        assert result.success
    # Kept between commands: a second command sees the first one's run.
    with dagster_instance() as again:
        assert again.get_run_by_id(result.run_id).is_success


def test_an_older_managed_config_is_rewritten_and_the_users_own_is_kept(tmp_path):
    folder = tmp_path / "dagster"
    folder.mkdir()
    path = folder / "dagster.yaml"
    older = MANAGED_INSTANCE_VERSION - 1
    path.write_text(f"# revrec-managed-instance: version {older}\ntelemetry:\n  enabled: false\n")
    prepare_managed_instance(folder)
    assert path.read_text() == managed_instance_yaml()

    own = "# my own instance\nconcurrency:\n  pools:\n    default_limit: 3\n"
    path.write_text(own)
    prepare_managed_instance(folder)
    assert path.read_text() == own
    with dg.DagsterInstance.from_config(str(folder)) as instance:
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 3


def test_the_shipped_dagster_yaml_validates_and_serializes_posting(tmp_path, monkeypatch):
    """Schema validation only (no connection); test_production_instance runs it on PostgreSQL."""
    shutil.copy(REPO / "dagster.yaml", tmp_path / "dagster.yaml")
    for name in ("USERNAME", "PASSWORD", "HOST", "DB"):
        monkeypatch.setenv(f"DAGSTER_PG_{name}", "unused")
    monkeypatch.setenv("DAGSTER_PG_PORT", "5432")
    config, custom_class = dagster_instance_config(str(tmp_path))
    assert custom_class is None
    assert "postgres" in config["storage"]
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [POSTING_LIMIT]
    assert config["concurrency"]["pools"] == {"default_limit": 1, "granularity": "op"}
    assert config["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    assert config["telemetry"] == {"enabled": False}
