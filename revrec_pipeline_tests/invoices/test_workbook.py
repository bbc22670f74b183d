"""The finance workbook (SPEC §6): exact tabs, typed cells, frozen header, widths, row-limit
continuation tabs, and an atomic write (no `.partial` left behind)."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from revrec_pipeline.invoices.workbook import EXCEL_MAX_ROWS, sheet_names, write_workbook
from revrec_pipeline_tests.invoices import sample
from revrec_pipeline_tests.invoices.sample import classify, exclude, workbook_frames

FIVE_TABS = [
    "BillingSchedule",
    "Product",
    "PendingData",
    "ReconDetails_Invoice",
    "ReconSummary_Invoice",
]
BILLING_HEADER = [
    "Customer ID",
    "Customer Name",
    "Document Type",
    "Document Number",
    "NetSuite ID",
    "Line ID",
    "Document Date",
    "Period",
    "Product Code",
    "Product Name",
    "Quantity",
    "Amount",
    "Currency",
    "Service Start Date",
    "Service End Date",
    "Status",
    "NetSuite Customer ID",
    "NetSuite Customer Name",
    "Subsidiary ID",  # OneWorld; empty in this account without it
    "Subsidiary",
]
REASON = "Customer name matches no CRM customer"


def all_billed():
    """Every one of the 8 sample lines billed (Globex spelled as in NetSuite in the CRM)."""
    return classify(crm_names={**sample.CRM, "C2": "Globex, Ltd."})


def rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def records(ws) -> list[dict]:
    header, *data = rows(ws)
    return [dict(zip(header, r, strict=True)) for r in data]


def widths(ws) -> dict[str, float]:
    """Column letter → width (XlsxWriter merges equal neighbours into one <col> range)."""
    out = {}
    for dim in ws.column_dimensions.values():
        for index in range(dim.min, dim.max + 1):
            out[get_column_letter(index)] = dim.width
    return out


def column_of(ws, header: str) -> str:
    return get_column_letter([c.value for c in ws[1]].index(header) + 1)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


@pytest.fixture
def written(tmp_path) -> tuple[Path, list[str]]:
    path = tmp_path / "jobs" / "2026-01-31T120000_invoice_sync.xlsx"
    names = write_workbook(path, workbook_frames(classify(exclude("Name", "HW-1"))))
    return path, names


def test_five_tabs_in_order(written):
    path, names = written
    assert names == FIVE_TABS
    assert openpyxl.load_workbook(path).sheetnames == FIVE_TABS
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]


def test_pending_tab_omitted_when_empty(tmp_path):
    result = all_billed()
    assert result.pending_data.empty
    path = tmp_path / "w.xlsx"
    expected = ["BillingSchedule", "Product", "ReconDetails_Invoice", "ReconSummary_Invoice"]
    assert write_workbook(path, workbook_frames(result)) == expected
    assert openpyxl.load_workbook(path).sheetnames == expected

    frames = workbook_frames(result)
    del frames["PendingData"]
    assert write_workbook(tmp_path / "w2.xlsx", frames) == expected


def test_empty_billing_schedule_still_gets_its_tab_with_a_header(tmp_path):
    path = tmp_path / "w.xlsx"
    assert write_workbook(path, {}) == [
        "BillingSchedule",
        "Product",
        "ReconDetails_Invoice",
        "ReconSummary_Invoice",
    ]
    assert rows(openpyxl.load_workbook(path)["BillingSchedule"]) == [BILLING_HEADER]


def test_header_row_frozen_on_every_tab(written):
    path, _ = written
    workbook = openpyxl.load_workbook(path)
    for ws in workbook:
        assert ws.freeze_panes == "A2", ws.title
        assert all(cell.font.b for cell in ws[1]), ws.title
    assert workbook["BillingSchedule"].auto_filter.ref == "A1:T1"


def test_billing_tab_headers_and_values(written):
    path, _ = written
    ws = openpyxl.load_workbook(path)["BillingSchedule"]
    assert rows(ws)[0] == BILLING_HEADER
    assert rows(ws)[1] == [
        "C1",
        "ACME  inc",
        "Invoice",
        "INV-100",
        100,
        1,
        dt.datetime(2026, 1, 15),
        "2026-01",
        "SUB-PRO",
        "Pro Subscription",
        2,
        100,
        "USD",
        dt.datetime(2026, 1, 1),
        dt.datetime(2026, 12, 31),
        "Open",
        1,
        "Acme Inc",
        None,
        None,
    ]
    # A discount line: no quantity, no service dates → empty cells.
    assert rows(ws)[2][10:15] == [None, -10, "USD", None, None]
    assert len(rows(ws)) == 1 + 5


def test_dates_are_date_cells(written):
    path, _ = written
    ws = openpyxl.load_workbook(path)["BillingSchedule"]
    for header in ("Document Date", "Service Start Date", "Service End Date"):
        cell = ws[f"{column_of(ws, header)}2"]
        assert isinstance(cell.value, dt.datetime), header
        assert cell.is_date, header
        assert cell.number_format == "yyyy-mm-dd", header
    assert [ws[f"{column_of(ws, 'Document Date')}{r}"].value for r in range(2, 7)] == [
        dt.datetime(2026, 1, 15),
        dt.datetime(2026, 1, 15),
        dt.datetime(2026, 1, 20),
        dt.datetime(2026, 1, 31),
        dt.datetime(2026, 2, 10),
    ]


def test_amounts_are_numbers_equal_to_cents_over_100(written):
    path, _ = written
    workbook = openpyxl.load_workbook(path)
    ws = workbook["BillingSchedule"]
    amount = column_of(ws, "Amount")
    cells = [ws[f"{amount}{r}"] for r in range(2, 7)]
    assert [c.value for c in cells] == [100.0, -10.0, 300.0, -25.0, -12.0]
    for cell in cells:
        assert isinstance(cell.value, int | float) and not isinstance(cell.value, bool)
        assert cell.number_format == "#,##0.00"

    pending = workbook["PendingData"]
    assert [r["Amount"] for r in records(pending)] == [75.5, 200.0]
    assert pending[f"{column_of(pending, 'Amount')}2"].number_format == "#,##0.00"

    details = workbook["ReconDetails_Invoice"]
    assert [
        (
            r["Period"],
            r["NetSuite Amount"],
            r["RevRec Amount"],
            r["Pending Amount"],
            r["Excluded Amount"],
            r["Difference"],
        )
        for r in records(details)
    ] == [
        ("2026-01", 115.0, 65.0, 0, 50.0, 0),
        ("2026-01", 300.0, 300.0, 0, 0, 0),
        ("2026-02", 275.5, 0, 275.5, 0, 0),
        ("2026-02", -12.0, -12.0, 0, 0, 0),
    ]
    for column in ("F", "G", "H", "I", "J"):
        assert details[f"{column}2"].number_format == "#,##0.00"

    summary = workbook["ReconSummary_Invoice"]
    assert records(summary) == [
        {
            "Period": "2026-01",
            "Currency": "USD",
            "NetSuite Amount": 415.0,
            "RevRec Amount": 365.0,
            "Pending Amount": 0,
            "Excluded Amount": 50.0,
            "Difference": 0,
            "Customers": 2,
            "Status": "OK",
            "Subsidiary ID": None,
            "Subsidiary": None,
        },
        {
            "Period": "2026-02",
            "Currency": "EUR",
            "NetSuite Amount": 275.5,
            "RevRec Amount": 0,
            "Pending Amount": 275.5,
            "Excluded Amount": 0,
            "Difference": 0,
            "Customers": 1,
            "Status": "OK",
            "Subsidiary ID": None,
            "Subsidiary": None,
        },
        {
            "Period": "2026-02",
            "Currency": "USD",
            "NetSuite Amount": -12.0,
            "RevRec Amount": -12.0,
            "Pending Amount": 0,
            "Excluded Amount": 0,
            "Difference": 0,
            "Customers": 1,
            "Status": "OK",
            "Subsidiary ID": None,
            "Subsidiary": None,
        },
    ]


def test_cents_that_are_not_exact_binary_fractions_round_trip_to_the_same_number(tmp_path):
    result = all_billed()
    billing = result.billing_schedule.head(3).copy()
    billing["amount_cents"] = [1, 123456789, -1999]
    path = tmp_path / "w.xlsx"
    write_workbook(path, {"BillingSchedule": billing})
    ws = openpyxl.load_workbook(path)["BillingSchedule"]
    assert [r["Amount"] for r in records(ws)] == [0.01, 1234567.89, -19.99]


def test_product_and_pending_tabs(written):
    path, _ = written
    workbook = openpyxl.load_workbook(path)
    assert rows(workbook["Product"]) == [
        ["Product Code", "Product Name", "Item Type", "NetSuite ID", "Excluded"],
        ["DISC", "Discount", "Discount", 12, "no"],
        ["HW-1", "HW-1", "InvtPart", 11, "yes"],
        ["SETUP", "Onboarding Fee", "Service", 13, "no"],
        ["SUB-PRO", "Pro Subscription", "Service", 10, "no"],
    ]
    pending = records(workbook["PendingData"])
    assert [(r["NetSuite ID"], r["Line ID"]) for r in pending] == [(101, 1), (101, 2)]
    assert [r["Reason"] for r in pending] == [REASON, REASON]
    assert [r["Suggested CRM Name"] for r in pending] == ["Globex Ltd", "Globex Ltd"]
    assert [r["Customer ID"] for r in pending] == [None, None]


def test_column_widths_fit_the_text(written, tmp_path):
    path, _ = written
    workbook = openpyxl.load_workbook(path)
    pending = workbook["PendingData"]
    pending_widths = widths(pending)
    assert set(pending_widths) == {get_column_letter(i) for i in range(1, 23)}
    reason = pending_widths[column_of(pending, "Reason")]
    assert len(REASON) <= reason <= len(REASON) + 4  # long text: far wider than Excel's 8.43
    period = pending_widths[column_of(pending, "Period")]
    assert 7 <= period < 12  # "2026-02" under a short header
    billing = widths(workbook["BillingSchedule"])
    assert billing["G"] >= 10  # Document Date: a date fits
    assert billing["L"] >= 10  # Amount: a number fits

    # Very long text is capped instead of making a screen-wide column.
    result = all_billed()
    frames = workbook_frames(result)
    frames["BillingSchedule"] = frames["BillingSchedule"].assign(customer_name="N" * 200)
    capped = tmp_path / "capped.xlsx"
    write_workbook(capped, frames)
    assert 55 <= widths(openpyxl.load_workbook(capped)["BillingSchedule"])["B"] <= 61


def test_split_with_row_limit_continues_on_numbered_tabs(tmp_path):
    result = all_billed()
    assert len(result.billing_schedule) == 8
    path = tmp_path / "split.xlsx"
    names = write_workbook(path, workbook_frames(result), row_limit=4)
    assert names == [
        "BillingSchedule",
        "BillingSchedule_2",
        "BillingSchedule_3",
        "Product",
        "Product_2",  # 4 items
        "ReconDetails_Invoice",
        "ReconDetails_Invoice_2",  # 4 period/customer rows
        "ReconSummary_Invoice",  # 3 period/currency rows fit
    ]
    workbook = openpyxl.load_workbook(path)
    assert workbook.sheetnames == names
    keys = []
    for name, expected_rows in (
        ("BillingSchedule", 3),
        ("BillingSchedule_2", 3),
        ("BillingSchedule_3", 2),
    ):
        ws = workbook[name]
        assert rows(ws)[0] == BILLING_HEADER, name
        assert ws.freeze_panes == "A2", name
        assert len(rows(ws)) == 1 + expected_rows, name
        keys += [(r["NetSuite ID"], r["Line ID"]) for r in records(ws)]
    assert keys == [(100, 1), (100, 2), (100, 3), (101, 1), (101, 2), (102, 1), (200, 1), (201, 1)]
    amounts = [r["Amount"] for n in names[:3] for r in records(workbook[n])]
    assert amounts == [100, -10, 50, 75.5, 200, 300, -25, -12]
    assert [r["Product Code"] for r in records(workbook["Product_2"])] == ["SUB-PRO"]


@pytest.mark.parametrize(
    ("rows_", "row_limit", "expected"),
    [
        (0, EXCEL_MAX_ROWS, ["BillingSchedule"]),
        (1, EXCEL_MAX_ROWS, ["BillingSchedule"]),
        (EXCEL_MAX_ROWS - 1, EXCEL_MAX_ROWS, ["BillingSchedule"]),
        (EXCEL_MAX_ROWS, EXCEL_MAX_ROWS, ["BillingSchedule", "BillingSchedule_2"]),
        (3, 4, ["BillingSchedule"]),
        (4, 4, ["BillingSchedule", "BillingSchedule_2"]),
        (6, 4, ["BillingSchedule", "BillingSchedule_2"]),
        (7, 4, ["BillingSchedule", "BillingSchedule_2", "BillingSchedule_3"]),
        (8, 4, ["BillingSchedule", "BillingSchedule_2", "BillingSchedule_3"]),
        (3, 2, ["BillingSchedule", "BillingSchedule_2", "BillingSchedule_3"]),
    ],
)
def test_sheet_names(rows_, row_limit, expected):
    assert sheet_names("BillingSchedule", rows_, row_limit) == expected


def test_sheet_names_many_continuations():
    names = sheet_names("Product", 25, 3)
    assert len(names) == 13
    assert names[0] == "Product"
    assert names[1] == "Product_2"
    assert names[-1] == "Product_13"


def test_no_partial_file_after_success(written):
    path, _ = written
    assert leftovers(path.parent) == []


def test_failed_write_leaves_no_partial_and_keeps_the_previous_file(tmp_path):
    path = tmp_path / "w.xlsx"
    good = workbook_frames(classify())
    write_workbook(path, good)
    before = path.read_bytes()

    bad = dict(good)
    billing = good["BillingSchedule"].copy()
    billing["document_date"] = billing["document_date"].astype(object)
    billing.loc[2, "document_date"] = "31/01/2026"  # not a date: XlsxWriter refuses it
    bad["BillingSchedule"] = billing
    with pytest.raises(TypeError):
        write_workbook(path, bad)
    assert leftovers(tmp_path) == []
    assert path.read_bytes() == before
    assert openpyxl.load_workbook(path).sheetnames == FIVE_TABS


def test_failed_write_into_a_new_file_leaves_nothing(tmp_path):
    frames = workbook_frames(classify())
    frames["BillingSchedule"] = frames["BillingSchedule"].assign(amount_cents="12,00")
    folder = tmp_path / "out"
    with pytest.raises(ValueError):
        write_workbook(folder / "w.xlsx", frames)
    assert sorted(os.listdir(folder)) == []


def test_failure_after_the_partial_file_exists_removes_it(tmp_path):
    # The rename fails (the target name is taken by a folder): the finished .partial goes too.
    target = tmp_path / "w.xlsx"
    target.mkdir()
    (target / "keep.txt").write_text("x")
    with pytest.raises(OSError):
        write_workbook(target, workbook_frames(classify()))
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.xlsx"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_folder_fails_and_leaves_nothing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(OSError):
            write_workbook(folder / "w.xlsx", workbook_frames(classify()))
        assert os.listdir(folder) == []
    finally:
        folder.chmod(0o755)


def test_quantities_are_numbers(written):
    path, _ = written
    ws = openpyxl.load_workbook(path)["BillingSchedule"]
    quantity = column_of(ws, "Quantity")
    assert [ws[f"{quantity}{r}"].value for r in range(2, 7)] == [2, None, 1, -1, -1]
    pending = openpyxl.load_workbook(path)["PendingData"]
    assert [r["Quantity"] for r in records(pending)] == [1.5, 1]


def test_text_that_looks_like_a_number_stays_text(tmp_path):
    billing = all_billed().billing_schedule.head(2).copy()
    billing["document_number"] = ["00123", "1e5"]
    billing["customer_id"] = ["0042", "=1+1"]
    path = tmp_path / "w.xlsx"
    write_workbook(path, {"BillingSchedule": billing, "Product": pd.DataFrame()})
    data = records(openpyxl.load_workbook(path)["BillingSchedule"])
    assert [(r["Customer ID"], r["Document Number"]) for r in data] == [
        ("0042", "00123"),
        ("=1+1", "1e5"),
    ]
