"""Journal posting end to end on the sandbox, and the period-close sensor (SPEC §7, §8)."""

from __future__ import annotations

from decimal import Decimal

import dagster as dg

from revrec_pipeline.automation import period_close_sensor
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.invoices import set_go_live
from revrec_pipeline.store.journals import close_period, postings, replace_mapping
from revrec_pipeline_tests.pipeline_helpers import (
    check_evaluations,
    post,
    sandbox_mapping_csv,
    sync,
)


def go_live_and_close(sb, store, instance, *, mapping_without: str | None = None) -> None:
    set_go_live(store, "2026-10")
    sync(instance)
    replace_mapping(
        store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest, without=mapping_without))
    )
    close_period(store, "2026-10")


def sandbox_entries(sb, prefix: str) -> dict[str, dict]:
    return {
        e["externalId"]: e
        for e in sb.journal_entries()
        if str(e.get("externalId", "")).startswith(prefix)
    }


def cents(value) -> int:
    return int(Decimal(str(value or 0)) * 100)


def test_posting_is_exactly_once_through_failures(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    # Plan first (no NetSuite needed to know the external ids): a run with NetSuite refusing
    # the second entry outright, and losing the answer to the third after saving it.
    sb.fail_journal("revrec-2026-10-billing-GBP-1", status=400, times=1)
    sb.fail_journal("revrec-2026-10-billing-USD-1", status=500, times=1, after_commit=True)
    first = post(instance, "2026-10")
    assert not first.success
    states = {p["external_id"]: p["status"] for p in postings(store, "2026-10")}
    assert (
        f"posted_journals: 1 of {len(states)} journal entries for 2026-10 were not posted; "
        "re-run to post the rest (nothing is duplicated): revrec-2026-10-billing-GBP-1: NetSuite "
        "answered 400" in first.summary()
    )
    assert states["revrec-2026-10-billing-GBP-1"] == "failed"
    assert list(states.values()).count("posted") == len(states) - 1

    second = post(instance, "2026-10")
    assert second.success, second.summary()
    assert second.materializations["posted_journals"]["posted_now"] == 1

    held = sandbox_entries(sb, "revrec-2026-10-")
    assert sorted(held) == sorted(states)  # every entry exactly once, the lost answer too
    for entry in held.values():
        lines = entry["line"]["items"]
        assert sum(cents(i.get("debit")) for i in lines) == sum(
            cents(i.get("credit")) for i in lines
        )
        assert entry["tranDate"] == "2026-10-31"
    stored = {p["external_id"]: p for p in postings(store, "2026-10")}
    assert all(
        p["status"] == "posted" and p["verified"] and p["netsuite_id"] for p in stored.values()
    )
    assert {str(e["id"]) for e in held.values()} == {p["netsuite_id"] for p in stored.values()}

    # Accounts and segments as mapped; the revenue override for Premium Support.
    accounts = dataset.manifest["accounts"]
    revenue = held["revrec-2026-10-revenue-USD-1"]["line"]["items"]
    by_account = {str(i["account"]["id"]): i for i in revenue}
    assert set(by_account) == {
        str(accounts["deferred_revenue"]),
        str(accounts["revenue"]),
        str(accounts["services_revenue"]),
    }
    assert by_account[str(accounts["revenue"])]["department"]["id"] == "1"
    assert by_account[str(accounts["revenue"])]["location"]["id"] == "3"
    assert by_account[str(accounts["services_revenue"])]["department"]["id"] == "2"

    # Posting again changes nothing in NetSuite.
    before = sb.journal_entries()
    third = post(instance, "2026-10")
    assert third.success and third.materializations["posted_journals"]["posted_now"] == 0
    assert sb.journal_entries() == before


def test_catch_up_of_a_closed_period_lands_in_the_next(flow):
    sb, dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    october = sandbox_entries(sb, "revrec-2026-10-")

    # Edit an October USD invoice after October closed: +100.00 billed.
    invoice = sb.execute(
        'SELECT t.id, tl.id AS line, tl.foreignamount FROM "transaction" t JOIN transactionline tl '
        "ON tl.\"transaction\" = t.id JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' "
        "AND t.trandate >= '2026-10-01' AND t.currency = 1 AND t.posting = 'T' AND t.voided = 'F' "
        "AND tl.mainline = 'F' AND tl.taxline = 'F' AND c.id = ? ORDER BY t.id LIMIT 1",
        (dataset.manifest["exact_customer"],),
    )[0]
    old = Decimal(str(invoice["foreignamount"]))
    sb.update_line(
        invoice["id"],
        invoice["line"],
        modified_at=sb.now_local(),
        foreignamount=float(old - Decimal("100.00")),
    )
    sync(instance)
    close_period(store, "2026-11")
    november = post(instance, "2026-11")
    assert november.success, november.summary()

    assert sandbox_entries(sb, "revrec-2026-10-") == october  # closed period untouched
    billing = sandbox_entries(sb, "revrec-2026-11-billing-USD-")
    lines = billing["revrec-2026-11-billing-USD-1"]["line"]["items"]
    contra = str(dataset.manifest["accounts"]["contra_revenue"])
    # No November invoices exist: November's billing is exactly October's +100.00 catch-up.
    assert [
        (str(i["account"]["id"]), cents(i.get("debit")), cents(i.get("credit")))
        for i in lines
        if str(i["account"]["id"]) == contra
    ] == [(contra, 10000, 0)]


def test_unmapped_account_type_refused_before_any_netsuite_call(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance, mapping_without="unbilled_receivable")
    sb.reset_stats()
    result = post(instance, "2026-10")
    assert not result.success
    check = check_evaluations(instance, result.run_id)["every_account_mapped"]
    assert not check.passed
    assert "account type unbilled_receivable is not mapped" in check.description
    assert sb.stats.requests == 0
    assert postings(store, "2026-10") == []  # nothing planned, so a fixed mapping plans afresh


def test_period_close_sensor_one_run_per_close(flow):
    _sb, _dataset, store, _instance, _home = flow
    set_go_live(store, "2026-10")
    resources = {"store": StoreResource(database_url=store.database_url)}
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance, resources=resources)
        assert period_close_sensor.evaluate_tick(context).skip_message

        close_period(store, "2026-10")
        first = period_close_sensor.evaluate_tick(context)
        assert [r.run_key for r in first.run_requests] == ["period-close-2026-10-1"]
        assert first.run_requests[0].tags["revrec/period"] == "2026-10"

        context = dg.build_sensor_context(
            instance=instance, resources=resources, cursor=first.cursor
        )
        second = period_close_sensor.evaluate_tick(context)
        assert second.run_requests == [] and second.skip_message

        close_period(store, "2026-11")
        third = period_close_sensor.evaluate_tick(context)
        assert [r.run_key for r in third.run_requests] == ["period-close-2026-11-2"]


def test_closed_netsuite_period_refused_before_posting(flow):
    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    sb.set_period_closed("2026-10", closed=True)
    result = post(instance, "2026-10")
    assert not result.success
    assert "NetSuite period Oct 2026 is closed or locked" in result.summary()
    assert sb.journal_entries() == []  # nothing written
    assert {p["status"] for p in postings(store, "2026-10")} == {"planned"}


def test_entries_already_in_netsuite_are_recorded_even_after_the_period_closed(flow):
    """NetSuite accepted the entries but the run died before recording them; finance then
    closed the period. The re-run finds them by external id and records them, writing none."""
    from sqlalchemy import update

    from revrec_pipeline.store import schema

    sb, _dataset, store, instance, _home = flow
    go_live_and_close(sb, store, instance)
    assert post(instance, "2026-10").success
    held = sb.journal_entries()
    with store.write() as conn:
        conn.execute(update(schema.journal_posting).values(status="planned", netsuite_id=None))
    sb.set_period_closed("2026-10", closed=True)
    result = post(instance, "2026-10")
    assert result.success, result.summary()
    assert sb.journal_entries() == held
    stored = postings(store, "2026-10")
    assert {p["status"] for p in stored} == {"posted"}
    assert {p["netsuite_id"] for p in stored} == {str(e["id"]) for e in held}


def test_a_period_with_nothing_to_post_does_not_block_the_next(store):
    """A quiet month plans zero entries; the next period still posts, re-runs stay clean."""
    from revrec_pipeline.assets.journals import journal_entries

    set_go_live(store, "2026-10")
    replace_mapping(
        store,
        parse_mapping_csv(
            "account_type,netsuite_account_id,product_code\ncontra_revenue,63,\n"
            "deferred_revenue,58,\nrevenue,61,\nunbilled_receivable,54,\n"
        ),
    )
    close_period(store, "2026-10")
    close_period(store, "2026-11")
    resources = {"store": StoreResource(database_url=store.database_url)}
    with dg.instance_for_test() as instance:
        for period in ("2026-10", "2026-10", "2026-11"):
            result = dg.materialize(
                [journal_entries],
                resources=resources,
                instance=instance,
                tags={"revrec/period": period},
                raise_on_error=False,
            )
            assert result.success, period
            meta = result.get_asset_materialization_events()[0]
            assert meta.event_specific_data.materialization.metadata["entries"].value == 0
