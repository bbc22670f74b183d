"""The journal lines' GL impact as SuiteQL reads it (reference §4.2): `transactionaccountingline`
joined to `transactionline`, and the test helper that edits a line's amount in NetSuite."""

from __future__ import annotations

from datetime import date

from revrec_pipeline.netsuite.tieout import read_balances, read_held_lines
from revrec_pipeline_tests.sandbox_helpers import recording_client

from .conftest import rows
from .test_journals import entry, put

GL_SQL = (
    "SELECT tl.id, tal.account, tal.debit, tal.credit, tal.amount, tal.posting, "
    "tal.accountingbook, tl.foreignamount FROM transaction t "
    "INNER JOIN transactionline tl ON tl.transaction = t.id "
    "INNER JOIN transactionaccountingline tal "
    "ON tal.transaction = tl.transaction AND tal.transactionline = tl.id "
    "WHERE t.externalid = ? ORDER BY tl.id"
)


def test_journal_lines_have_their_gl_impact(sandbox):
    assert put(sandbox, "revrec-x-1", entry("revrec-x-1", amount="187.00")).status_code == 204
    held = rows(sandbox, GL_SQL, ["revrec-x-1"])
    # Null columns are left out of an item, as NetSuite leaves them out.
    assert [(r["account"], r.get("debit"), r.get("credit"), r["posting"]) for r in held] == [
        ("58", "187", None, "T"),
        ("61", None, "187", "T"),
    ]
    assert [r["foreignamount"] for r in held] == ["187", "-187"]
    assert {r["accountingbook"] for r in held} == {"1"}


def test_an_edited_line_changes_the_ledger_and_a_pending_entry_does_not_post(sandbox):
    put(sandbox, "revrec-x-1", entry("revrec-x-1", amount="100.00"))
    sandbox.edit_journal_line("revrec-x-1", 0, "90.00")
    sandbox.edit_journal_line("revrec-x-1", 1, "90.00")
    held = {r["id"]: r for r in rows(sandbox, GL_SQL, ["revrec-x-1"])}
    assert held["0"]["foreignamount"] == "90" and held["1"]["foreignamount"] == "-90"
    assert held["0"]["debit"] == "90" and held["1"]["credit"] == "90"
    sandbox.execute("UPDATE \"transaction\" SET posting = 'F' WHERE externalid = ?", ["revrec-x-1"])
    assert {r["posting"] for r in rows(sandbox, GL_SQL, ["revrec-x-1"])} == {"F"}


def test_the_tieout_queries_read_entries_and_balances_through_the_period_end(sandbox):
    put(sandbox, "revrec-2026-10-a", entry("revrec-2026-10-a", amount="100.00"))
    put(sandbox, "revrec-2026-11-a", entry("revrec-2026-11-a", amount="7.00", day="2026-11-30"))
    put(sandbox, "other-2026-10", entry("other-2026-10", amount="50.00"))
    client = recording_client(sandbox)
    lines = read_held_lines(client, date(2026, 10, 31), multi_currency=True)
    mine = [(ln.external_id, ln.account_id, ln.cents) for ln in lines]
    assert mine == [("revrec-2026-10-a", "58", 10000), ("revrec-2026-10-a", "61", -10000)]
    assert {ln.currency_id for ln in lines} == {"1"} and all(ln.posting for ln in lines)
    sql = client.sent[0][0]
    assert "tl.uniquekey > ? ORDER BY tl.uniquekey" in sql and "TO_DATE('2026-10-31'" in sql

    before = {
        (b.account_id, b.currency_id): b.cents
        for b in read_balances(client, date(2026, 10, 31), [58, 61], multi_currency=True)
    }
    put(sandbox, "revrec-2026-10-b", entry("revrec-2026-10-b", amount="25.00"))
    after = {
        (b.account_id, b.currency_id): b.cents
        for b in read_balances(client, date(2026, 10, 31), [58, 61], multi_currency=True)
    }
    # Every transaction counts (the other integration's entry too); November's does not.
    assert after[("58", "1")] - before[("58", "1")] == 2500
    assert after[("61", "1")] - before[("61", "1")] == -2500
    expected = sandbox.execute(
        'SELECT CAST(ROUND(SUM(tl.foreignamount) * 100) AS INTEGER) AS c FROM "transaction" t '
        'JOIN transactionline tl ON tl."transaction" = t.id WHERE tl.account = 58 '
        "AND t.currency = 1 AND t.posting = 'T' AND substr(t.trandate, 1, 10) <= '2026-10-31'"
    )[0]["c"]
    assert after[("58", "1")] == expected  # the other entry's 50.00 in, November's 7.00 out


def test_without_multiple_currencies_the_queries_name_no_currency(small):
    from revrec_pipeline.sandbox import NetSuiteSandbox, SandboxConfig

    with NetSuiteSandbox(SandboxConfig(multi_currency=False), small) as sb:
        body = entry("revrec-2026-10-a", amount="10.00")
        body.pop("currency")
        assert put(sb, "revrec-2026-10-a", body).status_code == 204
        client = recording_client(sb)
        lines = read_held_lines(client, date(2026, 10, 31), multi_currency=False)
        assert [ln.cents for ln in lines] == [1000, -1000]
        assert {ln.currency_id for ln in lines} == {None}
        balances = read_balances(client, date(2026, 10, 31), [58], multi_currency=False)
        assert [(b.account_id, b.currency_id) for b in balances] == [("58", None)]
