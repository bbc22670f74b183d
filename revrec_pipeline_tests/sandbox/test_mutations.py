"""Data helpers for tests: each change is visible to SuiteQL and stamps lastmodifieddate."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from .conftest import rows, suiteql

STAMP = datetime(2026, 11, 25, 8, 30, 0)


def header(sb, tran_id: int) -> dict:
    got = rows(
        sb,
        "SELECT id, status, TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS m "
        "FROM transaction WHERE id = ?",
        [tran_id],
    )
    return got[0] if got else {}


def test_update_transaction_and_line_bump_the_header(sandbox):
    invoice = sandbox.manifest["invoice_open"]
    sandbox.update_transaction(invoice, modified_at=STAMP, status="B")
    assert header(sandbox, invoice) == {
        "links": [],
        "id": str(invoice),
        "status": "B",
        "m": "2026-11-25 08:30:00",
    }
    sandbox.update_line(invoice, 1, foreignamount=-99.5)
    (line,) = rows(
        sandbox,
        "SELECT foreignamount FROM transactionline WHERE transaction = ? AND id = 1",
        [invoice],
    )
    assert line["foreignamount"] == "-99.5"
    now = sandbox.now_local()
    bumped = datetime.fromisoformat(header(sandbox, invoice)["m"])
    assert abs((bumped - now).total_seconds()) < 5  # "now" in the account's zone


def test_delete_line_and_transaction(sandbox):
    invoice = sandbox.manifest["invoice_open"]
    sandbox.delete_line(invoice, 2, modified_at=STAMP)
    ids = [
        r["id"]
        for r in rows(sandbox, "SELECT id FROM transactionline WHERE transaction = ?", [invoice])
    ]
    assert "2" not in ids and header(sandbox, invoice)["m"] == "2026-11-25 08:30:00"
    sandbox.delete_transaction(invoice, deleted_at=STAMP)
    assert header(sandbox, invoice) == {}
    (deleted,) = rows(
        sandbox,
        "SELECT type, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS d "
        "FROM deletedrecord WHERE recordid = ?",
        [invoice],
    )
    assert deleted["type"] == "invoice" and deleted["d"] == "2026-11-25 08:30:00"


def test_add_invoice_and_credit_memo(sandbox):
    customer = sandbox.manifest["individual_customer"]
    lines = [
        {
            "item": "Platform Subscription",
            "amount": Decimal("250.00"),
            "quantity": 2,
            "start": date(2026, 11, 1),
            "end": date(2027, 10, 31),
        },
        {"item": 7, "amount": "100", "start": date(2026, 11, 1), "end": date(2026, 11, 1)},
    ]
    invoice = sandbox.add_invoice(
        customer, lines, trandate=date(2026, 11, 20), currency="EUR", modified_at=STAMP, tax="12.34"
    )
    got = rows(
        sandbox,
        "SELECT tl.id, tl.mainline, tl.taxline, tl.foreignamount, tl.quantity, "
        "t.currency, t.posting, TO_CHAR(tl.revrecenddate, 'YYYY-MM-DD') AS e FROM "
        "transactionline tl JOIN transaction t ON t.id = tl.transaction WHERE t.id = ? "
        "ORDER BY tl.id",
        [invoice],
    )
    assert [(r["mainline"], r["taxline"], r["foreignamount"]) for r in got] == [
        ("T", "F", "362.34"),
        ("F", "F", "-250"),
        ("F", "F", "-100"),
        ("F", "T", "-12.34"),
    ]
    assert got[1]["quantity"] == "-2" and got[1]["e"] == "2027-10-31" and got[0]["currency"] == "2"
    memo = sandbox.add_credit_memo(
        customer, lines[:1], trandate=date(2026, 11, 21), created_from=invoice
    )
    (h,) = rows(
        sandbox,
        "SELECT t.type, tl.createdfrom FROM transaction t JOIN transactionline tl "
        "ON tl.transaction = t.id WHERE t.id = ? AND tl.mainline = 'T'",
        [memo],
    )
    assert h == {"links": [], "type": "CustCred", "createdfrom": str(invoice)}
    assert memo > invoice


def test_customer_helpers(sandbox):
    cid = sandbox.add_customer(firstname="Ada", lastname="Lovelace", modified_at=STAMP)
    (c,) = rows(sandbox, "SELECT isperson, altname FROM customer WHERE id = ?", [cid])
    assert c == {"links": [], "isperson": "T", "altname": "Ada Lovelace"}
    sandbox.update_customer(cid, companyname="Analytical Engines", isperson=False)
    assert rows(sandbox, "SELECT isperson FROM customer WHERE id = ?", [cid])[0]["isperson"] == "F"
    sandbox.delete_customer(cid)
    assert rows(sandbox, "SELECT id FROM customer WHERE id = ?", [cid]) == []
    assert rows(
        sandbox, "SELECT type FROM deletedrecord WHERE recordid = ? AND type = 'customer'", [cid]
    )


def test_queries_are_read_only(sandbox):
    response = suiteql(sandbox, "SELECT id FROM customer WHERE id IN (SELECT 1) ORDER BY id")
    assert response.status_code == 200
