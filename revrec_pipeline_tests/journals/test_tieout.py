"""The tie-out comparison alone (no NetSuite, no Dagster): what it names and what it does not."""

from __future__ import annotations

import json

from revrec_pipeline.journals.mapping import parse_mapping_csv
from revrec_pipeline.journals.tieout import tie_out
from revrec_pipeline.netsuite.tieout import AccountBalance, HeldLine, balances, held_lines

CURRENCIES = {"USD": "1", "EUR": "2"}


def posting(external_id, lines, *, period="2026-10", currency="USD", status="posted"):
    return {
        "external_id": external_id,
        "period": period,
        "currency": currency,
        "status": status,
        "netsuite_id": "900",
        "lines": json.dumps(
            [
                {"account_id": a, "debit_cents": d, "credit_cents": c, "segments": []}
                for a, d, c in lines
            ]
        ),
    }


def held(external_id, lines, *, currency="1", posting=True):
    return [
        HeldLine(external_id, "900", n, account, currency, cents, posting)
        for n, (account, cents) in enumerate(lines)
    ]


def test_identical_ledger_passes_and_a_later_period_is_not_checked():
    stored = [
        posting("revrec-a", [("10", 500, 0), ("20", 0, 500)]),
        posting("revrec-nov", [("10", 7, 0), ("20", 0, 7)], period="2026-11"),
    ]
    result = tie_out("2026-10", stored, held("revrec-a", [("10", 500), ("20", -500)]), CURRENCIES)
    assert result.passed and result.entries_checked == 1 and result.findings == []


def test_entry_split_over_lines_of_one_account_ties_out():
    stored = [posting("revrec-a", [("10", 500, 0), ("20", 0, 500)])]
    lines = held("revrec-a", [("10", 200), ("10", 300), ("20", -500)])
    assert tie_out("2026-10", stored, lines, CURRENCIES).passed


def test_currency_change_non_posting_and_unexpected_entries_are_named():
    stored = [
        posting("revrec-a", [("10", 500, 0), ("20", 0, 500)]),
        posting("revrec-b", [("10", 100, 0), ("20", 0, 100)]),
        posting("revrec-c", [("10", 5, 0), ("20", 0, 5)], status="pending_approval"),
    ]
    lines = (
        held("revrec-a", [("10", 500), ("20", -500)], currency="2")
        + held("revrec-b", [("10", 100), ("20", -100)], posting=False)
        + held("revrec-c", [("10", 5), ("20", -5)])  # approved in NetSuite since
        + held("revrec-d", [("10", 1), ("20", -1)], posting=False)  # not posting: ignored
    )
    result = tie_out("2026-10", stored, lines, CURRENCIES)
    assert result.differing_entries == ["revrec-a", "revrec-b", "revrec-c"]
    assert result.findings == [
        "revrec-a (NetSuite journal 900) was edited in NetSuite: currency USD changed to EUR.",
        "revrec-b (NetSuite journal 900) is in NetSuite but no longer posts (unapproved or made "
        "non-posting there), so none of its lines is in the ledger.",
        "revrec-c (NetSuite journal 900) is in NetSuite's ledger through 2026-10-31, but the "
        "store has it pending approval.",
    ]
    assert result.difference_by_currency() == {"USD": 1000 + 200 + 10, "EUR": 1000}


def test_balances_of_mapped_balance_sheet_accounts_only():
    mapping = parse_mapping_csv(
        "account_type,netsuite_account_id,product_code\n"
        "contra_revenue,10,\ndeferred_revenue,20,\nrevenue,30,\nunbilled_receivable,40,\n"
    )
    stored = [posting("revrec-a", [("10", 500, 0), ("20", 0, 500)])]
    gl = [AccountBalance("20", "1", -80000, -80000), AccountBalance("30", "1", -5, -5)]
    lines = held("revrec-a", [("10", 500), ("20", -500)])
    rows = tie_out("2026-10", stored, lines, CURRENCIES, mapping, gl).balances
    assert [
        (r.account_type, r.account_id, r.currency, r.netsuite_cents, r.revrec_cents) for r in rows
    ] == [("deferred_revenue", "20", "USD", -80000, -500)]


def test_accounting_lines_of_several_books_count_each_journal_line_once():
    rows = [
        {
            "id": "5",
            "externalid": "revrec-a",
            "line": "0",
            "account": "10",
            "accountingbook": "2",
            "posting": "T",
            "foreignamount": "1.5",
            "currency": "1",
        },
        {
            "id": "5",
            "externalid": "revrec-a",
            "line": "0",
            "account": "10",
            "accountingbook": "1",
            "posting": "T",
            "foreignamount": "1.5",
            "currency": "1",
        },
        {
            "id": "5",
            "externalid": "revrec-a",
            "line": "1",
            "account": "20",
            "accountingbook": "1",
            "posting": "T",
            "foreignamount": "-1.5",
        },
    ]
    lines = held_lines(rows)
    assert [(ln.line, ln.account_id, ln.cents, ln.currency_id) for ln in lines] == [
        (0, "10", 150, "1"),
        (1, "20", -150, None),
    ]
    sums = balances(
        [
            {"accountingbook": "1", "account": "20", "foreignamount": "-3", "amount": "-4"},
            {"accountingbook": "2", "account": "20", "foreignamount": "-3", "amount": "-9"},
        ]
    )
    assert sums == [AccountBalance("20", None, -300, -400)]
