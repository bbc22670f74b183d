"""The month-end close reports (SPEC §11): the deferred revenue waterfall and RPO of a closed,
posted period. Thin shells over `journals.waterfall`; the period is the run's partition."""

import dagster as dg

from revrec_pipeline.assets.journals import GROUP, partition_period
from revrec_pipeline.assets.metadata import OWNERS, amount_entries, money, table_entries, text
from revrec_pipeline.journals.waterfall import Waterfall
from revrec_pipeline.journals.waterfall import deferred_revenue_waterfall as compute_waterfall
from revrec_pipeline.partitions import accounting_period
from revrec_pipeline.store.db import StoreResource
from revrec_pipeline.store.journals import read_journal_inputs

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
    money("billed", "billed_cents", "Billed through the period end."),
    money("recognized", "recognized_cents", "Recognized through the period end."),
    money("deferred", "deferred_cents", "max(billed − recognized, 0)"),
    money("unbilled", "unbilled_cents", "max(recognized − billed, 0)"),
]


def waterfall_columns(wf: Waterfall) -> list:
    return [
        text("customer", "customer_id"),
        text("currency", "currency"),
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


close_assets = [deferred_revenue_waterfall]
