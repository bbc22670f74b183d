"""Group `billing`: billing schedule, product, pending data, recon and the workbook (SPEC §6).

One step computes the classification, loads the billing schedule into the store once a period
is set (a sync job; before that, a conversion job loads nothing), and reconciles NetSuite with
what the store then holds. The workbook step writes the job's `.xlsx` and records the job.
"""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd
import pandera.errors

from revrec_pipeline.invoices.billing import BillingInputError, classify_lines
from revrec_pipeline.invoices.matching import match_customers
from revrec_pipeline.invoices.recon import (
    describe_differences,
    failing_rows,
    recon_details,
    recon_summary,
)
from revrec_pipeline.invoices.schema import billing_schedule_schema
from revrec_pipeline.invoices.workbook import (
    BILLING_TAB,
    PENDING_TAB,
    PRODUCT_TAB,
    RECON_DETAILS_TAB,
    RECON_SUMMARY_TAB,
    write_workbook,
)
from revrec_pipeline.resources import InvoiceSettingsResource
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.invoices import (
    job_for_run,
    load_billing_schedule,
    read_invoice_inputs,
    read_loaded_billing,
    record_job,
    set_job_file,
)
from revrec_pipeline.store.periods import go_live_period

GROUP = "billing"
CONVERSION, SYNC = "conversion", "sync"
JOB_FOLDERS = {CONVERSION: "conversion_data", SYNC: "sync_jobs"}
UPSTREAM = [
    "netsuite_customers",
    "netsuite_items",
    "netsuite_invoices",
    "netsuite_credit_memos",
    "crm_customers",
]


def _preview(frame: pd.DataFrame, rows: int = 10) -> dg.MetadataValue:
    return dg.MetadataValue.md(
        frame.head(rows).to_markdown(index=False) if len(frame) else "(empty)"
    )


def _totals_by_period(frame: pd.DataFrame) -> dg.MetadataValue:
    if frame.empty:
        return dg.MetadataValue.md("(empty)")
    totals = frame.groupby(["period", "currency"])["amount_cents"].sum().reset_index()
    totals["amount"] = totals.pop("amount_cents").map(lambda c: f"{c / 100:,.2f}")
    return dg.MetadataValue.md(totals.to_markdown(index=False, disable_numparse=True))


@dg.multi_asset(
    group_name=GROUP,
    deps=UPSTREAM,
    outs={
        "billing_schedule": dg.AssetOut(description="One row per billable NetSuite item line."),
        "product": dg.AssetOut(description="Items seen, with whether they are excluded."),
        "pending_data": dg.AssetOut(description="Lines whose customer matches no CRM customer."),
        "recon_details_invoice": dg.AssetOut(description="Recon per period and customer."),
        "recon_summary_invoice": dg.AssetOut(description="Recon per period."),
    },
    check_specs=[
        dg.AssetCheckSpec(
            "recon_difference_zero",
            asset="recon_details_invoice",
            blocking=True,
            description="NetSuite = RevRec + Pending + Excluded for every period and customer.",
        ),
        dg.AssetCheckSpec(
            "billing_schedule_schema",
            asset="billing_schedule",
            blocking=True,
            description="The billing schedule matches its pandera schema.",
        ),
        dg.AssetCheckSpec(
            "no_duplicate_netsuite_lines",
            asset="billing_schedule",
            blocking=True,
            description="Each NetSuite line appears once across billing, pending and excluded.",
        ),
    ],
)
def invoice_tables(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    invoice_settings: InvoiceSettingsResource,
):
    db = store.get_store()
    # One snapshot: a sync committing mid-way must not mix its headers with older lines.
    with db.write(consistent=True) as conn:
        inputs = read_invoice_inputs(conn)
        matches = match_customers(
            inputs.netsuite_customers,
            inputs.crm_customers,
            by_name=invoice_settings.use_customer_name_mapping,
        )
        try:
            lines = classify_lines(
                inputs.headers,
                inputs.lines,
                inputs.items,
                inputs.currencies,
                matches,
                invoice_settings.exclusion(),
            )
        except BillingInputError as exc:
            raise dg.Failure(str(exc)) from None
        go_live = go_live_period(conn)
        mode = SYNC if go_live else CONVERSION
        try:
            billing_schedule_schema.validate(lines.billing_schedule, lazy=True)
            schema_problems = ""
        except pandera.errors.SchemaErrors as exc:
            schema_problems = exc.failure_cases.head(20).to_markdown(index=False)
        if mode == SYNC:
            if schema_problems:
                context.log.error("Billing schedule not loaded: it fails its schema check.")
            else:
                loaded = load_billing_schedule(conn, lines.billing_schedule, source=SYNC)
                context.log.info(
                    f"Loaded {loaded.upserted} billing lines; removed {loaded.deleted}."
                )
            revrec = read_loaded_billing(conn)
        else:
            # Conversion: nothing is loaded; the recon shows what a load would hold.
            revrec = lines.billing_schedule
        details = recon_details(lines.all_lines, revrec)
        summary = recon_summary(details)
        # The job is recorded with its load, so its kind can never disagree with what loaded;
        # the workbook step adds the file.
        difference = int(details["difference_cents"].abs().sum()) if len(details) else 0
        record_job(
            conn,
            run_id=context.run.run_id,
            kind=mode,
            billing_lines=len(lines.billing_schedule),
            pending_lines=len(lines.pending_data),
            excluded_cents=int(lines.excluded["amount_cents"].sum()),
            recon_status="OK" if difference == 0 else "DIFFERENCE",
            recon_difference_cents=difference,
            file=None,
        )
    duplicated = lines.all_lines.duplicated(["netsuite_id", "line_id"]).sum()
    differences = failing_rows(details)
    context.log.info(f"Invoice job mode: {mode} (go-live period: {go_live or 'not set'}).")

    yield dg.Output(
        lines.billing_schedule,
        output_name="billing_schedule",
        metadata={
            "dagster/row_count": len(lines.billing_schedule),
            "mode": mode,
            "totals_by_period": _totals_by_period(lines.billing_schedule),
            "preview": _preview(lines.billing_schedule),
        },
    )
    yield dg.Output(
        lines.product,
        output_name="product",
        metadata={"dagster/row_count": len(lines.product), "preview": _preview(lines.product)},
    )
    yield dg.Output(
        lines.pending_data,
        output_name="pending_data",
        metadata={
            "dagster/row_count": len(lines.pending_data),
            "pending_amount_by_period": _totals_by_period(lines.pending_data),
            "preview": _preview(lines.pending_data),
        },
    )
    yield dg.Output(
        details,
        output_name="recon_details_invoice",
        metadata={
            "dagster/row_count": len(details),
            "differences": len(differences),
        },
    )
    yield dg.Output(
        summary,
        output_name="recon_summary_invoice",
        metadata={"dagster/row_count": len(summary), "preview": _preview(summary, 24)},
    )
    yield dg.AssetCheckResult(
        check_name="billing_schedule_schema",
        asset_key="billing_schedule",
        passed=not schema_problems,
        metadata={"failure_cases": dg.MetadataValue.md(schema_problems or "none")},
    )
    yield dg.AssetCheckResult(
        check_name="no_duplicate_netsuite_lines",
        asset_key="billing_schedule",
        passed=bool(duplicated == 0),
        metadata={"duplicates": int(duplicated)},
    )
    yield dg.AssetCheckResult(
        check_name="recon_difference_zero",
        asset_key="recon_details_invoice",
        passed=differences.empty,
        description=describe_differences(details),
        metadata={
            "offending_rows": dg.MetadataValue.md(
                differences.head(50).to_markdown(index=False) if len(differences) else "none"
            )
        },
    )


def workbook_path(home: str, mode: str, run_id: str, now: datetime | None = None) -> Path:
    """`REVREC_HOME/<sync_jobs|conversion_data>/invoices-<UTC time>-<run>.xlsx`: sorts by time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(home) / JOB_FOLDERS[mode] / f"invoices-{stamp}-{run_id[:8]}.xlsx"


@dg.asset(group_name=GROUP, kinds={"excel"})
def invoice_workbook(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    invoice_settings: InvoiceSettingsResource,
    billing_schedule: pd.DataFrame,
    product: pd.DataFrame,
    pending_data: pd.DataFrame,
    recon_details_invoice: pd.DataFrame,
    recon_summary_invoice: pd.DataFrame,
) -> dg.MaterializeResult:
    """The job's finance workbook; before go-live it is conversion data to review and import."""
    db = store.get_store()
    with db.read() as conn:
        job = job_for_run(conn, context.run.run_id)
    mode = job["kind"]
    path = workbook_path(invoice_settings.home, mode, context.run.run_id)
    sheets = write_workbook(
        path,
        {
            BILLING_TAB: billing_schedule,
            PRODUCT_TAB: product,
            PENDING_TAB: pending_data,
            RECON_DETAILS_TAB: recon_details_invoice,
            RECON_SUMMARY_TAB: recon_summary_invoice,
        },
    )
    with db.write() as conn:
        set_job_file(conn, job["id"], str(path.resolve()))
    job_id = job["id"]
    context.log.info(f"Wrote {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path.resolve())),
            "job_id": job_id,
            "mode": mode,
            "sheets": ", ".join(sheets),
            "recon_summary": _preview(recon_summary_invoice, 24),
        }
    )


billing_assets = [invoice_tables, invoice_workbook]
