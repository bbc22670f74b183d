"""Store reads and writes for the account mapping and journal postings (SPEC §7)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select, update

from revrec_pipeline.journals.entries import (
    FAILED,
    PENDING_APPROVAL,
    PLANNED,
    POSTED,
    JournalEntry,
    JournalLine,
    with_subsidiary,
)
from revrec_pipeline.journals.mapping import AccountMapping, MappingRow
from revrec_pipeline.journals.subsidiaries import order_subsidiaries
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, read_frame, utcnow

__all__ = ["FAILED", "PENDING_APPROVAL", "PLANNED", "POSTED"]  # the posting statuses, for callers


# -- mapping --------------------------------------------------------------------------------------


def replace_mapping(store: RevRecStore, mapping: AccountMapping) -> None:
    with store.write() as conn:
        conn.execute(delete(schema.journal_mapping))
        conn.execute(
            insert(schema.journal_mapping),
            [
                {
                    "account_type": row.account_type,
                    "product_code": row.product_code,
                    "netsuite_account_id": row.account_id,
                    "segments": json.dumps(row.segments),
                    "subsidiary": row.subsidiary,
                }
                for row in mapping.rows
            ],
        )


def read_mapping(conn: Connection) -> AccountMapping:
    rows = conn.execute(select(schema.journal_mapping))
    return AccountMapping(
        tuple(
            MappingRow(
                r.account_type,
                r.netsuite_account_id,
                r.product_code,
                tuple(tuple(s) for s in json.loads(r.segments)),
                r.subsidiary,
            )
            for r in rows
        )
    )


# -- inputs ---------------------------------------------------------------------------------------


def read_journal_inputs(conn: Connection) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The loaded billing schedule and the CRM sales order lines, each with its subsidiary as
    text (OneWorld; "" without it): a billing line's is its document's, an order line's its
    own or its customer's primary subsidiary (`journals.subsidiaries`)."""
    return read_billing(conn), read_sales_orders(conn)


def read_billing(conn: Connection, *extra: str) -> pd.DataFrame:
    """The loaded billing schedule's amounts with their subsidiary, and the `extra` columns."""
    table = schema.billing_schedule_line
    statement = select(
        table.c.customer_id,
        table.c.currency,
        func.coalesce(table.c.product_code, "").label("product_code"),
        table.c.period,
        table.c.amount_cents,
        *(table.c[name] for name in extra),
        table.c.subsidiary_id.label("subsidiary"),
    )
    return with_subsidiary(read_frame(conn, statement))


def read_sales_orders(conn: Connection) -> pd.DataFrame:
    """The CRM sales order lines, each with its subsidiary as text (see read_journal_inputs)."""
    orders = read_frame(conn, select(schema.crm_sales_order_line))
    orders["subsidiary"] = order_subsidiaries(
        orders, customer_subsidiaries(conn), only_subsidiary(conn)
    )
    return orders


def only_subsidiary(conn: Connection) -> int | None:
    """The account's one operating (active, non-elimination) subsidiary, if it has just one."""
    table = schema.netsuite_subsidiary
    ids = (
        conn.execute(
            select(table.c.id).where(
                table.c.is_elimination.is_(False), table.c.is_inactive.is_(False)
            )
        )
        .scalars()
        .all()
    )
    return int(ids[0]) if len(ids) == 1 else None


def oneworld_store(conn: Connection) -> bool:
    """Whether the store holds NetSuite subsidiaries: the sync found OneWorld."""
    table = schema.netsuite_subsidiary
    return conn.execute(select(table.c.id).limit(1)).first() is not None


def customer_subsidiaries(conn: Connection) -> dict[str, set[int]]:
    """CRM customer id → primary subsidiaries of the NetSuite customers it matches: those its
    billed lines name, else those matching it by name or by external id (OneWorld only)."""
    from revrec_pipeline.invoices.matching import match_customers

    ns_t, billing_t = schema.netsuite_customer, schema.billing_schedule_line
    primary = {
        customer: subsidiary
        for customer, subsidiary in conn.execute(
            select(ns_t.c.id, ns_t.c.subsidiary).where(ns_t.c.subsidiary.is_not(None))
        )
    }
    if not primary:
        return {}
    billed: dict[str, set[int]] = {}
    for customer_id, netsuite_id in conn.execute(
        select(billing_t.c.customer_id, billing_t.c.netsuite_customer_id).distinct()
    ):
        if netsuite_id in primary:
            billed.setdefault(customer_id, set()).add(int(primary[netsuite_id]))
    columns = ["id", "companyname", "isperson", "firstname", "lastname", "entityid", "externalid"]
    netsuite = read_frame(conn, select(*(ns_t.c[c] for c in columns)))
    crm_frame = read_frame(conn, select(schema.crm_customer))
    matched: dict[str, set[int]] = {}
    for by_name in (True, False):
        matches = match_customers(netsuite, crm_frame, by_name=by_name)
        for customer_id, netsuite_id in zip(
            matches["customer_id"], matches["netsuite_customer_id"], strict=True
        ):
            if customer_id is not None and netsuite_id in primary:
                matched.setdefault(customer_id, set()).add(int(primary[netsuite_id]))
    return {c: billed.get(c) or matched[c] for c in {*billed, *matched}}


def posted_details_before(conn: Connection, period: str) -> pd.DataFrame:
    table = schema.journal_detail
    statement = select(
        table.c.event,
        table.c.customer_id,
        table.c.currency,
        table.c.product_code,
        table.c.amount_cents,
        table.c.subsidiary,
    ).where(table.c.period < period)
    return read_frame(conn, statement)


# -- the plan -------------------------------------------------------------------------------------


def lock_period(conn: Connection, period: str) -> None:
    """Row-lock the period for this transaction (PostgreSQL; SQLite writers are serial)."""
    table = schema.accounting_period
    conn.execute(select(table.c.period).where(table.c.period == period).with_for_update()).all()


def plan_exists(conn: Connection, period: str) -> bool:
    table = schema.journal_plan
    return conn.execute(select(table.c.period).where(table.c.period == period)).first() is not None


def save_plan(conn: Connection, period: str, details: pd.DataFrame, entries: list[JournalEntry]):
    """Freeze the period's plan: its details and its entries, all planned."""
    conn.execute(
        insert(schema.journal_plan).values(period=period, entries=len(entries), planned_at=utcnow())
    )
    if len(details):
        conn.execute(
            insert(schema.journal_detail),
            [
                {"period": period, **row}
                for row in with_subsidiary(details).to_dict(orient="records")
            ],
        )
    if entries:
        conn.execute(
            insert(schema.journal_posting),
            [
                {
                    "external_id": e.external_id,
                    "period": e.period,
                    "event": e.event,
                    "currency": e.currency,
                    "sequence": e.sequence,
                    "tran_date": pd.Timestamp(e.tran_date).date(),
                    "line_count": len(e.lines),
                    "debit_cents": e.debit_cents,
                    "credit_cents": e.credit_cents,
                    "lines": json.dumps([asdict(line) for line in e.lines]),
                    "status": PLANNED,
                    "verified": False,
                    "subsidiary": e.subsidiary,
                }
                for e in entries
            ],
        )


def read_plan(conn: Connection, period: str) -> list[tuple[JournalEntry, dict[str, Any]]]:
    """The period's entries with their posting state, in external-id order."""
    table = schema.journal_posting
    rows = conn.execute(
        select(table)
        .where(table.c.period == period)
        .order_by(table.c.event, table.c.subsidiary, table.c.currency, table.c.sequence)
    )
    out = []
    for row in rows:
        lines = tuple(
            JournalLine(
                line["account_id"],
                line["debit_cents"],
                line["credit_cents"],
                tuple(tuple(s) for s in line["segments"]),
            )
            for line in json.loads(row.lines)
        )
        entry = JournalEntry(
            row.external_id,
            row.period,
            row.event,
            row.currency,
            row.sequence,
            lines,
            row.subsidiary,
        )
        out.append((entry, dict(row._mapping)))
    return out


def record_posting(
    store: RevRecStore,
    external_id: str,
    *,
    status: str,
    netsuite_id: str | None = None,
    verified: bool = False,
    error: str | None = None,
) -> None:
    table = schema.journal_posting
    values: dict[str, Any] = {"status": status, "error": error, "verified": verified}
    if netsuite_id:
        values.update(netsuite_id=netsuite_id, posted_at=utcnow())
    query = update(table).where(table.c.external_id == external_id)
    if status in (FAILED, PENDING_APPROVAL):
        # Never overwrites a success recorded by another run of the same period.
        query = query.where(table.c.status != POSTED)
    with store.write() as conn:
        conn.execute(query.values(**values))


def postings(store: RevRecStore, period: str | None = None) -> list[dict[str, Any]]:
    table = schema.journal_posting
    query = select(table).order_by(
        table.c.period, table.c.event, table.c.currency, table.c.sequence
    )
    if period:
        query = query.where(table.c.period == period)
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def posting_counts(store: RevRecStore) -> dict[str, dict[str, int]]:
    """Period → status → number of entries (for `revrec status`)."""
    table = schema.journal_posting
    query = (
        select(table.c.period, table.c.status, func.count())
        .group_by(table.c.period, table.c.status)
        .order_by(table.c.period, table.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    with store.read() as conn:
        for period, status, number in conn.execute(query):
            counts.setdefault(period, {})[status] = int(number)
    return counts


def discard_plan(conn: Connection, period: str) -> None:
    """Forget the period's frozen plan (its details and entries) so the next posting run plans
    it again from current data. Only for a plan none of whose entries is in NetSuite."""
    for table in (schema.journal_posting, schema.journal_detail, schema.journal_plan):
        conn.execute(delete(table).where(table.c.period == period))


def later_plans(conn: Connection, period: str) -> list[str]:
    table = schema.journal_plan
    rows = conn.execute(select(table.c.period).where(table.c.period > period).order_by("period"))
    return list(rows.scalars())
