"""The finance workbook (SPEC §6): one `.xlsx` per job, written with typed cells (dates as
dates, amounts as numbers with two decimals), a frozen header row and readable widths.

A tab longer than Excel's row limit continues on `<Tab>_2`, `<Tab>_3`, … . Files are written to
a temporary name and renamed, so a reader never sees half a workbook.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd
import xlsxwriter

EXCEL_MAX_ROWS = 1_048_576  # including the header row

TEXT, DATE, AMOUNT, NUMBER, INTEGER = "text", "date", "amount", "number", "integer"
DATETIME = "datetime"  # a naive UTC timestamp


@dataclass(frozen=True)
class Column:
    header: str
    source: str
    kind: str = TEXT


BILLING_TAB = "BillingSchedule"
PRODUCT_TAB = "Product"
PENDING_TAB = "PendingData"
RECON_DETAILS_TAB = "ReconDetails_Invoice"
RECON_SUMMARY_TAB = "ReconSummary_Invoice"

_BILLING = [
    Column("Customer ID", "customer_id"),
    Column("Customer Name", "customer_name"),
    Column("Document Type", "document_type"),
    Column("Document Number", "document_number"),
    Column("NetSuite ID", "netsuite_id", INTEGER),
    Column("Line ID", "line_id", INTEGER),
    Column("Document Date", "document_date", DATE),
    Column("Period", "period"),
    Column("Product Code", "product_code"),
    Column("Product Name", "product_name"),
    Column("Quantity", "quantity", NUMBER),
    Column("Amount", "amount_cents", AMOUNT),
    Column("Currency", "currency"),
    Column("Service Start Date", "service_start_date", DATE),
    Column("Service End Date", "service_end_date", DATE),
    Column("Status", "status"),
    Column("NetSuite Customer ID", "netsuite_customer_id", INTEGER),
    Column("NetSuite Customer Name", "netsuite_customer_name"),
    # OneWorld (SPEC §12); empty in an account without subsidiaries.
    Column("Subsidiary ID", "subsidiary_id", INTEGER),
    Column("Subsidiary", "subsidiary_name"),
]
_SUBSIDIARY = _BILLING[-2:]
_AMOUNTS = [
    Column("NetSuite Amount", "netsuite_cents", AMOUNT),
    Column("RevRec Amount", "revrec_cents", AMOUNT),
    Column("Pending Amount", "pending_cents", AMOUNT),
    Column("Excluded Amount", "excluded_cents", AMOUNT),
    Column("Difference", "difference_cents", AMOUNT),
]
TABS: dict[str, list[Column]] = {
    BILLING_TAB: _BILLING,
    PRODUCT_TAB: [
        Column("Product Code", "product_code"),
        Column("Product Name", "product_name"),
        Column("Item Type", "item_type"),
        Column("NetSuite ID", "netsuite_id", INTEGER),
        Column("Excluded", "excluded"),
    ],
    PENDING_TAB: [
        *_BILLING,
        Column("Reason", "reason"),
        Column("Suggested CRM Name", "suggestion"),
    ],
    RECON_DETAILS_TAB: [
        Column("Period", "period"),
        Column("NetSuite Customer ID", "netsuite_customer_id", INTEGER),
        Column("Customer Name", "netsuite_customer_name"),
        Column("CRM Customer ID", "customer_id"),
        Column("Currency", "currency"),
        *_AMOUNTS,
        Column("Status", "status"),
        *_SUBSIDIARY,
    ],
    RECON_SUMMARY_TAB: [
        Column("Period", "period"),
        Column("Currency", "currency"),
        *_AMOUNTS,
        Column("Customers", "customers", INTEGER),
        Column("Status", "status"),
        *_SUBSIDIARY,
    ],
}
OPTIONAL_TABS = {PENDING_TAB}  # written only when it has rows


def sheet_names(tab: str, rows: int, row_limit: int = EXCEL_MAX_ROWS) -> list[str]:
    """`BillingSchedule`, `BillingSchedule_2`, … for `rows` data rows under `row_limit`."""
    per_sheet = row_limit - 1
    count = max(1, -(-rows // per_sheet))
    return [tab if i == 0 else f"{tab}_{i + 1}" for i in range(count)]


def _cell(value, kind: str):
    if (
        value is None
        or (isinstance(value, float) and value != value)
        or value is pd.NaT
        or value is pd.NA
    ):
        return None
    if kind == AMOUNT:
        return int(value) / 100
    if kind == NUMBER:
        return float(value) if isinstance(value, Decimal | int | float) else value
    if kind == INTEGER:
        return int(value)
    if kind in (DATE, DATETIME):
        if isinstance(value, pd.Timestamp):
            return value.to_pydatetime()
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return dt.datetime(value.year, value.month, value.day)
        return value
    return str(value)


def _rows(frame: pd.DataFrame, columns: Sequence[Column]) -> Iterator[list]:
    arrays = [
        frame[c.source].tolist() if c.source in frame else [None] * len(frame) for c in columns
    ]
    kinds = [c.kind for c in columns]
    for values in zip(*arrays, strict=True):
        yield [_cell(v, k) for v, k in zip(values, kinds, strict=True)]


def _width(column: Column, frame: pd.DataFrame) -> float:
    if column.kind == DATE:
        return 12
    if column.kind == DATETIME:
        return 20
    if column.kind in (AMOUNT, NUMBER):
        return max(len(column.header), 14) + 1
    sample = frame[column.source].head(1000) if column.source in frame else []
    longest = max((len(str(v)) for v in sample if v is not None), default=0)
    return min(max(len(column.header), longest) + 2, 60)


@dataclass(frozen=True)
class Table:
    """One table of a tab: a header row of `columns`, then one row per row of `frame`; an
    optional bold `title` row above the header."""

    columns: Sequence[Column]
    frame: pd.DataFrame
    title: str | None = None


@dataclass(frozen=True)
class Tab:
    """A worksheet. A tab of one untitled table continues on `<name>_2`, … past the row limit; the
    tables of a tab of several are written one under the other (blank row between), and must
    fit on one sheet. The header row of the first table is frozen and filtered."""

    name: str
    tables: Sequence[Table]
    optional: bool = False  # written only when it has rows


FORMAT_SPECS: dict[str, dict] = {
    "header": {"bold": True, "bg_color": "#DDEBF7", "border": 1},
    "title": {"bold": True},
    DATE: {"num_format": "yyyy-mm-dd"},
    DATETIME: {"num_format": "yyyy-mm-dd hh:mm:ss"},
    AMOUNT: {"num_format": "#,##0.00"},
    NUMBER: {"num_format": "#,##0.########"},
    INTEGER: {"num_format": "0"},
}


class Formats:
    """The workbook's cell formats, each added on first use (a workbook holds only those it
    uses)."""

    def __init__(self, workbook: xlsxwriter.Workbook, preload: Sequence[str] = ()) -> None:
        self.workbook = workbook
        self._formats: dict[str, object] = {}
        for name in preload:
            self[name]

    def __getitem__(self, name: str):
        if name not in self._formats:
            self._formats[name] = self.workbook.add_format(FORMAT_SPECS[name])
        return self._formats[name]

    def get(self, name: str):
        return self[name] if name in FORMAT_SPECS else None


def write_header(sheet, formats: Formats, row: int, columns: Sequence[Column], col: int = 0):
    for index, column in enumerate(columns):
        sheet.write_string(row, col + index, column.header, formats["header"])


def write_values(sheet, formats: Formats, row: int, values: list, columns, col: int = 0) -> None:
    """One row of typed cells (as `_rows` gives them): dates as dates, text as text (never
    converted), numbers in their format."""
    for index, value in enumerate(values):
        if value is None:
            continue
        kind = columns[index].kind
        if kind in (DATE, DATETIME):
            sheet.write_datetime(row, col + index, value, formats[kind])
        elif kind == TEXT:
            sheet.write_string(row, col + index, value)
        else:
            sheet.write_number(row, col + index, value, formats[kind])


def write_table(sheet, formats: Formats, row: int, table: Table, col: int = 0) -> int:
    """Write `table` (title, header, rows) from `row`; returns the first row after it."""
    if table.title:
        sheet.write_string(row, col, table.title, formats["title"])
        row += 1
    write_header(sheet, formats, row, table.columns, col)
    for values in _rows(table.frame, table.columns):
        row += 1
        write_values(sheet, formats, row, values, table.columns, col)
    return row + 1


def _write_single(workbook, formats, tab: Tab, row_limit: int) -> list[str]:
    (table,) = tab.tables
    columns, frame = table.columns, table.frame
    names = sheet_names(tab.name, len(frame), row_limit)
    rows = _rows(frame, columns)
    for name in names:
        sheet = workbook.add_worksheet(name)
        for index, column in enumerate(columns):
            sheet.set_column(index, index, _width(column, frame), formats.get(column.kind))
        write_header(sheet, formats, 0, columns)
        sheet.freeze_panes(1, 0)
        for row_number in range(1, row_limit):
            values = next(rows, None)
            if values is None:
                break
            write_values(sheet, formats, row_number, values, columns)
        sheet.autofilter(0, 0, 0, len(columns) - 1)
    return names


def _write_stacked(workbook, formats, tab: Tab, row_limit: int) -> list[str]:
    needed = sum(len(t.frame) + 2 + bool(t.title) for t in tab.tables)
    if needed > row_limit:
        raise ValueError(
            f"The {tab.name} tab needs {needed:,} rows, more than a sheet holds ({row_limit:,})."
        )
    sheet = workbook.add_worksheet(tab.name)
    count = max(len(t.columns) for t in tab.tables)
    for index in range(count):
        width = max(_width(t.columns[index], t.frame) for t in tab.tables if index < len(t.columns))
        sheet.set_column(index, index, width)
    row = 0
    for number, table in enumerate(tab.tables):
        header = row + bool(table.title)
        row = write_table(sheet, formats, row, table) + 1
        if number == 0:
            sheet.freeze_panes(header + 1, 0)
            sheet.autofilter(header, 0, header, len(table.columns) - 1)
    return [tab.name]


def write_tabs(
    path: str | os.PathLike[str],
    tabs: Sequence[Tab],
    row_limit: int = EXCEL_MAX_ROWS,
    *,
    constant_memory: bool = True,
    finish: Callable[[xlsxwriter.Workbook, dict, Formats], None] | None = None,
) -> list[str]:
    """Write `tabs` to `path` through a temporary file in the same folder, renamed over `path`
    once complete (a reader or a kill never leaves half a workbook); returns the sheet names.
    `finish(workbook, sheets by name, formats)` adds what tables cannot (charts) before saving;
    it needs `constant_memory=False`."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    workbook = xlsxwriter.Workbook(
        str(partial), {"constant_memory": constant_memory, "strings_to_numbers": False}
    )
    formats = Formats(workbook, preload=["header", DATE, AMOUNT, NUMBER, INTEGER])
    written: list[str] = []
    try:
        for tab in tabs:
            if tab.optional and all(t.frame.empty for t in tab.tables):
                continue
            if len(tab.tables) == 1 and not tab.tables[0].title:
                written += _write_single(workbook, formats, tab, row_limit)
            else:
                written += _write_stacked(workbook, formats, tab, row_limit)
        if finish is not None:
            finish(workbook, {s.get_name(): s for s in workbook.worksheets()}, formats)
        workbook.close()
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return written


def write_workbook(
    path: str | os.PathLike[str],
    frames: dict[str, pd.DataFrame],
    row_limit: int = EXCEL_MAX_ROWS,
) -> list[str]:
    """Write the tabs of SPEC §6 from `frames` (keyed by tab); returns the sheet names."""
    tabs = [
        Tab(tab, [Table(columns, frames.get(tab, pd.DataFrame()))], tab in OPTIONAL_TABS)
        for tab, columns in TABS.items()
    ]
    return write_tabs(path, tabs, row_limit)
