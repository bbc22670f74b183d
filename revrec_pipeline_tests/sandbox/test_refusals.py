"""SuiteQL refuses what the real NetSuite refuses, in NetSuite's words (reference §9)."""

from __future__ import annotations

import pytest

from revrec_pipeline.netsuite.errors import NetSuiteError
from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig, generate_dataset

from .conftest import error_of, netsuite_client, rows, suiteql

PREFIX = "Invalid search query. Detailed unprocessed description follows. Search error occurred: "


@pytest.mark.parametrize(
    "q",
    [
        "SELECT createdfrom FROM transaction",
        "SELECT t.id, t.createdfrom FROM transaction t WHERE t.type = 'CustCred'",
        "SELECT id FROM transaction WHERE createdfrom IS NOT NULL",
        'SELECT x.id FROM "Transaction" AS x WHERE x.CreatedFrom = 1001',
        "SELECT tl.id FROM transactionline tl JOIN transaction t ON t.id = tl.transaction "
        "WHERE t.createdfrom = tl.transaction",
    ],
)
def test_createdfrom_on_transaction_is_a_server_error(sandbox, q):
    response = suiteql(sandbox, q)
    assert response.status_code == 500
    detail = error_of(response)
    assert detail["o:errorCode"] == "UNEXPECTED_ERROR"
    assert detail["detail"].startswith("An unexpected error has occurred.")


def test_createdfrom_is_read_from_the_mainline(sandbox):
    m = sandbox.manifest
    q = (
        "SELECT tl.createdfrom FROM transactionline tl INNER JOIN transaction t "
        "ON t.id = tl.transaction WHERE t.id = ? AND tl.mainline = 'T'"
    )
    assert rows(sandbox, q, [m["credit_memo_from_invoice"]])[0]["createdfrom"] == str(
        m["invoice_paid"]
    )


def test_the_client_gives_up_on_the_500_after_its_retries(sandbox):
    client = netsuite_client(sandbox)
    sandbox.reset_stats()
    with pytest.raises(NetSuiteError) as caught:
        client.suiteql_page("SELECT t.createdfrom FROM transaction t WHERE t.id = ?", [1001])
    assert caught.value.status == 500 and caught.value.code == "UNEXPECTED_ERROR"
    assert sandbox.stats.by_status == {500: 3}  # one try and the client's two retries


@pytest.mark.parametrize(
    ("q", "name", "listed"),
    [
        ("SELECT nosuchcolumn FROM customer", "nosuchcolumn", "entityid"),
        ("SELECT c.id, c.nosuch FROM customer c", "nosuch", "companyname"),
        ("SELECT id FROM transaction WHERE nosuch = 1", "nosuch", "tranid"),
        ("SELECT tl.customsegments FROM transactionline tl", "customsegments", "iscogs"),
        ("SELECT z.id FROM transaction t", "z", "t=transaction"),
        (
            "SELECT t.id, tl.bogus FROM transaction t JOIN transactionline tl "
            "ON tl.transaction = t.id",
            "bogus",
            "linelastmodifieddate",
        ),
    ],
)
def test_unknown_identifier(sandbox, q, name, listed):
    response = suiteql(sandbox, q)
    assert response.status_code == 400
    detail = error_of(response)
    assert detail["o:errorCode"] == "INVALID_PARAMETER" and detail["o:errorQueryParam"] == "q"
    prefix = f"{PREFIX}Unknown identifier '{name}'. Available identifiers are: {{"
    assert detail["detail"].startswith(prefix) and detail["detail"].endswith("}.")
    available = detail["detail"][len(prefix) : -2].split(", ")
    assert listed in available and "customsegments" not in available


def test_unknown_identifier_lists_the_records_fields_and_nothing_else(sandbox):
    detail = error_of(suiteql(sandbox, "SELECT nosuch FROM currency"))["detail"]
    assert detail.endswith(
        "Available identifiers are: {id, symbol, name, isbasecurrency, exchangerate, isinactive}."
    )


def test_transaction_has_no_subsidiary_field(sandbox):
    detail = error_of(suiteql(sandbox, "SELECT t.subsidiary FROM transaction t"))
    assert detail["detail"] == (
        f"{PREFIX}Field 'subsidiary' for record 'transaction' was not found. Reason: REMOVED"
    )
    assert rows(sandbox, "SELECT subsidiary FROM transactionline WHERE mainline = 'T'")


def test_unknown_record(sandbox):
    detail = error_of(suiteql(sandbox, "SELECT id FROM sandbox_meta"))
    assert detail["detail"] == f"{PREFIX}Invalid search type: sandbox_meta."


def test_count_star_over_transaction_is_refused_count_id_works(sandbox):
    for q in (
        "SELECT COUNT(*) AS n FROM transaction",
        "SELECT COUNT( * ) FROM transactionline tl JOIN transaction t ON t.id = tl.transaction",
    ):
        response = suiteql(sandbox, q)
        assert response.status_code == 400
        assert error_of(response)["detail"] == f"{PREFIX}Invalid or unsupported search"
    (counted,) = rows(sandbox, "SELECT COUNT(id) AS n, COUNT(t.id) AS m FROM transaction t")
    assert int(counted["n"]) == int(counted["m"]) > 100
    assert rows(sandbox, "SELECT COUNT(*) AS n FROM customer")[0]["n"] == "40"


def test_select_star_lists_fields_not_bookkeeping(sandbox):
    (line,) = rows(sandbox, "SELECT * FROM transactionline WHERE uniquekey = 1")
    assert "customsegments" not in line and line["mainline"] == "T"
    (header,) = rows(sandbox, "SELECT t.* FROM transaction t WHERE t.id = 1001")
    assert "subsidiary" not in header and header["tranid"].startswith("INV")


def test_at_most_1000_pages_per_query():
    with NetSuiteSandbox(SandboxConfig(), generate_dataset(seed=3, size=2_000)) as sb:
        q = "SELECT uniquekey FROM transactionline ORDER BY uniquekey"
        last = suiteql(sb, q, limit=1, offset=999).json()
        assert last["count"] == 1 and last["hasMore"] is False
        assert last["totalResults"] > 1000  # the true total, beyond what pages can reach
        assert [link["rel"] for link in last["links"]] == ["self"]
        first = suiteql(sb, q, limit=2, offset=0).json()
        assert first["totalResults"] > 2000
        rels = {link["rel"]: link["href"] for link in first["links"]}
        assert rels["last"].endswith("limit=2&offset=1998")  # page 1,000 of 2 rows
        over = suiteql(sb, q, limit=1, offset=1000)
        assert over.status_code == 400
        assert error_of(over)["detail"] == (
            "Invalid value for the query parameter offset. A query can return at most 1000 pages."
        )
        assert suiteql(sb, q, limit=1000, offset=1000).status_code == 200


def test_builtin_df_gives_labels_and_names(sandbox):
    m = sandbox.manifest
    q = (
        "SELECT t.id, BUILTIN.DF(t.status) AS status, BUILTIN.DF(t.type) AS type, "
        "BUILTIN.DF(t.entity) AS customer, BUILTIN.DF(t.currency) AS currency, "
        "BUILTIN.DF(t.postingperiod) AS period, BUILTIN.DF(t.approvalstatus) AS approval, "
        "t.status AS code FROM transaction t WHERE t.id IN (?, ?, ?, ?) ORDER BY t.id"
    )
    ids = [m[k] for k in ("invoice_open", "invoice_paid", "invoice_pending_approval")]
    got = {int(r["id"]): r for r in rows(sandbox, q, [*ids, m["credit_memo_from_invoice"]])}
    assert got[m["invoice_open"]]["status"] == "Open" and got[m["invoice_open"]]["code"] == "A"
    assert got[m["invoice_paid"]]["status"] == "Paid In Full"
    pending = got[m["invoice_pending_approval"]]
    assert pending["status"] == "Pending Approval" and pending["approval"] == "Pending Approval"
    memo = got[m["credit_memo_from_invoice"]]
    assert memo["type"] == "Credit Memo" and memo["status"] == "Fully Applied"
    assert got[m["invoice_open"]]["type"] == "Invoice"
    assert got[m["invoice_open"]]["customer"] == "Acme Corporation"
    assert got[m["invoice_open"]]["currency"] == "US Dollar"
    assert got[m["invoice_open"]]["period"] == "Oct 2026"
    line_q = (
        "SELECT BUILTIN.DF(item) AS item, BUILTIN.DF(account) AS account, "
        "BUILTIN.DF(department) AS department, BUILTIN.DF(class) AS class, "
        "BUILTIN.DF(location) AS location, BUILTIN.DF(subsidiary) AS subsidiary "
        "FROM transactionline WHERE transaction = ? AND id = 1"
    )
    (line,) = rows(sandbox, line_q, [m["invoice_open"]])
    assert line["item"] == "Platform Subscription" and line["account"] == "2400 Deferred Revenue"
    assert line["subsidiary"] == "Parent Company"
    assert line["department"] in {"Sales", "Professional Services", "Customer Success"}
    assert line["class"] in {"Subscription", "Services", "Other"}
    assert line["location"] in {"US West", "US East", "Europe"}
    (expr,) = rows(sandbox, "SELECT BUILTIN.DF('x' || 'y') AS v FROM dual")
    assert expr["v"] == "xy"  # an expression's display value is its value
