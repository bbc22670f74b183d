"""The extract assets through Dagster's own APIs, and the job and schedule definitions."""

from __future__ import annotations

import dagster as dg
import pytest

from revrec_pipeline.assets.netsuite import netsuite_assets
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline_tests.sandbox_helpers import expected_lines, netsuite_resource, stored_lines


@pytest.fixture
def sandbox():
    with NetSuiteSandbox(SandboxConfig(), generate_dataset(seed=21, size="tiny")) as sb:
        yield sb


def materializations(result) -> dict[str, dict]:
    out = {}
    for event in result.get_asset_materialization_events():
        m = event.event_specific_data.materialization
        out[m.asset_key.to_user_string()] = {k: v.value for k, v in m.metadata.items()}
    return out


def test_materialize_extract_assets_reports_metadata(sandbox, database_url):
    resources = {
        "netsuite": netsuite_resource(sandbox),
        "store": StoreResource(database_url=database_url),
    }
    with dg.instance_for_test() as instance:
        first = dg.materialize(netsuite_assets, resources=resources, instance=instance)
        assert first.success
        meta = materializations(first)
        assert set(meta) == {
            "netsuite_customers",
            "netsuite_items",
            "netsuite_invoices",
            "netsuite_credit_memos",
        }
        invoices = meta["netsuite_invoices"]
        for key in (
            "dagster/row_count",
            "pages",
            "requests",
            "retries",
            "rows",
            "watermark_utc",
            "lines",
            "shards",
            "deleted_in_netsuite",
            "documents_with_line_only_changes",
        ):
            assert key in invoices, key
        assert invoices["pages"] >= 2 and invoices["watermark_utc"]
        assert invoices["dagster/row_count"] > 0

        second = dg.materialize(netsuite_assets, resources=resources, instance=instance)
        assert second.success
        assert (
            materializations(second)["netsuite_invoices"]["watermark_utc"]
            == invoices["watermark_utc"]
        )
    store = RevRecStore(database_url)
    assert stored_lines(store) == expected_lines(sandbox)


def test_bad_credentials_fail_the_run_with_the_clear_message(sandbox, sqlite_database_url):
    resources = {
        "netsuite": netsuite_resource(sandbox, consumer_secret="not-the-secret-0b1c"),
        "store": StoreResource(database_url=sqlite_database_url),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [netsuite_assets[0]], resources=resources, instance=instance, raise_on_error=False
        )
        assert not result.success
        failure = next(e for e in result.all_events if e.is_step_failure)
        text = str(failure.step_failure_data.error.to_string())
        assert "NetSuite rejected the credentials for account 1234567_SB1 (INVALID_LOGIN)" in text
        assert "not-the-secret-0b1c" not in text
        run = instance.get_run_by_id(result.run_id)
        assert run.run_config == {}  # resources never enter run config


def test_definitions_load_with_job_schedule_and_pool():
    from revrec_pipeline.definitions import build_definitions
    from revrec_pipeline.settings import load_settings

    defs = build_definitions(load_settings({"NETSUITE_TIMEZONE": "America/New_York"}))
    dg.Definitions.validate_loadable(defs)
    job = defs.resolve_job_def("invoice_sync_job")
    assert {key.to_user_string() for key in job.asset_layer.executable_asset_keys} >= {
        "netsuite_customers",
        "netsuite_items",
        "netsuite_invoices",
        "netsuite_credit_memos",
    }
    schedule = defs.resolve_schedule_def("daily_invoice_sync")
    assert schedule.execution_timezone == "America/New_York"
    for asset in netsuite_assets:
        assert all(spec_pool == "netsuite" for spec_pool in [asset.op.pool])


def test_a_subset_of_the_extracts_runs_only_its_streams(sandbox, sqlite_database_url):
    """The extracts are one step that can be subset: materializing customers alone reads
    customers alone (and leaves the other streams' watermarks unset)."""
    resources = {
        "netsuite": netsuite_resource(sandbox),
        "store": StoreResource(database_url=sqlite_database_url),
    }
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            netsuite_assets,
            resources=resources,
            instance=instance,
            selection=["netsuite_customers"],
        )
        assert result.success
        meta = materializations(result)
    assert set(meta) == {"netsuite_customers"}
    assert meta["netsuite_customers"]["dagster/row_count"] > 0
    assert meta["netsuite_customers"]["seconds"] >= 0
    marks = RevRecStore(sqlite_database_url).watermarks()
    assert marks.get("customers") is not None
    assert marks.get("transactions:CustInvc") is None and marks.get("items") is None


def test_a_failed_stream_fails_the_step_and_the_others_materialize(sandbox, sqlite_database_url):
    resources = {
        "netsuite": netsuite_resource(sandbox),
        "store": StoreResource(database_url=sqlite_database_url),
    }
    sandbox.fail_requests_matching("'CustCred'", status=400, times=1000)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            netsuite_assets, resources=resources, instance=instance, raise_on_error=False
        )
    assert not result.success
    assert set(materializations(result)) == {
        "netsuite_customers",
        "netsuite_items",
        "netsuite_invoices",
    }
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = str(failure.step_failure_data.error.to_string())
    assert "NetSuite sync failed for credit memos: " in text
    assert "(committed: customers, items, invoices;" in text
    assert RevRecStore(sqlite_database_url).count_documents("CustCred") == 0
