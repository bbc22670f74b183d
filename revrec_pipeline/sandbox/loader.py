"""Write a generated Dataset into a fresh SQLite file, fast enough for a million lines.

The account's features shape what is loaded: without Departments, Classes or Locations no line
carries one; without Multiple Currencies every document is in the base currency; without
OneWorld there is one subsidiary. SuiteQL then refuses the removed fields (catalog.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from .config import DATA_FEATURES, SandboxConfig
from .db import INDEXES, bulk_load, create_schema, insert_sql, row_tuple, set_meta
from .generator import Dataset

_BATCH = 20_000
BASE_CURRENCY = 1  # the parent subsidiary's currency (USD)
SEGMENTS = {"departments": "department", "classes": "class", "locations": "location"}


def load_dataset(path: str, dataset: Dataset, config: SandboxConfig | None = None) -> dict:
    """Create the schema and load everything; returns the dataset counts."""
    config = config or SandboxConfig()
    shape = _Shape(config)
    conn = sqlite3.connect(path)
    try:
        # Bulk load without a journal, then switch to WAL for the concurrent server.
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        create_schema(conn)
        for table, rows in dataset.tables.items():
            bulk_load(conn, table, shape.reference(table, rows))
        bulk_load(conn, "customer", shape.customers(dataset.customers))
        bulk_load(conn, "deletedrecord", dataset.deleted_customers)
        _load_documents(conn, dataset, shape)
        conn.executescript(INDEXES)
        conn.execute("ANALYZE")
        counts = dataset.counts()
        set_meta(conn, "manifest", account_manifest(dataset.manifest, config))
        set_meta(conn, "counts", counts)
        set_meta(conn, "generated", {"seed": dataset.seed, "size": dataset.size_name})
        set_meta(conn, "features", data_features(config))
        conn.commit()
        conn.execute("PRAGMA journal_mode = WAL")
        return counts
    finally:
        conn.close()


def data_features(config: SandboxConfig) -> dict[str, bool]:
    """The switches the loaded data depends on (a database is reused only with the same)."""
    return {name: bool(getattr(config, name)) for name in DATA_FEATURES}


def account_manifest(manifest: dict, config: SandboxConfig) -> dict:
    """The dataset's manifest as this account has it: features off empty their lists."""
    out = dict(manifest)
    if not config.multi_currency:
        out["currencies"] = {
            sym: i for sym, i in manifest["currencies"].items() if i == BASE_CURRENCY
        }
    for segment in SEGMENTS:  # the manifest lists each segment's ids under its feature name
        if not getattr(config, segment):
            out[segment] = []
    return out


class _Shape:
    """Row rewrites for the features that are off (none at all in the default account)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.segments = [col for feature, col in SEGMENTS.items() if not getattr(config, feature)]
        self.one_currency = not config.multi_currency
        self.one_company = not config.oneworld
        self.active = bool(self.segments or self.one_currency or self.one_company)

    def reference(self, table: str, rows: list[dict]) -> list[dict]:
        if table == "currency" and self.one_currency:
            return [r for r in rows if r["id"] == BASE_CURRENCY]
        if table == "subsidiary" and self.one_company:
            return [r for r in rows if r["id"] == 1]
        return rows

    def customers(self, rows: Iterable[dict]) -> Iterable[dict]:
        if not self.one_currency:
            return rows
        return ({**r, "currency": BASE_CURRENCY} for r in rows)

    def header(self, row: dict) -> dict:
        if not self.one_currency:
            return row
        return {**row, "currency": BASE_CURRENCY, "exchangerate": 1.0}

    def lines(self, rows: list[dict]) -> Iterator[dict]:
        # amounts need no rewrite: netamount and foreignamount are both document currency
        blank = dict.fromkeys(self.segments)
        for row in rows:
            yield {**row, **blank}


def _load_documents(conn: sqlite3.Connection, dataset: Dataset, shape: _Shape) -> None:
    sql = {t: insert_sql(t) for t in ("transaction", "transactionline", "deletedrecord")}
    buffers: dict[str, list[tuple]] = {t: [] for t in sql}
    for doc in dataset.iter_documents():
        if doc.deleted_at:
            buffers["deletedrecord"].append(row_tuple("deletedrecord", doc.deleted_record()))
            continue
        header, lines = doc.header, doc.lines
        if shape.active:
            header, lines = shape.header(header), list(shape.lines(lines))
        buffers["transaction"].append(row_tuple("transaction", header))
        buffers["transactionline"].extend(row_tuple("transactionline", ln) for ln in lines)
        if len(buffers["transactionline"]) >= _BATCH:
            _flush(conn, sql, buffers)
    _flush(conn, sql, buffers)


def _flush(conn: sqlite3.Connection, sql: dict, buffers: dict[str, list[tuple]]) -> None:
    for table, rows in buffers.items():
        if rows:
            conn.executemany(sql[table], rows)
            rows.clear()
