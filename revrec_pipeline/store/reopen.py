"""Reopening the latest closed period (SPEC §11): its frozen plan moves to the history tables,
marked superseded, and the period opens again. Its entries stay in NetSuite until the re-close's
posting run replaces them (same external id) or deletes them (the new plan lacks them)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, utcnow
from revrec_pipeline.store.periods import (
    CLOSED,
    OPEN,
    PeriodError,
    closed_periods,
    go_live_period,
    parse_period,
)

REPLACED, DELETED, ABSENT = "replaced", "deleted", "absent"


def reopen_refusal(conn: Connection, period: str) -> str | None:
    """Why the store's period rules refuse reopening `period`, or None."""
    go_live = go_live_period(conn)
    if go_live is None:
        return f"Cannot reopen {period}: no accounting period is set yet."
    if period < go_live:
        return f"Cannot reopen {period}: it is before go-live ({go_live}) and was never open."
    closed = closed_periods(conn)
    if period not in closed:
        return f"Cannot reopen {period}: it is not closed."
    if period != closed[-1]:
        return (
            f"Cannot reopen {period}: only the latest closed period ({closed[-1]}) can be "
            f"reopened; reopen {closed[-1]} first."
        )
    return None


def reopen_period(store: RevRecStore, period: str) -> dict[str, Any]:
    """Move the period's plan (entries with their posting state, and details) to the history
    tables under a new reopen, and open the period. All or nothing."""
    period = parse_period(period)
    periods_t, plan_t = schema.accounting_period, schema.journal_plan
    posting_t, detail_t = schema.journal_posting, schema.journal_detail
    with store.write() as conn:
        conn.execute(select(periods_t.c.period).with_for_update()).all()  # as close_period
        refusal = reopen_refusal(conn, period)
        if refusal:
            raise PeriodError(refusal)
        planned_at = conn.execute(
            select(plan_t.c.planned_at).where(plan_t.c.period == period)
        ).scalar()
        entries = [
            dict(r._mapping)
            for r in conn.execute(select(posting_t).where(posting_t.c.period == period))
        ]
        details = [
            dict(r._mapping)
            for r in conn.execute(select(detail_t).where(detail_t.c.period == period))
        ]
        now = utcnow()
        reopen_id = conn.execute(
            insert(schema.period_reopen).values(
                period=period, reopened_at=now, planned_at=planned_at, entries=len(entries)
            )
        ).inserted_primary_key[0]
        if entries:
            conn.execute(
                insert(schema.superseded_journal_posting),
                [{**row, "reopen_id": reopen_id} for row in entries],
            )
        if details:
            conn.execute(
                insert(schema.superseded_journal_detail),
                [{**row, "reopen_id": reopen_id} for row in details],
            )
        for table in (posting_t, detail_t, plan_t):
            conn.execute(delete(table).where(table.c.period == period))
        conn.execute(
            update(periods_t)
            .where(periods_t.c.period == period)
            .values(status=OPEN, closed_at=None)
        )
        in_netsuite = sum(1 for row in entries if row["netsuite_id"])
        conn.execute(
            insert(schema.notice).values(
                period=period,
                message=(
                    f"Period {period} reopened: its plan of {len(entries)} journal entries is "
                    f"superseded; {in_netsuite} stay in NetSuite until it is closed again"
                ),
                created_at=now,
            )
        )
    return {"reopen_id": int(reopen_id), "entries": len(entries), "in_netsuite": in_netsuite}


def unsettled_superseded(conn: Connection, period: str | None = None) -> list[dict[str, Any]]:
    """Superseded entries the re-close has not yet replaced or removed from NetSuite (of
    closed periods only: a reopened period's old entries wait for its close)."""
    table = schema.superseded_journal_posting
    query = (
        select(table)
        .join(schema.accounting_period, schema.accounting_period.c.period == table.c.period)
        .where(table.c.settled.is_(None), schema.accounting_period.c.status == CLOSED)
        .order_by(table.c.reopen_id, table.c.external_id)
    )
    if period:
        query = query.where(table.c.period == period)
    return [dict(r._mapping) for r in conn.execute(query)]


def settle_superseded(store: RevRecStore, reopen_id: int, external_id: str, settled: str) -> None:
    table = schema.superseded_journal_posting
    with store.write() as conn:
        conn.execute(
            update(table)
            .where(table.c.reopen_id == reopen_id, table.c.external_id == external_id)
            .values(settled=settled, settled_at=utcnow())
        )


def reopens(store: RevRecStore, period: str | None = None) -> list[dict[str, Any]]:
    """Each reopen with what became of its superseded entries (for `revrec status`)."""
    reopen_t, sup_t = schema.period_reopen, schema.superseded_journal_posting
    query = (
        select(
            reopen_t,
            func.count(sup_t.c.external_id).label("superseded"),
            func.count(sup_t.c.settled_at).label("settled_entries"),
        )
        .outerjoin(sup_t, sup_t.c.reopen_id == reopen_t.c.id)
        .group_by(*reopen_t.c)
        .order_by(reopen_t.c.id)
    )
    if period:
        query = query.where(reopen_t.c.period == period)
    with store.read() as conn:
        return [dict(r._mapping) for r in conn.execute(query)]


def superseded_postings(store: RevRecStore, period: str) -> list[dict[str, Any]]:
    table = schema.superseded_journal_posting
    with store.read() as conn:
        rows = conn.execute(
            select(table)
            .where(table.c.period == period)
            .order_by(table.c.reopen_id, table.c.external_id)
        )
        return [dict(r._mapping) for r in rows]
