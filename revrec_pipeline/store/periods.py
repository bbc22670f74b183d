"""The accounting period lifecycle (SPEC §7): go-live, closing in order, the closes the sensor
turns into posting runs, and whether a period's journals are settled in NetSuite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from revrec_pipeline.journals.periods import is_period, next_period
from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, utcnow
from revrec_pipeline.store.journals import FAILED, PLANNED

OPEN, CLOSED = "open", "closed"


class PeriodError(ValueError):
    """A period command that would break the period rules; the message says why."""


def parse_period(value: str) -> str:
    if not is_period(value):
        raise PeriodError(f"{value!r} is not an accounting period; expected YYYY-MM, e.g. 2026-10.")
    return value


def posting_notice(period: str) -> str:
    return f"Journal posting started for {period}"


def go_live_period(conn: Connection) -> str | None:
    """The first accounting period set, or None while the project is still in conversion."""
    return conn.execute(select(func.min(schema.accounting_period.c.period))).scalar()


def periods(store: RevRecStore) -> list[dict[str, Any]]:
    table = schema.accounting_period
    with store.read() as conn:
        return [dict(row._mapping) for row in conn.execute(select(table).order_by(table.c.period))]


def closed_periods(conn: Connection) -> list[str]:
    table = schema.accounting_period
    rows = conn.execute(select(table.c.period).where(table.c.status == CLOSED).order_by("period"))
    return list(rows.scalars())


def set_go_live(store: RevRecStore, period: str) -> None:
    """`revrec period set`: the first open period; from now on sync jobs load the store."""
    period = parse_period(period)
    with store.write() as conn:
        current = go_live_period(conn)
        if current is not None:
            raise PeriodError(
                f"The first accounting period is already set ({current}); periods after it open "
                "as earlier ones close."
            )
        conn.execute(
            insert(schema.accounting_period).values(period=period, status=OPEN, opened_at=utcnow())
        )


def close_period(store: RevRecStore, period: str) -> int:
    """`revrec period close`: close the oldest open period; returns the close id."""
    period = parse_period(period)
    table = schema.accounting_period
    with store.write() as conn:
        if go_live_period(conn) is None:
            raise PeriodError(
                f"Cannot close {period}: no accounting period is set yet; set the first one with "
                "`revrec period set YYYY-MM`."
            )
        # Lock the periods: two closes at once on PostgreSQL queue here, the second refused.
        conn.execute(select(table.c.period).with_for_update()).all()
        status = conn.execute(select(table.c.status).where(table.c.period == period)).scalar()
        oldest_open = conn.execute(
            select(func.min(table.c.period)).where(table.c.status == OPEN)
        ).scalar()
        if status == CLOSED:
            raise PeriodError(f"Period {period} is already closed.")
        if status is None and period < (go_live_period(conn) or period):
            raise PeriodError(
                f"Period {period} is before go-live ({go_live_period(conn)}); it was never open."
            )
        if period != oldest_open:
            raise PeriodError(
                f"Period {period} cannot be closed: the oldest open period is {oldest_open}; "
                "periods close in order."
            )
        now = utcnow()
        conn.execute(
            update(table).where(table.c.period == period).values(status=CLOSED, closed_at=now)
        )
        following = next_period(period)
        if conn.execute(select(table.c.period).where(table.c.period == following)).first() is None:
            conn.execute(insert(table).values(period=following, status=OPEN, opened_at=now))
        close_id = conn.execute(
            insert(schema.period_close).values(period=period, closed_at=now)
        ).inserted_primary_key[0]
        conn.execute(
            insert(schema.notice).values(
                period=period, message=posting_notice(period), created_at=now
            )
        )
    return int(close_id)


def closes_after(store: RevRecStore, last_id: int) -> list[tuple[int, str]]:
    table = schema.period_close
    with store.read() as conn:
        rows = conn.execute(
            select(table.c.id, table.c.period).where(table.c.id > last_id).order_by(table.c.id)
        )
        return [(int(r.id), r.period) for r in rows]


def latest_closes(conn: Connection) -> dict[str, int]:
    """Each closed period's latest close id, in period order."""
    table = schema.period_close
    rows = conn.execute(
        select(table.c.period, func.max(table.c.id))
        .join(schema.accounting_period, schema.accounting_period.c.period == table.c.period)
        .where(schema.accounting_period.c.status == CLOSED)
        .group_by(table.c.period)
        .order_by(table.c.period)
    )
    return {period: int(close_id) for period, close_id in rows}


def unsettled_periods(conn: Connection) -> list[str]:
    """Closed periods whose journals still need a posting run: no frozen plan yet, an entry
    still planned or failed, or an entry of a superseded plan (a reopen) not yet replaced or
    deleted in NetSuite. An entry pending approval is in NetSuite: settled here."""
    plans = schema.journal_plan
    postings = schema.journal_posting
    superseded = schema.superseded_journal_posting
    planned = set(conn.execute(select(plans.c.period)).scalars())
    open_work = set(
        conn.execute(
            select(postings.c.period)
            .where(postings.c.status.in_((PLANNED, FAILED)))
            .group_by(postings.c.period)
        ).scalars()
    )
    open_work |= set(
        conn.execute(
            select(superseded.c.period)
            .where(superseded.c.settled.is_(None))
            .group_by(superseded.c.period)
        ).scalars()
    )
    return [p for p in closed_periods(conn) if p not in planned or p in open_work]


def notices(store: RevRecStore, limit: int = 10) -> list[dict[str, Any]]:
    table = schema.notice
    with store.read() as conn:
        rows = conn.execute(select(table).order_by(table.c.id.desc()).limit(limit))
        return [dict(r._mapping) for r in rows]


def posting_marks(conn: Connection) -> dict[str, str]:
    """Each closed period's posting state as a mark that changes whenever its journals settle
    anew: "unsettled", or the time its last entry was recorded in NetSuite ("-" for none)."""
    postings = schema.journal_posting
    last = dict(
        conn.execute(
            select(postings.c.period, func.max(postings.c.posted_at)).group_by(postings.c.period)
        ).all()
    )
    unsettled = set(unsettled_periods(conn))
    return {
        period: "unsettled" if period in unsettled else str(last.get(period) or "-")
        for period in closed_periods(conn)
    }
