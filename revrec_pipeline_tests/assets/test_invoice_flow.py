"""The invoice flow end to end on the sandbox: conversion, go-live, sync, then NetSuite changes.

Expected figures are computed here, independently of the pipeline, from the sandbox's own
tables and the CRM list, following SPEC §4 and §6 literally.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from revrec_pipeline.runner import run_job
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.periods import set_go_live
from revrec_pipeline_tests.pipeline_helpers import check_evaluations, sync
from revrec_pipeline_tests.sandbox_helpers import add_item, add_line

SPEC_LINES_SQL = """
SELECT t.id AS tran, tl.id AS line, t.entity, t.trandate, tl.foreignamount, i.itemid
FROM transactionline tl
JOIN "transaction" t ON t.id = tl."transaction"
LEFT JOIN item i ON i.id = tl.item
WHERE t.type IN ('CustInvc', 'CustCred') AND t.voided = 'F' AND t.posting = 'T'
  AND (t.approvalstatus IS NULL OR t.approvalstatus IN (2, '2'))
  AND NOT (t.type = 'CustInvc' AND t.status IN ('D', 'E'))
  AND tl.mainline = 'F' AND tl.taxline = 'F'
  AND COALESCE(tl.iscogs, 'F') <> 'T' AND COALESCE(tl.donotdisplayline, 'F') <> 'T'
  AND COALESCE(tl.itemtype, '') NOT IN ('Subtotal', 'Description', 'Group', 'EndGroup')
"""


def name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).split()).casefold()


def expected_billing(sandbox, crm_customers, excluded_item: str):
    """{(crm customer id, period): cents} and the pending (tran, line) set, per SPEC §6."""
    crm = {name_key(name): cid for cid, name in crm_customers}
    names = {}
    for c in sandbox.execute(
        "SELECT id, companyname, isperson, firstname, lastname, entityid FROM customer"
    ):
        if c["isperson"] == "T":
            name = f"{c['firstname']} {c['lastname']}"
        else:
            name = c["companyname"] or c["entityid"]
        names[c["id"]] = name
    totals: dict[tuple[str, str], int] = defaultdict(int)
    pending = set()
    for row in sandbox.execute(SPEC_LINES_SQL):
        if row["itemid"] == excluded_item:
            continue
        cents = -int(Decimal(str(row["foreignamount"])) * 100)
        crm_id = crm.get(name_key(names[row["entity"]]))
        if crm_id is None:
            pending.add((row["tran"], row["line"]))
        else:
            totals[(crm_id, str(row["trandate"])[:7])] += cents
    return dict(totals), pending


def read_tab(path: Path, prefix: str) -> list[dict]:
    book = load_workbook(path, read_only=True)
    try:
        rows: list[dict] = []
        for name in book.sheetnames:
            if name == prefix or name.startswith(prefix + "_"):
                values = list(book[name].iter_rows(values_only=True))
                rows += [dict(zip(values[0], row, strict=True)) for row in values[1:]]
        return rows
    finally:
        book.close()


def workbook_totals(path: Path) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for row in read_tab(path, "BillingSchedule"):
        totals[(row["Customer ID"], row["Period"])] += round(Decimal(str(row["Amount"])) * 100)
    return dict(totals)


def store_totals(store: RevRecStore) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    columns = [
        c.name
        for c in __import__(
            "revrec_pipeline.store.schema", fromlist=["x"]
        ).billing_schedule_line.columns
    ]
    for row in store.snapshot("billing_schedule_line"):
        record = dict(zip(columns, row, strict=True))
        totals[(record["customer_id"], record["period"])] += record["amount_cents"]
    return dict(totals)


def test_conversion_then_sync_then_changes(flow):
    sb, dataset, store, instance, home = flow
    manifest = dataset.manifest
    excluded = manifest["excluded_item_name"]

    # 1. Conversion: a workbook under conversion_data, nothing loaded.
    run, workbook = sync(instance)
    assert workbook.parent == home / "conversion_data"
    assert store.count("billing_schedule_line") == 0
    book = load_workbook(workbook, read_only=True)
    assert book.sheetnames == [
        "BillingSchedule",
        "Product",
        "PendingData",
        "ReconDetails_Invoice",
        "ReconSummary_Invoice",
    ]
    book.close()
    expected, pending = expected_billing(sb, dataset.crm_customers, excluded)
    assert workbook_totals(workbook) == expected
    pending_rows = read_tab(workbook, "PendingData")
    assert {(r["NetSuite ID"], r["Line ID"]) for r in pending_rows} == pending
    near_miss = [
        r for r in pending_rows if r["NetSuite ID"] == manifest["invoice_near_miss_customer"]
    ]
    assert near_miss and near_miss[0]["Suggested CRM Name"] == manifest["near_miss_crm_name"]
    assert {r["Status"] for r in read_tab(workbook, "ReconSummary_Invoice")} == {"OK"}
    excluded_rows = [r for r in read_tab(workbook, "ReconDetails_Invoice") if r["Excluded Amount"]]
    assert excluded_rows, "the excluded product shows in the recon"
    products = {r["Product Code"]: r["Excluded"] for r in read_tab(workbook, "Product")}
    assert products[excluded] == "yes"
    # Every document case of SPEC §4 was in the data the expectation was computed from.
    billed_docs = {r["NetSuite ID"] for r in read_tab(workbook, "BillingSchedule")}
    for kept in (
        "invoice_open",
        "invoice_paid",
        "invoice_discount",
        "invoice_gbp",
        "credit_memo_from_invoice",
        "credit_memo_standalone",
    ):
        assert manifest[kept] in billed_docs, kept
    for dropped in (
        "invoice_pending_approval",
        "invoice_rejected",
        "invoice_voided",
        "invoice_non_posting",
        "deleted_invoice",
        "deleted_credit_memo",
    ):
        assert manifest[dropped] not in billed_docs, dropped

    # 2. Go-live: the next job is a sync job and loads the store.
    set_go_live(store, "2026-10")
    run, workbook = sync(instance)
    assert workbook.parent == home / "sync_jobs"
    assert store_totals(store) == expected == workbook_totals(workbook)
    checks = {e.check_name: e.passed for e in check_evaluations(instance, run.run_id).values()}
    assert checks == {
        "recon_difference_zero": True,
        "billing_schedule_schema": True,
        "no_duplicate_netsuite_lines": True,
    }

    # 3. NetSuite changes: fix the near-miss name, edit a prior-period invoice, delete one, add one.
    now = sb.now_local()
    sb.update_customer(
        manifest["near_miss_customer"], modified_at=now, companyname=manifest["near_miss_crm_name"]
    )
    edited = manifest["invoice_open"]
    edited_line = sb.execute(
        'SELECT id FROM transactionline WHERE "transaction" = ? AND '
        "mainline = 'F' AND taxline = 'F' ORDER BY id",
        (edited,),
    )[0]["id"]
    sb.update_line(edited, edited_line, modified_at=now, foreignamount=-4321.09)
    sb.delete_transaction(manifest["invoice_discount"], deleted_at=now)
    item = sb.execute("SELECT id FROM item WHERE itemid = 'Platform Subscription'")[0]["id"]
    added = sb.add_invoice(
        manifest["exact_customer"],
        [
            {
                "item": item,
                "amount": Decimal("999.99"),
                "quantity": 1,
                "start": date(2026, 10, 1),
                "end": date(2027, 9, 30),
            }
        ],
        trandate=date(2026, 10, 15),
        modified_at=now,
    )
    run, workbook = sync(instance)
    expected, pending = expected_billing(sb, dataset.crm_customers, excluded)
    assert store_totals(store) == expected == workbook_totals(workbook)
    billing_rows = read_tab(workbook, "BillingSchedule")
    keys = [(r["NetSuite ID"], r["Line ID"]) for r in billing_rows]
    assert len(keys) == len(set(keys)), "no duplicate NetSuite lines"
    docs = {r["NetSuite ID"] for r in billing_rows}
    assert manifest["invoice_near_miss_customer"] in docs  # moved out of pending
    assert manifest["invoice_discount"] not in docs and added in docs
    assert {(r["NetSuite ID"], r["Line ID"]) for r in read_tab(workbook, "PendingData")} == pending
    edited_rows = [
        r for r in billing_rows if (r["NetSuite ID"], r["Line ID"]) == (edited, edited_line)
    ]
    assert edited_rows[0]["Amount"] == pytest.approx(4321.09, abs=0)  # exact binary of 4321.09
    assert {r["Status"] for r in read_tab(workbook, "ReconSummary_Invoice")} == {"OK"}
    stored = store.snapshot("billing_schedule_line")
    assert len(stored) == len(billing_rows)


def test_recon_difference_fails_the_sync_naming_customers_and_periods(flow):
    sb, dataset, store, instance, _home = flow
    set_go_live(store, "2026-10")
    sync(instance)
    # A document moves to a currency the integration cannot see: the schedule cannot be loaded.
    gbp_invoice = dataset.manifest["invoice_gbp"]
    sb.update_transaction(gbp_invoice, modified_at=sb.now_local(), currency=99)
    run = run_job("invoice_sync_job", instance=instance, progress=lambda m: None)
    assert not run.success
    checks = check_evaluations(instance, run.run_id)
    assert not checks["billing_schedule_schema"].passed
    recon = checks["recon_difference_zero"]
    assert not recon.passed
    assert recon.description.startswith("Recon difference in ")
    period = sb.execute('SELECT trandate FROM "transaction" WHERE id = ?', (gbp_invoice,))
    assert str(period[0]["trandate"])[:7] in recon.description
    customer = sb.execute(
        'SELECT c.companyname, c.firstname, c.lastname FROM customer c JOIN "transaction" t '
        "ON t.entity = c.id WHERE t.id = ?",
        (gbp_invoice,),
    )[0]
    assert (customer["companyname"] or customer["lastname"]) in recon.description
    # The blocked run wrote no workbook for this job and recorded no job.
    assert "invoice_workbook" not in run.materializations


def test_structural_lines_are_counted_nowhere_and_discounts_keep_their_sign(flow):
    sb, dataset, store, instance, _home = flow
    manifest = dataset.manifest
    invoice = manifest["invoice_open"]  # a CRM customer's invoice
    items = {
        kind: add_item(sb, 9100 + n, f"{kind} item", kind)
        for n, kind in enumerate(("ShipItem", "Subtotal", "Group", "EndGroup", "Description"))
    }
    item_total = sb.execute(
        'SELECT SUM(foreignamount) AS s FROM transactionline WHERE "transaction" = ? '
        "AND mainline = 'F' AND taxline = 'F'",
        (invoice,),
    )[0]["s"]
    structural = [
        add_line(sb, invoice, item=items["Subtotal"], itemtype="Subtotal", amount=str(item_total)),
        add_line(sb, invoice, item=items["Group"], itemtype="Group", amount=None),
        add_line(sb, invoice, item=items["EndGroup"], itemtype="EndGroup", amount="-25.00"),
        add_line(sb, invoice, item=items["Description"], itemtype="Description", amount=None),
        add_line(sb, invoice, item=1, itemtype="InvtPart", amount="40.00", iscogs=True),
        add_line(sb, invoice, item=1, itemtype="InvtPart", amount="-40.00", iscogs=True),
        add_line(
            sb, invoice, item=1, itemtype="NonInvtPart", amount="-9.99", donotdisplayline=True
        ),
    ]
    shipping = add_line(sb, invoice, item=items["ShipItem"], itemtype="ShipItem", amount="-25.00")
    discount = add_line(
        sb, invoice, item=manifest["discount_item_id"], itemtype="Discount", amount="10.00"
    )

    set_go_live(store, "2026-10")
    run, workbook = sync(instance)

    expected, pending = expected_billing(sb, dataset.crm_customers, manifest["excluded_item_name"])
    assert store_totals(store) == expected == workbook_totals(workbook)
    billed = {(r["NetSuite ID"], r["Line ID"]): r for r in read_tab(workbook, "BillingSchedule")}
    assert billed[(invoice, shipping)]["Amount"] == 25
    assert billed[(invoice, discount)]["Amount"] == -10
    pending_rows = {(r["NetSuite ID"], r["Line ID"]) for r in read_tab(workbook, "PendingData")}
    assert pending_rows == pending
    everywhere = set(billed) | pending_rows
    assert not {(invoice, line) for line in structural} & everywhere
    assert {r["Status"] for r in read_tab(workbook, "ReconSummary_Invoice")} == {"OK"}
    checks = {e.check_name: e.passed for e in check_evaluations(instance, run.run_id).values()}
    assert checks["recon_difference_zero"] is True
    # The excluded lines are in the store, with what excluded them.
    table = schema.netsuite_transaction_line
    with store.read() as conn:
        audit = {
            row.line_id: (row.itemtype, row.is_billing_line)
            for row in conn.execute(
                select(table.c.line_id, table.c.itemtype, table.c.is_billing_line).where(
                    table.c.transaction_id == invoice
                )
            )
        }
    assert [audit[line] for line in structural] == [
        ("Subtotal", False),
        ("Group", False),
        ("EndGroup", False),
        ("Description", False),
        ("InvtPart", False),
        ("InvtPart", False),
        ("NonInvtPart", False),
    ]
    assert audit[shipping] == ("ShipItem", True) and audit[discount] == ("Discount", True)
