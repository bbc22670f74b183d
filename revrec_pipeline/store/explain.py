"""Store reads for the audit trail (SPEC §11, `revrec explain`): a period's frozen plan and
detail, earlier periods' postings, the mapping, the billing schedule and the sales order lines."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, select

from revrec_pipeline.journals.explain import ExplainError, Explanation, explain_period
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore
from revrec_pipeline.store.journals import (
    plan_exists,
    read_journal_inputs,
    read_mapping,
    read_plan,
)
from revrec_pipeline.store.periods import go_live_period, parse_period


def _frame(conn, query) -> pd.DataFrame:
    rows = conn.execute(query)
    return pd.DataFrame(rows.fetchall(), columns=list(rows.keys()))


def explain_from_store(store: RevRecStore, period: str) -> Explanation:
    """The audit trail of `period`; ExplainError (one sentence) when it has no frozen plan."""
    period = parse_period(period)
    detail, billing_t = schema.journal_detail, schema.billing_schedule_line
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
        details = _frame(
            conn, select(*columns, detail.c.amount_cents).where(detail.c.period == period)
        )
        posted = _frame(
            conn,
            select(detail.c.period, *columns, detail.c.amount_cents).where(
                detail.c.period < period
            ),
        )
        billing = _frame(
            conn,
            select(
                billing_t.c.customer_id,
                billing_t.c.currency,
                func.coalesce(billing_t.c.product_code, "").label("product_code"),
                billing_t.c.period,
                billing_t.c.amount_cents,
                billing_t.c.netsuite_id,
                billing_t.c.line_id,
                billing_t.c.document_type,
                billing_t.c.document_number,
                billing_t.c.subsidiary_id.label("subsidiary"),
            ),
        )
        _billing, orders = read_journal_inputs(conn)  # each order line with its subsidiary
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
