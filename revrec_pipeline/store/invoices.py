"""Store reads and writes for the invoice flow: inputs as DataFrames, the billing schedule load,
and the job list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, tuple_, update

from revrec_pipeline.store import schema
from revrec_pipeline.store.db import RevRecStore, chunked, read_frame, upsert, utcnow
from revrec_pipeline.store.periods import PeriodError, go_live_period

BILLING_STORE_COLUMNS = [
    c.name for c in schema.billing_schedule_line.columns if c.name not in ("source", "loaded_at")
]


def _frame(conn: Connection, table, columns: list[str] | None = None) -> pd.DataFrame:
    selected = [table.c[name] for name in columns] if columns else list(table.columns)
    return read_frame(conn, select(*selected))


@dataclass(frozen=True)
class InvoiceInputs:
    headers: pd.DataFrame
    lines: pd.DataFrame
    items: pd.DataFrame
    currencies: pd.DataFrame
    netsuite_customers: pd.DataFrame
    crm_customers: pd.DataFrame
    subsidiaries: pd.DataFrame  # OneWorld: id, name (empty without it)


def read_invoice_inputs(conn: Connection) -> InvoiceInputs:
    return InvoiceInputs(
        headers=_frame(
            conn,
            schema.netsuite_transaction,
            ["id", "type", "tranid", "trandate", "entity", "status", "currency", "subsidiary"],
        ),
        lines=_frame(
            conn,
            schema.netsuite_transaction_line,
            [
                "transaction_id",
                "line_id",
                "item",
                "quantity",
                "foreign_amount_cents",
                "revrec_start_date",
                "revrec_end_date",
                "is_billing_line",
            ],
        ),
        items=_frame(conn, schema.netsuite_item, ["id", "itemid", "displayname", "itemtype"]),
        currencies=_frame(conn, schema.netsuite_currency),
        netsuite_customers=_frame(
            conn,
            schema.netsuite_customer,
            ["id", "companyname", "isperson", "firstname", "lastname", "entityid", "externalid"],
        ),
        crm_customers=_frame(conn, schema.crm_customer),
        subsidiaries=_frame(conn, schema.netsuite_subsidiary, ["id", "name"]),
    )


def read_loaded_billing(conn: Connection) -> pd.DataFrame:
    return _frame(conn, schema.billing_schedule_line, BILLING_STORE_COLUMNS)


@dataclass(frozen=True)
class LoadResult:
    upserted: int
    deleted: int


def load_billing_schedule(conn: Connection, billing: pd.DataFrame, source: str) -> LoadResult:
    """Make the stored billing schedule equal `billing`: upsert every line (idempotent) and
    delete stored lines that are gone (deleted in NetSuite, now pending or excluded)."""
    table = schema.billing_schedule_line
    stored = {tuple(k) for k in conn.execute(select(table.c.netsuite_id, table.c.line_id))}
    wanted = set(
        zip(billing["netsuite_id"].astype(int), billing["line_id"].astype(int), strict=True)
    )
    gone = sorted(stored - wanted)
    for batch in chunked(gone, 400):
        conn.execute(delete(table).where(tuple_(table.c.netsuite_id, table.c.line_id).in_(batch)))
    now = utcnow()
    records = billing[BILLING_STORE_COLUMNS].astype(object).where(billing.notna(), None)
    rows = [
        {**row, "source": source, "loaded_at": now} for row in records.to_dict(orient="records")
    ]
    for row in rows:
        row["netsuite_id"], row["line_id"] = int(row["netsuite_id"]), int(row["line_id"])
        row["netsuite_customer_id"] = int(row["netsuite_customer_id"])
        row["amount_cents"] = int(row["amount_cents"])
        if row.get("subsidiary_id") is not None:
            row["subsidiary_id"] = int(row["subsidiary_id"])
    upsert(conn, table, rows)
    return LoadResult(upserted=len(rows), deleted=len(gone))


# -- jobs ---------------------------------------------------------------------------------------


def record_job(conn: Connection, **values: Any) -> int:
    result = conn.execute(insert(schema.invoice_job).values(created_at=utcnow(), **values))
    return int(result.inserted_primary_key[0])


def job_for_run(conn: Connection, run_id: str) -> dict[str, Any]:
    table = schema.invoice_job
    row = conn.execute(
        select(table).where(table.c.run_id == run_id).order_by(table.c.id.desc()).limit(1)
    ).first()
    if row is None:
        raise LookupError(f"No invoice job was recorded for run {run_id}.")
    return dict(row._mapping)


def set_job_file(conn: Connection, job_id: int, file: str) -> None:
    table = schema.invoice_job
    conn.execute(update(table).where(table.c.id == job_id).values(file=file))


def list_jobs(store: RevRecStore, limit: int = 50) -> list[dict[str, Any]]:
    table = schema.invoice_job
    with store.read() as conn:
        rows = conn.execute(select(table).order_by(table.c.id.desc()).limit(limit))
        return [dict(row._mapping) for row in rows]


def import_bulk(store: RevRecStore, billing: pd.DataFrame, file: str) -> tuple[LoadResult, int]:
    """Load a reviewed conversion workbook's billing schedule, all or nothing."""
    with store.write() as conn:
        current = go_live_period(conn)
        if current is not None:
            raise PeriodError(
                f"import-bulk loads conversion data before go-live, but period {current} is set: "
                "sync jobs now load the billing schedule automatically."
            )
        result = load_billing_schedule(conn, billing, source="import-bulk")
        job_id = record_job(
            conn,
            run_id=None,
            kind="import-bulk",
            billing_lines=len(billing),
            pending_lines=0,
            excluded_cents=0,
            recon_status="n/a",
            recon_difference_cents=0,
            file=file,
        )
    return result, job_id
