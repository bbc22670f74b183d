"""The period-close sensor and posting runs over accounting-period partitions (SPEC §8): two
closes seen in one tick post both, in period order, each external id once; an out-of-order run
waits for its turn and is requested again; periods already posted leave nothing to launch."""

from __future__ import annotations

import urllib.request
from decimal import Decimal

import dagster as dg
import pytest

from revrec_pipeline.automation import period_close_sensor
from revrec_pipeline.definitions import build_definitions
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.partitions import ACCOUNTING_PERIOD, POSTING_RUN_TAG
from revrec_pipeline.runner import managed_instance_settings, run_job
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.journals import postings, replace_mapping
from revrec_pipeline.store.periods import close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import post, sandbox_mapping_csv, sync

# The instance the project manages (the limits of the shipped dagster.yaml): one posting run
# at a time.
POSTING_QUEUE = managed_instance_settings()


def tick(instance, store, cursor: str | None = None):
    """One sensor evaluation, as the daemon runs it: its partition requests applied, and the
    requests whose run key already has a run dropped (the daemon's run-key dedup)."""
    context = dg.build_sensor_context(
        cursor=cursor,
        instance=instance,
        resources={"store": StoreResource(database_url=store.database_url)},
        definitions=build_definitions(),
    )
    result = period_close_sensor(context)
    if isinstance(result, dg.SkipReason):
        return [], [], result.skip_message
    added = []
    for request in result.dynamic_partitions_requests:
        assert request.partitions_def_name == ACCOUNTING_PERIOD
        instance.add_dynamic_partitions(ACCOUNTING_PERIOD, list(request.partition_keys))
        added += list(request.partition_keys)
    used = {run.tags.get("dagster/run_key") for run in instance.get_runs()}
    return added, [r for r in result.run_requests if r.run_key not in used], None


def launch(instance, request: dg.RunRequest) -> dg.DagsterRun:
    """Run a request as the daemon would: its partition, its run key, the job's own tags."""
    run = run_job(
        "journal_posting_job",
        instance=instance,
        progress=lambda message: None,
        partition_key=request.partition_key,
        tags={"dagster/run_key": request.run_key, **request.tags},
    )
    stored = instance.get_run_by_id(run.run_id)
    assert stored.tags[POSTING_RUN_TAG[0]] == POSTING_RUN_TAG[1]  # the queue serializes it
    return run


def close_october(sb, store, instance) -> None:
    """Go-live in October, a sync, the sandbox mapping, October closed."""
    set_go_live(store, "2026-10")
    sync(instance)
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, "2026-10")


def close_two_periods(sb, store, instance) -> None:
    close_october(sb, store, instance)
    close_period(store, "2026-11")


def posted_order(store) -> list[str]:
    rows = sorted(postings(store), key=lambda p: (p["posted_at"], p["external_id"]))
    return [p["period"] for p in rows]


@pytest.fixture
def queued_instance():
    with dg.instance_for_test(overrides=POSTING_QUEUE) as instance:
        yield instance


def test_one_tick_sees_two_closes_and_both_post_in_period_order(flow, queued_instance):
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_two_periods(sb, store, instance)

    added, requests, _ = tick(instance, store)
    assert added == ["2026-10", "2026-11"]
    assert [r.partition_key for r in requests] == ["2026-10", "2026-11"]
    assert requests[0].run_key.startswith("2026-10-close-1-earlier-")
    assert requests[1].run_key.startswith("2026-11-close-2-earlier-")
    limits = instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert {"key": POSTING_RUN_TAG[0], "value": POSTING_RUN_TAG[1], "limit": 1} in limits

    # The queue runs them one at a time in the order requested.
    for request in requests:
        run = launch(instance, request)
        assert run.success, run.summary()
    assert posted_order(store) == sorted(posted_order(store))
    assert {p["period"] for p in postings(store)} == {"2026-10", "2026-11"}
    held = [e["externalId"] for e in sb.journal_entries()]
    assert sorted(held) == sorted(p["external_id"] for p in postings(store))
    assert len(held) == len(set(held))  # each external id once

    _, again, skipped = tick(instance, store)
    assert again == [] and "posted" in skipped


def test_a_run_out_of_order_waits_and_is_requested_again(flow, queued_instance):
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_two_periods(sb, store, instance)
    _, requests, _ = tick(instance, store)
    first, second = requests

    early = launch(instance, second)  # November before October
    assert not early.success
    assert "Post the journals of 2026-10 before 2026-11: periods post in order." in early.summary()
    assert postings(store, "2026-11") == [] and sb.journal_entries() == []

    assert launch(instance, first).success
    _, retry, _ = tick(instance, store)
    # October has posted: November's key is new, so it is asked for again: never lost.
    assert [r.partition_key for r in retry] == ["2026-11"]
    assert retry[0].run_key != second.run_key
    assert launch(instance, retry[0]).success
    assert {p["status"] for p in postings(store, "2026-11")} == {"posted"}


def test_periods_posted_outside_the_sensor_leave_it_nothing_to_launch(flow, queued_instance):
    """`revrec journals post` (as the demo runs it) posted the period: on its first start the
    sensor adds the partition of every closed period and requests no run."""
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_october(sb, store, instance)
    assert post(instance, "2026-10").success

    with dg.instance_for_test() as fresh:  # a Dagster instance that has never seen the period
        # The cursor an earlier version of the sensor left is accepted, and not needed.
        added, requests, _ = tick(fresh, store, cursor='{"last_close_id": 0}')
        assert added == ["2026-10"] and requests == []
        assert fresh.get_dynamic_partitions(ACCOUNTING_PERIOD) == ["2026-10"]


def test_a_period_being_posted_is_not_requested_twice(flow, queued_instance):
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_two_periods(sb, store, instance)
    _, requests, _ = tick(instance, store)
    # October's run is under way (started by the daemon, not finished).
    job = build_definitions().resolve_job_def("journal_posting_job")
    instance.create_run_for_job(
        job,
        status=dg.DagsterRunStatus.STARTED,
        tags={"dagster/partition": "2026-10", "dagster/run_key": requests[0].run_key},
    )
    _, again, _ = tick(instance, store)
    assert [r.partition_key for r in again] == ["2026-11"]
    assert again[0].run_key == requests[1].run_key  # the same key: the daemon dedupes it


def test_a_run_that_failed_on_its_own_is_not_relaunched_until_an_earlier_period_changes(
    flow, queued_instance
):
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_two_periods(sb, store, instance)
    sb.set_period_closed("2026-10", closed=True)  # NetSuite refuses October: a real failure
    _, (october, november), _ = tick(instance, store)
    assert not launch(instance, october).success
    assert not launch(instance, november).success  # waits for October
    _, again, _ = tick(instance, store)
    assert again == []  # nothing relaunched behind the user's back

    sb.set_period_closed("2026-10", closed=False)
    assert post(instance, "2026-10").success  # the user fixes it and posts October
    _, after, _ = tick(instance, store)
    assert [r.partition_key for r in after] == ["2026-11"]
    assert launch(instance, after[0]).success


def test_a_period_an_earlier_version_failed_to_post_is_requested_again(flow, queued_instance):
    """Before partitions, a run that lost the race failed with `period-close-P-<close>` as its
    key; the daemon would skip that key forever. The new keys differ, so it is asked again."""
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_two_periods(sb, store, instance)
    job = build_definitions().resolve_job_def("journal_posting_job")
    for period, close_id in (("2026-10", 1), ("2026-11", 2)):
        instance.create_run_for_job(
            job,
            status=dg.DagsterRunStatus.FAILURE,
            tags={
                "dagster/run_key": f"period-close-{period}-{close_id}",
                "dagster/sensor_name": "period_close_sensor",
                "revrec/period": period,
            },
        )
    _, requests, _ = tick(instance, store)
    assert [r.partition_key for r in requests] == ["2026-10", "2026-11"]


def test_sensor_and_cli_runs_post_the_same_entries(flow, queued_instance, tmp_path):
    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_october(sb, store, instance)
    _, requests, _ = tick(instance, store)
    first = launch(instance, requests[0])
    assert first.success
    by_sensor = {p["external_id"]: (p["debit_cents"], p["lines"]) for p in postings(store)}
    held = sb.journal_entries()

    # The run shows each posting with its NetSuite id, and a link that opens the record.
    shown = first.materializations["posted_journals"]
    table = {r.data["external_id"]: r.data for r in shown["postings"].records}
    stored = {p["external_id"]: p for p in postings(store)}
    assert {k: v["netsuite_id"] for k, v in table.items()} == {
        k: p["netsuite_id"] for k, p in stored.items()
    }
    assert {k: Decimal(str(v["debit"])) for k, v in table.items()} == {
        k: Decimal(p["debit_cents"]) / 100 for k, p in stored.items()
    }
    for external_id, posting in stored.items():
        url = shown[f"netsuite_journal {external_id}"]
        assert url == f"{sb.url}/app/accounting/transactions/journal.nl?id={posting['netsuite_id']}"
        page = urllib.request.urlopen(url).read().decode()
        assert external_id in page

    again = post(instance, "2026-10")  # `revrec journals post 2026-10`: the same partition
    assert again.success, again.summary()
    assert again.materializations["posted_journals"]["written_now"] == 0
    assert {p["external_id"]: (p["debit_cents"], p["lines"]) for p in postings(store)} == by_sensor
    assert sb.journal_entries() == held
    partitions = instance.get_materialized_partitions(dg.AssetKey("posted_journals"))
    assert partitions == {"2026-10"}


def test_posting_an_open_period_is_refused_before_any_run(flow, queued_instance):
    from revrec_pipeline.runner import post_period_now
    from revrec_pipeline.store.periods import PeriodError

    _sb, _dataset, store, _instance, _home = flow
    set_go_live(store, "2026-10")
    with pytest.raises(PeriodError) as refused:
        post_period_now(store, "2026-10", instance=queued_instance, progress=lambda m: None)
    assert str(refused.value) == (
        "Period 2026-10 is not closed; journals are posted for closed periods "
        "(`revrec period close 2026-10` first)."
    )
    assert queued_instance.get_dynamic_partitions(ACCOUNTING_PERIOD) == []
    assert queued_instance.get_runs() == []


def test_jobs_schedule_and_sensor_say_what_they_do_and_who_owns_them():
    defs = build_definitions()
    annotated = [
        defs.resolve_job_def("invoice_sync_job"),
        defs.resolve_job_def("journal_posting_job"),
        defs.resolve_schedule_def("daily_invoice_sync"),
        defs.resolve_sensor_def("period_close_sensor"),
    ]
    for definition in annotated:
        assert definition.description and len(definition.description) > 40, definition.name
        assert definition.owners == ["team:revrec"], definition.name
        assert definition.tags.get("revrec/flow") in ("invoices", "journals"), definition.name
    posting = defs.resolve_job_def("journal_posting_job")
    assert posting.partitions_def.name == ACCOUNTING_PERIOD
    assert posting.tags[POSTING_RUN_TAG[0]] == POSTING_RUN_TAG[1]


def test_a_reopened_period_closed_again_gets_a_new_posting_run(flow, queued_instance):
    """Reopen and re-close: the sensor fires for the new close (a new run key), and once that
    run has settled the period it asks for nothing more."""
    from revrec_pipeline.runner import reopen_period_now

    sb, _dataset, store, _instance, _home = flow
    instance = queued_instance
    close_october(sb, store, instance)
    _, (first,), _ = tick(instance, store)
    assert launch(instance, first).success
    assert tick(instance, store)[1] == []

    reopen_period_now(store, "2026-10", instance=instance, progress=lambda message: None)
    assert tick(instance, store)[1] == []  # reopened: nothing to post until it closes again
    close_period(store, "2026-10")
    _, (again,), _ = tick(instance, store)
    assert again.partition_key == "2026-10"
    assert again.run_key.startswith("2026-10-close-2-earlier-") and again.run_key != first.run_key
    assert launch(instance, again).success
    assert tick(instance, store)[1] == []
    assert {p["status"] for p in postings(store, "2026-10")} == {"posted"}
