"""SuiteQL over REST: paging rules, the row cap, value formats and the pipeline's query shapes."""

from __future__ import annotations

from datetime import date

import pytest

from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset

from .conftest import error_of, rows, suiteql

SINCE = "2000-01-01 00:00:00"
CUSTOMERS = (
    "SELECT id, entityid, companyname, altname, isperson, firstname, lastname, externalid, "
    "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate FROM customer "
    "WHERE id > ? AND lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
)
RANGE = (
    "SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(id) AS n FROM transaction WHERE type IN "
    "('CustInvc') AND lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS')"
)
HEADERS = (
    "SELECT id, tranid, type, TO_CHAR(trandate, 'YYYY-MM-DD') AS trandate, entity, status, "
    "currency, exchangerate, posting, voided, approvalstatus, "
    "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS lastmodifieddate FROM transaction "
    "WHERE type IN ('CustCred') AND id > ? AND id <= ? AND lastmodifieddate >= "
    "TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') ORDER BY id"
)
LINES = (
    "SELECT tl.uniquekey, tl.transaction, tl.id, tl.mainline, tl.taxline, tl.item, tl.quantity, "
    "tl.rate, tl.netamount, tl.foreignamount, tl.memo, tl.department, tl.class, tl.location, "
    "TO_CHAR(tl.revrecstartdate, 'YYYY-MM-DD') AS revrecstartdate, "
    "TO_CHAR(tl.revrecenddate, 'YYYY-MM-DD') AS revrecenddate FROM transactionline tl "
    "INNER JOIN transaction t ON t.id = tl.transaction WHERE t.type IN ('CustInvc') AND t.id > ? "
    "AND t.id <= ? AND t.lastmodifieddate >= TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') AND "
    "t.voided = 'F' AND t.posting = 'T' AND tl.mainline = 'F' AND tl.taxline = 'F' AND "
    "NVL(tl.iscogs, 'F') = 'F' AND NVL(tl.donotdisplayline, 'F') = 'F' AND tl.itemtype NOT IN "
    "('Subtotal', 'Description', 'Group', 'EndGroup') AND tl.uniquekey > ? ORDER BY tl.uniquekey"
)
DELETED = (
    "SELECT recordid, type, TO_CHAR(deleteddate, 'YYYY-MM-DD HH24:MI:SS') AS deleteddate FROM "
    "DeletedRecord WHERE LOWER(type) IN ('invoice', 'custinvc') AND deleteddate >= "
    "TO_TIMESTAMP(?, 'YYYY-MM-DD HH24:MI:SS') AND recordid > ? ORDER BY recordid"
)
PERIODS = (
    "SELECT id, periodname, TO_CHAR(startdate, 'YYYY-MM-DD') AS startdate, TO_CHAR(enddate, "
    "'YYYY-MM-DD') AS enddate, closed, alllocked, arlocked, isposting, isquarter, isyear, "
    "isadjust FROM accountingperiod WHERE isquarter = 'F' AND isyear = 'F' ORDER BY startdate"
)


def test_customer_query_with_string_params(sandbox):
    items = rows(sandbox, CUSTOMERS, ["105", SINCE])
    assert [int(i["id"]) for i in items] == sorted(int(i["id"]) for i in items)
    assert all(int(i["id"]) > 105 for i in items)
    person = rows(sandbox, CUSTOMERS, [104, SINCE])[0]  # int params work the same
    assert person["isperson"] == "T" and "companyname" not in person  # NULL → absent
    assert person["firstname"] == "María" and person["lastmodifieddate"][4] == "-"


def test_min_max_count_query(sandbox):
    (item,) = rows(sandbox, RANGE, [SINCE])
    assert int(item["lo"]) <= int(item["hi"]) and int(item["n"]) > 100
    assert set(item) == {"links", "lo", "hi", "n"}


def test_header_query_returns_credit_memos_in_window(sandbox):
    manifest = sandbox.manifest
    items = rows(sandbox, HEADERS, ["0", "999999999", SINCE])
    by_id = {int(i["id"]): i for i in items}
    assert {i["type"] for i in items} == {"CustCred"}
    from_invoice = by_id[manifest["credit_memo_from_invoice"]]
    assert len(from_invoice["trandate"]) == 10 and from_invoice["posting"] == "T"
    # The source invoice is on the credit memo's mainline row.
    source = rows(
        sandbox,
        "SELECT tl.transaction, tl.createdfrom FROM transactionline tl WHERE tl.mainline = 'T' "
        "AND tl.transaction IN (?, ?) ORDER BY tl.transaction",
        [manifest["credit_memo_from_invoice"], manifest["credit_memo_standalone"]],
    )
    assert [s.get("createdfrom") for s in source] == [str(manifest["invoice_paid"]), None]
    late = rows(sandbox, HEADERS, ["0", "999999999", "2026-11-20 12:00:01"])
    assert late == []


def test_line_query_keyset(sandbox):
    items = rows(sandbox, LINES, ["0", "999999999", SINCE, "0"])
    keys = [int(i["uniquekey"]) for i in items]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(i["mainline"] == "F" and i["taxline"] == "F" for i in items)
    assert all(float(i["foreignamount"]) < 0 for i in items if i["item"] != "10")  # GL sign
    assert any(float(i["foreignamount"]) > 0 for i in items if i["item"] == "10")  # discount
    after = rows(sandbox, LINES, ["0", "999999999", SINCE, str(keys[10])])
    assert int(after[0]["uniquekey"]) == keys[11]
    excluded = {
        sandbox.manifest[k]
        for k in (
            "invoice_voided",
            "invoice_pending_approval",
            "invoice_rejected",
            "invoice_non_posting",
        )
    }
    assert not excluded & {int(i["transaction"]) for i in items}


AMOUNTS = (
    "SELECT t.exchangerate, tl.mainline, tl.taxline, tl.itemtype, tl.netamount, "
    "tl.foreignamount FROM transactionline tl INNER JOIN transaction t ON t.id = tl.transaction "
    "WHERE t.id = ? AND tl.foreignamount IS NOT NULL ORDER BY tl.id"
)


def test_netamount_is_in_the_document_currency_like_foreignamount(sandbox):
    # Reference §9: both are "(Transaction Currency)"; base currency is transactionaccountingline.
    added = sandbox.add_invoice(
        sandbox.manifest["individual_customer"],
        [{"item": "Platform Subscription", "amount": "333.33", "quantity": 3}],
        trandate=date(2026, 11, 20),
        currency="EUR",
        tax="7.77",
    )
    for invoice in (sandbox.manifest["invoice_gbp"], added):  # generated, and added later
        lines = rows(sandbox, AMOUNTS, [invoice])
        assert float(lines[0]["exchangerate"]) != 1  # a rate that would show a conversion
        assert lines[0]["mainline"] == "T" and any(ln["mainline"] == "F" for ln in lines)
        for ln in lines:  # item lines, any tax line and the mainline alike
            assert ln["netamount"] == ln["foreignamount"], ln


def test_deleted_record_query(sandbox):
    items = rows(sandbox, DELETED, [SINCE, "0"])
    assert sandbox.manifest["deleted_invoice"] in {int(i["recordid"]) for i in items}
    assert {i["type"] for i in items} == {"invoice"}
    lower = rows(sandbox, DELETED.replace("DeletedRecord", "deletedrecord"), [SINCE, 0])
    assert lower == items


def test_reference_queries(sandbox):
    assert [(i["id"], i["symbol"]) for i in rows(sandbox, "SELECT id, symbol FROM currency")] == [
        ("1", "USD"),
        ("2", "EUR"),
        ("3", "GBP"),
    ]
    periods = rows(sandbox, PERIODS)
    assert len(periods) == 48 and periods[0]["periodname"] == "Jan 2024"
    by_name = {p["periodname"]: p for p in periods}
    assert by_name["Dec 2024"]["closed"] == "T" and by_name["Oct 2026"]["closed"] == "F"
    assert by_name["Oct 2026"]["startdate"] == "2026-10-01"
    accounts = rows(sandbox, "SELECT id, acctnumber, fullname, accttype, isinactive FROM account")
    assert {"58", "61", "63", "54"} <= {a["id"] for a in accounts}


def test_value_formats(sandbox):
    invoice = sandbox.manifest["invoice_open"]
    (item,) = rows(
        sandbox,
        "SELECT id, trandate, lastmodifieddate, exchangerate, posting, "
        "foreigntotal, TO_CHAR(trandate, 'YYYY-MM-DD') AS iso, "
        "TO_CHAR(lastmodifieddate, 'YYYY-MM-DD HH24:MI:SS') AS isots "
        "FROM Transaction WHERE ID = ?",
        [invoice],
    )
    assert all(isinstance(v, str) for k, v in item.items() if k != "links")
    assert item["trandate"] == "10/3/2026"  # the user's date preference, M/D/YYYY
    assert item["lastmodifieddate"] == "10/5/2026 10:00 am"
    assert item["iso"] == "2026-10-03" and item["isots"] == "2026-10-05 10:00:00"
    assert item["exchangerate"] == "1" and item["posting"] == "T"
    assert item["foreigntotal"] == "11046.75"
    (expr,) = rows(
        sandbox, "SELECT COUNT(*), NVL(NULL, 'x') AS n, 'a' || 'b' AS c, 7 / 2 AS d FROM dual"
    )
    assert expr["expr1"] == "1" and expr["n"] == "x" and expr["c"] == "ab" and expr["d"] == "3.5"


def test_sql_features(sandbox):
    q = (
        "SELECT c.id, UPPER(c.altname) AS name FROM customer c LEFT JOIN transaction t "
        "ON t.entity = c.id AND t.type = 'CustCred' WHERE (c.isperson = 'T' OR c.id IN (101, "
        "102)) AND NOT c.id = 102 AND t.id IS NULL ORDER BY c.id DESC"
    )
    items = rows(sandbox, q)
    assert items and all(i["id"] != "102" for i in items)
    q2 = "SELECT id FROM transaction WHERE trandate >= TO_DATE(?, 'YYYY-MM-DD') ORDER BY id"
    assert rows(sandbox, q2, ["2026-10-01"])
    classes = rows(sandbox, "SELECT DISTINCT class FROM transactionline WHERE class IS NOT NULL")
    assert {c["class"] for c in classes} == {"1", "2", "3"}


@pytest.mark.parametrize(
    ("q", "fragment"),
    [
        ("DELETE FROM customer", "Only SELECT"),
        ("SELECT nosuchcolumn FROM customer", "nosuchcolumn"),
        ("SELECT id FROM nosuchtable", "nosuchtable"),
        ("SELECT id FROM customer; DROP TABLE customer", ""),
        ("SELECT TO_TIMESTAMP('garbage', 'YYYY-MM-DD HH24:MI:SS') FROM dual", ""),
    ],
)
def test_bad_queries_are_400_invalid_parameter(sandbox, q, fragment):
    response = suiteql(sandbox, q)
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_PARAMETER"
    assert detail["detail"].startswith("Invalid search query. Detailed unprocessed description")
    assert fragment in detail["detail"]
    assert rows(sandbox, "SELECT COUNT(*) AS n FROM customer")[0]["n"] == "40"


def test_prefer_transient_is_required(sandbox):
    response = suiteql(sandbox, "SELECT id FROM currency", headers={"Prefer": "respond-async"})
    assert response.status_code == 400 and error_of(response)["o:errorCode"] == "INVALID_PARAMETER"


@pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (1000, 500), (3, 4), ("x", 0)])
def test_bad_limit_or_offset(sandbox, limit, offset):
    response = suiteql(sandbox, "SELECT id FROM customer ORDER BY id", limit=limit, offset=offset)
    assert response.status_code == 400 and error_of(response)["o:errorCode"] == "INVALID_PARAMETER"


def test_paging_links_and_default_limit(sandbox):
    body = suiteql(sandbox, "SELECT uniquekey FROM transactionline ORDER BY uniquekey").json()
    assert body["count"] == 1000 and body["offset"] == 0 and body["hasMore"] is True
    assert body["totalResults"] > 1000
    rels = {link["rel"]: link["href"] for link in body["links"]}
    assert rels["next"].endswith("limit=1000&offset=1000") and "self" in rels
    second = suiteql(
        sandbox, "SELECT uniquekey FROM transactionline ORDER BY uniquekey", limit=1000, offset=1000
    ).json()
    assert second["hasMore"] is False and second["count"] == body["totalResults"] - 1000
    assert "next" not in {link["rel"] for link in second["links"]}


def test_row_cap():
    dataset = generate_dataset(seed=1, size=2_000)
    with NetSuiteSandbox(SandboxConfig(row_cap=2_500), dataset) as sb:
        q = "SELECT uniquekey FROM transactionline ORDER BY uniquekey"
        pages = [suiteql(sb, q, limit=1000, offset=o).json() for o in (0, 1000, 2000)]
        assert [p["count"] for p in pages] == [1000, 1000, 500]
        assert [p["hasMore"] for p in pages] == [True, True, False]
        assert pages[2]["totalResults"] > 2_500  # the true total, beyond what can be read
        over = suiteql(sb, q, limit=1000, offset=3000)
        assert over.status_code == 400 and error_of(over)["o:errorCode"] == "INVALID_PARAMETER"
        sb.config.row_cap = 100_000  # mutable at runtime
        assert suiteql(sb, q, limit=1000, offset=3000).status_code == 200
