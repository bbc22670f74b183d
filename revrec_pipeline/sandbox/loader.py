"""Write a generated Dataset into a fresh SQLite file, fast enough for a million lines.

The account's features shape what is loaded: without Departments, Classes or Locations no line
carries one; without Multiple Currencies every document is in the base currency; without
OneWorld there is one subsidiary. SuiteQL then refuses the removed fields (catalog.py). With
several subsidiaries (SandboxConfig.subsidiaries) customers and documents are spread over them
by currency (subsidiaries.py).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator

from .config import DATA_FEATURES, SandboxConfig
from .db import INDEXES, bulk_load, create_schema, insert_sql, row_tuple, set_meta
from .generator import Dataset
from .subsidiaries import (
    SUBSIDIARY_OF_CURRENCY,
    account_rows,
    account_subsidiary_map,
    load_customer_subsidiaries,
    manifest_part,
    subsidiaries_for,
)

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
        if config.oneworld:
            loaded = [r[0] for r in conn.execute("SELECT id FROM subsidiary")]
            bulk_load(conn, "accountsubsidiarymap", account_subsidiary_map(shape.mode, loaded))
        bulk_load(conn, "customer", shape.customers(dataset.customers))
        bulk_load(conn, "deletedrecord", dataset.deleted_customers)
        _load_documents(conn, dataset, shape)
        if config.oneworld:
            load_customer_subsidiaries(conn)
        conn.executescript(INDEXES)
        conn.execute("ANALYZE")
        counts = dataset.counts()
        manifest = account_manifest(dataset.manifest, config)
        if shape.mode == "several":
            manifest["subsidiary_counts"] = shape.subsidiary_counts
        set_meta(conn, "manifest", manifest)
        set_meta(conn, "counts", counts)
        set_meta(conn, "generated", {"seed": dataset.seed, "size": dataset.size_name})
        set_meta(conn, "features", data_features(config))
        conn.commit()
        conn.execute("PRAGMA journal_mode = WAL")
        return counts
    finally:
        conn.close()


def data_features(config: SandboxConfig) -> dict[str, bool]:
    """The switches the loaded data depends on (a database is reused only with the same).
    The subsidiary mode is named only when it is not the default, so a database loaded before
    the mode existed is still reused."""
    features: dict = {name: bool(getattr(config, name)) for name in DATA_FEATURES}
    if config.subsidiaries != "one":
        features["subsidiaries"] = config.subsidiaries
    return features


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
    if config.oneworld and config.subsidiaries == "several":  # the default's stays the dataset's
        out.update(manifest_part(config.subsidiaries))
    return out


class _Shape:
    """Row rewrites for the features that are off (none at all in the default account)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.segments = [col for feature, col in SEGMENTS.items() if not getattr(config, feature)]
        self.one_currency = not config.multi_currency
        self.one_company = not config.oneworld
        self.mode = config.subsidiaries if config.oneworld else "one"
        self.several = self.mode == "several"
        self.active = bool(self.segments or self.one_currency or self.one_company or self.several)
        # per subsidiary: customers (primary), invoices and credit memos (loaded, not deleted)
        self.subsidiary_counts: dict[int, dict[str, int]] = {}

    def reference(self, table: str, rows: list[dict]) -> list[dict]:
        if table == "currency" and self.one_currency:
            return [r for r in rows if r["id"] == BASE_CURRENCY]
        if table == "subsidiary" and self.one_company:
            return [r for r in rows if r["id"] == 1]
        if table == "subsidiary" and self.several:
            return [s.row() for s in subsidiaries_for("several")]
        if table == "account":
            return account_rows(rows, self.mode)
        return rows

    def customers(self, rows: Iterable[dict]) -> Iterable[dict]:
        if self.several:
            return (
                self._count({**r, "subsidiary": SUBSIDIARY_OF_CURRENCY[r["currency"]]}, "customers")
                for r in rows
            )
        if not self.one_currency:
            return rows
        return ({**r, "currency": BASE_CURRENCY} for r in rows)

    def _count(self, row: dict, key: str) -> dict:
        counts = self.subsidiary_counts.setdefault(
            row["subsidiary"], {"customers": 0, "invoices": 0, "credit_memos": 0}
        )
        counts[key] += 1
        return row

    def header(self, row: dict) -> dict:
        if self.several:
            # in the subsidiary of its currency: the document is in its base currency
            sub = SUBSIDIARY_OF_CURRENCY[row["currency"]]
            kind = "invoices" if row["type"] == "CustInvc" else "credit_memos"
            return self._count({**row, "subsidiary": sub, "exchangerate": 1.0}, kind)
        if not self.one_currency:
            return row
        return {**row, "currency": BASE_CURRENCY, "exchangerate": 1.0}

    def lines(self, rows: list[dict], header: dict) -> Iterator[dict]:
        # amounts need no rewrite: netamount and foreignamount are both document currency
        blank: dict = dict.fromkeys(self.segments)
        if self.several:  # every line carries the document's subsidiary, as NetSuite's do
            blank["subsidiary"] = header["subsidiary"]
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
            header = shape.header(header)
            lines = list(shape.lines(lines, header))
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
