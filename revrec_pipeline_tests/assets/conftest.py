"""The whole pipeline against a sandbox with "small" generated data, on both store backends."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from revrec_pipeline.crm import import_crm_files
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline_tests.pipeline_helpers import sandbox_environment


@pytest.fixture(scope="session")
def small_dataset():
    return generate_dataset(seed=11, size="small")


@pytest.fixture
def flow(small_dataset, database_url, tmp_path, monkeypatch):
    """(sandbox, dataset, store, dagster instance, REVREC_HOME) with the CRM data loaded."""
    with NetSuiteSandbox(SandboxConfig(), small_dataset) as sb:
        for name, value in sandbox_environment(sb, tmp_path / "home", database_url).items():
            monkeypatch.setenv(name, value)
        store = RevRecStore(database_url)
        store.create_all()
        customers_csv, orders_csv = small_dataset.write_crm_csv(tmp_path / "crm")
        import_crm_files(store, Path(customers_csv), Path(orders_csv))
        with dg.instance_for_test() as instance:
            yield sb, small_dataset, store, instance, tmp_path / "home"
