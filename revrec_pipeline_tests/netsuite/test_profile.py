"""The account profile against the sandbox over a real socket: discovery, the freshness rule a
sync applies, and syncs of accounts whose features are off (SPEC §4)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from revrec_pipeline.netsuite.errors import NetSuiteQueryError
from revrec_pipeline.netsuite.profile import FEATURE_COLUMNS, AccountProfile, discover_profile
from revrec_pipeline.netsuite.queries import INVOICE
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig
from revrec_pipeline.store.db import utcnow
from revrec_pipeline.store.profile import read_profile, save_profile
from revrec_pipeline_tests.sandbox_helpers import (
    expected_lines,
    extract_all,
    extractor,
    netsuite_resource,
    recording_client,
    stored_lines,
    stored_segments,
)

EVERY_COLUMN = {f"{t}.{c}" for cols in FEATURE_COLUMNS.values() for t, c in cols}
PROBE = re.compile(r"^SELECT ([\w, ]+) FROM (\w+) WHERE \w+ = \?$")


def probes(client) -> list[str]:
    return [text for text, _ in client.sent if PROBE.match(text)]


def probed_columns(client) -> set[str]:
    """table.column of every column the client's probes named."""
    named = set()
    for text in probes(client):
        columns, table = PROBE.match(text).groups()
        named |= {f"{table}.{c.strip()}" for c in columns.split(",")}
    return named


def test_discovery_finds_every_feature_of_a_full_account(sandbox):
    client = netsuite_resource(sandbox).get_client()
    profile = discover_profile(client, sandbox.config.account_id)
    assert set(profile.columns) == EVERY_COLUMN
    assert all(profile.feature(name) for name in FEATURE_COLUMNS)
    assert {"type=invoice", "type=creditmemo", "type=customer"} <= set(profile.deleted_record_forms)
    assert profile.calendar_months is True
    assert profile.discovered_at is not None and profile.is_fresh(utcnow())


def test_a_passing_500_does_not_drop_a_column_from_the_profile(sandbox):
    client = netsuite_resource(sandbox, max_concurrency=1).get_client()
    sandbox.fail_next(2, status=500)  # the first probe: two 500s, then its answer
    profile = discover_profile(client, sandbox.config.account_id)
    assert sandbox.stats.injected_faults == 2
    assert set(profile.columns) == EVERY_COLUMN


@pytest.mark.parametrize("known", [True, False, None])
def test_a_probe_that_keeps_answering_500_leaves_the_previous_verdict(sandbox, known):
    """A persistent 500 is ambiguous (a bad field, or NetSuite unwell): what the previous
    profile said about the column stands; with no previous profile it counts as absent."""
    everything = AccountProfile.everything(sandbox.config.account_id)
    previous = None
    if known is not None:
        columns = everything.columns if known else everything.columns[1:]
        previous = replace(everything, columns=columns)
    first = "transactionline.department"  # the first column probed
    assert everything.columns[0] == first
    # One request at a time, so that the injected failures all reach the first probes (the
    # probes run side by side otherwise): the joint transactionline probe and both of its
    # retries, so each of its columns is probed alone, then the first of those and its retries.
    client = netsuite_resource(sandbox, max_concurrency=1).get_client()
    sandbox.fail_next(6, status=500)
    profile = discover_profile(client, sandbox.config.account_id, previous=previous)
    assert sandbox.stats.injected_faults == 6
    assert profile.has("transactionline", "department") is bool(known)
    assert set(profile.columns) - {first} == EVERY_COLUMN - {first}


def test_a_sync_discovers_and_stores_the_profile_when_none_is_stored(sandbox, store):
    client = recording_client(sandbox)
    extract_all(sandbox, store, client=client)
    stored = read_profile(store, sandbox.config.account_id)
    assert stored is not None and set(stored.columns) == EVERY_COLUMN
    assert probed_columns(client) == EVERY_COLUMN
    # One probe per table: every feature is on, so each table's joint probe answers.
    assert len(probes(client)) == len({c.split(".")[0] for c in EVERY_COLUMN}) == 3
    # The next sync uses it: not one probe.
    again = recording_client(sandbox)
    extract_all(sandbox, store, client=again)
    assert probes(again) == []


def test_a_fresh_stored_profile_is_used_and_a_stale_one_rediscovered(sandbox, store):
    everything = AccountProfile.everything(sandbox.config.account_id)
    without_class = replace(
        everything,
        features={**everything.features, "classes": False},
        columns=tuple(c for c in everything.columns if c != "transactionline.class"),
        discovered_at=utcnow() - timedelta(hours=23),
    )
    save_profile(store, without_class)
    client = recording_client(sandbox)
    extract_all(sandbox, store, client=client)
    assert probes(client) == []
    assert not any("tl.class" in text for text, _ in client.sent)
    assert any("tl.department" in text for text, _ in client.sent)

    save_profile(store, replace(without_class, discovered_at=utcnow() - timedelta(hours=25)))
    client = recording_client(sandbox)
    extract_all(sandbox, store, client=client)
    assert "transactionline.class" in probed_columns(client)
    stored = read_profile(store, sandbox.config.account_id)
    assert stored.has("transactionline", "class") and stored.is_fresh(utcnow())


# needs the sandbox helper's feature switches (departments, classes, locations)
def test_a_sync_of_an_account_without_segments_succeeds_with_them_empty(tiny, store):
    config = SandboxConfig(departments=False, classes=False, locations=False)
    with NetSuiteSandbox(config, tiny) as sb:
        client = recording_client(sb)
        extract_all(sb, store, client=client)
        expected = expected_lines(sb)
    profile = read_profile(store, config.account_id)
    assert [profile.feature(f) for f in ("departments", "classes", "locations")] == [False] * 3
    assert profile.feature("multi_currency") is True
    for text, _params in client.sent:
        if not PROBE.match(text):
            assert not re.search(r"\btl\.(department|class|location)\b", text), text
    assert stored_segments(store) == [(None, None, None)]
    assert stored_lines(store) == expected


# needs the sandbox helper's feature switches (classes)
def test_a_profile_that_claims_a_feature_the_account_lacks_fails_in_one_sentence(tiny, store):
    with NetSuiteSandbox(SandboxConfig(classes=False), tiny) as sb:
        ex = extractor(sb, store, profile=AccountProfile.everything(sb.config.account_id))
        with pytest.raises(NetSuiteQueryError) as caught:
            ex.extract_transactions(INVOICE)
    message = str(caught.value)
    assert message.startswith("NetSuite ") and "the invoices line query" in message
    assert "tl.class" in message and "Classes" in message
    assert message.endswith("run `revrec connect` to re-profile the account.")
    assert "\n" not in message and sb.config.token_secret not in message


# needs the sandbox helper's feature switches (classes)
def test_a_missing_column_is_found_by_probing_its_table_column_by_column(tiny):
    """The joint probe of a table fails when one of its columns is missing; then each column
    is probed alone, and only the missing one is left out."""
    with NetSuiteSandbox(SandboxConfig(classes=False), tiny) as sb:
        client = recording_client(sb)
        profile = discover_profile(client, sb.config.account_id)
    assert set(profile.columns) == EVERY_COLUMN - {"transactionline.class"}
    assert profile.feature("classes") is False and profile.feature("departments") is True
    line_columns = [c for c in EVERY_COLUMN if c.startswith("transactionline.")]
    # The joint probe, then one per column; the other two tables' joint probes answered.
    assert len(probes(client)) == 1 + len(line_columns) + 2
    assert probed_columns(client) == EVERY_COLUMN


def test_the_probes_run_side_by_side_within_the_budget(sandbox):
    """Discovery is a handful of one-row queries: they overlap, never beyond the client's limit."""
    sandbox.apply_config({"latency_ms": 50})
    client = netsuite_resource(sandbox, max_concurrency=4).get_client()
    sandbox.reset_stats()
    profile = discover_profile(client, sandbox.config.account_id)
    assert set(profile.columns) == EVERY_COLUMN
    assert 2 <= sandbox.stats.max_in_flight <= 4
    assert sandbox.stats.rejected_429 == 0
