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

from revrec_pipeline.assets import metadata as md
from revrec_pipeline.invoices.billing import BillingInputError, InvoiceLines, classify_lines
from revrec_pipeline.invoices.matching import match_customers
from revrec_pipeline.invoices.recon import (
    describe_differences,
    failing_rows,
    recon_details,
    recon_summary,
)
from revrec_pipeline.invoices.schema import billing_schedule_schema
from revrec_pipeline.invoices.totals import (
    absolute_cents_by_currency,
    cents_by_currency,
    differences_first,
    most_recent_documents_first,
    most_recent_first,
    totals_by_period,
)
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
IN_WORKBOOK = "the job's workbook"

# What each output reads: NetSuite documents and their lines (with the currencies the invoice
# and credit memo extracts refresh), items, customers, and the CRM customers they match.
DOCUMENTS = ["netsuite_invoices", "netsuite_credit_memos"]
LINES_READ = ["netsuite_customers", "netsuite_items", *DOCUMENTS, "crm_customers"]


def _spec(key: str, description: str, deps: list[str], kinds: set[str]) -> dg.AssetSpec:
    # The DataFrames go through the IO manager so the workbook step can load them.
    return dg.AssetSpec(
        key,
        deps=deps,
        description=description,
        group_name=GROUP,
        owners=md.OWNERS,
        tags={"layer": "billing"},
        kinds=kinds,
    ).with_io_manager_key("io_manager")


INVOICE_SPECS = [
    _spec(
        "billing_schedule",
        "One row per NetSuite invoice or credit memo billing line whose customer maps to a CRM "
        "customer and whose product is not excluded (SPEC §6). In a sync job (a period is set) "
        "it is loaded into the RevRec store; in a conversion job it is only written to the "
        "workbook.",
        LINES_READ,
        {"pandas", "pandera", "sql"},
    ),
    _spec(
        "product",
        "Every NetSuite item, with whether REVREC_EXCLUDE_PRODUCTS excludes it.",
        ["netsuite_items"],
        {"pandas"},
    ),
    _spec(
        "pending_data",
        "Billing lines whose NetSuite customer matches no CRM customer, with the reason and the "
        "closest CRM name as a suggestion; they move to the billing schedule once the names match.",
        LINES_READ,
        {"pandas"},
    ),
    _spec(
        "recon_details_invoice",
        "Recon per period, NetSuite customer and currency: NetSuite Amount (invoices and credit "
        "memos) = RevRec Amount (billing schedule) + Pending Amount + Excluded Amount (products "
        "marked excluded) + Difference.",
        [*DOCUMENTS, "billing_schedule", "pending_data", "product"],
        {"pandas"},
    ),
    _spec(
        "recon_summary_invoice",
        "The recon summed per period and currency; Status is OK when the Difference is 0.",
        ["recon_details_invoice"],
        {"pandas"},
    ),
]

_BILLING_COLUMNS = [
    md.text("Customer ID", "customer_id"),
    md.text("Customer Name", "customer_name"),
    md.text("Document Type", "document_type"),
    md.text("Document Number", "document_number"),
    md.integer("NetSuite ID", "netsuite_id"),
    md.integer("Line ID", "line_id"),
    md.date("Document Date", "document_date"),
    md.text("Period", "period"),
    md.text("Product Code", "product_code"),
    md.text("Product Name", "product_name"),
    md.number("Quantity", "quantity"),
    md.money("Amount", "amount_cents"),
    md.text("Currency", "currency"),
    md.date("Service Start Date", "service_start_date"),
    md.date("Service End Date", "service_end_date"),
    md.text("Status", "status"),
]
_PENDING_COLUMNS = [
    md.integer("NetSuite Customer ID", "netsuite_customer_id"),
    md.text("NetSuite Customer Name", "netsuite_customer_name"),
    *(c for c in _BILLING_COLUMNS if c.source not in ("customer_id", "customer_name")),
    md.text("Reason", "reason"),
    md.text("Suggested CRM Name", "suggestion"),
]
_PRODUCT_COLUMNS = [
    md.text("Product Code", "product_code"),
    md.text("Product Name", "product_name"),
    md.text("Item Type", "item_type"),
    md.integer("NetSuite ID", "netsuite_id"),
    md.text("Excluded", "excluded"),
]
_RECON_AMOUNTS = [
    md.money("NetSuite Amount", "netsuite_cents"),
    md.money("RevRec Amount", "revrec_cents"),
    md.money("Pending Amount", "pending_cents"),
    md.money("Excluded Amount", "excluded_cents"),
    md.money("Difference", "difference_cents"),
]
_RECON_DETAILS_COLUMNS = [
    md.text("Period", "period"),
    md.integer("NetSuite Customer ID", "netsuite_customer_id"),
    md.text("Customer Name", "netsuite_customer_name"),
    md.text("CRM Customer ID", "customer_id"),
    md.text("Currency", "currency"),
    *_RECON_AMOUNTS,
    md.text("Status", "status"),
]
_RECON_SUMMARY_COLUMNS = [
    md.text("Period", "period"),
    md.text("Currency", "currency"),
    *_RECON_AMOUNTS,
    md.integer("Customers", "customers"),
    md.text("Status", "status"),
]
_PERIOD_TOTAL_COLUMNS = [
    md.text("Period", "period"),
    md.text("Currency", "currency"),
    md.integer("Lines", "lines"),
    md.money("Amount", "amount_cents"),
]
_FAILURE_CASE_COLUMNS = [
    md.text("Column", "column"),
    md.text("Check", "check"),
    md.text("Failure Case", "failure_case"),
    md.text("Row", "index"),
]
_COLUMN_DESCRIPTIONS = {
    "amount_cents": "Billing amount in integer cents, in `currency` (invoices positive, credit "
    "memos negative).",
    "period": "Accounting period YYYY-MM of the document date, in the account time zone.",
    "netsuite_id": "NetSuite internal id of the invoice or credit memo.",
    "line_id": "NetSuite line id within the document.",
}


def _billing_metadata(lines: InvoiceLines, currencies: list[str], mode: str) -> dict:
    billing = lines.billing_schedule
    return {
        **md.frame_entries(billing, _COLUMN_DESCRIPTIONS),
        "mode": mode,
        "customers": dg.MetadataValue.int(int(billing["customer_id"].nunique())),
        **md.amount_entries("billed", cents_by_currency(billing), currencies),
        **md.table_entries(
            "billing_schedule",
            most_recent_documents_first(billing),
            _BILLING_COLUMNS,
            where_all=IN_WORKBOOK,
        ),
        **md.table_entries("billed_by_period", totals_by_period(billing), _PERIOD_TOTAL_COLUMNS),
    }


def _pending_metadata(lines: InvoiceLines, currencies: list[str]) -> dict:
    pending = lines.pending_data
    return {
        **md.frame_entries(pending, _COLUMN_DESCRIPTIONS),
        "unmatched_customers": dg.MetadataValue.int(int(pending["netsuite_customer_id"].nunique())),
        **md.amount_entries("pending", cents_by_currency(pending), currencies),
        **md.table_entries(
            "pending_data",
            most_recent_documents_first(pending),
            _PENDING_COLUMNS,
            where_all=IN_WORKBOOK,
        ),
        **md.table_entries("pending_by_period", totals_by_period(pending), _PERIOD_TOTAL_COLUMNS),
    }


def _product_metadata(lines: InvoiceLines, currencies: list[str]) -> dict:
    product = lines.product
    return {
        **md.frame_entries(product),
        "excluded_products": dg.MetadataValue.int(int((product["excluded"] == "yes").sum())),
        **md.amount_entries("excluded", cents_by_currency(lines.excluded), currencies),
        **md.table_entries("product", product, _PRODUCT_COLUMNS, where_all=IN_WORKBOOK),
    }


def _recon_details_metadata(details: pd.DataFrame, currencies: list[str]) -> dict:
    return {
        **md.frame_entries(details),
        "rows_with_difference": dg.MetadataValue.int(len(failing_rows(details))),
        **md.amount_entries(
            "difference", absolute_cents_by_currency(details, "difference_cents"), currencies
        ),
        **md.table_entries(
            "recon_details",
            differences_first(details),
            _RECON_DETAILS_COLUMNS,
            where_all=IN_WORKBOOK,
        ),
    }


def _recon_summary_metadata(summary: pd.DataFrame, currencies: list[str]) -> dict:
    entries = {
        **md.frame_entries(summary),
        "periods_with_difference": dg.MetadataValue.int(
            int(summary.loc[summary["difference_cents"] != 0, "period"].nunique())
        ),
    }
    for prefix in ("netsuite", "revrec", "pending", "excluded"):
        entries |= md.amount_entries(
            prefix, cents_by_currency(summary, f"{prefix}_cents"), currencies
        )
    entries |= md.amount_entries(
        "difference", absolute_cents_by_currency(summary, "difference_cents"), currencies
    )
    entries |= md.table_entries(
        "recon_summary",
        most_recent_first(summary, "period", "currency"),
        _RECON_SUMMARY_COLUMNS,
        where_all=IN_WORKBOOK,
    )
    return entries


@dg.multi_asset(
    specs=INVOICE_SPECS,
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
                inputs.subsidiaries,
            )
        except BillingInputError as exc:
            raise dg.Failure(str(exc)) from None
        go_live = go_live_period(conn)
        mode = SYNC if go_live else CONVERSION
        try:
            billing_schedule_schema.validate(lines.billing_schedule, lazy=True)
            failure_cases = pd.DataFrame(columns=[c.source for c in _FAILURE_CASE_COLUMNS])
        except pandera.errors.SchemaErrors as exc:
            failure_cases = exc.failure_cases
        if mode == SYNC:
            if len(failure_cases):
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
    duplicated = int(lines.all_lines.duplicated(["netsuite_id", "line_id"]).sum())
    differences = failing_rows(details)
    context.log.info(f"Invoice job mode: {mode} (go-live period: {go_live or 'not set'}).")
    # Every currency NetSuite billed in, so a total is reported (0) even in a run without it.
    currencies = sorted(lines.all_lines["currency"].fillna("unknown").astype(str).unique())

    yield dg.Output(
        lines.billing_schedule,
        output_name="billing_schedule",
        metadata=_billing_metadata(lines, currencies, mode),
    )
    yield dg.Output(
        lines.product, output_name="product", metadata=_product_metadata(lines, currencies)
    )
    yield dg.Output(
        lines.pending_data,
        output_name="pending_data",
        metadata=_pending_metadata(lines, currencies),
    )
    yield dg.Output(
        details,
        output_name="recon_details_invoice",
        metadata=_recon_details_metadata(details, currencies),
    )
    yield dg.Output(
        summary,
        output_name="recon_summary_invoice",
        metadata=_recon_summary_metadata(summary, currencies),
    )
    yield dg.AssetCheckResult(
        check_name="billing_schedule_schema",
        asset_key="billing_schedule",
        passed=failure_cases.empty,
        metadata={
            "failure_cases": dg.MetadataValue.int(len(failure_cases)),
            "failing_columns": dg.MetadataValue.int(int(failure_cases["column"].nunique())),
            **md.table_entries("failures", failure_cases, _FAILURE_CASE_COLUMNS),
        },
    )
    yield dg.AssetCheckResult(
        check_name="no_duplicate_netsuite_lines",
        asset_key="billing_schedule",
        passed=duplicated == 0,
        metadata={
            "duplicates": dg.MetadataValue.int(duplicated),
            "lines_checked": dg.MetadataValue.int(len(lines.all_lines)),
        },
    )
    yield dg.AssetCheckResult(
        check_name="recon_difference_zero",
        asset_key="recon_details_invoice",
        passed=differences.empty,
        description=describe_differences(details),
        metadata={
            "rows_with_difference": dg.MetadataValue.int(len(differences)),
            "periods_with_difference": dg.MetadataValue.int(int(differences["period"].nunique())),
            **md.amount_entries(
                "difference",
                absolute_cents_by_currency(differences, "difference_cents"),
                currencies,
            ),
            **md.table_entries(
                "offending_rows", differences_first(differences), _RECON_DETAILS_COLUMNS
            ),
        },
    )


def workbook_path(home: str, mode: str, run_id: str, now: datetime | None = None) -> Path:
    """`REVREC_HOME/<sync_jobs|conversion_data>/invoices-<UTC time>-<run>.xlsx`: sorts by time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(home) / JOB_FOLDERS[mode] / f"invoices-{stamp}-{run_id[:8]}.xlsx"


@dg.asset(
    group_name=GROUP,
    kinds={"excel"},
    owners=md.OWNERS,
    tags={"layer": "report"},
)
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
    """The job's finance workbook (`.xlsx`, SPEC §6): BillingSchedule, Product, PendingData,
    ReconDetails_Invoice and ReconSummary_Invoice. Before go-live it is conversion data to
    review and load with `revrec import-bulk`; after, the record of a sync job (`revrec jobs`)."""
    db = store.get_store()
    with db.read() as conn:
        job = job_for_run(conn, context.run.run_id)
    mode = job["kind"]
    path = workbook_path(invoice_settings.home, mode, context.run.run_id)
    tabs = {
        BILLING_TAB: billing_schedule,
        PRODUCT_TAB: product,
        PENDING_TAB: pending_data,
        RECON_DETAILS_TAB: recon_details_invoice,
        RECON_SUMMARY_TAB: recon_summary_invoice,
    }
    sheets = write_workbook(path, tabs)
    with db.write() as conn:
        set_job_file(conn, job["id"], str(path.resolve()))
    context.log.info(f"Wrote {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path.resolve())),
            "job_id": dg.MetadataValue.int(int(job["id"])),
            "mode": mode,
            "sheets": ", ".join(sheets),
            # Data rows per tab (a tab over Excel's limit continues on <tab>_2, ...).
            **{
                f"rows_{tab}": dg.MetadataValue.int(len(frame))
                for tab, frame in tabs.items()
                if tab in sheets  # a tab's first sheet has its name; PendingData may be absent
            },
        }
    )


billing_assets = [invoice_tables, invoice_workbook]
