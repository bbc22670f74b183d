"""The deterministic data set: same seed same rows, and every case present at every size."""

from __future__ import annotations

import csv
import hashlib
import sqlite3
import unicodedata
from decimal import Decimal

import pytest

from revrec_pipeline.sandbox import NetSuiteSandbox, generate_dataset

CASES = [
    "invoice_open",
    "invoice_paid",
    "invoice_pending_approval",
    "invoice_rejected",
    "invoice_voided",
    "invoice_non_posting",
    "credit_memo_from_invoice",
    "credit_memo_standalone",
    "deleted_invoice",
    "deleted_credit_memo",
]


def fingerprint(dataset) -> str:
    digest = hashlib.sha256()
    for doc in dataset.iter_documents():
        digest.update(repr((doc.header, doc.lines, doc.deleted_at)).encode())
    digest.update(repr((dataset.customers, dataset.crm_customers, dataset.manifest)).encode())
    return digest.hexdigest()


def canonical(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def test_same_seed_same_rows_other_seed_other_rows():
    assert fingerprint(generate_dataset(3, "small")) == fingerprint(generate_dataset(3, "small"))
    assert fingerprint(generate_dataset(3, "small")) != fingerprint(generate_dataset(4, "small"))


def test_loaded_database_is_identical_for_the_same_seed(tmp_path):
    dumps = []
    for name in ("a", "b"):
        sb = NetSuiteSandbox(dataset=generate_dataset(9, "tiny"), db_path=str(tmp_path / name))
        conn = sqlite3.connect(sb.db_path)
        dumps.append([r for r in conn.iterdump() if "sqlite_stat" not in r])
        conn.close()
    assert dumps[0] == dumps[1]


@pytest.mark.parametrize("size", ["tiny", "small", 300])
def test_every_case_exists(size):
    ds = generate_dataset(5, size)
    sb = NetSuiteSandbox(dataset=ds)
    try:
        m = sb.manifest
        assert m == ds.manifest
        headers = {r["id"]: r for r in sb.execute('SELECT * FROM "transaction"')}
        deleted = {
            (r["recordid"], r["type"], r["recordtypeid"])
            for r in sb.execute("SELECT * FROM deletedrecord")
        }
        expect = {
            "invoice_open": ("CustInvc", "A", "T", "F"),
            "invoice_paid": ("CustInvc", "B", "T", "F"),
            "invoice_pending_approval": ("CustInvc", "D", "F", "F"),
            "invoice_rejected": ("CustInvc", "E", "F", "F"),
            "invoice_voided": ("CustInvc", None, "F", "T"),
            "invoice_non_posting": ("CustInvc", "A", "F", "F"),
            "credit_memo_from_invoice": ("CustCred", None, "T", "F"),
            "credit_memo_standalone": ("CustCred", None, "T", "F"),
        }
        for case, (kind, status, posting, voided) in expect.items():
            h = headers[m[case]]
            assert (h["type"], h["posting"], h["voided"]) == (kind, posting, voided), case
            assert status is None or h["status"] == status, case
        assert headers[m["invoice_pending_approval"]]["approvalstatus"] == 1
        assert headers[m["invoice_rejected"]]["approvalstatus"] == 3
        assert all("createdfrom" not in h for h in headers.values())  # a line field in NetSuite
        source = {
            r["transaction"]: r["createdfrom"]
            for r in sb.execute("SELECT * FROM transactionline WHERE mainline = 'T'")
        }
        assert source[m["credit_memo_from_invoice"]] == m["invoice_paid"]
        assert source[m["credit_memo_standalone"]] is None
        assert (m["deleted_invoice"], "invoice", "invoice") in deleted
        assert m["deleted_invoice"] not in headers
        assert (m["deleted_credit_memo"], "creditmemo", "creditmemo") in deleted
        assert (m["deleted_customer"], "customer", "customer") in deleted
        _check_lines(sb, m)
        _check_customers(ds, sb, m)
    finally:
        sb.close()


def _check_lines(sb, m) -> None:
    lines = sb.execute("SELECT * FROM transactionline ORDER BY uniquekey")
    by_doc: dict[int, list[dict]] = {}
    for ln in lines:
        by_doc.setdefault(ln["transaction"], []).append(ln)
    for tran, doc_lines in by_doc.items():
        assert sum(1 for ln in doc_lines if ln["mainline"] == "T") == 1
        # Balanced over what posts: Subtotal and EndGroup lines repeat amounts, never post.
        posting = [ln for ln in doc_lines if ln["itemtype"] not in ("Subtotal", "EndGroup")]
        assert abs(sum(ln["foreignamount"] or 0 for ln in posting)) < 0.005, tran
        assert len({ln["id"] for ln in doc_lines}) == len(doc_lines), tran
        for ln in doc_lines:
            flags = (ln["iscogs"], ln["donotdisplayline"], ln["transactiondiscount"])
            assert set(flags) <= {"T", "F"} and ln["linelastmodifieddate"], (tran, ln["id"])
            assert ln["mainline"] == "T" or ln["itemtype"], (tran, ln["id"])
    invoice = by_doc[m["invoice_open"]]
    assert next(ln for ln in invoice if ln["mainline"] == "T")["foreignamount"] > 0
    items = [ln for ln in invoice if ln["mainline"] == "F" and ln["taxline"] == "F"]
    assert items and all(ln["iscogs"] == "F" and ln["itemtype"] != "Subtotal" for ln in items)
    assert all(ln["foreignamount"] < 0 and ln["quantity"] < 0 for ln in items)
    assert all(ln["revrecstartdate"] and ln["department"] for ln in items)
    assert any(ln["taxline"] == "T" for ln in invoice)
    memo = by_doc[m["credit_memo_standalone"]]
    assert next(ln for ln in memo if ln["mainline"] == "T")["foreignamount"] < 0
    discount = [ln for ln in by_doc[m["invoice_discount"]] if ln["item"] == m["discount_item_id"]]
    assert discount and discount[0]["foreignamount"] > 0
    excluded = [
        ln for ln in by_doc[m["invoice_excluded_item"]] if ln["item"] == m["excluded_item_id"]
    ]
    assert excluded
    keys = [ln["uniquekey"] for ln in lines]
    assert len(set(keys)) == len(keys)
    for ln in lines:
        for column in ("foreignamount", "netamount"):
            if ln[column] is not None:  # Description and Group lines carry no amount
                assert Decimal(str(ln[column])).as_tuple().exponent >= -2  # whole cents
    currencies = {r["currency"] for r in sb.execute('SELECT DISTINCT currency FROM "transaction"')}
    assert currencies == {1, 2, 3}


def _check_customers(ds, sb, m) -> None:
    customers = {c["id"]: c for c in sb.execute("SELECT * FROM customer")}
    crm = dict(ds.crm_customers)
    name = lambda c: c["companyname"] or f"{c['firstname']} {c['lastname']}"  # noqa: E731
    person = customers[m["individual_customer"]]
    assert person["isperson"] == "T" and person["companyname"] is None and person["lastname"]
    assert customers[m["unmatched_customer"]]["externalid"] is None
    unmatched = canonical(name(customers[m["unmatched_customer"]]))
    assert unmatched not in {canonical(n) for n in crm.values()}
    for key in ("case_variant_customer", "whitespace_variant_customer", "unicode_variant_customer"):
        c = customers[m[key]]
        crm_name = crm[c["externalid"]]
        assert crm_name != name(c) and canonical(crm_name) == canonical(name(c)), key
    near = customers[m["near_miss_customer"]]
    crm_near = crm[near["externalid"]]
    assert canonical(crm_near) != canonical(name(near)) and crm_near == m["near_miss_crm_name"]
    assert sorted(crm_near) == sorted(name(near))  # two letters swapped: a typo, not a stranger
    nfd = crm[customers[m["unicode_variant_customer"]]["externalid"]]
    assert nfd == unicodedata.normalize("NFD", nfd) != unicodedata.normalize("NFC", nfd)
    assert customers[m["case_variant_customer"]]["externalid"].startswith("CRM-")


def test_counts_and_sizes():
    tiny = generate_dataset(1, "tiny").counts()
    assert 30 <= tiny["item_lines"] <= 80
    small = generate_dataset(1, "small").counts()
    assert 900 <= small["item_lines"] <= 1100
    assert small["invoices"] > small["credit_memos"] > 0 and small["deleted_documents"] > 0
    with pytest.raises(ValueError):
        generate_dataset(1, "huge")


def test_crm_csv(tmp_path):
    ds = generate_dataset(2, "small")
    customers_path, orders_path = ds.write_crm_csv(tmp_path)
    with customers_path.open(encoding="utf-8", newline="") as fh:
        customers = list(csv.DictReader(fh))
    assert [(c["customer_id"], c["customer_name"]) for c in customers] == ds.crm_customers
    with orders_path.open(encoding="utf-8", newline="") as fh:
        orders = list(csv.DictReader(fh))
    assert list(orders[0]) == [
        "customer_id",
        "order_number",
        "order_item_number",
        "product_code",
        "service_start_date",
        "service_end_date",
        "amount",
        "currency",
        "recognition",
    ]
    assert len(orders) == len(ds.crm_sales_orders) > 0
    assert {o["recognition"] for o in orders} == {"ratable", "point_in_time"}
    assert all(len(o["service_start_date"]) == 10 and "." in o["amount"] for o in orders)
    crm_ids = {c["customer_id"] for c in customers}
    assert {o["customer_id"] for o in orders} <= crm_ids


def test_db_path_is_reopened_without_regenerating(tmp_path):
    path = str(tmp_path / "ns.db")
    first = NetSuiteSandbox(dataset=generate_dataset(4, "tiny"), db_path=path)
    first.add_customer("Reopen Check Inc")
    again = NetSuiteSandbox(db_path=path)
    assert again.manifest == first.manifest
    assert again.execute("SELECT id FROM customer WHERE companyname = 'Reopen Check Inc'")
