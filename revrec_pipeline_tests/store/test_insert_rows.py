"""write_columns stores exactly what SQLAlchemy's own insert stores (it only skips the per-row
parameter building, and binds each distinct value once)."""

from __future__ import annotations

import sqlite3
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import insert

from revrec_pipeline.store import RevRecStore, schema
from revrec_pipeline.store.db import columns_of, upsert, write_columns

HEADER = {
    "id": 7,
    "type": "CustInvc",
    "tranid": "INV-7",
    "trandate": date(2026, 1, 15),
    "entity": 1,
    "status": "A",
    "last_modified_at": datetime(2026, 1, 15, 8, 0),
}


def lines() -> list[dict]:
    stamp = datetime(2026, 1, 15, 8, 0, 0, 123456)
    rows = []
    for line_id, (quantity, start, billing) in enumerate(
        [
            (Decimal("1.0"), date(2026, 1, 1), True),
            (Decimal("1.00"), date(2026, 1, 1), False),  # equal to the one above, written apart
            (Decimal("-2.5"), None, True),
            (None, date(2026, 2, 1), True),
            (Decimal("0.00000001"), date(2026, 1, 1), True),
        ],
        start=1,
    ):
        rows.append(
            {
                "transaction_id": 7,
                "line_id": line_id,
                "uniquekey": 100 + line_id,
                "item": None if line_id == 4 else 3,
                "quantity": quantity,
                "rate": Decimal("12.34"),
                "foreign_amount_cents": -1234 * line_id,
                "net_amount_cents": None,
                "memo": "Pro – annual" if line_id % 2 else None,
                "department": None,
                "class_id": None,
                "location": None,
                "revrec_start_date": start,
                "revrec_end_date": start,
                "itemtype": "Service",
                "iscogs": False,
                "donotdisplayline": False,
                "is_billing_line": billing,
                "line_last_modified_at": stamp if line_id != 3 else None,
            }
        )
    return rows


def stored(path) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT *, typeof(quantity), typeof(revrec_start_date) FROM netsuite_transaction_line "
            "ORDER BY transaction_id, line_id"
        ).fetchall()


def test_write_columns_stores_what_sqlalchemys_insert_stores(tmp_path):
    paths = {}
    for how in ("ours", "sqlalchemy"):
        path = tmp_path / f"{how}.db"
        store = RevRecStore(f"sqlite:///{path}")
        store.create_all()
        with store.write() as conn:
            conn.execute(insert(schema.netsuite_transaction), [HEADER])
            if how == "ours":
                write_columns(conn, schema.netsuite_transaction_line, columns_of(lines()))
            else:
                conn.execute(insert(schema.netsuite_transaction_line), lines())
        store.engine.dispose()
        paths[how] = path
    ours, theirs = stored(paths["ours"]), stored(paths["sqlalchemy"])
    assert len(ours) == len(lines())
    assert ours == theirs


def test_upsert_stores_what_sqlalchemys_upsert_stores(tmp_path):
    """A header written, then written again changed: the driver's ON CONFLICT statement leaves
    the same row as SQLAlchemy's own on_conflict_do_update."""
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    changed = {**HEADER, "status": "B", "tranid": None, "last_modified_at": datetime(2026, 2, 1)}
    other = {**HEADER, "id": 8, "tranid": "INV-8"}
    paths = {}
    for how in ("ours", "sqlalchemy"):
        path = tmp_path / f"{how}.db"
        store = RevRecStore(f"sqlite:///{path}")
        store.create_all()
        table = schema.netsuite_transaction
        with store.write() as conn:
            for rows in ([HEADER], [changed, other]):
                if how == "ours":
                    upsert(conn, table, rows)
                else:
                    statement = sqlite_insert(table)
                    updates = {c: statement.excluded[c] for c in rows[0] if c != "id"}
                    conn.execute(
                        statement.on_conflict_do_update(index_elements=["id"], set_=updates),
                        rows,
                    )
        store.engine.dispose()
        paths[how] = path

    def headers(path) -> list[tuple]:
        with sqlite3.connect(path) as db:
            return db.execute("SELECT * FROM netsuite_transaction ORDER BY id").fetchall()

    ours = headers(paths["ours"])
    assert [row[:2] for row in ours] == [(7, "CustInvc"), (8, "CustInvc")]
    assert ours == headers(paths["sqlalchemy"])
