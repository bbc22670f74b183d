"""The month-end close reports (SPEC §11): the deferred revenue waterfall and RPO of a closed,
posted period, and the period's close workbook. Thin shells over `journals.waterfall` and
`journals.close_workbook`; the period is the run's partition."""

from pathlib import Path

import dagster as dg

from revrec_pipeline.assets.journals import GROUP, partition_period
from revrec_pipeline.assets.metadata import OWNERS, amount_entries, money, table_entries, text
from revrec_pipeline.journals.close_workbook import (
    TABS,
    CloseInputs,
    close_workbook_path,
    write_close_workbook,
)
from revrec_pipeline.journals.explain import ExplainError
from revrec_pipeline.journals.waterfall import Waterfall
from revrec_pipeline.journals.waterfall import deferred_revenue_waterfall as compute_waterfall
from revrec_pipeline.partitions import accounting_period
from revrec_pipeline.resources import InvoiceSettingsResource
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.explain import explain_from_store
from revrec_pipeline.store.journals import read_journal_inputs, read_plan
from revrec_pipeline.store.tieout import latest_tieout

RPO_COLUMNS = [
    text("currency", "currency"),
    money("contract", "contract_cents", "Contract value of every sales order line."),
    money("recognized", "recognized_cents", "Recognized through the period end."),
    money("rpo", "rpo_cents", "Remaining performance obligation: contract − recognized."),
    money("crpo", "crpo_cents", "The RPO to be recognized in the next 12 months."),
    money("deferred", "deferred_cents", "Deferred revenue balance, Σ max(billed − recognized, 0)."),
    money("unbilled", "unbilled_cents", "Unbilled receivable, Σ max(recognized − billed, 0)."),
]
BALANCE_COLUMNS = [
    text("customer", "customer_id"),
    text("currency", "currency"),
    text("subsidiary", "subsidiary", "NetSuite subsidiary internal id (OneWorld)."),
    money("billed", "billed_cents", "Billed through the period end."),
    money("recognized", "recognized_cents", "Recognized through the period end."),
    money("deferred", "deferred_cents", "max(billed − recognized, 0)"),
    money("unbilled", "unbilled_cents", "max(recognized − billed, 0)"),
]


def waterfall_columns(wf: Waterfall) -> list:
    return [
        text("customer", "customer_id"),
        text("currency", "currency"),
        text("subsidiary", "subsidiary", "NetSuite subsidiary internal id (OneWorld)."),
        text("product", "product_code"),
        money("contract", "contract_cents"),
        money("recognized", "recognized_cents", "Recognized through the period end."),
        *(money(month, month, f"To be recognized in {month}.") for month in wf.months),
        money("later", "later_cents", f"To be recognized after {wf.months[-1]}."),
    ]


def waterfall_metadata(wf: Waterfall) -> dict:
    currencies = list(wf.rpo["currency"])
    return {
        "period": wf.period,
        "dagster/row_count": len(wf.lines),
        **table_entries("rpo", wf.rpo, RPO_COLUMNS),
        **table_entries("balances", wf.balances, BALANCE_COLUMNS),
        **table_entries("waterfall", wf.lines, waterfall_columns(wf)),
        **amount_entries("deferred", wf.totals("deferred_cents"), currencies),
        **amount_entries("unbilled", wf.totals("unbilled_cents"), currencies),
        **amount_entries("rpo", wf.totals("rpo_cents"), currencies),
        **amount_entries("crpo", wf.totals("crpo_cents"), currencies),
    }


@dg.asset(
    group_name=GROUP,
    deps=["posted_journals"],
    partitions_def=accounting_period,
    kinds={"pandas"},
    owners=OWNERS,
    tags={"layer": "journals"},
)
def deferred_revenue_waterfall(
    context: dg.AssetExecutionContext, store: StoreResource
) -> dg.MaterializeResult:
    """As of the period's end: per customer, currency and product the contract value,
    recognized to date, recognition in each of the next 12 months and later; per customer and
    currency the deferred revenue and unbilled receivable balances; per currency RPO and cRPO
    (ASC 606). Balances cover all activity, so they equal the opening balances at go-live plus
    what the posted journals hold on the deferred revenue and unbilled accounts."""
    with store.get_store().read() as conn:
        period = partition_period(context, conn)
        billing, orders = read_journal_inputs(conn)
    wf = compute_waterfall(billing, orders, period)
    return dg.MaterializeResult(metadata=waterfall_metadata(wf))


@dg.asset(
    group_name=GROUP,
    # After posting (and, the gl_tieout check on posted_journals being blocking, after the
    # tie-out of this run) and the waterfall.
    deps=["posted_journals", deferred_revenue_waterfall],
    partitions_def=accounting_period,
    kinds={"excel"},
    owners=OWNERS,
    tags={"layer": "report"},
)
def close_workbook(
    context: dg.AssetExecutionContext,
    store: StoreResource,
    invoice_settings: InvoiceSettingsResource,
) -> dg.MaterializeResult:
    """The period's close workbook, `REVREC_HOME/close/close-YYYY-MM.xlsx` (SPEC §11):
    JournalEntries, JournalDetail (each line's composition), Waterfall (with a chart of the
    revenue still to recognize by month), RPO and TieOut (the latest GL tie-out). Rewritten on
    every posting run of the period, so after a reopen too; written to a temporary file and
    renamed, so a reader never sees half of it."""
    db = store.get_store()
    with db.read() as conn:
        period = partition_period(context, conn)
        plan = read_plan(conn, period)
        billing, orders = read_journal_inputs(conn)
    explanation, note = None, None
    try:
        explanation = explain_from_store(db, period)
    except ExplainError as exc:
        note = str(exc)
        context.log.warning(f"JournalDetail of {period} left empty: {note}")
    inputs = CloseInputs(
        period=period,
        plan=plan,
        explanation=explanation,
        waterfall=compute_waterfall(billing, orders, period),
        tieout=latest_tieout(db, period),
        detail_note=note,
    )
    path = Path(close_workbook_path(invoice_settings.home, period)).resolve()
    written = write_close_workbook(path, inputs)
    context.log.info(f"Wrote {path}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(path)),
            "period": period,
            "tieout": written["tieout"],
            "chart": written["chart"],
            **{f"rows_{tab}": dg.MetadataValue.int(written["rows"][tab]) for tab in TABS},
        }
    )


close_assets = [deferred_revenue_waterfall, close_workbook]
