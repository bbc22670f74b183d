"""Group `crm`: the CRM tables loaded into the store by `revrec crm import` (or any loader)."""

import dagster as dg
from sqlalchemy import func, select

from revrec_pipeline.store import schema
from revrec_pipeline.store.db import StoreResource

GROUP = "crm"


def _observe(store: StoreResource, table) -> dg.MaterializeResult:
    db = store.get_store()
    with db.read() as conn:
        count = conn.execute(select(func.count()).select_from(table)).scalar_one()
        preview = conn.execute(select(table).limit(10)).fetchall()
    header = " | ".join(c.name for c in table.columns)
    lines = [header, " | ".join("---" for _ in table.columns)]
    lines += [" | ".join(str(v) for v in row) for row in preview]
    return dg.MaterializeResult(
        metadata={"dagster/row_count": count, "preview": dg.MetadataValue.md("\n".join(lines))}
    )


@dg.asset(group_name=GROUP, kinds={"sql"})
def crm_customers(store: StoreResource) -> dg.MaterializeResult:
    """CRM customers (customer_id, customer_name) as loaded into the RevRec store."""
    return _observe(store, schema.crm_customer)


@dg.asset(group_name=GROUP, kinds={"sql"})
def crm_sales_orders(store: StoreResource) -> dg.MaterializeResult:
    """CRM sales order lines (service period, amount, recognition) in the RevRec store."""
    return _observe(store, schema.crm_sales_order_line)


crm_assets = [crm_customers, crm_sales_orders]
