"""Write a generated Dataset into a fresh SQLite file, fast enough for a million lines."""

from __future__ import annotations

import sqlite3

from .db import INDEXES, bulk_load, create_schema, insert_sql, row_tuple, set_meta
from .generator import Dataset

_BATCH = 20_000


def load_dataset(path: str, dataset: Dataset) -> dict:
    """Create the schema and load everything; returns the dataset counts."""
    conn = sqlite3.connect(path)
    try:
        # Bulk load without a journal, then switch to WAL for the concurrent server.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        create_schema(conn)
        for table, rows in dataset.tables.items():
            bulk_load(conn, table, rows)
        bulk_load(conn, "customer", dataset.customers)
        bulk_load(conn, "deletedrecord", dataset.deleted_customers)
        _load_documents(conn, dataset)
        conn.executescript(INDEXES)
        conn.execute("ANALYZE")
        counts = dataset.counts()
        set_meta(conn, "manifest", dataset.manifest)
        set_meta(conn, "counts", counts)
        set_meta(conn, "generated", {"seed": dataset.seed, "size": dataset.size_name})
        conn.commit()
        conn.execute("PRAGMA journal_mode = WAL")
        return counts
    finally:
        conn.close()


def _load_documents(conn: sqlite3.Connection, dataset: Dataset) -> None:
    sql = {t: insert_sql(t) for t in ("transaction", "transactionline", "deletedrecord")}
    buffers: dict[str, list[tuple]] = {t: [] for t in sql}
    for doc in dataset.iter_documents():
        if doc.deleted_at:
            buffers["deletedrecord"].append(row_tuple("deletedrecord", doc.deleted_record()))
            continue
        buffers["transaction"].append(row_tuple("transaction", doc.header))
        buffers["transactionline"].extend(row_tuple("transactionline", ln) for ln in doc.lines)
        if len(buffers["transactionline"]) >= _BATCH:
            _flush(conn, sql, buffers)
    _flush(conn, sql, buffers)


def _flush(conn: sqlite3.Connection, sql: dict, buffers: dict[str, list[tuple]]) -> None:
    for table, rows in buffers.items():
        if rows:
            conn.executemany(sql[table], rows)
            rows.clear()
