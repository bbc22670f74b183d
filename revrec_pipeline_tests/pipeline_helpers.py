"""Running the whole pipeline in tests: the environment for a sandbox, jobs, check results."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg

from revrec_pipeline.runner import JobRun, post_period_now, run_job
from revrec_pipeline.sandbox import NetSuiteSandbox


def sandbox_environment(sb: NetSuiteSandbox, home: Path, database_url: str) -> dict[str, str]:
    excluded = sb.manifest["excluded_item_name"]
    return {
        **sb.environment(),
        "REVREC_HOME": str(home),
        "REVREC_DATABASE_URL": database_url,
        "REVREC_EXCLUDE_PRODUCTS": json.dumps({"product": {"name": "Name", "values": [excluded]}}),
    }


def run(instance: dg.DagsterInstance, job: str, **tags: str) -> JobRun:
    return run_job(job, instance=instance, progress=lambda message: None, tags=tags or None)


def sync(instance: dg.DagsterInstance) -> tuple[JobRun, Path]:
    result = run(instance, "invoice_sync_job")
    assert result.success, result.summary()
    return result, Path(result.materializations["invoice_workbook"]["path"])


def post(instance: dg.DagsterInstance, period: str) -> JobRun:
    """What `revrec journals post PERIOD` runs: the period's partition of journal_posting_job."""
    from revrec_pipeline.settings import load_settings
    from revrec_pipeline.store import RevRecStore

    store = RevRecStore(load_settings().database_url)
    return post_period_now(store, period, instance=instance, progress=lambda message: None)


def check_evaluations(instance: dg.DagsterInstance, run_id: str) -> dict:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION
    ).records
    evaluations = [r.event_log_entry.dagster_event.event_specific_data for r in records]
    return {e.check_name: e for e in evaluations}


def sandbox_mapping_csv(manifest: dict, *, without: str | None = None) -> str:
    accounts, subsidiary = manifest["accounts"], manifest["subsidiary_id"]
    rows = {
        "contra_revenue": f"contra_revenue,{accounts['contra_revenue']},,1,1,1,{subsidiary}",
        "deferred_revenue": f"deferred_revenue,{accounts['deferred_revenue']},,,,,{subsidiary}",
        "revenue": f"revenue,{accounts['revenue']},,1,2,3,{subsidiary}\n"
        f"revenue,{accounts['services_revenue']},Premium Support,2,2,1,{subsidiary}",
        "unbilled_receivable": f"unbilled_receivable,{accounts['unbilled_receivable']},,,,,"
        f"{subsidiary}",
    }
    header = "account_type,netsuite_account_id,product_code,department,class,location,subsidiary"
    return "\n".join([header, *(v for k, v in rows.items() if k != without)]) + "\n"


def bill_100_more_on_an_october_invoice(sb: NetSuiteSandbox, manifest: dict) -> dict:
    """Edit a line of an October USD invoice of the exactly-named customer in the sandbox:
    100.00 more billed (NetSuite holds invoice item lines as negative foreignamount). Returns
    the line as it was (id, line, foreignamount)."""
    invoice = sb.execute(
        'SELECT t.id, tl.id AS line, tl.foreignamount FROM "transaction" t JOIN transactionline tl '
        "ON tl.\"transaction\" = t.id JOIN customer c ON c.id = t.entity WHERE t.type = 'CustInvc' "
        "AND t.trandate >= '2026-10-01' AND t.currency = 1 AND t.posting = 'T' AND t.voided = 'F' "
        "AND tl.mainline = 'F' AND tl.taxline = 'F' AND c.id = ? ORDER BY t.id LIMIT 1",
        (manifest["exact_customer"],),
    )[0]
    old = Decimal(str(invoice["foreignamount"]))
    sb.update_line(
        invoice["id"],
        invoice["line"],
        modified_at=sb.now_local(),
        foreignamount=float(old - Decimal("100.00")),
    )
    return invoice


def double_a_point_in_time_order_line(store) -> int:
    """A sales order corrected in the CRM: an October point-in-time USD line doubles. Returns
    the line's amount before (cents)."""
    from sqlalchemy import select, update

    from revrec_pipeline.store import schema

    order = schema.crm_sales_order_line
    with store.write() as conn:
        line = conn.execute(
            select(order.c.order_number, order.c.order_item_number, order.c.amount_cents)
            .where(order.c.recognition == "point_in_time", order.c.currency == "USD")
            .where(order.c.service_start_date.between("2026-10-01", "2026-10-31"))
            .order_by(order.c.order_number)
            .limit(1)
        ).one()
        conn.execute(
            update(order)
            .where(order.c.order_number == line.order_number)
            .where(order.c.order_item_number == line.order_item_number)
            .values(amount_cents=line.amount_cents * 2)
        )
    return int(line.amount_cents)
