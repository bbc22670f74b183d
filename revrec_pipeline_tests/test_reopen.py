"""`revrec period reopen P` (SPEC §11): the latest closed period reopens, its plan is kept in
the store as superseded, and the next close re-plans it from current data: NetSuite ends up
holding exactly the new plan's entries (upserted by external id, the ones it no longer has
deleted), and the next period's catch-up is computed against the new postings. Refused, with
nothing changed, for an older period, before go-live, or when NetSuite's period is closed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal

import dagster as dg
import pytest
from sqlalchemy import func, select

from revrec_pipeline.cli import main
from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.journals.recognition import revenue_schedule
from revrec_pipeline.runner import reopen_period_now
from revrec_pipeline.store import schema
from revrec_pipeline.store.journals import postings, read_journal_inputs, replace_mapping
from revrec_pipeline.store.periods import PeriodError, close_period, periods, set_go_live
from revrec_pipeline.store.reopen import superseded_postings
from revrec_pipeline_tests.pipeline_helpers import (
    bill_100_more_on_an_october_invoice,
    double_a_point_in_time_order_line,
    post,
    sandbox_mapping_csv,
    sync,
)

OCTOBER, NOVEMBER = "2026-10", "2026-11"


def close_and_post(sb, store, instance, period: str = OCTOBER) -> None:
    if not periods(store):
        set_go_live(store, OCTOBER)
        sync(instance)
        replace_mapping(store, parse_mapping_csv(sandbox_mapping_csv(sb.manifest)))
    close_period(store, period)
    result = post(instance, period)
    assert result.success, result.summary()


def reopen(store, instance, period: str = OCTOBER):
    return reopen_period_now(store, period, instance=instance, progress=lambda message: None)


def held(sb, period: str) -> dict[str, dict]:
    """RevRec's entries of the period in the sandbox's ledger: external id → (NetSuite id,
    debits and credits per account as Decimal)."""
    out: dict[str, dict] = {}
    for entry in sb.journal_entries():
        external_id = str(entry.get("externalId") or "")
        if not external_id.startswith(f"revrec-{period}-"):
            continue
        assert external_id not in out, f"{external_id} is in NetSuite twice"
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in entry["line"]["items"]:
            pair = totals[line["account"]["id"]]
            pair[0] += Decimal(str(line.get("debit", 0)))
            pair[1] += Decimal(str(line.get("credit", 0)))
        out[external_id] = {"id": entry["id"], "accounts": dict(totals)}
    return out


def planned(store, period: str) -> dict[str, dict]:
    """The store's plan in the same shape, from its stored lines."""
    import json

    out = {}
    for row in postings(store, period):
        totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
        for line in json.loads(row["lines"]):
            pair = totals[line["account_id"]]
            pair[0] += Decimal(line["debit_cents"]) / 100
            pair[1] += Decimal(line["credit_cents"]) / 100
        out[row["external_id"]] = {"id": row["netsuite_id"], "accounts": dict(totals)}
    return out


def detail_total(store, period: str, event: str, currency: str) -> int:
    table = schema.journal_detail
    with store.read() as conn:
        return conn.execute(
            select(func.coalesce(func.sum(table.c.amount_cents), 0)).where(
                table.c.period == period, table.c.event == event, table.c.currency == currency
            )
        ).scalar_one()


def delete_octobers_eur_documents(sb) -> int:
    """Every October EUR invoice and credit memo deleted in NetSuite: the October plan's EUR
    billing entry has nothing left to post."""
    documents = sb.execute(
        'SELECT t.id FROM "transaction" t JOIN currency c ON c.id = t.currency WHERE '
        "t.type IN ('CustInvc', 'CustCred') AND c.symbol = 'EUR' AND t.trandate >= '2026-10-01' "
        "AND t.trandate < '2026-11-01'"
    )
    for document in documents:
        sb.delete_transaction(document["id"])
    return len(documents)


def correct_october(sb, store, instance) -> int:
    """The corrections found after close: a sales order, an invoice edited and October's EUR
    documents deleted in NetSuite, then the daily sync. Returns the order line's old amount."""
    doubled = double_a_point_in_time_order_line(store)
    bill_100_more_on_an_october_invoice(sb, sb.manifest)
    assert delete_octobers_eur_documents(sb) > 0
    sync(instance)
    return doubled


def revenue_posted_since_go_live(store) -> dict[str, int]:
    """Currency → revenue the journals posted, every planned period (go-live onwards)."""
    table = schema.journal_detail
    with store.read() as conn:
        rows = conn.execute(
            select(table.c.currency, func.sum(table.c.amount_cents))
            .where(table.c.event == "revenue")
            .group_by(table.c.currency)
        ).all()
    return {currency: int(cents) for currency, cents in rows}


def revenue_recognized_since_go_live(store, through: str = NOVEMBER) -> dict[str, int]:
    """Currency → what the sales orders recognize from go-live (October) through `through`."""
    with store.read() as conn:
        _billing, orders = read_journal_inputs(conn)
    schedule = revenue_schedule(orders)
    since_go_live = schedule[schedule["period"].between(OCTOBER, through)]
    totals = since_go_live.groupby("currency")["revenue_cents"].sum()
    return {currency: int(cents) for currency, cents in totals.items() if cents}


def posting_history(instance, period: str) -> list[dg.EventLogRecord]:
    return instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=dg.AssetKey("posted_journals"), asset_partitions=[period]),
        limit=10,
    ).records


def test_reopen_correct_and_reclose_leaves_netsuite_holding_exactly_the_new_plan(flow):
    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    before = {
        "plan": planned(store, OCTOBER),
        "revenue_usd": detail_total(store, OCTOBER, "revenue", "USD"),
        "billing_usd": detail_total(store, OCTOBER, "billing", "USD"),
    }
    assert held(sb, OCTOBER).keys() == before["plan"].keys()
    assert f"revrec-{OCTOBER}-billing-S1-EUR-1" in before["plan"]

    doubled = correct_october(sb, store, instance)
    # The corrections do not reach October's journals while it is closed.
    assert planned(store, OCTOBER) == before["plan"]

    reopened = reopen(store, instance)
    assert reopened["entries"] == len(before["plan"]) == reopened["in_netsuite"]
    assert [p["period"] for p in periods(store) if p["status"] == "open"] == [OCTOBER, NOVEMBER]
    assert postings(store, OCTOBER) == []
    history = superseded_postings(store, OCTOBER)
    assert {h["external_id"] for h in history} == before["plan"].keys()
    assert {h["settled"] for h in history} == {None}
    # Reopened, the entries stay in NetSuite until the period closes again.
    assert held(sb, OCTOBER).keys() == before["plan"].keys()

    close_and_post(sb, store, instance)
    new_plan = planned(store, OCTOBER)
    assert detail_total(store, OCTOBER, "revenue", "USD") == before["revenue_usd"] + doubled
    assert detail_total(store, OCTOBER, "billing", "USD") == before["billing_usd"] + 10_000
    assert detail_total(store, OCTOBER, "billing", "EUR") == 0
    gone = before["plan"].keys() - new_plan.keys()
    assert f"revrec-{OCTOBER}-billing-S1-EUR-1" in gone
    # NetSuite holds exactly the new plan: each entry once, as planned, the stale ones deleted.
    now_held = held(sb, OCTOBER)
    assert {k: v["accounts"] for k, v in now_held.items()} == {
        k: v["accounts"] for k, v in new_plan.items()
    }
    assert {k: v["id"] for k, v in now_held.items()} == {k: v["id"] for k, v in new_plan.items()}
    assert {p["status"] for p in postings(store, OCTOBER)} == {"posted"}
    # An entry kept its NetSuite record: the upsert by external id replaced it in place.
    kept = before["plan"].keys() & new_plan.keys()
    assert kept
    old_ids = {h["external_id"]: h["netsuite_id"] for h in history}
    assert all(now_held[k]["id"] == old_ids[k] for k in kept)
    settled = {h["external_id"]: h["settled"] for h in superseded_postings(store, OCTOBER)}
    assert settled == {k: "deleted" if k in gone else "replaced" for k in before["plan"]}
    deleted_ids = {
        str(r["recordid"])
        for r in sb.execute(
            "SELECT recordid FROM deletedrecord WHERE recordtypeid = 'journalentry'"
        )
    }
    assert {old_ids[k] for k in gone} <= deleted_ids

    # The partition's history shows both postings, the second with the superseded entries.
    history_records = posting_history(instance, OCTOBER)
    assert len(history_records) == 2
    latest = history_records[0].asset_materialization.metadata
    assert latest["superseded_deleted_now"].value == len(gone)
    assert latest["reopens"].value == 1

    # November's catch-up is computed against the new postings: from go-live through November,
    # what the journals recognized equals the schedule, per currency, to the cent.
    close_and_post(sb, store, instance, NOVEMBER)
    assert revenue_posted_since_go_live(store) == revenue_recognized_since_go_live(store)


def _store_snapshot(store) -> list[tuple]:
    tables = (
        schema.accounting_period,
        schema.journal_plan,
        schema.journal_detail,
        schema.journal_posting,
        schema.period_reopen,
        schema.superseded_journal_posting,
    )
    with store.read() as conn:
        return [
            (table.name, *row)
            for table in tables
            for row in conn.execute(select(table).order_by(*table.primary_key.columns))
        ]


def test_reopen_is_refused_for_an_older_period_before_go_live_and_when_netsuite_closed_it(flow):
    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    close_and_post(sb, store, instance, NOVEMBER)
    before, ledger = _store_snapshot(store), held(sb, OCTOBER)

    refusals = {}
    for period in (OCTOBER, "2026-09", "2026-12"):
        with pytest.raises(PeriodError) as refused:
            reopen(store, instance, period)
        refusals[period] = str(refused.value)
    assert refusals == {
        OCTOBER: (
            "Cannot reopen 2026-10: only the latest closed period (2026-11) can be reopened; "
            "reopen 2026-11 first."
        ),
        "2026-09": "Cannot reopen 2026-09: it is before go-live (2026-10) and was never open.",
        "2026-12": "Cannot reopen 2026-12: it is not closed.",
    }
    sb.set_period_closed(NOVEMBER, closed=True)
    with pytest.raises(PeriodError) as refused:
        reopen(store, instance, NOVEMBER)
    assert str(refused.value).startswith("Cannot reopen 2026-11: NetSuite period Nov 2026 is ")
    assert "closed or locked" in str(refused.value)
    assert _store_snapshot(store) == before and held(sb, OCTOBER) == ledger

    # The command line says the same in one sentence and exits non-zero.
    assert main(["period", "reopen", "2026-09"]) != 0


def test_reopen_on_the_command_line_then_the_replan_refusal_points_to_it(flow, capsys):
    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    from revrec_pipeline.runner import post_period_now

    with pytest.raises(PeriodError) as refused:
        post_period_now(store, OCTOBER, replan=True, instance=instance, progress=lambda m: None)
    assert str(refused.value).endswith(
        f"reopen the period instead (`revrec period reopen {OCTOBER}`)."
    )
    assert main(["period", "reopen", OCTOBER]) == 0
    out = capsys.readouterr().out
    assert f"Reopened {OCTOBER}: its plan of " in out and "stay there until you close" in out
    assert main(["status"]) == 0
    assert f"  {OCTOBER} at " in capsys.readouterr().out.split("Reopened periods:")[1]
    assert main(["period", "close", OCTOBER]) == 0
    assert main(["journals", "post", OCTOBER]) == 0
    capsys.readouterr()
    assert main(["status"]) == 0
    status = capsys.readouterr().out
    assert "entries superseded; its superseded entries all settled" in status
    assert {p["status"] for p in postings(store, OCTOBER)} == {"posted"}
    assert held(sb, OCTOBER).keys() == planned(store, OCTOBER).keys()


def test_sigkill_during_the_repost_then_rerun_reaches_the_same_end_state(flow, tmp_path):
    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    correct_october(sb, store, instance)
    reopen(store, instance)
    close_period(store, OCTOBER)

    sb.config.latency_ms = 250
    before = sb.stats.journal_requests
    process = subprocess.Popen(
        [sys.executable, "-m", "revrec_pipeline", "journals", "post", OCTOBER],
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while sb.stats.journal_requests - before < 4:
        assert process.poll() is None, "the re-post finished before it could be killed"
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    sb.config.latency_ms = 0

    with dg.instance_for_test() as rerun_instance:
        result = post(rerun_instance, OCTOBER)
    assert result.success, result.summary()
    new_plan = planned(store, OCTOBER)
    now_held = held(sb, OCTOBER)
    assert {k: v["accounts"] for k, v in now_held.items()} == {
        k: v["accounts"] for k, v in new_plan.items()
    }
    assert {p["status"] for p in postings(store, OCTOBER)} == {"posted"}
    assert {h["settled"] for h in superseded_postings(store, OCTOBER)} <= {"replaced", "deleted"}
    assert None not in {h["settled"] for h in superseded_postings(store, OCTOBER)}


def test_a_store_planned_before_subsidiaries_upgrades_and_keeps_posting_without_duplicates(flow):
    """A deployment on a OneWorld account that posted October before this version (ids
    without the subsidiary, no subsidiary columns) upgrades: October stays posted under its
    ids, a re-run writes nothing, and November posts once, its catch-up counted against
    October in the mapping's subsidiary."""
    from revrec_pipeline.store.db import head_revision

    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    october = planned(store, OCTOBER)
    # The store and the ledger as the earlier version left them.
    store.downgrade("0005")
    legacy = {eid: eid.replace("-S1-", "-") for eid in october}
    with store.write() as conn:
        for new, old in legacy.items():
            conn.execute(
                schema.journal_posting.update()
                .where(schema.journal_posting.c.external_id == new)
                .values(external_id=old)
            )
    for new, old in legacy.items():
        sb.execute('UPDATE "transaction" SET externalid = ? WHERE externalid = ?', (old, new))

    assert store.upgrade() == ("0005", head_revision())
    with store.read() as conn:
        subsidiaries = set(conn.execute(select(schema.journal_detail.c.subsidiary)).scalars())
    assert subsidiaries == {"1"}  # the mapping's one subsidiary, where they were posted
    assert sorted(postings_ids := [p["external_id"] for p in postings(store, OCTOBER)]) == sorted(
        legacy.values()
    )
    writes = sb.stats.journal_requests
    sync(instance)  # the upgrade re-reads documents and customers for their subsidiary
    again = post(instance, OCTOBER)
    assert again.success, again.summary()
    assert [p["external_id"] for p in postings(store, OCTOBER)] == postings_ids
    assert held(sb, OCTOBER).keys() == set(legacy.values())  # nothing duplicated
    assert sb.stats.journal_requests == writes  # posted: not even read again

    close_and_post(sb, store, instance, NOVEMBER)
    november = held(sb, NOVEMBER)
    assert november and all("-S1-" in eid for eid in november)
    assert revenue_posted_since_go_live(store) == revenue_recognized_since_go_live(store)


def test_posted_journals_alone_refuses_a_period_without_a_plan(flow):
    """Materializing posted_journals by itself after a reopen and re-close (no journal_entries
    run yet) must not settle the old entries against an empty plan: it refuses, and NetSuite
    keeps them."""
    from revrec_pipeline.assets.journals import posted_journals
    from revrec_pipeline.resources import build_resources
    from revrec_pipeline.settings import load_settings

    sb, _dataset, store, instance, _home = flow
    close_and_post(sb, store, instance)
    before = held(sb, OCTOBER)
    reopen(store, instance)
    close_period(store, OCTOBER)
    result = dg.materialize(
        [posted_journals],
        resources=build_resources(load_settings()),
        instance=instance,
        partition_key=OCTOBER,
        raise_on_error=False,
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_failure_data.error.message.startswith(
        f"dagster._core.definitions.events.Failure: {OCTOBER} has no journal plan yet: "
        f"materialize journal_entries for {OCTOBER} first"
    )
    assert held(sb, OCTOBER) == before
    assert {h["settled"] for h in superseded_postings(store, OCTOBER)} == {None}
