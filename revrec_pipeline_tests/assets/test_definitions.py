"""The code location's asset graph and annotations, and the extracts' freshness as Dagster's
freshness daemon evaluates it after a real sync."""

from __future__ import annotations

import time
import warnings
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.freshness import FreshnessDaemon

from revrec_pipeline.definitions import build_definitions, with_code_references
from revrec_pipeline.settings import load_settings
from revrec_pipeline_tests.pipeline_helpers import sync

EXTRACTS = ["netsuite_customers", "netsuite_items", "netsuite_invoices", "netsuite_credit_memos"]
LINES_READ = {*EXTRACTS, "crm_customers"}
# What each output of the invoice step reads (SPEC §6), and nothing more.
INVOICE_DEPS = {
    "billing_schedule": LINES_READ,
    "pending_data": LINES_READ,
    "product": {"netsuite_items"},
    "recon_details_invoice": {
        "netsuite_invoices",
        "netsuite_credit_memos",
        "billing_schedule",
        "pending_data",
        "product",
    },
    "recon_summary_invoice": {"recon_details_invoice"},
    "invoice_workbook": {
        "billing_schedule",
        "product",
        "pending_data",
        "recon_details_invoice",
        "recon_summary_invoice",
    },
}
LAYERS = {"netsuite": {"extract"}, "crm": {"import"}, "billing": {"billing", "report"}}


@pytest.fixture(scope="module")
def graph():
    return build_definitions(load_settings()).resolve_asset_graph()


def nodes(graph, groups=None):
    return {
        key.to_user_string(): graph.get(key)
        for key in graph.get_all_asset_keys()
        if groups is None or graph.get(key).group_name in groups
    }


def test_each_invoice_output_depends_only_on_what_it_reads(graph):
    found = {
        name: {p.to_user_string() for p in node.parent_keys}
        for name, node in nodes(graph, {"billing"}).items()
    }
    assert found == INVOICE_DEPS
    for name in EXTRACTS:
        assert not graph.get(dg.AssetKey(name)).parent_keys


def test_every_asset_of_the_invoice_side_is_annotated(graph):
    annotated = nodes(graph, set(LAYERS))
    assert len(annotated) == 12
    for name, node in annotated.items():
        assert node.owners == ["team:revrec"], name
        assert node.kinds, name
        assert node.tags.get("layer") in LAYERS[node.group_name], name
        assert node.description and len(node.description) > 40, name


def test_every_asset_of_the_location_points_at_its_source(graph):
    for name, node in nodes(graph).items():
        references = node.metadata["dagster/code_references"].code_references
        assert len(references) == 1, name
        path, line = Path(references[0].file_path), references[0].line_number
        assert path.is_file() and path.parent.name == "assets", name
        source = path.read_text().splitlines()
        # The reference is the asset function's first line: its decorator or its `def`.
        assert source[line - 1].startswith(("@dg.asset", "@dg.multi_asset", "def ")), name
        assert any(s.startswith("def ") for s in source[line - 1 : line + 60]), name


def test_loading_the_location_prints_no_dagster_warnings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_definitions(load_settings())
    assert [str(w.message) for w in caught] == []


def test_only_the_extracts_must_be_refreshed_within_26_hours(graph):
    for name, node in nodes(graph).items():
        policy = node.freshness_policy
        if name in EXTRACTS:
            assert policy.fail_window.to_timedelta() == timedelta(hours=26), name
        else:
            assert policy is None, name


def freshness_states(instance, context) -> dict[str, str]:
    """One iteration of the daemon a deployment runs, then the states it recorded."""
    list(FreshnessDaemon().run_iteration(context))
    records = instance.get_freshness_state_records([dg.AssetKey(k) for k in EXTRACTS])
    return {k.to_user_string(): r.freshness_state.value for k, r in records.items()}


def test_freshness_passes_after_the_sync_and_fails_26_hours_later(flow):
    _sb, _dataset, _store, instance, _home = flow
    sync(instance)
    synced = time.time()
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(module_name="revrec_pipeline.definitions", attribute="defs")
    )
    with WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget([origin])) as context:
        assert freshness_states(instance, context) == dict.fromkeys(EXTRACTS, "PASS")
        with freeze_time(synced + timedelta(hours=25, minutes=59).total_seconds()):
            assert freshness_states(instance, context) == dict.fromkeys(EXTRACTS, "PASS")
        with freeze_time(synced + timedelta(hours=26, seconds=1).total_seconds()):
            assert freshness_states(instance, context) == dict.fromkeys(EXTRACTS, "FAIL")
        # The next daily sync makes them fresh again.
        sync(instance)
        assert freshness_states(instance, context) == dict.fromkeys(EXTRACTS, "PASS")


def test_an_asset_whose_source_cannot_be_read_loads_without_a_reference():
    namespace: dict = {"dg": dg}
    exec("@dg.asset\ndef generated():\n    return 1\n", namespace)  # no file to point at

    @dg.asset
    def written() -> int:
        return 1

    generated, referenced = with_code_references([namespace["generated"], written])
    assert (
        "dagster/code_references" not in generated.specs_by_key[dg.AssetKey("generated")].metadata
    )
    (reference,) = (
        referenced.specs_by_key[dg.AssetKey("written")]
        .metadata["dagster/code_references"]
        .code_references
    )
    assert reference.file_path == __file__
