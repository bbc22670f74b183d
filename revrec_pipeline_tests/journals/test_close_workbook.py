"""The close workbook writer (SPEC §11) on hand-built inputs, read back with openpyxl: five tabs,
typed cells, frozen header rows, the waterfall's chart, journal lines that balance and detail
that adds up to each line to the cent, and the tie-out tab in each of its states."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pandas as pd
import pytest

from revrec_pipeline.journals.close_workbook import (
    TABS,
    CloseInputs,
    close_workbook_path,
    write_close_workbook,
)
from revrec_pipeline.journals.entries import JournalEntry, JournalLine
from revrec_pipeline.journals.explain import (
    COMPONENT_COLUMNS,
    CONTRIBUTION_COLUMNS,
    LINE_COLUMNS,
    SOURCE_COLUMNS,
    Explanation,
)
from revrec_pipeline.journals.tieout import Difference, TieOut
from revrec_pipeline.journals.waterfall import Waterfall, deferred_revenue_waterfall
from revrec_pipeline.store.tieout import tieout_result
from revrec_pipeline_tests.journals.test_waterfall import BILLING, MONTHS, ORDERS

PERIOD = "2026-10"
BILLING_ID, REVENUE_ID = "revrec-2026-10-billing-USD-1", "revrec-2026-10-revenue-EUR-1"
PLAN = [
    (
        JournalEntry(
            BILLING_ID,
            PERIOD,
            "billing",
            "USD",
            1,
            (
                JournalLine("4900", 150001, 0, (("class", "2"), ("department", "1"))),
                JournalLine("2500", 0, 150001),
            ),
        ),
        {"status": "posted", "netsuite_id": "1026", "posted_at": dt.datetime(2026, 11, 2, 9, 30)},
    ),
    (
        JournalEntry(
            REVENUE_ID,
            PERIOD,
            "revenue",
            "EUR",
            1,
            (
                JournalLine("2500", 30772, 0),
                JournalLine("4000", 0, 20000, (("department", "1"),)),
                JournalLine("4100", 0, 10772, (("cseg_region", "7"),)),
            ),
        ),
        {"status": "planned", "netsuite_id": None, "posted_at": None},
    ),
]


def part(external_id, line, event, customer, currency, product, sign, cents):
    return (external_id, line, event, customer, currency, "", product, sign, sign * cents)


# Each line's parts, signed in the line's terms: a credit memo (discount) takes from line 1.
CONTRIBUTIONS = [
    part(BILLING_ID, 1, "billing", "A", "USD", "Platform", 1, 100000),
    part(BILLING_ID, 1, "billing", "B", "USD", "Setup", 1, 60001),
    part(BILLING_ID, 1, "billing", "B", "USD", "Discount", -1, 10000),
    part(BILLING_ID, 2, "billing", "A", "USD", "Platform", 1, 100000),
    part(BILLING_ID, 2, "billing", "B", "USD", "Setup", 1, 60001),
    part(BILLING_ID, 2, "billing", "B", "USD", "Discount", -1, 10000),
    part(REVENUE_ID, 1, "revenue", "C", "EUR", "Platform", 1, 20000),
    part(REVENUE_ID, 1, "revenue", "C", "EUR", "Setup", 1, 10772),
    part(REVENUE_ID, 2, "revenue", "C", "EUR", "Platform", 1, 20000),
    part(REVENUE_ID, 3, "revenue", "C", "EUR", "Setup", 1, 10772),
]


def explanation() -> Explanation:
    lines = [
        (e.external_id, n, ln.account_id, "", "debit" if ln.debit_cents else "credit", amount)
        for e, _ in PLAN
        for n, ln in enumerate(e.lines, start=1)
        for amount in [ln.debit_cents or ln.credit_cents]
    ]
    return Explanation(
        PERIOD,
        PERIOD,
        pd.DataFrame(lines, columns=LINE_COLUMNS),
        pd.DataFrame(CONTRIBUTIONS, columns=CONTRIBUTION_COLUMNS),
        pd.DataFrame(columns=COMPONENT_COLUMNS),
        pd.DataFrame(columns=SOURCE_COLUMNS),
    )


EDITED = TieOut(
    PERIOD,
    entries_checked=1,
    differences=[
        Difference(BILLING_ID, "edited", "2500", "USD", 0, 150001, 0, 150124),
        Difference(BILLING_ID, "edited", "4900", "USD", 150001, 0, 150124, 0),
    ],
    findings=[f"{BILLING_ID} (NetSuite journal 1026) was edited in NetSuite: ..."],
)
CHECKED_AT = dt.datetime(2026, 11, 2, 9, 31, 5)
# customer, currency, subsidiary, product, contract, recognized, 12 months, later
WATERFALL_WIDTH = 19


def record(result: TieOut, error: str | None = None) -> dict:
    """A tie-out record as store.tieout.latest_tieouts gives it."""
    return {
        "period": result.period,
        "checked_at": CHECKED_AT,
        "passed": result.passed and error is None,
        "entries_checked": result.entries_checked,
        **tieout_result(result, error),
    }


def inputs(tieout=None, **changes) -> CloseInputs:
    values = {
        "period": PERIOD,
        "plan": PLAN,
        "explanation": explanation(),
        "waterfall": deferred_revenue_waterfall(BILLING, ORDERS, PERIOD),
        "tieout": tieout,
    }
    return CloseInputs(**{**values, **changes})


def records(ws, header_row: int = 1, max_col: int | None = None) -> list[dict]:
    rows = list(ws.iter_rows(min_row=header_row, max_col=max_col, values_only=True))
    header = [h for h in rows[0] if h is not None]
    return [dict(zip(header, r, strict=False)) for r in rows[1:] if any(v is not None for v in r)]


def cents(value) -> int:
    """A money cell back as integer cents (exact: the cell holds cents / 100 as a double)."""
    return int((Decimal(repr(value)) * 100).to_integral_value()) if value is not None else 0


@pytest.fixture
def book(tmp_path):
    path = tmp_path / "close" / "close-2026-10.xlsx"
    written = write_close_workbook(path, inputs(record(EDITED)))
    return openpyxl.load_workbook(path), written, path


def test_five_tabs_each_with_a_frozen_header(book):
    wb, written, path = book
    assert (
        wb.sheetnames
        == list(TABS)
        == [
            "JournalEntries",
            "JournalDetail",
            "Waterfall",
            "RPO",
            "TieOut",
        ]
    )
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert all(c.font.bold for c in ws[1] if c.value is not None), ws.title
    assert written["rows"] == {
        "JournalEntries": 5,
        "JournalDetail": 10,
        "Waterfall": 5,
        "RPO": 2,
        "TieOut": 2,
    }
    assert written["tieout"] == "DIFFERENCE" and written["chart"] is True
    assert not [p for p in path.parent.iterdir() if p.name != path.name]  # no partial left


def test_journal_entries_one_typed_row_per_line_and_each_entry_balances(book):
    wb, _, _ = book
    ws = wb["JournalEntries"]
    header = [c.value for c in ws[1]]
    assert header == [
        "Entry External ID",
        "NetSuite ID",
        "Status",
        "Event",
        "Currency",
        "Subsidiary",
        "Line",
        "Account",
        "Debit",
        "Credit",
        "Department",
        "Class",
        "cseg_region",
        "Tran Date",
        "Posted At (UTC)",
    ]
    rows = records(ws)
    first = rows[0]
    assert first["Entry External ID"] == BILLING_ID and first["NetSuite ID"] == 1026
    assert isinstance(first["NetSuite ID"], int) and isinstance(first["Line"], int)
    assert first["Debit"] == 1500.01 and first["Credit"] is None
    assert (first["Department"], first["Class"], first["cseg_region"]) == ("1", "2", None)
    assert first["Tran Date"] == dt.datetime(2026, 10, 31)  # a date cell, not text
    assert first["Posted At (UTC)"] == dt.datetime(2026, 11, 2, 9, 30)
    assert ws["I2"].number_format == "#,##0.00" and ws["N2"].number_format == "yyyy-mm-dd"
    assert ws["H2"].data_type == "s"  # an account id stays text
    assert first["Subsidiary"] is None  # no OneWorld in this plan
    planned = rows[2]
    assert (planned["Status"], planned["NetSuite ID"], planned["Posted At (UTC)"]) == (
        "planned",
        None,
        None,
    )
    assert planned["cseg_region"] is None and rows[4]["cseg_region"] == "7"
    by_entry: dict[str, list[int]] = {}
    for row in rows:
        totals = by_entry.setdefault(row["Entry External ID"], [0, 0])
        totals[0] += cents(row["Debit"])
        totals[1] += cents(row["Credit"])
    assert by_entry == {BILLING_ID: [150001, 150001], REVENUE_ID: [30772, 30772]}


def test_journal_detail_adds_up_to_each_line_to_the_cent(book):
    wb, _, _ = book
    lines = {
        (r["Entry External ID"], r["Line"]): cents(r["Debit"]) or cents(r["Credit"])
        for r in records(wb["JournalEntries"])
    }
    detail = records(wb["JournalDetail"])
    assert [c for c in detail[0]] == [
        "Entry External ID",
        "Line",
        "Account",
        "Side",
        "Event",
        "Customer ID",
        "Product Code",
        "Currency",
        "Subsidiary",
        "Amount",
    ]
    sums: dict[tuple, int] = {}
    for row in detail:
        key = (row["Entry External ID"], row["Line"])
        sums[key] = sums.get(key, 0) + cents(row["Amount"])
    assert sums == lines
    discount = [r for r in detail if r["Product Code"] == "Discount"]
    assert [cents(r["Amount"]) for r in discount] == [-10000, -10000]
    assert {(r["Line"], r["Account"], r["Side"]) for r in discount} == {
        (1, "4900", "debit"),
        (2, "2500", "credit"),
    }


def test_waterfall_lines_and_a_native_column_chart_of_the_months_ahead(book):
    wb, _, _ = book
    ws = wb["Waterfall"]
    header = [c.value for c in ws[1]]
    assert header[:6] == [
        "Customer ID",
        "Currency",
        "Subsidiary",
        "Product Code",
        "Contract",
        "Recognized",
    ]
    assert header[6:18] == MONTHS and header[18] == "Later"
    wf = deferred_revenue_waterfall(BILLING, ORDERS, PERIOD)
    shown = {(r["Customer ID"], r["Product Code"]): r for r in records(ws, max_col=WATERFALL_WIDTH)}
    for line in wf.lines.itertuples():
        row = shown[(line.customer_id, line.product_code)]
        assert cents(row["Contract"]) == line.contract_cents
        assert cents(row["Recognized"]) == line.recognized_cents
        assert cents(row["Later"]) == line.later_cents
    # The chart's data beside the lines: per currency, the months ahead.
    side = header.index("Currency", 5)
    assert header[side + 1 : side + 13] == MONTHS
    per_currency = {
        ws.cell(row, side + 1).value: [cents(ws.cell(row, side + 2 + i).value) for i in range(12)]
        for row in (2, 3)
    }
    expected = wf.lines.groupby("currency")[MONTHS].sum()
    assert per_currency == {c: [int(v) for v in expected.loc[c]] for c in ("EUR", "USD")}
    (chart,) = ws._charts
    assert chart.tagname == "barChart" and chart.type == "col"
    assert len(chart.series) == 2  # one series per currency
    refs = [s.val.numRef.f for s in chart.series]
    assert refs[0].startswith("Waterfall!$") and "$2:" in refs[0] and "$3:" in refs[1]


def test_waterfall_month_cells_equal_the_lines(book):
    wb, _, _ = book
    wf = deferred_revenue_waterfall(BILLING, ORDERS, PERIOD)
    shown = {
        (r["Customer ID"], r["Product Code"]): r
        for r in records(wb["Waterfall"], max_col=WATERFALL_WIDTH)
    }
    for line in wf.lines.to_dict("records"):
        row = shown[(line["customer_id"], line["product_code"])]
        assert [cents(row[m]) for m in MONTHS] == [line[m] for m in MONTHS]


def test_rpo_per_currency_then_balances_per_customer(book):
    wb, _, _ = book
    ws = wb["RPO"]
    wf = deferred_revenue_waterfall(BILLING, ORDERS, PERIOD)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == (
        "Currency",
        "Contract",
        "Recognized",
        "RPO",
        "cRPO",
        "Deferred Revenue",
        "Unbilled Receivable",
    )
    rpo = {r[0]: [cents(v) for v in r[1:]] for r in rows[1:3]}
    for line in wf.rpo.to_dict("records"):
        assert rpo[line["currency"]] == [
            line[c]
            for c in (
                "contract_cents",
                "recognized_cents",
                "rpo_cents",
                "crpo_cents",
                "deferred_cents",
                "unbilled_cents",
            )
        ]
    title = rows.index(("Per customer and currency", None, None, None, None, None, None))
    assert rows[title + 1][:2] == ("Customer ID", "Currency")
    balances = {(r[0], r[1]): r for r in rows[title + 2 :] if r[0] is not None}
    assert len(balances) == len(wf.balances)
    for b in wf.balances.to_dict("records"):
        row = balances[(b["customer_id"], b["currency"])]
        assert (cents(row[5]), cents(row[6])) == (b["deferred_cents"], b["unbilled_cents"])


def test_tieout_tab_names_each_differing_entry_with_its_amounts(book):
    wb, _, _ = book
    ws = wb["TieOut"]
    rows = list(ws.iter_rows(values_only=True))
    head = dict(zip(rows[0], rows[1], strict=True))
    assert head["Period"] == PERIOD and head["Status"] == "DIFFERENCE"
    assert head["Checked At (UTC)"] == CHECKED_AT and ws["C2"].is_date
    assert (head["Entries Checked"], head["Differing Entries"]) == (1, 1)
    assert BILLING_ID in head["Summary"]
    start = next(i for i, r in enumerate(rows) if r[0] == "Entry External ID")
    header = rows[start]
    differences = [dict(zip(header, r, strict=True)) for r in rows[start + 1 : start + 3]]
    assert {(d["Entry External ID"], d["Account"]) for d in differences} == {
        (BILLING_ID, "2500"),
        (BILLING_ID, "4900"),
    }
    credit = next(d for d in differences if d["Account"] == "2500")
    assert (cents(credit["Posted Credit"]), cents(credit["NetSuite Credit"])) == (150001, 150124)
    assert cents(credit["Difference"]) == -123 and credit["Finding"] == "edited"
    assert any(r[0] and str(r[0]).startswith(f"{BILLING_ID} (NetSuite journal") for r in rows)
    assert rows[rows.index(("Findings",) + (None,) * 8) + 1][0] == "Finding"


@pytest.mark.parametrize(
    ("tieout", "status", "summary"),
    [
        (None, "NOT RUN", "No GL tie-out of 2026-10 has run yet"),
        (record(TieOut(PERIOD, entries_checked=2)), "OK", "all 2 posted RevRec entries"),
        (
            record(TieOut(PERIOD, 0), "The tie-out of 2026-10 could not read NetSuite's ledger."),
            "NOT CHECKED",
            "could not read NetSuite's ledger",
        ),
    ],
)
def test_tieout_tab_states(tmp_path, tieout, status, summary):
    path = tmp_path / "close.xlsx"
    assert write_close_workbook(path, inputs(tieout))["tieout"] == status
    ws = openpyxl.load_workbook(path)["TieOut"]
    assert ws["B1"].value == "Status" and ws["B2"].value == status
    assert summary in ws["F2"].value


def test_untraceable_detail_is_said_on_its_tab_and_the_rest_is_written(tmp_path):
    path = tmp_path / "close.xlsx"
    note = "2026-10's journal entries differ from what its frozen detail gives."
    write_close_workbook(path, inputs(explanation=None, detail_note=note))
    wb = openpyxl.load_workbook(path)
    ws = wb["JournalDetail"]
    assert ws["A1"].value == note and ws["A2"].value == "Entry External ID"
    assert ws.freeze_panes == "A3" and ws.max_row == 2
    assert len(records(wb["JournalEntries"])) == 5


def test_rewriting_replaces_the_file_whole(tmp_path):
    path = tmp_path / "close" / "close-2026-10.xlsx"
    write_close_workbook(path, inputs(None))
    write_close_workbook(path, inputs(record(EDITED)))
    assert openpyxl.load_workbook(path)["TieOut"]["B2"].value == "DIFFERENCE"
    assert sorted(p.name for p in path.parent.iterdir()) == ["close-2026-10.xlsx"]


def test_close_workbook_path():
    assert close_workbook_path("/home/x", "2026-10") == "/home/x/close/close-2026-10.xlsx"


def test_a_period_without_entries_or_future_revenue_writes_every_tab_without_a_chart(tmp_path):
    nothing = Explanation(
        PERIOD,
        PERIOD,
        pd.DataFrame(columns=LINE_COLUMNS),
        pd.DataFrame(columns=CONTRIBUTION_COLUMNS),
        pd.DataFrame(columns=COMPONENT_COLUMNS),
        pd.DataFrame(columns=SOURCE_COLUMNS),
    )
    wf = deferred_revenue_waterfall(BILLING, ORDERS, PERIOD)
    empty = Waterfall(
        PERIOD, wf.months, wf.lines.iloc[0:0], wf.balances.iloc[0:0], wf.rpo.iloc[0:0]
    )
    path = tmp_path / "close.xlsx"
    written = write_close_workbook(path, inputs(plan=[], explanation=nothing, waterfall=empty))
    assert written["chart"] is False and set(written["rows"].values()) == {0}
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == list(TABS)
    assert wb["JournalEntries"]["A1"].value == "Entry External ID"
    assert wb["JournalEntries"].max_row == 1 and not wb["Waterfall"]._charts
