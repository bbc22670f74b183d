"""Incremental extraction into the store, against the sandbox over a real socket (SPEC §4)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from revrec_pipeline.netsuite.rows import to_local
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset
from revrec_pipeline.store import RevRecStore
from revrec_pipeline_tests.sandbox_helpers import (
    expected_lines,
    extract_all,
    line_only_changes,
    store_state,
    stored_lines,
)

LA = ZoneInfo("America/Los_Angeles")


def stored_ids(store: RevRecStore) -> set[int]:
    return {row[0] for row in store.snapshot("netsuite_transaction")}


def test_full_extract_holds_exactly_what_spec_says(sandbox, store):
    extract_all(sandbox, store)
    assert stored_lines(store) == expected_lines(sandbox)
    manifest = sandbox_manifest(sandbox)
    ids = stored_ids(store)
    for excluded in (
        "invoice_pending_approval",
        "invoice_rejected",
        "invoice_voided",
        "invoice_non_posting",
        "deleted_invoice",
    ):
        assert manifest[excluded] not in ids, excluded
    for kept in (
        "invoice_open",
        "invoice_paid",
        "credit_memo_from_invoice",
        "credit_memo_standalone",
    ):
        assert manifest[kept] in ids, kept
    headers = {row[0]: row for row in store.snapshot("netsuite_transaction")}
    assert headers[manifest["credit_memo_from_invoice"]][7] is not None  # createdfrom kept
    # Invoice item lines carry NetSuite's GL sign (negative), credit memo lines the mirror.
    by_doc = {}
    for tran, _line, cents, _billing in stored_lines(store):
        by_doc[tran] = by_doc.get(tran, 0) + cents
    assert by_doc[manifest["invoice_open"]] < 0
    assert by_doc[manifest["credit_memo_standalone"]] > 0


def sandbox_manifest(sandbox) -> dict:
    return sandbox.dataset.manifest if getattr(sandbox, "dataset", None) else {}


def test_incremental_applies_exactly_the_changes(sandbox, store):
    first = extract_all(sandbox, store)
    manifest = sandbox_manifest(sandbox)
    watermark = first["invoices"].watermark
    watermark_local = datetime.strptime(to_local(watermark, LA), "%Y-%m-%d %H:%M:%S")

    # Invoices the first run pulled, with at least two item lines each.
    lines_per_doc: dict[int, int] = {}
    for tran, _line, _cents, _billing in stored_lines(store):
        lines_per_doc[tran] = lines_per_doc.get(tran, 0) + 1
    invoices = [
        row[0]
        for row in store.snapshot("netsuite_transaction")
        if row[1] == "CustInvc"
        and lines_per_doc.get(row[0], 0) >= 2
        and row[0] != manifest["invoice_paid"]
    ]
    edited, late, trimmed, voided = invoices[0], invoices[1], invoices[2], invoices[3]
    line_of = {
        tran: sandbox.execute(
            "SELECT id FROM transactionline WHERE \"transaction\" = ? AND mainline = 'F' "
            "AND taxline = 'F' ORDER BY id",
            (tran,),
        )
        for tran in (edited, late, trimmed)
    }
    assert len(line_of[trimmed]) >= 2, "the trimmed invoice needs two item lines"

    now = watermark_local + timedelta(minutes=30)
    sandbox.update_line(edited, line_of[edited][0]["id"], modified_at=now, foreignamount=-123.45)
    # A late commit: stamped a few minutes before the previous watermark.
    sandbox.update_line(
        late,
        line_of[late][0]["id"],
        modified_at=watermark_local - timedelta(minutes=5),
        foreignamount=-77.7,
    )
    sandbox.delete_line(trimmed, line_of[trimmed][-1]["id"], modified_at=now)
    sandbox.update_transaction(voided, modified_at=now, voided="T", posting="F")
    sandbox.delete_transaction(manifest["invoice_paid"], deleted_at=now)
    customer = manifest["individual_customer"]
    item = sandbox.execute("SELECT id FROM item WHERE itemtype = 'Service' ORDER BY id")[0]["id"]
    # Just before local midnight in a zone west of UTC: already "tomorrow" in UTC.
    midnight = datetime(
        watermark_local.year, watermark_local.month, watermark_local.day, 23, 59, 30
    )
    if midnight <= now:
        midnight += timedelta(days=1)
    added = sandbox.add_invoice(
        customer,
        [
            {
                "item": item,
                "amount": Decimal("250.00"),
                "quantity": 1,
                "start": date(2026, 11, 1),
                "end": date(2027, 10, 31),
            }
        ],
        trandate=midnight.date(),
        modified_at=midnight,
    )

    second = extract_all(sandbox, store)

    assert stored_lines(store) == expected_lines(sandbox)
    ids = stored_ids(store)
    assert added in ids and voided not in ids and manifest["invoice_paid"] not in ids
    amounts = {(t, line): cents for t, line, cents, _billing in stored_lines(store)}
    assert amounts[(edited, line_of[edited][0]["id"])] == -12345
    assert amounts[(late, line_of[late][0]["id"])] == -7770
    assert (trimmed, line_of[trimmed][-1]["id"]) not in amounts
    assert second["invoices"].deleted == 1 and second["invoices"].removed == 1
    # The watermark is the added invoice's local stamp, stored in UTC (the next day).
    assert second["invoices"].watermark == midnight.replace(tzinfo=LA).astimezone(
        ZoneInfo("UTC")
    ).replace(tzinfo=None)
    assert second["invoices"].watermark.date() == midnight.date() + timedelta(days=1)
    # Incremental reads only the window (the changes and the hour before the watermark).
    window_start = (watermark_local - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    in_window = sandbox.execute(
        "SELECT COUNT(*) AS n FROM \"transaction\" WHERE type = 'CustInvc' AND posting = 'T' "
        "AND voided = 'F' AND lastmodifieddate >= ?",
        (window_start,),
    )[0]["n"]
    # ... and the documents whose lines alone changed in it.
    line_only = line_only_changes(sandbox, "CustInvc", window_start, posted_only=True)
    assert second["invoices"].upserted == in_window + len(line_only)
    assert in_window < first["invoices"].upserted

    # Nothing changed since: a third run changes nothing.
    before = store_state(store)
    extract_all(sandbox, store)
    assert store_state(store) == before


def test_extract_larger_than_the_row_cap_arrives_complete(store):
    dataset = generate_dataset(seed=3, size=6000)
    with NetSuiteSandbox(SandboxConfig(row_cap=2_500), dataset) as sb:
        results = extract_all(sb, store)
        expected = expected_lines(sb)
    assert len(expected) > 2_500
    assert stored_lines(store) == expected  # complete, and the primary key rules out duplicates
    assert results["invoices"].lines + results["credit_memos"].lines == len(expected)


def test_sync_completes_within_a_lower_netsuite_limit(tiny, sqlite_database_url):
    dataset = generate_dataset(seed=5, size=3000)
    store = RevRecStore(sqlite_database_url)
    store.create_all()
    config = SandboxConfig(max_concurrency=2, latency_ms=30)
    with NetSuiteSandbox(config, dataset) as sb:
        results = extract_all(sb, store, max_concurrency=4)
        assert stored_lines(store) == expected_lines(sb)
        assert sb.stats.max_in_flight <= 4
        assert sb.stats.rejected_429 > 0
    assert results["stats"]["retries"] >= sb.stats.rejected_429 > 0
