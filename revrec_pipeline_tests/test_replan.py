"""`revrec journals post P --replan` (SPEC §11): a closed period's frozen plan is recomputed
from current data while none of its entries is in NetSuite, and refused, changing nothing, once
one is (by the store's record or by NetSuite's own answer)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.runner import post_period_now
from revrec_pipeline.store import schema
from revrec_pipeline.store.journals import postings, replace_mapping
from revrec_pipeline.store.periods import PeriodError, close_period, set_go_live
from revrec_pipeline_tests.pipeline_helpers import (
    double_a_point_in_time_order_line,
    post,
    sandbox_mapping_csv,
    sync,
)

PERIOD = "2026-10"


def close(sb, store, instance) -> None:
    set_go_live(store, PERIOD)
    sync(instance)
    replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, PERIOD)


def replan(store, instance):
    return post_period_now(
        store, PERIOD, replan=True, instance=instance, progress=lambda message: None
    )


def planned_revenue(store) -> int:
    with store.read() as conn:
        table = schema.journal_detail
        return conn.execute(
            select(func.sum(table.c.amount_cents)).where(
                table.c.period == PERIOD, table.c.event == "revenue"
            )
        ).scalar_one()


def snapshot(store) -> list[tuple]:
    with store.read() as conn:
        return [
            tuple(row)
            for table in (schema.journal_plan, schema.journal_detail, schema.journal_posting)
            for row in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]


def test_a_plan_nothing_of_which_reached_netsuite_is_recomputed(flow):
    sb, _dataset, store, instance, _home = flow
    close(sb, store, instance)
    sb.set_period_closed(PERIOD, closed=True)  # finance locked NetSuite's period: nothing posts
    assert not post(instance, PERIOD).success
    before = planned_revenue(store)
    assert sb.journal_entries() == []

    # A sales order is corrected: a point-in-time line of the period doubles.
    doubled = double_a_point_in_time_order_line(store)
    sb.set_period_closed(PERIOD, closed=False)
    result = replan(store, instance)
    assert result.success, result.summary()
    assert planned_revenue(store) == before + doubled
    assert {p["status"] for p in postings(store, PERIOD)} == {"posted"}
    held = sorted(e["externalId"] for e in sb.journal_entries())
    assert held == sorted(p["external_id"] for p in postings(store, PERIOD))


def test_replan_is_refused_once_an_entry_is_posted(flow):
    sb, _dataset, store, instance, _home = flow
    close(sb, store, instance)
    assert post(instance, PERIOD).success
    before = snapshot(store)
    with pytest.raises(PeriodError) as refused:
        replan(store, instance)
    assert str(refused.value).startswith(f"Cannot replan {PERIOD}: revrec-{PERIOD}-")
    assert str(refused.value).endswith(
        f"is in NetSuite; reopen the period instead (`revrec period reopen {PERIOD}`)."
    )
    assert snapshot(store) == before


def test_replan_asks_netsuite_when_the_store_never_heard_back(flow):
    """NetSuite saved an entry but every answer was lost: the store says failed, NetSuite
    holds it. Replanning would leave it orphaned, so it is refused."""
    sb, _dataset, store, instance, _home = flow
    close(sb, store, instance)
    sb.set_period_closed(PERIOD, closed=True)
    assert not post(instance, PERIOD).success  # planned, nothing written
    planned = [p["external_id"] for p in postings(store, PERIOD)]
    lost, others = planned[0], planned[1:]
    sb.fail_journal(lost, status=500, times=3, after_commit=True)
    for external_id in others:  # NetSuite refuses every other entry outright
        sb.fail_journal(external_id, status=400, times=5)
    sb.set_period_closed(PERIOD, closed=False)
    assert not post(instance, PERIOD).success
    assert {p["status"] for p in postings(store, PERIOD)} == {"failed"}
    (held,) = sb.journal_entries()
    assert held["externalId"] == lost
    before = snapshot(store)
    with pytest.raises(PeriodError) as refused:
        replan(store, instance)
    assert str(refused.value) == (
        f"Cannot replan {PERIOD}: {lost} is in NetSuite (journal {held['id']}); reopen the "
        f"period instead (`revrec period reopen {PERIOD}`)."
    )
    assert snapshot(store) == before


@pytest.mark.postgres
def test_a_run_that_waited_for_the_period_lock_reads_the_plan_made_meanwhile(
    postgres_database_url,
):
    """Another run planned the period while this one waited for the period's lock: on
    PostgreSQL this run's snapshot predates that commit, so it must read the plan anew rather
    than insert a second one (a duplicate key)."""
    import datetime
    import threading
    import time

    import dagster as dg

    from revrec_pipeline.assets.journals import journal_entries
    from revrec_pipeline.journals.entries import build_entries, period_details
    from revrec_pipeline.netsuite.resource import NetSuiteResource
    from revrec_pipeline.store import RevRecStore
    from revrec_pipeline.store.db import StoreResource
    from revrec_pipeline.store.journals import (
        lock_period,
        read_journal_inputs,
        read_mapping,
        read_plan,
        save_plan,
    )

    store = RevRecStore(postgres_database_url)
    store.create_all()
    set_go_live(store, PERIOD)
    replace_mapping(
        store,
        parse_mapping_csv(
            "account_type,netsuite_account_id,product_code\ncontra_revenue,63,\n"
            "deferred_revenue,58,\nrevenue,61,\nunbilled_receivable,54,\n"
        ),
    )
    with store.write() as conn:
        conn.execute(schema.crm_customer.insert().values(customer_id="C1", customer_name="Acme"))
        conn.execute(
            schema.crm_sales_order_line.insert().values(
                order_number="SO1",
                order_item_number="1",
                customer_id="C1",
                product_code="P1",
                service_start_date=datetime.date(2026, 10, 5),
                service_end_date=datetime.date(2026, 10, 5),
                amount_cents=12_345,
                currency="USD",
                recognition="point_in_time",
            )
        )
    close_period(store, PERIOD)
    outcome = {}

    def waiting_run() -> None:
        with dg.instance_for_test() as instance:
            instance.add_dynamic_partitions("accounting_period", [PERIOD])
            outcome["result"] = dg.materialize(
                [journal_entries],
                resources={
                    "store": StoreResource(database_url=postgres_database_url),
                    "netsuite": NetSuiteResource(account_id="1234567_SB1"),
                },
                instance=instance,
                partition_key=PERIOD,
                raise_on_error=False,
            )

    run = threading.Thread(target=waiting_run)
    with store.write() as conn:  # the first run: holds the lock, plans, commits
        lock_period(conn, PERIOD)
        run.start()
        time.sleep(3)  # the other run is now waiting for the lock
        billing, orders = read_journal_inputs(conn)
        details = period_details(billing, orders, PERIOD, PERIOD, pd.DataFrame())
        entries = build_entries(details, read_mapping(conn), PERIOD)
        save_plan(conn, PERIOD, details, entries)
    run.join(120)
    result = outcome["result"]
    assert result.success
    with store.read() as conn:
        plan = read_plan(conn, PERIOD)
    assert [e.external_id for e, _ in plan] == [e.external_id for e in entries] and plan
    shown = result.get_asset_materialization_events()[0].event_specific_data.materialization
    assert shown.metadata["entries"].value == len(entries)
