"""Store reads for the audit trail (SPEC §11, `revrec explain`): a period's frozen plan and
detail, earlier periods' postings, the mapping, the billing schedule and the sales order lines."""

from __future__ import annotations

from sqlalchemy import select

from revrec_pipeline.journals.explain import ExplainError, Explanation, explain_period
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, read_frame
from revrec_pipeline.store.journals import (
    plan_exists,
    read_billing,
    read_mapping,
    read_plan,
    read_sales_orders,
)
from revrec_pipeline.store.periods import go_live_period, parse_period


def explain_from_store(store: RevRecStore, period: str) -> Explanation:
    """The audit trail of `period`; ExplainError (one sentence) when it has no frozen plan."""
    period = parse_period(period)
    detail = schema.journal_detail
    with store.read() as conn:
        if not plan_exists(conn, period):
            raise ExplainError(
                f"{period} has no journal plan yet, so there is nothing to explain; close it "
                f"(`revrec period close {period}`) and post it (`revrec journals post {period}`) "
                "first."
            )
        go_live = go_live_period(conn)
        plan = [entry for entry, _state in read_plan(conn, period)]
        columns = [
            detail.c.event,
            detail.c.customer_id,
            detail.c.currency,
            detail.c.subsidiary,
            detail.c.product_code,
        ]
        details = read_frame(
            conn, select(*columns, detail.c.amount_cents).where(detail.c.period == period)
        )
        posted = read_frame(
            conn,
            select(detail.c.period, *columns, detail.c.amount_cents).where(
                detail.c.period < period
            ),
        )
        # Each billing line with its NetSuite document and line, for the sources.
        billing = read_billing(conn, "netsuite_id", "line_id", "document_type", "document_number")
        orders = read_sales_orders(conn)
        mapping = read_mapping(conn)
    return explain_period(
        period=period,
        go_live=go_live,
        plan=plan,
        details=details,
        posted=posted,
        mapping=mapping,
        billing=billing,
        orders=orders,
    )
