"""Kept GL tie-outs (SPEC §11) on both store backends: every result is a row, the latest per
period is what commands print, and the printed text names each differing entry with amounts."""

from __future__ import annotations

import datetime as dt

from revrec_pipeline.journals.tieout import BalanceRow, Difference, TieOut
from revrec_pipeline.store import schema
from revrec_pipeline.store.tieout import (
    latest_tieout,
    latest_tieouts,
    record_tieout,
    tieout_lines,
    tieout_status,
)

EDIT = Difference("revrec-2026-10-revenue-USD-1", "edited", "4000", "USD", 0, 100000, 0, 123456)
DELETED = Difference("revrec-2026-10-billing-EUR-1", "deleted", "2500", "EUR", 0, 5000, 0, 0)
BALANCE = BalanceRow("deferred_revenue", "2500", "USD", -880000, -880000, -120000)
AT = dt.datetime(2026, 12, 2, 4, 10, 31)


def test_every_tieout_is_kept_and_the_latest_per_period_read_back(store):
    assert latest_tieouts(store) == {} and latest_tieout(store, "2026-10") is None
    record_tieout(store, TieOut("2026-10", 6), checked_at=AT)
    failed = TieOut("2026-10", 6, [EDIT, DELETED], ["two sentences"], [BALANCE], ("EUR", "USD"))
    record_tieout(store, failed, checked_at=AT + dt.timedelta(minutes=5))
    record_tieout(store, TieOut("2026-11", 0), error="NetSuite was down.", checked_at=AT)
    with store.read() as conn:
        assert len(list(conn.execute(schema.gl_tieout.select()))) == 3

    latest = latest_tieouts(store)
    assert list(latest) == ["2026-10", "2026-11"]
    october = latest["2026-10"]
    assert october == latest_tieout(store, "2026-10")
    assert (october["passed"], october["entries_checked"], october["checked_at"]) == (
        False,
        6,
        AT + dt.timedelta(minutes=5),
    )
    assert october["differences"][0] == {
        "external_id": EDIT.external_id,
        "kind": "edited",
        "account_id": "4000",
        "currency": "USD",
        "store_debit": 0,
        "store_credit": 100000,
        "netsuite_debit": 0,
        "netsuite_credit": 123456,
        "difference": -23456,
    }
    assert october["balances"] == [
        {
            "account_type": "deferred_revenue",
            "account_id": "2500",
            "currency": "USD",
            "netsuite_cents": -880000,
            "netsuite_base_cents": -880000,
            "revrec_cents": -120000,
        }
    ]
    assert october["findings"] == ["two sentences"] and october["error"] is None
    november = latest["2026-11"]
    assert not november["passed"] and november["error"] == "NetSuite was down."
    assert [tieout_status(october), tieout_status(november), tieout_status(None)] == [
        "DIFFERENCE",
        "NOT CHECKED",
        "NOT RUN",
    ]


def test_printed_lines(store):
    ok = record_tieout(store, TieOut("2026-10", 6), checked_at=AT)
    assert tieout_lines(ok) == [
        "Tie-out 2026-10 (checked 2026-12-02 04:10 UTC): OK, 6 entries as posted."
    ]
    failed = record_tieout(store, TieOut("2026-10", 6, [EDIT, DELETED]), checked_at=AT)
    assert tieout_lines(failed) == [
        "Tie-out 2026-10 (checked 2026-12-02 04:10 UTC): DIFFERENCE, 2 RevRec entries differ "
        "in NetSuite (6 checked):",
        "  revrec-2026-10-billing-EUR-1 deleted: account 2500 EUR: credit 50.00 posted, 0.00 in "
        "NetSuite",
        "  revrec-2026-10-revenue-USD-1 edited: account 4000 USD: credit 1,000.00 posted, "
        "1,234.56 in NetSuite",
    ]
    unread = record_tieout(
        store,
        TieOut("2026-10", 0),
        error="The tie-out of 2026-10 could not read NetSuite's ledger, so nothing was compared: "
        "refused.",
        checked_at=AT,
    )
    assert tieout_lines(unread) == [
        "Tie-out 2026-10 (checked 2026-12-02 04:10 UTC): NOT CHECKED: The tie-out of 2026-10 "
        "could not read NetSuite's ledger, so nothing was compared: refused."
    ]
