"""What the invoice flow shows in the Dagster UI, checked against figures computed here from the
sandbox's own tables and the store (SPEC §6, §8): tables with decimal amounts and currencies,
the recon most recent first, column schemas, numeric totals per currency, check metadata."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook

from revrec_pipeline.invoices.billing import BILLING_COLUMNS, PENDING_COLUMNS
from revrec_pipeline.runner import run_job
from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.periods import set_go_live
from revrec_pipeline_tests.assets.test_invoice_flow import SPEC_LINES_SQL, name_key
from revrec_pipeline_tests.pipeline_helpers import check_evaluations, sync

# SPEC §4's billing lines with their document's currency.
LINES_SQL = SPEC_LINES_SQL.replace(
    "SELECT t.id AS tran,", "SELECT cur.symbol AS currency, t.id AS tran,"
).replace(
    'JOIN "transaction" t ON t.id = tl."transaction"',
    'JOIN "transaction" t ON t.id = tl."transaction" LEFT JOIN currency cur ON cur.id = t.currency',
)


def decimal(value) -> Decimal:
    """A metadata amount (a "1234.50" table cell or a plotted float) read back exactly."""
    return Decimal(str(value))


def sandbox_lines(sb, crm_customers, excluded_item: str) -> list[dict]:
    """Every billing line with its period, currency, cents and class, per SPEC §4 and §6."""
    crm = {name_key(name) for _, name in crm_customers}
    names = {}
    for c in sb.execute(
        "SELECT id, companyname, isperson, firstname, lastname, entityid FROM customer"
    ):
        person = c["isperson"] == "T"
        names[c["id"]] = (
            f"{c['firstname']} {c['lastname']}" if person else c["companyname"] or c["entityid"]
        )
    lines = []
    for row in sb.execute(LINES_SQL):
        assert row["currency"], "the sandbox account has Multiple Currencies"
        if row["itemid"] == excluded_item:
            kind = "excluded"
        elif name_key(names[row["entity"]]) in crm:
            kind = "billing"
        else:
            kind = "pending"
        lines.append(
            {
                "period": str(row["trandate"])[:7],
                "currency": row["currency"],
                "customer": row["entity"],
                # billing sign: minus NetSuite's GL-signed amount
                "cents": -int(Decimal(str(row["foreignamount"])) * 100),
                "class": kind,
                "tran": row["tran"],
            }
        )
    return lines


def _key(record: dict, keys: tuple[str, ...]):
    return record[keys[0]] if len(keys) == 1 else tuple(record[k] for k in keys)


def by(lines: list[dict], *keys: str, kind: str | None = None) -> dict:
    """Cents summed by `keys` (one key: its value; several: a tuple), over one class or all."""
    totals: dict = defaultdict(int)
    for line in lines:
        if kind in (None, line["class"]):
            totals[_key(line, keys)] += line["cents"]
    return dict(totals)


def store_by(store: RevRecStore, *keys: str) -> dict:
    """The loaded billing schedule's cents summed by `keys`, read from the store."""
    columns = [c.name for c in schema.billing_schedule_line.columns]
    totals: dict = defaultdict(int)
    for row in store.snapshot("billing_schedule_line"):
        record = dict(zip(columns, row, strict=True))
        totals[_key(record, keys)] += record["amount_cents"]
    return dict(totals)


def plotted(meta: dict, prefix: str) -> dict[str, Decimal]:
    return {
        key.removeprefix(f"{prefix}_"): decimal(value)
        for key, value in meta.items()
        if key.startswith(f"{prefix}_") and isinstance(value, float)
    }


def as_amounts(totals: dict[str, int], currencies) -> dict[str, Decimal]:
    return {c: Decimal(totals.get(c, 0)) / 100 for c in currencies}


def records(table) -> list[dict]:
    return [r.data for r in table.records]


def columns(table) -> dict[str, str]:
    return {c.name: c.type for c in table.schema.columns}


def workbook_rows(path: Path) -> dict[str, int]:
    book = load_workbook(path, read_only=True)
    try:
        return {name: book[name].max_row - 1 for name in book.sheetnames}
    finally:
        book.close()


def test_sync_metadata_shows_the_figures_netsuite_and_the_store_hold(flow):
    sb, dataset, store, instance, _home = flow
    lines = sandbox_lines(sb, dataset.crm_customers, dataset.manifest["excluded_item_name"])
    currencies = sorted({line["currency"] for line in lines})
    assert len(currencies) >= 2, "the dataset bills in more than one currency"
    set_go_live(store, "2026-10")
    run, workbook = sync(instance)
    meta = run.materializations

    # Billing schedule: totals per currency equal what the store loaded and the sandbox holds.
    billing = meta["billing_schedule"]
    billed = by(lines, "currency", kind="billing")
    assert store_by(store, "currency") == billed
    assert plotted(billing, "billed") == as_amounts(billed, currencies)
    assert billing["dagster/row_count"] == sum(1 for line in lines if line["class"] == "billing")
    assert [c.name for c in billing["dagster/column_schema"].columns] == BILLING_COLUMNS
    assert {c.name: c.type for c in billing["dagster/column_schema"].columns}[
        "amount_cents"
    ] == "int"
    preview = billing["billing_schedule"]
    assert columns(preview)["Amount"] == "decimal" and columns(preview)["Currency"] == "string"
    shown = records(preview)
    assert billing["dagster/row_count"] > 100, "the dataset has more lines than a table shows"
    assert len(shown) == 100
    assert billing["billing_schedule_truncated"] == (
        f"Shows the first 100 of {billing['dagster/row_count']} rows; all rows are in the "
        "job's workbook."
    )
    dates = [r["Document Date"] for r in shown]
    assert dates == sorted(dates, reverse=True), "most recent documents first"
    stored_columns = [c.name for c in schema.billing_schedule_line.columns]
    stored = {
        (r["netsuite_id"], r["line_id"]): r
        for r in (
            dict(zip(stored_columns, row, strict=True))
            for row in store.snapshot("billing_schedule_line")
        )
    }
    for record in shown:
        line = stored[(record["NetSuite ID"], record["Line ID"])]
        assert decimal(record["Amount"]) == Decimal(line["amount_cents"]) / 100
        assert record["Amount"] == f"{Decimal(line['amount_cents']) / 100:.2f}"
        assert record["Currency"] == line["currency"]
    billed_by_period = by(lines, "period", "currency", kind="billing")
    shown_periods = records(billing["billed_by_period"])
    assert [(r["Period"], r["Currency"]) for r in shown_periods] == sorted(
        billed_by_period, key=lambda k: (-int(k[0].replace("-", "")), k[1])
    )
    for r in shown_periods:
        assert decimal(r["Amount"]) * 100 == billed_by_period[(r["Period"], r["Currency"])]

    # Pending data and the excluded product.
    pending = meta["pending_data"]
    assert plotted(pending, "pending") == as_amounts(
        by(lines, "currency", kind="pending"), currencies
    )
    assert [c.name for c in pending["dagster/column_schema"].columns] == PENDING_COLUMNS
    assert pending["unmatched_customers"] == len(
        {line["customer"] for line in lines if line["class"] == "pending"}
    )
    product = meta["product"]
    assert plotted(product, "excluded") == as_amounts(
        by(lines, "currency", kind="excluded"), currencies
    )
    assert product["excluded_products"] == 1
    assert {r["Product Code"]: r["Excluded"] for r in records(product["product"])}[
        dataset.manifest["excluded_item_name"]
    ] == "yes"

    # Recon summary: most recent period first, every amount equal to the independent sums.
    summary = meta["recon_summary_invoice"]
    rows = records(summary["recon_summary"])
    keys = [(r["Period"], r["Currency"]) for r in rows]
    expected_keys = set(by(lines, "period", "currency"))
    assert set(keys) == expected_keys and len(keys) == len(expected_keys)
    assert [p for p, _ in keys] == sorted((p for p, _ in keys), reverse=True)
    netsuite = by(lines, "period", "currency")
    revrec = store_by(store, "period", "currency")
    pending_by_period = by(lines, "period", "currency", kind="pending")
    excluded_by_period = by(lines, "period", "currency", kind="excluded")
    for r in rows:
        key = (r["Period"], r["Currency"])
        assert decimal(r["NetSuite Amount"]) * 100 == netsuite[key]
        assert decimal(r["RevRec Amount"]) * 100 == revrec.get(key, 0)
        assert decimal(r["Pending Amount"]) * 100 == pending_by_period.get(key, 0)
        assert decimal(r["Excluded Amount"]) * 100 == excluded_by_period.get(key, 0)
        assert r["Difference"] == "0.00" and r["Status"] == "OK"
        assert r["Customers"] == len(
            {line["customer"] for line in lines if (line["period"], line["currency"]) == key}
        )
    for column in ("NetSuite Amount", "RevRec Amount", "Difference"):
        assert columns(summary["recon_summary"])[column] == "decimal"
    assert plotted(summary, "netsuite") == as_amounts(by(lines, "currency"), currencies)
    assert plotted(summary, "revrec") == as_amounts(billed, currencies)
    assert plotted(summary, "difference") == as_amounts({}, currencies)
    assert summary["periods_with_difference"] == 0
    assert "recon_summary_truncated" not in summary
    details = meta["recon_details_invoice"]
    assert details["rows_with_difference"] == 0
    assert plotted(details, "difference") == as_amounts({}, currencies)
    assert details["dagster/row_count"] > 100
    assert "100 of" in details["recon_details_truncated"]
    per_customer = by(lines, "period", "customer", "currency")
    shown_details = records(details["recon_details"])
    assert len(shown_details) == 100
    for r in shown_details:
        key = (r["Period"], r["NetSuite Customer ID"], r["Currency"])
        assert decimal(r["NetSuite Amount"]) * 100 == per_customer[key]
        assert r["Difference"] == "0.00"
    assert [r["Period"] for r in shown_details] == sorted(
        (r["Period"] for r in shown_details), reverse=True
    )

    # Checks carry numbers, not Markdown.
    checks = check_evaluations(instance, run.run_id)
    recon = checks["recon_difference_zero"].metadata
    assert recon["rows_with_difference"].value == 0 and recon["periods_with_difference"].value == 0
    assert {k: decimal(v.value) for k, v in recon.items() if k.startswith("difference_")} == {
        f"difference_{c}": Decimal(0) for c in currencies
    }
    assert records(recon["offending_rows"].value) == []
    duplicates = checks["no_duplicate_netsuite_lines"].metadata
    assert duplicates["duplicates"].value == 0 and duplicates["lines_checked"].value == len(lines)
    assert checks["billing_schedule_schema"].metadata["failure_cases"].value == 0

    # The CRM tables: what `revrec crm import` loaded from the dataset's CSV.
    orders = meta["crm_sales_orders"]
    ordered: dict[str, Decimal] = defaultdict(Decimal)
    for order in dataset.crm_sales_orders:
        ordered[order["currency"]] += Decimal(str(order["amount"]))
    assert plotted(orders, "ordered") == ordered
    assert orders["dagster/row_count"] == len(dataset.crm_sales_orders)
    assert orders["dagster/table_name"] == "crm_sales_order_line"
    order_rows = records(orders["crm_sales_order_line"])
    assert len(order_rows) == min(100, len(dataset.crm_sales_orders))
    starts = [r["Service Start Date"] for r in order_rows]
    assert starts == sorted(starts, reverse=True)
    assert max(starts) == max(str(o["service_start_date"]) for o in dataset.crm_sales_orders)
    customers = meta["crm_customers"]
    assert customers["dagster/row_count"] == len(dataset.crm_customers)
    assert {c.name: c.type for c in customers["dagster/column_schema"].columns} == {
        "customer_id": "string",
        "customer_name": "string",
    }

    # The workbook: its path and the data rows of each tab, as read back from the file.
    book = meta["invoice_workbook"]
    assert Path(book["path"]) == workbook
    assert {k.removeprefix("rows_"): v for k, v in book.items() if k.startswith("rows_")} == (
        workbook_rows(workbook)
    )
    assert book["rows_BillingSchedule"] == billing["dagster/row_count"]


def test_a_recon_difference_shows_as_numbers_per_currency_and_offending_rows(flow):
    sb, dataset, store, instance, _home = flow
    set_go_live(store, "2026-10")
    sync(instance)
    # The GBP invoice moves to a currency the integration cannot see: the schedule is not
    # reloaded, so the store still bills it in GBP while NetSuite now has it in no currency.
    gbp_invoice = dataset.manifest["invoice_gbp"]
    lines = sandbox_lines(sb, dataset.crm_customers, dataset.manifest["excluded_item_name"])
    moved = sum(
        line["cents"]
        for line in lines
        if line["tran"] == gbp_invoice and line["class"] == "billing"
    )
    assert moved != 0
    sb.update_transaction(gbp_invoice, modified_at=sb.now_local(), currency=99)
    run = run_job("invoice_sync_job", instance=instance, progress=lambda m: None)
    assert not run.success

    checks = check_evaluations(instance, run.run_id)
    recon = checks["recon_difference_zero"]
    assert not recon.passed
    numbers = recon.metadata
    assert numbers["rows_with_difference"].value == 2  # its customer and period, in each currency
    assert numbers["periods_with_difference"].value == 1
    assert decimal(numbers["difference_GBP"].value) == abs(Decimal(moved)) / 100
    assert decimal(numbers["difference_unknown"].value) == abs(Decimal(moved)) / 100
    offending = records(numbers["offending_rows"].value)
    assert {r["Currency"] for r in offending} == {"GBP", None}
    assert sorted(decimal(r["Difference"]) for r in offending) == sorted(
        [Decimal(moved) / 100, -Decimal(moved) / 100]
    )
    schema_check = checks["billing_schedule_schema"]
    assert not schema_check.passed
    assert schema_check.metadata["failure_cases"].value >= 1
    assert "currency" in {r["Column"] for r in records(schema_check.metadata["failures"].value)}
    # The materialized recon (before the blocking check) already shows the difference.
    recon_meta = run.materializations["recon_details_invoice"]
    assert recon_meta["rows_with_difference"] == 2
    first = records(recon_meta["recon_details"])[:2]
    assert {r["Status"] for r in first} == {"DIFFERENCE"}, "differences first"
