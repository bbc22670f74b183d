"""Group `crm`: the CRM tables loaded into the store by `revrec crm import` (or any loader)."""

import dagster as dg
import pandas as pd
from sqlalchemy import Date, Integer, Table, func, select

from revrec_pipeline.assets import metadata as md
from revrec_pipeline.invoices.totals import cents_by_currency
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource

GROUP = "crm"
_CRM = {
    "group_name": GROUP,
    "kinds": {"sql"},
    "owners": md.OWNERS,
    "tags": {"layer": "import"},  # loaded by `revrec crm import`, not pulled by the pipeline
}

_CUSTOMER_COLUMNS = [
    md.text("Customer ID", "customer_id"),
    md.text("Customer Name", "customer_name"),
]
_ORDER_COLUMNS = [
    md.text("Order Number", "order_number"),
    md.text("Order Item Number", "order_item_number"),
    md.text("Customer ID", "customer_id"),
    md.text("Product Code", "product_code"),
    md.date("Service Start Date", "service_start_date"),
    md.date("Service End Date", "service_end_date"),
    md.money("Amount", "amount_cents"),
    md.text("Currency", "currency"),
    md.text("Recognition", "recognition"),
]


def _column_type(column) -> str:
    if isinstance(column.type, Integer):  # BigInteger too
        return md.INT
    if isinstance(column.type, Date):
        return md.DATE
    return md.STRING


def _table_schema(table: Table) -> dg.TableSchema:
    return dg.TableSchema(
        columns=[
            dg.TableColumn(
                c.name,
                _column_type(c),
                description="Integer cents in the row's currency."
                if c.name.endswith("_cents")
                else None,
                constraints=dg.TableColumnConstraints(nullable=bool(c.nullable)),
            )
            for c in table.columns
        ]
    )


def _observe(store: StoreResource, table: Table, columns, order_by) -> dict:
    db = store.get_store()
    with db.read() as conn:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        result = conn.execute(select(table).order_by(*order_by).limit(md.ROW_LIMIT))
        preview = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return {
        "dagster/row_count": dg.MetadataValue.int(count),
        "dagster/table_name": table.name,
        "dagster/column_schema": dg.MetadataValue.table_schema(_table_schema(table)),
        **md.table_entries(table.name, preview, columns, total_rows=count),
    }


@dg.asset(**_CRM)
def crm_customers(store: StoreResource) -> dg.MaterializeResult:
    """CRM customers (customer_id, customer_name) as loaded into the RevRec store; NetSuite
    customers are matched to them by name (SPEC §6)."""
    table = schema.crm_customer
    return dg.MaterializeResult(
        metadata=_observe(store, table, _CUSTOMER_COLUMNS, [table.c.customer_id])
    )


@dg.asset(**_CRM)
def crm_sales_orders(store: StoreResource) -> dg.MaterializeResult:
    """CRM sales order lines (service period, amount, recognition) in the RevRec store: what
    revenue recognition spreads over each line's service period (SPEC §5, §7)."""
    table = schema.crm_sales_order_line
    metadata = _observe(
        store,
        table,
        _ORDER_COLUMNS,
        [table.c.service_start_date.desc(), table.c.order_number, table.c.order_item_number],
    )
    db = store.get_store()
    with db.read() as conn:
        result = conn.execute(
            select(table.c.currency, func.sum(table.c.amount_cents).label("amount_cents")).group_by(
                table.c.currency
            )
        )
        totals = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return dg.MaterializeResult(
        metadata={**metadata, **md.amount_entries("ordered", cents_by_currency(totals))}
    )


crm_assets = [crm_customers, crm_sales_orders]
